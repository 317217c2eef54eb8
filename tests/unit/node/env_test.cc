// The container environment: service links, envFrom, env with $(VAR) expansion and valueFrom,
// in the kubelet's order and with its CreateContainerConfigError messages.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node/node.h"
#include "node/pod_env.h"

namespace cubelet::node {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

api::Quantity Q(const char* text) { return api::Quantity::Parse(text).value(); }

api::Service Svc(const std::string& ns, const std::string& name, const std::string& ip,
                 std::vector<api::ServicePort> ports) {
  api::Service s;
  s.metadata.namespace_ = ns;
  s.metadata.name = name;
  s.spec.cluster_ip = ip;
  s.spec.ports = std::move(ports);
  return s;
}

api::ServicePort Port(const std::string& name, int32_t port, const std::string& proto = "TCP") {
  api::ServicePort p;
  p.name = name;
  p.port = port;
  p.protocol = proto;
  return p;
}

api::ConfigMap Cm(const std::string& name, api::StringMap data) {
  api::ConfigMap cm;
  cm.metadata.namespace_ = "ns";
  cm.metadata.name = name;
  cm.data = std::move(data);
  return cm;
}

api::Secret Sec(const std::string& name, std::map<std::string, std::string> data) {
  api::Secret s;
  s.metadata.namespace_ = "ns";
  s.metadata.name = name;
  for (auto& [k, v] : data) s.data[k] = api::Bytes{v};
  return s;
}

api::EnvVar Value(const std::string& name, const std::string& value) {
  api::EnvVar e;
  e.name = name;
  e.value = value;
  return e;
}

api::EnvVar Field(const std::string& name, const std::string& path) {
  api::EnvVar e;
  e.name = name;
  e.value_from.emplace().field_ref.emplace().field_path = path;
  return e;
}

api::EnvVar Resource(const std::string& name, const std::string& resource,
                     const char* divisor = nullptr, const std::string& container = "") {
  api::EnvVar e;
  e.name = name;
  auto& ref = e.value_from.emplace().resource_field_ref.emplace();
  ref.resource = resource;
  ref.container_name = container;
  if (divisor) ref.divisor = Q(divisor);
  return e;
}

api::EnvVar KeyRef(const std::string& name, bool secret, const std::string& obj,
                   const std::string& key, std::optional<bool> optional = std::nullopt) {
  api::EnvVar e;
  e.name = name;
  api::KeySelector sel{obj, key, optional};
  if (secret) {
    e.value_from.emplace().secret_key_ref = sel;
  } else {
    e.value_from.emplace().config_map_key_ref = sel;
  }
  return e;
}

api::EnvFromSource From(bool secret, const std::string& name, const std::string& prefix = "",
                        std::optional<bool> optional = std::nullopt) {
  api::EnvFromSource f;
  f.prefix = prefix;
  if (secret) {
    f.secret_ref = api::SecretEnvSource{name, optional};
  } else {
    f.config_map_ref = api::ConfigMapEnvSource{name, optional};
  }
  return f;
}

class EnvTest : public ::testing::Test {
 protected:
  EnvTest() {
    pod_.metadata.namespace_ = "ns";
    pod_.metadata.name = "web";
    pod_.metadata.uid = "uid-1";
    pod_.spec.node_name = "node1";
    pod_.spec.service_account_name = "sa";
    pod_.spec.enable_service_links = false;  // most tests look at one thing at a time
    node_.name = "node1";
    node_.host_ip = "192.168.1.10";
    node_.cpu_milli = 4000;
    node_.memory_bytes = int64_t{8} << 30;
  }

  api::Container& C() {
    if (pod_.spec.containers.empty()) pod_.spec.containers.emplace_back().name = "app";
    return pod_.spec.containers[0];
  }

