// History: the bounded in-memory record of one resource's recent changes (the watch cache's
// ring). Watches replay it from a resourceVersion, and paginated lists undo its newer events to
// show a page as it was at an older revision, as etcd's MVCC would.
//
// Thread-safety: none; LocalStore mutates it under its exclusive lock and reads it under a
// shared one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "api/api.h"
#include "store/store.h"

namespace cubelet::store {

// One committed change. Objects are shared, immutable, and carry their resourceVersion.
struct HistoryEvent {
  int64_t rv = 0;
  EventType type = EventType::kAdded;  // kAdded, kModified or kDeleted
  ObjectKey key;
  // The new state; for kDeleted the last state with the deletion's resourceVersion.
  std::shared_ptr<const api::Object> object;
  // The state before; nullptr for kAdded.
  std::shared_ptr<const api::Object> prev;
};

class History {
 public:
  // `start`: the revision the history begins at (the store's revision when it was opened).
  History(size_t capacity, int64_t start) : capacity_(capacity), window_start_(start) {}

  // Appends an event; its rv is greater than every earlier one. Drops the oldest event when
  // full, which moves the window start up to it.
  void Add(HistoryEvent event);

  // Every event with rv > WindowStart() is held, so a watch or list can start at any revision
  // >= WindowStart(). Older revisions are Gone.
  int64_t WindowStart() const { return window_start_; }

  // Calls fn for every event with rv > after, oldest first.
  template <class F>
  void ForEachAfter(int64_t after, F&& fn) const {
    for (auto it = FirstAfter(after); it != events_.end(); ++it) fn(*it);
  }

  // (namespace, name) of an object of this resource.
  using NameKey = std::pair<std::string, std::string>;
  // The state at revision `at` of every object (in namespace `ns` unless empty) changed after
  // `at`: the state before its first later change, nullptr when it did not exist then.
  // Objects absent from the map are unchanged since `at`. Precondition: at >= WindowStart().
  std::map<NameKey, std::shared_ptr<const api::Object>> StateAt(int64_t at,
                                                                const std::string& ns) const;

 private:
  std::deque<HistoryEvent>::const_iterator FirstAfter(int64_t after) const;

  size_t capacity_;
  int64_t window_start_;
  std::deque<HistoryEvent> events_;
};

}  // namespace cubelet::store
