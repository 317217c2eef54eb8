// Request parsing: targets, escapes, query parameters, Go's ParseBool, media types and the
// Table Accept, and API paths (kubectl-compat.md §2 and G7).
#include "apiserver/http_util.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cubelet::apiserver {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// ---- request target ------------------------------------------------------------------------

TEST(SplitTargetTest, PathAndQuery) {
  RequestTarget t = SplitTarget("/api/v1/namespaces/default/pods?limit=500&watch=true");
  EXPECT_EQ(t.path, "/api/v1/namespaces/default/pods");
  EXPECT_EQ(t.query, "limit=500&watch=true");
}

TEST(SplitTargetTest, NoQuery) {
  RequestTarget t = SplitTarget("/version");
  EXPECT_EQ(t.path, "/version");
  EXPECT_EQ(t.query, "");
}

TEST(SplitTargetTest, EmptyQueryAndSecondQuestionMark) {
  EXPECT_EQ(SplitTarget("/api?").path, "/api");
  EXPECT_EQ(SplitTarget("/api?").query, "");
  RequestTarget t = SplitTarget("/a?b=?c");
  EXPECT_EQ(t.path, "/a");
  EXPECT_EQ(t.query, "b=?c");
}

TEST(SplitTargetTest, FragmentIsDropped) {
  RequestTarget t = SplitTarget("/api/v1/pods?watch=1#frag");
  EXPECT_EQ(t.path, "/api/v1/pods");
  EXPECT_EQ(t.query, "watch=1");
  EXPECT_EQ(SplitTarget("/api#x?y=1").path, "/api");
  EXPECT_EQ(SplitTarget("/api#x?y=1").query, "");
}

// ---- percent-decoding ----------------------------------------------------------------------

TEST(PercentDecodeTest, EscapesOfEitherCase) {
  EXPECT_EQ(PercentDecode("metadata.name%3Dweb", true), "metadata.name=web");
  EXPECT_EQ(PercentDecode("a%2fb%2Fc", false), "a/b/c");
  EXPECT_EQ(PercentDecode("%e2%9c%93", false), "\xe2\x9c\x93");
  EXPECT_EQ(PercentDecode("", true), "");
}

TEST(PercentDecodeTest, PlusIsSpaceOnlyInQueries) {
  EXPECT_EQ(PercentDecode("app+in+(a,b)", true), "app in (a,b)");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a%2Bb", true), "a+b");
}

