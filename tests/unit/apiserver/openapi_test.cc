// /openapi/v2 bytes and /openapi/v3 documents: what kubectl 1.20-1.33 need before create,
// apply and edit (kubectl-compat.md §0.1, §3.5, G1).
#include "apiserver/openapi.h"

#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apiserver/resources.h"

namespace cubelet::apiserver {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

// ---- /openapi/v2 ---------------------------------------------------------------------------

TEST(OpenApiV2Test, TheTwentyEightBytes) {
  std::string want = Bytes({0x0a, 0x03}) + "2.0" + Bytes({0x12, 0x15, 0x0a, 0x0a}) + "Kubernetes" +
                     Bytes({0x12, 0x07}) + "v1.33.0";
  std::string doc = OpenApiV2Document();
  EXPECT_EQ(doc.size(), 28u);
  EXPECT_EQ(doc, want);
  EXPECT_EQ(OpenApiV2Document("Kubernetes", kKubernetesVersion), want);
}

TEST(OpenApiV2Test, TheDocumentFromKubectlCompat) {
  // kubectl-compat.md §3.5 recorded it with version v1.30.0.
  EXPECT_EQ(OpenApiV2Document("Kubernetes", "v1.30.0"),
            Bytes({0x0a, 0x03, '2', '.', '0', 0x12, 0x15, 0x0a, 0x0a, 'K', 'u', 'b', 'e', 'r',
                   'n',  'e',  't', 'e', 's', 0x12, 0x07, 'v',  '1',  '.', '3', '0', '.', '0'}));
}

TEST(OpenApiV2Test, LengthsFollowTheStrings) {
  std::string doc = OpenApiV2Document("K", "v1.33.10");
  EXPECT_EQ(doc, Bytes({0x0a, 0x03}) + "2.0" + Bytes({0x12, 0x0d, 0x0a, 0x01}) + "K" +
                     Bytes({0x12, 0x08}) + "v1.33.10");
  EXPECT_EQ(OpenApiV2Document("", ""),
            Bytes({0x0a, 0x03}) + "2.0" + Bytes({0x12, 0x04, 0x0a, 0x00, 0x12, 0x00}));
}

TEST(OpenApiV2Test, LongStringsGetMultiByteVarintLengths) {
  std::string title(300, 'x');  // 300 = 0b10'0101100: varint ac 02
  std::string doc = OpenApiV2Document(title, "v");
  // info = 0a ac 02 <300 bytes> 12 01 "v": 3 + 300 + 3 = 306 = varint b2 02.
  std::string want = Bytes({0x0a, 0x03}) + "2.0" + Bytes({0x12, 0xb2, 0x02, 0x0a, 0xac, 0x02}) +
                     title + Bytes({0x12, 0x01}) + "v";
  EXPECT_EQ(doc, want);
  EXPECT_EQ(doc.size(), 5u + 3u + 306u);
}

TEST(OpenApiV2Test, ContentType) { EXPECT_EQ(kOpenApiV2ContentType, "application/octet-stream"); }

// ---- /openapi/v3 ---------------------------------------------------------------------------

TEST(OpenApiV3Test, IndexNamesEveryGroupVersionWithItsHash) {
  api::Json index = OpenApiV3Index();
  ASSERT_EQ(index.size(), 1u);
  std::vector<std::string> keys;
  for (const auto& [key, value] : index["paths"].items()) keys.push_back(key);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"api/v1", "apis/apps/v1", "apis/coordination.k8s.io/v1"}));
  for (const std::string& path : keys) {
    std::optional<api::Json> doc = OpenApiV3Document(path);
    ASSERT_TRUE(doc.has_value()) << path;
    EXPECT_EQ(
        index["paths"][path],
        api::Json({{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + OpenApiV3Hash(*doc)}}));
  }
}

TEST(OpenApiV3Test, HashIsStableAndDistinguishesDocuments) {
  api::Json core = *OpenApiV3Document("api/v1");
  api::Json apps = *OpenApiV3Document("apis/apps/v1");
  EXPECT_EQ(OpenApiV3Hash(core), OpenApiV3Hash(*OpenApiV3Document("api/v1")));
  EXPECT_NE(OpenApiV3Hash(core), OpenApiV3Hash(apps));
  EXPECT_TRUE(std::regex_match(OpenApiV3Hash(core), std::regex("[0-9A-F]{16}")));
  // FNV-1a 64 of "{}" and of "null".
  EXPECT_EQ(OpenApiV3Hash(api::Json::object()), "08F44B07B5901A25");
  EXPECT_EQ(OpenApiV3Hash(api::Json()), "5B9BC4BA528108E4");
}

