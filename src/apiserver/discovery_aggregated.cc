// Aggregated discovery (apidiscovery.k8s.io v2 and v2beta1) and the Accept negotiation that
// picks between it and legacy discovery.
#include "apiserver/discovery.h"
#include "apiserver/http_util.h"
#include "apiserver/resources.h"

namespace cubelet::apiserver {
namespace {

constexpr std::string_view kV2ContentType =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
constexpr std::string_view kV2Beta1ContentType =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

api::Json StringArray(std::span<const std::string_view> values) {
  api::Json out = api::Json::array();
  for (std::string_view v : values) out.push_back(v);
  return out;
}

// responseKind. kube-apiserver fills it from the APIResource, whose group and version are
// empty unless they differ from the containing group-version, so {"group":"","version":"",
// "kind":"Pod"} is what clients get (and resolve against the group-version they are in).
api::Json ResponseKind(std::string_view group, std::string_view version, std::string_view kind) {
  return api::Json{{"group", group}, {"version", version}, {"kind", kind}};
}

api::Json ResourceDiscovery(const ResourceInfo& r) {
  api::Json out{{"resource", r.resource},
                {"responseKind", ResponseKind("", "", r.kind)},
                {"scope", r.namespaced ? "Namespaced" : "Cluster"},
                {"singularResource", r.singular},
                {"verbs", StringArray(r.verbs)}};
  if (!r.short_names.empty()) out["shortNames"] = StringArray(r.short_names);
  if (!r.categories.empty()) out["categories"] = StringArray(r.categories);
  if (!r.subresources.empty()) {
    api::Json subresources = api::Json::array();
    for (const SubresourceInfo& s : r.subresources) {
      subresources.push_back(api::Json{{"subresource", s.name},
                                       {"responseKind", ResponseKind(s.group, s.version, s.kind)},
                                       {"verbs", StringArray(s.verbs)}});
    }
    out["subresources"] = std::move(subresources);
  }
  return out;
}

api::Json GroupDiscovery(const GroupVersion& gv) {
  api::Json resources = api::Json::array();
  for (const ResourceInfo& r : Resources()) {
    if (r.group == gv.group && r.version == gv.version) resources.push_back(ResourceDiscovery(r));
  }
  // ObjectMeta as Go encodes an empty one with a name: the core group's name is "" and
  // omitted; creationTimestamp is a struct, which omitempty does not drop.
  api::Json metadata = api::Json::object();
  if (!gv.group.empty()) metadata["name"] = gv.group;
  metadata["creationTimestamp"] = nullptr;
  api::Json version{
      {"version", gv.version}, {"resources", std::move(resources)}, {"freshness", "Current"}};
  return api::Json{{"metadata", std::move(metadata)},
                   {"versions", api::Json::array({std::move(version)})}};
}

}  // namespace

DiscoveryFormat NegotiateDiscovery(std::string_view accept) {
  for (const MediaType& range : ParseAccept(accept)) {
    if (!range.Matches("application", "json")) continue;  // protobuf, yaml: not produced
    std::optional<std::string_view> as = range.Param("as");
    if (!as) return DiscoveryFormat::kLegacy;
    if (*as != "APIGroupDiscoveryList" || range.Param("g") != "apidiscovery.k8s.io") continue;
    std::optional<std::string_view> version = range.Param("v");
    if (version == "v2") return DiscoveryFormat::kAggregatedV2;
    if (version == "v2beta1") return DiscoveryFormat::kAggregatedV2Beta1;
  }
  return DiscoveryFormat::kLegacy;
}

std::string_view DiscoveryContentType(DiscoveryFormat format) {
  switch (format) {
    case DiscoveryFormat::kAggregatedV2:
      return kV2ContentType;
    case DiscoveryFormat::kAggregatedV2Beta1:
      return kV2Beta1ContentType;
    case DiscoveryFormat::kLegacy:
      break;
  }
  return "application/json";
}

api::Json AggregatedDiscoveryJson(DiscoveryRoot root, DiscoveryFormat format) {
  api::Json items = api::Json::array();
  for (const GroupVersion& gv : GroupVersions()) {
    if (gv.group.empty() == (root == DiscoveryRoot::kCore)) items.push_back(GroupDiscovery(gv));
  }
  std::string_view api_version = format == DiscoveryFormat::kAggregatedV2Beta1
                                     ? "apidiscovery.k8s.io/v2beta1"
                                     : "apidiscovery.k8s.io/v2";
  return api::Json{{"kind", "APIGroupDiscoveryList"},
                   {"apiVersion", api_version},
                   {"metadata", api::Json::object()},
                   {"items", std::move(items)}};
}

}  // namespace cubelet::apiserver
