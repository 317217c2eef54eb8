// Per-key exponential back-off with the semantics of client-go's flowcontrol.Backoff as the
// kubelet configures it (no jitter). Used for the crash-loop back-off (key: pod, container and
// spec hash) and the image pull back-off (key: pod UID and image). Private to src/node.
//
// Not thread-safe: each pod worker owns the back-off entries of its pod.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/clock.h"

namespace cubelet::node {

class BackOff {
 public:
  struct Entry {
    base::Duration delay{};
    base::TimePoint last_update;
    bool operator==(const Entry&) const = default;
  };

  // `reset_after`: an entry whose event happened more than this after its last update is
  // stale and starts over at `initial` (the kubelet: 10 minutes for crash loops, so a
  // container that ran that long is back to a 10 s delay; 2 × max for image pulls).
  BackOff(base::Duration initial, base::Duration max, base::Duration reset_after)
      : initial_(initial), max_(max), reset_after_(reset_after) {}

  // Records one more failure at `now` for an event that happened at `event_time`: the first
  // (or first after a reset) sets the delay to `initial`, later ones double it up to `max`.
  void Next(const std::string& key, base::TimePoint event_time, base::TimePoint now);
  // True while `now` is less than the current delay after `event_time` (the crash-loop check:
  // the event is the previous instance's finish time).
  bool InBackOffSince(const std::string& key, base::TimePoint event_time,
                      base::TimePoint now) const;
  // True while `now` is less than the current delay after the last Next() (the pull check).
  bool InBackOffSinceUpdate(const std::string& key, base::TimePoint now) const;
  // The current delay of a key (zero when it has none).
  base::Duration Delay(const std::string& key) const;
  // When the back-off of an event at `event_time` ends, if the key has a live entry.
  std::optional<base::TimePoint> EndsAt(const std::string& key, base::TimePoint event_time) const;
  void Reset(const std::string& key) { entries_.erase(key); }
  // Drops entries not updated for 2 × max (the kubelet's periodic GC).
  void Gc(base::TimePoint now);

  const std::map<std::string, Entry>& entries() const { return entries_; }
  void Restore(std::map<std::string, Entry> entries) { entries_ = std::move(entries); }

 private:
  bool Expired(const Entry& e, base::TimePoint event_time) const {
    return event_time - e.last_update > reset_after_;
  }

  base::Duration initial_;
  base::Duration max_;
  base::Duration reset_after_;
  std::map<std::string, Entry> entries_;
};

}  // namespace cubelet::node
