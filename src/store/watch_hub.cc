#include "store/watch_hub.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>

#include "store/resources.h"

namespace cubelet::store {

bool WatchFilter::Matches(const api::Object& obj) const {
  const api::ObjectMeta& meta = api::MetaOf(obj);
  if (!namespace_.empty() && meta.namespace_ != namespace_) return false;
  return labels.Matches(meta.labels) && fields.Matches(obj);
}

std::optional<PendingEvent> EventFor(const WatchFilter& filter, const HistoryEvent& event) {
  if (event.key.resource != filter.resource) return std::nullopt;
  if (!filter.namespace_.empty() && event.key.namespace_ != filter.namespace_) {
    return std::nullopt;
  }
  const bool now = event.type != EventType::kDeleted && filter.Matches(*event.object);
  const bool before = event.prev != nullptr && filter.Matches(*event.prev);
  if (now) {
    return PendingEvent{
        before ? EventType::kModified : EventType::kAdded, event.object, event.rv, {}};
  }
  if (!before) return std::nullopt;
  if (event.type == EventType::kDeleted) {
    return PendingEvent{EventType::kDeleted, event.object, event.rv, {}};
  }
  // It left the watcher's selection: the last state it matched in, at this revision, so
  // the client's resourceVersion keeps moving forward.
  auto gone = std::make_shared<api::Object>(*event.prev);
  api::MetaOf(*gone).resource_version = std::to_string(event.rv);
  return PendingEvent{EventType::kDeleted, std::move(gone), event.rv, {}};
}

// The state one watcher shares between the hub (producer) and its handle (consumer).
class WatcherState {
 public:
  WatcherState(WatchFilter filter, size_t buffer, std::vector<PendingEvent> initial,
               int64_t start_rv)
      : filter_(std::move(filter)),
        buffer_(buffer),
        initial_(std::make_move_iterator(initial.begin()), std::make_move_iterator(initial.end())),
        seen_rv_(start_rv) {}

  // Producer side. Returns false once the watcher takes no more events (the hub drops it).
  bool Offer(const HistoryEvent& event) {
    std::optional<PendingEvent> pending = EventFor(filter_, event);
    std::lock_guard lock(mu_);
    if (stopped_ || ended_) return false;
    seen_rv_ = event.rv;
    if (!pending) return true;
    if (live_.size() >= buffer_) {
      // Kubernetes closes a watcher whose consumer cannot keep up rather than let it hold
      // up every other watcher or grow without bound.
      live_.push_back(PendingEvent{
          EventType::kError, nullptr, event.rv,
          base::Error(base::Code::kResourceExhausted,
                      "watch of {} closed: the client fell more than {} events behind; watch "
                      "again from the last resourceVersion it received",
                      filter_.resource, buffer_)});
      ended_ = true;
    } else {
      live_.push_back(std::move(*pending));
    }
    cv_.notify_all();
    if (ready_) ready_();
    return !ended_;
  }

  void End() {
    std::lock_guard lock(mu_);
    ended_ = true;
    cv_.notify_all();
    if (ready_) ready_();
  }

  void SetReadyCallback(std::function<void()> ready) {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    ready_ = std::move(ready);
    if (ready_ && (ended_ || !initial_.empty() || !live_.empty())) ready_();
  }

  // Consumer side.
  std::optional<WatchEvent> Next(base::Duration timeout) {
    std::unique_lock lock(mu_);
    auto ready = [&] { return stopped_ || ended_ || !initial_.empty() || !live_.empty(); };
    // wait_for with a huge duration overflows the steady clock; treat it as "forever".
    if (timeout >= std::chrono::hours(24 * 365)) {
      cv_.wait(lock, ready);
    } else {
      cv_.wait_for(lock, timeout, ready);
    }
    if (stopped_) return std::nullopt;
    std::deque<PendingEvent>& from = !initial_.empty() ? initial_ : live_;
    if (from.empty()) return std::nullopt;
    PendingEvent p = std::move(from.front());
    from.pop_front();
    WatchEvent out;
    out.type = p.type;
    if (p.object) out.object = *p.object;
    out.error = std::move(p.error);
    if (p.type != EventType::kError) reported_rv_ = std::max(reported_rv_, p.rv);
    return out;
  }

  std::optional<WatchEvent> Bookmark() {
    std::lock_guard lock(mu_);
    if (stopped_ || ended_ || !initial_.empty() || !live_.empty()) return std::nullopt;
    if (seen_rv_ <= reported_rv_) return std::nullopt;
    reported_rv_ = seen_rv_;
    WatchEvent out;
    out.type = EventType::kBookmark;
    out.object = EmptyObject(*filter_.kind);
    api::MetaOf(out.object).resource_version = std::to_string(seen_rv_);
    return out;
  }

  void Stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    initial_.clear();
    live_.clear();
    ready_ = nullptr;
    cv_.notify_all();
  }

  bool Done() {
    std::lock_guard lock(mu_);
    return stopped_ || (ended_ && initial_.empty() && live_.empty());
  }

 private:
  const WatchFilter filter_;
  const size_t buffer_;
  std::mutex mu_;
  std::condition_variable cv_;
  // The initial state or history replay, then live events (only these count against the
  // buffer).
  std::deque<PendingEvent> initial_;
  std::deque<PendingEvent> live_;
  std::function<void()> ready_;  // see Watcher::SetReadyCallback
  bool stopped_ = false;         // the consumer stopped: nothing more is delivered
  bool ended_ = false;           // no more events arrive; the buffered ones are still delivered
  int64_t seen_rv_;              // every revision up to here is buffered or filtered out
  int64_t reported_rv_ = 0;
};

namespace {

class WatcherHandle final : public Watcher {
 public:
  explicit WatcherHandle(std::shared_ptr<WatcherState> state) : state_(std::move(state)) {}
  ~WatcherHandle() override { state_->Stop(); }

  std::optional<WatchEvent> Next(base::Duration timeout) override { return state_->Next(timeout); }
  std::optional<WatchEvent> Bookmark() override { return state_->Bookmark(); }
  void Stop() override { state_->Stop(); }
  bool Done() override { return state_->Done(); }
  void SetReadyCallback(std::function<void()> ready) override {
    state_->SetReadyCallback(std::move(ready));
  }

 private:
  std::shared_ptr<WatcherState> state_;
};

}  // namespace

WatchHub::~WatchHub() {
  std::lock_guard lock(mu_);
  for (auto& w : watchers_) w->End();
}

std::unique_ptr<Watcher> WatchHub::Add(WatchFilter filter, std::vector<PendingEvent> initial,
                                       int64_t start_rv) {
  auto state =
      std::make_shared<WatcherState>(std::move(filter), buffer_, std::move(initial), start_rv);
  {
    std::lock_guard lock(mu_);
    watchers_.push_back(state);
  }
  return std::make_unique<WatcherHandle>(std::move(state));
}

void WatchHub::Dispatch(const HistoryEvent& event) {
  std::lock_guard lock(mu_);
  // Watchers that stopped or ended are dropped here, so no separate cleanup is needed.
  std::erase_if(watchers_, [&](const auto& w) { return !w->Offer(event); });
}

}  // namespace cubelet::store
