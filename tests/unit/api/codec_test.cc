#include <variant>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api.h"

#include "testutil.h"

namespace cubelet::api {
namespace {

using testing::DecodeErrors;
using ::testing::ElementsAre;
using testing::MustDecode;
using testing::ReadTestFile;

// Every leaf of `want` is present with the same value in `got` (got may hold more: fields Go
// always encodes, such as "creationTimestamp: null" or "resources: {}").
void ExpectContains(const Json& got, const Json& want, const std::string& path) {
  if (want.is_object()) {
    ASSERT_TRUE(got.is_object()) << path;
    for (auto it = want.begin(); it != want.end(); ++it) {
      ASSERT_TRUE(got.contains(it.key())) << "field lost in encoding: " << path << "." << it.key();
      ExpectContains(got[it.key()], it.value(), path + "." + it.key());
    }
  } else if (want.is_array()) {
    ASSERT_TRUE(got.is_array()) << path;
    ASSERT_EQ(got.size(), want.size()) << path;
    for (size_t i = 0; i < want.size(); ++i) {
      ExpectContains(got[i], want[i], path + "[" + std::to_string(i) + "]");
    }
  } else if (!want.is_null()) {
    EXPECT_EQ(got, want) << path;
  }
}

void ExpectRoundTrip(const std::string& file) {
  const std::string text = ReadTestFile(file);
  auto docs = ParseYamlDocuments(text, file);
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  auto manifests = DecodeManifests(text, file);
  ASSERT_TRUE(manifests.ok()) << manifests.status().message();
  ASSERT_EQ(manifests->size(), docs->size());
  for (size_t i = 0; i < docs->size(); ++i) {
    const Object& obj = (*manifests)[i];
    SCOPED_TRACE(std::string(KindOf(obj).kind));
    const Json encoded = EncodeObject(obj);
    // Nothing the document said is lost...
    ExpectContains(encoded, (*docs)[i].json, "");
    // ...decode(encode(x)) is x...
    Object again;
    EXPECT_THAT(DecodeObject(encoded, &again), ::testing::IsEmpty());
    EXPECT_TRUE(again == obj);
    // ...and the same holds through the YAML printer.
    auto from_yaml = DecodeManifests(EmitYaml(encoded), "emitted.yaml");
    ASSERT_TRUE(from_yaml.ok()) << from_yaml.status().message() << "\n" << EmitYaml(encoded);
    ASSERT_EQ(from_yaml->size(), 1u);
    EXPECT_TRUE((*from_yaml)[0] == obj) << EmitYaml(encoded);
  }
}

TEST(CodecTest, RoundTripIsIdentityForEveryPodField) {
  ExpectRoundTrip("tests/unit/api/testdata/every-field-pod.yaml");
}

TEST(CodecTest, RoundTripIsIdentityForEveryOtherKind) {
  ExpectRoundTrip("tests/unit/api/testdata/every-field-others.yaml");
}

TEST(CodecTest, RoundTripIsIdentityForExamples) {
  for (const char* f : {"examples/myapp-pod.yaml", "examples/myservice.yaml", "examples/mydb.yaml",
                        "examples/pod-test1.yaml", "examples/pod-demo2.yaml",
                        "examples/static-web.yaml", "examples/nginx-deployment.yaml"}) {
    SCOPED_TRACE(f);
    ExpectRoundTrip(f);
  }
}

TEST(CodecTest, EncodesLikeGo) {
  const Object obj = MustDecode(R"(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: busybox
)");
  const Json j = EncodeObject(obj);
  // Field order is the Go struct order; unset Time is null; structs are never omitted.
  EXPECT_EQ(
      j.dump(),
      R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","creationTimestamp":null},)"
      R"("spec":{"containers":[{"name":"c","image":"busybox","resources":{}}]},"status":{}})");
}

TEST(CodecTest, UnknownFieldsAndTypeErrorsNameFieldAndLine) {
  EXPECT_THAT(DecodeErrors(R"(apiVersion: v1
kind: Pod
metadata:
  name: p
  labelz: {a: b}
spec:
  containers:
  - name: c
    image: busybox
    imagee: typo
    ports:
    - containerPort: "80a"
    command: echo hi
  restartPolicy: 3
)"),
              ElementsAre("pod.yaml:5: unknown field \"metadata.labelz\"",
                          "pod.yaml:13: spec.containers[0].command: Invalid value: \"echo hi\": "
                          "expected array, got string",
                          "pod.yaml:12: spec.containers[0].ports[0].containerPort: Invalid value: "
                          "\"80a\": expected integer, got string",
                          "pod.yaml:10: unknown field \"spec.containers[0].imagee\"",
                          "pod.yaml:14: spec.restartPolicy: Invalid value: 3: expected string, got "
                          "integer"));
}

TEST(CodecTest, IntegerRangesAndQuantities) {
  EXPECT_THAT(DecodeErrors(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    ports: [{containerPort: 99999999999}]
    resources: {limits: {cpu: lots}}
)"),
              ElementsAre("pod.yaml:7: spec.containers[0].ports[0].containerPort: Invalid value: "
                          "99999999999: value out of range",
                          "pod.yaml:8: spec.containers[0].resources.limits[cpu]: Invalid value: "
                          "\"lots\": quantities must match the regular expression "
                          "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
}

TEST(CodecTest, MissingOrUnknownKind) {
  EXPECT_THAT(
      DecodeErrors("metadata: {name: x}\n"),
      ElementsAre("pod.yaml:1: kind: Required value: Object 'Kind' is missing",
                  "pod.yaml:1: apiVersion: Required value: Object 'apiVersion' is missing"));
  EXPECT_THAT(DecodeErrors("apiVersion: v1\nkind: Widget\n"),
              ElementsAre("pod.yaml:2: kind: Invalid value: \"Widget\": no matches for kind "
                          "\"Widget\" in version \"v1\""));
  EXPECT_THAT(DecodeErrors("apiVersion: apps/v2\nkind: Deployment\n"),
              ElementsAre("pod.yaml:2: kind: Invalid value: \"Deployment\": no matches for kind "
                          "\"Deployment\" in version \"apps/v2\""));
}

TEST(CodecTest, EveryServedKindDecodesToItsOwnAlternative) {
  // Kinds() and the Object variant must list the kinds in the same order, and each type must
  // carry its own kind and apiVersion.
  ASSERT_EQ(Kinds().size(), std::variant_size_v<Object>);
  for (const KindInfo& k : Kinds()) {
    SCOPED_TRACE(std::string(k.kind));
    const Json json = {
        {"apiVersion", k.api_version}, {"kind", k.kind}, {"metadata", {{"name", "x"}}}};
    Object obj;
    EXPECT_THAT(DecodeObject(json, &obj), ::testing::IsEmpty());
    EXPECT_EQ(&KindOf(obj), &k);
    const Json encoded = EncodeObject(obj);
    EXPECT_EQ(encoded["apiVersion"], k.api_version);
    EXPECT_EQ(encoded["kind"], k.kind);
  }
  EXPECT_EQ(FindKind("coordination.k8s.io/v1", "Lease")->resource, "leases");
  EXPECT_EQ(FindKind("v1", "Lease"), nullptr);
}

TEST(CodecTest, LeaseKeepsExplicitZeroesAndMicroseconds) {
  // Every LeaseSpec field is a pointer in Go: a zero that was sent is encoded back, an unset
  // field is omitted, and times keep all six fractional digits.
  const Object obj = MustDecode(R"(
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: node-1, namespace: kube-node-lease}
spec:
  holderIdentity: ""
  leaseDurationSeconds: 0
  renewTime: "2024-01-01T00:00:10.100000Z"
)");
  EXPECT_EQ(
      EncodeObject(obj).dump(),
      R"({"kind":"Lease","apiVersion":"coordination.k8s.io/v1",)"
      R"("metadata":{"name":"node-1","namespace":"kube-node-lease","creationTimestamp":null},)"
      R"("spec":{"holderIdentity":"","leaseDurationSeconds":0,)"
      R"("renewTime":"2024-01-01T00:00:10.100000Z"}})");
  // No spec at all still encodes "spec": {} (a Go struct is never omitted).
  EXPECT_EQ(EncodeObject(MustDecode("apiVersion: coordination.k8s.io/v1\nkind: Lease\n"
                                    "metadata: {name: l}\n"))["spec"]
                .dump(),
            "{}");
  EXPECT_THAT(DecodeErrors("apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: l}\n"
                           "spec: {holder: a, leaseDurationSeconds: '40'}\n"),
              ElementsAre("pod.yaml:4: spec.leaseDurationSeconds: Invalid value: \"40\": "
                          "expected integer, got string",
                          "pod.yaml:4: unknown field \"spec.holder\""));
}

TEST(CodecTest, ListsAndMultipleDocuments) {
  auto docs = DecodeManifests(R"(
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: a}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: b}
---
---
apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: c}
  spec: {containers: [{name: x, image: img, bogus: 1}]}
)",
                              "l.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message(), "l.yaml:19: unknown field \"spec.containers[0].bogus\"");
  auto ok = DecodeManifests(
      "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: "
      "Namespace, metadata: {name: ns1}}\n---\napiVersion: v1\nkind: Secret\n",
      "l.yaml");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ(KindOf((*ok)[0]).kind, "Namespace");
  EXPECT_EQ(KindOf((*ok)[1]).kind, "Secret");
}

