// The runtime's view of one pod (the kubelet's kubecontainer.PodStatus): its sandboxes and
// every container instance of every sandbox, found by the labels the agent puts on them.
// Private to src/node.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "base/status.h"
#include "runtime/runtime.h"

namespace cubelet::node {

// Labels and annotations on sandboxes and containers (the kubelet's names, so tools that know
// them find their way).
inline constexpr std::string_view kPodNameLabel = "io.kubernetes.pod.name";
inline constexpr std::string_view kPodNamespaceLabel = "io.kubernetes.pod.namespace";
inline constexpr std::string_view kPodUidLabel = "io.kubernetes.pod.uid";
inline constexpr std::string_view kContainerNameLabel = "io.kubernetes.container.name";
inline constexpr std::string_view kContainerHashAnnotation = "io.kubernetes.container.hash";
inline constexpr std::string_view kRestartCountAnnotation = "io.kubernetes.container.restartCount";
// status.imageID: the repo digest of the image the container was created from.
inline constexpr std::string_view kImageIdAnnotation = "io.cubelet.image.repo-digest";
inline constexpr std::string_view kInfraLabel = "io.cubelet.infra";

struct RuntimePod {
  std::string uid;
  std::vector<runtime::SandboxStatus> sandboxes;     // newest first
  std::vector<runtime::ContainerStatus> containers;  // newest first (created_at)

  // The newest instance of a container, or null.
  const runtime::ContainerStatus* Latest(std::string_view name) const;
  // Every instance of a container, newest first.
  std::vector<const runtime::ContainerStatus*> Instances(std::string_view name) const;
  // The newest sandbox, or null.
  const runtime::SandboxStatus* LatestSandbox() const {
    return sandboxes.empty() ? nullptr : &sandboxes.front();
  }
};

// Every pod of the agent the runtime has (sandboxes with the pod UID label), by UID; infra
// containers left out.
base::Result<std::map<std::string, RuntimePod>> ListRuntimePods(runtime::Runtime& rt);
// One pod's (a pod without sandboxes gives an empty RuntimePod).
base::Result<RuntimePod> GetRuntimePod(runtime::Runtime& rt, const std::string& uid);

// The container's spec hash (hex): a changed definition restarts the container and resets its
// crash-loop back-off, as in the kubelet.
std::string ContainerHash(const api::Container& container);

// "cubelet://<id>", the containerID of the API status.
std::string ApiContainerId(const std::string& id);

}  // namespace cubelet::node
