// The three PATCH formats, with the bodies kubectl and the Python client really send
// (docs: /work/shared/reference/kubectl-compat.md §4.6, §4.12, §4.14, §5). Every expectation is
// the exact JSON text of the result, key order included.
#include "api/patch.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace cubelet::api {
namespace {

Json J(std::string_view text) { return Json::parse(text); }

// Compares a result with the expected JSON text, key order included.
void ExpectJson(const base::Result<Json>& got, std::string_view want) {
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->dump(), J(want).dump());
}

void ExpectInvalid(const base::Result<Json>& got, std::string_view message) {
  ASSERT_FALSE(got.ok()) << got->dump();
  EXPECT_EQ(got.status().code(), base::Code::kInvalid);
  EXPECT_EQ(got.status().message(), message);
}

// ---- JSON merge patch (RFC 7386) ------------------------------------------------------------

// `kubectl scale deployment nginx --replicas=3` (§4.14): PATCH …/scale, merge-patch+json.
TEST(MergePatchTest, KubectlScale) {
  const Json deployment = J(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"nginx","namespace":"default","generation":2},
    "spec":{"replicas":1,"selector":{"matchLabels":{"app":"nginx"}},
            "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.15.4"}]}}}})");
  ExpectJson(ApplyMergePatch(deployment, J(R"({"spec":{"replicas":3}})")),
             R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"nginx","namespace":"default","generation":2},
    "spec":{"replicas":3,"selector":{"matchLabels":{"app":"nginx"}},
            "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.15.4"}]}}}})");
}

TEST(MergePatchTest, NullDeletesAndListsAreReplaced) {
  const Json pod = J(R"({"metadata":{"name":"p","labels":{"app":"web","tier":"front"}},
    "spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}],"nodeName":"n1"}})");
  // Unlike strategic merge, a merge patch list replaces the whole list: container "b" is gone.
  ExpectJson(ApplyMergePatch(pod, J(R"({"metadata":{"labels":{"tier":null,"new":"1"}},
    "spec":{"containers":[{"name":"a","image":"z"}],"nodeName":null}})")),
             R"({"metadata":{"name":"p","labels":{"app":"web","new":"1"}},
    "spec":{"containers":[{"name":"a","image":"z"}]}})");
}

// The test cases of RFC 7386 Appendix A.
TEST(MergePatchTest, Rfc7386Examples) {
  struct Case {
    const char* original;
    const char* patch;
    const char* want;
  };
  const Case cases[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", R"(null)", R"(null)"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.original) + " + " + c.patch);
    ExpectJson(ApplyMergePatch(J(c.original), J(c.patch)), c.want);
  }
}

// ---- JSON patch (RFC 6902) ------------------------------------------------------------------

const char* const kDoc = R"({"metadata":{"name":"web","labels":{"app":"web"},
    "annotations":{"example.com/a~b":"1"}},
  "spec":{"containers":[{"name":"a","image":"x"}],"replicas":1}})";

TEST(JsonPatchTest, EveryOperation) {
  const Json patch = J(R"([
    {"op":"test","path":"/metadata/name","value":"web"},
    {"op":"add","path":"/metadata/labels/tier","value":"front"},
    {"op":"replace","path":"/spec/replicas","value":3},
    {"op":"add","path":"/spec/containers/-","value":{"name":"b","image":"y"}},
    {"op":"add","path":"/spec/containers/0","value":{"name":"init","image":"z"}},
    {"op":"remove","path":"/metadata/annotations/example.com~1a~0b"},
    {"op":"copy","from":"/metadata/labels/app","path":"/metadata/labels/copied"},
    {"op":"move","from":"/metadata/labels/tier","path":"/metadata/annotations/tier"},
    {"op":"test","path":"/spec/containers/2","value":{"image":"y","name":"b"}}
  ])");
  ExpectJson(ApplyJsonPatch(J(kDoc), patch), R"({"metadata":{"name":"web",
    "labels":{"app":"web","copied":"web"},"annotations":{"tier":"front"}},
  "spec":{"containers":[{"name":"init","image":"z"},{"name":"a","image":"x"},
                        {"name":"b","image":"y"}],"replicas":3}})");
}