  base::Result<EnvList> Env() { return ContainerEnv(pod_, C(), &objects_, node_); }
  EnvList EnvOk() {
    auto env = Env();
    EXPECT_TRUE(env.ok()) << env.status().ToString();
    return env.ok() ? *env : EnvList{};
  }
  std::string EnvError() {
    auto env = Env();
    EXPECT_FALSE(env.ok());
    return env.ok() ? "" : env.status().message();
  }

  api::Pod pod_;
  NodeInfo node_;
  MemoryObjects objects_;
};

// ---- service links ------------------------------------------------------------------------

TEST(ServiceEnvTest, EveryVariableOfSection11_2InOrder) {
  EnvList env =
      ServiceEnv({Svc("ns", "my-db", "10.0.0.5", {Port("", 5432), Port("metrics", 9187)})});
  EXPECT_THAT(
      env,
      ElementsAre(
          Pair("MY_DB_SERVICE_HOST", "10.0.0.5"), Pair("MY_DB_SERVICE_PORT", "5432"),
          Pair("MY_DB_SERVICE_PORT_METRICS", "9187"), Pair("MY_DB_PORT", "tcp://10.0.0.5:5432"),
          Pair("MY_DB_PORT_5432_TCP", "tcp://10.0.0.5:5432"),
          Pair("MY_DB_PORT_5432_TCP_PROTO", "tcp"), Pair("MY_DB_PORT_5432_TCP_PORT", "5432"),
          Pair("MY_DB_PORT_5432_TCP_ADDR", "10.0.0.5"),
          Pair("MY_DB_PORT_9187_TCP", "tcp://10.0.0.5:9187"),
          Pair("MY_DB_PORT_9187_TCP_PROTO", "tcp"), Pair("MY_DB_PORT_9187_TCP_PORT", "9187"),
          Pair("MY_DB_PORT_9187_TCP_ADDR", "10.0.0.5")));
}

TEST(ServiceEnvTest, PortNamesWithDashesAndUdpAndDefaultProtocol) {
  EnvList env = ServiceEnv({Svc("ns", "dns", "10.0.0.10", {Port("dns-udp", 53, "UDP")})});
  EXPECT_THAT(
      env, ElementsAre(
               Pair("DNS_SERVICE_HOST", "10.0.0.10"), Pair("DNS_SERVICE_PORT", "53"),
               Pair("DNS_SERVICE_PORT_DNS_UDP", "53"), Pair("DNS_PORT", "udp://10.0.0.10:53"),
               Pair("DNS_PORT_53_UDP", "udp://10.0.0.10:53"), Pair("DNS_PORT_53_UDP_PROTO", "udp"),
               Pair("DNS_PORT_53_UDP_PORT", "53"), Pair("DNS_PORT_53_UDP_ADDR", "10.0.0.10")));
  // An unset protocol is TCP.
  EnvList tcp = ServiceEnv({Svc("ns", "x", "10.0.0.1", {Port("", 80, "")})});
  EXPECT_THAT(tcp, ::testing::Contains(Pair("X_PORT_80_TCP_PROTO", "tcp")));
}

TEST(ServiceEnvTest, Ipv6AddressesAreBracketedInUrlsOnly) {
  EnvList env = ServiceEnv({Svc("ns", "v6", "fd00::1", {Port("", 443)})});
  EXPECT_THAT(env,
              ElementsAre(Pair("V6_SERVICE_HOST", "fd00::1"), Pair("V6_SERVICE_PORT", "443"),
                          Pair("V6_PORT", "tcp://[fd00::1]:443"),
                          Pair("V6_PORT_443_TCP", "tcp://[fd00::1]:443"),
                          Pair("V6_PORT_443_TCP_PROTO", "tcp"), Pair("V6_PORT_443_TCP_PORT", "443"),
                          Pair("V6_PORT_443_TCP_ADDR", "fd00::1")));
}

TEST(ServiceEnvTest, HeadlessAndIplessServicesHaveNoVariables) {
  EXPECT_THAT(ServiceEnv({Svc("ns", "headless", "None", {Port("", 80)}),
                          Svc("ns", "external", "", {Port("", 80)})}),
              IsEmpty());
}

TEST_F(EnvTest, ServiceLinksOfTheNamespaceSortedByNameThenEnvFromThenEnv) {
  pod_.spec.enable_service_links = std::nullopt;  // unset means enabled
  objects_.Put(Svc("default", "kubernetes", "10.96.0.1", {Port("https", 443)}));
  objects_.Put(Svc("default", "other", "10.96.0.2", {Port("", 80)}));  // another namespace
  objects_.Put(Svc("ns", "zeta", "10.0.0.2", {Port("", 81)}));
  objects_.Put(Svc("ns", "alpha", "10.0.0.1", {Port("", 80)}));
  objects_.Put(Svc("ns", "headless", "None", {Port("", 80)}));
  objects_.Put(Cm("cfg", {{"FROM_CM", "1"}}));
  C().env_from = {From(false, "cfg")};
  C().env = {Value("LAST", "x")};
  EnvList env = EnvOk();
  std::vector<std::string> names;
  for (const auto& [k, v] : env) names.push_back(k);
  EXPECT_THAT(
      names,
      ElementsAre("ALPHA_SERVICE_HOST", "ALPHA_SERVICE_PORT", "ALPHA_PORT", "ALPHA_PORT_80_TCP",
                  "ALPHA_PORT_80_TCP_PROTO", "ALPHA_PORT_80_TCP_PORT", "ALPHA_PORT_80_TCP_ADDR",
                  "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
                  "KUBERNETES_SERVICE_PORT_HTTPS", "KUBERNETES_PORT", "KUBERNETES_PORT_443_TCP",
                  "KUBERNETES_PORT_443_TCP_PROTO", "KUBERNETES_PORT_443_TCP_PORT",
                  "KUBERNETES_PORT_443_TCP_ADDR", "ZETA_SERVICE_HOST", "ZETA_SERVICE_PORT",
                  "ZETA_PORT", "ZETA_PORT_81_TCP", "ZETA_PORT_81_TCP_PROTO",
                  "ZETA_PORT_81_TCP_PORT", "ZETA_PORT_81_TCP_ADDR", "FROM_CM", "LAST"));
}

TEST_F(EnvTest, DisabledServiceLinksStillGetTheKubernetesService) {
  pod_.spec.enable_service_links = false;
  objects_.Put(Svc("default", "kubernetes", "10.96.0.1", {Port("https", 443)}));
  objects_.Put(Svc("ns", "alpha", "10.0.0.1", {Port("", 80)}));
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
                                   Pair("KUBERNETES_SERVICE_PORT", "443"),
                                   Pair("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
                                   Pair("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
                                   Pair("KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"),
                                   Pair("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
                                   Pair("KUBERNETES_PORT_443_TCP_PORT", "443"),
                                   Pair("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1")));
}

TEST_F(EnvTest, ANamespacesOwnKubernetesServiceWinsOverTheDefaultOne) {
  pod_.spec.enable_service_links = true;
  objects_.Put(Svc("default", "kubernetes", "10.96.0.1", {Port("https", 443)}));
  objects_.Put(Svc("ns", "kubernetes", "10.0.0.9", {Port("https", 443)}));
  EXPECT_THAT(EnvOk(), ::testing::Contains(Pair("KUBERNETES_SERVICE_HOST", "10.0.0.9")));
}

TEST_F(EnvTest, EnvEntriesReplaceServiceVariablesInPlace) {
  pod_.spec.enable_service_links = false;
  objects_.Put(Svc("default", "kubernetes", "10.96.0.1", {Port("", 443)}));
  C().env = {Value("KUBERNETES_SERVICE_HOST", "override")};
  EnvList env = EnvOk();
  ASSERT_FALSE(env.empty());
  EXPECT_EQ(env[0], (std::pair<std::string, std::string>("KUBERNETES_SERVICE_HOST", "override")));
  EXPECT_EQ(env.size(), 7u);  // no second entry of the same name
}

TEST_F(EnvTest, WithoutAnApiServerThereAreNoServiceLinks) {
  pod_.spec.enable_service_links = true;
  C().env = {Value("A", "1")};
  auto env = ContainerEnv(pod_, C(), nullptr, node_);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_THAT(*env, ElementsAre(Pair("A", "1")));
}

// ---- envFrom --------------------------------------------------------------------------------

TEST_F(EnvTest, EnvFromInOrderWithPrefixesLaterSourcesWin) {
  objects_.Put(Cm("one", {{"A", "cm-a"}, {"B", "cm-b"}}));
  objects_.Put(Sec("two", {{"B", "secret-b"}, {"C", std::string("bin\0ary", 7)}}));
  C().env_from = {From(false, "one"), From(true, "two"), From(false, "one", "P_")};
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("A", "cm-a"), Pair("B", "secret-b"),
                                   Pair("C", std::string("bin\0ary", 7)), Pair("P_A", "cm-a"),
                                   Pair("P_B", "cm-b")));
}

