// PodSourcesFor: the runtime's view of what only the API supplies, for one pod.
#include <memory>
#include <utility>

#include "node/node.h"
#include "node/pod_env.h"

namespace cubelet::node {

runtime::PodSources PodSourcesFor(const api::Pod& pod, ApiObjects* objects, const NodeInfo& node) {
  // The runtime calls these later, possibly after the caller's pod and node info changed, so
  // they read copies: one container's env and the volumes all see the same pod.
  struct Captured {
    api::Pod pod;
    NodeInfo node;
  };
  auto captured = std::make_shared<const Captured>(Captured{pod, node});
  runtime::PodSources sources;
  sources.env = [captured, objects](const api::Container& container) {
    return ContainerEnv(captured->pod, container, objects, captured->node);
  };
  sources.volume_files = [captured, objects](const api::Volume& volume) {
    return VolumeFiles(captured->pod, volume, objects, captured->node);
  };
  // The Burstable oom_score_adj is a share of the node's memory; the machine's when the node
  // does not say.
  sources.node_memory_bytes =
      node.memory_bytes > 0 ? node.memory_bytes : runtime::HostMemoryBytes();
  return sources;
}

}  // namespace cubelet::node