// What the Python client sends for a list body (§5).
TEST(JsonPatchTest, PythonClientListBody) {
  ExpectJson(ApplyJsonPatch(J(kDoc), J(R"([{"op":"replace","path":"/spec/replicas","value":2}])")),
             R"({"metadata":{"name":"web","labels":{"app":"web"},
    "annotations":{"example.com/a~b":"1"}},
  "spec":{"containers":[{"name":"a","image":"x"}],"replicas":2}})");
}

TEST(JsonPatchTest, MoveWithinAnArrayAndAddAtRoot) {
  ExpectJson(
      ApplyJsonPatch(J(R"({"l":[1,2,3]})"), J(R"([{"op":"move","from":"/l/0","path":"/l/2"}])")),
      R"({"l":[2,3,1]})");
  ExpectJson(ApplyJsonPatch(J(R"({"a":1})"), J(R"([{"op":"add","path":"","value":{"b":2}}])")),
             R"({"b":2})");
}

TEST(JsonPatchTest, TestFailureNamesTheOperation) {
  const Json patch = J(R"([{"op":"replace","path":"/spec/replicas","value":5},
                           {"op":"test","path":"/spec/replicas","value":1}])");
  ExpectInvalid(ApplyJsonPatch(J(kDoc), patch),
                "json patch operation 1: testing value /spec/replicas failed: test failed");
}

TEST(JsonPatchTest, Errors) {
  struct Case {
    const char* patch;
    const char* message;
  };
  const Case cases[] = {
      {R"({"op":"add"})", "json patch must be an array of operations"},
      {R"([{"op":"replace","path":"/spec/nope","value":1}])",
       R"(json patch operation 0: replace operation: doc is missing path: "/spec/nope")"},
      {R"([{"op":"test","path":"/metadata/name","value":"web"},{"op":"frobnicate","path":"/a"}])",
       R"(json patch operation 1: unknown op "frobnicate")"},
      {R"([{"op":"add","path":"/spec/containers/5","value":{}}])",
       R"(json patch operation 0: add operation: invalid array index in path: "/spec/containers/5")"},
      {R"([{"op":"remove","path":"/metadata/labels/none"}])",
       R"(json patch operation 0: remove operation: doc is missing path: "/metadata/labels/none")"},
      {R"([{"op":"replace","path":"/spec/containers/00","value":{}}])",
       R"(json patch operation 0: replace operation: doc is missing path: "/spec/containers/00")"},
      {R"([{"op":"remove","path":"/spec/containers/-"}])",
       R"(json patch operation 0: remove operation: doc is missing path: "/spec/containers/-")"},
      {R"([{"op":"move","from":"/spec","path":"/spec/x"}])",
       R"(json patch operation 0: move operation: cannot move "/spec" into its own child "/spec/x")"},
      {R"([{"op":"copy","from":"/nope","path":"/x"}])",
       R"(json patch operation 0: copy operation: doc is missing from path: "/nope")"},
      {R"([{"op":"add","path":"/x"}])", R"(json patch operation 0: missing "value")"},
      {R"([{"path":"/x","value":1}])", R"(json patch operation 0: missing "op")"},
      {R"([{"op":"add","path":"x","value":1}])",
       R"(json patch operation 0: JSON pointer "x" does not start with /)"},
      {R"([{"op":"add","path":"/a~2","value":1}])",
       R"(json patch operation 0: JSON pointer "/a~2" has an invalid ~ escape)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.patch);
    ExpectInvalid(ApplyJsonPatch(J(kDoc), J(c.patch)), c.message);
  }
}

// ---- strategic merge patch ------------------------------------------------------------------

// The pod of §4.6 after the first `kubectl apply`: two containers and the last-applied
// annotation (its text is the applied manifest, compact, with a trailing newline).
const char* const kAppliedPod = R"({"apiVersion":"v1","kind":"Pod",
  "metadata":{"name":"web2","namespace":"default","uid":"u1","resourceVersion":"7",
    "labels":{"app":"web"},
    "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"web\"},\"name\":\"web2\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"image\":\"nginx:1.25\",\"name\":\"nginx\"},{\"image\":\"busybox:1.36\",\"name\":\"sidecar\"}]}}\n"}},
  "spec":{"containers":[
      {"name":"nginx","image":"nginx:1.25","imagePullPolicy":"IfNotPresent"},
      {"name":"sidecar","image":"busybox:1.36","imagePullPolicy":"IfNotPresent"}],
    "restartPolicy":"Always"},
  "status":{"phase":"Running"}})";