TEST_F(EnvTest, EnvFromSkipsKeysThatAreNotEnvVarNames) {
  objects_.Put(
      Cm("cfg", {{"GOOD", "1"}, {"has=equals", "2"}, {"tab\there", "3"}, {"1st.ok", "4"}}));
  C().env_from = {From(false, "cfg")};
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("1st.ok", "4"), Pair("GOOD", "1")));
}

TEST_F(EnvTest, EnvFromMissingRequiredObjectsFailWithTheKubeletsMessage) {
  C().env_from = {From(false, "nope")};
  EXPECT_EQ(EnvError(), "configmap \"nope\" not found");
  C().env_from = {From(true, "hidden")};
  EXPECT_EQ(EnvError(), "secret \"hidden\" not found");
  EXPECT_EQ(Env().status().code(), base::Code::kNotFound);
}

TEST_F(EnvTest, EnvFromMissingOptionalObjectsAreSkipped) {
  objects_.Put(Cm("there", {{"X", "1"}}));
  C().env_from = {From(false, "nope", "", true), From(true, "gone", "", true),
                  From(false, "there")};
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("X", "1")));
}

TEST_F(EnvTest, EnvFromWithoutAnApiServerNamesIt) {
  C().env_from = {From(false, "cfg", "", true)};  // optional does not help: it can't be looked up
  auto env = ContainerEnv(pod_, C(), nullptr, node_);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().message(),
            "couldn't get configMap ns/cfg: configMap references need the API server, and this "
            "node runs without one");
  C().env_from = {From(true, "s")};
  EXPECT_EQ(ContainerEnv(pod_, C(), nullptr, node_).status().message(),
            "couldn't get secret ns/s: secret references need the API server, and this node "
            "runs without one");
}

