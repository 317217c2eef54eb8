// The registry's rules against a memory store: what kube-apiserver does to objects on create,
// update, patch and delete.
#include "apiserver/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"

namespace cubelet::apiserver {
namespace {

using ::testing::HasSubstr;

const api::KindInfo& Kind(std::string_view api_version, std::string_view kind) {
  return *api::FindKind(api_version, kind);
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::string ns : {"default", "kube-system"}) {
      ASSERT_TRUE(
          registry_.Create(Kind("v1", "Namespace"), "", {{"metadata", {{"name", ns}}}}, {}).ok());
    }
  }

  api::Json PodJson(std::string name, std::string image = "busybox:1.36") {
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}}},
            {"spec", {{"containers", {{{"name", "app"}, {"image", image}}}}}}};
  }

  api::Pod MustCreatePod(api::Json body, std::string ns = "default") {
    base::Result<WriteResult> r = registry_.Create(Kind("v1", "Pod"), ns, body, {});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::get<api::Pod>(r->object) : api::Pod{};
  }

  std::unique_ptr<store::Store> store_ = store::NewMemoryStore();
  base::FakeClock clock_;
  Registry registry_{*store_, clock_, *ServiceIps::Parse("10.43.0.0/16")};
};

TEST_F(RegistryTest, CreateSetsServerFieldsDefaultsAndPendingStatus) {
  api::Json body = PodJson("web");
  body.erase("apiVersion");  // the Python client sends neither apiVersion nor kind
  body.erase("kind");
  api::Pod pod = MustCreatePod(body);
  EXPECT_EQ(pod.metadata.namespace_, "default");
  EXPECT_EQ(pod.metadata.uid.size(), 36u);
  EXPECT_EQ(pod.metadata.uid[14], '4');
  EXPECT_FALSE(pod.metadata.resource_version.empty());
  EXPECT_EQ(pod.metadata.generation, 1);
  EXPECT_EQ(pod.metadata.creation_timestamp.value, clock_.Now());
  EXPECT_EQ(pod.status.phase, "Pending");
  EXPECT_EQ(pod.status.qos_class, "BestEffort");
  EXPECT_EQ(pod.spec.restart_policy, "Always");
  EXPECT_EQ(pod.spec.containers[0].image_pull_policy, "IfNotPresent");
}

TEST_F(RegistryTest, GenerateNameGetsAFiveCharacterSuffix) {
  api::Json body = PodJson("");
  body["metadata"] = {{"generateName", "web-"}};
  api::Pod pod = MustCreatePod(body);
  ASSERT_EQ(pod.metadata.name.size(), 9u);
  EXPECT_TRUE(pod.metadata.name.starts_with("web-"));
  EXPECT_EQ(pod.metadata.name.find_first_of("aeiou01", 4), std::string::npos);
}

TEST_F(RegistryTest, CreateRejectsWithKubernetesMessages) {
  const api::KindInfo& pods = Kind("v1", "Pod");
  api::Json no_image = PodJson("noimg");
  no_image["spec"]["containers"][0].erase("image");
  base::Result<WriteResult> r = registry_.Create(pods, "default", no_image, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalid);
  EXPECT_EQ(r.status().message(),
            "Pod \"noimg\" is invalid: spec.containers[0].image: Required value");
  ASSERT_EQ(r.status().causes().size(), 1u);
  EXPECT_EQ(r.status().causes()[0].field, "spec.containers[0].image");

  r = registry_.Create(pods, "nosuch", PodJson("x"), {});
  EXPECT_EQ(r.status().code(), base::Code::kNotFound);
  EXPECT_EQ(r.status().message(), "namespaces \"nosuch\" not found");

  MustCreatePod(PodJson("web"));
  r = registry_.Create(pods, "default", PodJson("web"), {});
  EXPECT_EQ(r.status().code(), base::Code::kAlreadyExists);
  EXPECT_EQ(r.status().message(), "pods \"web\" already exists");

  api::Json other_ns = PodJson("y");
  other_ns["metadata"]["namespace"] = "kube-system";
  r = registry_.Create(pods, "default", other_ns, {});
  EXPECT_EQ(r.status().code(), base::Code::kInvalid);
  EXPECT_TRUE(r.status().causes().empty());  // 400, not 422
  EXPECT_THAT(r.status().message(), HasSubstr("does not match the namespace"));

  api::Json wrong_kind = PodJson("z");
  wrong_kind["kind"] = "Service";
  r = registry_.Create(pods, "default", wrong_kind, {});
  EXPECT_EQ(r.status().message(),
            "the kind in the data (Service) does not match the expected kind (Pod)");
}

