#include "client/http_watch.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "client/errors.h"
#include "client/watch_events.h"

namespace cubelet::client {
namespace {

// Events decoded but not yet taken; beyond this the transfer thread waits, so a slow consumer
// slows the server's writes instead of growing memory (client-go's watch channel is unbuffered
// for the same reason).
constexpr size_t kMaxQueued = 1024;

// condition_variable::wait_for overflows with durations near Duration::max().
constexpr base::Duration kForever = std::chrono::hours(24 * 365);

class HttpWatchStream final : public WatchStream {
 public:
  HttpWatchStream(std::shared_ptr<HttpTransport> transport, HttpRequest req,
                  const api::KindInfo& kind)
      : transport_(std::move(transport)), req_(std::move(req)), kind_(kind) {}

  ~HttpWatchStream() override {
    Stop();
    if (thread_.joinable()) thread_.join();
  }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  // Waits for the response head. OK for a 2xx; otherwise the failure (after the transfer ended).
  base::Status AwaitHead(base::Duration timeout, const std::string& action) {
    std::unique_lock lock(mu_);
    const bool answered = cv_.wait_for(lock, std::min(timeout, kForever), [&] {
      return finished_ || (head_status_ >= 200 && head_status_ < 300);
    });
    if (!answered) {
      lock.unlock();
      Stop();
      return base::Error(base::Code::kTimeout, "{}: no response from the server within {} ms",
                         action,
                         std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
    }
    if (head_status_ >= 200 && head_status_ < 300) return base::Status::Ok();
    if (!result_.ok()) return result_.status().WithContext(action);
    return ErrorFromResponse(*result_, action);
  }

  std::optional<WatchEvent> Next(base::Duration timeout) override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::min(timeout, kForever),
                 [&] { return stopped_ || finished_ || !queue_.empty(); });
    if (stopped_ || queue_.empty()) return std::nullopt;
    WatchEvent ev = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();  // room for the transfer thread
    return ev;
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      queue_.clear();
      cv_.notify_all();
    }
    cancel_.Cancel();
  }

  bool Done() override {
    std::lock_guard lock(mu_);
    return stopped_ || (finished_ && queue_.empty());
  }

 private:
  void Run() {
    WatchEventDecoder decoder(kind_);
    std::vector<WatchEvent> batch;
    StreamHandler handler;
    handler.on_status = [this](int status) {
      std::lock_guard lock(mu_);
      head_status_ = status;
      cv_.notify_all();
    };
    handler.on_chunk = [&](std::string_view piece) {
      base::Status s = decoder.Feed(piece, &batch);
      const bool queued = Enqueue(batch);
      batch.clear();
      if (!s.ok()) Fail(s);
      return queued && s.ok();
    };
    base::Result<HttpResponse> result = transport_->Stream(req_, handler, cancel_);
    if (result.ok() && result->status >= 200 && result->status < 300) {
      // The server ended the stream; a last event may lack its newline.
      base::Status s = decoder.Finish(&batch);
      Enqueue(batch);
      if (!s.ok()) Fail(s);
    }
    std::lock_guard lock(mu_);
    result_ = std::move(result);
    finished_ = true;
    cv_.notify_all();
  }

  // Queues events, waiting for room; false when the stream was stopped meanwhile.
  bool Enqueue(std::vector<WatchEvent>& events) {
    std::unique_lock lock(mu_);
    for (WatchEvent& ev : events) {
      cv_.wait(lock, [&] { return stopped_ || queue_.size() < kMaxQueued; });
      if (stopped_) return false;
      queue_.push_back(std::move(ev));
      cv_.notify_all();
    }
    return !stopped_;
  }

  // A broken stream ends with an ERROR event saying why, as client-go's StreamWatcher reports
  // decoding failures.
  void Fail(const base::Status& s) {
    std::vector<WatchEvent> err(1);
    err[0].type = EventType::kError;
    err[0].error = s;
    Enqueue(err);
  }

  const std::shared_ptr<HttpTransport> transport_;
  const HttpRequest req_;
  const api::KindInfo kind_;
  CancelSignal cancel_;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WatchEvent> queue_;
  int head_status_ = 0;
  bool stopped_ = false;
  bool finished_ = false;
  base::Result<HttpResponse> result_ = base::InternalError("watch not finished");
};

}  // namespace

base::Result<std::unique_ptr<WatchStream>> OpenHttpWatch(std::shared_ptr<HttpTransport> transport,
                                                         HttpRequest req, const api::KindInfo& kind,
                                                         base::Duration head_timeout,
                                                         std::string action) {
  auto stream = std::make_unique<HttpWatchStream>(std::move(transport), std::move(req), kind);
  stream->Start();
  RETURN_IF_ERROR(stream->AwaitHead(head_timeout, action));
  return std::unique_ptr<WatchStream>(std::move(stream));
}

}  // namespace cubelet::client
