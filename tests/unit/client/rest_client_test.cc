// The HTTP Client against a scripted server: requests as Kubernetes expects them, answers and
// failures mapped back.
#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "client/client.h"

#include "test_http_server.h"

namespace cubelet::client {
namespace {

using namespace std::chrono_literals;
using testing::Conn;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::JsonResponse;
using testing::Request;
using testing::StatusJson;
using testing::TestHttpServer;

const api::KindInfo& Kind(std::string_view kind) {
  for (const api::KindInfo& k : api::Kinds()) {
    if (k.kind == kind) return k;
  }
  std::abort();
}

constexpr std::string_view kPodJson =
    R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","namespace":"ns","resourceVersion":"7"},"spec":{"containers":[{"name":"c","image":"busybox"}]}})";

ClientConfig Config(const TestHttpServer& server) {
  ClientConfig config;
  config.server = server.url() + "/";  // a trailing slash must not double
  config.bearer_token = "s3cret";
  config.timeout = 5s;
  return config;
}

api::Pod MakePod() {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "ns";
  api::Container c;
  c.name = "c";
  c.image = "busybox";
  pod.spec.containers.push_back(c);
  return pod;
}

TEST(RestClientTest, GetSendsHeadersAndDecodes) {
  TestHttpServer server(
      [](const Request&, Conn& conn) { conn.Write(JsonResponse(200, kPodJson)); });
  auto client = NewClient(Config(server));
  auto obj = client->Get(Kind("Pod"), "ns", "web");
  ASSERT_TRUE(obj.ok()) << obj.status().ToString();
  const auto& pod = std::get<api::Pod>(*obj);
  EXPECT_EQ(pod.metadata.resource_version, "7");
  EXPECT_EQ(pod.spec.containers.at(0).image, "busybox");
  Request req = server.Last();
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/api/v1/namespaces/ns/pods/web");
  EXPECT_EQ(req.Header("authorization"), "Bearer s3cret");
  EXPECT_EQ(req.Header("accept"), "application/json");
  EXPECT_EQ(req.Header("user-agent"), "cubelet/0.1");
  EXPECT_EQ(req.body, "");
}

TEST(RestClientTest, NoAuthorizationWithoutToken) {
  TestHttpServer server([](const Request&, Conn& conn) {
    conn.Write(JsonResponse(200, R"({"kind":"Node","apiVersion":"v1","metadata":{"name":"n1"}})"));
  });
  ClientConfig config = Config(server);
  config.bearer_token.clear();
  auto obj = NewClient(config)->Get(Kind("Node"), "ignored", "n1");
  ASSERT_TRUE(obj.ok()) << obj.status().ToString();
  EXPECT_EQ(server.Last().target, "/api/v1/nodes/n1");
  EXPECT_EQ(server.Last().headers.count("authorization"), 0u);
}

TEST(RestClientTest, ListEncodesQueryAndDecodesItems) {
  TestHttpServer server([](const Request&, Conn& conn) {
    conn.Write(JsonResponse(200, R"({"kind":"DeploymentList","apiVersion":"apps/v1",
      "metadata":{"resourceVersion":"99","continue":"next-page"},
      "items":[{"metadata":{"name":"a","namespace":"ns"}},{"metadata":{"name":"b","namespace":"ns"}}]})"));
  });
  ListOptions opts;
  opts.namespace_ = "ns";
  opts.label_selector = "app=web,tier in (a,b)";
  opts.field_selector = "metadata.name!=x";
  opts.limit = 2;
  opts.continue_token = "tok/+=";
  opts.resource_version = "5";
  auto list = NewClient(Config(server))->List(Kind("Deployment"), opts);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(server.Last().path, "/apis/apps/v1/namespaces/ns/deployments");
  EXPECT_EQ(server.Last().query,
            "labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&fieldSelector=metadata.name%21%3Dx"
            "&limit=2&continue=tok%2F%2B%3D&resourceVersion=5");
  EXPECT_EQ(list->resource_version, "99");
  EXPECT_EQ(list->continue_token, "next-page");
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(std::get<api::Deployment>(list->items[1]).metadata.name, "b");
}

TEST(RestClientTest, ListAcrossNamespacesHasNoQuery) {
  TestHttpServer server([](const Request&, Conn& conn) {
    conn.Write(
        JsonResponse(200, R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]})"));
  });
  auto list = NewClient(Config(server))->List(Kind("Pod"), {});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->items.empty());
  EXPECT_EQ(server.Last().target, "/api/v1/pods");
}

