// The client side of the Kubernetes REST API: what cubelet's node agent, controllers and CLI use
// to talk to an API server, over loopback or from another machine.
//
// The client speaks Kubernetes' protocol, not cubelet's server specifically, so it works against
// any conformant API server:
//   - resources live at /api/v1/... (core) and /apis/<group>/<version>/... (named groups),
//     namespaced ones under /namespaces/<ns>/; subresources ("status") follow the name;
//   - failures come back as a Status object and are mapped to base::Status codes (404 NotFound,
//     409 AlreadyExists or Conflict, 410 Gone, 422 Invalid with field causes, ...);
//   - watches are one long chunked response with one JSON event per line.
//
// Parts, from the bottom up:
//   HttpTransport   one HTTP exchange, unary or streamed (libcurl; tests substitute their own)
//   Client          typed operations on api::Object (abstract, so callers can use a fake:
//                   client/testing/fake_client.h)
//   Informer        client-go's reflector + cache + shared informer: a local, always up-to-date
//                   copy of one resource with add/update/delete callbacks
//
// Thread-safety: Client, HttpTransport and Informer methods may be called from any thread. A
// WatchStream is read by one consumer thread; Stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"

namespace cubelet::client {

// ---- configuration -------------------------------------------------------------------------

struct ClientConfig {
  std::string server = "http://127.0.0.1:6443";       // scheme, host, port and optional path prefix
  std::string bearer_token;                           // sent as "Authorization: Bearer <token>"
  base::Duration timeout = std::chrono::seconds(30);  // per request; watches wait this long for
                                                      // the response head only
  std::string user_agent = "cubelet/0.1";
  // https servers: trust these PEM certificates instead of the system's, present a client
  // certificate (kubeadm-style kubeconfigs), or skip verification altogether.
  std::string certificate_authority_pem;
  std::string client_certificate_pem;
  std::string client_key_pem;
  bool insecure_skip_tls_verify = false;
  // The current context's namespace ("default" when it names none). The Client does not use
  // it; CLIs act there when no namespace is given.
  std::string namespace_ = "default";
};

// Reads a kubeconfig file the way client-go does: current-context → context → its cluster
// (server, certificate-authority[-data], insecure-skip-tls-verify) and user (token, tokenFile,
// client-certificate[-data], client-key[-data]); relative file names are relative to the
// kubeconfig's directory. Errors name the file and field: "/root/.kube/config: context
// \"dev\" (current-context) not found in contexts".
base::Result<ClientConfig> LoadKubeconfig(const std::string& path);

// ---- the HTTP seam -------------------------------------------------------------------------

struct HttpRequest {
  std::string method = "GET";
  std::string url = {};
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::string body = {};
  // The whole exchange; zero means no limit (watches whose server-side timeout ends them).
  base::Duration timeout{0};
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers = {};  // names lower-cased
  std::string body = {};  // for streamed calls: only a non-2xx body
  // The first value of a header (name in any case), or "".
  std::string Header(std::string_view name) const;
};

// Lets one thread end another thread's streaming call promptly. Cancel() is sticky.
class CancelSignal {
 public:
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }
  // For transports: `wake` is run by Cancel() (at once when already cancelled) so a transfer
  // blocked waiting for the network notices; pass nullptr before the woken resource goes away.
  void SetWaker(std::function<void()> wake);

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::function<void()> wake_;
};

struct StreamHandler {
  // Called once the response head is in, with the status code.
  std::function<void(int status)> on_status = {};
  // A piece of a 2xx body, as it arrives (pieces split lines anywhere). Returning false aborts
  // the transfer. It may block; the transfer waits (backpressure).
  std::function<bool(std::string_view chunk)> on_chunk = {};
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // One exchange. Failures are transport failures only (any HTTP status is a response):
  // Timeout when req.timeout passed, Unavailable when the connection failed or dropped.
  virtual base::Result<HttpResponse> Do(const HttpRequest& req) = 0;
  // Like Do, but a 2xx body goes to handler.on_chunk instead of the response. Returns when the
  // server ends the body (the response, whose body is empty for a 2xx), when on_chunk returned
  // false or `cancel` fired (Cancelled), or the connection failed (Unavailable).
  virtual base::Result<HttpResponse> Stream(const HttpRequest& req, const StreamHandler& handler,
                                            CancelSignal& cancel) = 0;
};

