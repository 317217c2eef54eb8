// Watch streams over a StreamConnection.
#include "apiserver/watch_stream.h"

namespace cubelet::apiserver {
namespace {

// Above this many unsent bytes the stream stops taking events from the watcher; the store
// buffers them, and ends the watch if the client stays too slow.
constexpr size_t kMaxPending = 1 << 20;

class WatchPump : public std::enable_shared_from_this<WatchPump> {
 public:
  WatchPump(std::shared_ptr<store::Watcher> watcher, std::shared_ptr<StreamConnection> conn,
            const WatchStreamOptions& options, base::Clock& clock)
      : watcher_(std::move(watcher)), conn_(std::move(conn)), options_(options), clock_(clock) {}

  void Start() {
    std::weak_ptr<WatchPump> weak = weak_from_this();
    conn_->OnDrained([weak] {
      if (auto self = weak.lock()) self->Pump();
    });
    // The callback runs on a store writer's thread under the watcher's lock: it only posts.
    // It holds the pump weakly: the pump owns the watcher, which owns the callback.
    std::shared_ptr<StreamConnection> conn = conn_;
    watcher_->SetReadyCallback([weak, conn] {
      conn->Post([weak] {
        if (auto self = weak.lock()) self->Pump();
      });
    });
    conn_->After(options_.timeout, [self = shared_from_this()] { self->End(); });
    if (options_.bookmarks) ScheduleBookmark();
    // The pump keeps itself alive through the connection's drain callback until it ends.
    self_ = shared_from_this();
  }

 private:
  void Pump() {
    if (ended_) return;
    if (conn_->Closed()) {
      End();
      return;
    }
    std::string batch;
    while (conn_->Pending() + batch.size() < kMaxPending) {
      std::optional<store::WatchEvent> ev = watcher_->Next(std::chrono::nanoseconds(0));
      if (!ev) break;
      batch += WatchEventLine(*ev, rendering_, clock_.Now());
      // Column headers go with the first Table row only, as kube-apiserver does.
      rendering_.table_options.no_headers = true;
      if (ev->type == store::EventType::kError) {
        conn_->Send(std::move(batch));
        End();
        return;
      }
    }
    if (!batch.empty()) conn_->Send(std::move(batch));
    if (watcher_->Done()) End();
  }

  void ScheduleBookmark() {
    conn_->After(options_.bookmark_interval, [self = shared_from_this()] {
      if (self->ended_) return;
      if (std::optional<store::WatchEvent> b = self->watcher_->Bookmark()) {
        self->conn_->Send(WatchEventLine(*b, Rendering{}, self->clock_.Now()));
      }
      self->ScheduleBookmark();
    });
  }

  void End() {
    if (ended_) return;
    ended_ = true;
    watcher_->Stop();
    conn_->Finish();
    conn_->OnDrained(nullptr);
    self_.reset();
  }

  std::shared_ptr<store::Watcher> watcher_;
  std::shared_ptr<StreamConnection> conn_;
  WatchStreamOptions options_;
  Rendering rendering_ = options_.rendering;
  base::Clock& clock_;
  bool ended_ = false;
  std::shared_ptr<WatchPump> self_;
};

}  // namespace

void WatchRegistry::Add(std::weak_ptr<store::Watcher> w) {
  std::lock_guard lock(mu_);
  std::erase_if(watchers_, [](auto& x) { return x.expired(); });
  watchers_.push_back(std::move(w));
}

void WatchRegistry::StopAll() {
  std::lock_guard lock(mu_);
  for (auto& w : watchers_) {
    if (auto s = w.lock()) s->Stop();
  }
  watchers_.clear();
}

void StreamWatch(std::shared_ptr<store::Watcher> watcher, std::shared_ptr<StreamConnection> conn,
                 const WatchStreamOptions& options, base::Clock& clock) {
  auto pump = std::make_shared<WatchPump>(std::move(watcher), conn, options, clock);
  conn->Post([pump] { pump->Start(); });
}

std::string WatchEventLine(const store::WatchEvent& event, const Rendering& rendering,
                           base::TimePoint now) {
  api::Json object;
  if (event.type == store::EventType::kError) {
    object = StatusJson(event.error);
  } else if (event.type == store::EventType::kBookmark) {
    object = api::EncodeObject(event.object);
  } else {
    object = RenderObject(event.object, rendering, now);
  }
  api::Json line = {{"type", store::EventTypeName(event.type)}, {"object", std::move(object)}};
  return line.dump() + "\n";
}

}  // namespace cubelet::apiserver