TEST(CodecTest, JsonManifestsDecodeToo) {
  const Object obj = MustDecode(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "j", "labels": {"a": "b"}},
    "spec": {"containers": [{"name": "c", "image": "busybox", "args": ["1", "yes"]}]}})");
  const Pod& pod = std::get<Pod>(obj);
  EXPECT_EQ(pod.metadata.labels.at("a"), "b");
  EXPECT_THAT(pod.spec.containers[0].args, ElementsAre("1", "yes"));
}

TEST(CodecTest, SecretDataIsBase64) {
  const Object obj =
      MustDecode("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {pw: czNjcjN0}\n");
  EXPECT_EQ(std::get<Secret>(obj).data.at("pw").data, "s3cr3t");
  EXPECT_THAT(DecodeErrors("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {pw: '*'}\n"),
              ElementsAre("pod.yaml:4: data[pw]: Invalid value: \"*\": illegal base64 data at "
                          "input byte 0"));
}

TEST(CodecTest, TimesTruncateToTheirPrecision) {
  const Object obj = MustDecode(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: "
      "'2024-01-01T01:00:00.75+01:00'}\n");
  EXPECT_EQ(EncodeObject(obj)["metadata"]["creationTimestamp"], "2024-01-01T00:00:00Z");
  EXPECT_THAT(DecodeErrors("apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: "
                           "yesterday}\n"),
              ElementsAre("pod.yaml:3: metadata.creationTimestamp: Invalid value: \"yesterday\": "
                          "parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot "
                          "parse"));
}

