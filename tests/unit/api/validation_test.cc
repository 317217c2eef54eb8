// Validation of every kind, with Kubernetes' exact error texts. Each case breaks one rule of a
// valid, defaulted object and lists every error string it must produce.
#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api.h"

// Objects are built with partial (designated) aggregate initialization, which names only the
// fields a case is about; the omitted ones are meant to stay empty.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cubelet::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// ---- message texts (apimachinery util/validation) --------------------------------------------
const std::string kLabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const std::string kSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const std::string kDNS1035Msg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const std::string kNamePartMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const std::string kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const std::string kConfigKeyMsg =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')";
const std::string kPercentMsg =
    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or "
    "'93%', regex used for validation is '[0-9]+%')";
const std::string kEnvNameMsg =
    "a valid environment variable name must consist only of printable ASCII characters other "
    "than '='";
const std::string kPortRange = "must be between 1 and 65535, inclusive";
const std::string kInvalidIP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
const std::string kInitForbidden =
    "Forbidden: may not be set for init containers without restartPolicy=Always";
const std::string kNonNegative = "must be greater than or equal to 0";

std::vector<std::string> Strings(const FieldErrors& errs) {
  std::vector<std::string> out;
  for (const FieldError& e : errs) out.push_back(e.ToString());
  return out;
}

Quantity Q(std::string_view text) { return *Quantity::Parse(text); }

Container AppContainer(std::string name = "app") {
  Container c;
  c.name = std::move(name);
  c.image = "nginx:1.25";
  return c;
}

// A minimal pod as a user writes it; the tests default it as the API server would.
Pod BasePod() {
  Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  pod.spec.containers.push_back(AppContainer());
  return pod;
}

// Errors of BasePod() after `before` (applied before defaulting) and `after` (after it, to set
// values defaulting would otherwise fill in).
std::vector<std::string> PodErrors(const std::function<void(Pod&)>& after,
                                   const std::function<void(Pod&)>& before = nullptr) {
  Pod pod = BasePod();
  if (before) before(pod);
  SetDefaults(pod);
  after(pod);
  return Strings(ValidatePod(pod));
}

Probe TcpProbe(int port) {
  Probe p;
  p.tcp_socket = TCPSocketAction{IntOrString::Int(port), ""};
  return p;
}

struct Case {
  const char* name;
  std::function<void(Pod&)> mutate;
  std::vector<std::string> want;
};

void RunPodCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(PodErrors(c.mutate), c.want);
  }
}

// ---- pods --------------------------------------------------------------------------------

TEST(ValidationTest, MinimalDefaultedPodIsValid) {
  EXPECT_THAT(PodErrors([](Pod&) {}), IsEmpty());
}

TEST(ValidationTest, RichValidPodIsValid) {
  // Exercises most optional features at once so no rule rejects a legitimate pod.
  Pod pod = BasePod();
  pod.metadata.labels = {{"app", "web"}, {"example.com/tier", "front_end.1"}};
  pod.metadata.annotations = {{"Example.com/Owner", "team a"}};
  pod.metadata.generate_name = "web-";
  pod.spec.service_account_name = "builder";
  pod.spec.hostname = "web-0";
  pod.spec.subdomain = "web";
  pod.spec.node_name = "node-1.example.com";
  pod.spec.active_deadline_seconds = 600;
  pod.spec.dns_policy = "None";
  pod.spec.dns_config = PodDNSConfig{{"10.0.0.10", "fd00::10"},
                                     {"svc.cluster.local.", "_x.example"},
                                     {PodDNSConfigOption{"ndots", "2"}}};
  pod.spec.host_aliases = {HostAlias{"10.1.2.3", {"foo.local", "bar"}}};
  pod.spec.tolerations = {
      Toleration{"node.kubernetes.io/not-ready", "Exists", "", "NoExecute", 300},
      Toleration{"", "Exists", "", "", std::nullopt},
      Toleration{"gpu", "Equal", "true", "NoSchedule", std::nullopt}};
  pod.spec.readiness_gates = {PodReadinessGate{"example.com/ready"}};
  pod.spec.os = PodOS{"linux"};
  pod.spec.node_selector = {{"kubernetes.io/os", "linux"}};
  Volume cfg{.name = "cfg"};
  cfg.config_map = ConfigMapVolumeSource{
      "app-config", {KeyToPath{"a.conf", "conf/a.conf", 0600}}, std::nullopt, std::nullopt};
  Volume sec{.name = "sec"};
  sec.secret = SecretVolumeSource{"tls", {}, 0400, true};
  Volume host{.name = "host"};
  host.host_path = HostPathVolumeSource{"/var/log", "DirectoryOrCreate"};
  Volume mem{.name = "mem"};
  mem.empty_dir = EmptyDirVolumeSource{"Memory", Q("64Mi")};
  Volume proj{.name = "proj"};
  VolumeProjection token;
  token.service_account_token = ServiceAccountTokenProjection{"api", 3600, "token"};
  VolumeProjection labels;
  labels.downward_api = DownwardAPIVolumeSource{
      {DownwardAPIVolumeFile{"labels", ObjectFieldSelector{"v1", "metadata.labels"}, std::nullopt,
                             std::nullopt}},
      std::nullopt};
  proj.projected = ProjectedVolumeSource{{token, labels}, std::nullopt};
  Volume claim{.name = "claim"};
  claim.persistent_volume_claim = PersistentVolumeClaimVolumeSource{"data", false};
  pod.spec.volumes = {cfg, sec, host, mem, proj, claim};

  Container& app = pod.spec.containers[0];
  app.ports = {ContainerPort{"http", 0, 80, "", ""}, ContainerPort{"dns", 53, 53, "UDP", ""}};
  app.env = {
      EnvVar{"PLAIN", "x", std::nullopt},
      EnvVar{"my.weird name-1", "y", std::nullopt},
      EnvVar{"POD_IP", "", EnvVarSource{ObjectFieldSelector{"", "status.podIP"}, {}, {}, {}}},
      EnvVar{"APP", "",
             EnvVarSource{ObjectFieldSelector{"v1", "metadata.labels['app']"}, {}, {}, {}}},
      EnvVar{"MEM", "",
             EnvVarSource{{}, ResourceFieldSelector{"", "limits.memory", Q("1Mi")}, {}, {}}},
      EnvVar{"KEY", "", EnvVarSource{{}, {}, KeySelector{"app-config", "a.conf", {}}, {}}}};
  app.env_from = {EnvFromSource{"CFG_", ConfigMapEnvSource{"app-config", {}}, std::nullopt}};
  app.volume_mounts = {VolumeMount{.name = "cfg", .mount_path = "/etc/app"},
                       VolumeMount{.name = "host", .mount_path = "/host", .sub_path = "app/logs"},
                       VolumeMount{.name = "proj",
                                   .read_only = true,
                                   .recursive_read_only = "Enabled",
                                   .mount_path = "/proj"}};
  app.resources.limits = {{"cpu", Q("500m")}, {"memory", Q("256Mi")}, {"example.com/gpu", Q("1")}};
  app.resources.requests = {{"cpu", Q("250m")}, {"memory", Q("128Mi")}};
  Probe http;
  http.http_get = HTTPGetAction{
      "/healthz", IntOrString::Str("http"), "", "HTTPS", {HTTPHeader{"X-Probe", "1"}}};
  app.liveness_probe = http;
  app.readiness_probe = TcpProbe(80);
  Probe grpc;
  grpc.grpc = GRPCAction{9090, std::nullopt};
  app.startup_probe = grpc;
  app.lifecycle = Lifecycle{};
  app.lifecycle->pre_stop = LifecycleHandler{};
  app.lifecycle->pre_stop->sleep = SleepAction{5};
  app.security_context = SecurityContext{};
  app.security_context->run_as_user = 1000;
  app.security_context->allow_privilege_escalation = false;
  app.security_context->seccomp_profile = SeccompProfile{"Localhost", "profiles/app.json"};
  app.security_context->capabilities = Capabilities{{"NET_ADMIN"}, {"ALL"}};

  Container sidecar = AppContainer("proxy");
  sidecar.restart_policy = "Always";
  sidecar.readiness_probe = TcpProbe(15000);
  sidecar.startup_probe = TcpProbe(15000);
  Container init = AppContainer("migrate");
  init.command = {"/migrate"};
  pod.spec.init_containers = {init, sidecar};

  SetDefaults(pod);
  pod.spec.security_context->sysctls = {Sysctl{"net.ipv4.ip_local_port_range", "1024 65000"}};
  pod.spec.security_context->supplemental_groups = {2000};
  pod.spec.security_context->fs_group_change_policy = "OnRootMismatch";
  EXPECT_THAT(Strings(ValidatePod(pod)), IsEmpty());
}

