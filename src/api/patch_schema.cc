// The strategic-merge knowledge of the kinds cubelet serves: Kubernetes' `patchStrategy` and
// `patchMergeKey` struct tags (k8s.io/api core/v1, apps/v1, coordination/v1 and meta/v1
// types.go), as a table.
//
// A row says: inside a value of schema `type`, `field` holds a value (or list items) of schema
// `value`, with this strategy and merge key. Only fields that lead to a tagged field, or carry a
// tag, are listed; every other field merges like a JSON merge patch (maps by key, lists
// replaced whole). To support a new field or kind, add its rows here.
#include <array>

#include "api/api.h"
#include "api/patch_internal.h"

namespace cubelet::api::patch_internal {
namespace {

struct Row {
  std::string_view type;
  std::string_view field;
  std::string_view value;
  Strategy strategy;
  std::string_view merge_key;
};

constexpr Strategy kNone = Strategy::kNone;
constexpr Strategy kMerge = Strategy::kMerge;
constexpr Strategy kRetainKeys = Strategy::kRetainKeys;
constexpr Strategy kMergeRetainKeys = Strategy::kMergeRetainKeys;

// Lists listed nowhere are atomic in Kubernetes (+listType=atomic, no patchStrategy) and are
// replaced whole; among them tolerations, readinessGates, envFrom, command, args, taints,
// Endpoints subsets, Node images and the container statuses.
constexpr auto kRows = std::to_array<Row>({
    // type              field                        value             strategy     merge key
    {"Pod", "metadata", "ObjectMeta", kNone, ""},
    {"Pod", "spec", "PodSpec", kNone, ""},
    {"Pod", "status", "PodStatus", kNone, ""},
    {"Service", "metadata", "ObjectMeta", kNone, ""},
    {"Service", "spec", "ServiceSpec", kNone, ""},
    {"Service", "status", "ServiceStatus", kNone, ""},
    {"Endpoints", "metadata", "ObjectMeta", kNone, ""},
    {"Event", "metadata", "ObjectMeta", kNone, ""},
    {"Namespace", "metadata", "ObjectMeta", kNone, ""},
    {"Namespace", "status", "NamespaceStatus", kNone, ""},
    {"Node", "metadata", "ObjectMeta", kNone, ""},
    {"Node", "spec", "NodeSpec", kNone, ""},
    {"Node", "status", "NodeStatus", kNone, ""},
    {"ConfigMap", "metadata", "ObjectMeta", kNone, ""},
    {"Secret", "metadata", "ObjectMeta", kNone, ""},
    {"ServiceAccount", "metadata", "ObjectMeta", kNone, ""},
    {"ServiceAccount", "secrets", "", kMerge, "name"},
    {"Deployment", "metadata", "ObjectMeta", kNone, ""},
    {"Deployment", "spec", "DeploymentSpec", kNone, ""},
    {"Deployment", "status", "DeploymentStatus", kNone, ""},
    {"ReplicaSet", "metadata", "ObjectMeta", kNone, ""},
    {"ReplicaSet", "spec", "ReplicaSetSpec", kNone, ""},
    {"ReplicaSet", "status", "ReplicaSetStatus", kNone, ""},
    // coordination.k8s.io/v1: LeaseSpec has no tagged field, only the metadata merges by key.
    {"Lease", "metadata", "ObjectMeta", kNone, ""},

    // meta/v1 ObjectMeta: finalizers merge as a set of strings.
    {"ObjectMeta", "finalizers", "", kMerge, ""},
    {"ObjectMeta", "ownerReferences", "", kMerge, "uid"},

    // core/v1 pods and pod templates.
    {"PodTemplateSpec", "metadata", "ObjectMeta", kNone, ""},
    {"PodTemplateSpec", "spec", "PodSpec", kNone, ""},
    {"PodSpec", "volumes", "Volume", kMergeRetainKeys, "name"},
    {"PodSpec", "initContainers", "Container", kMerge, "name"},
    {"PodSpec", "containers", "Container", kMerge, "name"},
    {"PodSpec", "ephemeralContainers", "Container", kMerge, "name"},  // same tags as Container
    {"PodSpec", "imagePullSecrets", "", kMerge, "name"},
    {"PodSpec", "hostAliases", "", kMerge, "ip"},
    {"PodSpec", "topologySpreadConstraints", "", kMerge, "topologyKey"},
    {"PodSpec", "schedulingGates", "", kMerge, "name"},
    {"PodSpec", "resourceClaims", "", kMergeRetainKeys, "name"},
    {"Container", "ports", "", kMerge, "containerPort"},
    {"Container", "env", "", kMerge, "name"},
    {"Container", "volumeMounts", "", kMerge, "mountPath"},
    {"Container", "volumeDevices", "", kMerge, "devicePath"},
    {"PodStatus", "conditions", "", kMerge, "type"},
    {"PodStatus", "podIPs", "", kMerge, "ip"},
    {"PodStatus", "hostIPs", "", kMerge, "ip"},
    {"PodStatus", "resourceClaimStatuses", "", kMergeRetainKeys, "name"},

    // core/v1 services, namespaces and nodes.
    {"ServiceSpec", "ports", "", kMerge, "port"},
    {"ServiceStatus", "conditions", "", kMerge, "type"},
    {"NamespaceStatus", "conditions", "", kMerge, "type"},
    {"NodeSpec", "podCIDRs", "", kMerge, ""},
    {"NodeStatus", "conditions", "", kMerge, "type"},
    // Kubernetes warns the node address key is not unique enough, but it is the declared one.
    {"NodeStatus", "addresses", "", kMerge, "type"},

    // apps/v1.
    {"DeploymentSpec", "template", "PodTemplateSpec", kNone, ""},
    {"DeploymentSpec", "strategy", "", kRetainKeys, ""},
    {"DeploymentStatus", "conditions", "", kMerge, "type"},
    {"ReplicaSetSpec", "template", "PodTemplateSpec", kNone, ""},
    {"ReplicaSetStatus", "conditions", "", kMerge, "type"},
});

}  // namespace

std::string_view RootType(std::string_view kind) {
  // The schema type of a kind is the kind's name; the served kinds are api::Kinds().
  for (const KindInfo& info : Kinds()) {
    if (info.kind == kind) return info.kind;
  }
  return {};
}

FieldMeta LookupField(std::string_view type, std::string_view field) {
  if (type.empty()) return {};
  for (const Row& row : kRows) {
    if (row.type == type && row.field == field) return {row.value, row.strategy, row.merge_key};
  }
  return {};
}

}  // namespace cubelet::api::patch_internal
