// /version, legacy and aggregated discovery, and the Accept negotiation between them, as
// kubectl 1.20-1.33 and the Python client request them (kubectl-compat.md §2 #1-#4, §3.1).
#include "apiserver/discovery.h"

#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apiserver/resources.h"

namespace cubelet::apiserver {
namespace {

api::Json Parse(std::string_view text) { return api::Json::parse(text); }

// ---- /version ------------------------------------------------------------------------------

TEST(VersionTest, ReportsKubernetes133) {
  BuildInfo build{.cubelet_version = "0.1.0",
                  .git_commit = "abc123",
                  .git_tree_state = "clean",
                  .build_date = "2025-05-01T10:00:00Z"};
  api::Json v = VersionJson(build);
  // Field order of version.Info.
  std::vector<std::string> keys;
  for (const auto& [key, value] : v.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"major", "minor", "emulationMajor", "emulationMinor",
                                            "minCompatibilityMajor", "minCompatibilityMinor",
                                            "gitVersion", "gitCommit", "gitTreeState", "buildDate",
                                            "goVersion", "compiler", "platform"}));
  EXPECT_EQ(v["major"], "1");
  EXPECT_EQ(v["minor"], "33");  // the gcloud dispatcher then runs kubectl 1.33
  EXPECT_EQ(v["emulationMajor"], "1");
  EXPECT_EQ(v["emulationMinor"], "33");
  EXPECT_EQ(v["minCompatibilityMajor"], "1");
  EXPECT_EQ(v["minCompatibilityMinor"], "32");
  EXPECT_EQ(v["gitVersion"], "v1.33.0+cubelet.0.1.0");
  EXPECT_EQ(v["gitCommit"], "abc123");
  EXPECT_EQ(v["gitTreeState"], "clean");
  EXPECT_EQ(v["buildDate"], "2025-05-01T10:00:00Z");
  EXPECT_EQ(v["compiler"], "gc");
  EXPECT_EQ(v["platform"], Platform());
  ASSERT_TRUE(v["goVersion"].is_string());
  EXPECT_TRUE(std::regex_match(v["goVersion"].get<std::string>(),
                               std::regex("(gcc|clang) [0-9]+\\.[0-9]+\\.[0-9]+")))
      << v["goVersion"];
}

TEST(VersionTest, DefaultsOfABuildOutsideGit) {
  BuildInfo build = CurrentBuildInfo();
  EXPECT_TRUE(std::regex_match(build.cubelet_version, std::regex("[0-9]+\\.[0-9]+\\.[0-9]+")))
      << build.cubelet_version;
  EXPECT_EQ(build.git_commit, "");
  EXPECT_EQ(build.git_tree_state, "");
  EXPECT_EQ(build.build_date, "1970-01-01T00:00:00Z");
  EXPECT_EQ(VersionJson(build)["gitVersion"], "v1.33.0+cubelet." + build.cubelet_version);
}

TEST(VersionTest, Platform) {
#if defined(__x86_64__)
  EXPECT_EQ(Platform(), "linux/amd64");
#elif defined(__aarch64__)
  EXPECT_EQ(Platform(), "linux/arm64");
#endif
  EXPECT_TRUE(Platform().starts_with("linux/"));
}

// ---- legacy discovery ----------------------------------------------------------------------

TEST(LegacyDiscoveryTest, ApiVersions) {
  EXPECT_EQ(ApiVersionsJson("127.0.0.1:6443").dump(),
            R"({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":)"
            R"([{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]})");
}

TEST(LegacyDiscoveryTest, ApiVersionsWithoutAddressHasAnEmptyList) {
  EXPECT_EQ(ApiVersionsJson("").dump(),
            R"({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]})");
}

TEST(LegacyDiscoveryTest, ApiGroupList) {
  EXPECT_EQ(ApiGroupListJson(), Parse(R"({"kind":"APIGroupList","apiVersion":"v1","groups":[
      {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],
       "preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
      {"name":"coordination.k8s.io",
       "versions":[{"groupVersion":"coordination.k8s.io/v1","version":"v1"}],
       "preferredVersion":{"groupVersion":"coordination.k8s.io/v1","version":"v1"}}]})"));
}

