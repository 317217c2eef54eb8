// The served-resource table against kube-apiserver 1.33's discovery (verbs, short names,
// categories, subresources) and against the kinds src/api serves.
#include "apiserver/resources.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/api.h"

namespace cubelet::apiserver {
namespace {

std::vector<std::string> Strings(std::span<const std::string_view> values) {
  return {values.begin(), values.end()};
}

const std::vector<std::string> kStoreVerbs = {"create", "delete", "deletecollection", "get",
                                              "list",   "patch",  "update",           "watch"};

TEST(ResourcesTest, PodsAsKubeApiserverAdvertisesThem) {
  const ResourceInfo* pods = FindResource("", "v1", "pods");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ(pods->singular, "pod");
  EXPECT_EQ(pods->kind, "Pod");
  EXPECT_TRUE(pods->namespaced);
  EXPECT_EQ(Strings(pods->verbs), kStoreVerbs);
  EXPECT_EQ(Strings(pods->short_names), std::vector<std::string>{"po"});
  EXPECT_EQ(Strings(pods->categories), std::vector<std::string>{"all"});
  EXPECT_EQ(pods->storage_version_hash, "xPOwRZ+Yhw8=");  // as a real 1.31 server sends it
  EXPECT_EQ(pods->ApiVersion(), "v1");

  ASSERT_EQ(pods->subresources.size(), 3u);
  const SubresourceInfo& binding = pods->subresources[0];
  EXPECT_EQ(binding.name, "binding");
  EXPECT_EQ(binding.kind, "Binding");
  EXPECT_EQ(Strings(binding.verbs), std::vector<std::string>{"create"});
  const SubresourceInfo& log = pods->subresources[1];
  EXPECT_EQ(log.name, "log");
  EXPECT_EQ(log.kind, "Pod");
  EXPECT_EQ(Strings(log.verbs), std::vector<std::string>{"get"});
  const SubresourceInfo& status = pods->subresources[2];
  EXPECT_EQ(status.name, "status");
  EXPECT_EQ(status.kind, "Pod");
  EXPECT_EQ(status.group, "");
  EXPECT_EQ(status.version, "");
  EXPECT_EQ(Strings(status.verbs), (std::vector<std::string>{"get", "patch", "update"}));
}

TEST(ResourcesTest, NamespacesAreClusterScopedWithoutDeleteCollection) {
  const ResourceInfo* ns = FindResource("", "v1", "namespaces");
  ASSERT_NE(ns, nullptr);
  EXPECT_FALSE(ns->namespaced);
  EXPECT_EQ(Strings(ns->verbs), (std::vector<std::string>{"create", "delete", "get", "list",
                                                          "patch", "update", "watch"}));
  EXPECT_FALSE(ns->HasVerb("deletecollection"));
  EXPECT_TRUE(ns->HasVerb("watch"));
  ASSERT_EQ(ns->subresources.size(), 1u);
  EXPECT_EQ(ns->subresources[0].name, "status");
  EXPECT_EQ(ns->subresources[0].kind, "Namespace");
}

TEST(ResourcesTest, NodesAreClusterScopedWithStatus) {
  const ResourceInfo* nodes = FindResource("", "v1", "nodes");
  ASSERT_NE(nodes, nullptr);
  EXPECT_FALSE(nodes->namespaced);
  EXPECT_EQ(Strings(nodes->verbs), kStoreVerbs);
  EXPECT_NE(nodes->FindSubresource("status"), nullptr);
  EXPECT_EQ(nodes->FindSubresource("proxy"), nullptr);
}

TEST(ResourcesTest, ScaleSubresourcesAnswerAutoscalingV1Scale) {
  for (std::string_view resource : {"deployments", "replicasets"}) {
    const ResourceInfo* r = FindResource("apps", "v1", resource);
    ASSERT_NE(r, nullptr) << resource;
    EXPECT_EQ(r->ApiVersion(), "apps/v1");
    const SubresourceInfo* scale = r->FindSubresource("scale");
    ASSERT_NE(scale, nullptr) << resource;
    EXPECT_EQ(scale->kind, "Scale");
    EXPECT_EQ(scale->group, "autoscaling");
    EXPECT_EQ(scale->version, "v1");
    EXPECT_EQ(Strings(scale->verbs), (std::vector<std::string>{"get", "patch", "update"}));
    const SubresourceInfo* status = r->FindSubresource("status");
    ASSERT_NE(status, nullptr);
    EXPECT_EQ(status->kind, r->kind);
  }
}

TEST(ResourcesTest, ShortNamesAsKubectlResolvesThem) {
  std::map<std::string, std::vector<std::string>> short_names;
  for (const ResourceInfo& r : Resources()) {
    short_names[std::string(r.resource)] = Strings(r.short_names);
  }
  std::map<std::string, std::vector<std::string>> want = {
      {"configmaps", {"cm"}},  {"endpoints", {"ep"}},
      {"events", {"ev"}},      {"namespaces", {"ns"}},
      {"nodes", {"no"}},       {"pods", {"po"}},
      {"secrets", {}},         {"serviceaccounts", {"sa"}},
      {"services", {"svc"}},   {"deployments", {"deploy"}},
      {"replicasets", {"rs"}}, {"leases", {}},
  };
  EXPECT_EQ(short_names, want);
}

TEST(ResourcesTest, CategoryAllIsWhatKubectlGetAllLists) {
  std::vector<std::string> all;
  for (const ResourceInfo& r : Resources()) {
    for (std::string_view c : r.categories) {
      EXPECT_EQ(c, "all") << r.resource;
      all.emplace_back(r.resource);
    }
  }
  EXPECT_EQ(all, (std::vector<std::string>{"pods", "services", "deployments", "replicasets"}));
}

TEST(ResourcesTest, LeasesWithoutApiLease) {
  const ResourceInfo* leases = FindResource("coordination.k8s.io", "v1", "leases");
  ASSERT_NE(leases, nullptr);
  EXPECT_EQ(leases->kind, "Lease");
  EXPECT_EQ(leases->singular, "lease");
  EXPECT_TRUE(leases->namespaced);
  EXPECT_TRUE(leases->short_names.empty());
  EXPECT_TRUE(leases->categories.empty());
  EXPECT_TRUE(leases->subresources.empty());
  EXPECT_EQ(Strings(leases->verbs), kStoreVerbs);
  EXPECT_EQ(leases->ApiVersion(), "coordination.k8s.io/v1");
  EXPECT_EQ(leases->storage_version_hash, "gqkMMb/YqFM=");
}

TEST(ResourcesTest, FindResourceNeedsGroupVersionAndPlural) {
  EXPECT_NE(FindResource("", "v1", "services"), nullptr);
  EXPECT_EQ(FindResource("apps", "v1", "pods"), nullptr);
  EXPECT_EQ(FindResource("", "v2", "pods"), nullptr);
  EXPECT_EQ(FindResource("", "v1", "pod"), nullptr);
  EXPECT_EQ(FindResource("", "v1", "po"), nullptr);
  EXPECT_EQ(FindResource("", "v1", "deployments"), nullptr);
  EXPECT_EQ(FindResource("extensions", "v1beta1", "deployments"), nullptr);
}

TEST(ResourcesTest, FindResourceByKind) {
  const ResourceInfo* d = FindResourceByKind("apps", "Deployment");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->resource, "deployments");
  EXPECT_EQ(FindResourceByKind("", "Deployment"), nullptr);
  EXPECT_EQ(FindResourceByKind("", "Endpoints")->resource, "endpoints");
  EXPECT_EQ(FindResourceByKind("Lease")->group, "coordination.k8s.io");
  EXPECT_EQ(FindResourceByKind("ReplicaSet")->resource, "replicasets");
  EXPECT_EQ(FindResourceByKind("Scale"), nullptr);  // a subresource's kind, not a resource's
  EXPECT_EQ(FindResourceByKind("pod"), nullptr);
}

TEST(ResourcesTest, KindsAndResourcesAreUnique) {
  std::set<std::string> kinds;
  std::set<std::string> resources;
  for (const ResourceInfo& r : Resources()) {
    EXPECT_TRUE(kinds.emplace(r.kind).second) << r.kind;
    EXPECT_TRUE(resources.emplace(r.ApiVersion() + "/" + std::string(r.resource)).second);
  }
  EXPECT_EQ(Resources().size(), 12u);
}

TEST(ResourcesTest, GroupVersionsInDiscoveryOrder) {
  std::vector<std::string> api_versions;
  std::vector<std::string> paths;
  for (const GroupVersion& gv : GroupVersions()) {
    api_versions.push_back(gv.ApiVersion());
    paths.push_back(gv.Path());
  }
  EXPECT_EQ(api_versions, (std::vector<std::string>{"v1", "apps/v1", "coordination.k8s.io/v1"}));
  EXPECT_EQ(paths,
            (std::vector<std::string>{"api/v1", "apis/apps/v1", "apis/coordination.k8s.io/v1"}));
}

// Discovery lists resources the way kube-apiserver registers them: sorted within a
// group-version, subresources sorted, verbs sorted; group-versions in GroupVersions() order.
TEST(ResourcesTest, TableIsSortedAsDiscoveryListsIt) {
  std::vector<std::string> gv_order;
  for (const GroupVersion& gv : GroupVersions()) gv_order.push_back(gv.ApiVersion());
  size_t gv_index = 0;
  std::string previous;
  for (const ResourceInfo& r : Resources()) {
    while (gv_index < gv_order.size() && gv_order[gv_index] != r.ApiVersion()) {
      ++gv_index;
      previous.clear();
    }
    ASSERT_LT(gv_index, gv_order.size()) << r.resource << " out of group-version order";
    EXPECT_LT(previous, std::string(r.resource));
    previous = r.resource;
    EXPECT_TRUE(std::is_sorted(r.verbs.begin(), r.verbs.end())) << r.resource;
    for (size_t i = 1; i < r.subresources.size(); ++i) {
      EXPECT_LT(r.subresources[i - 1].name, r.subresources[i].name) << r.resource;
    }
    for (const SubresourceInfo& s : r.subresources) {
      EXPECT_TRUE(std::is_sorted(s.verbs.begin(), s.verbs.end())) << r.resource << "/" << s.name;
    }
  }
}

// Every kind src/api decodes is served, under the same resource and scope.
TEST(ResourcesTest, EveryApiKindIsServed) {
  for (const api::KindInfo& k : api::Kinds()) {
    const ResourceInfo* r = FindResourceByKind(k.kind);
    ASSERT_NE(r, nullptr) << k.kind;
    EXPECT_EQ(r->ApiVersion(), k.api_version) << k.kind;
    EXPECT_EQ(r->resource, k.resource) << k.kind;
    EXPECT_EQ(r->namespaced, k.namespaced) << k.kind;
  }
}

TEST(ResourcesTest, StorageVersionHashesAreKubeApiserversOwn) {
  // sha256("<group>/<version>/<kind>")[:8] in base64, as observed from real servers.
  std::map<std::string, std::string> want = {
      {"configmaps", "qFsyl6wFWjQ="},  {"endpoints", "fWeeMqaN/OA="},
      {"events", "r2yiGXH7wu8="},      {"namespaces", "Q3oi5N2YM8M="},
      {"nodes", "XwShjMxG9Fs="},       {"pods", "xPOwRZ+Yhw8="},
      {"secrets", "S6u1pOWzb84="},     {"serviceaccounts", "pbx9ZvyFpBE="},
      {"services", "0/CO1lhkEBI="},    {"deployments", "8aSe+NMegvE="},
      {"replicasets", "P1RzHs8/mWQ="}, {"leases", "gqkMMb/YqFM="},
  };
  for (const ResourceInfo& r : Resources()) {
    EXPECT_EQ(r.storage_version_hash, want[std::string(r.resource)]) << r.resource;
  }
}

}  // namespace
}  // namespace cubelet::apiserver