// ---- env values and $(VAR) ---------------------------------------------------------------

TEST(ExpandEnvTest, KubernetesExpansionRules) {
  auto lookup = [](std::string_view name) -> std::optional<std::string> {
    if (name == "A") return "alpha";
    if (name == "EMPTY") return "";
    return std::nullopt;
  };
  EXPECT_EQ(ExpandEnv("$(A)-$(A)", lookup), "alpha-alpha");
  EXPECT_EQ(ExpandEnv("x$(EMPTY)y", lookup), "xy");
  EXPECT_EQ(ExpandEnv("$(UNDEFINED)", lookup), "$(UNDEFINED)");
  EXPECT_EQ(ExpandEnv("$$(A)", lookup), "$(A)");
  EXPECT_EQ(ExpandEnv("$$$(A)", lookup), "$alpha");
  EXPECT_EQ(ExpandEnv("cost: $5 $", lookup), "cost: $5 $");
  EXPECT_EQ(ExpandEnv("$(A", lookup), "$(A");
  EXPECT_EQ(ExpandEnv("$(A $$", lookup), "$(A $");
  EXPECT_EQ(ExpandEnv("$()", lookup), "$()");
  EXPECT_EQ(ExpandEnv("$(A)$(A", lookup), "alpha$(A");
}

