// LocalStore: the Store semantics for a store this process owns alone (SQLite or memory):
// keys and preconditions, the global revision, per-resource history, consistent paginated
// lists and watches. The Backend below it only persists rows.
//
// Locking: one reader-writer lock. A write holds it exclusively from reading the current row
// through the commit, the history append and the dispatch to watchers, so revisions, history
// and watch order always agree with what is committed. Reads (Get, List, a watch's start)
// hold it shared and run in parallel. GuaranteedUpdate runs its function with no lock held.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

#include "store/backend.h"
#include "store/history.h"
#include "store/store.h"
#include "store/watch_hub.h"

namespace cubelet::store {

class LocalStore final : public Store {
 public:
  LocalStore(std::unique_ptr<Backend> backend, const StoreOptions& opts);
  ~LocalStore() override;

  base::Result<api::Object> Create(api::Object obj) override;
  base::Result<api::Object> Get(const ObjectKey& key) override;
  base::Result<api::Object> Update(api::Object obj) override;
  base::Result<api::Object> GuaranteedUpdate(const ObjectKey& key,
                                             const Preconditions& preconditions,
                                             const UpdateFunction& fn) override;
  base::Result<api::Object> Delete(const ObjectKey& key,
                                   const Preconditions& preconditions) override;
  base::Result<ListResult> List(std::string_view resource, const ListOptions& opts) override;
  base::Result<std::unique_ptr<Watcher>> Watch(std::string_view resource,
                                               const WatchOptions& opts) override;
  std::string ResourceVersion() override;

 private:
  struct Current {
    Row row;
    std::shared_ptr<const api::Object> object;  // decoded, with its resourceVersion
  };

  // Under mu_ (either mode).
  base::Result<std::optional<Current>> ReadLocked(const ObjectKey& key);
  // Under mu_ exclusively: commits `json` (nullopt deletes) at the next revision, records the
  // event and dispatches it. `object` is the new state without its resourceVersion.
  base::Result<api::Object> CommitLocked(const ObjectKey& key, EventType type,
                                         std::optional<api::Object> object,
                                         std::optional<std::string> json,
                                         std::shared_ptr<const api::Object> prev);
  const History& HistoryOf(std::string_view resource) const {
    return histories_.find(resource)->second;
  }

  std::shared_mutex mu_;
  std::unique_ptr<Backend> backend_;
  // One per resource, created up front so readers never see the map change.
  std::map<std::string, History, std::less<>> histories_;
  WatchHub hub_;
};

// Decodes a row of `key` into an object carrying the row's resourceVersion; Internal, naming
// the key, when the stored JSON is not a valid object of the resource's kind.
base::Result<api::Object> DecodeRow(const ObjectKey& key, const Row& row);

}  // namespace cubelet::store
