// The served-resource table. Verbs, short names, categories and subresources are copied from
// kube-apiserver 1.33's /api/v1, /apis/apps/v1 and /apis/coordination.k8s.io/v1 discovery, so
// clients see the same API surface (namespaces have no deletecollection, pods/log is get-only,
// the scale subresources answer autoscaling/v1 Scale).
#include "apiserver/resources.h"

#include <algorithm>
#include <array>

namespace cubelet::apiserver {
namespace {

// The verbs of a genericregistry.Store resource.
constexpr std::array<std::string_view, 8> kStoreVerbs = {
    "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
// Namespaces are deleted one at a time (the namespace lifecycle), so no deletecollection.
constexpr std::array<std::string_view, 7> kNamespaceVerbs = {"create", "delete", "get",  "list",
                                                             "patch",  "update", "watch"};
constexpr std::array<std::string_view, 3> kGetPatchUpdate = {"get", "patch", "update"};
constexpr std::array<std::string_view, 1> kGet = {"get"};
constexpr std::array<std::string_view, 1> kCreate = {"create"};

constexpr std::array<std::string_view, 1> kAll = {"all"};

constexpr std::array<std::string_view, 1> kCm = {"cm"};
constexpr std::array<std::string_view, 1> kEp = {"ep"};
constexpr std::array<std::string_view, 1> kEv = {"ev"};
constexpr std::array<std::string_view, 1> kNs = {"ns"};
constexpr std::array<std::string_view, 1> kNo = {"no"};
constexpr std::array<std::string_view, 1> kPo = {"po"};
constexpr std::array<std::string_view, 1> kSa = {"sa"};
constexpr std::array<std::string_view, 1> kSvc = {"svc"};
constexpr std::array<std::string_view, 1> kDeploy = {"deploy"};
constexpr std::array<std::string_view, 1> kRs = {"rs"};

constexpr SubresourceInfo StatusSubresource(std::string_view kind) {
  return SubresourceInfo{"status", kind, "", "", kGetPatchUpdate};
}
constexpr SubresourceInfo kScale{"scale", "Scale", "autoscaling", "v1", kGetPatchUpdate};

constexpr std::array<SubresourceInfo, 1> kNamespaceSubresources = {StatusSubresource("Namespace")};
constexpr std::array<SubresourceInfo, 1> kNodeSubresources = {StatusSubresource("Node")};
// pods/log answers with the log text, but discovery names the storage's object kind (Pod),
// as kube-apiserver does.
constexpr std::array<SubresourceInfo, 3> kPodSubresources = {
    SubresourceInfo{"binding", "Binding", "", "", kCreate},
    SubresourceInfo{"log", "Pod", "", "", kGet},
    StatusSubresource("Pod"),
};
constexpr std::array<SubresourceInfo, 1> kServiceSubresources = {StatusSubresource("Service")};
constexpr std::array<SubresourceInfo, 2> kDeploymentSubresources = {
    kScale, StatusSubresource("Deployment")};
constexpr std::array<SubresourceInfo, 2> kReplicaSetSubresources = {
    kScale, StatusSubresource("ReplicaSet")};

constexpr std::array<GroupVersion, 3> kGroupVersions = {
    GroupVersion{"", "v1"},
    GroupVersion{"apps", "v1"},
    GroupVersion{"coordination.k8s.io", "v1"},
};

// clang-format off
constexpr std::array<ResourceInfo, 12> kResources = {
    // group, version, resource, singular, kind, namespaced, verbs, shortNames, categories,
    // subresources, storageVersionHash
    ResourceInfo{"", "v1", "configmaps", "configmap", "ConfigMap", true, kStoreVerbs, kCm, {},
                 {}, "qFsyl6wFWjQ="},
    ResourceInfo{"", "v1", "endpoints", "endpoints", "Endpoints", true, kStoreVerbs, kEp, {},
                 {}, "fWeeMqaN/OA="},
    ResourceInfo{"", "v1", "events", "event", "Event", true, kStoreVerbs, kEv, {}, {},
                 "r2yiGXH7wu8="},
    ResourceInfo{"", "v1", "namespaces", "namespace", "Namespace", false, kNamespaceVerbs, kNs,
                 {}, kNamespaceSubresources, "Q3oi5N2YM8M="},
    ResourceInfo{"", "v1", "nodes", "node", "Node", false, kStoreVerbs, kNo, {},
                 kNodeSubresources, "XwShjMxG9Fs="},
    ResourceInfo{"", "v1", "pods", "pod", "Pod", true, kStoreVerbs, kPo, kAll, kPodSubresources,
                 "xPOwRZ+Yhw8="},
    ResourceInfo{"", "v1", "secrets", "secret", "Secret", true, kStoreVerbs, {}, {}, {},
                 "S6u1pOWzb84="},
    ResourceInfo{"", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true,
                 kStoreVerbs, kSa, {}, {}, "pbx9ZvyFpBE="},
    ResourceInfo{"", "v1", "services", "service", "Service", true, kStoreVerbs, kSvc, kAll,
                 kServiceSubresources, "0/CO1lhkEBI="},
    ResourceInfo{"apps", "v1", "deployments", "deployment", "Deployment", true, kStoreVerbs,
                 kDeploy, kAll, kDeploymentSubresources, "8aSe+NMegvE="},
    ResourceInfo{"apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, kStoreVerbs, kRs,
                 kAll, kReplicaSetSubresources, "P1RzHs8/mWQ="},
    ResourceInfo{"coordination.k8s.io", "v1", "leases", "lease", "Lease", true, kStoreVerbs, {},
                 {}, {}, "gqkMMb/YqFM="},
};
// clang-format on

std::string JoinApiVersion(std::string_view group, std::string_view version) {
  if (group.empty()) return std::string(version);
  std::string out(group);
  out += '/';
  out += version;
  return out;
}

}  // namespace

std::string ResourceInfo::ApiVersion() const { return JoinApiVersion(group, version); }

bool ResourceInfo::HasVerb(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

const SubresourceInfo* ResourceInfo::FindSubresource(std::string_view name) const {
  for (const SubresourceInfo& s : subresources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string GroupVersion::ApiVersion() const { return JoinApiVersion(group, version); }

std::string GroupVersion::Path() const {
  // The core group lives under the legacy prefix /api, every named group under /apis.
  return (group.empty() ? "api/" : "apis/") + JoinApiVersion(group, version);
}

std::span<const ResourceInfo> Resources() { return kResources; }

std::span<const GroupVersion> GroupVersions() { return kGroupVersions; }

const ResourceInfo* FindResource(std::string_view group, std::string_view version,
                                 std::string_view resource) {
  for (const ResourceInfo& r : kResources) {
    if (r.group == group && r.version == version && r.resource == resource) return &r;
  }
  return nullptr;
}

const ResourceInfo* FindResourceByKind(std::string_view group, std::string_view kind) {
  for (const ResourceInfo& r : kResources) {
    if (r.group == group && r.kind == kind) return &r;
  }
  return nullptr;
}

const ResourceInfo* FindResourceByKind(std::string_view kind) {
  for (const ResourceInfo& r : kResources) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

}  // namespace cubelet::apiserver