// Second `kubectl apply` with nginx's image changed (§4.6): only the changed container is sent.
TEST(StrategicMergePatchTest, KubectlApplyChangesOneImage) {
  const Json patch = J(
      R"({"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"web\"},\"name\":\"web2\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"image\":\"nginx:1.26\",\"name\":\"nginx\"},{\"image\":\"busybox:1.36\",\"name\":\"sidecar\"}]}}\n"}},
    "spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],
            "containers":[{"image":"nginx:1.26","name":"nginx"}]}})");
  ExpectJson(ApplyStrategicMergePatch(J(kAppliedPod), patch, "Pod"),
             R"({"apiVersion":"v1","kind":"Pod",
  "metadata":{"name":"web2","namespace":"default","uid":"u1","resourceVersion":"7",
    "labels":{"app":"web"},
    "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"web\"},\"name\":\"web2\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"image\":\"nginx:1.26\",\"name\":\"nginx\"},{\"image\":\"busybox:1.36\",\"name\":\"sidecar\"}]}}\n"}},
  "spec":{"containers":[
      {"name":"nginx","image":"nginx:1.26","imagePullPolicy":"IfNotPresent"},
      {"name":"sidecar","image":"busybox:1.36","imagePullPolicy":"IfNotPresent"}],
    "restartPolicy":"Always"},
  "status":{"phase":"Running"}})");
}

// `kubectl apply` after removing the sidecar and the labels and adding an annotation and an env
// var (§4.6; the same body from kubectl 1.20 and 1.33).
TEST(StrategicMergePatchTest, KubectlApplyRemovesContainerAndLabels) {
  const Json patch = J(R"({"metadata":{"annotations":{"team":"blue",
      "kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{\"team\":\"blue\"},\"name\":\"web2\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"A\",\"value\":\"1\"}],\"image\":\"nginx:1.26\",\"name\":\"nginx\"}]}}\n"},
    "labels":null},
    "spec":{"$setElementOrder/containers":[{"name":"nginx"}],
            "containers":[{"env":[{"name":"A","value":"1"}],"image":"nginx:1.26","name":"nginx"},
                          {"$patch":"delete","name":"sidecar"}]}})");
  ExpectJson(ApplyStrategicMergePatch(J(kAppliedPod), patch, "Pod"),
             R"({"apiVersion":"v1","kind":"Pod",
  "metadata":{"name":"web2","namespace":"default","uid":"u1","resourceVersion":"7",
    "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{\"team\":\"blue\"},\"name\":\"web2\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"A\",\"value\":\"1\"}],\"image\":\"nginx:1.26\",\"name\":\"nginx\"}]}}\n",
      "team":"blue"}},
  "spec":{"containers":[
      {"name":"nginx","image":"nginx:1.26","imagePullPolicy":"IfNotPresent",
       "env":[{"name":"A","value":"1"}]}],
    "restartPolicy":"Always"},
  "status":{"phase":"Running"}})");
}

// Removing one label only: kubectl sends the key with null.
TEST(StrategicMergePatchTest, KubectlApplyRemovesOneLabel) {
  const Json pod = J(R"({"metadata":{"name":"p","labels":{"app":"web","tier":"front"}}})");
  ExpectJson(ApplyStrategicMergePatch(pod, J(R"({"metadata":{"labels":{"tier":null}}})"), "Pod"),
             R"({"metadata":{"name":"p","labels":{"app":"web"}}})");
}

