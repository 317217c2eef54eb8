// The HandlerRunner of prober.h: what one probe attempt or one lifecycle hook does, with the
// kubelet's results and texts (pkg/kubelet/prober/prober.go, pkg/probe/{exec,http,tcp},
// pkg/kubelet/lifecycle/handlers.go). The network part lives in prober_net.cc/prober_http.cc.
//
// Decisions where cubelet differs or had to choose:
// - https (probes and hooks) connects with TLS without verifying the certificate, as the
//   kubelet does (prober_stream.cc).
// - gRPC probes are an error "gRPC probes are not supported" (no HTTP/2 client).
// - A redirect to another host, or a 3xx without a Location, counts as success with the output
//   "Probe terminated redirects, Response body: ..." (the kubelet's probe.Warning, which it
//   also treats as success and reports as a ProbeWarning event).
// - httpGet hooks succeed on any HTTP response, whatever the status, and fail only when the
//   request fails: that is what handlers.go does (it discards the body and checks only the
//   error of the request).
// - tcpSocket hooks fail: the API keeps the field for compatibility, but the kubelet's handler
//   runner has no case for it and fails with "invalid handler".
#include "node/prober.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "node/prober_net.h"

namespace cubelet::node {
namespace {

using std::chrono::milliseconds;

constexpr size_t kMaxOutput = 10 * 1024;  // the kubelet's maxReadLength for exec output
constexpr std::string_view kProbeUserAgent = "kube-probe/1.33";
constexpr std::string_view kHookUserAgent = "kube-lifecycle/1.33";

// timeoutSeconds, defaulted to 1 as the API server does (a pod that skipped defaulting, e.g.
// a static pod written by hand, still gets the default).
milliseconds ProbeTimeout(const api::Probe& probe) {
  return std::chrono::seconds(probe.timeout_seconds > 0 ? probe.timeout_seconds : 1);
}

// Bounded to 10 KiB, then trimmed: event messages carry it.
std::string BoundedOutput(std::string_view s) {
  s = s.substr(0, kMaxOutput);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string JoinArgs(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// pkg/probe's ResolveContainerPort: a number, or a name from the container's ports, or a
// number written as a string; 1-65535.
base::Result<int> ResolvePort(const api::IntOrString& port, const api::Container& container) {
  int64_t value = -1;
  if (!port.is_string) {
    value = port.int_val;
  } else {
    auto named = std::find_if(container.ports.begin(), container.ports.end(),
                              [&](const api::ContainerPort& p) { return p.name == port.str_val; });
    if (named != container.ports.end()) {
      value = named->container_port;
    } else if (!port.str_val.empty() && port.str_val.size() <= 6 &&
               std::all_of(port.str_val.begin(), port.str_val.end(),
                           [](char c) { return c >= '0' && c <= '9'; })) {
      value = std::stoll(port.str_val);
    } else {
      return base::InvalidError("port {} not found in container {}", api::GoQuote(port.str_val),
                                api::GoQuote(container.name));
    }
  }
  if (value < 1 || value > 65535) return base::InvalidError("invalid port number: {}", value);
  return static_cast<int>(value);
}

// The kubelet expands $(VAR) in exec probe commands with the container's env values
// (ExpandContainerCommandOnlyStatic): "$$" is a literal "$", an unknown name stays as written,
// entries set through valueFrom count as empty.
std::string ExpandArg(std::string_view arg,
                      const std::map<std::string, std::string, std::less<>>& env) {
  std::string out;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (arg[i] != '$' || i + 1 == arg.size()) {
      out.push_back(arg[i]);
      continue;
    }
    char next = arg[i + 1];
    if (next == '$') {
      out.push_back('$');
      ++i;
    } else if (next == '(') {
      size_t close = arg.find(')', i + 2);
      if (close == std::string_view::npos) {
        out += "$(";
        ++i;
        continue;
      }
      std::string_view name = arg.substr(i + 2, close - i - 2);
      auto it = env.find(name);
      out += it != env.end() ? it->second : "$(" + std::string(name) + ")";
      i = close;
    } else {
      out.push_back('$');  // a lone '$' and what follows are kept
    }
  }
  return out;
}

std::vector<std::string> ExpandCommand(const std::vector<std::string>& command,
                                       const api::Container& container) {
  std::map<std::string, std::string, std::less<>> env;
  for (const api::EnvVar& e : container.env) env[e.name] = e.value;
  std::vector<std::string> out;
  for (const std::string& arg : command) out.push_back(ExpandArg(arg, env));
  return out;
}

std::string TargetHost(const std::string& handler_host, const ProbeTarget& target) {
  if (!handler_host.empty()) return handler_host;
  return target.pod_ip.empty() ? "127.0.0.1" : target.pod_ip;
}

// What a GET to an httpGet action gave: a response, or the failed request as a Status
// (Invalid for a bad port or scheme, Unavailable/Timeout for the request).
base::Result<HttpGetResponse> RunHttpGet(const api::HTTPGetAction& action,
                                         const api::Container& container, const ProbeTarget& target,
                                         std::string_view user_agent, milliseconds timeout) {
  ASSIGN_OR_RETURN(int port, ResolvePort(action.port, container));
  std::string scheme = action.scheme;
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!scheme.empty() && scheme != "http" && scheme != "https") {
    return base::InvalidError("unsupported scheme {}", api::GoQuote(action.scheme));
  }
  HttpGetRequest request;
  request.tls = scheme == "https";
  request.host = TargetHost(action.host, target);
  request.port = port;
  request.path = action.path.empty() ? "/" : action.path;
  request.headers = action.http_headers;
  request.user_agent = user_agent;
  const NetDeadline deadline = std::chrono::steady_clock::now() + timeout;
  base::Result<HttpGetResponse> result = base::InternalError("the GET did not run");
  RETURN_IF_ERROR(RunInNetns(target.netns_path, [&] { result = HttpGet(request, deadline); }));
  return result;
}

class Runner final : public HandlerRunner {
 public:
  Runner(runtime::Runtime* runtime, base::Clock* clock) : runtime_(runtime), clock_(clock) {}