TEST(OpenApiV3Test, DocumentHeader) {
  api::Json doc = *OpenApiV3Document("api/v1");
  std::vector<std::string> keys;
  for (const auto& [key, value] : doc.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"openapi", "info", "paths", "components"}));
  EXPECT_EQ(doc["openapi"], "3.0.0");
  EXPECT_EQ(doc["info"], api::Json({{"title", "Kubernetes"}, {"version", "v1.33.0"}}));
  EXPECT_EQ(doc["components"], api::Json({{"schemas", api::Json::object()}}));
}

TEST(OpenApiV3Test, UnservedPaths) {
  for (std::string_view path : {"", "api", "apis", "api/v2", "apis/apps", "/api/v1",
                                "apis/batch/v1", "api/v1/", "apis/apps/v1beta1"}) {
    EXPECT_FALSE(OpenApiV3Document(path).has_value()) << path;
  }
}

TEST(OpenApiV3Test, CoreV1Paths) {
  api::Json doc = *OpenApiV3Document("api/v1");
  std::vector<std::string> paths;
  for (const auto& [key, value] : doc["paths"].items()) paths.push_back(key);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "/api/v1/configmaps",
                       "/api/v1/endpoints",
                       "/api/v1/events",
                       "/api/v1/namespaces",
                       "/api/v1/namespaces/{namespace}/configmaps",
                       "/api/v1/namespaces/{namespace}/configmaps/{name}",
                       "/api/v1/namespaces/{namespace}/endpoints",
                       "/api/v1/namespaces/{namespace}/endpoints/{name}",
                       "/api/v1/namespaces/{namespace}/events",
                       "/api/v1/namespaces/{namespace}/events/{name}",
                       "/api/v1/namespaces/{namespace}/pods",
                       "/api/v1/namespaces/{namespace}/pods/{name}",
                       "/api/v1/namespaces/{namespace}/pods/{name}/binding",
                       "/api/v1/namespaces/{namespace}/pods/{name}/log",
                       "/api/v1/namespaces/{namespace}/pods/{name}/status",
                       "/api/v1/namespaces/{namespace}/secrets",
                       "/api/v1/namespaces/{namespace}/secrets/{name}",
                       "/api/v1/namespaces/{namespace}/serviceaccounts",
                       "/api/v1/namespaces/{namespace}/serviceaccounts/{name}",
                       "/api/v1/namespaces/{namespace}/services",
                       "/api/v1/namespaces/{namespace}/services/{name}",
                       "/api/v1/namespaces/{namespace}/services/{name}/status",
                       // '}' sorts after 's', as in Go's sorted map keys.
                       "/api/v1/namespaces/{name}",
                       "/api/v1/namespaces/{name}/status",
                       "/api/v1/nodes",
                       "/api/v1/nodes/{name}",
                       "/api/v1/nodes/{name}/status",
                       "/api/v1/pods",
                       "/api/v1/secrets",
                       "/api/v1/serviceaccounts",
                       "/api/v1/services",
                   }));
}

std::vector<std::string> Methods(const api::Json& path_item) {
  std::vector<std::string> methods;
  for (const auto& [key, value] : path_item.items()) methods.push_back(key);
  return methods;
}

std::vector<std::string> ParamNames(const api::Json& op) {
  std::vector<std::string> names;
  for (const api::Json& p : op.value("parameters", api::Json::array())) {
    names.push_back(p["name"]);
  }
  return names;
}