// `kubectl apply` adding env var B to nginx, one of two containers that both have env: the
// container item carries its own $setElementOrder/env.
TEST(StrategicMergePatchTest, KubectlApplyAddsEnvToOneOfTwoContainers) {
  const Json pod = J(R"({"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[
      {"name":"nginx","image":"nginx","env":[{"name":"A","value":"1"}]},
      {"name":"sidecar","image":"busybox","env":[{"name":"A","value":"x"}]}]}})");
  const Json patch = J(R"({"spec":{
      "$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],
      "containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"B"}],
                     "env":[{"name":"B","value":"2"}],"name":"nginx"}]}})");
  ExpectJson(ApplyStrategicMergePatch(pod, patch, "Pod"),
             R"({"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[
      {"name":"nginx","image":"nginx","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
      {"name":"sidecar","image":"busybox","env":[{"name":"A","value":"x"}]}]}})");
}

// `kubectl edit deployment nginx` with the image changed from 1.15.4 to 1.15.5 (§4.12): the pod
// template's containers merge by name at spec.template.spec.
TEST(StrategicMergePatchTest, KubectlEditDeploymentImage) {
  const Json deployment = J(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"nginx","namespace":"default","generation":1},
    "spec":{"replicas":2,"selector":{"matchLabels":{"app":"nginx"}},
      "template":{"metadata":{"labels":{"app":"nginx"}},
        "spec":{"containers":[{"name":"nginx","image":"nginx:1.15.4",
                               "ports":[{"containerPort":80,"protocol":"TCP"}]}]}},
      "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}}},
    "status":{"observedGeneration":1,"replicas":2}})");
  const Json patch = J(R"({"spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"nginx"}],
      "containers":[{"image":"nginx:1.15.5","name":"nginx"}]}}}})");
  ExpectJson(ApplyStrategicMergePatch(deployment, patch, "Deployment"),
             R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"nginx","namespace":"default","generation":1},
    "spec":{"replicas":2,"selector":{"matchLabels":{"app":"nginx"}},
      "template":{"metadata":{"labels":{"app":"nginx"}},
        "spec":{"containers":[{"name":"nginx","image":"nginx:1.15.5",
                               "ports":[{"containerPort":80,"protocol":"TCP"}]}]}},
      "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}}},
    "status":{"observedGeneration":1,"replicas":2}})");
}

// The Python client patches /scale with a strategic merge patch (§5).
TEST(StrategicMergePatchTest, PythonClientScale) {
  ExpectJson(ApplyStrategicMergePatch(J(R"({"kind":"Deployment","spec":{"replicas":1}})"),
                                      J(R"({"spec":{"replicas":2}})"), "Deployment"),
             R"({"kind":"Deployment","spec":{"replicas":2}})");
}

TEST(StrategicMergePatchTest, PatchReplaceOnAMap) {
  const Json pod = J(R"({"metadata":{"name":"p","labels":{"app":"web","tier":"front"}}})");
  ExpectJson(ApplyStrategicMergePatch(
                 pod, J(R"({"metadata":{"labels":{"$patch":"replace","new":"1"}}})"), "Pod"),
             R"({"metadata":{"name":"p","labels":{"new":"1"}}})");
}

TEST(StrategicMergePatchTest, PatchReplaceOnAList) {
  const Json pod = J(R"({"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}],
    "restartPolicy":"Always"}})");
  ExpectJson(
      ApplyStrategicMergePatch(
          pod, J(R"({"spec":{"containers":[{"$patch":"replace"},{"name":"c","image":"z"}]}})"),
          "Pod"),
      R"({"spec":{"containers":[{"name":"c","image":"z"}],"restartPolicy":"Always"}})");
}

// `$patch: delete` on a map empties it (Kubernetes keeps the key with {}).
TEST(StrategicMergePatchTest, PatchDeleteOnAMap) {
  const Json pod = J(R"({"spec":{"securityContext":{"runAsUser":1000},"hostNetwork":true}})");
  ExpectJson(ApplyStrategicMergePatch(pod, J(R"({"spec":{"securityContext":{"$patch":"delete"}}})"),
                                      "Pod"),
             R"({"spec":{"securityContext":{},"hostNetwork":true}})");
}

// `kubectl apply` switching a Deployment to Recreate: the strategy has the retainKeys strategy,
// so the patch lists the fields to keep and rollingUpdate is cleared.
TEST(StrategicMergePatchTest, RetainKeysOnDeploymentStrategy) {
  const Json deployment = J(R"({"spec":{"replicas":1,
    "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}}}})");
  const Json patch =
      J(R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"}}})");
  ExpectJson(ApplyStrategicMergePatch(deployment, patch, "Deployment"),
             R"({"spec":{"replicas":1,"strategy":{"type":"Recreate"}}})");
}

