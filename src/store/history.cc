#include "store/history.h"

#include <algorithm>

namespace cubelet::store {

void History::Add(HistoryEvent event) {
  events_.push_back(std::move(event));
  while (events_.size() > capacity_) {
    window_start_ = events_.front().rv;
    events_.pop_front();
  }
}

std::deque<HistoryEvent>::const_iterator History::FirstAfter(int64_t after) const {
  return std::upper_bound(events_.begin(), events_.end(), after,
                          [](int64_t rv, const HistoryEvent& e) { return rv < e.rv; });
}

std::map<History::NameKey, std::shared_ptr<const api::Object>> History::StateAt(
    int64_t at, const std::string& ns) const {
  std::map<NameKey, std::shared_ptr<const api::Object>> state;
  ForEachAfter(at, [&](const HistoryEvent& e) {
    if (!ns.empty() && e.key.namespace_ != ns) return;
    // Only the first change after `at` tells the state at `at`.
    state.try_emplace(NameKey(e.key.namespace_, e.key.name), e.prev);
  });
  return state;
}

}  // namespace cubelet::store