TEST_F(EnvTest, ValuesExpandAgainstEarlierVariablesEnvFromAndServices) {
  objects_.Put(Svc("default", "kubernetes", "10.96.0.1", {Port("", 443)}));
  objects_.Put(Cm("cfg", {{"HOST", "db"}}));
  C().env_from = {From(false, "cfg")};
  C().env = {Value("URL", "http://$(HOST):$(PORT)/$(KUBERNETES_SERVICE_HOST)"),
             Value("PORT", "5432"), Value("URL2", "$(HOST):$(PORT)"), Value("EMPTY", ""),
             Value("ESC", "$$(HOST)")};
  EnvList env = EnvOk();
  EnvList tail(env.end() - 5, env.end());
  EXPECT_THAT(tail,
              ElementsAre(Pair("URL", "http://db:$(PORT)/10.96.0.1"), Pair("PORT", "5432"),
                          Pair("URL2", "db:5432"), Pair("EMPTY", ""), Pair("ESC", "$(HOST)")));
}

TEST_F(EnvTest, ARedefinedNameKeepsItsPlaceAndTakesTheLastValue) {
  objects_.Put(Cm("cfg", {{"A", "from-cm"}, {"B", "b"}}));
  C().env_from = {From(false, "cfg")};
  C().env = {Value("C", "1"), Value("A", "env-1"), Value("C", "$(A)-2")};
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("A", "env-1"), Pair("B", "b"), Pair("C", "env-1-2")));
}

// ---- fieldRef -------------------------------------------------------------------------------

TEST_F(EnvTest, FieldRefsOfMetadataSpecAndStatus) {
  pod_.metadata.labels = {{"app", "web"}};
  pod_.metadata.annotations = {{"team", "core"}};
  pod_.status.pod_ip = "10.1.0.7";
  pod_.status.pod_ips = {{"10.1.0.7"}, {"fd00::7"}};
  pod_.status.host_ip = "192.168.1.10";
  pod_.status.host_ips = {{"192.168.1.10"}, {"fd01::10"}};
  C().env = {Field("NAME", "metadata.name"),
             Field("NS", "metadata.namespace"),
             Field("UID", "metadata.uid"),
             Field("APP", "metadata.labels['app']"),
             Field("NOLABEL", "metadata.labels['missing']"),
             Field("TEAM", "metadata.annotations['team']"),
             Field("NODE", "spec.nodeName"),
             Field("SA", "spec.serviceAccountName"),
             Field("HOST_IP", "status.hostIP"),
             Field("HOST_IPS", "status.hostIPs"),
             Field("POD_IP", "status.podIP"),
             Field("POD_IPS", "status.podIPs")};
  EXPECT_THAT(EnvOk(),
              ElementsAre(Pair("NAME", "web"), Pair("NS", "ns"), Pair("UID", "uid-1"),
                          Pair("APP", "web"), Pair("NOLABEL", ""), Pair("TEAM", "core"),
                          Pair("NODE", "node1"), Pair("SA", "sa"), Pair("HOST_IP", "192.168.1.10"),
                          Pair("HOST_IPS", "192.168.1.10,fd01::10"), Pair("POD_IP", "10.1.0.7"),
                          Pair("POD_IPS", "10.1.0.7,fd00::7")));
}