// A volume is a union of sources: switching emptyDir to configMap keeps only what $retainKeys
// lists (volumes are "merge,retainKeys" by name).
TEST(StrategicMergePatchTest, RetainKeysOnAVolume) {
  const Json pod = J(R"({"spec":{"volumes":[{"name":"data","emptyDir":{}},
                                            {"name":"cache","emptyDir":{"medium":"Memory"}}]}})");
  const Json patch = J(R"({"spec":{
      "$setElementOrder/volumes":[{"name":"data"},{"name":"cache"}],
      "volumes":[{"$retainKeys":["configMap","name"],"configMap":{"name":"cfg"},"name":"data"}]}})");
  ExpectJson(ApplyStrategicMergePatch(pod, patch, "Pod"),
             R"({"spec":{"volumes":[{"name":"data","configMap":{"name":"cfg"}},
                                  {"name":"cache","emptyDir":{"medium":"Memory"}}]}})");
}

TEST(StrategicMergePatchTest, RetainKeysRejectsAFieldItDoesNotList) {
  const Json deployment = J(R"({"spec":{"strategy":{"type":"RollingUpdate"}}})");
  const Json patch = J(R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate",
                                               "rollingUpdate":{"maxSurge":1}}}})");
  ExpectInvalid(ApplyStrategicMergePatch(deployment, patch, "Deployment"),
                "spec.strategy.$retainKeys: the patch sets field \"rollingUpdate\", which is not "
                "retained");
}

// Finalizers are a primitive list with the merge strategy: a patch adds to the set, new values
// first (Kubernetes' order), and `kubectl apply` removes with $deleteFromPrimitiveList.
TEST(StrategicMergePatchTest, FinalizersMergeAsASet) {
  const Json pod = J(R"({"metadata":{"name":"p","finalizers":["a","b"]}})");
  ExpectJson(ApplyStrategicMergePatch(pod, J(R"({"metadata":{"finalizers":["c","a"]}})"), "Pod"),
             R"({"metadata":{"name":"p","finalizers":["c","a","b"]}})");
}

TEST(StrategicMergePatchTest, DeleteFromPrimitiveListOnFinalizers) {
  const Json pod = J(R"({"metadata":{"name":"p","finalizers":["a","b","c"]}})");
  // What kubectl apply sends when "b" is dropped from the manifest.
  const Json patch = J(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],
                                       "$setElementOrder/finalizers":["a","c"]}})");
  ExpectJson(ApplyStrategicMergePatch(pod, patch, "Pod"),
             R"({"metadata":{"name":"p","finalizers":["a","c"]}})");
  // The same on its own, with a value that is not there.
  ExpectJson(
      ApplyStrategicMergePatch(
          pod, J(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["c","x"]}})"), "Pod"),
      R"({"metadata":{"name":"p","finalizers":["a","b"]}})");
}

TEST(StrategicMergePatchTest, SetElementOrderReordersAndPlacesNewItems) {
  const Json pod = J(R"({"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"},
                                               {"name":"c","image":"3"}]}})");
  // Reordering only.
  ExpectJson(ApplyStrategicMergePatch(
                 pod, J(R"({"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"},
                                                              {"name":"b"}]}})"),
                 "Pod"),
             R"({"spec":{"containers":[{"name":"c","image":"3"},{"name":"a","image":"1"},
                                     {"name":"b","image":"2"}]}})");
  // A new container placed second.
  ExpectJson(ApplyStrategicMergePatch(
                 pod, J(R"({"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"new"},
                                                              {"name":"b"},{"name":"c"}],
                              "containers":[{"image":"n","name":"new"}]}})"),
                 "Pod"),
             R"({"spec":{"containers":[{"name":"a","image":"1"},{"image":"n","name":"new"},
                                     {"name":"b","image":"2"},{"name":"c","image":"3"}]}})");
  // Without $setElementOrder a new item goes first, as in Kubernetes.
  ExpectJson(ApplyStrategicMergePatch(
                 pod, J(R"({"spec":{"containers":[{"name":"new","image":"n"}]}})"), "Pod"),
             R"({"spec":{"containers":[{"name":"new","image":"n"},{"name":"a","image":"1"},
                                     {"name":"b","image":"2"},{"name":"c","image":"3"}]}})");
}

