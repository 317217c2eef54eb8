// What a pod's containers are configured from besides the spec itself: the environment
// (service links, envFrom, env with $(VAR) expansion and valueFrom) and the contents of
// configMap, secret, downwardAPI and projected volumes, resolved the way the kubelet does
// (pkg/kubelet/kubelet_pods.go, pkg/kubelet/envvars, pkg/volume/{configmap,secret,downwardapi,
// projected}). PodSourcesFor (node.h) wraps these into runtime::PodSources. Private to src/node.
//
// All functions are pure apart from the reads through ApiObjects, so they may run concurrently.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api.h"
#include "base/status.h"
#include "node/node.h"
#include "runtime/runtime.h"

namespace cubelet::node {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// ---- env.cc ---------------------------------------------------------------------------------

// The container's whole environment, in order: service links, envFrom, env. A name defined
// again keeps its first position and takes the later value. Errors are the kubelet's
// CreateContainerConfigError messages (`configmap "x" not found`, `couldn't find key K in
// Secret ns/name`, ...). With `objects` null there are no service links (as for a kubelet
// without an API server) and configMap/secret references fail naming the API server.
base::Result<EnvList> ContainerEnv(const api::Pod& pod, const api::Container& container,
                                   ApiObjects* objects, const NodeInfo& node);

// The service link variables of `services` in their order (FOO_SERVICE_HOST, FOO_PORT, ...).
// Services without a cluster IP ("" or "None") contribute nothing.
EnvList ServiceEnv(const std::vector<api::Service>& services);

// Kubernetes' $(VAR) expansion: `lookup` gives a variable's value or nullopt when it is
// undefined, which leaves the reference as written; "$$" is a literal '$'.
std::string ExpandEnv(std::string_view input,
                      const std::function<std::optional<std::string>(std::string_view)>& lookup);

// The downward API's view of the pod's metadata (fieldpath.ExtractFieldPathAsString):
// metadata.name, namespace, uid, labels, annotations and labels['k'] / annotations['k'].
// Whole maps are `key="value"` lines sorted by key, values quoted as Go's %q does.
base::Result<std::string> PodMetadataField(const api::Pod& pod, const std::string& field_path);

// A resourceFieldRef's value: the named container's (or `self` when containerName is empty)
// request or limit divided by the divisor and rounded up; an unset limit is the node's
// allocatable CPU or memory.
base::Result<std::string> ResourceFieldValue(const api::Pod& pod, const api::Container* self,
                                             const api::ResourceFieldSelector& selector,
                                             const NodeInfo& node);

// The namespace the pod runs in ("default" when unset, as the API server defaults it).
std::string PodNamespace(const api::Pod& pod);

// A ConfigMap or Secret fetch that fails the way the kubelet reports it when there is no API
// server to ask.
base::Status NoApiServerError(std::string_view kind, const std::string& ns,
                              const std::string& name);

// ---- volume_files.cc ------------------------------------------------------------------------

// The files of a configMap, secret, downwardAPI or projected volume, sorted by path, with
// their modes. Errors read as the kubelet's FailedMount events:
// `MountVolume.SetUp failed for volume "v" : configmap "x" not found`.
base::Result<std::vector<runtime::KeyToPath>> VolumeFiles(const api::Pod& pod,
                                                          const api::Volume& volume,
                                                          ApiObjects* objects,
                                                          const NodeInfo& node);

}  // namespace cubelet::node