// The libcurl transport: idle connections are kept per transport and reused (keep-alive);
// TLS settings come from `config`.
std::shared_ptr<HttpTransport> NewCurlTransport(const ClientConfig& config);

// ---- the typed API -------------------------------------------------------------------------

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kStrategicMerge,  // application/strategic-merge-patch+json (what kubectl apply sends)
  kJson,            // application/json-patch+json (RFC 6902)
};
std::string_view PatchContentType(PatchType type);

// The query of a list (metav1.ListOptions). Selectors use Kubernetes' string syntax.
struct ListOptions {
  std::string namespace_ = {};  // "" lists every namespace (ignored for cluster-scoped kinds)
  std::string label_selector = {};
  std::string field_selector = {};
  int64_t limit = 0;  // page size; 0 asks for everything
  std::string continue_token = {};
  // "" is a consistent read, "0" anything the server has cached, "N" at least as new as N.
  std::string resource_version = {};
};

struct ListResult {
  std::vector<api::Object> items = {};
  std::string resource_version = {};  // where a watch continues from
  std::string continue_token = {};    // non-empty when another page follows
};

// metav1.Preconditions: the delete fails with Conflict unless the object still matches.
struct Preconditions {
  std::optional<std::string> uid = {};
  std::optional<std::string> resource_version = {};
};

struct DeleteOptions {
  std::optional<int64_t> grace_period_seconds = {};  // 0 deletes at once; unset: the object's own
  Preconditions preconditions = {};
  std::string propagation_policy = {};  // "", "Orphan", "Background", "Foreground"
};

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };

// "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR": the wire names.
std::string_view EventTypeName(EventType type);

struct WatchEvent {
  EventType type = EventType::kAdded;
  // ADDED/MODIFIED: the new state. DELETED: the last state. BOOKMARK: an object of the watched
  // kind carrying only metadata.resourceVersion. ERROR: unset.
  api::Object object = {};
  // ERROR only: the server's Status as an error (410 Expired is Gone: list again).
  base::Status error = {};
};

struct WatchOptions {
  std::string namespace_ = {};  // "" watches every namespace
  std::string label_selector = {};
  std::string field_selector = {};
  // "" or "0": the current objects as ADDED first, then changes; "N": changes after N.
  std::string resource_version = {};
  bool allow_bookmarks = false;
  // The server ends the watch after this long (clients reconnect from the last
  // resourceVersion); unset leaves it to the server.
  std::optional<int64_t> timeout_seconds = {};
};

// One watch, shaped like store::Watcher.
class WatchStream {
 public:
  virtual ~WatchStream() = default;  // stops the watch
  // The next event, waiting up to `timeout`. nullopt when the timeout passed or the watch has
  // ended (then Done() is true).
  virtual std::optional<WatchEvent> Next(base::Duration timeout) = 0;
  // Ends the watch, aborting the HTTP stream; a Next() blocked in another thread returns
  // nullopt. Idempotent.
  virtual void Stop() = 0;
  // True once the watch has ended (stopped, closed by the server, or failed) and no event is
  // left.
  virtual bool Done() = 0;
};

// A request the typed calls do not cover (/version, discovery, pod logs).
struct RawRequest {
  std::string method = "GET";
  std::string path;  // with its query, already encoded: "/api/v1/namespaces/ns/pods/p/log?x=1"
  std::string body = {};
  std::string content_type = "application/json";
};

// Typed operations on the API. `kind` names the resource (api::Kinds()); `ns` is ignored for
// cluster-scoped kinds and required for the single-object calls of namespaced ones. Failures
// carry the server's Status message and causes with the code of its HTTP status.
class Client {
 public:
  virtual ~Client() = default;