TEST(StrategicMergePatchTest, SetElementOrderMustAgreeWithThePatchList) {
  const Json pod =
      J(R"({"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"}]}})");
  const Json patch = J(R"({"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],
    "containers":[{"name":"b","image":"x"},{"name":"a","image":"y"}]}})");
  ExpectInvalid(ApplyStrategicMergePatch(pod, patch, "Pod"),
                "spec.containers: the items are not in the order of "
                "spec.$setElementOrder/containers");
}

// The other merge keys of a pod: ports by containerPort, volumeMounts by mountPath,
// imagePullSecrets by name, hostAliases by ip; tolerations have no merge key and are replaced.
TEST(StrategicMergePatchTest, PodSpecMergeKeys) {
  const Json pod = J(R"({"spec":{
    "containers":[{"name":"web","image":"nginx",
      "ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}],
      "volumeMounts":[{"name":"data","mountPath":"/data"},{"name":"tmp","mountPath":"/tmp"}]}],
    "imagePullSecrets":[{"name":"reg"}],
    "hostAliases":[{"ip":"10.0.0.1","hostnames":["a"]}],
    "tolerations":[{"key":"k1","operator":"Exists"},{"key":"k2","operator":"Exists"}]}})");
  const Json patch = J(R"({"spec":{
    "containers":[{"name":"web",
      "ports":[{"containerPort":443,"name":"https"}],
      "volumeMounts":[{"mountPath":"/data","readOnly":true}]}],
    "imagePullSecrets":[{"name":"reg2"}],
    "hostAliases":[{"ip":"10.0.0.1","hostnames":["b"]}],
    "tolerations":[{"key":"k3","operator":"Exists"}]}})");
  ExpectJson(ApplyStrategicMergePatch(pod, patch, "Pod"), R"({"spec":{
    "containers":[{"name":"web","image":"nginx",
      "ports":[{"containerPort":80,"protocol":"TCP"},
               {"containerPort":443,"protocol":"TCP","name":"https"}],
      "volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true},
                      {"name":"tmp","mountPath":"/tmp"}]}],
    "imagePullSecrets":[{"name":"reg2"},{"name":"reg"}],
    "hostAliases":[{"ip":"10.0.0.1","hostnames":["b"]}],
    "tolerations":[{"key":"k3","operator":"Exists"}]}})");
}

// Status patches (the node agent's): pod conditions by type, node addresses and conditions by
// type; ownerReferences by uid; service ports by port.
TEST(StrategicMergePatchTest, StatusAndMetadataMergeKeys) {
  const Json pod =
      J(R"({"metadata":{"ownerReferences":[{"kind":"ReplicaSet","name":"rs1","uid":"u1"}]},
    "status":{"phase":"Pending","conditions":[
      {"type":"PodScheduled","status":"True"},{"type":"Ready","status":"False"}]}})");
  ExpectJson(
      ApplyStrategicMergePatch(pod, J(R"({"status":{"phase":"Running",
      "conditions":[{"type":"Ready","status":"True"}]},
    "metadata":{"ownerReferences":[{"kind":"ReplicaSet","name":"rs1","uid":"u1","controller":true}]}})"),
                               "Pod"),
      R"({"metadata":{"ownerReferences":[{"kind":"ReplicaSet","name":"rs1","uid":"u1","controller":true}]},
    "status":{"phase":"Running","conditions":[
      {"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]}})");

  const Json node = J(R"({"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.1"},
                                                  {"type":"Hostname","address":"n1"}],
    "conditions":[{"type":"Ready","status":"False","reason":"KubeletNotReady"}]}})");
  ExpectJson(ApplyStrategicMergePatch(node, J(R"({"status":{
      "addresses":[{"type":"InternalIP","address":"10.0.0.2"}],
      "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}]}})"),
                                      "Node"),
             R"({"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.2"},
                                      {"type":"Hostname","address":"n1"}],
    "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}]}})");

  const Json service = J(R"({"spec":{"type":"ClusterIP","ports":[
      {"name":"http","protocol":"TCP","port":80,"targetPort":8080},
      {"name":"https","protocol":"TCP","port":443,"targetPort":8443}]}})");
  ExpectJson(ApplyStrategicMergePatch(
                 service, J(R"({"spec":{"ports":[{"port":80,"targetPort":9090}]}})"), "Service"),
             R"({"spec":{"type":"ClusterIP","ports":[
      {"name":"http","protocol":"TCP","port":80,"targetPort":9090},
      {"name":"https","protocol":"TCP","port":443,"targetPort":8443}]}})");
}