TEST(ValidationTest, ReportsEveryPodErrorAtOnce) {
  // A bad enum, a name shared by an init and an app container, and a probe on a regular init
  // container: all three come back from one call, in Kubernetes' order.
  const std::vector<std::string> errs =
      PodErrors([](Pod& p) { p.spec.containers[0].image_pull_policy = "Sometimes"; },
                [](Pod& p) {
                  Container init = AppContainer("app");
                  init.readiness_probe = TcpProbe(80);
                  p.spec.init_containers.push_back(init);
                });
  EXPECT_THAT(errs,
              ElementsAre("spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": "
                          "supported values: \"Always\", \"IfNotPresent\", \"Never\"",
                          "spec.initContainers[0].name: Duplicate value: \"app\"",
                          "spec.initContainers[0].readinessProbe: " + kInitForbidden));
}

TEST(ValidationTest, SidecarInitContainerMayHaveProbesAndHooks) {
  EXPECT_THAT(PodErrors([](Pod&) {},
                        [](Pod& p) {
                          Container sidecar = AppContainer("sidecar");
                          sidecar.restart_policy = "Always";
                          sidecar.liveness_probe = TcpProbe(8080);
                          sidecar.readiness_probe = TcpProbe(8080);
                          sidecar.startup_probe = TcpProbe(8080);
                          sidecar.lifecycle = Lifecycle{};
                          sidecar.lifecycle->post_start = LifecycleHandler{};
                          sidecar.lifecycle->post_start->exec = ExecAction{{"true"}};
                          p.spec.init_containers.push_back(sidecar);
                        }),
              IsEmpty());
}

TEST(ValidationTest, RegularInitContainerMayNotHaveProbesOrHooks) {
  EXPECT_THAT(PodErrors([](Pod&) {},
                        [](Pod& p) {
                          Container init = AppContainer("init");
                          init.lifecycle = Lifecycle{};
                          init.lifecycle->pre_stop = LifecycleHandler{};
                          init.lifecycle->pre_stop->exec = ExecAction{{"true"}};
                          init.liveness_probe = TcpProbe(1);
                          init.startup_probe = TcpProbe(1);
                          p.spec.init_containers.push_back(init);
                        }),
              ElementsAre("spec.initContainers[0].lifecycle: " + kInitForbidden,
                          "spec.initContainers[0].livenessProbe: " + kInitForbidden,
                          "spec.initContainers[0].startupProbe: " + kInitForbidden));
}

TEST(ValidationTest, PodMetadata) {
  RunPodCases({
      {"name not a subdomain",
       [](Pod& p) { p.metadata.name = "My_Pod"; },
       {"metadata.name: Invalid value: \"My_Pod\": " + kSubdomainMsg}},
      {"name missing",
       [](Pod& p) { p.metadata.name = ""; },
       {"metadata.name: Required value: name or generateName is required"}},
      {"bad generateName",
       [](Pod& p) {
         p.metadata.name = "";
         p.metadata.generate_name = "Web-";
       },
       {"metadata.generateName: Invalid value: \"Web-\": " + kSubdomainMsg}},
      {"namespace missing",
       [](Pod& p) { p.metadata.namespace_ = ""; },
       {"metadata.namespace: Required value"}},
      {"namespace not a label",
       [](Pod& p) { p.metadata.namespace_ = "team.a"; },
       {"metadata.namespace: Invalid value: \"team.a\": must not contain dots"}},
      {"negative generation",
       [](Pod& p) { p.metadata.generation = -1; },
       {"metadata.generation: Invalid value: -1: " + kNonNegative}},
      {"label key and value",
       [](Pod& p) {
         p.metadata.labels = {{"bad key", "ok"}, {"app", "-bad"}};
       },
       {"metadata.labels: Invalid value: \"-bad\": " + kLabelValueMsg,
        "metadata.labels: Invalid value: \"bad key\": " + kNamePartMsg}},
      {"label value too long",
       [](Pod& p) {
         p.metadata.labels = {{"a", std::string(64, 'v')}};
       },
       {"metadata.labels: Invalid value: \"" + std::string(64, 'v') +
        "\": must be no more than 63 characters"}},
      {"label key prefix",
       [](Pod& p) {
         p.metadata.labels = {{"Example.com/app", "x"}};
       },
       {"metadata.labels: Invalid value: \"Example.com/app\": prefix part " + kSubdomainMsg}},
      {"label key empty prefix",
       [](Pod& p) {
         p.metadata.labels = {{"/app", "x"}};
       },
       {"metadata.labels: Invalid value: \"/app\": prefix part must be non-empty"}},
      {"label key name too long",
       [](Pod& p) {
         p.metadata.labels = {{"example.com/" + std::string(64, 'k'), "x"}};
       },
       {"metadata.labels: Invalid value: \"example.com/" + std::string(64, 'k') +
        "\": name part must be no more than 63 characters"}},
      {"annotation key",
       [](Pod& p) {
         p.metadata.annotations = {{"a/b/c", "x"}};
       },
       {"metadata.annotations: Invalid value: \"a/b/c\": a qualified name must consist of "
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and "
        "'/' (e.g. 'example.com/MyName')"}},
      {"annotations too large",
       [](Pod& p) {
         p.metadata.annotations = {{"big", std::string(256 * 1024, 'x')}};
       },
       {"metadata.annotations: Too long: may not be more than 262144 bytes"}},
      {"owner reference fields",
       [](Pod& p) {
         p.metadata.owner_references = {OwnerReference{"apps/", "", "", ""}};
       },
       {"metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must not be empty",
        "metadata.ownerReferences.kind: Invalid value: \"\": must not be empty",
        "metadata.ownerReferences.name: Invalid value: \"\": must not be empty",
        "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty"}},
      {"two controllers",
       [](Pod& p) {
         p.metadata.owner_references = {OwnerReference{"apps/v1", "ReplicaSet", "a", "1", true},
                                        OwnerReference{"apps/v1", "ReplicaSet", "b", "2", true}};
       },
       {"metadata.ownerReferences: Invalid value: []v1.OwnerReference{v1.OwnerReference{"
        "APIVersion:\"apps/v1\", Kind:\"ReplicaSet\", Name:\"a\", UID:\"1\", Controller:true}, "
        "v1.OwnerReference{APIVersion:\"apps/v1\", Kind:\"ReplicaSet\", Name:\"b\", UID:\"2\", "
        "Controller:true}}: Only one reference can have Controller set to true. Found \"true\" "
        "in references for ReplicaSet/a and ReplicaSet/b"}},
      {"finalizers",
       [](Pod& p) {
         p.metadata.finalizers = {"foo", "example.com/ok", "bad name/x"};
       },
       {"metadata.finalizers: Invalid value: \"bad name/x\": prefix part " + kSubdomainMsg,
        "metadata.finalizers[0]: Invalid value: \"foo\": name is neither a standard finalizer "
        "name nor is it fully qualified"}},
  });
}

TEST(ValidationTest, ContainerBasics) {
  RunPodCases({
      {"no containers",
       [](Pod& p) { p.spec.containers.clear(); },
       {"spec.containers: Required value"}},
      {"image missing",
       [](Pod& p) { p.spec.containers[0].image = ""; },
       {"spec.containers[0].image: Required value"}},
      {"image with whitespace",
       [](Pod& p) { p.spec.containers[0].image = " nginx"; },
       {"spec.containers[0].image: Invalid value: \" nginx\": must not have leading or trailing "
        "whitespace"}},
      {"name missing",
       [](Pod& p) { p.spec.containers[0].name = ""; },
       {"spec.containers[0].name: Required value"}},
      {"name not a label",
       [](Pod& p) { p.spec.containers[0].name = "App_1"; },
       {"spec.containers[0].name: Invalid value: \"App_1\": " + kLabelMsg}},
      {"duplicate app containers",
       [](Pod& p) { p.spec.containers.push_back(p.spec.containers[0]); },
       {"spec.containers[1].name: Duplicate value: \"app\""}},
      {"termination message policy",
       [](Pod& p) { p.spec.containers[0].termination_message_policy = "Always"; },
       {"spec.containers[0].terminationMessagePolicy: Unsupported value: \"Always\": supported "
        "values: \"File\", \"FallbackToLogsOnError\""}},
      {"pull policy missing",
       [](Pod& p) { p.spec.containers[0].image_pull_policy = ""; },
       {"spec.containers[0].imagePullPolicy: Required value"}},
      {"restartPolicy on an app container",
       [](Pod& p) { p.spec.containers[0].restart_policy = "Always"; },
       {"spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"}},
      {"init restartPolicy other than Always",
       [](Pod& p) {
         Container init = p.spec.containers[0];
         init.name = "init";
         init.restart_policy = "OnFailure";
         p.spec.init_containers.push_back(init);
       },
       {"spec.initContainers[0].restartPolicy: Unsupported value: \"OnFailure\": supported "
        "values: \"Always\""}},
  });
}