TEST_F(EnvTest, HostIpFallsBackToTheNodeAndHostNetworkPodIpToTheHost) {
  pod_.spec.host_network = true;
  C().env = {Field("HOST_IP", "status.hostIP"), Field("POD_IP", "status.podIP"),
             Field("POD_IPS", "status.podIPs")};
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("HOST_IP", "192.168.1.10"), Pair("POD_IP", "192.168.1.10"),
                                   Pair("POD_IPS", "192.168.1.10")));
  pod_.spec.host_network = false;
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("HOST_IP", "192.168.1.10"), Pair("POD_IP", ""),
                                   Pair("POD_IPS", "")));
}

TEST_F(EnvTest, HostIpUnknownIsAnError) {
  node_.host_ip.clear();
  C().env = {Field("HOST_IP", "status.hostIP")};
  EXPECT_EQ(EnvError(), "can't resolve fieldRef status.hostIP: the node's IP address is not known");
}

TEST_F(EnvTest, UnsupportedFieldRefsFail) {
  C().env = {Field("X", "spec.restartPolicy")};
  EXPECT_EQ(EnvError(), "unsupported fieldPath: spec.restartPolicy");
  C().env = {Field("X", "metadata.name['x']")};
  EXPECT_EQ(EnvError(), "fieldPath \"metadata.name['x']\" does not support subscript");
  C().env = {Field("X", "metadata.name")};
  C().env[0].value_from->field_ref->api_version = "v2";
  EXPECT_EQ(EnvError(), "unsupported pod version: v2");
}

// ---- resourceFieldRef -----------------------------------------------------------------------

TEST_F(EnvTest, ResourceFieldRefsDivideAndRoundUp) {
  C().resources.limits = {
      {"cpu", Q("1500m")}, {"memory", Q("129Mi")}, {"ephemeral-storage", Q("2Gi")}};
  C().resources.requests = {{"cpu", Q("250m")}, {"memory", Q("64Mi")}};
  C().env = {Resource("CPU_LIMIT", "limits.cpu"),          // 1.5 cores, rounded up
             Resource("CPU_LIMIT_M", "limits.cpu", "1m"),  // in millicores
             Resource("CPU_REQ", "requests.cpu"),
             Resource("CPU_REQ_M", "requests.cpu", "1m"),
             Resource("MEM_LIMIT", "limits.memory"),
             Resource("MEM_LIMIT_MI", "limits.memory", "1Mi"),
             Resource("MEM_LIMIT_GI", "limits.memory", "1Gi"),  // 129Mi: rounded up to 1
             Resource("MEM_REQ_K", "requests.memory", "1k"),
             Resource("EPH", "limits.ephemeral-storage", "1Mi"),
             Resource("EPH_REQ", "requests.ephemeral-storage")};
  EXPECT_THAT(EnvOk(),
              ElementsAre(Pair("CPU_LIMIT", "2"), Pair("CPU_LIMIT_M", "1500"), Pair("CPU_REQ", "1"),
                          Pair("CPU_REQ_M", "250"), Pair("MEM_LIMIT", "135266304"),
                          Pair("MEM_LIMIT_MI", "129"), Pair("MEM_LIMIT_GI", "1"),
                          Pair("MEM_REQ_K", "67109"), Pair("EPH", "2048"), Pair("EPH_REQ", "0")));
}

TEST_F(EnvTest, UnsetLimitsAreTheNodesAllocatable) {
  C().env = {Resource("CPU", "limits.cpu"), Resource("CPU_M", "limits.cpu", "1m"),
             Resource("MEM", "limits.memory", "1Mi"), Resource("REQ", "requests.memory")};
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("CPU", "4"), Pair("CPU_M", "4000"), Pair("MEM", "8192"),
                                   Pair("REQ", "0")));
  C().resources.limits = {{"cpu", Q("0")}};  // a zero limit counts as unset too
  C().env = {Resource("CPU_M", "limits.cpu", "1m")};
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("CPU_M", "4000")));
}