// A list the object does not have yet: the directives in the patch are applied, not stored.
TEST(StrategicMergePatchTest, DirectivesAreNeverStored) {
  const Json pod = J(R"({"spec":{"containers":[{"name":"a","image":"x"}]}})");
  const Json patch = J(R"({"spec":{"$setElementOrder/initContainers":[{"name":"i"}],
    "initContainers":[{"name":"i","image":"busybox",
      "env":[{"name":"X","value":"1","valueFrom":null},{"$patch":"delete","name":"Y"}]}],
    "securityContext":{"$patch":"delete"}}})");
  ExpectJson(ApplyStrategicMergePatch(pod, patch, "Pod"),
             R"({"spec":{"containers":[{"name":"a","image":"x"}],
    "initContainers":[{"name":"i","image":"busybox","env":[{"name":"X","value":"1"}]}]}})");
}

TEST(StrategicMergePatchTest, ConfigMapDataMergesByKey) {
  const Json cm = J(R"({"kind":"ConfigMap","data":{"a":"1","b":"2"}})");
  ExpectJson(ApplyStrategicMergePatch(cm, J(R"({"data":{"a":null,"c":"3"}})"), "ConfigMap"),
             R"({"kind":"ConfigMap","data":{"b":"2","c":"3"}})");
}

TEST(StrategicMergePatchTest, Errors) {
  const Json pod = J(R"({"metadata":{"labels":{"a":"b"},"finalizers":["f"]},
    "spec":{"containers":[{"name":"a"}]}})");
  struct Case {
    const char* patch;
    const char* message;
  };
  const Case cases[] = {
      {R"({"spec":{"containers":[{"image":"x"}]}})",
       R"(spec.containers[0]: list item has no merge key "name")"},
      {R"({"spec":{"containers":[{"$patch":"delete","image":"x"}]}})",
       R"(spec.containers[0]: list item has no merge key "name")"},
      {R"({"metadata":{"labels":{"$patch":"merge"}}})",
       R"(metadata.labels.$patch: unknown patch directive "merge")"},
      {R"({"spec":{"containers":[{"$patch":"merge","name":"a"}]}})",
       R"(spec.containers[0].$patch: unsupported patch directive "merge" in a list item)"},
      {R"({"metadata":{"finalizers":[{"name":"x"}]}})",
       R"(metadata.finalizers: list items are not all of the same type)"},
      {R"({"spec":{"$deleteFromPrimitiveList/containers":[{"name":"a"}]}})",
       R"(spec.$deleteFromPrimitiveList/containers: only lists of primitives can be deleted from)"},
      {R"({"spec":{"$setElementOrder/containers":{"name":"a"}}})",
       R"(spec.$setElementOrder/containers: must be a list)"},
      {R"({"spec":{"$setElementOrder":[]}})",
       R"(spec.$setElementOrder: expected "$setElementOrder/<list field>")"},
      {R"({"metadata":{"$retainKeys":"labels"}})",
       R"(metadata.$retainKeys: must be a list of field names)"},
      {R"(["not","an","object"])", "strategic merge patch must be a JSON object"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.patch);
    ExpectInvalid(ApplyStrategicMergePatch(pod, J(c.patch), "Pod"), c.message);
  }
  ExpectInvalid(ApplyStrategicMergePatch(pod, J(R"({"spec":{}})"), "Widget"),
                R"(strategic merge patch is not supported for kind "Widget")");
}

}  // namespace
}  // namespace cubelet::api
