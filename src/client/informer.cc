// Informer: client-go's reflector (list, then watch from the list's resourceVersion, resume or
// relist when the watch ends), its thread-safe store and the shared informer's notifications,
// on one thread.
#include <algorithm>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "client/client.h"
#include "client/object_cache.h"

namespace cubelet::client {
namespace {

using namespace std::chrono_literals;

// client-go's reflector back-off: 800 ms, doubling, at most 30 s.
constexpr base::Duration kBackoffInitial = 800ms;
constexpr base::Duration kBackoffMax = 30s;
// A watch that ends this fast without delivering anything is treated as a failure, so a server
// that closes every watch at once is not hammered (client-go's "very short watch").
constexpr base::Duration kShortWatch = 1s;
// base::Clock cannot be interrupted, so back-off sleeps in slices this long and checks for
// Stop() in between.
constexpr base::Duration kSleepSlice = 100ms;
// "Forever" for waits whose end is an event (a year: condition_variable overflows near max()).
constexpr base::Duration kForever = std::chrono::hours(24 * 365);

class Backoff {
 public:
  base::Duration Next() {
    const base::Duration d = current_;
    current_ = std::min(current_ * 2, kBackoffMax);
    return d;
  }
  void Reset() { current_ = kBackoffInitial; }

 private:
  base::Duration current_ = kBackoffInitial;
};

// What the reflector loop does after a watch.
enum class After { kRelist, kRewatch, kBackoff, kStop };

}  // namespace

class Informer::Impl {
 public:
  Impl(std::unique_ptr<ListerWatcher> lw, InformerOptions opts)
      : lw_(std::move(lw)), opts_(std::move(opts)), rng_(std::random_device{}()) {
    if (opts_.clock == nullptr) {
      owned_clock_ = base::NewRealClock();
      opts_.clock = owned_clock_.get();
    }
    clock_ = opts_.clock;
  }

  ~Impl() { Stop(); }

  base::Status AddEventHandler(EventHandlers handlers) {
    std::lock_guard lock(mu_);
    if (started_)
      return base::InvalidError("informer {}: handlers must be added before Start()", opts_.name);
    handlers_.push_back(std::move(handlers));
    return base::Status::Ok();
  }

  void Start() {
    std::lock_guard lock(mu_);
    if (started_ || stopping_) return;
    started_ = true;
    thread_ = std::thread([this] { Run(); });
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      if (current_ != nullptr) current_->Stop();
      cv_.notify_all();
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  bool HasSynced() const {
    std::lock_guard lock(mu_);
    return synced_;
  }

  bool WaitForSync(base::Duration timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::min(timeout, kForever), [&] { return synced_ || stopping_; });
    return synced_;
  }

  std::string LastResourceVersion() const {
    std::lock_guard lock(mu_);
    return last_rv_;
  }

  ObjectCache cache;