TEST_F(RegistryTest, FieldValidationStrictWarnIgnore) {
  const api::KindInfo& pods = Kind("v1", "Pod");
  api::Json body = PodJson("typo");
  body["spec"]["containers"][0]["imagee"] = "x";
  base::Result<WriteResult> strict =
      registry_.Create(pods, "default", body, {.field_validation = FieldValidation::kStrict});
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().message(),
            "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown "
            "field \"spec.containers[0].imagee\"");
  base::Result<WriteResult> warn =
      registry_.Create(pods, "default", body, {.field_validation = FieldValidation::kWarn});
  ASSERT_TRUE(warn.ok()) << warn.status().ToString();
  EXPECT_THAT(warn->warnings,
              ::testing::ElementsAre("unknown field \"spec.containers[0].imagee\""));
  body["metadata"]["name"] = "typo2";
  base::Result<WriteResult> ignore =
      registry_.Create(pods, "default", body, {.field_validation = FieldValidation::kIgnore});
  ASSERT_TRUE(ignore.ok());
  EXPECT_TRUE(ignore->warnings.empty());
}

TEST_F(RegistryTest, DryRunStoresNothing) {
  base::Result<WriteResult> r =
      registry_.Create(Kind("v1", "Pod"), "default", PodJson("dry"), {.dry_run = true});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(api::MetaOf(r->object).name, "dry");
  EXPECT_EQ(registry_.Get(Kind("v1", "Pod"), "default", "dry").status().code(),
            base::Code::kNotFound);
}