TEST(LegacyDiscoveryTest, ApiGroup) {
  std::optional<api::Json> apps = ApiGroupJson("apps");
  ASSERT_TRUE(apps.has_value());
  EXPECT_EQ(*apps, Parse(R"({"kind":"APIGroup","apiVersion":"v1","name":"apps",
      "versions":[{"groupVersion":"apps/v1","version":"v1"}],
      "preferredVersion":{"groupVersion":"apps/v1","version":"v1"}})"));
  EXPECT_FALSE(ApiGroupJson("").has_value());  // the core group is /api, not a group
  EXPECT_FALSE(ApiGroupJson("batch").has_value());
  EXPECT_FALSE(ApiGroupJson("Apps").has_value());
}

TEST(LegacyDiscoveryTest, AppsV1ResourceList) {
  std::optional<api::Json> list = ApiResourceListJson("apps", "v1");
  ASSERT_TRUE(list.has_value());
  const char* verbs = R"(["create","delete","deletecollection","get","list","patch","update",)"
                      R"("watch"])";
  std::string want = std::string(R"({"kind":"APIResourceList","apiVersion":"v1",)") +
                     R"("groupVersion":"apps/v1","resources":[)" +
                     R"({"name":"deployments","singularName":"deployment","namespaced":true,)" +
                     R"("kind":"Deployment","verbs":)" + verbs +
                     R"(,"shortNames":["deploy"],"categories":["all"],)" +
                     R"("storageVersionHash":"8aSe+NMegvE="},)" +
                     R"({"name":"deployments/scale","singularName":"","namespaced":true,)" +
                     R"("group":"autoscaling","version":"v1","kind":"Scale",)" +
                     R"("verbs":["get","patch","update"]},)" +
                     R"({"name":"deployments/status","singularName":"","namespaced":true,)" +
                     R"("kind":"Deployment","verbs":["get","patch","update"]},)" +
                     R"({"name":"replicasets","singularName":"replicaset","namespaced":true,)" +
                     R"("kind":"ReplicaSet","verbs":)" + verbs +
                     R"(,"shortNames":["rs"],"categories":["all"],)" +
                     R"("storageVersionHash":"P1RzHs8/mWQ="},)" +
                     R"({"name":"replicasets/scale","singularName":"","namespaced":true,)" +
                     R"("group":"autoscaling","version":"v1","kind":"Scale",)" +
                     R"("verbs":["get","patch","update"]},)" +
                     R"({"name":"replicasets/status","singularName":"","namespaced":true,)" +
                     R"("kind":"ReplicaSet","verbs":["get","patch","update"]}]})";
  EXPECT_EQ(list->dump(), want);
}

TEST(LegacyDiscoveryTest, CoreV1ResourceList) {
  std::optional<api::Json> list = ApiResourceListJson("", "v1");
  ASSERT_TRUE(list.has_value());
  // kube-apiserver's /api/v1 has no apiVersion field.
  EXPECT_FALSE(list->contains("apiVersion"));
  EXPECT_EQ((*list)["kind"], "APIResourceList");
  EXPECT_EQ((*list)["groupVersion"], "v1");
  std::vector<std::string> names;
  for (const api::Json& r : (*list)["resources"]) names.push_back(r["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"configmaps", "endpoints", "events", "namespaces",
                                             "namespaces/status", "nodes", "nodes/status", "pods",
                                             "pods/binding", "pods/log", "pods/status", "secrets",
                                             "serviceaccounts", "services", "services/status"}));

  const api::Json& resources = (*list)["resources"];
  EXPECT_EQ(resources[7], Parse(R"({"name":"pods","singularName":"pod","namespaced":true,
      "kind":"Pod","verbs":["create","delete","deletecollection","get","list","patch","update",
      "watch"],"shortNames":["po"],"categories":["all"],"storageVersionHash":"xPOwRZ+Yhw8="})"));
  EXPECT_EQ(resources[8], Parse(R"({"name":"pods/binding","singularName":"","namespaced":true,
      "kind":"Binding","verbs":["create"]})"));
  EXPECT_EQ(resources[9], Parse(R"({"name":"pods/log","singularName":"","namespaced":true,
      "kind":"Pod","verbs":["get"]})"));
  EXPECT_EQ(resources[4], Parse(R"({"name":"namespaces/status","singularName":"",
      "namespaced":false,"kind":"Namespace","verbs":["get","patch","update"]})"));
  // No short names and no categories: both fields are left out, as omitempty does.
  EXPECT_EQ(resources[11], Parse(R"({"name":"secrets","singularName":"secret","namespaced":true,
      "kind":"Secret","verbs":["create","delete","deletecollection","get","list","patch",
      "update","watch"],"storageVersionHash":"S6u1pOWzb84="})"));
}

