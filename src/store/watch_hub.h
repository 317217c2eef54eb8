// WatchHub: the watchers of one store and the fan-out of committed events to them (the
// cacher's dispatch). Each watcher filters events by its namespace and selectors, converts
// selector transitions (MODIFIED into a match is ADDED, out of it DELETED), and buffers what
// its consumer has not taken; one that falls too far behind is ended with an ERROR event.
//
// Thread-safety: Add() and Dispatch() may be called from any thread; LocalStore calls
// Dispatch() in revision order under its exclusive lock and Add() under a shared one, so a new
// watcher misses no event and sees none twice. Dispatch never blocks on a consumer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/api.h"
#include "api/selector.h"
#include "store/history.h"
#include "store/store.h"

namespace cubelet::store {

struct WatchFilter {
  const api::KindInfo* kind = nullptr;
  std::string resource;
  std::string namespace_;  // "" for every namespace
  api::LabelMatcher labels;
  api::FieldMatcher fields;

  // The object is in the namespace and matches both selectors.
  bool Matches(const api::Object& obj) const;
};

// One event as a watcher will deliver it.
struct PendingEvent {
  EventType type = EventType::kAdded;
  std::shared_ptr<const api::Object> object;  // null for kError
  int64_t rv = 0;
  base::Status error;  // kError only
};

// What a watcher with `filter` receives for `event`, or nullopt when it is not interested
// (the cacher's convertToWatchEvent).
std::optional<PendingEvent> EventFor(const WatchFilter& filter, const HistoryEvent& event);

class WatcherState;

class WatchHub {
 public:
  // `buffer`: live events a watcher may have waiting before it is ended as too slow.
  explicit WatchHub(size_t buffer) : buffer_(buffer) {}
  // Ends every watch still open; their consumers drain what is buffered, then see Done().
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // A watcher that first delivers `initial` (not counted against the buffer) and has seen
  // every revision up to `start_rv`.
  std::unique_ptr<Watcher> Add(WatchFilter filter, std::vector<PendingEvent> initial,
                               int64_t start_rv);

  void Dispatch(const HistoryEvent& event);

 private:
  const size_t buffer_;
  std::mutex mu_;
  std::vector<std::shared_ptr<WatcherState>> watchers_;
};

}  // namespace cubelet::store