TEST(ValidationTest, ContainerPorts) {
  auto ports = [](std::vector<ContainerPort> ps) {
    return [ps](Pod& p) { p.spec.containers[0].ports = ps; };
  };
  RunPodCases({
      {"containerPort missing",
       ports({ContainerPort{"", 0, 0, "TCP", ""}}),
       {"spec.containers[0].ports[0].containerPort: Required value"}},
      {"containerPort range",
       ports({ContainerPort{"", 0, 70000, "TCP", ""}}),
       {"spec.containers[0].ports[0].containerPort: Invalid value: 70000: " + kPortRange}},
      {"hostPort range",
       ports({ContainerPort{"", -1, 80, "TCP", ""}}),
       {"spec.containers[0].ports[0].hostPort: Invalid value: -1: " + kPortRange}},
      {"protocol",
       ports({ContainerPort{"", 0, 80, "HTTP", ""}}),
       {"spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: "
        "\"SCTP\", \"TCP\", \"UDP\""}},
      {"protocol missing",
       ports({ContainerPort{"", 0, 80, "", ""}}),
       {"spec.containers[0].ports[0].protocol: Required value"}},
      {"port name",
       ports({ContainerPort{"HTTP", 0, 80, "TCP", ""}}),
       {"spec.containers[0].ports[0].name: Invalid value: \"HTTP\": must contain only "
        "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        "spec.containers[0].ports[0].name: Invalid value: \"HTTP\": must contain at least one "
        "letter (a-z)"}},
      {"port name hyphens and length",
       ports({ContainerPort{"-a--very-long-name", 0, 80, "TCP", ""}}),
       {"spec.containers[0].ports[0].name: Invalid value: \"-a--very-long-name\": must be no "
        "more than 15 characters",
        "spec.containers[0].ports[0].name: Invalid value: \"-a--very-long-name\": must not "
        "contain consecutive hyphens",
        "spec.containers[0].ports[0].name: Invalid value: \"-a--very-long-name\": must not begin "
        "or end with a hyphen"}},
      {"duplicate port names",
       ports({ContainerPort{"web", 0, 80, "TCP", ""}, ContainerPort{"web", 0, 81, "TCP", ""}}),
       {"spec.containers[0].ports[1].name: Duplicate value: \"web\""}},
      {"host port conflict between containers",
       [](Pod& p) {
         p.spec.containers[0].ports = {ContainerPort{"", 80, 80, "TCP", ""}};
         Container other = AppContainer("other");
         other.image_pull_policy = "IfNotPresent";
         other.termination_message_policy = "File";
         other.ports = {ContainerPort{"", 80, 8080, "TCP", ""}};
         p.spec.containers.push_back(other);
       },
       {"spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//80\""}},
      {"hostNetwork needs hostPort == containerPort",
       [](Pod& p) {
         p.spec.host_network = true;
         p.spec.containers[0].ports = {ContainerPort{"", 8080, 80, "TCP", ""}};
       },
       {"spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` "
        "when `hostNetwork` is true"}},
  });
}

TEST(ValidationTest, ContainerEnv) {
  auto env = [](std::vector<EnvVar> vars) {
    return [vars](Pod& p) { p.spec.containers[0].env = vars; };
  };
  auto from = [](std::optional<ObjectFieldSelector> f,
                 std::optional<ResourceFieldSelector> r = std::nullopt) {
    return EnvVarSource{std::move(f), std::move(r), std::nullopt, std::nullopt};
  };
  const std::string p = "spec.containers[0].env[0]";
  RunPodCases({
      {"name missing", env({EnvVar{"", "x", {}}}), {p + ".name: Required value"}},
      {"name with '='",
       env({EnvVar{"A=B", "x", {}}}),
       {p + ".name: Invalid value: \"A=B\": " + kEnvNameMsg}},
      {"name with a control character",
       env({EnvVar{"A\tB", "x", {}}}),
       {p + ".name: Invalid value: \"A\\tB\": " + kEnvNameMsg}},
      {"valueFrom without a source",
       env({EnvVar{"A", "", EnvVarSource{}}}),
       {p + ".valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, "
            "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"}},
      {"valueFrom and value",
       env({EnvVar{"A", "x", from(ObjectFieldSelector{"v1", "metadata.name"})}}),
       {p + ".valueFrom: Invalid value: \"\": may not be specified when `value` is not empty"}},
      {"two sources",
       env({EnvVar{"A", "",
                   from(ObjectFieldSelector{"v1", "metadata.name"},
                        ResourceFieldSelector{"", "limits.cpu", {}})}}),
       {p + ".valueFrom: Invalid value: \"\": may not have more than one field specified at a "
            "time"}},
      {"whole label map is volume-only",
       env({EnvVar{"A", "", from(ObjectFieldSelector{"v1", "metadata.labels"})}}),
       {p + ".valueFrom.fieldRef.fieldPath: Unsupported value: \"metadata.labels\": supported "
            "values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", "
            "\"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", "
            "\"status.hostIPs\", \"status.podIP\", \"status.podIPs\""}},
      {"unknown field path",
       env({EnvVar{"A", "", from(ObjectFieldSelector{"v1", "spec.foo"})}}),
       {p + ".valueFrom.fieldRef.fieldPath: Invalid value: \"spec.foo\": error converting "
            "fieldPath: field label not supported: spec.foo"}},
      {"bad label subscript",
       env({EnvVar{"A", "", from(ObjectFieldSelector{"v1", "metadata.labels['bad key']"})}}),
       {p + ".valueFrom.fieldRef: Invalid value: \"bad key\": " + kNamePartMsg}},
      {"resource not exposed",
       env({EnvVar{"A", "", from(std::nullopt, ResourceFieldSelector{"", "limits.gpu", {}})}}),
       {p + ".valueFrom.resourceFieldRef.resource: Unsupported value: \"limits.gpu\": supported "
            "values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", "
            "\"requests.cpu\", \"requests.ephemeral-storage\", \"requests.memory\""}},
      {"cpu divisor",
       env({EnvVar{"A", "",
                   from(std::nullopt, ResourceFieldSelector{"", "limits.cpu", Q("10m")})}}),
       {p + ".valueFrom.resourceFieldRef.divisor: Invalid value: \"limits.cpu\": only divisor's "
            "values 1m and 1 are supported with the cpu resource"}},
      {"config map key selector",
       env({EnvVar{"A", "", EnvVarSource{{}, {}, KeySelector{"", "bad key", {}}, {}}}}),
       {p + ".valueFrom.configMapKeyRef.name: Invalid value: \"\": " + kSubdomainMsg,
        p + ".valueFrom.configMapKeyRef.key: Invalid value: \"bad key\": " + kConfigKeyMsg}},
      {"secret key missing",
       env({EnvVar{"A", "", EnvVarSource{{}, {}, {}, KeySelector{"creds", "", {}}}}}),
       {p + ".valueFrom.secretKeyRef.key: Required value"}},
  });
}

TEST(ValidationTest, ContainerEnvFrom) {
  auto env_from = [](std::vector<EnvFromSource> v) {
    return [v](Pod& p) { p.spec.containers[0].env_from = v; };
  };
  RunPodCases({
      {"no source",
       env_from({EnvFromSource{}}),
       {"spec.containers[0].envFrom: Invalid value: \"\": must specify one of: `configMapRef` or "
        "`secretRef`"}},
      {"two sources",
       env_from({EnvFromSource{"", ConfigMapEnvSource{"a", {}}, SecretEnvSource{"b", {}}}}),
       {"spec.containers[0].envFrom: Invalid value: \"\": may not have more than one field "
        "specified at a time"}},
      {"bad prefix and name",
       env_from({EnvFromSource{"A=", ConfigMapEnvSource{"Bad", {}}, std::nullopt}}),
       {"spec.containers[0].envFrom[0].prefix: Invalid value: \"A=\": " + kEnvNameMsg,
        "spec.containers[0].envFrom[0].configMapRef.name: Invalid value: \"Bad\": " +
            kSubdomainMsg}},
      {"secret name missing",
       env_from({EnvFromSource{"", std::nullopt, SecretEnvSource{}}}),
       {"spec.containers[0].envFrom[0].secretRef.name: Required value"}},
  });
}

