// What one sync of a pod must do, decided from the pod's spec and the runtime's view of it
// (the kubelet's computePodActions). Pure: no runtime calls, no clock. Private to src/node.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/api.h"
#include "node/runtime_pod.h"

namespace cubelet::node {

// What the probes said of one running container instance (by runtime container ID).
struct ProbeState {
  bool started = true;  // no startup probe, or it succeeded
  bool ready = true;    // started and (no readiness probe, or its last result was success)
  bool liveness_failed = false;
  bool startup_failed = false;
};
using ProbeStates = std::map<std::string, ProbeState>;

struct KillInfo {
  std::string name;
  std::string message;    // the Killing event text: "Container c failed liveness probe, ..."
  bool liveness = false;  // liveness or startup: the probe's own grace period applies
};

struct PodActions {
  // Kill every container and the sandbox (the pod is done, or its sandbox must be replaced).
  bool kill_pod = false;
  bool create_sandbox = false;
  uint32_t sandbox_attempt = 0;
  std::string sandbox_id;  // the ready sandbox to start containers in (when not creating one)
  // A new sandbox replaces a lost one: every init container instance is removed first, so the
  // init containers run again from the first.
  bool purge_init_containers = false;
  // Indexes into spec.initContainers to start in this order (sidecars and at most one regular
  // init container), then indexes into spec.containers.
  std::vector<int> init_to_start;
  std::vector<int> containers_to_start;
  std::map<std::string, KillInfo> to_kill;  // by runtime container ID
  // A regular init container failed and restartPolicy is Never: the pod has failed.
  bool init_failed = false;
};

bool IsSidecar(const api::Container& init_container);
// The container (app or init) of that name in the pod's spec, or null.
const api::Container* FindContainer(const api::Pod& pod, std::string_view name);
// Whether the pod restarts failed containers (restartPolicy is not Never).
bool RestartsOnFailure(const api::Pod& pod);
// The kubelet's ShouldContainerBeRestarted for a container that is not running.
bool ShouldRestart(const api::Pod& pod, const api::Container& c, const RuntimePod& rp);
// Whether any app container was created in the current sandbox (then regular init containers
// never run again in it).
bool AnyAppContainerCreated(const api::Pod& pod, const RuntimePod& rp);

PodActions ComputePodActions(const api::Pod& pod, const RuntimePod& rp, const ProbeStates& probes);

}  // namespace cubelet::node