TEST(OpenApiV3Test, PodItemPath) {
  api::Json doc = *OpenApiV3Document("api/v1");
  const api::Json& item = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"];
  EXPECT_EQ(Methods(item),
            (std::vector<std::string>{"get", "put", "delete", "patch", "parameters"}));
  EXPECT_EQ(item["parameters"], api::Json::parse(R"([
      {"name":"name","in":"path","description":"name of the Pod","required":true,
       "schema":{"type":"string","uniqueItems":true}},
      {"name":"namespace","in":"path",
       "description":"object name and auth scope, such as for teams and projects",
       "required":true,"schema":{"type":"string","uniqueItems":true}},
      {"name":"pretty","in":"query","schema":{"type":"string","uniqueItems":true}}])"));

  // The operation kubectl 1.27+ inspects before sending fieldValidation (kubectl-compat §3.5).
  EXPECT_EQ(item["patch"], api::Json::parse(R"({
      "tags":["core_v1"],
      "description":"partially update the specified Pod",
      "operationId":"patchCoreV1NamespacedPod",
      "parameters":[
        {"name":"dryRun","in":"query","schema":{"type":"string","uniqueItems":true}},
        {"name":"fieldManager","in":"query","schema":{"type":"string","uniqueItems":true}},
        {"name":"fieldValidation","in":"query","schema":{"type":"string","uniqueItems":true}},
        {"name":"force","in":"query","schema":{"type":"boolean","uniqueItems":true}}],
      "requestBody":{"content":{"application/json-patch+json":{},
        "application/merge-patch+json":{},"application/strategic-merge-patch+json":{}},
        "required":true},
      "responses":{"200":{"description":"OK"},"201":{"description":"Created"},
        "401":{"description":"Unauthorized"}},
      "x-kubernetes-action":"patch",
      "x-kubernetes-group-version-kind":{"group":"","kind":"Pod","version":"v1"}})"));

  EXPECT_EQ(item["get"]["operationId"], "readCoreV1NamespacedPod");
  EXPECT_EQ(item["get"]["description"], "read the specified Pod");
  EXPECT_EQ(item["get"]["x-kubernetes-action"], "get");
  EXPECT_FALSE(item["get"].contains("parameters"));
  EXPECT_FALSE(item["get"].contains("requestBody"));
  EXPECT_EQ(item["put"]["operationId"], "replaceCoreV1NamespacedPod");
  EXPECT_EQ(item["put"]["x-kubernetes-action"], "put");
  EXPECT_EQ(ParamNames(item["put"]),
            (std::vector<std::string>{"dryRun", "fieldManager", "fieldValidation"}));
  EXPECT_EQ(item["put"]["requestBody"],
            api::Json::parse(R"({"content":{"application/json":{}},"required":true})"));
  EXPECT_EQ(item["delete"]["operationId"], "deleteCoreV1NamespacedPod");
  EXPECT_EQ(item["delete"]["description"], "delete a Pod");
  EXPECT_EQ(item["delete"]["x-kubernetes-action"], "delete");
  EXPECT_EQ(ParamNames(item["delete"]),
            (std::vector<std::string>{"dryRun", "gracePeriodSeconds", "propagationPolicy"}));
  EXPECT_EQ(item["delete"]["responses"], api::Json::parse(R"({"200":{"description":"OK"},
      "202":{"description":"Accepted"},"401":{"description":"Unauthorized"}})"));
}

TEST(OpenApiV3Test, PodCollectionPaths) {
  api::Json doc = *OpenApiV3Document("api/v1");
  const api::Json& collection = doc["paths"]["/api/v1/namespaces/{namespace}/pods"];
  EXPECT_EQ(Methods(collection), (std::vector<std::string>{"get", "post", "delete", "parameters"}));
  EXPECT_EQ(collection["get"]["x-kubernetes-action"], "list");
  EXPECT_EQ(collection["get"]["operationId"], "listCoreV1NamespacedPod");
  EXPECT_EQ(collection["get"]["description"], "list or watch objects of kind Pod");
  EXPECT_EQ(
      ParamNames(collection["get"]),
      (std::vector<std::string>{"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector",
                                "limit", "resourceVersion", "resourceVersionMatch",
                                "sendInitialEvents", "timeoutSeconds", "watch"}));
  EXPECT_EQ(collection["post"]["x-kubernetes-action"], "post");
  EXPECT_EQ(collection["post"]["operationId"], "createCoreV1NamespacedPod");
  EXPECT_EQ(collection["post"]["description"], "create a Pod");
  EXPECT_EQ(ParamNames(collection["post"]),
            (std::vector<std::string>{"dryRun", "fieldManager", "fieldValidation"}));
  EXPECT_EQ(collection["post"]["responses"].size(), 4u);
  EXPECT_EQ(collection["delete"]["x-kubernetes-action"], "deletecollection");
  EXPECT_EQ(collection["delete"]["operationId"], "deleteCoreV1CollectionNamespacedPod");
  EXPECT_EQ(collection["delete"]["description"], "delete collection of Pod");
  EXPECT_EQ(collection["parameters"].size(), 2u);  // namespace, pretty

  const api::Json& all = doc["paths"]["/api/v1/pods"];
  EXPECT_EQ(Methods(all), (std::vector<std::string>{"get", "parameters"}));
  EXPECT_EQ(all["get"]["operationId"], "listCoreV1PodForAllNamespaces");
  EXPECT_EQ(all["get"]["x-kubernetes-action"], "list");
  EXPECT_EQ(all["get"]["x-kubernetes-group-version-kind"],
            api::Json::parse(R"({"group":"","kind":"Pod","version":"v1"})"));
  EXPECT_EQ(all["parameters"], api::Json::parse(
                                   R"([{"name":"pretty","in":"query","schema":{"type":"string",
                                   "uniqueItems":true}}])"));
}