TEST(ValidationTest, VolumeMounts) {
  auto with_volume = [](std::vector<VolumeMount> mounts) {
    return [mounts](Pod& p) {
      Volume v{.name = "data"};
      v.empty_dir = EmptyDirVolumeSource{};
      p.spec.volumes = {v};
      p.spec.containers[0].volume_mounts = mounts;
    };
  };
  const std::string p = "spec.containers[0].volumeMounts";
  RunPodCases({
      {"unknown volume",
       with_volume({VolumeMount{.name = "logs", .mount_path = "/logs"}}),
       {p + "[0].name: Not found: \"logs\""}},
      {"name and path missing",
       with_volume({VolumeMount{}}),
       {p + "[0].name: Required value", p + "[0].name: Not found: \"\"",
        p + "[0].mountPath: Required value"}},
      {"duplicate mount path",
       with_volume({VolumeMount{.name = "data", .mount_path = "/d"},
                    VolumeMount{.name = "data", .mount_path = "/d"}}),
       {p + "[1].mountPath: Invalid value: \"/d\": must be unique"}},
      {"subPath escaping",
       with_volume({VolumeMount{.name = "data", .mount_path = "/d", .sub_path = "a/../../b"}}),
       {p + ".subPath: Invalid value: \"a/../../b\": must not contain '..'"}},
      {"absolute subPath",
       with_volume({VolumeMount{.name = "data", .mount_path = "/d", .sub_path = "/etc"}}),
       {p + ".subPath: Invalid value: \"/etc\": must be a relative path"}},
      {"mount propagation value",
       with_volume(
           {VolumeMount{.name = "data", .mount_path = "/d", .mount_propagation = "Shared"}}),
       {p + ".mountPropagation: Unsupported value: \"Shared\": supported values: "
            "\"Bidirectional\", \"HostToContainer\", \"None\""}},
      {"bidirectional needs privileged",
       with_volume(
           {VolumeMount{.name = "data", .mount_path = "/d", .mount_propagation = "Bidirectional"}}),
       {p + ".mountPropagation: Forbidden: Bidirectional mount propagation is available only to "
            "privileged containers"}},
      {"recursive read-only needs readOnly",
       with_volume(
           {VolumeMount{.name = "data", .recursive_read_only = "Enabled", .mount_path = "/d"}}),
       {p + ".recursiveReadOnly: Forbidden: may only be specified when readOnly is true"}},
  });
}

TEST(ValidationTest, Resources) {
  auto res = [](ResourceList limits, ResourceList requests) {
    return [limits, requests](Pod& p) {
      p.spec.containers[0].resources = ResourceRequirements{limits, requests};
    };
  };
  const std::string p = "spec.containers[0].resources";
  RunPodCases({
      {"request above limit",
       res({{"cpu", Q("1")}}, {{"cpu", Q("2")}}),
       {p + ".requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"}},
      {"negative quantity",
       res({{"memory", Q("-1")}}, {}),
       {p + ".limits[memory]: Invalid value: \"-1\": " + kNonNegative}},
      {"non-standard name",
       res({{"gpu", Q("1")}}, {}),
       {p + ".limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully "
            "qualified",
        p + ".limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers"}},
      {"fractional device",
       res({{"example.com/gpu", Q("1.5")}}, {{"example.com/gpu", Q("1.5")}}),
       {p + ".limits[example.com/gpu]: Invalid value: 1500m: must be an integer",
        p + ".requests[example.com/gpu]: Invalid value: 1500m: must be an integer"}},
      {"device request without limit",
       res({}, {{"example.com/gpu", Q("1")}}),
       {p + ".limits: Required value: Limit must be set for non overcommitable resources"}},
      {"device request differs from limit",
       res({{"example.com/gpu", Q("2")}}, {{"example.com/gpu", Q("1")}}),
       {p + ".requests: Invalid value: \"1\": must be equal to example.com/gpu limit of 2"}},
  });
}

TEST(ValidationTest, ProbesAndLifecycle) {
  auto on = [](auto set) { return [set](Pod& p) { set(p.spec.containers[0]); }; };
  const std::string p = "spec.containers[0]";
  RunPodCases({
      {"no handler",
       on([](Container& c) { c.liveness_probe = Probe{.success_threshold = 1}; }),
       {p + ".livenessProbe: Required value: must specify a handler type"}},
      {"two handlers",
       on([](Container& c) {
         Probe pr = TcpProbe(80);
         pr.exec = ExecAction{{"true"}};
         pr.success_threshold = 1;
         c.liveness_probe = pr;
       }),
       {p + ".livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"}},
      {"liveness successThreshold",
       on([](Container& c) {
         Probe pr = TcpProbe(80);
         pr.success_threshold = 2;
         c.liveness_probe = pr;
       }),
       {p + ".livenessProbe.successThreshold: Invalid value: 2: must be 1"}},
      {"startup successThreshold and negative period",
       on([](Container& c) {
         Probe pr = TcpProbe(80);
         pr.period_seconds = -1;
         c.startup_probe = pr;
       }),
       {p + ".startupProbe.periodSeconds: Invalid value: -1: " + kNonNegative,
        p + ".startupProbe.successThreshold: Invalid value: 0: must be 1"}},
      {"readiness may succeed more than once",
       on([](Container& c) {
         Probe pr = TcpProbe(80);
         pr.success_threshold = 3;
         c.readiness_probe = pr;
       }),
       {}},
      {"readiness grace period",
       on([](Container& c) {
         Probe pr = TcpProbe(80);
         pr.termination_grace_period_seconds = 5;
         c.readiness_probe = pr;
       }),
       {p + ".readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for "
            "readinessProbes"}},
      {"httpGet port, scheme, path and header",
       on([](Container& c) {
         Probe pr;
         pr.http_get = HTTPGetAction{"", IntOrString::Int(0), "", "FTP", {HTTPHeader{"X Y", ""}}};
         c.readiness_probe = pr;
       }),
       {p + ".readinessProbe.httpGet.path: Required value",
        p + ".readinessProbe.httpGet.port: Invalid value: 0: " + kPortRange,
        p + ".readinessProbe.httpGet.scheme: Unsupported value: \"FTP\": supported values: "
            "\"HTTP\", \"HTTPS\"",
        p + ".readinessProbe.httpGet.httpHeaders: Invalid value: \"X Y\": a valid HTTP header "
            "must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for "
            "validation is '[-A-Za-z0-9]+')"}},
      {"tcpSocket port name",
       on([](Container& c) {
         Probe pr;
         pr.tcp_socket = TCPSocketAction{IntOrString::Str("8080"), ""};
         c.readiness_probe = pr;
       }),
       {p + ".readinessProbe.tcpSocket.port: Invalid value: \"8080\": must contain at least one "
            "letter (a-z)"}},
      {"exec without command",
       on([](Container& c) {
         Probe pr;
         pr.exec = ExecAction{};
         c.readiness_probe = pr;
       }),
       {p + ".readinessProbe.exec.command: Required value"}},
      {"lifecycle hook without handler",
       on([](Container& c) {
         c.lifecycle = Lifecycle{};
         c.lifecycle->pre_stop = LifecycleHandler{};
       }),
       {p + ".lifecycle.preStop: Required value: must specify a handler type"}},
      {"sleep longer than the grace period",
       on([](Container& c) {
         c.lifecycle = Lifecycle{};
         c.lifecycle->pre_stop = LifecycleHandler{};
         c.lifecycle->pre_stop->sleep = SleepAction{60};
       }),
       {p + ".lifecycle.preStop.sleep: Invalid value: 60: must be non-negative and less than "
            "terminationGracePeriodSeconds (30)"}},
  });
}

TEST(ValidationTest, SecurityContexts) {
  auto sc = [](auto set) {
    return [set](Pod& p) {
      p.spec.containers[0].security_context = SecurityContext{};
      set(*p.spec.containers[0].security_context);
    };
  };
  const std::string p = "spec.containers[0].securityContext";
  RunPodCases({
      {"negative user",
       sc([](SecurityContext& s) { s.run_as_user = -1; }),
       {p + ".runAsUser: Invalid value: -1: must be between 0 and 4294967295, inclusive"}},
      {"procMount value",
       sc([](SecurityContext& s) { s.proc_mount = "Weird"; }),
       {p + ".procMount: Unsupported value: \"Weird\": supported values: \"Default\", "
            "\"Unmasked\""}},
      {"unmasked needs a user namespace",
       sc([](SecurityContext& s) { s.proc_mount = "Unmasked"; }),
       {p + ".procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use "
            "`Unmasked`"}},
      {"seccomp type",
       sc([](SecurityContext& s) {
         s.seccomp_profile = SeccompProfile{"Foo", {}};
       }),
       {p + ".seccompProfile.type: Unsupported value: \"Foo\": supported values: \"Localhost\", "
            "\"RuntimeDefault\", \"Unconfined\""}},
      {"seccomp localhost needs a profile",
       sc([](SecurityContext& s) {
         s.seccomp_profile = SeccompProfile{"Localhost", {}};
       }),
       {p + ".seccompProfile.localhostProfile: Required value: must be set when seccomp type is "
            "Localhost"}},
      {"seccomp profile escaping",
       sc([](SecurityContext& s) {
         s.seccomp_profile = SeccompProfile{"Localhost", "../x.json"};
       }),
       {p + ".seccompProfile.localhostProfile: Invalid value: \"../x.json\": must not contain "
            "'..'"}},
      {"seccomp profile without Localhost",
       sc([](SecurityContext& s) {
         s.seccomp_profile = SeccompProfile{"RuntimeDefault", "x"};
       }),
       {p + ".seccompProfile.localhostProfile: Invalid value: \"x\": can only be set when seccomp "
            "type is Localhost"}},
      {"pod run as group",
       [](Pod& pod) { pod.spec.security_context->run_as_group = -5; },
       {"spec.securityContext.runAsGroup: Invalid value: -5: must be between 0 and 4294967295, "
        "inclusive"}},
      {"sysctl under hostNetwork",
       [](Pod& pod) {
         pod.spec.host_network = true;
         pod.spec.security_context->sysctls = {Sysctl{"net.core.somaxconn", "1024"}};
       },
       {"spec.securityContext.sysctls[0].name: Invalid value: \"net.core.somaxconn\": may not be "
        "specified when 'hostNetwork' is true"}},
  });
}