TEST(LegacyDiscoveryTest, CoordinationV1ResourceList) {
  std::optional<api::Json> list = ApiResourceListJson("coordination.k8s.io", "v1");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(*list, Parse(R"({"kind":"APIResourceList","apiVersion":"v1",
      "groupVersion":"coordination.k8s.io/v1","resources":[{"name":"leases",
      "singularName":"lease","namespaced":true,"kind":"Lease","verbs":["create","delete",
      "deletecollection","get","list","patch","update","watch"],
      "storageVersionHash":"gqkMMb/YqFM="}]})"));
}

TEST(LegacyDiscoveryTest, UnservedGroupVersions) {
  EXPECT_FALSE(ApiResourceListJson("", "v2").has_value());
  EXPECT_FALSE(ApiResourceListJson("apps", "v1beta1").has_value());
  EXPECT_FALSE(ApiResourceListJson("batch", "v1").has_value());
  EXPECT_FALSE(ApiResourceListJson("core", "v1").has_value());
}

// ---- negotiation ---------------------------------------------------------------------------

constexpr std::string_view kV2 =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
constexpr std::string_view kV2Beta1 =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

TEST(NegotiateDiscoveryTest, Kubectl120AsksForPlainJson) {
  EXPECT_EQ(NegotiateDiscovery("application/json, */*"), DiscoveryFormat::kLegacy);
}

TEST(NegotiateDiscoveryTest, Kubectl127To129OnlyKnowV2Beta1) {
  EXPECT_EQ(NegotiateDiscovery(std::string(kV2Beta1) + ",application/json"),
            DiscoveryFormat::kAggregatedV2Beta1);
}

TEST(NegotiateDiscoveryTest, Kubectl130ListsV2First) {
  EXPECT_EQ(
      NegotiateDiscovery(std::string(kV2) + "," + std::string(kV2Beta1) + ",application/json"),
      DiscoveryFormat::kAggregatedV2);
}

TEST(NegotiateDiscoveryTest, ProtobufIsSkipped) {
  EXPECT_EQ(NegotiateDiscovery("application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;"
                               "as=APIGroupDiscoveryList," +
                               std::string(kV2Beta1) + ";q=0.9,application/json;q=0.8"),
            DiscoveryFormat::kAggregatedV2Beta1);
  EXPECT_EQ(NegotiateDiscovery("application/vnd.kubernetes.protobuf,application/json"),
            DiscoveryFormat::kLegacy);
}

TEST(NegotiateDiscoveryTest, FirstProducibleRangeWins) {
  // A plain JSON range listed first beats a later aggregated one.
  EXPECT_EQ(NegotiateDiscovery("application/json," + std::string(kV2)), DiscoveryFormat::kLegacy);
  EXPECT_EQ(NegotiateDiscovery("*/*," + std::string(kV2)), DiscoveryFormat::kLegacy);
  // Parameter order and spaces do not matter.
  EXPECT_EQ(
      NegotiateDiscovery("application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io"),
      DiscoveryFormat::kAggregatedV2);
}

TEST(NegotiateDiscoveryTest, UnknownAggregatedVariantsFallThrough) {
  EXPECT_EQ(NegotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v3;"
                               "as=APIGroupDiscoveryList," +
                               std::string(kV2Beta1)),
            DiscoveryFormat::kAggregatedV2Beta1);
  EXPECT_EQ(NegotiateDiscovery("application/json;g=other.io;v=v2;as=APIGroupDiscoveryList"),
            DiscoveryFormat::kLegacy);
  EXPECT_EQ(NegotiateDiscovery("application/json;as=Table;v=v1;g=meta.k8s.io"),
            DiscoveryFormat::kLegacy);
  EXPECT_EQ(NegotiateDiscovery(std::string(kV2) + ";q=0," + std::string(kV2Beta1)),
            DiscoveryFormat::kAggregatedV2Beta1);
}

