// Watch streams: a store watch sent as chunked JSON lines, one
// {"type":"ADDED","object":{...}} per line (the newline matters: the Python client splits on
// it), without a thread of its own — the store's ready callback wakes the connection.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "apiserver/http_server.h"
#include "apiserver/responses.h"
#include "base/clock.h"
#include "store/store.h"

namespace cubelet::apiserver {

struct WatchStreamOptions {
  Rendering rendering;  // Table rows for `kubectl get -w`
  bool bookmarks = false;
  // When the server ends the watch (timeoutSeconds, or kube's 30–60 min default).
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds bookmark_interval{std::chrono::minutes(1)};
};

// Every open watch, so that shutdown can stop them before the connections go.
class WatchRegistry {
 public:
  void Add(std::weak_ptr<store::Watcher> w);
  // Stops every watch (their streams then finish).
  void StopAll();

 private:
  std::mutex mu_;
  std::vector<std::weak_ptr<store::Watcher>> watchers_;
};

// Streams `watcher` to `conn` until the watch ends, the timeout passes or the client leaves.
void StreamWatch(std::shared_ptr<store::Watcher> watcher, std::shared_ptr<StreamConnection> conn,
                 const WatchStreamOptions& options, base::Clock& clock);

// One watch event line (with its trailing newline).
std::string WatchEventLine(const store::WatchEvent& event, const Rendering& rendering,
                           base::TimePoint now);

}  // namespace cubelet::apiserver
