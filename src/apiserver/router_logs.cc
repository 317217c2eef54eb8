// Router: GET pods/{name}/log — the container's log as text/plain, streamed with follow.
#include <fmt/format.h>

#include "apiserver/router.h"
#include "base/time.h"

namespace cubelet::apiserver {
namespace {

// Above this many unsent bytes a follow stream waits for the client.
constexpr size_t kMaxPending = 1 << 20;

base::Result<std::optional<int64_t>> NonNegative(const QueryParams& q, std::string_view key) {
  ASSIGN_OR_RETURN(std::optional<int64_t> v, IntQueryParam(q, key));
  if (!v) return v;
  const int64_t out = *v;
  if (out < 0 || (key != "tailLines" && out == 0)) {
    return api::InvalidObject(
        "PodLogOptions", "",
        {api::InvalidInt(
            api::FieldPath(key), out,
            key == "tailLines" ? "must be greater than or equal to 0" : "must be greater than 0")});
  }
  return std::optional<int64_t>(out);
}

// The container a log request is for: the named one, or the only one (or the one the
// kubectl.kubernetes.io/default-container annotation names).
base::Result<std::string> ResolveContainer(const api::Pod& pod, std::string_view requested) {
  auto names = [](const std::vector<api::Container>& cs) {
    std::vector<std::string> out;
    for (const api::Container& c : cs) out.push_back(c.name);
    return out;
  };
  std::vector<std::string> main = names(pod.spec.containers);
  std::vector<std::string> init = names(pod.spec.init_containers);
  if (requested.empty()) {
    auto it = pod.metadata.annotations.find("kubectl.kubernetes.io/default-container");
    if (it != pod.metadata.annotations.end()) requested = it->second;
  }
  if (requested.empty()) {
    if (main.size() == 1) return main[0];
    std::string msg = fmt::format(
        "a container name must be specified for pod {}, choose one "
        "of: [{}]",
        pod.metadata.name, fmt::join(main, " "));
    if (!init.empty()) {
      msg += fmt::format(" or one of the init containers: [{}]", fmt::join(init, " "));
    }
    return base::InvalidError("{}", msg);
  }
  for (const auto* list : {&main, &init}) {
    for (const std::string& n : *list) {
      if (n == requested) return n;
    }
  }
  return base::InvalidError("container {} is not valid for pod {}", std::string(requested),
                            pod.metadata.name);
}

base::Result<LogRequest> LogRequestFrom(const api::Pod& pod, const QueryParams& q,
                                        base::TimePoint now) {
  LogRequest r;
  ASSIGN_OR_RETURN(r.container, ResolveContainer(pod, q.Get("container").value_or("")));
  ASSIGN_OR_RETURN(r.follow, ParseBool(q.Get("follow").value_or("false")));
  ASSIGN_OR_RETURN(r.previous, ParseBool(q.Get("previous").value_or("false")));
  ASSIGN_OR_RETURN(r.timestamps, ParseBool(q.Get("timestamps").value_or("false")));
  ASSIGN_OR_RETURN(r.tail_lines, NonNegative(q, "tailLines"));
  ASSIGN_OR_RETURN(r.limit_bytes, NonNegative(q, "limitBytes"));
  ASSIGN_OR_RETURN(std::optional<int64_t> since_seconds, NonNegative(q, "sinceSeconds"));
  std::optional<std::string_view> since_time = q.Get("sinceTime");
  if (since_seconds && since_time) {
    return base::InvalidError("at most one of `sinceTime` or `sinceSeconds` may be specified");
  }
  if (since_seconds) r.since = now - std::chrono::seconds(*since_seconds);
  if (since_time) {
    ASSIGN_OR_RETURN(r.since, base::ParseRfc3339(*since_time));
  }
  return r;
}

}  // namespace

HttpReply Router::Log(const HttpRequest&, const ApiPath& path, const QueryParams& query) {
  const StatusDetails details{path.name, "", "pods", {}};
  base::Result<api::Object> obj = registry_.store().Get({"pods", path.ns, path.name});
  if (!obj.ok()) return ErrorReply(obj.status(), details);
  const auto pod = std::make_shared<api::Pod>(std::get<api::Pod>(*obj));
  base::Result<LogRequest> req = LogRequestFrom(*pod, query, clock_.Now());
  if (!req.ok()) return ErrorReply(req.status(), details);
  if (pod->spec.node_name.empty()) {
    return ErrorReply(base::InvalidError("pod {} does not have a host assigned", path.name),
                      details);
  }
  if (options_.logs == nullptr) {
    return ErrorReply(503, "ServiceUnavailable", "no node agent serves container logs", details);
  }
  PodLogs& logs = *options_.logs;
  const LogRequest request = *req;
  if (!request.follow) {
    std::string text;
    base::Status st = logs.Stream(
        *pod, request, [] { return false; },
        [&](std::string_view chunk) {
          text += chunk;
          return true;
        });
    if (!st.ok()) return ErrorReply(st, details);
    HttpReply r;
    r.content_type = "text/plain";
    r.body = std::move(text);
    return r;
  }
  // Errors must become an HTTP status before the stream's headers go out: ask once for
  // nothing, and stream only when that works.
  LogRequest probe = request;
  probe.follow = false;
  probe.tail_lines = 0;
  base::Status st = logs.Stream(
      *pod, probe, [] { return false; }, [](std::string_view) { return true; });
  if (!st.ok()) return ErrorReply(st, details);

  HttpReply reply;
  reply.content_type = "text/plain";
  reply.stream = [this, pod, request, &logs](std::shared_ptr<StreamConnection> conn) {
    std::lock_guard lock(log_mu_);
    if (stopping_) {
      conn->Finish();
      return;
    }
    // Reap the streams that ended, so a long-running server does not collect threads.
    std::erase_if(log_threads_, [](LogThread& t) {
      if (!t.done->load()) return false;
      t.thread.join();
      return true;
    });
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::thread thread([this, pod, request, &logs, conn, done] {
      auto cancelled = [&] { return stopping_.load() || conn->Closed(); };
      base::Status s = logs.Stream(*pod, request, cancelled, [&](std::string_view chunk) {
        // Backpressure: a client that reads slowly makes the log wait, not the memory grow.
        while (conn->Pending() > kMaxPending && !cancelled()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (cancelled()) return false;
        conn->Send(std::string(chunk));
        return true;
      });
      (void)s;  // the headers are gone: a failure can only end the stream
      conn->Finish();
      *done = true;
    });
    log_threads_.push_back({std::move(thread), done});
  };
  return reply;
}

}  // namespace cubelet::apiserver