TEST(ValidationTest, PodSpecFields) {
  RunPodCases({
      {"restartPolicy",
       [](Pod& p) { p.spec.restart_policy = "Sometimes"; },
       {"spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
        "\"OnFailure\", \"Never\""}},
      {"dnsPolicy",
       [](Pod& p) { p.spec.dns_policy = "Host"; },
       {"spec.dnsPolicy: Unsupported value: \"Host\": supported values: "
        "\"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\""}},
      {"dnsPolicy None needs dnsConfig",
       [](Pod& p) { p.spec.dns_policy = "None"; },
       {"spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"}},
      {"dnsPolicy None needs a nameserver",
       [](Pod& p) {
         p.spec.dns_policy = "None";
         p.spec.dns_config = PodDNSConfig{};
       },
       {"spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver "
        "when `dnsPolicy` is None"}},
      {"dnsConfig limits",
       [](Pod& p) {
         p.spec.dns_config = PodDNSConfig{
             {"1.1.1.1", "1.1.1.2", "1.1.1.3", "dns"}, {"Example.com"}, {PodDNSConfigOption{}}};
       },
       {"spec.dnsConfig.nameservers: Invalid value: []string{\"1.1.1.1\", \"1.1.1.2\", "
        "\"1.1.1.3\", \"dns\"}: must not have more than 3 nameservers",
        "spec.dnsConfig.nameservers[3]: Invalid value: \"dns\": " + kInvalidIP,
        "spec.dnsConfig.searches[0]: Invalid value: \"Example.com\": a lowercase RFC 1123 "
        "subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'example.com', regex used for "
        "validation is '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')",
        "spec.dnsConfig.options[0]: Required value: must not be empty"}},
      {"too many searches",
       [](Pod& p) {
         p.spec.dns_config = PodDNSConfig{{}, std::vector<std::string>(33, "a"), {}};
       },
       {"spec.dnsConfig.searches: Invalid value: []string{" +
        [] {
          std::string s;
          for (int i = 0; i < 33; ++i) s += std::string(i ? ", " : "") + "\"a\"";
          return s;
        }() +
        "}: must not have more than 32 search paths"}},
      {"negative grace period",
       [](Pod& p) { p.spec.termination_grace_period_seconds = -1; },
       {"spec.terminationGracePeriodSeconds: Invalid value: -1: " + kNonNegative}},
      {"activeDeadlineSeconds",
       [](Pod& p) { p.spec.active_deadline_seconds = 0; },
       {"spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, "
        "inclusive"}},
      {"hostname and subdomain",
       [](Pod& p) {
         p.spec.hostname = "Web";
         p.spec.subdomain = "a.b";
       },
       {"spec.hostname: Invalid value: \"Web\": " + kLabelMsg,
        "spec.subdomain: Invalid value: \"a.b\": must not contain dots"}},
      {"node and service account names",
       [](Pod& p) {
         p.spec.node_name = "Node_1";
         p.spec.service_account_name = "SA";
       },
       {"spec.serviceAccountName: Invalid value: \"SA\": " + kSubdomainMsg,
        "spec.nodeName: Invalid value: \"Node_1\": " + kSubdomainMsg}},
      {"nodeName with scheduling gates",
       [](Pod& p) {
         p.spec.node_name = "n1";
         p.spec.scheduling_gates = {PodSchedulingGate{"example.com/wait"}};
       },
       {"spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"}},
      {"host aliases",
       [](Pod& p) {
         p.spec.host_aliases = {HostAlias{"10.0.0.300", {"Bad_Host"}}};
       },
       {"spec.hostAliases[0].ip: Invalid value: \"10.0.0.300\": " + kInvalidIP,
        "spec.hostAliases[0].hostnames[0]: Invalid value: \"Bad_Host\": " + kSubdomainMsg}},
      {"tolerations",
       [](Pod& p) {
         p.spec.tolerations = {Toleration{"k", "Exists", "v", "", std::nullopt},
                               Toleration{"k", "Like", "", "Never", std::nullopt},
                               Toleration{"", "Equal", "", "NoSchedule", 10}};
       },
       {"spec.tolerations[0].operator: Invalid value: \"v\": value must be empty when "
        "`operator` is 'Exists'",
        "spec.tolerations[1].operator: Unsupported value: \"Like\": supported values: \"Equal\", "
        "\"Exists\"",
        "spec.tolerations[1].effect: Unsupported value: \"Never\": supported values: "
        "\"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
        "spec.tolerations[2].operator: Invalid value: \"Equal\": operator must be Exists when "
        "`key` is empty, which means \"match all values and all keys\"",
        "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' "
        "when `tolerationSeconds` is set"}},
      {"readiness gate",
       [](Pod& p) { p.spec.readiness_gates = {PodReadinessGate{"bad gate"}}; },
       {"spec.readinessGates[0].conditionType: Invalid value: \"bad gate\": " + kNamePartMsg}},
      {"os name",
       [](Pod& p) { p.spec.os = PodOS{"plan9"}; },
       {"spec.os: Unsupported value: \"plan9\": supported values: \"linux\", \"windows\""}},
      {"windows pod with linux settings",
       [](Pod& p) {
         p.spec.os = PodOS{"windows"};
         p.spec.security_context->run_as_user = 0;
       },
       {"spec.securityContext.runAsUser: Forbidden: cannot be set for a windows pod"}},
      {"node selector",
       [](Pod& p) {
         p.spec.node_selector = {{"zone", "a b"}};
       },
       {"spec.nodeSelector: Invalid value: \"a b\": " + kLabelValueMsg}},
  });
}