TEST(PercentDecodeTest, MalformedEscapes) {
  EXPECT_EQ(PercentDecode("%", true), std::nullopt);
  EXPECT_EQ(PercentDecode("abc%4", true), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz", false), std::nullopt);
  EXPECT_EQ(PercentDecode("%4g", false), std::nullopt);
}

// ---- query parameters ----------------------------------------------------------------------

TEST(QueryParamsTest, RepeatedKeysKeepOrder) {
  QueryParams q = QueryParams::Parse(
      "command=sh&container=nginx&command=-c&command=echo+hi&stdout=true&stderr=true");
  EXPECT_EQ(q.GetAll("command"), (std::vector<std::string_view>{"sh", "-c", "echo hi"}));
  EXPECT_EQ(q.Get("command"), "sh");
  EXPECT_EQ(q.Get("container"), "nginx");
  EXPECT_EQ(q.entries(), (Params{{"command", "sh"},
                                 {"container", "nginx"},
                                 {"command", "-c"},
                                 {"command", "echo hi"},
                                 {"stdout", "true"},
                                 {"stderr", "true"}}));
}

TEST(QueryParamsTest, KubectlDeleteWaitQuery) {
  QueryParams q = QueryParams::Parse(
      "allowWatchBookmarks=true&fieldSelector=metadata.name%3Dweb&resourceVersion=1007&"
      "timeoutSeconds=412&watch=true");
  EXPECT_EQ(q.Get("fieldSelector"), "metadata.name=web");
  EXPECT_EQ(q.Get("resourceVersion"), "1007");
  EXPECT_EQ(q.Get("timeoutSeconds"), "412");
  EXPECT_TRUE(q.Has("allowWatchBookmarks"));
  EXPECT_FALSE(q.Has("limit"));
  EXPECT_EQ(q.Get("limit"), std::nullopt);
  EXPECT_TRUE(q.GetAll("limit").empty());
}

TEST(QueryParamsTest, UnescapedEqualsInValueBelongsToTheValue) {
  // kubectl describe sends the selector unescaped after the first '='.
  QueryParams q =
      QueryParams::Parse("fieldSelector=involvedObject.name=web,involvedObject.namespace=default");
  EXPECT_EQ(q.Get("fieldSelector"), "involvedObject.name=web,involvedObject.namespace=default");
}

TEST(QueryParamsTest, KeyWithoutValueAndEmptyPairs) {
  QueryParams q = QueryParams::Parse("&watch&&pretty=&limit=5&");
  EXPECT_EQ(q.entries(), (Params{{"watch", ""}, {"pretty", ""}, {"limit", "5"}}));
  EXPECT_TRUE(q.Has("watch"));
  EXPECT_EQ(q.Get("watch"), "");
}

TEST(QueryParamsTest, EscapedKeys) {
  QueryParams q = QueryParams::Parse("label%53elector=app%3Dweb&a+b=c");
  EXPECT_EQ(q.Get("labelSelector"), "app=web");
  EXPECT_EQ(q.Get("a b"), "c");
}

TEST(QueryParamsTest, SemicolonsAndBadEscapesDropThePairOnly) {
  // Go 1.17+: "invalid semicolon separator in query"; the pair is gone, the rest stays.
  QueryParams q = QueryParams::Parse("a=1;b=2&c=3&d=%zz&e=%&f=4");
  EXPECT_EQ(q.entries(), (Params{{"c", "3"}, {"f", "4"}}));
}

TEST(QueryParamsTest, EmptyQuery) {
  EXPECT_TRUE(QueryParams::Parse("").entries().empty());
  EXPECT_TRUE(QueryParams().entries().empty());
}

TEST(QueryParamsTest, Add) {
  QueryParams q;
  q.Add("watch", "1");
  q.Add("watch", "0");
  EXPECT_EQ(q.GetAll("watch"), (std::vector<std::string_view>{"1", "0"}));
}

// ---- ParseBool ------------------------------------------------------------------------------

TEST(ParseBoolTest, GoSpellings) {
  for (std::string_view s : {"1", "t", "T", "TRUE", "true", "True"}) {
    base::Result<bool> r = ParseBool(s);
    ASSERT_TRUE(r.ok()) << s;
    EXPECT_TRUE(*r) << s;
  }
  for (std::string_view s : {"0", "f", "F", "FALSE", "false", "False"}) {
    base::Result<bool> r = ParseBool(s);
    ASSERT_TRUE(r.ok()) << s;
    EXPECT_FALSE(*r) << s;
  }
}

TEST(ParseBoolTest, EverythingElseIsInvalidWithGosMessage) {
  base::Result<bool> r = ParseBool("yes");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalid);
  EXPECT_EQ(r.status().message(), R"(strconv.ParseBool: parsing "yes": invalid syntax)");
  EXPECT_EQ(ParseBool("").status().message(), R"(strconv.ParseBool: parsing "": invalid syntax)");
  for (std::string_view s : {"tRUE", "fALSE", "2", "on", "off", " true", "true ", "TrUe"}) {
    EXPECT_FALSE(ParseBool(s).ok()) << s;
  }
}

// ---- media types ---------------------------------------------------------------------------

TEST(ContentTypeTest, JsonWithCharset) {
  std::optional<MediaType> m = ParseContentType("application/json; charset=utf-8");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "application");
  EXPECT_EQ(m->subtype, "json");
  EXPECT_EQ(m->Essence(), "application/json");
  EXPECT_EQ(m->params, (Params{{"charset", "utf-8"}}));
  EXPECT_EQ(m->Param("charset"), "utf-8");
  EXPECT_EQ(m->Param("CHARSET"), "utf-8");
  EXPECT_EQ(m->Param("q"), std::nullopt);
}

TEST(ContentTypeTest, TypeIsCaseInsensitive) {
  std::optional<MediaType> m = ParseContentType("Application/Strategic-Merge-Patch+JSON");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->Essence(), "application/strategic-merge-patch+json");
  EXPECT_TRUE(m->params.empty());
}

TEST(ContentTypeTest, PatchTypes) {
  for (std::string_view ct :
       {"application/merge-patch+json", "application/json-patch+json",
        "application/apply-patch+yaml", "application/strategic-merge-patch+json"}) {
    std::optional<MediaType> m = ParseContentType(ct);
    ASSERT_TRUE(m.has_value()) << ct;
    EXPECT_EQ(m->Essence(), ct);
  }
}

