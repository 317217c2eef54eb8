// The informer's cache (client-go's thread-safe store keyed by namespace/name) and the
// notifications each change produces.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api.h"
#include "client/client.h"

namespace cubelet::client {

// One notification for the handlers: add (obj), update (old_obj → obj) or delete (obj).
struct Delta {
  enum class Type { kAdd, kUpdate, kDelete };
  Type type = Type::kAdd;
  std::shared_ptr<const api::Object> old_obj;  // kUpdate only
  std::shared_ptr<const api::Object> obj;
};

class ObjectCache {
 public:
  // Replaces the whole content with a fresh list: adds for new objects, updates for changed
  // ones (another resourceVersion), deletes (with the last known state) for vanished ones.
  std::vector<Delta> Replace(std::vector<api::Object> items);
  // Applies one ADDED/MODIFIED/DELETED watch event. An ADDED of a known object is an update
  // and a MODIFIED of an unknown one an add; a DELETED of an unknown object changes nothing
  // (client-go's DeltaFIFO drops it too).
  std::optional<Delta> Apply(EventType type, api::Object obj);

  std::vector<std::shared_ptr<const api::Object>> List() const;
  std::shared_ptr<const api::Object> Get(std::string_view ns, std::string_view name) const;

 private:
  // (namespace, name): namespace "" for cluster-scoped objects.
  using Key = std::pair<std::string, std::string>;
  mutable std::mutex mu_;
  std::map<Key, std::shared_ptr<const api::Object>> objects_;
};

}  // namespace cubelet::client
