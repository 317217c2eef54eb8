// The pod's API status from its spec, its previous status and the runtime's view (the
// kubelet's generateAPIPodStatus, convertToAPIContainerStatuses, getPhase and the condition
// generators). Pure. Private to src/node.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/api.h"
#include "base/clock.h"
#include "node/actions.h"
#include "node/runtime_pod.h"

namespace cubelet::node {

// Why a container could not be started on the last attempt (the kubelet's reason cache):
// its waiting reason and message until a start succeeds.
struct StartFailure {
  std::string reason;  // "CrashLoopBackOff", "ErrImagePull", "CreateContainerConfigError", ...
  std::string message;
  bool operator==(const StartFailure&) const = default;
};

struct StatusInputs {
  const api::Pod* pod = nullptr;  // spec, metadata and the previous status
  const RuntimePod* runtime = nullptr;
  const std::map<std::string, StartFailure>* failures = nullptr;  // by container name
  const ProbeStates* probes = nullptr;
  std::string host_ip;
  std::string pod_ip;
  base::TimePoint now;
  // The pod is being deleted and nothing runs any more: its phase becomes terminal.
  bool terminal = false;
  // Pod-level failure (activeDeadlineSeconds): phase Failed with this reason and message.
  std::string fail_reason;
  std::string fail_message;
};

api::PodStatus GeneratePodStatus(const StatusInputs& in);

// The pod phase from its container statuses (getPhase), before terminal phases are made
// sticky.
std::string PodPhase(const api::Pod& pod, const std::vector<api::ContainerStatus>& init,
                     const std::vector<api::ContainerStatus>& apps, bool terminal, bool is_static);

}  // namespace cubelet::node