TEST_F(RegistryTest, StrategicMergePatchKeepsSiblingContainersAndReorders) {
  api::Json body = PodJson("web2");
  body["spec"]["containers"].push_back({{"name", "sidecar"}, {"image", "busybox:1.36"}});
  api::Pod before = MustCreatePod(body);
  // What `kubectl apply` sends after the nginx image changed (kubectl-compat §4.6).
  api::Json patch = {{"spec",
                      {{"$setElementOrder/containers", {{{"name", "app"}}, {{"name", "sidecar"}}}},
                       {"containers", {{{"name", "app"}, {"image", "busybox:1.37"}}}}}}};
  base::Result<WriteResult> r = registry_.Patch(Kind("v1", "Pod"), "default", "web2", "",
                                                PatchType::kStrategicMerge, patch, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& pod = std::get<api::Pod>(r->object);
  ASSERT_EQ(pod.spec.containers.size(), 2u);
  EXPECT_EQ(pod.spec.containers[0].image, "busybox:1.37");
  EXPECT_EQ(pod.spec.containers[1].name, "sidecar");
  EXPECT_EQ(pod.metadata.uid, before.metadata.uid);
  EXPECT_NE(pod.metadata.resource_version, before.metadata.resource_version);
  EXPECT_EQ(pod.metadata.generation, 2);
}

TEST_F(RegistryTest, PodSpecIsImmutableExceptImagesAndFriends) {
  MustCreatePod(PodJson("fixed"));
  api::Json patch = {{"spec", {{"restartPolicy", "Never"}}}};
  base::Result<WriteResult> r =
      registry_.Patch(Kind("v1", "Pod"), "default", "fixed", "", PatchType::kMerge, patch, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalid);
  EXPECT_THAT(r.status().message(),
              HasSubstr("Pod \"fixed\" is invalid: spec: Forbidden: pod updates may not change "
                        "fields other than `spec.containers[*].image`"));
}

TEST_F(RegistryTest, UpdateKeepsStatusAndStatusUpdateKeepsSpec) {
  api::Pod pod = MustCreatePod(PodJson("st"));
  const api::KindInfo& pods = Kind("v1", "Pod");
  api::Json with_status = api::EncodeObject(api::Object(pod));
  with_status["status"]["phase"] = "Running";
  with_status["metadata"]["labels"] = {{"a", "b"}};
  base::Result<WriteResult> r = registry_.Update(pods, "default", "st", "", with_status, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::get<api::Pod>(r->object).status.phase, "Pending");
  EXPECT_EQ(std::get<api::Pod>(r->object).metadata.labels.at("a"), "b");
  EXPECT_EQ(std::get<api::Pod>(r->object).metadata.generation, 1);  // metadata only

  api::Json status_body = api::EncodeObject(r->object);
  status_body["status"]["phase"] = "Running";
  status_body["spec"]["containers"][0]["image"] = "changed:1";
  r = registry_.Update(pods, "default", "st", "status", status_body, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::get<api::Pod>(r->object).status.phase, "Running");
  EXPECT_EQ(std::get<api::Pod>(r->object).spec.containers[0].image, "busybox:1.36");
}

TEST_F(RegistryTest, StaleResourceVersionConflicts) {
  api::Pod pod = MustCreatePod(PodJson("c"));
  api::Json body = api::EncodeObject(api::Object(pod));
  body["metadata"]["labels"] = {{"x", "1"}};
  ASSERT_TRUE(registry_.Update(Kind("v1", "Pod"), "default", "c", "", body, {}).ok());
  body["metadata"]["labels"] = {{"x", "2"}};  // still the old resourceVersion
  base::Result<WriteResult> r = registry_.Update(Kind("v1", "Pod"), "default", "c", "", body, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kConflict);
  EXPECT_EQ(r.status().message(),
            "Operation cannot be fulfilled on pods \"c\": the object has been modified; please "
            "apply your changes to the latest version and try again");
}

TEST_F(RegistryTest, UnscheduledPodsGoAtOnceScheduledOnesGracefully) {
  const api::KindInfo& pods = Kind("v1", "Pod");
  MustCreatePod(PodJson("unbound"));
  base::Result<DeleteResult> r = registry_.Delete(pods, "default", "unbound", {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->deleted);

  MustCreatePod(PodJson("bound"));
  ASSERT_TRUE(
      registry_.Bind("default", "bound", {{"target", {{"kind", "Node"}, {"name", "n1"}}}}, {})
          .ok());
  api::Pod bound = std::get<api::Pod>(*registry_.Get(pods, "default", "bound"));
  EXPECT_EQ(bound.spec.node_name, "n1");
  ASSERT_EQ(bound.status.conditions.size(), 1u);
  EXPECT_EQ(bound.status.conditions[0].type, "PodScheduled");
  base::Status again = registry_.Bind("default", "bound", {{"target", {{"name", "n2"}}}}, {});
  EXPECT_EQ(again.code(), base::Code::kConflict);
  EXPECT_THAT(again.message(), HasSubstr("is already assigned to node \"n1\""));

  r = registry_.Delete(pods, "default", "bound", {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->deleted);
  const auto& marked = std::get<api::Pod>(r->object);
  EXPECT_EQ(marked.metadata.deletion_grace_period_seconds, 30);
  EXPECT_EQ(marked.metadata.deletion_timestamp->value, clock_.Now() + std::chrono::seconds(30));
  // A second delete may shorten the grace period, never lengthen it.
  r = registry_.Delete(pods, "default", "bound", {.grace_period_seconds = 60});
  EXPECT_EQ(std::get<api::Pod>(r->object).metadata.deletion_grace_period_seconds, 30);
  r = registry_.Delete(pods, "default", "bound", {.grace_period_seconds = 5});
  EXPECT_EQ(std::get<api::Pod>(r->object).metadata.deletion_grace_period_seconds, 5);
  // The node's final delete.
  r = registry_.Delete(pods, "default", "bound",
                       {.grace_period_seconds = 0, .preconditions = {.uid = bound.metadata.uid}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->deleted);
  EXPECT_EQ(registry_.Get(pods, "default", "bound").status().code(), base::Code::kNotFound);
}

TEST_F(RegistryTest, FinalizersHoldDeletionUntilRemoved) {
  const api::KindInfo& cms = Kind("v1", "ConfigMap");
  ASSERT_TRUE(registry_
                  .Create(cms, "default",
                          {{"metadata", {{"name", "held"}, {"finalizers", {"example.com/x"}}}}}, {})
                  .ok());
  base::Result<DeleteResult> r = registry_.Delete(cms, "default", "held", {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->deleted);
  EXPECT_TRUE(api::MetaOf(r->object).deletion_timestamp.has_value());
  base::Result<WriteResult> w = registry_.Patch(cms, "default", "held", "", PatchType::kMerge,
                                                {{"metadata", {{"finalizers", nullptr}}}}, {});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(registry_.Get(cms, "default", "held").status().code(), base::Code::kNotFound);
}

TEST_F(RegistryTest, SystemNamespacesCannotBeDeletedOthersTerminate) {
  const api::KindInfo& nss = Kind("v1", "Namespace");
  base::Result<DeleteResult> r = registry_.Delete(nss, "", "default", {});
  EXPECT_EQ(r.status().code(), base::Code::kPermissionDenied);
  ASSERT_TRUE(registry_.Create(nss, "", {{"metadata", {{"name", "team"}}}}, {}).ok());
  r = registry_.Delete(nss, "", "team", {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->deleted);
  EXPECT_EQ(std::get<api::Namespace>(r->object).status.phase, "Terminating");
  base::Result<WriteResult> c = registry_.Create(Kind("v1", "Pod"), "team", PodJson("late"), {});
  EXPECT_EQ(c.status().code(), base::Code::kPermissionDenied);
  EXPECT_THAT(c.status().message(), HasSubstr("because it is being terminated"));
}

TEST_F(RegistryTest, ServicesGetClusterIpsAndKeepThemOnApply) {
  const api::KindInfo& svcs = Kind("v1", "Service");
  api::Json body = {{"metadata", {{"name", "web"}}},
                    {"spec", {{"selector", {{"app", "web"}}}, {"ports", {{{"port", 80}}}}}}};
  base::Result<WriteResult> r = registry_.Create(svcs, "default", body, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& svc = std::get<api::Service>(r->object);
  EXPECT_TRUE(registry_.service_ips().Contains(svc.spec.cluster_ip)) << svc.spec.cluster_ip;
  EXPECT_NE(svc.spec.cluster_ip, "10.43.0.1");
  EXPECT_EQ(svc.spec.cluster_ips, std::vector<std::string>{svc.spec.cluster_ip});
  EXPECT_EQ(svc.spec.type, "ClusterIP");
  // A manifest applied again carries no clusterIP: the allocated one stays.
  body["spec"]["ports"][0]["port"] = 8080;
  r = registry_.Update(svcs, "default", "web", "", body, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::get<api::Service>(r->object).spec.cluster_ip, svc.spec.cluster_ip);

  api::Json outside = body;
  outside["metadata"]["name"] = "outside";
  outside["spec"]["clusterIP"] = "192.168.1.1";
  r = registry_.Create(svcs, "default", outside, {});
  EXPECT_EQ(r.status().code(), base::Code::kInvalid);
  EXPECT_THAT(r.status().message(), HasSubstr("is not in the valid range"));
}

TEST_F(RegistryTest, SecretStringDataBecomesData) {
  base::Result<WriteResult> r = registry_.Create(
      Kind("v1", "Secret"), "default",
      {{"metadata", {{"name", "s"}}}, {"stringData", {{"password", "hunter2"}}}}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& s = std::get<api::Secret>(r->object);
  EXPECT_TRUE(s.string_data.empty());
  EXPECT_EQ(s.data.at("password").data, "hunter2");
  EXPECT_EQ(s.type, "Opaque");
}

TEST_F(RegistryTest, ScaleReadsAndWritesReplicas) {
  const api::KindInfo& deps = Kind("apps/v1", "Deployment");
  api::Json d = {
      {"metadata", {{"name", "nginx"}}},
      {"spec",
       {{"replicas", 3},
        {"selector", {{"matchLabels", {{"app", "nginx"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "nginx"}}}}},
          {"spec", {{"containers", {{{"name", "nginx"}, {"image", "nginx:1.25"}}}}}}}}}}};
  ASSERT_TRUE(registry_.Create(deps, "default", d, {}).ok());
  base::Result<api::Json> scale = registry_.GetScale(deps, "default", "nginx");
  ASSERT_TRUE(scale.ok());
  EXPECT_EQ((*scale)["kind"], "Scale");
  EXPECT_EQ((*scale)["apiVersion"], "autoscaling/v1");
  EXPECT_EQ((*scale)["spec"]["replicas"], 3);
  EXPECT_EQ((*scale)["status"]["selector"], "app=nginx");
  scale = registry_.PatchScale(deps, "default", "nginx", PatchType::kMerge,
                               {{"spec", {{"replicas", 5}}}}, {});
  ASSERT_TRUE(scale.ok()) << scale.status().ToString();
  EXPECT_EQ((*scale)["spec"]["replicas"], 5);
  auto dep = std::get<api::Deployment>(*registry_.Get(deps, "default", "nginx"));
  EXPECT_EQ(dep.spec.replicas, 5);
  EXPECT_EQ(dep.metadata.generation, 2);
  scale = registry_.PatchScale(deps, "default", "nginx", PatchType::kMerge,
                               {{"spec", {{"replicas", -1}}}}, {});
  EXPECT_EQ(scale.status().code(), base::Code::kInvalid);
}

TEST(ServiceIpsTest, ParsesAndPicksFreeAddresses) {
  base::Result<ServiceIps> ips = ServiceIps::Parse("10.43.0.0/29");
  ASSERT_TRUE(ips.ok());
  EXPECT_EQ(ips->First(), "10.43.0.1");
  EXPECT_TRUE(ips->Contains("10.43.0.6"));
  EXPECT_FALSE(ips->Contains("10.43.0.7"));  // broadcast
  EXPECT_FALSE(ips->Contains("10.43.1.1"));
  std::vector<std::string> used = {"10.43.0.1"};
  for (int i = 0; i < 5; ++i) {
    base::Result<std::string> ip = ips->Pick(used);
    ASSERT_TRUE(ip.ok());
    EXPECT_TRUE(ips->Contains(*ip));
    EXPECT_EQ(std::count(used.begin(), used.end(), *ip), 0);
    used.push_back(*ip);
  }
  EXPECT_EQ(ips->Pick(used).status().code(), base::Code::kResourceExhausted);
  EXPECT_FALSE(ServiceIps::Parse("10.43.0.0").ok());
  EXPECT_FALSE(ServiceIps::Parse("nonsense/16").ok());
}

}  // namespace
}  // namespace cubelet::apiserver
