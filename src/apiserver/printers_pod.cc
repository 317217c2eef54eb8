// `kubectl get pods`: NAME READY STATUS RESTARTS AGE, wide IP NODE NOMINATED NODE READINESS
// GATES. SummarizePod is kube-apiserver's printPod, the algorithm behind STATUS.
#include <array>
#include <string>

#include <fmt/format.h>

#include "apiserver/printers.h"

namespace cubelet::apiserver {
namespace {

constexpr std::array kPodColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{"Ready", "string", "",
                     "The aggregate readiness state of this pod for accepting traffic.", 0},
    ColumnDefinition{"Status", "string", "", "The aggregate status of the containers in this pod.",
                     0},
    ColumnDefinition{"Restarts", "string", "",
                     "The number of times the containers in this pod have been restarted and "
                     "when the last container in this pod has restarted.",
                     0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
    ColumnDefinition{"IP", "string", "",
                     "podIP address allocated to the pod. Routable at least within the cluster. "
                     "Empty if not yet allocated.",
                     1},
    ColumnDefinition{"Node", "string", "",
                     "NodeName is a request to schedule this pod onto a specific node. If it is "
                     "non-empty, the scheduler simply schedules this pod onto that node, assuming "
                     "that it fits resource requirements.",
                     1},
    ColumnDefinition{
        "Nominated Node", "string", "",
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
        "cannot be scheduled right away as preemption victims receive their graceful "
        "termination periods. This field does not guarantee that the pod will be scheduled on "
        "this node. Scheduler may decide to place the pod elsewhere if other nodes become "
        "available sooner. Scheduler may also decide to give the resources on this node to a "
        "higher priority pod that is created after preemption. As a result, this field may be "
        "different than PodSpec.nodeName when the pod is scheduled.",
        1},
    ColumnDefinition{"Readiness Gates", "string", "",
                     "If specified, all readiness gates will be evaluated for pod readiness. A "
                     "pod is ready when all its containers are ready AND all conditions "
                     "specified in the readiness gates have status equal to \"True\" More info: "
                     "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
                     1},
};

// A sidecar: an init container with restartPolicy Always. Statuses are matched to the spec by
// name, not by position.
bool IsSidecar(const api::PodSpec& spec, const std::string& name) {
  for (const api::Container& c : spec.init_containers) {
    if (c.name == name) return c.restart_policy.value_or("") == "Always";
  }
  return false;
}

// kube-apiserver reads Initialized from its first occurrence and Ready from any occurrence; a
// status with duplicate conditions prints the same here.

// True only when the first condition of `type` is True.
bool FirstConditionTrue(const api::PodStatus& status, std::string_view type) {
  for (const api::PodCondition& c : status.conditions) {
    if (c.type == type) return c.status == "True";
  }
  return false;
}

bool AnyConditionTrue(const api::PodStatus& status, std::string_view type) {
  for (const api::PodCondition& c : status.conditions) {
    if (c.type == type && c.status == "True") return true;
  }
  return false;
}

// Keeps the newest finish time of a container's previous run: "N (5m ago)" counts from it.
void NoteLastRestart(const api::ContainerStatus& cs, api::Time& latest) {
  if (!cs.last_state.terminated) return;
  const api::Time& finished = cs.last_state.terminated->finished_at;
  if (finished.set && (!latest.set || latest.value < finished.value)) latest = finished;
}

// "Signal:9" / "ExitCode:2" for a termination the runtime gave no reason.
std::string TerminatedWithoutReason(const api::ContainerStateTerminated& t) {
  return t.signal != 0 ? fmt::format("Signal:{}", t.signal)
                       : fmt::format("ExitCode:{}", t.exit_code);
}

struct Counts {
  int ready = 0;
  int restarts = 0;
  api::Time last_restart;
  // What restarts and last_restart reset to once the pod is initialized: only sidecars keep
  // restarting alongside the app containers.
  int sidecar_restarts = 0;
  api::Time sidecar_last_restart;
};

// Walks the init containers in order; sets `reason` and returns true while one of them still
// holds the pod back (it is the one STATUS describes).
bool SummarizeInit(const api::Pod& pod, Counts& n, std::string& reason) {
  const auto& statuses = pod.status.init_container_statuses;
  for (size_t i = 0; i < statuses.size(); ++i) {
    const api::ContainerStatus& cs = statuses[i];
    const bool sidecar = IsSidecar(pod.spec, cs.name);
    n.restarts += cs.restart_count;
    NoteLastRestart(cs, n.last_restart);
    if (sidecar) {
      n.sidecar_restarts += cs.restart_count;
      NoteLastRestart(cs, n.sidecar_last_restart);
    }
    const auto& terminated = cs.state.terminated;
    const auto& waiting = cs.state.waiting;
    if (terminated && terminated->exit_code == 0) continue;
    if (sidecar && cs.started.value_or(false)) {
      if (cs.ready) ++n.ready;
      continue;
    }
    if (terminated) {
      reason = "Init:" + (terminated->reason.empty() ? TerminatedWithoutReason(*terminated)
                                                     : terminated->reason);
    } else if (waiting && !waiting->reason.empty() && waiting->reason != "PodInitializing") {
      reason = "Init:" + waiting->reason;
    } else {
      reason = fmt::format("Init:{}/{}", i, pod.spec.init_containers.size());
    }
    return true;
  }
  return false;
}

// Walks the app containers last to first, so the first container in spec order that has a
// reason is the one STATUS shows.
void SummarizeContainers(const api::Pod& pod, Counts& n, std::string& reason) {
  n.restarts = n.sidecar_restarts;
  n.last_restart = n.sidecar_last_restart;
  bool has_running = false;
  const auto& statuses = pod.status.container_statuses;
  for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
    const api::ContainerStatus& cs = *it;
    n.restarts += cs.restart_count;
    NoteLastRestart(cs, n.last_restart);
    const auto& terminated = cs.state.terminated;
    const auto& waiting = cs.state.waiting;
    if (waiting && !waiting->reason.empty()) {
      reason = waiting->reason;
    } else if (terminated && !terminated->reason.empty()) {
      reason = terminated->reason;
    } else if (terminated) {
      reason = TerminatedWithoutReason(*terminated);
    } else if (cs.ready && cs.state.running) {
      has_running = true;
      ++n.ready;
    }
  }
  // A pod whose finished container says Completed while another still runs is not complete.
  if (reason == "Completed" && has_running) {
    reason = AnyConditionTrue(pod.status, "Ready") ? "Running" : "NotReady";
  }
}

}  // namespace