TEST(ContentTypeTest, QuotedParameterAndNameCase) {
  std::optional<MediaType> m = ParseContentType(R"(text/plain; Charset="utf-8"; x="a;b\"c")");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->params, (Params{{"charset", "utf-8"}, {"x", "a;b\"c"}}));
}

TEST(ContentTypeTest, Malformed) {
  EXPECT_EQ(ParseContentType(""), std::nullopt);
  EXPECT_EQ(ParseContentType("json"), std::nullopt);
  EXPECT_EQ(ParseContentType("application/"), std::nullopt);
  EXPECT_EQ(ParseContentType("/json"), std::nullopt);
  EXPECT_EQ(ParseContentType("application/json; charset"), std::nullopt);
  EXPECT_EQ(ParseContentType("application /json"), std::nullopt);
  // A trailing ';' is tolerated.
  ASSERT_TRUE(ParseContentType("application/json;").has_value());
}

TEST(AcceptTest, KubectlGetTableHeader) {
  std::vector<MediaType> ranges = ParseAccept(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
      "g=meta.k8s.io,application/json");
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].Essence(), "application/json");
  EXPECT_EQ(ranges[0].params, (Params{{"as", "Table"}, {"v", "v1"}, {"g", "meta.k8s.io"}}));
  EXPECT_EQ(ranges[1].Param("v"), "v1beta1");
  EXPECT_EQ(ranges[2].Essence(), "application/json");
  EXPECT_TRUE(ranges[2].params.empty());
}

TEST(AcceptTest, SpacesWildcardsAndHeaderOrder) {
  std::vector<MediaType> ranges = ParseAccept(" application/json , */* ");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].Essence(), "application/json");
  EXPECT_EQ(ranges[1].Essence(), "*/*");
  EXPECT_TRUE(ranges[1].Matches("application", "json"));
  EXPECT_TRUE(ranges[1].Matches("text", "plain"));
  EXPECT_FALSE(ranges[0].Matches("application", "yaml"));
  EXPECT_TRUE(ParseAccept("application/*")[0].Matches("application", "json"));
  EXPECT_FALSE(ParseAccept("application/*")[0].Matches("text", "json"));
}

TEST(AcceptTest, QualityIsRemovedAndDoesNotReorder) {
  std::vector<MediaType> ranges =
      ParseAccept("application/yaml;q=0.5,application/json;q=0.9;v=x,text/plain");
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].Essence(), "application/yaml");
  EXPECT_TRUE(ranges[0].params.empty());
  EXPECT_EQ(ranges[1].params, (Params{{"v", "x"}}));
  EXPECT_EQ(ranges[2].Essence(), "text/plain");
}

TEST(AcceptTest, QualityZeroIsNotAcceptable) {
  std::vector<MediaType> ranges =
      ParseAccept("application/json;q=0,application/yaml;q=0.000,text/plain;q=0.001,*/*;Q=0.0");
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].Essence(), "text/plain");
}

TEST(AcceptTest, MalformedRangesAreSkipped) {
  std::vector<MediaType> ranges = ParseAccept("garbage,,application/json;x,text/html");
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].Essence(), "text/html");
  EXPECT_TRUE(ParseAccept("").empty());
}

TEST(AcceptsTableTest, KubectlGet) {
  EXPECT_TRUE(AcceptsTable(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
      "g=meta.k8s.io,application/json"));
  EXPECT_TRUE(AcceptsTable("application/json;as=Table;v=v1beta1;g=meta.k8s.io"));
  EXPECT_TRUE(AcceptsTable("application/json; as=Table; g=meta.k8s.io; v=v1"));
}

TEST(AcceptsTableTest, OtherClients) {
  EXPECT_FALSE(AcceptsTable("application/json"));       // Python client, get -o yaml
  EXPECT_FALSE(AcceptsTable("application/json, */*"));  // kubectl logs, 1.20
  EXPECT_FALSE(AcceptsTable("application/vnd.kubernetes.protobuf,application/json"));
  EXPECT_FALSE(AcceptsTable(""));
}

TEST(AcceptsTableTest, EveryPartMustMatch) {
  EXPECT_FALSE(AcceptsTable("application/json;as=Table;v=v1"));                // no group
  EXPECT_FALSE(AcceptsTable("application/json;as=Table;v=v2;g=meta.k8s.io"));  // no such v
  EXPECT_FALSE(AcceptsTable("application/json;as=table;v=v1;g=meta.k8s.io"));  // case
  EXPECT_FALSE(AcceptsTable("application/json;as=Table;v=v1;g=apps"));
  EXPECT_FALSE(AcceptsTable("application/yaml;as=Table;v=v1;g=meta.k8s.io"));
  EXPECT_FALSE(AcceptsTable("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io"));
  EXPECT_FALSE(AcceptsTable("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"));
  EXPECT_FALSE(AcceptsTable("application/json;as=Table;v=v1;g=meta.k8s.io;q=0"));
}