TEST_F(EnvTest, ResourceFieldRefOfAnotherContainer) {
  C();
  api::Container& side = pod_.spec.containers.emplace_back();
  side.name = "side";
  side.resources.limits = {{"memory", Q("32Mi")}};
  api::Container& init = pod_.spec.init_containers.emplace_back();
  init.name = "init";
  init.resources.requests = {{"cpu", Q("100m")}};
  C().env = {Resource("SIDE", "limits.memory", "1Mi", "side"),
             Resource("INIT", "requests.cpu", "1m", "init")};
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("SIDE", "32"), Pair("INIT", "100")));
  C().env = {Resource("X", "limits.memory", nullptr, "ghost")};
  EXPECT_EQ(EnvError(), "container ghost not found");
}

TEST_F(EnvTest, UnsupportedResourceFails) {
  C().env = {Resource("X", "limits.nvidia.com/gpu")};
  EXPECT_EQ(EnvError(), "unsupported container resource : limits.nvidia.com/gpu");
}

// ---- configMapKeyRef / secretKeyRef -------------------------------------------------------

TEST_F(EnvTest, KeyRefsReadConfigMapsAndSecrets) {
  objects_.Put(Cm("cfg", {{"mode", "fast"}}));
  objects_.Put(Sec("creds", {{"password", std::string("p\0w", 3)}}));
  C().env = {KeyRef("MODE", false, "cfg", "mode"), KeyRef("PW", true, "creds", "password")};
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("MODE", "fast"), Pair("PW", std::string("p\0w", 3))));
}

TEST_F(EnvTest, MissingKeysFailWithTheKubeletsMessage) {
  objects_.Put(Cm("cfg", {{"mode", "fast"}}));
  objects_.Put(Sec("creds", {{"password", "x"}}));
  C().env = {KeyRef("X", false, "cfg", "nope")};
  EXPECT_EQ(EnvError(), "couldn't find key nope in ConfigMap ns/cfg");
  C().env = {KeyRef("X", true, "creds", "user")};
  EXPECT_EQ(EnvError(), "couldn't find key user in Secret ns/creds");
}

TEST_F(EnvTest, MissingObjectsOfKeyRefsFail) {
  C().env = {KeyRef("X", false, "absent", "k")};
  EXPECT_EQ(EnvError(), "configmap \"absent\" not found");
  C().env = {KeyRef("X", true, "absent", "k")};
  EXPECT_EQ(EnvError(), "secret \"absent\" not found");
}

TEST_F(EnvTest, OptionalKeyRefsThatAreMissingDefineNothing) {
  objects_.Put(Cm("cfg", {{"mode", "fast"}}));
  C().env = {KeyRef("A", false, "cfg", "nope", true), KeyRef("B", false, "absent", "k", true),
             KeyRef("C", true, "absent", "k", true), Value("D", "$(A)")};
  EXPECT_THAT(EnvOk(), ElementsAre(Pair("D", "$(A)")));
}

TEST_F(EnvTest, KeyRefsWithoutAnApiServerNameIt) {
  C().env = {KeyRef("X", true, "creds", "k")};
  EXPECT_EQ(ContainerEnv(pod_, C(), nullptr, node_).status().code(), base::Code::kUnimplemented);
  EXPECT_EQ(ContainerEnv(pod_, C(), nullptr, node_).status().message(),
            "couldn't get secret ns/creds: secret references need the API server, and this node "
            "runs without one");
}

// A plain value and a downward-API value need no API server.
TEST_F(EnvTest, ValuesAndFieldRefsWorkWithoutAnApiServer) {
  C().env = {Value("A", "1"), Field("NAME", "metadata.name"), Resource("CPU", "limits.cpu", "1m")};
  auto env = ContainerEnv(pod_, C(), nullptr, node_);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_THAT(*env, ElementsAre(Pair("A", "1"), Pair("NAME", "web"), Pair("CPU", "4000")));
}

// ---- MemoryObjects --------------------------------------------------------------------------