TEST(NegotiateDiscoveryTest, NothingProducibleIsLegacyNever406) {
  EXPECT_EQ(NegotiateDiscovery(""), DiscoveryFormat::kLegacy);
  EXPECT_EQ(NegotiateDiscovery("text/html"), DiscoveryFormat::kLegacy);
  EXPECT_EQ(NegotiateDiscovery("application/yaml"), DiscoveryFormat::kLegacy);
}

TEST(NegotiateDiscoveryTest, ContentTypes) {
  EXPECT_EQ(DiscoveryContentType(DiscoveryFormat::kAggregatedV2),
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  EXPECT_EQ(DiscoveryContentType(DiscoveryFormat::kAggregatedV2Beta1),
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
  EXPECT_EQ(DiscoveryContentType(DiscoveryFormat::kLegacy), "application/json");
}

// ---- aggregated discovery ------------------------------------------------------------------

TEST(AggregatedDiscoveryTest, CoreGroupV2) {
  api::Json list = AggregatedDiscoveryJson(DiscoveryRoot::kCore, DiscoveryFormat::kAggregatedV2);
  EXPECT_EQ(list["kind"], "APIGroupDiscoveryList");
  EXPECT_EQ(list["apiVersion"], "apidiscovery.k8s.io/v2");
  EXPECT_EQ(list["metadata"], api::Json::object());
  ASSERT_EQ(list["items"].size(), 1u);
  const api::Json& core = list["items"][0];
  // The core group's name is "" and left out.
  EXPECT_EQ(core["metadata"], Parse(R"({"creationTimestamp":null})"));
  ASSERT_EQ(core["versions"].size(), 1u);
  const api::Json& v1 = core["versions"][0];
  EXPECT_EQ(v1["version"], "v1");
  EXPECT_EQ(v1["freshness"], "Current");
  std::vector<std::string> resources;
  for (const api::Json& r : v1["resources"]) resources.push_back(r["resource"]);
  EXPECT_EQ(resources,
            (std::vector<std::string>{"configmaps", "endpoints", "events", "namespaces", "nodes",
                                      "pods", "secrets", "serviceaccounts", "services"}));
  EXPECT_EQ(v1["resources"][5], Parse(R"({"resource":"pods",
      "responseKind":{"group":"","version":"","kind":"Pod"},"scope":"Namespaced",
      "singularResource":"pod","verbs":["create","delete","deletecollection","get","list",
      "patch","update","watch"],"shortNames":["po"],"categories":["all"],"subresources":[
      {"subresource":"binding","responseKind":{"group":"","version":"","kind":"Binding"},
       "verbs":["create"]},
      {"subresource":"log","responseKind":{"group":"","version":"","kind":"Pod"},
       "verbs":["get"]},
      {"subresource":"status","responseKind":{"group":"","version":"","kind":"Pod"},
       "verbs":["get","patch","update"]}]})"));
  EXPECT_EQ(v1["resources"][4], Parse(R"({"resource":"nodes",
      "responseKind":{"group":"","version":"","kind":"Node"},"scope":"Cluster",
      "singularResource":"node","verbs":["create","delete","deletecollection","get","list",
      "patch","update","watch"],"shortNames":["no"],"subresources":[
      {"subresource":"status","responseKind":{"group":"","version":"","kind":"Node"},
       "verbs":["get","patch","update"]}]})"));
  EXPECT_EQ(v1["resources"][6], Parse(R"({"resource":"secrets",
      "responseKind":{"group":"","version":"","kind":"Secret"},"scope":"Namespaced",
      "singularResource":"secret","verbs":["create","delete","deletecollection","get","list",
      "patch","update","watch"]})"));
}

TEST(AggregatedDiscoveryTest, NamedGroupsV2Beta1) {
  api::Json list =
      AggregatedDiscoveryJson(DiscoveryRoot::kGroups, DiscoveryFormat::kAggregatedV2Beta1);
  EXPECT_EQ(list["apiVersion"], "apidiscovery.k8s.io/v2beta1");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["metadata"], Parse(R"({"name":"apps","creationTimestamp":null})"));
  EXPECT_EQ(list["items"][1]["metadata"],
            Parse(R"({"name":"coordination.k8s.io","creationTimestamp":null})"));
  const api::Json& deployments = list["items"][0]["versions"][0]["resources"][0];
  EXPECT_EQ(deployments, Parse(R"({"resource":"deployments",
      "responseKind":{"group":"","version":"","kind":"Deployment"},"scope":"Namespaced",
      "singularResource":"deployment","verbs":["create","delete","deletecollection","get",
      "list","patch","update","watch"],"shortNames":["deploy"],"categories":["all"],
      "subresources":[
      {"subresource":"scale","responseKind":{"group":"autoscaling","version":"v1","kind":"Scale"},
       "verbs":["get","patch","update"]},
      {"subresource":"status","responseKind":{"group":"","version":"","kind":"Deployment"},
       "verbs":["get","patch","update"]}]})"));
  EXPECT_EQ(list["items"][1]["versions"], Parse(R"([{"version":"v1","resources":[
      {"resource":"leases","responseKind":{"group":"","version":"","kind":"Lease"},
       "scope":"Namespaced","singularResource":"lease","verbs":["create","delete",
       "deletecollection","get","list","patch","update","watch"]}],"freshness":"Current"}])"));
}