// ---- API paths -----------------------------------------------------------------------------

struct PathCase {
  std::string_view path;
  std::string group, version, ns, resource, name, subresource;
  bool watch = false;
};

void ExpectPath(const PathCase& c) {
  std::optional<ApiPath> p = ParseApiPath(c.path);
  ASSERT_TRUE(p.has_value()) << c.path;
  EXPECT_EQ(p->group, c.group) << c.path;
  EXPECT_EQ(p->version, c.version) << c.path;
  EXPECT_EQ(p->ns, c.ns) << c.path;
  EXPECT_EQ(p->resource, c.resource) << c.path;
  EXPECT_EQ(p->name, c.name) << c.path;
  EXPECT_EQ(p->subresource, c.subresource) << c.path;
  EXPECT_EQ(p->watch, c.watch) << c.path;
  ASSERT_NE(p->info, nullptr) << c.path;
  EXPECT_EQ(p->info->resource, c.resource) << c.path;
  EXPECT_EQ(p->IsCollection(), c.name.empty()) << c.path;
}

TEST(ApiPathTest, NamespacedCoreResources) {
  ExpectPath({"/api/v1/namespaces/default/pods", "", "v1", "default", "pods", "", ""});
  ExpectPath({"/api/v1/namespaces/default/pods/web", "", "v1", "default", "pods", "web", ""});
  ExpectPath(
      {"/api/v1/namespaces/default/pods/web/log", "", "v1", "default", "pods", "web", "log"});
  ExpectPath({"/api/v1/namespaces/kube-system/pods/coredns/status", "", "v1", "kube-system", "pods",
              "coredns", "status"});
  ExpectPath({"/api/v1/namespaces/default/events", "", "v1", "default", "events", "", ""});
}

TEST(ApiPathTest, EveryNamespaceCollection) {
  ExpectPath({"/api/v1/pods", "", "v1", "", "pods", "", ""});
  ExpectPath({"/apis/apps/v1/deployments", "apps", "v1", "", "deployments", "", ""});
}

TEST(ApiPathTest, NamespacesThemselves) {
  ExpectPath({"/api/v1/namespaces", "", "v1", "", "namespaces", "", ""});
  ExpectPath({"/api/v1/namespaces/default", "", "v1", "", "namespaces", "default", ""});
  ExpectPath(
      {"/api/v1/namespaces/default/status", "", "v1", "", "namespaces", "default", "status"});
}

TEST(ApiPathTest, ClusterScopedResources) {
  ExpectPath({"/api/v1/nodes", "", "v1", "", "nodes", "", ""});
  ExpectPath({"/api/v1/nodes/node1", "", "v1", "", "nodes", "node1", ""});
  ExpectPath({"/api/v1/nodes/node1/status", "", "v1", "", "nodes", "node1", "status"});
}

TEST(ApiPathTest, NamedGroups) {
  ExpectPath({"/apis/apps/v1/namespaces/default/deployments/nginx/scale", "apps", "v1", "default",
              "deployments", "nginx", "scale"});
  ExpectPath({"/apis/apps/v1/namespaces/default/replicasets", "apps", "v1", "default",
              "replicasets", "", ""});
  ExpectPath({"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node1",
              "coordination.k8s.io", "v1", "kube-node-lease", "leases", "node1", ""});
}

TEST(ApiPathTest, SubresourcesAreReturnedAsSent) {
  // exec is not in the table, but the caller answers it (400 "Upgrade request required").
  ExpectPath(
      {"/api/v1/namespaces/default/pods/web/exec", "", "v1", "default", "pods", "web", "exec"});
  ExpectPath({"/api/v1/nodes/n/proxy", "", "v1", "", "nodes", "n", "proxy"});
}

TEST(ApiPathTest, WatchPrefix) {
  ExpectPath({"/api/v1/watch/namespaces/default/pods", "", "v1", "default", "pods", "", "", true});
  ExpectPath({"/api/v1/watch/pods", "", "v1", "", "pods", "", "", true});
  ExpectPath({"/api/v1/watch/namespaces/default", "", "v1", "", "namespaces", "default", "", true});
  ExpectPath({"/apis/apps/v1/watch/namespaces/x/deployments/d", "apps", "v1", "x", "deployments",
              "d", "", true});
  EXPECT_FALSE(ParseApiPath("/api/v1/watch").has_value());
  EXPECT_FALSE(ParseApiPath("/api/v1/watch/namespaces/default/pods/web/status").has_value());
}

