// Pure parts of the client: paths, queries, error mapping, object and event decoding.
#include "client/wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/client.h"
#include "client/errors.h"
#include "client/rest_paths.h"
#include "client/watch_events.h"

namespace cubelet::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const api::KindInfo& Kind(std::string_view kind) {
  for (const api::KindInfo& k : api::Kinds()) {
    if (k.kind == kind) return k;
  }
  std::abort();
}

TEST(RestPathsTest, CoreNamedGroupsNamespacesAndSubresources) {
  EXPECT_EQ(CollectionPath(Kind("Pod"), "default"), "/api/v1/namespaces/default/pods");
  EXPECT_EQ(CollectionPath(Kind("Pod"), ""), "/api/v1/pods");
  EXPECT_EQ(CollectionPath(Kind("Deployment"), "ns"), "/apis/apps/v1/namespaces/ns/deployments");
  // A cluster-scoped kind ignores the namespace, as the API server does.
  EXPECT_EQ(CollectionPath(Kind("Node"), "ns"), "/api/v1/nodes");
  EXPECT_EQ(*ObjectPath(Kind("Pod"), "ns", "web", "status"),
            "/api/v1/namespaces/ns/pods/web/status");
  EXPECT_EQ(*ObjectPath(Kind("Node"), "", "n1"), "/api/v1/nodes/n1");
  EXPECT_EQ(*ObjectPath(Kind("ReplicaSet"), "a", "b"), "/apis/apps/v1/namespaces/a/replicasets/b");
}

TEST(RestPathsTest, MissingNameOrNamespaceIsInvalid) {
  EXPECT_EQ(ObjectPath(Kind("Pod"), "", "web").status().code(), base::Code::kInvalid);
  EXPECT_EQ(ObjectPath(Kind("Pod"), "ns", "").status().code(), base::Code::kInvalid);
}

TEST(RestPathsTest, PercentEncodingKeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncode("app=web,tier in (a b)"), "app%3Dweb%2Ctier%20in%20%28a%20b%29");
  EXPECT_EQ(PercentEncode("/?&#%+"), "%2F%3F%26%23%25%2B");
  EXPECT_EQ(PercentEncode("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(Query().Encode(), "");
  EXPECT_EQ(Query().Add("a", "1").Add("skipped", "").Add("b", "x y").Encode(), "?a=1&b=x%20y");
}

TEST(ErrorsTest, CodesForHttpStatuses) {
  EXPECT_EQ(CodeFor(400, ""), base::Code::kInvalid);
  EXPECT_EQ(CodeFor(401, ""), base::Code::kUnauthenticated);
  EXPECT_EQ(CodeFor(403, ""), base::Code::kPermissionDenied);
  EXPECT_EQ(CodeFor(404, ""), base::Code::kNotFound);
  EXPECT_EQ(CodeFor(409, "AlreadyExists"), base::Code::kAlreadyExists);
  EXPECT_EQ(CodeFor(409, "Conflict"), base::Code::kConflict);
  EXPECT_EQ(CodeFor(410, "Expired"), base::Code::kGone);
  EXPECT_EQ(CodeFor(422, "Invalid"), base::Code::kInvalid);
  EXPECT_EQ(CodeFor(429, ""), base::Code::kResourceExhausted);
  EXPECT_EQ(CodeFor(500, ""), base::Code::kUnavailable);
  EXPECT_EQ(CodeFor(503, ""), base::Code::kUnavailable);
  EXPECT_EQ(CodeFor(504, ""), base::Code::kTimeout);
  // Watch ERROR events may carry only a reason.
  EXPECT_EQ(CodeFor(0, "Expired"), base::Code::kGone);
  EXPECT_EQ(CodeFor(0, "NotFound"), base::Code::kNotFound);
}

TEST(ErrorsTest, StatusBodyGivesMessageAndCauses) {
  HttpResponse resp;
  resp.status = 422;
  resp.body = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
    "message":"Pod \"noimg\" is invalid: spec.containers[0].image: Required value",
    "reason":"Invalid","details":{"name":"noimg","kind":"Pod","causes":[
      {"reason":"FieldValueRequired","message":"Required value",
       "field":"spec.containers[0].image"}]},"code":422})";
  base::Status s = ErrorFromResponse(resp, "post pods noimg");
  EXPECT_EQ(s.code(), base::Code::kInvalid);
  EXPECT_EQ(s.message(), "Pod \"noimg\" is invalid: spec.containers[0].image: Required value");
  EXPECT_THAT(s.causes(), ElementsAre(base::StatusCause{"FieldValueRequired", "Required value",
                                                        "spec.containers[0].image"}));
}