TEST(ValidationTest, Volumes) {
  auto vol = [](auto set) {
    return [set](Pod& p) {
      Volume v{.name = "data"};
      set(v);
      p.spec.volumes = {v};
    };
  };
  const std::string p = "spec.volumes[0]";
  const std::string mode_msg = "must be a number between 0 and 0777 (octal), both inclusive";
  RunPodCases({
      {"no source", vol([](Volume&) {}), {p + ": Required value: must specify a volume type"}},
      {"two sources",
       vol([](Volume& v) {
         v.empty_dir = EmptyDirVolumeSource{};
         v.host_path = HostPathVolumeSource{"/tmp", ""};
       }),
       {p + ".hostPath: Forbidden: may not specify more than 1 volume type"}},
      {"name",
       vol([](Volume& v) {
         v.name = "Data";
         v.empty_dir = EmptyDirVolumeSource{};
       }),
       {p + ".name: Invalid value: \"Data\": " + kLabelMsg}},
      {"duplicate names",
       [](Pod& pod) {
         Volume v{.name = "data"};
         v.empty_dir = EmptyDirVolumeSource{};
         pod.spec.volumes = {v, v};
       },
       {"spec.volumes[1].name: Duplicate value: \"data\""}},
      {"hostPath path and type",
       vol([](Volume& v) {
         v.host_path = HostPathVolumeSource{"", ""};
       }),
       {p + ".hostPath.path: Required value"}},
      {"hostPath type",
       vol([](Volume& v) {
         v.host_path = HostPathVolumeSource{"/a/../b", "Dir"};
       }),
       {p + ".hostPath.path: Invalid value: \"/a/../b\": must not contain '..'",
        p + ".hostPath.type: Unsupported value: \"Dir\": supported values: \"\", "
            "\"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", "
            "\"FileOrCreate\", \"Socket\""}},
      {"emptyDir medium and size",
       vol([](Volume& v) {
         v.empty_dir = EmptyDirVolumeSource{"Disk", Q("-1")};
       }),
       {p + ".emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity",
        p + ".emptyDir.medium: Unsupported value: \"Disk\": supported values: \"\", \"Memory\", "
            "\"HugePages\""}},
      {"configMap name, items and modes",
       vol([](Volume& v) {
         v.config_map = ConfigMapVolumeSource{
             "",
             {KeyToPath{"", "../x", 1000}, KeyToPath{"k", "/etc/x", {}}, KeyToPath{"k", "..x", {}}},
             -1,
             std::nullopt};
       }),
       {p + ".configMap.name: Required value",
        p + ".configMap.defaultMode: Invalid value: -1: " + mode_msg,
        p + ".configMap.items[0].key: Required value",
        p + ".configMap.items[0].path: Invalid value: \"../x\": must not contain '..'",
        p + ".configMap.items[0].mode: Invalid value: 1000: " + mode_msg,
        p + ".configMap.items[1].path: Invalid value: \"/etc/x\": must be a relative path",
        p + ".configMap.items[2].path: Invalid value: \"..x\": must not start with '..'"}},
      {"secret name",
       vol([](Volume& v) { v.secret = SecretVolumeSource{}; }),
       {p + ".secret.secretName: Required value"}},
      {"claim name",
       vol([](Volume& v) { v.persistent_volume_claim = PersistentVolumeClaimVolumeSource{}; }),
       {p + ".persistentVolumeClaim.claimName: Required value"}},
      {"downwardAPI file",
       vol([](Volume& v) {
         v.downward_api = DownwardAPIVolumeSource{
             {DownwardAPIVolumeFile{"f", ObjectFieldSelector{"v1", "spec.nodeName"}, {}, {}},
              DownwardAPIVolumeFile{"g", {}, {}, {}}},
             {}};
       }),
       {p + ".downwardAPI.fieldRef.fieldPath: Unsupported value: \"spec.nodeName\": supported "
            "values: \"metadata.annotations\", \"metadata.labels\", \"metadata.name\", "
            "\"metadata.namespace\", \"metadata.uid\"",
        p + ".downwardAPI: Required value: one of fieldRef and resourceFieldRef is required"}},
      {"projected sources",
       vol([](Volume& v) {
         VolumeProjection both;
         both.secret = ProjectedItems{"s", {KeyToPath{"a", "same", {}}}, {}};
         both.config_map = ProjectedItems{"c", {KeyToPath{"b", "same", {}}}, {}};
         VolumeProjection token;
         token.service_account_token = ServiceAccountTokenProjection{"", 60, "t"};
         v.projected = ProjectedVolumeSource{{both, token}, {}};
       }),
       {p + ".projected: Invalid value: \"c\": conflicting duplicate paths",
        p + ".projected.sources[0]: Forbidden: may not specify more than 1 volume type per source",
        p + ".projected.sources[1].serviceAccountToken.expirationSeconds: Invalid value: 60: may "
            "not specify a duration less than 10 minutes",
        "spec.volumes[0].projected.sources[1].serviceAccountToken: Forbidden: must not be "
        "specified when serviceAccountName is not set"}},
      {"mount of an invalid volume is not found",
       [](Pod& pod) {
         Volume v{.name = "data"};
         v.secret = SecretVolumeSource{};
         pod.spec.volumes = {v};
         pod.spec.containers[0].volume_mounts = {VolumeMount{.name = "data", .mount_path = "/d"}};
       },
       {"spec.volumes[0].secret.secretName: Required value",
        "spec.containers[0].volumeMounts[0].name: Not found: \"data\""}},
  });
}

// ---- services and endpoints ----------------------------------------------------------------

Service BaseService() {
  Service svc;
  svc.metadata.name = "web";
  svc.metadata.namespace_ = "default";
  svc.spec.selector = {{"app", "web"}};
  svc.spec.ports = {ServicePort{.port = 80}};
  return svc;
}

std::vector<std::string> ServiceErrors(const std::function<void(Service&)>& before,
                                       const std::function<void(Service&)>& after = nullptr) {
  Service svc = BaseService();
  before(svc);
  SetDefaults(svc);
  if (after) after(svc);
  return Strings(ValidateService(svc));
}

TEST(ValidationTest, ValidServices) {
  EXPECT_THAT(ServiceErrors([](Service&) {}), IsEmpty());
  EXPECT_THAT(ServiceErrors([](Service& s) {
                s.spec.cluster_ip = "None";
                s.spec.ports.clear();
              }),
              IsEmpty());
  EXPECT_THAT(ServiceErrors([](Service& s) {
                s.spec.type = "NodePort";
                s.spec.ports = {ServicePort{.name = "http", .port = 80, .node_port = 30080},
                                ServicePort{.name = "dns",
                                            .protocol = "UDP",
                                            .port = 53,
                                            .target_port = IntOrString::Str("dns")}};
                s.spec.session_affinity = "ClientIP";
              }),
              IsEmpty());
  EXPECT_THAT(ServiceErrors([](Service& s) {
                s.spec.type = "ExternalName";
                s.spec.external_name = "db.example.com.";
                s.spec.ports.clear();
                s.spec.selector.clear();
              }),
              IsEmpty());
}

TEST(ValidationTest, ServiceRules) {
  struct SvcCase {
    const char* name;
    std::function<void(Service&)> before;
    std::vector<std::string> want;
  };
  const std::vector<SvcCase> cases = {
      {"name is a DNS-1035 label",
       [](Service& s) { s.metadata.name = "1web"; },
       {"metadata.name: Invalid value: \"1web\": " + kDNS1035Msg}},
      {"ports required", [](Service& s) { s.spec.ports.clear(); }, {"spec.ports: Required value"}},
      {"names required with several ports",
       [](Service& s) {
         s.spec.ports = {ServicePort{.port = 80}, ServicePort{.port = 443}};
       },
       {"spec.ports[0].name: Required value", "spec.ports[1].name: Required value"}},
      {"duplicate names and ports",
       [](Service& s) {
         s.spec.ports = {ServicePort{.name = "web", .port = 80},
                         ServicePort{.name = "web", .port = 80}};
       },
       {"spec.ports[1].name: Duplicate value: \"web\"",
        "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", "
        "AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, "
        "StrVal:\"\"}, NodePort:0}"}},
      {"port, protocol and targetPort",
       [](Service& s) {
         s.spec.ports = {ServicePort{.name = "Web",
                                     .protocol = "HTTP",
                                     .port = 0,
                                     .target_port = IntOrString::Str("web_port")}};
       },
       {"spec.ports[0].name: Invalid value: \"Web\": " + kLabelMsg,
        "spec.ports[0].port: Invalid value: 0: " + kPortRange,
        "spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", "
        "\"TCP\", \"UDP\"",
        "spec.ports[0].targetPort: Invalid value: \"web_port\": must contain only alpha-numeric "
        "characters (a-z, 0-9), and hyphens (-)"}},
      {"type",
       [](Service& s) { s.spec.type = "Internal"; },
       {"spec.type: Unsupported value: \"Internal\": supported values: \"ClusterIP\", "
        "\"ExternalName\", \"LoadBalancer\", \"NodePort\""}},
      {"nodePort on ClusterIP",
       [](Service& s) { s.spec.ports[0].node_port = 30080; },
       {"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"}},
      {"nodePort out of range",
       [](Service& s) {
         s.spec.type = "NodePort";
         s.spec.ports[0].node_port = 80;
       },
       {"spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The "
        "range of valid ports is 30000-32767"}},
      {"session affinity",
       [](Service& s) { s.spec.session_affinity = "Sticky"; },
       {"spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", "
        "\"None\""}},
      {"clusterIP",
       [](Service& s) { s.spec.cluster_ip = "10.0.0"; },
       {"spec.clusterIPs[0]: Invalid value: \"10.0.0\": " + kInvalidIP}},
      {"headless NodePort",
       [](Service& s) {
         s.spec.type = "NodePort";
         s.spec.cluster_ip = "None";
       },
       {"spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort "
        "services"}},
      {"selector",
       [](Service& s) {
         s.spec.selector = {{"app", "web server"}};
       },
       {"spec.selector: Invalid value: \"web server\": " + kLabelValueMsg}},
      {"externalName required",
       [](Service& s) {
         s.spec.type = "ExternalName";
         s.spec.ports.clear();
       },
       {"spec.externalName: Required value"}},
      {"externalName subdomain",
       [](Service& s) {
         s.spec.type = "ExternalName";
         s.spec.external_name = "DB.example.com";
       },
       {"spec.externalName: Invalid value: \"DB.example.com\": " + kSubdomainMsg}},
      {"externalTrafficPolicy value",
       [](Service& s) {
         s.spec.type = "NodePort";
         s.spec.external_traffic_policy = "Everywhere";
       },
       {"spec.externalTrafficPolicy: Unsupported value: \"Everywhere\": supported values: "
        "\"Cluster\", \"Local\""}},
      {"externalTrafficPolicy on ClusterIP",
       [](Service& s) { s.spec.external_traffic_policy = "Local"; },
       {"spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for "
        "externally-accessible services"}},
      {"internalTrafficPolicy",
       [](Service& s) { s.spec.internal_traffic_policy = "Node"; },
       {"spec.internalTrafficPolicy: Unsupported value: \"Node\": supported values: \"Cluster\", "
        "\"Local\""}},
  };
  for (const SvcCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ServiceErrors(c.before), c.want);
  }
  // sessionAffinityConfig is defaulted for ClientIP; an out-of-range timeout stays an error.
  EXPECT_THAT(ServiceErrors([](Service& s) { s.spec.session_affinity = "ClientIP"; },
                            [](Service& s) {
                              s.spec.session_affinity_config->client_ip->timeout_seconds = 0;
                            }),
              ElementsAre("spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: "
                          "must be greater than 0 and less than 86400"));
}