TEST(RestClientTest, CreatePostsEncodedObject) {
  TestHttpServer server(
      [](const Request&, Conn& conn) { conn.Write(JsonResponse(201, kPodJson)); });
  api::Pod pod = MakePod();
  pod.kind.clear();  // the client fills it in
  auto created = NewClient(Config(server))->Create(pod);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(api::MetaOf(*created).resource_version, "7");
  Request req = server.Last();
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/api/v1/namespaces/ns/pods");
  EXPECT_EQ(req.Header("content-type"), "application/json");
  auto body = api::Json::parse(req.body);
  EXPECT_EQ(body["kind"], "Pod");
  EXPECT_EQ(body["apiVersion"], "v1");
  EXPECT_EQ(body["metadata"]["name"], "web");
}

TEST(RestClientTest, CreateWithoutNamespaceIsRefusedLocally) {
  TestHttpServer server(
      [](const Request&, Conn& conn) { conn.Write(JsonResponse(201, kPodJson)); });
  api::Pod pod = MakePod();
  pod.metadata.namespace_.clear();
  EXPECT_EQ(NewClient(Config(server))->Create(pod).status().code(), base::Code::kInvalid);
  EXPECT_TRUE(server.Requests().empty());
}

TEST(RestClientTest, UpdateAndUpdateStatusPut) {
  TestHttpServer server(
      [](const Request&, Conn& conn) { conn.Write(JsonResponse(200, kPodJson)); });
  auto client = NewClient(Config(server));
  api::Pod pod = MakePod();
  pod.metadata.resource_version = "6";
  ASSERT_TRUE(client->Update(pod).ok());
  EXPECT_EQ(server.Last().method, "PUT");
  EXPECT_EQ(server.Last().target, "/api/v1/namespaces/ns/pods/web");
  EXPECT_EQ(api::Json::parse(server.Last().body)["metadata"]["resourceVersion"], "6");
  ASSERT_TRUE(client->UpdateStatus(pod).ok());
  EXPECT_EQ(server.Last().method, "PUT");
  EXPECT_EQ(server.Last().target, "/api/v1/namespaces/ns/pods/web/status");
}

TEST(RestClientTest, PatchSendsContentTypePerPatchType) {
  TestHttpServer server(
      [](const Request&, Conn& conn) { conn.Write(JsonResponse(200, kPodJson)); });
  auto client = NewClient(Config(server));
  const api::Json merge = {{"metadata", {{"labels", {{"a", "b"}}}}}};
  ASSERT_TRUE(client->Patch(Kind("Pod"), "ns", "web", PatchType::kMerge, merge, "").ok());
  EXPECT_EQ(server.Last().method, "PATCH");
  EXPECT_EQ(server.Last().target, "/api/v1/namespaces/ns/pods/web");
  EXPECT_EQ(server.Last().Header("content-type"), "application/merge-patch+json");
  EXPECT_EQ(api::Json::parse(server.Last().body), merge);
  ASSERT_TRUE(
      client->Patch(Kind("Pod"), "ns", "web", PatchType::kStrategicMerge, merge, "status").ok());
  EXPECT_EQ(server.Last().target, "/api/v1/namespaces/ns/pods/web/status");
  EXPECT_EQ(server.Last().Header("content-type"), "application/strategic-merge-patch+json");
  const api::Json ops = api::Json::array({{{"op", "remove"}, {"path", "/metadata/labels/a"}}});
  ASSERT_TRUE(client->Patch(Kind("Pod"), "ns", "web", PatchType::kJson, ops, "").ok());
  EXPECT_EQ(server.Last().Header("content-type"), "application/json-patch+json");
}