TEST(ApiPathTest, EscapesAndTrailingSlash) {
  ExpectPath({"/api/v1/namespaces/def%61ult/pods/", "", "v1", "default", "pods", "", ""});
  ExpectPath({"/api/v1/nodes/a+b", "", "v1", "", "nodes", "a+b", ""});  // '+' is literal
  EXPECT_FALSE(ParseApiPath("/api/v1/namespaces/default/pods/%zz").has_value());
  // An escaped '/' splits like a real one, as in Go's decoded URL.Path.
  ExpectPath({"/api/v1/namespaces/default%2Fpods", "", "v1", "default", "pods", "", ""});
}

TEST(ApiPathTest, UnknownShapes) {
  for (std::string_view path :
       {"",
        "/",
        "api/v1/pods",
        "/api",
        "/api/v1",
        "/apis",
        "/apis/apps",
        "/apis/apps/v1",
        "/version",
        "/openapi/v2",
        "/api/v2/pods",
        "/apis/apps/v2/deployments",
        "/apis/extensions/v1beta1/deployments",
        "/api/v1/deployments",
        "/apis/apps/v1/pods",
        "/api/v1/bogus",
        "/api/v1/namespaces/default/bogus",
        "/api/v1/namespaces/default/finalize",  // not served
        "/api/v1/pods/web",                     // namespaced item without a namespace
        "/api/v1/pods/web/log",
        "/api/v1/namespaces/default/nodes",  // cluster-scoped under a namespace
        "/api/v1/namespaces/default/namespaces",
        "/apis/apps/v1/namespaces/default",           // no namespaces resource in apps
        "/api/v1/namespaces/default/pods/web/log/x",  // extra segment
        "/api/v1/nodes/n/status/x",
        "/api/v1//pods",
        "//api/v1/pods",
        "/api/v1/namespaces//pods",
        "/apis//v1/pods"}) {
    EXPECT_FALSE(ParseApiPath(path).has_value()) << path;
  }
}

void ExpectDiscovery(std::string_view path, DiscoveryPath::Kind kind, std::string_view group,
                     std::string_view version) {
  std::optional<DiscoveryPath> p = ParseDiscoveryPath(path);
  ASSERT_TRUE(p.has_value()) << path;
  EXPECT_EQ(p->kind, kind) << path;
  EXPECT_EQ(p->group, group) << path;
  EXPECT_EQ(p->version, version) << path;
}

TEST(DiscoveryPathTest, EveryDocument) {
  using Kind = DiscoveryPath::Kind;
  ExpectDiscovery("/api", Kind::kApi, "", "");
  ExpectDiscovery("/apis", Kind::kApis, "", "");
  ExpectDiscovery("/api/v1", Kind::kGroupVersion, "", "v1");
  ExpectDiscovery("/apis/apps", Kind::kGroup, "apps", "");
  ExpectDiscovery("/apis/apps/v1", Kind::kGroupVersion, "apps", "v1");
  ExpectDiscovery("/apis/coordination.k8s.io/v1", Kind::kGroupVersion, "coordination.k8s.io", "v1");
  // Served or not is the builders' question.
  ExpectDiscovery("/apis/batch/v1", Kind::kGroupVersion, "batch", "v1");
}

TEST(DiscoveryPathTest, PythonClientTrailingSlashes) {
  using Kind = DiscoveryPath::Kind;
  ExpectDiscovery("/api/", Kind::kApi, "", "");
  ExpectDiscovery("/apis/", Kind::kApis, "", "");
  ExpectDiscovery("/api/v1/", Kind::kGroupVersion, "", "v1");
  ExpectDiscovery("/apis/apps/", Kind::kGroup, "apps", "");
  ExpectDiscovery("/apis/apps/v1/", Kind::kGroupVersion, "apps", "v1");
}

TEST(DiscoveryPathTest, NotDiscovery) {
  for (std::string_view path : {"", "/", "api", "/version", "/api/v1/pods", "/apis/apps/v1/x",
                                "/openapi/v2", "//api", "/apis//v1", "/api/%zz"}) {
    EXPECT_FALSE(ParseDiscoveryPath(path).has_value()) << path;
  }
}

}  // namespace
}  // namespace cubelet::apiserver