  ProbeOutcome Probe(const api::Probe& probe, const api::Container& container,
                     const ProbeTarget& target) override {
    const milliseconds timeout = ProbeTimeout(probe);
    if (probe.exec) return ExecProbe(*probe.exec, container, target, timeout);
    if (probe.http_get) return HttpProbe(*probe.http_get, container, target, timeout);
    if (probe.tcp_socket) return TcpProbe(*probe.tcp_socket, container, target, timeout);
    if (probe.grpc) return {ProbeResult::kError, "gRPC probes are not supported"};
    return {ProbeResult::kError,
            fmt::format("missing probe handler for container {}", api::GoQuote(container.name))};
  }

  base::Status RunHook(const api::LifecycleHandler& handler, const api::Container& container,
                       const ProbeTarget& target, milliseconds timeout) override {
    // The kubelet's order of cases; tcpSocket has none (see the file comment).
    if (handler.exec) return ExecHook(*handler.exec, container, target, timeout);
    if (handler.http_get) return HttpHook(*handler.http_get, container, target, timeout);
    if (handler.sleep) return SleepHook(*handler.sleep, container, timeout);
    if (handler.tcp_socket) {
      return base::InvalidError(
          "invalid handler: tcpSocket is not supported as a lifecycle handler (container {})",
          api::GoQuote(container.name));
    }
    return base::InvalidError("invalid handler: no action set (container {})",
                              api::GoQuote(container.name));
  }

 private:
  ProbeOutcome ExecProbe(const api::ExecAction& exec, const api::Container& container,
                         const ProbeTarget& target, milliseconds timeout) {
    std::vector<std::string> argv = ExpandCommand(exec.command, container);
    auto result = runtime_->ExecSync(target.container_id, argv, timeout);
    if (!result.ok()) return {ProbeResult::kError, result.status().message()};
    // The kubelet reports its timeout error text as the output (ExecProbeTimeout, GA).
    if (result->timed_out) {
      return {ProbeResult::kFailure,
              fmt::format("command {} timed out", api::GoQuote(JoinArgs(argv)))};
    }
    return {result->exit_code == 0 ? ProbeResult::kSuccess : ProbeResult::kFailure,
            BoundedOutput(result->output)};
  }