TEST(RestClientTest, DeleteSendsOptionsAndReturnsObjectOrNothing) {
  bool status_answer = false;
  TestHttpServer server([&](const Request&, Conn& conn) {
    conn.Write(status_answer
                   ? JsonResponse(200, R"({"kind":"Status","apiVersion":"v1","metadata":{},
                                           "status":"Success","details":{"name":"web"}})")
                   : JsonResponse(200, kPodJson));
  });
  auto client = NewClient(Config(server));
  DeleteOptions opts;
  opts.grace_period_seconds = 0;
  opts.preconditions.uid = "u-1";
  opts.preconditions.resource_version = "7";
  opts.propagation_policy = "Background";
  auto deleted = client->Delete(Kind("Pod"), "ns", "web", opts);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  ASSERT_TRUE(deleted->has_value());
  EXPECT_EQ(api::MetaOf(**deleted).name, "web");
  Request req = server.Last();
  EXPECT_EQ(req.method, "DELETE");
  EXPECT_EQ(req.target, "/api/v1/namespaces/ns/pods/web");
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(api::Json::parse(req.body),
            api::Json::parse(R"({"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0,
              "preconditions":{"uid":"u-1","resourceVersion":"7"},
              "propagationPolicy":"Background"})"));

  status_answer = true;
  deleted = client->Delete(Kind("ConfigMap"), "ns", "cm", {});
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_FALSE(deleted->has_value());
  EXPECT_EQ(api::Json::parse(server.Last().body),
            api::Json::parse(R"({"kind":"DeleteOptions","apiVersion":"v1"})"));
}

struct ErrorCase {
  int http;
  std::string reason;
  base::Code code;
};

TEST(RestClientTest, StatusErrorsMapToCodesWithServerMessages) {
  const std::vector<ErrorCase> cases = {
      {400, "BadRequest", base::Code::kInvalid},
      {401, "Unauthorized", base::Code::kUnauthenticated},
      {403, "Forbidden", base::Code::kPermissionDenied},
      {404, "NotFound", base::Code::kNotFound},
      {409, "AlreadyExists", base::Code::kAlreadyExists},
      {409, "Conflict", base::Code::kConflict},
      {410, "Expired", base::Code::kGone},
      {422, "Invalid", base::Code::kInvalid},
      {429, "TooManyRequests", base::Code::kResourceExhausted},
      {500, "InternalError", base::Code::kUnavailable},
      {503, "ServiceUnavailable", base::Code::kUnavailable},
      {504, "Timeout", base::Code::kTimeout},
  };
  size_t next = 0;
  TestHttpServer server([&](const Request&, Conn& conn) {
    const ErrorCase& c = cases[next];
    conn.Write(JsonResponse(c.http, StatusJson(c.http, c.reason, "message " + c.reason)));
  });
  auto client = NewClient(Config(server));
  for (next = 0; next < cases.size(); ++next) {
    SCOPED_TRACE(cases[next].http);
    auto obj = client->Get(Kind("Pod"), "ns", "web");
    ASSERT_FALSE(obj.ok());
    EXPECT_EQ(obj.status().code(), cases[next].code) << obj.status().ToString();
    EXPECT_EQ(obj.status().message(), "message " + cases[next].reason);
  }
}