TEST(AggregatedDiscoveryTest, V2AndV2Beta1DifferOnlyInApiVersion) {
  for (DiscoveryRoot root : {DiscoveryRoot::kCore, DiscoveryRoot::kGroups}) {
    api::Json v2 = AggregatedDiscoveryJson(root, DiscoveryFormat::kAggregatedV2);
    api::Json v2beta1 = AggregatedDiscoveryJson(root, DiscoveryFormat::kAggregatedV2Beta1);
    EXPECT_NE(v2, v2beta1);
    v2beta1["apiVersion"] = "apidiscovery.k8s.io/v2";
    EXPECT_EQ(v2, v2beta1);
  }
}

// The short names and categories kubectl resolves `po`, `svc`, `deploy` and `get all` with
// are present in both protocols (kubectl-compat.md §0.5).
TEST(AggregatedDiscoveryTest, SameShortNamesAndCategoriesAsLegacy) {
  for (const GroupVersion& gv : GroupVersions()) {
    std::optional<api::Json> legacy = ApiResourceListJson(gv.group, gv.version);
    ASSERT_TRUE(legacy.has_value());
    DiscoveryRoot root = gv.group.empty() ? DiscoveryRoot::kCore : DiscoveryRoot::kGroups;
    api::Json aggregated = AggregatedDiscoveryJson(root, DiscoveryFormat::kAggregatedV2);
    const api::Json* versions = nullptr;
    for (const api::Json& item : aggregated["items"]) {
      if (item["metadata"].value("name", "") == gv.group) versions = &item["versions"];
    }
    ASSERT_NE(versions, nullptr) << gv.ApiVersion();
    for (const api::Json& r : (*legacy)["resources"]) {
      std::string name = r["name"];
      if (name.find('/') != std::string::npos) continue;
      bool found = false;
      for (const api::Json& a : (*versions)[0]["resources"]) {
        if (a["resource"] != name) continue;
        found = true;
        EXPECT_EQ(a.value("shortNames", api::Json()), r.value("shortNames", api::Json())) << name;
        EXPECT_EQ(a.value("categories", api::Json()), r.value("categories", api::Json())) << name;
        EXPECT_EQ(a["verbs"], r["verbs"]) << name;
        EXPECT_EQ(a["responseKind"]["kind"], r["kind"]) << name;
        EXPECT_EQ(a["scope"] == "Namespaced", r["namespaced"].get<bool>()) << name;
      }
      EXPECT_TRUE(found) << name;
    }
  }
}

}  // namespace
}  // namespace cubelet::apiserver