TEST(OpenApiV3Test, PodSubresourcePaths) {
  api::Json doc = *OpenApiV3Document("api/v1");
  const api::Json& status = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/status"];
  EXPECT_EQ(Methods(status), (std::vector<std::string>{"get", "put", "patch", "parameters"}));
  EXPECT_EQ(status["get"]["operationId"], "readCoreV1NamespacedPodStatus");
  EXPECT_EQ(status["get"]["description"], "read status of the specified Pod");
  EXPECT_EQ(status["patch"]["description"], "partially update status of the specified Pod");
  EXPECT_EQ(status["put"]["description"], "replace status of the specified Pod");
  EXPECT_EQ(status["patch"]["x-kubernetes-group-version-kind"],
            api::Json::parse(R"({"group":"","kind":"Pod","version":"v1"})"));

  const api::Json& log = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/log"];
  EXPECT_EQ(Methods(log), (std::vector<std::string>{"get", "parameters"}));
  EXPECT_EQ(log["get"]["operationId"], "readCoreV1NamespacedPodLog");
  EXPECT_EQ(log["get"]["x-kubernetes-action"], "get");
  EXPECT_EQ(ParamNames(log["get"]),
            (std::vector<std::string>{"container", "follow", "limitBytes", "previous",
                                      "sinceSeconds", "tailLines", "timestamps"}));

  const api::Json& binding = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/binding"];
  EXPECT_EQ(Methods(binding), (std::vector<std::string>{"post", "parameters"}));
  EXPECT_EQ(binding["post"]["operationId"], "createCoreV1NamespacedPodBinding");
  EXPECT_EQ(binding["post"]["description"], "create binding of a Pod");
  EXPECT_EQ(binding["post"]["x-kubernetes-group-version-kind"],
            api::Json::parse(R"({"group":"","kind":"Binding","version":"v1"})"));
}

TEST(OpenApiV3Test, ClusterScopedPaths) {
  api::Json doc = *OpenApiV3Document("api/v1");
  const api::Json& namespaces = doc["paths"]["/api/v1/namespaces"];
  // No deletecollection for namespaces.
  EXPECT_EQ(Methods(namespaces), (std::vector<std::string>{"get", "post", "parameters"}));
  EXPECT_EQ(namespaces["get"]["operationId"], "listCoreV1Namespace");
  EXPECT_EQ(namespaces["parameters"].size(), 1u);  // pretty
  const api::Json& ns = doc["paths"]["/api/v1/namespaces/{name}"];
  EXPECT_EQ(ns["patch"]["operationId"], "patchCoreV1Namespace");
  EXPECT_EQ(ns["parameters"].size(), 2u);  // name, pretty
  EXPECT_EQ(ns["parameters"][0]["description"], "name of the Namespace");
  EXPECT_EQ(doc["paths"]["/api/v1/namespaces/{name}/status"]["get"]["operationId"],
            "readCoreV1NamespaceStatus");
  const api::Json& node_status = doc["paths"]["/api/v1/nodes/{name}/status"];
  EXPECT_EQ(node_status["patch"]["operationId"], "patchCoreV1NodeStatus");
  EXPECT_EQ(node_status["patch"]["x-kubernetes-group-version-kind"],
            api::Json::parse(R"({"group":"","kind":"Node","version":"v1"})"));
  EXPECT_EQ(doc["paths"]["/api/v1/nodes"]["delete"]["operationId"], "deleteCoreV1CollectionNode");
}

TEST(OpenApiV3Test, EndpointsTakeNoArticle) {
  api::Json doc = *OpenApiV3Document("api/v1");
  const api::Json& endpoints = doc["paths"]["/api/v1/namespaces/{namespace}/endpoints"];
  EXPECT_EQ(endpoints["post"]["description"], "create Endpoints");
  const api::Json& events = doc["paths"]["/api/v1/namespaces/{namespace}/events"];
  EXPECT_EQ(events["post"]["description"], "create an Event");
}