TEST(MemoryObjectsTest, GetPutRemoveByNamespaceAndName) {
  MemoryObjects objects;
  objects.Put(Cm("cfg", {{"k", "v"}}));
  ASSERT_TRUE(objects.GetConfigMap("ns", "cfg").ok());
  EXPECT_EQ(objects.GetConfigMap("ns", "cfg")->data.at("k"), "v");
  EXPECT_EQ(objects.GetConfigMap("other", "cfg").status().message(), "configmap \"cfg\" not found");
  objects.RemoveConfigMap("ns", "cfg");
  EXPECT_EQ(objects.GetConfigMap("ns", "cfg").status().code(), base::Code::kNotFound);

  objects.Put(Sec("s", {{"a", "1"}}));
  EXPECT_TRUE(objects.GetSecret("ns", "s").ok());
  objects.RemoveSecret("ns", "s");
  EXPECT_EQ(objects.GetSecret("ns", "s").status().message(), "secret \"s\" not found");
}

TEST(MemoryObjectsTest, SecretStringDataIsMergedIntoData) {
  MemoryObjects objects;
  api::Secret s = Sec("s", {{"a", "old"}, {"b", "kept"}});
  s.string_data = {{"a", "new"}};
  objects.Put(s);
  auto got = objects.GetSecret("ns", "s");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->data.at("a").data, "new");
  EXPECT_EQ(got->data.at("b").data, "kept");
  EXPECT_TRUE(got->string_data.empty());
}

TEST(MemoryObjectsTest, ListServicesReturnsOneNamespaceByName) {
  MemoryObjects objects;
  objects.Put(Svc("ns", "b", "10.0.0.2", {}));
  objects.Put(Svc("ns", "a", "10.0.0.1", {}));
  objects.Put(Svc("ns2", "c", "10.0.0.3", {}));
  objects.Put(Svc("n", "d", "10.0.0.4", {}));
  objects.Put(Svc("", "e", "10.0.0.5", {}));  // no namespace: "default"
  auto list = objects.ListServices("ns");
  ASSERT_TRUE(list.ok());
  std::vector<std::string> names;
  for (const auto& s : *list) names.push_back(s.metadata.name);
  EXPECT_THAT(names, ElementsAre("a", "b"));
  EXPECT_EQ(objects.ListServices("default")->size(), 1u);
  objects.RemoveService("ns", "a");
  EXPECT_EQ(objects.ListServices("ns")->size(), 1u);
  EXPECT_THAT(*objects.ListServices("nothing"), IsEmpty());
}

// ---- PodSourcesFor ----------------------------------------------------------------------------

TEST_F(EnvTest, PodSourcesForCapturesCopiesOfThePodAndNode) {
  objects_.Put(Cm("cfg", {{"k", "v"}}));
  C().env = {Field("NAME", "metadata.name"), KeyRef("K", false, "cfg", "k")};
  runtime::PodSources sources = PodSourcesFor(pod_, &objects_, node_);
  api::Container container = C();
  pod_.metadata.name = "changed-after";  // the sources keep the pod they were made from
  ASSERT_TRUE(sources.env);
  auto env = sources.env(container);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_THAT(*env, ElementsAre(Pair("NAME", "web"), Pair("K", "v")));
  EXPECT_EQ(sources.node_memory_bytes, int64_t{8} << 30);

  api::Volume v;
  v.name = "cfg";
  v.config_map.emplace().name = "cfg";
  ASSERT_TRUE(sources.volume_files);
  auto files = sources.volume_files(v);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path, "k");
  EXPECT_EQ((*files)[0].content, "v");
}

TEST_F(EnvTest, PodSourcesForFallsBackToTheMachinesMemory) {
  node_.memory_bytes = 0;
  EXPECT_EQ(PodSourcesFor(pod_, nullptr, node_).node_memory_bytes, runtime::HostMemoryBytes());
}

}  // namespace
}  // namespace cubelet::node