PodSummary SummarizePod(const api::Pod& pod, base::TimePoint now) {
  const std::string& phase = pod.status.phase;
  std::string reason = pod.status.reason.empty() ? phase : pod.status.reason;
  for (const api::PodCondition& c : pod.status.conditions) {
    if (c.type == "PodScheduled" && c.reason == "SchedulingGated") reason = "SchedulingGated";
  }

  size_t total = pod.spec.containers.size();
  for (const api::Container& c : pod.spec.init_containers) {
    if (c.restart_policy.value_or("") == "Always") ++total;
  }

  Counts n;
  const bool initializing = SummarizeInit(pod, n, reason);
  if (!initializing || FirstConditionTrue(pod.status, "Initialized")) {
    SummarizeContainers(pod, n, reason);
  }

  if (pod.metadata.deletion_timestamp) {
    // The node controller marks pods of an unreachable node NodeLost before deleting them.
    if (pod.status.reason == "NodeLost") {
      reason = "Unknown";
    } else if (phase != "Succeeded" && phase != "Failed") {
      reason = "Terminating";
    }
  }

  PodSummary out;
  out.ready = fmt::format("{}/{}", n.ready, total);
  out.status = reason;
  out.restarts = std::to_string(n.restarts);
  if (n.restarts != 0 && n.last_restart.set) {
    out.restarts += " (" + Age(n.last_restart, now) + " ago)";
  }
  return out;
}

std::span<const ColumnDefinition> PodColumns() { return kPodColumns; }

api::Json Cells(const api::Pod& pod, base::TimePoint now) {
  const PodSummary s = SummarizePod(pod, now);
  // status.podIP is the first of status.podIPs; objects written by older clients may carry
  // only podIP.
  std::string ip = pod.status.pod_ips.empty() ? pod.status.pod_ip : pod.status.pod_ips[0].ip;
  std::string node = pod.spec.node_name;
  std::string nominated = pod.status.nominated_node_name;
  std::string gates = "<none>";
  if (!pod.spec.readiness_gates.empty()) {
    int passing = 0;
    for (const api::PodReadinessGate& gate : pod.spec.readiness_gates) {
      for (const api::PodCondition& c : pod.status.conditions) {
        if (c.type == gate.condition_type) {
          if (c.status == "True") ++passing;
          break;
        }
      }
    }
    gates = fmt::format("{}/{}", passing, pod.spec.readiness_gates.size());
  }
  auto or_none = [](std::string v) { return v.empty() ? std::string("<none>") : v; };
  return api::Json::array({pod.metadata.name, s.ready, s.status, s.restarts,
                           Age(pod.metadata.creation_timestamp, now), or_none(ip), or_none(node),
                           or_none(nominated), gates});
}

}  // namespace cubelet::apiserver
