#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api.h"

#include "testutil.h"

namespace cubelet::api {
namespace {

using testing::MustDecode;

Pod DefaultedPod(std::string_view yaml) {
  Object obj = MustDecode(yaml);
  SetDefaults(obj);
  return std::get<Pod>(obj);
}

TEST(DefaultsTest, MinimalPodGetsEveryApiServerDefault) {
  const Pod pod = DefaultedPod(R"(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: nginx:1.15.4
    ports: [{containerPort: 80}]
)");
  EXPECT_EQ(pod.spec.restart_policy, "Always");
  EXPECT_EQ(pod.spec.dns_policy, "ClusterFirst");
  EXPECT_EQ(pod.spec.termination_grace_period_seconds, 30);
  EXPECT_EQ(pod.spec.scheduler_name, "default-scheduler");
  EXPECT_EQ(pod.spec.enable_service_links, true);
  ASSERT_TRUE(pod.spec.security_context.has_value());
  EXPECT_TRUE(*pod.spec.security_context == PodSecurityContext{});
  const Container& c = pod.spec.containers[0];
  EXPECT_EQ(c.image_pull_policy, "IfNotPresent");
  EXPECT_EQ(c.termination_message_path, "/dev/termination-log");
  EXPECT_EQ(c.termination_message_policy, "File");
  EXPECT_EQ(c.ports[0].protocol, "TCP");
  EXPECT_EQ(c.ports[0].host_port, 0);
}

TEST(DefaultsTest, PullPolicyFollowsTheTag) {
  // The rule on more than six references, through the defaulting entry point.
  const std::pair<const char*, const char*> cases[] = {
      {"nginx", "Always"},
      {"nginx:latest", "Always"},
      {"docker.io/library/nginx", "Always"},
      {"localhost:5000/team/app", "Always"},
      {"localhost:5000/team/app:latest", "Always"},
      {"nginx:1.14", "IfNotPresent"},
      {"registry.example.com:5000/app:v2", "IfNotPresent"},
      {"nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
       "IfNotPresent"},
      {"nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
       "Always"},
  };
  for (const auto& [image, policy] : cases) {
    Pod pod;
    pod.spec.containers.push_back(Container{});
    pod.spec.containers[0].image = image;
    pod.spec.init_containers.push_back(pod.spec.containers[0]);
    SetDefaults(pod);
    EXPECT_EQ(pod.spec.containers[0].image_pull_policy, policy) << image;
    EXPECT_EQ(pod.spec.init_containers[0].image_pull_policy, policy) << image;
  }
}

TEST(DefaultsTest, GivenValuesAreKept) {
  const Pod pod = DefaultedPod(R"(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  restartPolicy: Never
  dnsPolicy: Default
  terminationGracePeriodSeconds: 0
  enableServiceLinks: false
  schedulerName: other
  containers:
  - name: c
    image: nginx
    imagePullPolicy: Never
    terminationMessagePath: /x
    terminationMessagePolicy: FallbackToLogsOnError
    ports: [{containerPort: 53, protocol: UDP}]
)");
  EXPECT_EQ(pod.spec.restart_policy, "Never");
  EXPECT_EQ(pod.spec.dns_policy, "Default");
  EXPECT_EQ(pod.spec.termination_grace_period_seconds, 0);
  EXPECT_EQ(pod.spec.enable_service_links, false);
  EXPECT_EQ(pod.spec.scheduler_name, "other");
  EXPECT_EQ(pod.spec.containers[0].image_pull_policy, "Never");
  EXPECT_EQ(pod.spec.containers[0].termination_message_path, "/x");
  EXPECT_EQ(pod.spec.containers[0].termination_message_policy, "FallbackToLogsOnError");
  EXPECT_EQ(pod.spec.containers[0].ports[0].protocol, "UDP");
}

TEST(DefaultsTest, ProbesHooksVolumesResourcesHostNetwork) {
  const Pod pod = DefaultedPod(R"(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostNetwork: true
  volumes:
  - name: none
  - name: cm
    configMap: {name: x}
  - name: sec
    secret: {secretName: x}
  - name: hp
    hostPath: {path: /tmp}
  - name: proj
    projected:
      sources:
      - serviceAccountToken: {path: token}
  - name: dapi
    downwardAPI:
      items: [{path: podname, fieldRef: {fieldPath: metadata.name}}]
  containers:
  - name: c
    image: nginx
    ports: [{containerPort: 8080}]
    env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
    resources:
      limits: {cpu: 500m, memory: 64Mi}
      requests: {cpu: 100m}
    livenessProbe:
      httpGet: {port: 8080}
    readinessProbe:
      exec: {command: ['true']}
      periodSeconds: 3
    lifecycle:
      preStop:
        httpGet: {port: 80}
)");
  const Container& c = pod.spec.containers[0];
  EXPECT_EQ(c.ports[0].host_port, 8080);
  EXPECT_EQ(c.env[0].value_from->field_ref->api_version, "v1");
  EXPECT_EQ(c.resources.requests.at("cpu").ToString(), "100m");
  EXPECT_EQ(c.resources.requests.at("memory").ToString(), "64Mi");
  const Probe& live = *c.liveness_probe;
  EXPECT_EQ(live.timeout_seconds, 1);
  EXPECT_EQ(live.period_seconds, 10);
  EXPECT_EQ(live.success_threshold, 1);
  EXPECT_EQ(live.failure_threshold, 3);
  EXPECT_EQ(live.initial_delay_seconds, 0);
  EXPECT_EQ(live.http_get->path, "/");
  EXPECT_EQ(live.http_get->scheme, "HTTP");
  EXPECT_EQ(c.readiness_probe->period_seconds, 3);
  EXPECT_EQ(c.lifecycle->pre_stop->http_get->path, "/");
  const auto& v = pod.spec.volumes;
  EXPECT_TRUE(v[0].empty_dir.has_value());
  EXPECT_EQ(v[1].config_map->default_mode, 420);
  EXPECT_EQ(v[2].secret->default_mode, 420);
  EXPECT_EQ(v[3].host_path->type, "");
  EXPECT_EQ(v[4].projected->default_mode, 420);
  EXPECT_EQ(v[4].projected->sources[0].service_account_token->expiration_seconds, 3600);
  EXPECT_EQ(v[5].downward_api->default_mode, 420);
  EXPECT_EQ(v[5].downward_api->items[0].field_ref->api_version, "v1");
}

TEST(DefaultsTest, Service) {
  Object obj = MustDecode(R"(
apiVersion: v1
kind: Service
metadata: {name: myservice}
spec:
  selector: {app: myapp}
  ports:
  - port: 80
    targetPort: 9376
  - port: 443
)");
  SetDefaults(obj);
  const Service& s = std::get<Service>(obj);
  EXPECT_EQ(s.spec.type, "ClusterIP");
  EXPECT_EQ(s.spec.session_affinity, "None");
  EXPECT_EQ(s.spec.internal_traffic_policy, "Cluster");
  EXPECT_EQ(s.spec.external_traffic_policy, "");
  EXPECT_EQ(s.spec.ports[0].protocol, "TCP");
  EXPECT_EQ(s.spec.ports[0].target_port, IntOrString::Int(9376));
  EXPECT_EQ(s.spec.ports[1].target_port, IntOrString::Int(443));

  Object lb = MustDecode(
      "apiVersion: v1\nkind: Service\nmetadata: {name: l}\nspec: {type: LoadBalancer, "
      "sessionAffinity: ClientIP, ports: [{port: 80, targetPort: http}]}\n");
  SetDefaults(lb);
  const Service& l = std::get<Service>(lb);
  EXPECT_EQ(l.spec.external_traffic_policy, "Cluster");
  EXPECT_EQ(l.spec.allocate_load_balancer_node_ports, true);
  EXPECT_EQ(l.spec.session_affinity_config->client_ip->timeout_seconds, 10800);
  EXPECT_EQ(l.spec.ports[0].target_port, IntOrString::Str("http"));
}

TEST(DefaultsTest, DeploymentAndReplicaSet) {
  Object obj = MustDecode(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx-deployment}
spec:
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: nginx:1.15.4}]
)");
  SetDefaults(obj);
  const Deployment& d = std::get<Deployment>(obj);
  EXPECT_EQ(d.spec.replicas, 1);
  EXPECT_EQ(d.spec.strategy.type, "RollingUpdate");
  EXPECT_EQ(d.spec.strategy.rolling_update->max_surge, IntOrString::Str("25%"));
  EXPECT_EQ(d.spec.strategy.rolling_update->max_unavailable, IntOrString::Str("25%"));
  EXPECT_EQ(d.spec.revision_history_limit, 10);
  EXPECT_EQ(d.spec.progress_deadline_seconds, 600);
  // The template is defaulted as the seed's `kubectl edit` shows it.
  const PodSpec& t = d.spec.template_.spec;
  EXPECT_EQ(t.restart_policy, "Always");
  EXPECT_EQ(t.dns_policy, "ClusterFirst");
  EXPECT_EQ(t.scheduler_name, "default-scheduler");
  EXPECT_EQ(t.termination_grace_period_seconds, 30);
  EXPECT_EQ(t.containers[0].image_pull_policy, "IfNotPresent");
  EXPECT_EQ(t.containers[0].termination_message_path, "/dev/termination-log");
  EXPECT_EQ(t.containers[0].termination_message_policy, "File");
  EXPECT_FALSE(t.enable_service_links.has_value());  // a Pod default, not a template one

  Object recreate = MustDecode(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: r}\nspec: {strategy: {type: "
      "Recreate}, template: {spec: {containers: [{name: c, image: i}]}}}\n");
  SetDefaults(recreate);
  EXPECT_FALSE(std::get<Deployment>(recreate).spec.strategy.rolling_update.has_value());

  Object rs = MustDecode(
      "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r}\nspec: {template: {spec: "
      "{containers: [{name: c, image: i}]}}}\n");
  SetDefaults(rs);
  EXPECT_EQ(std::get<ReplicaSet>(rs).spec.replicas, 1);
  EXPECT_EQ(std::get<ReplicaSet>(rs).spec.template_.spec.containers[0].image_pull_policy,
            "Always");  // image "i" has no tag
}