TEST(RestClientTest, InvalidCarriesCauses) {
  TestHttpServer server([](const Request&, Conn& conn) {
    conn.Write(JsonResponse(422, R"({"kind":"Status","apiVersion":"v1","metadata":{},
      "status":"Failure","message":"Pod \"web\" is invalid: spec.containers[0].image: Required value",
      "reason":"Invalid","details":{"name":"web","kind":"Pod","causes":[
      {"reason":"FieldValueRequired","message":"Required value","field":"spec.containers[0].image"}]},
      "code":422})"));
  });
  auto created = NewClient(Config(server))->Create(MakePod());
  EXPECT_EQ(created.status().code(), base::Code::kInvalid);
  EXPECT_THAT(created.status().causes(),
              ElementsAre(base::StatusCause{"FieldValueRequired", "Required value",
                                            "spec.containers[0].image"}));
}

TEST(RestClientTest, PlainTextErrorGetsGenericMessage) {
  TestHttpServer server([](const Request&, Conn& conn) {
    conn.Write(
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n"
        "not found");
  });
  auto obj = NewClient(Config(server))->Get(Kind("Pod"), "ns", "web");
  EXPECT_EQ(obj.status().code(), base::Code::kNotFound);
  EXPECT_EQ(obj.status().message(),
            "the server could not find the requested resource (get pods web)");
}

TEST(RestClientTest, UndecodableSuccessIsInternal) {
  TestHttpServer server([](const Request&, Conn& conn) { conn.Write(JsonResponse(200, "{nope")); });
  EXPECT_EQ(NewClient(Config(server))->Get(Kind("Pod"), "ns", "web").status().code(),
            base::Code::kInternal);
}

TEST(RestClientTest, ConnectionsAreReused) {
  TestHttpServer server(
      [](const Request&, Conn& conn) { conn.Write(JsonResponse(200, kPodJson)); });
  auto client = NewClient(Config(server));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Get(Kind("Pod"), "ns", "web").ok());
  EXPECT_EQ(server.Requests().size(), 3u);
  EXPECT_EQ(server.Connections(), 1);
}

TEST(RestClientTest, ServerClosingAfterEachAnswerIsFine) {
  TestHttpServer server([](const Request&, Conn& conn) {
    conn.Write(JsonResponse(200, kPodJson));
    conn.CloseAfter();
  });
  auto client = NewClient(Config(server));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(client->Get(Kind("Pod"), "ns", "web").ok());
  EXPECT_EQ(server.Connections(), 2);
}

TEST(RestClientTest, ConnectionRefusedIsUnavailable) {
  std::string url;
  {
    TestHttpServer gone([](const Request&, Conn&) {});
    url = gone.url();
  }
  ClientConfig config;
  config.server = url;
  auto obj = NewClient(config)->Get(Kind("Pod"), "ns", "web");
  EXPECT_EQ(obj.status().code(), base::Code::kUnavailable) << obj.status().ToString();
  EXPECT_THAT(obj.status().message(), HasSubstr(url));
}

TEST(RestClientTest, SilentServerTimesOut) {
  TestHttpServer server([](const Request&, Conn& conn) { conn.WaitForClientClose(10s); });
  ClientConfig config = Config(server);
  config.timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  auto obj = NewClient(config)->Get(Kind("Pod"), "ns", "web");
  EXPECT_EQ(obj.status().code(), base::Code::kTimeout) << obj.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(RestClientTest, RawReturnsBodyOrMappedError) {
  TestHttpServer server([](const Request& req, Conn& conn) {
    if (req.path == "/version") {
      conn.Write(JsonResponse(200, R"({"major":"1","minor":"30"})"));
    } else {
      conn.Write(JsonResponse(403, StatusJson(403, "Forbidden", "no")));
    }
  });
  auto client = NewClient(Config(server));
  auto body = client->Raw({.method = "GET", .path = "/version"});
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(api::Json::parse(*body)["minor"], "30");
  EXPECT_EQ(client->Raw({.method = "GET", .path = "/secret"}).status().code(),
            base::Code::kPermissionDenied);
}

}  // namespace
}  // namespace cubelet::client
