// The in-memory Backend: a sorted map, so scans come out in the order SQLite's primary key
// gives, and NewMemoryStore() shares every line of store semantics with the SQLite store.
#include <map>
#include <shared_mutex>
#include <tuple>

#include "store/backend.h"
#include "store/local_store.h"

namespace cubelet::store {
namespace {

class MemoryBackend final : public Backend {
 public:
  int64_t Revision() const override {
    std::shared_lock lock(mu_);
    return revision_;
  }

  base::Result<std::optional<Row>> Read(const ObjectKey& key) override {
    std::shared_lock lock(mu_);
    auto it = rows_.find(std::tie(key.resource, key.namespace_, key.name));
    if (it == rows_.end()) return std::optional<Row>();
    return std::optional<Row>(it->second);
  }

  base::Status Scan(std::string_view resource, std::string_view ns, std::string_view after_ns,
                    std::string_view after_name,
                    const std::function<bool(Row&& row)>& fn) override {
    std::shared_lock lock(mu_);
    // The first key after (after_ns, after_name), or the start of `ns` when that is later:
    // the empty name sorts before every real one.
    Key from{std::string(resource), std::string(after_ns), std::string(after_name)};
    if (!ns.empty() && std::string_view(std::get<1>(from)) < ns) {
      from = Key(std::string(resource), std::string(ns), "");
    }
    auto it = rows_.upper_bound(from);
    for (; it != rows_.end(); ++it) {
      const auto& [r, row_ns, row_name] = it->first;
      if (r != resource) break;
      if (!ns.empty() && row_ns != ns) {
        if (row_ns > ns) break;
        continue;
      }
      Row copy = it->second;
      if (!fn(std::move(copy))) break;
    }
    return base::Status::Ok();
  }

  base::Status Commit(const ObjectKey& key, const std::optional<std::string>& json,
                      int64_t rv) override {
    std::unique_lock lock(mu_);
    Key k(key.resource, key.namespace_, key.name);
    if (json) {
      rows_[k] = Row{key.namespace_, key.name, rv, *json};
    } else {
      rows_.erase(k);
    }
    revision_ = rv;
    return base::Status::Ok();
  }

 private:
  using Key = std::tuple<std::string, std::string, std::string>;
  // LocalStore already serializes commits against reads; this lock keeps the backend safe on
  // its own, which costs nothing measurable.
  mutable std::shared_mutex mu_;
  std::map<Key, Row, std::less<>> rows_;
  int64_t revision_ = 0;
};

}  // namespace

std::unique_ptr<Backend> NewMemoryBackend() { return std::make_unique<MemoryBackend>(); }

std::unique_ptr<Store> NewMemoryStore(const StoreOptions& opts) {
  return std::make_unique<LocalStore>(NewMemoryBackend(), opts);
}

}  // namespace cubelet::store