TEST(DefaultsTest, OtherKinds) {
  Object ns = MustDecode("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n");
  SetDefaults(ns);
  EXPECT_EQ(std::get<Namespace>(ns).status.phase, "Active");
  EXPECT_EQ(std::get<Namespace>(ns).metadata.labels.at("kubernetes.io/metadata.name"), "team");
  Object sec = MustDecode("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
  SetDefaults(sec);
  EXPECT_EQ(std::get<Secret>(sec).type, "Opaque");
  Object node = MustDecode(
      "apiVersion: v1\nkind: Node\nmetadata: {name: node1}\nstatus: {capacity: {cpu: '2'}}\n");
  SetDefaults(node);
  EXPECT_EQ(std::get<Node>(node).status.allocatable.at("cpu").ToString(), "2");
  Object ep = MustDecode(
      "apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets: [{ports: [{port: 80}]}]\n");
  SetDefaults(ep);
  EXPECT_EQ(std::get<Endpoints>(ep).subsets[0].ports[0].protocol, "TCP");
  // Kubernetes defaults nothing in a Lease (the kubelet writes leaseDurationSeconds itself).
  Object lease =
      MustDecode("apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: l}\n");
  const Object before = lease;
  SetDefaults(lease);
  EXPECT_TRUE(lease == before);
  EXPECT_FALSE(std::get<Lease>(lease).spec.lease_duration_seconds.has_value());
}

TEST(DefaultsTest, DefaultingIsIdempotent) {
  Object once = MustDecode(testing::ReadTestFile("tests/unit/api/testdata/every-field-pod.yaml"));
  SetDefaults(once);
  Object twice = once;
  SetDefaults(twice);
  EXPECT_TRUE(once == twice);
}

}  // namespace
}  // namespace cubelet::api