  ProbeOutcome HttpProbe(const api::HTTPGetAction& action, const api::Container& container,
                         const ProbeTarget& target, milliseconds timeout) {
    auto resp = RunHttpGet(action, container, target, kProbeUserAgent, timeout);
    if (!resp.ok()) {
      // A request that could not be made is an error; one that failed on the wire (refused,
      // timed out) is the probe failing, as the kubelet converts those into failures.
      const base::Code code = resp.status().code();
      const bool failed = code == base::Code::kUnavailable || code == base::Code::kTimeout;
      return {failed ? ProbeResult::kFailure : ProbeResult::kError, resp.status().message()};
    }
    const int code = resp->status_code;
    if (code >= 200 && code < 300) return {ProbeResult::kSuccess, BoundedOutput(resp->body)};
    if (code >= 300 && code < 400) {
      return {ProbeResult::kSuccess,
              BoundedOutput("Probe terminated redirects, Response body: " + resp->body)};
    }
    return {ProbeResult::kFailure, fmt::format("HTTP probe failed with statuscode: {}", code)};
  }

  ProbeOutcome TcpProbe(const api::TCPSocketAction& action, const api::Container& container,
                        const ProbeTarget& target, milliseconds timeout) {
    auto port = ResolvePort(action.port, container);
    if (!port.ok()) return {ProbeResult::kError, port.status().message()};
    const std::string host = TargetHost(action.host, target);
    const NetDeadline deadline = std::chrono::steady_clock::now() + timeout;
    base::Status dialed = base::InternalError("the dial did not run");
    base::Status joined = RunInNetns(target.netns_path, [&] {
      auto sock = DialTcp(host, *port, deadline);
      dialed = sock.ok() ? base::Status::Ok() : sock.status();
    });
    if (!joined.ok()) return {ProbeResult::kError, joined.message()};
    if (!dialed.ok()) return {ProbeResult::kFailure, dialed.message()};
    return {ProbeResult::kSuccess, ""};
  }

  base::Status ExecHook(const api::ExecAction& exec, const api::Container& container,
                        const ProbeTarget& target, milliseconds timeout) {
    auto fail = [&](base::Code code, std::string_view error, std::string_view output) {
      std::string argv = "[" + JoinArgs(exec.command) + "]";
      return base::Status(
          code, fmt::format("Exec lifecycle hook ({}) for Container {} failed - error: "
                            "{}, message: {}",
                            argv, api::GoQuote(container.name), error, api::GoQuote(output)));
    };
    auto result = runtime_->ExecSync(target.container_id, exec.command, timeout);
    if (!result.ok()) return fail(result.status().code(), result.status().message(), "");
    const std::string output = BoundedOutput(result->output);
    if (result->timed_out) {
      return fail(base::Code::kTimeout,
                  fmt::format("command {} timed out", api::GoQuote(JoinArgs(exec.command))),
                  output);
    }
    if (result->exit_code != 0) {
      return fail(
          base::Code::kUnavailable,
          fmt::format("command '{}' exited with {}", JoinArgs(exec.command), result->exit_code),
          output);
    }
    return base::Status::Ok();
  }

  base::Status HttpHook(const api::HTTPGetAction& action, const api::Container& container,
                        const ProbeTarget& target, milliseconds timeout) {
    auto resp = RunHttpGet(action, container, target, kHookUserAgent, timeout);
    if (resp.ok()) return base::Status::Ok();
    return base::Status(
        resp.status().code(),
        fmt::format("HTTP lifecycle hook ({}) for Container {} failed - error: {}", action.path,
                    api::GoQuote(container.name), resp.status().message()));
  }

  // Sleeps on the injected clock; a sleep longer than the hook may take ends at the timeout
  // and fails, as the kubelet's ends when its context is cancelled.
  base::Status SleepHook(const api::SleepAction& sleep, const api::Container& container,
                         milliseconds timeout) {
    const base::Duration wanted = std::chrono::seconds(std::max<int64_t>(sleep.seconds, 0));
    if (wanted <= timeout) {
      clock_->SleepFor(wanted);
      return base::Status::Ok();
    }
    clock_->SleepFor(timeout);
    return base::Status(base::Code::kTimeout,
                        fmt::format("Sleep lifecycle hook ({}) for Container {} failed - error: "
                                    "container terminated before sleep hook finished",
                                    sleep.seconds, api::GoQuote(container.name)));
  }

  runtime::Runtime* runtime_;
  base::Clock* clock_;
};

}  // namespace

std::unique_ptr<HandlerRunner> NewHandlerRunner(runtime::Runtime* runtime, base::Clock* clock) {
  return std::make_unique<Runner>(runtime, clock);
}

}  // namespace cubelet::node