  virtual base::Result<api::Object> Get(const api::KindInfo& kind, std::string_view ns,
                                        std::string_view name) = 0;
  virtual base::Result<ListResult> List(const api::KindInfo& kind, const ListOptions& opts) = 0;
  // POST to the collection of the object's namespace; returns the object as stored.
  virtual base::Result<api::Object> Create(const api::Object& obj) = 0;
  // PUT: replaces the object (its metadata.resourceVersion, when set, must be current).
  virtual base::Result<api::Object> Update(const api::Object& obj) = 0;
  // PUT to the status subresource: only the status changes.
  virtual base::Result<api::Object> UpdateStatus(const api::Object& obj) = 0;
  // PATCH the object or its `subresource` ("" or "status").
  virtual base::Result<api::Object> Patch(const api::KindInfo& kind, std::string_view ns,
                                          std::string_view name, PatchType type,
                                          const api::Json& patch, std::string_view subresource) = 0;
  // The object as the server returned it (a pod being deleted gracefully still exists, with a
  // deletionTimestamp), or nullopt when the server answered with a Status Success.
  virtual base::Result<std::optional<api::Object>> Delete(const api::KindInfo& kind,
                                                          std::string_view ns,
                                                          std::string_view name,
                                                          const DeleteOptions& opts) = 0;
  // Returns once the server accepted the watch (a refusal such as 410 is returned here).
  virtual base::Result<std::unique_ptr<WatchStream>> Watch(const api::KindInfo& kind,
                                                           const WatchOptions& opts) = 0;
  // The 2xx body of a raw request, or the mapped failure. Unimplemented unless overridden.
  virtual base::Result<std::string> Raw(const RawRequest& req);
};

// A Client over HTTP with the libcurl transport.
std::unique_ptr<Client> NewClient(const ClientConfig& config);
// A Client over any transport (tests script one; several clients may share one).
std::unique_ptr<Client> NewClient(const ClientConfig& config,
                                  std::shared_ptr<HttpTransport> transport);

// ---- informer ------------------------------------------------------------------------------

// Lists and watches one resource (with fixed namespace and selectors) for an Informer.
class ListerWatcher {
 public:
  virtual ~ListerWatcher() = default;
  // `opts` carries paging and resourceVersion; namespace and selectors are the lister's own.
  virtual base::Result<ListResult> List(const ListOptions& opts) = 0;
  virtual base::Result<std::unique_ptr<WatchStream>> Watch(const WatchOptions& opts) = 0;
};

// A ListerWatcher over a Client. `client` and `kind` must outlive it.
std::unique_ptr<ListerWatcher> ListerWatcherFor(Client& client, const api::KindInfo& kind,
                                                std::string namespace_ = "",
                                                std::string label_selector = "",
                                                std::string field_selector = "");

// Callbacks of an Informer; any may be empty. Called from the informer's thread, one at a time,
// in the order the changes happened, after the cache reflects the change.
struct EventHandlers {
  std::function<void(const api::Object& obj)> on_add = {};
  // Also called with old == new for every cached object once per resync period.
  std::function<void(const api::Object& old_obj, const api::Object& new_obj)> on_update = {};
  // The object's last known state.
  std::function<void(const api::Object& obj)> on_delete = {};
};

struct InformerOptions {
  // How often every cached object is handed to on_update again (controllers use it to retry
  // what they failed to do); zero disables it.
  base::Duration resync_period{0};
  // Timing of back-off and resync; not owned; nullptr is the real clock.
  base::Clock* clock = nullptr;
  base::Logger* logger = nullptr;  // list and watch failures; not owned; may be null
  std::string name;                // what log lines call the informer ("pods")
  int64_t page_size = 500;         // objects per list request, as client-go's pager
};

// client-go's shared informer, simplified: one thread lists the resource, fills the cache and
// watches from the list's resourceVersion, reconnecting from the last resourceVersion seen
// when a watch ends, relisting when that is Gone (410), and backing off (800 ms doubling up to
// 30 s, reset by a successful list or watch) on other failures.
class Informer {
 public:
  using Options = InformerOptions;

  Informer(std::unique_ptr<ListerWatcher> lw, InformerOptions opts);
  ~Informer();  // Stop()
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Handlers must be added before Start() (Invalid afterwards): they then see every object
  // from the first list on.
  base::Status AddEventHandler(EventHandlers handlers);
  // Starts the informer's thread. Once only.
  void Start();
  // Ends the thread and waits for it, also when it is blocked in a watch or backing off. An
  // in-flight list request is waited for (at most the client's request timeout).
  void Stop();

  // True once the first list is in the cache and its handlers have run.
  bool HasSynced() const;
  // Waits (real time) until synced; false when the timeout passed or the informer stopped.
  bool WaitForSync(base::Duration timeout);

  // Snapshots of the cache, ordered by namespace and name. The objects are immutable and
  // shared with the cache.
  std::vector<std::shared_ptr<const api::Object>> List() const;
  // nullptr when absent. `ns` is "" for cluster-scoped kinds.
  std::shared_ptr<const api::Object> Get(std::string_view ns, std::string_view name) const;
  // The resourceVersion of the last list, event or bookmark applied.
  std::string LastResourceVersion() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cubelet::client