TEST(ErrorsTest, NonStatusBodyGetsGenericMessage) {
  HttpResponse resp;
  resp.status = 404;
  resp.body = "404 page not found";
  base::Status s = ErrorFromResponse(resp, "get pods web");
  EXPECT_EQ(s.code(), base::Code::kNotFound);
  EXPECT_EQ(s.message(), "the server could not find the requested resource (get pods web)");
  resp.status = 500;
  resp.body = "boom";
  s = ErrorFromResponse(resp, "get pods web");
  EXPECT_EQ(s.code(), base::Code::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("\"boom\""));
}

TEST(WireTest, EncodeSetsKindAndApiVersion) {
  api::Deployment d;
  d.kind.clear();
  d.api_version.clear();
  d.metadata.name = "d";
  api::Json json = EncodeForWire(api::Object(d));
  EXPECT_EQ(json["kind"], "Deployment");
  EXPECT_EQ(json["apiVersion"], "apps/v1");
}

TEST(WireTest, DecodeFillsKindIgnoresUnknownFieldsRefusesWrongTypes) {
  auto obj =
      DecodeFromWire(api::Json::parse(R"({"metadata":{"name":"web","newField":1}})"), Kind("Pod"));
  ASSERT_TRUE(obj.ok()) << obj.status().ToString();
  EXPECT_EQ(api::MetaOf(*obj).name, "web");
  EXPECT_TRUE(std::holds_alternative<api::Pod>(*obj));

  auto bad = DecodeFromWire(api::Json::parse(R"({"metadata":{"name":7}})"), Kind("Pod"));
  EXPECT_EQ(bad.status().code(), base::Code::kInternal);
  auto other =
      DecodeFromWire(api::Json::parse(R"({"kind":"Service","apiVersion":"v1"})"), Kind("Pod"));
  EXPECT_EQ(other.status().code(), base::Code::kInternal);
}

TEST(WireTest, DecodeListItemsWithoutKind) {
  auto list = DecodeList(api::Json::parse(R"({"kind":"PodList","apiVersion":"v1",
      "metadata":{"resourceVersion":"42","continue":"tok"},
      "items":[{"metadata":{"name":"a"}},{"kind":"Pod","apiVersion":"v1","metadata":{"name":"b"}}]})"),
                         Kind("Pod"));
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->resource_version, "42");
  EXPECT_EQ(list->continue_token, "tok");
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(api::MetaOf(list->items[1]).name, "b");
  auto empty = DecodeList(api::Json::parse(R"({"metadata":{},"items":null})"), Kind("Pod"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->items.empty());
}

TEST(WatchEventsTest, LinesSplitAcrossPiecesAndErrors) {
  WatchEventDecoder dec(Kind("Pod"));
  std::vector<WatchEvent> out;
  const std::string stream =
      R"({"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"1"}}})"
      "\n\r\n"
      R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"9"}}})"
      "\n"
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old resource version: 1 (5)"}})j";
  // Feed three bytes at a time: every line is split somewhere.
  for (size_t i = 0; i < stream.size(); i += 3) {
    ASSERT_TRUE(dec.Feed(std::string_view(stream).substr(i, 3), &out).ok());
  }
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(dec.Finish(&out).ok());  // the last line had no newline
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].type, EventType::kAdded);
  EXPECT_EQ(api::MetaOf(out[0].object).name, "a");
  EXPECT_EQ(out[1].type, EventType::kBookmark);
  EXPECT_EQ(api::MetaOf(out[1].object).resource_version, "9");
  EXPECT_EQ(out[2].type, EventType::kError);
  EXPECT_EQ(out[2].error.code(), base::Code::kGone);
  EXPECT_EQ(out[2].error.message(), "too old resource version: 1 (5)");
}

TEST(WatchEventsTest, GarbageIsAnError) {
  WatchEventDecoder dec(Kind("Pod"));
  std::vector<WatchEvent> out;
  EXPECT_EQ(dec.Feed("not json\n", &out).code(), base::Code::kInternal);
  EXPECT_EQ(DecodeWatchEvent(R"({"type":"NOPE","object":{}})", Kind("Pod")).status().code(),
            base::Code::kInternal);
  EXPECT_EQ(EventTypeName(EventType::kModified), "MODIFIED");
}

}  // namespace
}  // namespace cubelet::client