TEST(ValidationTest, Endpoints) {
  Endpoints ep;
  ep.metadata.name = "web";
  ep.metadata.namespace_ = "default";
  EndpointSubset ok;
  ok.addresses = {EndpointAddress{.ip = "10.1.0.5", .hostname = "web-0"}};
  ok.ports = {EndpointPort{.name = "http", .port = 80, .protocol = "TCP"}};
  EndpointSubset bad;
  bad.not_ready_addresses = {EndpointAddress{.ip = "127.0.0.1"}, EndpointAddress{.ip = "x"}};
  bad.ports = {EndpointPort{.port = 0, .protocol = "TCP"}, EndpointPort{.name = "b", .port = 1}};
  ep.subsets = {ok, bad, EndpointSubset{}};
  EXPECT_THAT(
      Strings(Validate(ep)),
      ElementsAre(
          "subsets[1].notReadyAddresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the "
          "loopback range (127.0.0.0/8, ::1/128)",
          "subsets[1].notReadyAddresses[1].ip: Invalid value: \"x\": " + kInvalidIP,
          "subsets[1].notReadyAddresses[1].ip: Invalid value: \"x\": must be a valid IP address",
          "subsets[1].ports[0].name: Required value",
          "subsets[1].ports[0].port: Invalid value: 0: " + kPortRange,
          "subsets[1].ports[1].protocol: Required value",
          "subsets[2]: Required value: must specify `addresses` or `notReadyAddresses`"));
}

// ---- deployments and replica sets -----------------------------------------------------------

Deployment BaseDeployment() {
  Deployment d;
  d.metadata.name = "web";
  d.metadata.namespace_ = "default";
  d.spec.selector = LabelSelector{{{"app", "web"}}, {}};
  d.spec.template_.metadata.labels = {{"app", "web"}, {"tier", "front"}};
  d.spec.template_.spec.containers.push_back(AppContainer());
  return d;
}

std::vector<std::string> DeploymentErrors(const std::function<void(Deployment&)>& before,
                                          const std::function<void(Deployment&)>& after = nullptr) {
  Deployment d = BaseDeployment();
  before(d);
  SetDefaults(d);
  if (after) after(d);
  return Strings(ValidateDeployment(d));
}

TEST(ValidationTest, ValidDeployment) {
  EXPECT_THAT(DeploymentErrors([](Deployment&) {}), IsEmpty());
  EXPECT_THAT(DeploymentErrors([](Deployment& d) {
                d.spec.selector->match_expressions = {
                    LabelSelectorRequirement{"tier", "In", {"front", "back"}},
                    LabelSelectorRequirement{"canary", "DoesNotExist", {}}};
                d.spec.strategy.type = "Recreate";
                d.spec.template_.spec.host_network = true;
                d.spec.template_.spec.containers[0].ports = {ContainerPort{"", 0, 80, "", ""}};
              }),
              IsEmpty());
}

TEST(ValidationTest, DeploymentRules) {
  struct DCase {
    const char* name;
    std::function<void(Deployment&)> before;
    std::function<void(Deployment&)> after;
    std::vector<std::string> want;
  };
  const std::string mismatch = "`selector` does not match template `labels`";
  const std::string empty_selector =
      "&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]"
      "LabelSelectorRequirement{},}";
  const std::vector<DCase> cases = {
      {"selector does not match the template",
       [](Deployment& d) {
         d.spec.template_.metadata.labels = {{"app", "other"}};
       },
       nullptr,
       {"spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: " +
        mismatch}},
      {"selector missing",
       [](Deployment& d) { d.spec.selector.reset(); },
       nullptr,
       {"spec.selector: Required value",
        "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\", "
        "\"tier\":\"front\"}: " +
            mismatch}},
      {"empty selector",
       [](Deployment& d) { d.spec.selector = LabelSelector{}; },
       nullptr,
       {"spec.selector: Invalid value: " + empty_selector +
        ": empty selector is invalid for deployment"}},
      {"bad expressions",
       [](Deployment& d) {
         d.spec.selector->match_expressions = {LabelSelectorRequirement{"tier", "In", {}},
                                               LabelSelectorRequirement{"x", "Exists", {"y"}},
                                               LabelSelectorRequirement{"z", "Equals", {"1"}}};
       },
       nullptr,
       {"spec.selector.matchExpressions[0].values: Required value: must be specified when "
        "`operator` is 'In' or 'NotIn'",
        "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when "
        "`operator` is 'Exists' or 'DoesNotExist'",
        "spec.selector.matchExpressions[2].operator: Invalid value: \"Equals\": not a valid "
        "selector operator",
        "spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{app: web,},"
        "MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,"
        "Operator:In,Values:[],},LabelSelectorRequirement{Key:x,Operator:Exists,Values:[y],},"
        "LabelSelectorRequirement{Key:z,Operator:Equals,Values:[1],},},}: invalid label "
        "selector"}},
      {"template restartPolicy",
       [](Deployment& d) { d.spec.template_.spec.restart_policy = "Never"; },
       nullptr,
       {"spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: "
        "\"Always\""}},
      {"template pod spec",
       [](Deployment& d) {
         d.spec.template_.spec.containers[0].image = "";
         d.spec.template_.spec.active_deadline_seconds = 10;
       },
       nullptr,
       {"spec.template.spec.containers[0].image: Required value",
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet "
        "is not Supported"}},
      {"template labels",
       [](Deployment& d) { d.spec.template_.metadata.labels["bad key"] = "x"; },
       nullptr,
       {"spec.template.labels: Invalid value: \"bad key\": " + kNamePartMsg}},
      {"negative replicas",
       [](Deployment& d) { d.spec.replicas = -1; },
       nullptr,
       {"spec.replicas: Invalid value: -1: " + kNonNegative}},
      {"strategy type",
       nullptr,
       [](Deployment& d) {
         d.spec.strategy = DeploymentStrategy{"BlueGreen", std::nullopt};
       },
       {"spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:\"BlueGreen\", "
        "RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: \"Recreate\", "
        "\"RollingUpdate\""}},
      {"Recreate with rollingUpdate",
       nullptr,
       [](Deployment& d) { d.spec.strategy.type = "Recreate"; },
       {"spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is "
        "'Recreate'"}},
      {"malformed percent",
       nullptr,
       [](Deployment& d) {
         d.spec.strategy.rolling_update->max_surge = IntOrString::Str("20Percent");
       },
       {"spec.strategy.rollingUpdate.maxSurge: Invalid value: 20Percent: " + kPercentMsg}},
      {"both zero",
       nullptr,
       [](Deployment& d) {
         d.spec.strategy.rolling_update->max_surge = IntOrString::Str("0%");
         d.spec.strategy.rolling_update->max_unavailable = IntOrString::Int(0);
       },
       {"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when "
        "`maxSurge` is 0"}},
      {"maxUnavailable over 100%",
       nullptr,
       [](Deployment& d) {
         d.spec.strategy.rolling_update->max_unavailable = IntOrString::Str("110%");
       },
       {"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 110%: must not be greater "
        "than 100%"}},
      {"negative maxSurge",
       nullptr,
       [](Deployment& d) { d.spec.strategy.rolling_update->max_surge = IntOrString::Int(-1); },
       {"spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: " + kNonNegative}},
      {"revisionHistoryLimit",
       [](Deployment& d) { d.spec.revision_history_limit = -1; },
       nullptr,
       {"spec.revisionHistoryLimit: Invalid value: -1: " + kNonNegative}},
      {"progress deadline not after minReady",
       [](Deployment& d) {
         d.spec.min_ready_seconds = 10;
         d.spec.progress_deadline_seconds = 10;
       },
       nullptr,
       {"spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds"}},
  };
  for (const DCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(DeploymentErrors(
                  c.before ? c.before : [](Deployment&) {}, c.after),
              c.want);
  }
}

