// Runs probes and lifecycle hooks against a container: exec through the runtime, httpGet and
// tcpSocket from inside the pod's network namespace (so they work with or without a pod
// network, and reach 127.0.0.1 of the pod as a kubelet reaches the pod IP). Private to
// src/node; the scheduling of probes (periods, thresholds) lives with the pod workers.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "api/api.h"
#include "base/clock.h"
#include "base/status.h"
#include "runtime/runtime.h"

namespace cubelet::node {

struct ProbeTarget {
  std::string container_id;
  std::string netns_path;  // /proc/<supervisor>/ns/net; empty: the host's namespace
  std::string pod_ip;  // host of httpGet/tcpSocket when the handler names none; "" → 127.0.0.1
};

enum class ProbeResult { kSuccess, kFailure, kError };

struct ProbeOutcome {
  ProbeResult result = ProbeResult::kError;
  // For events: the exec output, "HTTP probe failed with statuscode: 500", "dial tcp
  // 127.0.0.1:80: connect: connection refused", ... (kubelet texts where they exist).
  std::string output;
};

class HandlerRunner {
 public:
  virtual ~HandlerRunner() = default;
  // One probe attempt with the probe's timeoutSeconds (default 1). Named ports are looked up
  // in `container.ports`. exec: exit 0 succeeds; httpGet: 200-399 succeeds (User-Agent
  // kube-probe/1.33, redirects to the same host followed); tcpSocket: connect succeeds.
  virtual ProbeOutcome Probe(const api::Probe& probe, const api::Container& container,
                             const ProbeTarget& target) = 0;
  // A postStart/preStop hook (exec, httpGet, tcpSocket, sleep) with at most `timeout`. Fails
  // with a message for the FailedPostStartHook/FailedPreStopHook log.
  virtual base::Status RunHook(const api::LifecycleHandler& handler,
                               const api::Container& container, const ProbeTarget& target,
                               std::chrono::milliseconds timeout) = 0;
};

// The real runner: exec via runtime->ExecSync, sockets opened by a thread that joined the
// target's network namespace. `clock` times the sleep action.
std::unique_ptr<HandlerRunner> NewHandlerRunner(runtime::Runtime* runtime, base::Clock* clock);

}  // namespace cubelet::node
