// ListerWatcherFor: an informer's view of one resource through a Client (client-go's
// cache.NewFilteredListWatchFromClient).
#include <string>
#include <utility>

#include "client/client.h"

namespace cubelet::client {
namespace {

class ClientListerWatcher final : public ListerWatcher {
 public:
  ClientListerWatcher(Client& client, const api::KindInfo& kind, std::string ns,
                      std::string label_selector, std::string field_selector)
      : client_(client),
        kind_(kind),
        namespace_(std::move(ns)),
        label_selector_(std::move(label_selector)),
        field_selector_(std::move(field_selector)) {}

  base::Result<ListResult> List(const ListOptions& opts) override {
    ListOptions o = opts;
    o.namespace_ = namespace_;
    o.label_selector = label_selector_;
    o.field_selector = field_selector_;
    return client_.List(kind_, o);
  }

  base::Result<std::unique_ptr<WatchStream>> Watch(const WatchOptions& opts) override {
    WatchOptions o = opts;
    o.namespace_ = namespace_;
    o.label_selector = label_selector_;
    o.field_selector = field_selector_;
    return client_.Watch(kind_, o);
  }

 private:
  Client& client_;
  const api::KindInfo& kind_;
  const std::string namespace_;
  const std::string label_selector_;
  const std::string field_selector_;
};

}  // namespace

std::unique_ptr<ListerWatcher> ListerWatcherFor(Client& client, const api::KindInfo& kind,
                                                std::string namespace_, std::string label_selector,
                                                std::string field_selector) {
  return std::make_unique<ClientListerWatcher>(
      client, kind, std::move(namespace_), std::move(label_selector), std::move(field_selector));
}

}  // namespace cubelet::client
