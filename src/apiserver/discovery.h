// Discovery: /version and the documents clients read to learn which resources exist, built
// from the served-resource table (resources.h). Pure JSON builders; the HTTP handlers send
// them with the Content-Type named here.
//
// Two discovery protocols exist and both are served (kubectl-compat.md §2, G2):
//   - legacy: /api (APIVersions), /apis (APIGroupList), /apis/<g> (APIGroup), /api/v1 and
//     /apis/<g>/<v> (APIResourceList), plain application/json; enough for every client;
//   - aggregated: the whole of /api or /apis in one APIGroupDiscoveryList, in
//     apidiscovery.k8s.io/v2 or v2beta1, whichever the Accept header names first. kubectl
//     1.27-1.29 only know v2beta1 and see no resources at all when answered with v2.
//
// Thread-safety: all functions are pure and may be called concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/api.h"

namespace cubelet::apiserver {

// The Kubernetes release whose API this server implements. /version reports it, and the
// gcloud kubectl dispatcher runs the kubectl of this minor (kubectl-compat.md G13).
inline constexpr std::string_view kKubernetesMajor = "1";
inline constexpr std::string_view kKubernetesMinor = "33";
// The oldest minor whose clients this release is compatible with (kube-apiserver reports its
// own minor minus one in minCompatibilityMinor).
inline constexpr std::string_view kKubernetesMinCompatibilityMinor = "32";
inline constexpr std::string_view kKubernetesVersion = "v1.33.0";

// What /version reports about this build.
struct BuildInfo {
  std::string cubelet_version;  // "0.1.0": gitVersion becomes "v1.33.0+cubelet.0.1.0"
  // Kubernetes' defaults for a build made outside a git checkout.
  std::string git_commit;
  std::string git_tree_state;
  std::string build_date = "1970-01-01T00:00:00Z";
};

// This binary's BuildInfo: the project version CMake was configured with.
BuildInfo CurrentBuildInfo();

// "linux/amd64", "linux/arm64": GOOS/GOARCH of the architecture this binary was compiled for.
std::string_view Platform();

// The version.Info of /version. goVersion names the C++ compiler (there is no Go toolchain;
// clients only print the field, and the Python client needs it present).
api::Json VersionJson(const BuildInfo& build);

// ---- legacy discovery ----------------------------------------------------------------------

// GET /api: {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[...]}, the
// one CIDR 0.0.0.0/0 mapping to `server_address` ("127.0.0.1:6443"); an empty address gives
// an empty list (never null: the Python client rejects a null).
api::Json ApiVersionsJson(std::string_view server_address);

// GET /apis: the APIGroupList of every named group.
api::Json ApiGroupListJson();

// GET /apis/<group>: the APIGroup, nullopt for a group not served.
std::optional<api::Json> ApiGroupJson(std::string_view group);

// GET /api/v1 (group "") and /apis/<group>/<version>: the APIResourceList, subresources as
// "pods/status" entries; nullopt for a group-version not served.
std::optional<api::Json> ApiResourceListJson(std::string_view group, std::string_view version);

// ---- aggregated discovery ------------------------------------------------------------------

enum class DiscoveryFormat {
  kLegacy,             // APIVersions / APIGroupList as application/json
  kAggregatedV2,       // APIGroupDiscoveryList, apidiscovery.k8s.io/v2
  kAggregatedV2Beta1,  // APIGroupDiscoveryList, apidiscovery.k8s.io/v2beta1
};

// Which answer the Accept header of GET /api or /apis asks for: the first media range this
// server can produce wins (application/json;g=apidiscovery.k8s.io;v=<v2|v2beta1>;
// as=APIGroupDiscoveryList for aggregated, application/json or a wildcard for legacy).
// Ranges it cannot produce (protobuf, another `as`) are skipped; when nothing matches the
// answer is legacy JSON, never 406 (G3).
DiscoveryFormat NegotiateDiscovery(std::string_view accept);

// The exact Content-Type to send with `format`:
// "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
// "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList" or
// "application/json".
std::string_view DiscoveryContentType(DiscoveryFormat format);

// Which document GET /api or GET /apis is answering.
enum class DiscoveryRoot {
  kCore,    // /api: the core group
  kGroups,  // /apis: every named group
};

// The APIGroupDiscoveryList of `root` in an aggregated `format` (the v2 and v2beta1 documents
// differ only in apiVersion; kLegacy gives v2).
api::Json AggregatedDiscoveryJson(DiscoveryRoot root, DiscoveryFormat format);

}  // namespace cubelet::apiserver
