// The resources the API server serves: one entry per REST resource, with what discovery
// advertises for it (verbs, short names, categories, subresources) exactly as kube-apiserver
// 1.33 does. Discovery, OpenAPI and request routing all read this one table, so a resource
// served is a resource advertised, and `kubectl get po` / `kubectl get all` resolve.
//
// Plain strings only: the table does not depend on which kinds src/api can decode (Lease is
// served before api::Lease exists).
//
// Thread-safety: immutable static data; every function may be called concurrently.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace cubelet::apiserver {

// A subresource: pods/status, deployments/scale, pods/log.
struct SubresourceInfo {
  std::string_view name;  // "status"
  std::string_view kind;  // the kind of the response: "Pod", "Scale", "Binding"
  // The response kind's group and version when they differ from the parent resource's
  // (deployments/scale answers autoscaling/v1 Scale); empty otherwise, as APIResource has it.
  std::string_view group;
  std::string_view version;
  std::span<const std::string_view> verbs;  // sorted, as discovery lists them
};

struct ResourceInfo {
  std::string_view group;     // "" for the core group
  std::string_view version;   // "v1"
  std::string_view resource;  // the plural: "pods"
  std::string_view singular;  // "pod"
  std::string_view kind;      // "Pod"
  bool namespaced;
  std::span<const std::string_view> verbs;  // sorted
  std::span<const std::string_view> short_names;
  std::span<const std::string_view> categories;
  std::span<const SubresourceInfo> subresources;  // sorted by name
  // APIResource.storageVersionHash: the first 8 bytes of sha256("<group>/<version>/<kind>")
  // in base64, which is what kube-apiserver computes for its storage version.
  std::string_view storage_version_hash;

  // "v1", "apps/v1": the apiVersion of this resource's objects.
  std::string ApiVersion() const;
  bool HasVerb(std::string_view verb) const;
  // nullptr when the resource has no such subresource.
  const SubresourceInfo* FindSubresource(std::string_view name) const;
};

struct GroupVersion {
  std::string_view group;  // "" for core
  std::string_view version;

  // "v1", "apps/v1".
  std::string ApiVersion() const;
  // The URL path below the server root, without the leading slash: "api/v1", "apis/apps/v1".
  std::string Path() const;
};

// Every served resource, grouped by group-version in GroupVersions() order and sorted by
// resource name within a group-version (kube-apiserver's discovery order).
std::span<const ResourceInfo> Resources();

// The served group-versions: core v1 first, then the named groups in /apis order.
std::span<const GroupVersion> GroupVersions();

// The resource at (group, version, resource), or nullptr.
const ResourceInfo* FindResource(std::string_view group, std::string_view version,
                                 std::string_view resource);

// The resource whose objects are of `kind` in `group` (a GroupKind), or nullptr.
const ResourceInfo* FindResourceByKind(std::string_view group, std::string_view kind);

// The resource whose objects are of `kind` in any group, or nullptr. Kinds are unique among
// the served resources (a test holds the table to that).
const ResourceInfo* FindResourceByKind(std::string_view kind);

}  // namespace cubelet::apiserver