 private:
  bool Stopping() const {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  void SetLastResourceVersion(std::string rv) {
    if (rv.empty()) return;
    std::lock_guard lock(mu_);
    last_rv_ = std::move(rv);
  }

  void Run() {
    bool need_list = true;
    while (!Stopping()) {
      if (need_list) {
        base::Status s = ListAndReplace();
        if (!s.ok()) {
          if (Stopping()) return;
          Warn("list failed", s);
          if (!Sleep(backoff_.Next())) return;
          continue;
        }
        backoff_.Reset();
        need_list = false;
      }
      switch (WatchOnce()) {
        case After::kRelist:
          need_list = true;
          break;
        case After::kRewatch:
          break;
        case After::kBackoff:
          if (!Sleep(backoff_.Next())) return;
          break;
        case After::kStop:
          return;
      }
    }
  }

  // Lists every page and replaces the cache with the result.
  base::Status ListAndReplace() {
    base::Result<ListResult> list = base::InternalError("not listed");
    for (int attempt = 0; attempt < 2; ++attempt) {
      // Like client-go: "0" (whatever the server has cached) at first, the last seen version
      // afterwards, and a consistent read ("") when that version is no longer available.
      std::string rv = LastResourceVersion();
      if (rv.empty()) rv = "0";
      if (rv_unavailable_) rv = "";
      list = ListAllPages(rv);
      if (list.ok() || list.status().code() != base::Code::kGone) break;
      rv_unavailable_ = true;
    }
    if (!list.ok()) return list.status();
    rv_unavailable_ = false;
    SetLastResourceVersion(list->resource_version);
    Dispatch(cache.Replace(std::move(list->items)));
    next_resync_ = clock_->Monotonic() + opts_.resync_period;
    std::lock_guard lock(mu_);
    synced_ = true;
    cv_.notify_all();
    return base::Status::Ok();
  }

  base::Result<ListResult> ListAllPages(const std::string& rv) {
    ListOptions opts;
    opts.limit = opts_.page_size;
    opts.resource_version = rv;
    ListResult all;
    while (true) {
      if (Stopping()) return base::Error(base::Code::kCancelled, "informer stopped");
      ASSIGN_OR_RETURN(ListResult page, lw_->List(opts));
      std::move(page.items.begin(), page.items.end(), std::back_inserter(all.items));
      if (page.continue_token.empty()) {
        all.resource_version = std::move(page.resource_version);
        return all;
      }
      // A continued list is read at the first page's version; the server refuses both.
      opts.continue_token = std::move(page.continue_token);
      opts.resource_version.clear();
    }
  }

  After WatchOnce() {
    WatchOptions opts;
    opts.resource_version = LastResourceVersion();
    opts.allow_bookmarks = true;
    // Random 5-10 minutes (client-go), so the watches of many clients do not end together.
    opts.timeout_seconds = std::uniform_int_distribution<int64_t>(300, 599)(rng_);
    const base::Duration started = clock_->Monotonic();
    auto watch = lw_->Watch(opts);
    if (!watch.ok()) {
      if (Stopping()) return After::kStop;
      if (watch.status().code() == base::Code::kGone) return After::kRelist;
      Warn("watch failed", watch.status());
      return After::kBackoff;
    }
    std::unique_ptr<WatchStream> stream = std::move(watch).value();
    {
      std::lock_guard lock(mu_);
      if (stopping_) return After::kStop;
      current_ = stream.get();
    }
    const After after = Consume(*stream, started);
    {
      std::lock_guard lock(mu_);
      current_ = nullptr;
    }
    return after;
  }

  After Consume(WatchStream& stream, base::Duration started) {
    int events = 0;
    while (true) {
      std::optional<WatchEvent> ev = stream.Next(WaitBudget());
      if (Stopping()) return After::kStop;
      MaybeResync();
      if (!ev) {
        if (stream.Done()) break;
        continue;
      }
      ++events;
      if (ev->type == EventType::kError) {
        if (ev->error.code() == base::Code::kGone) return After::kRelist;
        Warn("watch ended with an error", ev->error);
        return After::kBackoff;
      }
      backoff_.Reset();  // the watch works
      // Recorded first, so a handler that asks sees the version of the event it handles.
      SetLastResourceVersion(api::MetaOf(ev->object).resource_version);
      if (ev->type != EventType::kBookmark) {
        if (std::optional<Delta> d = cache.Apply(ev->type, std::move(ev->object))) Dispatch({*d});
      }
    }
    if (events == 0 && clock_->Monotonic() - started < kShortWatch) {
      Warn("watch closed at once", base::Status(base::Code::kUnavailable, "no events"));
      return After::kBackoff;
    }
    return After::kRewatch;  // the server ended it (timeoutSeconds): resume where we are
  }

  // How long a watch may block before the next resync is due.
  base::Duration WaitBudget() const {
    if (opts_.resync_period <= base::Duration::zero()) return kForever;
    return std::max(next_resync_ - clock_->Monotonic(), base::Duration::zero());
  }

  void MaybeResync() {
    if (opts_.resync_period <= base::Duration::zero()) return;
    const base::Duration now = clock_->Monotonic();
    if (now < next_resync_) return;
    next_resync_ = now + opts_.resync_period;
    std::vector<Delta> deltas;
    for (auto& obj : cache.List()) deltas.push_back({Delta::Type::kUpdate, obj, obj});
    Dispatch(deltas);
  }

  void Dispatch(const std::vector<Delta>& deltas) {
    for (const Delta& d : deltas) {
      for (const EventHandlers& h : handlers_) {
        switch (d.type) {
          case Delta::Type::kAdd:
            if (h.on_add) h.on_add(*d.obj);
            break;
          case Delta::Type::kUpdate:
            if (h.on_update) h.on_update(*d.old_obj, *d.obj);
            break;
          case Delta::Type::kDelete:
            if (h.on_delete) h.on_delete(*d.obj);
            break;
        }
      }
    }
  }

  // Sleeps `d` on the injected clock; false when Stop() came first.
  bool Sleep(base::Duration d) {
    const base::Duration deadline = clock_->Monotonic() + d;
    while (!Stopping()) {
      const base::Duration left = deadline - clock_->Monotonic();
      if (left <= base::Duration::zero()) return true;
      clock_->SleepFor(std::min(left, kSleepSlice));
    }
    return false;
  }

  void Warn(std::string_view what, const base::Status& s) {
    if (opts_.logger == nullptr) return;
    opts_.logger->Warning(fmt::format("informer: {}", what),
                          {{"informer", opts_.name}, {"error", s.ToString()}});
  }

  const std::unique_ptr<ListerWatcher> lw_;
  InformerOptions opts_;
  std::unique_ptr<base::Clock> owned_clock_;
  base::Clock* clock_ = nullptr;
  std::thread thread_;

  // Used by the informer's thread only (handlers_ is fixed once started).
  std::vector<EventHandlers> handlers_;
  std::mt19937_64 rng_;
  Backoff backoff_;
  bool rv_unavailable_ = false;
  base::Duration next_resync_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  bool synced_ = false;
  std::string last_rv_;
  WatchStream* current_ = nullptr;  // the watch Stop() must interrupt
};

Informer::Informer(std::unique_ptr<ListerWatcher> lw, InformerOptions opts)
    : impl_(std::make_unique<Impl>(std::move(lw), std::move(opts))) {}
Informer::~Informer() = default;
base::Status Informer::AddEventHandler(EventHandlers handlers) {
  return impl_->AddEventHandler(std::move(handlers));
}
void Informer::Start() { impl_->Start(); }
void Informer::Stop() { impl_->Stop(); }
bool Informer::HasSynced() const { return impl_->HasSynced(); }
bool Informer::WaitForSync(base::Duration timeout) { return impl_->WaitForSync(timeout); }
std::vector<std::shared_ptr<const api::Object>> Informer::List() const {
  return impl_->cache.List();
}
std::shared_ptr<const api::Object> Informer::Get(std::string_view ns, std::string_view name) const {
  return impl_->cache.Get(ns, name);
}
std::string Informer::LastResourceVersion() const { return impl_->LastResourceVersion(); }

}  // namespace cubelet::client