TEST(OpenApiV3Test, AppsV1Scale) {
  api::Json doc = *OpenApiV3Document("apis/apps/v1");
  const api::Json& scale =
      doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
  EXPECT_EQ(Methods(scale), (std::vector<std::string>{"get", "put", "patch", "parameters"}));
  EXPECT_EQ(scale["patch"]["operationId"], "patchAppsV1NamespacedDeploymentScale");
  EXPECT_EQ(scale["patch"]["tags"], api::Json::array({"apps_v1"}));
  EXPECT_EQ(scale["patch"]["description"], "partially update scale of the specified Deployment");
  EXPECT_EQ(scale["patch"]["x-kubernetes-group-version-kind"],
            api::Json::parse(R"({"group":"autoscaling","kind":"Scale","version":"v1"})"));
  const api::Json& item = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  EXPECT_EQ(item["patch"]["x-kubernetes-group-version-kind"],
            api::Json::parse(R"({"group":"apps","kind":"Deployment","version":"v1"})"));
  EXPECT_EQ(doc["paths"]["/apis/apps/v1/deployments"]["get"]["operationId"],
            "listAppsV1DeploymentForAllNamespaces");
  EXPECT_EQ(doc["paths"].size(), 10u);  // 2 resources x (collection, item, 2 subs, all-ns)
}

TEST(OpenApiV3Test, CoordinationV1) {
  api::Json doc = *OpenApiV3Document("apis/coordination.k8s.io/v1");
  std::vector<std::string> paths;
  for (const auto& [key, value] : doc["paths"].items()) paths.push_back(key);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "/apis/coordination.k8s.io/v1/leases",
                       "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases",
                       "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"}));
  const api::Json& item =
      doc["paths"]["/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"];
  EXPECT_EQ(item["put"]["operationId"], "replaceCoordinationV1NamespacedLease");
  EXPECT_EQ(item["put"]["tags"], api::Json::array({"coordination_v1"}));
  EXPECT_EQ(item["put"]["x-kubernetes-group-version-kind"],
            api::Json::parse(R"({"group":"coordination.k8s.io","kind":"Lease","version":"v1"})"));
}

// kubectl's supportsQueryParamV3: for a GVK, it takes a PATCH operation whose
// x-kubernetes-group-version-kind matches (whichever the Go map yields first) and requires a
// query parameter of that name. Every matching operation must therefore carry it.
TEST(OpenApiV3Test, EveryKindSupportsFieldValidationAsKubectlChecksIt) {
  for (const GroupVersion& gv : GroupVersions()) {
    api::Json doc = *OpenApiV3Document(gv.Path());
    for (const ResourceInfo& r : Resources()) {
      if (r.group != gv.group || r.version != gv.version) continue;
      api::Json gvk{{"group", r.group}, {"kind", r.kind}, {"version", r.version}};
      int matching = 0;
      for (const auto& [path, item] : doc["paths"].items()) {
        if (!item.contains("patch") || item["patch"]["x-kubernetes-group-version-kind"] != gvk) {
          continue;
        }
        ++matching;
        bool found = false;
        for (const api::Json& p : item["patch"]["parameters"]) {
          found |= p["name"] == "fieldValidation" && p["in"] == "query";
        }
        EXPECT_TRUE(found) << path;
      }
      EXPECT_GE(matching, 1) << r.kind;
    }
  }
}

TEST(OpenApiV3Test, EveryOperationIsTaggedAndUnique) {
  std::set<std::string> ids;
  const std::set<std::string> actions = {
      "list", "post", "get", "put", "patch", "delete", "deletecollection"};
  for (const GroupVersion& gv : GroupVersions()) {
    api::Json doc = *OpenApiV3Document(gv.Path());
    for (const auto& [path, item] : doc["paths"].items()) {
      for (const auto& [method, op] : item.items()) {
        if (method == "parameters") continue;
        std::string id = op["operationId"];
        EXPECT_TRUE(ids.insert(id).second) << id;
        EXPECT_TRUE(actions.contains(op["x-kubernetes-action"].get<std::string>())) << id;
        EXPECT_TRUE(op["x-kubernetes-group-version-kind"].is_object()) << id;
        EXPECT_EQ(op["tags"].size(), 1u) << id;
      }
      EXPECT_NE(item.begin().key(), "parameters") << path;  // operations come first
    }
  }
}

}  // namespace
}  // namespace cubelet::apiserver
