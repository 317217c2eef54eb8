// /version and legacy discovery. Field order follows the Go structs (version.Info,
// metav1.APIResource, ...), so a response reads like kube-apiserver's.
#include "apiserver/discovery.h"

#include <fmt/format.h>

#include "apiserver/resources.h"

#ifndef CUBELET_VERSION
#error "CUBELET_VERSION must be defined by the build (src/apiserver/CMakeLists.txt)"
#endif

namespace cubelet::apiserver {
namespace {

std::string CompilerVersion() {
#if defined(__clang__)
  return fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

api::Json GroupVersionForDiscovery(const GroupVersion& gv) {
  return api::Json{{"groupVersion", gv.ApiVersion()}, {"version", gv.version}};
}

// metav1.APIGroup: each served group has one version, which is also the preferred one.
api::Json GroupJson(const GroupVersion& gv) {
  return api::Json{{"name", gv.group},
                   {"versions", api::Json::array({GroupVersionForDiscovery(gv)})},
                   {"preferredVersion", GroupVersionForDiscovery(gv)}};
}

api::Json StringArray(std::span<const std::string_view> values) {
  api::Json out = api::Json::array();
  for (std::string_view v : values) out.push_back(v);
  return out;
}

api::Json ResourceJson(const ResourceInfo& r) {
  api::Json out{{"name", r.resource},
                {"singularName", r.singular},
                {"namespaced", r.namespaced},
                {"kind", r.kind},
                {"verbs", StringArray(r.verbs)}};
  if (!r.short_names.empty()) out["shortNames"] = StringArray(r.short_names);
  if (!r.categories.empty()) out["categories"] = StringArray(r.categories);
  out["storageVersionHash"] = r.storage_version_hash;
  return out;
}

// A subresource entry: "pods/status". Subresources have no singular name, but the field is
// still sent (empty), which the Python client's V1APIResource requires.
api::Json SubresourceJson(const ResourceInfo& parent, const SubresourceInfo& s) {
  api::Json out{{"name", fmt::format("{}/{}", parent.resource, s.name)},
                {"singularName", ""},
                {"namespaced", parent.namespaced}};
  if (!s.group.empty() || !s.version.empty()) {
    out["group"] = s.group;
    out["version"] = s.version;
  }
  out["kind"] = s.kind;
  out["verbs"] = StringArray(s.verbs);
  return out;
}

}  // namespace

BuildInfo CurrentBuildInfo() {
  BuildInfo build;
  build.cubelet_version = CUBELET_VERSION;
  return build;
}

std::string_view Platform() {
#if defined(__x86_64__)
  return "linux/amd64";
#elif defined(__aarch64__)
  return "linux/arm64";
#elif defined(__arm__)
  return "linux/arm";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
  return "linux/ppc64le";
#elif defined(__s390x__)
  return "linux/s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "linux/riscv64";
#else
  return "linux/unknown";
#endif
}

api::Json VersionJson(const BuildInfo& build) {
  return api::Json{
      {"major", kKubernetesMajor},
      {"minor", kKubernetesMinor},
      // The compatibility-version fields of 1.33: this server emulates nothing older.
      {"emulationMajor", kKubernetesMajor},
      {"emulationMinor", kKubernetesMinor},
      {"minCompatibilityMajor", kKubernetesMajor},
      {"minCompatibilityMinor", kKubernetesMinCompatibilityMinor},
      // Semver build metadata: Kubernetes clients compare only the part before '+'.
      {"gitVersion", fmt::format("{}+cubelet.{}", kKubernetesVersion, build.cubelet_version)},
      {"gitCommit", build.git_commit},
      {"gitTreeState", build.git_tree_state},
      {"buildDate", build.build_date},
      {"goVersion", CompilerVersion()},
      {"compiler", "gc"},
      {"platform", Platform()},
  };
}

api::Json ApiVersionsJson(std::string_view server_address) {
  // kube-apiserver sends no apiVersion on APIVersions.
  api::Json cidrs = api::Json::array();
  if (!server_address.empty()) {
    cidrs.push_back(api::Json{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}});
  }
  return api::Json{{"kind", "APIVersions"},
                   {"versions", api::Json::array({"v1"})},
                   {"serverAddressByClientCIDRs", std::move(cidrs)}};
}

api::Json ApiGroupListJson() {
  api::Json groups = api::Json::array();
  for (const GroupVersion& gv : GroupVersions()) {
    if (!gv.group.empty()) groups.push_back(GroupJson(gv));
  }
  return api::Json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
}

std::optional<api::Json> ApiGroupJson(std::string_view group) {
  for (const GroupVersion& gv : GroupVersions()) {
    if (gv.group.empty() || gv.group != group) continue;
    api::Json out{{"kind", "APIGroup"}, {"apiVersion", "v1"}};
    out.update(GroupJson(gv));
    return out;
  }
  return std::nullopt;
}

std::optional<api::Json> ApiResourceListJson(std::string_view group, std::string_view version) {
  const GroupVersion* served = nullptr;
  for (const GroupVersion& gv : GroupVersions()) {
    if (gv.group == group && gv.version == version) served = &gv;
  }
  if (served == nullptr) return std::nullopt;

  api::Json resources = api::Json::array();
  for (const ResourceInfo& r : Resources()) {
    if (r.group != group || r.version != version) continue;
    resources.push_back(ResourceJson(r));
    for (const SubresourceInfo& s : r.subresources) resources.push_back(SubresourceJson(r, s));
  }
  api::Json out{{"kind", "APIResourceList"}};
  // kube-apiserver's /api/v1 carries no apiVersion; the named groups' lists do.
  if (!group.empty()) out["apiVersion"] = "v1";
  out["groupVersion"] = served->ApiVersion();
  out["resources"] = std::move(resources);
  return out;
}

}  // namespace cubelet::apiserver