TEST(ValidationTest, ReplicaSet) {
  ReplicaSet rs;
  rs.metadata.name = "web-1";
  rs.metadata.namespace_ = "default";
  rs.spec.selector = LabelSelector{};
  rs.spec.template_.spec.containers.push_back(AppContainer());
  SetDefaults(rs);
  EXPECT_THAT(Strings(ValidateReplicaSet(rs)),
              ElementsAre("spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]"
                          "string{},MatchExpressions:[]LabelSelectorRequirement{},}: empty "
                          "selector is invalid for deployment"));
  rs.spec.selector = LabelSelector{{{"app", "web"}}, {}};
  rs.spec.template_.metadata.labels = {{"app", "web"}};
  rs.spec.replicas = -2;
  EXPECT_THAT(Strings(Validate(rs)),
              ElementsAre("spec.replicas: Invalid value: -2: " + kNonNegative));
}

// ---- config maps and secrets -----------------------------------------------------------------

TEST(ValidationTest, ConfigMapKeys) {
  ConfigMap cm;
  cm.metadata.name = "app-config";
  cm.metadata.namespace_ = "default";
  cm.data = {{"app.conf", "x"}, {"KEY_NAME", "y"}};
  cm.binary_data = {{"logo.png", Bytes{"\x89PNG"}}};
  EXPECT_THAT(Strings(Validate(cm)), IsEmpty());

  cm.data = {{"bad key", "x"}, {"..", "y"}, {"..data", "z"}, {"logo.png", "w"}};
  cm.binary_data = {{"logo.png", Bytes{"\x89PNG"}}, {"a/b", Bytes{"x"}}};
  EXPECT_THAT(Strings(Validate(cm)),
              ElementsAre("data[..]: Invalid value: \"..\": must not be '..'",
                          "data[..data]: Invalid value: \"..data\": must not start with '..'",
                          "data[bad key]: Invalid value: \"bad key\": " + kConfigKeyMsg,
                          "data[logo.png]: Invalid value: \"logo.png\": duplicate of key present "
                          "in binaryData",
                          "binaryData[a/b]: Invalid value: \"a/b\": " + kConfigKeyMsg));

  cm.data = {{"big", std::string(1024 * 1024 + 1, 'x')}};
  cm.binary_data.clear();
  EXPECT_THAT(Strings(Validate(cm)),
              ElementsAre("[]: Too long: may not be more than 1048576 bytes"));
}

TEST(ValidationTest, SecretTypes) {
  auto errors = [](std::string type, std::map<std::string, std::string> data,
                   StringMap string_data = {}) {
    Secret s;
    s.metadata.name = "creds";
    s.metadata.namespace_ = "default";
    s.type = std::move(type);
    for (auto& [k, v] : data) s.data[k] = Bytes{v};
    s.string_data = std::move(string_data);
    return Strings(Validate(s));
  };
  EXPECT_THAT(errors("Opaque", {{"password", "x"}}), IsEmpty());
  EXPECT_THAT(errors("kubernetes.io/dockerconfigjson", {{".dockerconfigjson", "{\"auths\":{}}"}}),
              IsEmpty());
  EXPECT_THAT(errors("kubernetes.io/dockerconfigjson", {}),
              ElementsAre("data[.dockerconfigjson]: Required value"));
  EXPECT_THAT(errors("kubernetes.io/dockerconfigjson", {{".dockerconfigjson", "[1]"}}),
              ElementsAre("data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": "
                          "json: cannot unmarshal array into Go value of type map[string]interface "
                          "{}"));
  EXPECT_THAT(errors("kubernetes.io/dockerconfigjson", {{".dockerconfigjson", "{\"auths\":"}}),
              ElementsAre("data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": "
                          "unexpected end of JSON input"));
  EXPECT_THAT(errors("kubernetes.io/tls", {{"tls.crt", "c"}}),
              ElementsAre("data[tls.key]: Required value"));
  EXPECT_THAT(errors("kubernetes.io/basic-auth", {}),
              ElementsAre("data[username]: Required value", "data[password]: Required value"));
  EXPECT_THAT(errors("kubernetes.io/basic-auth", {}, {{"username", "u"}}), IsEmpty());
  EXPECT_THAT(errors("kubernetes.io/ssh-auth", {{"ssh-privatekey", ""}}),
              ElementsAre("data[ssh-privatekey]: Required value"));
  EXPECT_THAT(errors("kubernetes.io/service-account-token", {}),
              ElementsAre("metadata.annotations[kubernetes.io/service-account.name]: Required "
                          "value"));
  EXPECT_THAT(errors("Opaque", {}, {{"bad key", "x"}}),
              ElementsAre("data[bad key]: Invalid value: \"bad key\": " + kConfigKeyMsg));
  EXPECT_THAT(errors("Opaque", {{"big", std::string(1024 * 1024 + 1, 'x')}}),
              ElementsAre("data: Too long: may not be more than 1048576 bytes"));
}

// ---- cluster-scoped kinds, events, service accounts -------------------------------------------

TEST(ValidationTest, NamespaceNode) {
  Namespace ns;
  ns.metadata.name = "team-a";
  EXPECT_THAT(Strings(Validate(ns)), IsEmpty());
  ns.metadata.name = "team.a";
  ns.metadata.namespace_ = "default";
  ns.spec.finalizers = {"custom"};
  EXPECT_THAT(Strings(Validate(ns)),
              ElementsAre("metadata.name: Invalid value: \"team.a\": must not contain dots",
                          "metadata.namespace: Forbidden: not allowed on this type",
                          "spec.finalizers: Invalid value: \"custom\": name is neither a standard "
                          "finalizer name nor is it fully qualified"));

  Node node;
  node.metadata.name = "node-1.example.com";
  node.spec.taints = {Taint{"dedicated", "gpu", "NoSchedule", {}},
                      Taint{"dedicated", "other", "NoSchedule", {}}, Taint{"k", "", "", {}},
                      Taint{"k2", "", "Never", {}}};
  EXPECT_THAT(
      Strings(Validate(node)),
      ElementsAre("metadata.taints[1]: Duplicate value: core.Taint{Key:\"dedicated\", "
                  "Value:\"other\", Effect:\"NoSchedule\", TimeAdded:<nil>}: taints must be unique "
                  "by key and effect pair",
                  "metadata.taints[2].effect: Required value",
                  "metadata.taints[3].effect: Unsupported value: \"Never\": supported values: "
                  "\"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""));
  node.spec.taints.clear();
  node.metadata.name = "Node_1";
  EXPECT_THAT(Strings(Validate(node)),
              ElementsAre("metadata.name: Invalid value: \"Node_1\": " + kSubdomainMsg));
}

TEST(ValidationTest, EventsAndServiceAccounts) {
  Event ev;
  ev.metadata.name = "web.17a8b";
  ev.metadata.namespace_ = "default";
  ev.involved_object = ObjectReference{.kind = "Pod", .namespace_ = "default", .name = "web"};
  ev.reason = "Started";
  ev.type = "Normal";
  EXPECT_THAT(Strings(Validate(ev)), IsEmpty());
  ev.involved_object.namespace_ = "other";
  ev.type = "Error";
  EXPECT_THAT(Strings(Validate(ev)),
              ElementsAre("involvedObject.namespace: Invalid value: \"other\": does not match "
                          "event.namespace",
                          "type: Invalid value: \"\": has invalid value: Error"));
  // An event about a node (cluster-scoped) lives in "default".
  ev.involved_object = ObjectReference{.kind = "Node", .name = "node-1"};
  ev.type = "Warning";
  EXPECT_THAT(Strings(Validate(ev)), IsEmpty());

  ServiceAccount sa;
  sa.metadata.name = "Builder";
  sa.metadata.namespace_ = "default";
  EXPECT_THAT(Strings(Validate(sa)),
              ElementsAre("metadata.name: Invalid value: \"Builder\": " + kSubdomainMsg));
}

TEST(ValidationTest, ValidateDispatchesEveryKind) {
  Pod pod = BasePod();
  pod.metadata.name = "";
  SetDefaults(pod);
  EXPECT_THAT(Strings(Validate(Object(pod))),
              ElementsAre("metadata.name: Required value: name or generateName is required"));
  Service svc = BaseService();
  svc.metadata.name = "Web";
  SetDefaults(svc);
  EXPECT_THAT(Strings(Validate(Object(svc))),
              ElementsAre("metadata.name: Invalid value: \"Web\": " + kDNS1035Msg));
  Deployment d = BaseDeployment();
  d.metadata.namespace_ = "";
  SetDefaults(d);
  EXPECT_THAT(Strings(Validate(Object(d))), ElementsAre("metadata.namespace: Required value"));
}

TEST(ValidationTest, PodSpecEntryPointUsesTheGivenPath) {
  Pod pod = BasePod();
  SetDefaults(pod);
  pod.spec.containers[0].image = "";
  EXPECT_THAT(Strings(ValidatePodSpec(pod.spec, FieldPath("spec").Child("template").Child("spec"))),
              ElementsAre("spec.template.spec.containers[0].image: Required value"));
}

}  // namespace
}  // namespace cubelet::api
