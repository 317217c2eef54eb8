// Backend: the persistence primitives LocalStore builds the store semantics on. A backend holds
// rows (key, revision, JSON text) and the current revision, and nothing else: preconditions,
// history, watches and selectors are LocalStore's, so every backend behaves the same.
//
// Thread-safety: Revision(), Read() and Scan() may run concurrently with each other; Commit()
// runs alone (LocalStore holds its exclusive lock around it and shared locks around reads).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/store.h"

namespace cubelet::store {

// One stored object. `json` is api::EncodeObject of the object with an empty resourceVersion
// (the revision lives in `rv`, as etcd keeps it in the key's mod revision).
struct Row {
  std::string namespace_;
  std::string name;
  int64_t rv = 0;
  std::string json;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // The last committed revision (0 for a new store).
  virtual int64_t Revision() const = 0;

  virtual base::Result<std::optional<Row>> Read(const ObjectKey& key) = 0;

  // Calls `fn` for every row of `resource` (only namespace `ns` unless it is empty) whose
  // (namespace, name) is greater than (after_ns, after_name), in ascending order, until `fn`
  // returns false.
  virtual base::Status Scan(std::string_view resource, std::string_view ns,
                            std::string_view after_ns, std::string_view after_name,
                            const std::function<bool(Row&& row)>& fn) = 0;

  // In one transaction: stores `json` under `key` (or deletes the row when `json` is nullopt)
  // with revision `rv`, and makes `rv` the current revision. `rv` is Revision() + 1.
  virtual base::Status Commit(const ObjectKey& key, const std::optional<std::string>& json,
                              int64_t rv) = 0;
};

std::unique_ptr<Backend> NewMemoryBackend();

}  // namespace cubelet::store
