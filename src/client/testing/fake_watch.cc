#include "client/testing/fake_watch.h"

#include <algorithm>
#include <chrono>

namespace cubelet::client {
namespace {

// condition_variable::wait_for overflows with durations near Duration::max().
constexpr base::Duration kForever = std::chrono::hours(24 * 365);

}  // namespace

bool FakeWatchState::Matches(const api::Object& obj) const {
  const api::ObjectMeta& meta = api::MetaOf(obj);
  if (kind_.namespaced && !namespace_.empty() && meta.namespace_ != namespace_) return false;
  return labels_.Matches(meta.labels) && fields_.Matches(obj);
}

void FakeWatchState::Deliver(EventType type, const api::Object& obj,
                             const std::optional<api::Object>& prev) {
  const bool now = Matches(obj);
  const bool before = prev.has_value() && Matches(*prev);
  WatchEvent ev;
  ev.object = obj;
  if (type == EventType::kDeleted) {
    if (!before && !now) return;
    ev.type = EventType::kDeleted;
  } else if (now) {
    ev.type = before ? EventType::kModified : EventType::kAdded;
  } else if (before) {
    ev.type = EventType::kDeleted;  // it left this watch's selection
  } else {
    return;
  }
  Push(std::move(ev));
}

void FakeWatchState::Push(WatchEvent ev) {
  std::lock_guard lock(mu_);
  if (stopped_ || closed_) return;
  queue_.push_back(std::move(ev));
  cv_.notify_all();
}

void FakeWatchState::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

bool FakeWatchState::Open() const {
  std::lock_guard lock(mu_);
  return !stopped_ && !closed_;
}

std::optional<WatchEvent> FakeWatchState::Next(base::Duration timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::min(timeout, kForever),
               [&] { return stopped_ || closed_ || !queue_.empty(); });
  if (stopped_ || queue_.empty()) return std::nullopt;
  WatchEvent ev = std::move(queue_.front());
  queue_.pop_front();
  return ev;
}

void FakeWatchState::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  queue_.clear();
  cv_.notify_all();
}

bool FakeWatchState::Done() const {
  std::lock_guard lock(mu_);
  return stopped_ || (closed_ && queue_.empty());
}

}  // namespace cubelet::client