TEST(CodecTest, StatusObjectRoundTrips) {
  StatusObject s;
  s.status = "Failure";
  s.message = "pods \"x\" not found";
  s.reason = "NotFound";
  s.details = StatusDetails{"x", "", "pods", "", {}, 0};
  s.code = 404;
  const Json j = EncodeJson(s);
  EXPECT_EQ(j.dump(), R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                      R"("message":"pods \"x\" not found","reason":"NotFound",)"
                      R"("details":{"name":"x","kind":"pods"},"code":404})");
  StatusObject back;
  EXPECT_THAT(DecodeJson(j, &back), ::testing::IsEmpty());
  EXPECT_TRUE(back == s);
}

TEST(CodecTest, ListRoundTrips) {
  List<Pod> list;
  list.kind = "PodList";
  list.api_version = "v1";
  list.metadata.resource_version = "12";
  list.items.push_back(
      std::get<Pod>(MustDecode("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n")));
  const Json j = EncodeJson(list);
  EXPECT_EQ(j["items"][0]["metadata"]["name"], "a");
  List<Pod> back;
  EXPECT_THAT(DecodeJson(j, &back), ::testing::IsEmpty());
  EXPECT_TRUE(back == list);
  List<Pod> empty;
  EXPECT_EQ(EncodeJson(empty)["items"], Json::array());  // items is never omitted
}

}  // namespace
}  // namespace cubelet::api
