#include "node/backoff.h"

#include <algorithm>

namespace cubelet::node {

void BackOff::Next(const std::string& key, base::TimePoint event_time, base::TimePoint now) {
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, event_time)) {
    entries_[key] = Entry{initial_, now};
    return;
  }
  it->second.delay = std::min(it->second.delay * 2, max_);
  it->second.last_update = now;
}

bool BackOff::InBackOffSince(const std::string& key, base::TimePoint event_time,
                             base::TimePoint now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, event_time)) return false;
  return now - event_time < it->second.delay;
}

bool BackOff::InBackOffSinceUpdate(const std::string& key, base::TimePoint now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, now)) return false;
  return now - it->second.last_update < it->second.delay;
}

base::Duration BackOff::Delay(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? base::Duration::zero() : it->second.delay;
}

std::optional<base::TimePoint> BackOff::EndsAt(const std::string& key,
                                               base::TimePoint event_time) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, event_time)) return std::nullopt;
  return event_time + it->second.delay;
}

void BackOff::Gc(base::TimePoint now) {
  std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.last_update > 2 * max_; });
}

}  // namespace cubelet::node
