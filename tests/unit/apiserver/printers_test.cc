// Server-side printing: kube-apiserver's Table for every served kind, and printPod's STATUS,
// READY and RESTARTS case by case (pod-semantics.md §2.3 and §4.3).
#include "apiserver/printers.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cubelet::apiserver {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// 2024-01-01T00:00:00Z.
const base::TimePoint kNow = base::TimePoint(seconds(1704067200));

api::Time Ago(base::Duration d) { return api::Time::At(kNow - d); }

api::ContainerStatus Running(std::string name, bool ready) {
  api::ContainerStatus s;
  s.name = std::move(name);
  s.ready = ready;
  s.started = true;
  s.state.running = api::ContainerStateRunning{Ago(minutes(5))};
  return s;
}

api::ContainerStatus Waiting(std::string name, std::string reason) {
  api::ContainerStatus s;
  s.name = std::move(name);
  s.state.waiting = api::ContainerStateWaiting{std::move(reason), ""};
  return s;
}

api::ContainerStatus Terminated(std::string name, int exit_code, std::string reason) {
  api::ContainerStatus s;
  s.name = std::move(name);
  s.state.terminated = api::ContainerStateTerminated{};
  s.state.terminated->exit_code = exit_code;
  s.state.terminated->reason = std::move(reason);
  return s;
}

// `restarts` earlier runs, the last of which finished `ago` before now.
api::ContainerStatus Restarted(api::ContainerStatus s, int restarts, base::Duration ago) {
  s.restart_count = restarts;
  s.last_state.terminated = api::ContainerStateTerminated{};
  s.last_state.terminated->exit_code = 1;
  s.last_state.terminated->reason = "Error";
  s.last_state.terminated->finished_at = Ago(ago);
  return s;
}

api::Container NamedContainer(std::string name, std::string image = "busybox") {
  api::Container c;
  c.name = std::move(name);
  c.image = std::move(image);
  return c;
}

api::Container Sidecar(std::string name) {
  api::Container c = NamedContainer(std::move(name));
  c.restart_policy = "Always";
  return c;
}

api::PodCondition Condition(std::string type, std::string status, std::string reason = "") {
  api::PodCondition c;
  c.type = std::move(type);
  c.status = std::move(status);
  c.reason = std::move(reason);
  return c;
}

// A pod named "web" with app containers `apps` (spec and status) in `phase`.
api::Pod MakePod(std::string phase, std::vector<api::ContainerStatus> apps) {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  pod.metadata.creation_timestamp = Ago(minutes(5));
  for (const auto& s : apps) pod.spec.containers.push_back(NamedContainer(s.name));
  pod.status.phase = std::move(phase);
  pod.status.container_statuses = std::move(apps);
  return pod;
}

// A pod whose init containers `inits` (spec and status) run before one app container "app".
api::Pod InitPod(std::vector<api::Container> init_specs, std::vector<api::ContainerStatus> inits,
                 api::ContainerStatus app) {
  api::Pod pod = MakePod("Pending", {std::move(app)});
  pod.spec.init_containers = std::move(init_specs);
  pod.status.init_container_statuses = std::move(inits);
  return pod;
}

// "READY STATUS RESTARTS", the way `kubectl get pods` shows them side by side.
std::string Summary(const api::Pod& pod) {
  const PodSummary s = SummarizePod(pod, kNow);
  return s.ready + " " + s.status + " " + s.restarts;
}

// "Name:type:format:priority|..." for every column of a kind.
std::string ColumnList(std::string_view kind) {
  std::string out;
  for (const ColumnDefinition& c : ColumnsFor(kind)) {
    if (!out.empty()) out += '|';
    out += std::string(c.name) + ":" + std::string(c.type) + ":" + std::string(c.format) + ":" +
           std::to_string(c.priority);
  }
  return out;
}

// ---- pod STATUS, READY, RESTARTS ------------------------------------------------------------

TEST(PodStatusTest, InitContainerRunningShowsItsIndex) {
  api::Pod pod = InitPod({NamedContainer("init1"), NamedContainer("init2")},
                         {Running("init1", false), Waiting("init2", "PodInitializing")},
                         Waiting("app", "PodInitializing"));
  EXPECT_EQ(Summary(pod), "0/1 Init:0/2 0");

  pod.status.init_container_statuses = {Terminated("init1", 0, "Completed"),
                                        Running("init2", false)};
  EXPECT_EQ(Summary(pod), "0/1 Init:1/2 0");
}

TEST(PodStatusTest, FailedInitContainer) {
  api::Pod pod = InitPod({NamedContainer("init1"), NamedContainer("init2")},
                         {Terminated("init1", 1, "Error"), Waiting("init2", "PodInitializing")},
                         Waiting("app", "PodInitializing"));
  EXPECT_EQ(Summary(pod), "0/1 Init:Error 0");

  pod.status.init_container_statuses[0] = Terminated("init1", 137, "OOMKilled");
  EXPECT_EQ(Summary(pod), "0/1 Init:OOMKilled 0");

  // Without a reason from the runtime: the signal, else the exit code.
  pod.status.init_container_statuses[0] = Terminated("init1", 2, "");
  EXPECT_EQ(Summary(pod), "0/1 Init:ExitCode:2 0");
  pod.status.init_container_statuses[0].state.terminated->signal = 9;
  EXPECT_EQ(Summary(pod), "0/1 Init:Signal:9 0");

  // restartPolicy Never: the pod failed for good, STATUS stays Init:Error.
  pod.status.phase = "Failed";
  pod.status.init_container_statuses[0] = Terminated("init1", 1, "Error");
  EXPECT_EQ(Summary(pod), "0/1 Init:Error 0");
}

TEST(PodStatusTest, CrashLoopingInitContainer) {
  api::Pod pod = InitPod({NamedContainer("init1")},
                         {Restarted(Waiting("init1", "CrashLoopBackOff"), 3, minutes(2))},
                         Waiting("app", "PodInitializing"));
  EXPECT_EQ(Summary(pod), "0/1 Init:CrashLoopBackOff 3 (2m ago)");

  pod.status.init_container_statuses[0] = Waiting("init1", "ImagePullBackOff");
  EXPECT_EQ(Summary(pod), "0/1 Init:ImagePullBackOff 0");
}

TEST(PodStatusTest, AppContainersNotCreatedAfterInit) {
  api::Pod pod = InitPod({NamedContainer("init1")}, {Terminated("init1", 0, "Completed")},
                         Waiting("app", "PodInitializing"));
  EXPECT_EQ(Summary(pod), "0/1 PodInitializing 0");
}

TEST(PodStatusTest, ContainerCreating) {
  EXPECT_EQ(Summary(MakePod("Pending", {Waiting("app", "ContainerCreating")})),
            "0/1 ContainerCreating 0");
}

TEST(PodStatusTest, PendingWithoutContainerStatuses) {
  EXPECT_EQ(Summary(MakePod("Pending", {})), "0/0 Pending 0");
  api::Pod pod = MakePod("Pending", {Running("app", true)});
  pod.status.container_statuses.clear();
  EXPECT_EQ(Summary(pod), "0/1 Pending 0");
}

TEST(PodStatusTest, CrashLoopBackOffWithRestartAge) {
  api::Pod pod =
      MakePod("Running", {Restarted(Waiting("app", "CrashLoopBackOff"), 4, seconds(30))});
  EXPECT_EQ(Summary(pod), "0/1 CrashLoopBackOff 4 (30s ago)");
}

TEST(PodStatusTest, Running) {
  EXPECT_EQ(Summary(MakePod("Running", {Running("app", true)})), "1/1 Running 0");
  // Running but not ready yet (readiness probe): the phase still reads Running.
  EXPECT_EQ(Summary(MakePod("Running", {Running("app", false)})), "0/1 Running 0");
}

TEST(PodStatusTest, RestartsShowTheNewestFinishTime) {
  api::Pod pod = MakePod("Running", {Restarted(Running("a", true), 1, minutes(7)),
                                     Restarted(Running("b", true), 2, minutes(2))});
  EXPECT_EQ(Summary(pod), "2/2 Running 3 (2m ago)");

  // A restart count without a recorded finish time prints the bare number.
  pod.status.container_statuses[0].last_state = {};
  pod.status.container_statuses[1].last_state = {};
  EXPECT_EQ(Summary(pod), "2/2 Running 3");
}

TEST(PodStatusTest, TerminatedContainers) {
  EXPECT_EQ(Summary(MakePod("Succeeded", {Terminated("app", 0, "Completed")})), "0/1 Completed 0");
  EXPECT_EQ(Summary(MakePod("Failed", {Terminated("app", 1, "Error")})), "0/1 Error 0");
  EXPECT_EQ(Summary(MakePod("Failed", {Terminated("app", 137, "OOMKilled")})), "0/1 OOMKilled 0");
  EXPECT_EQ(Summary(MakePod("Failed", {Terminated("app", 2, "")})), "0/1 ExitCode:2 0");
  api::Pod signalled = MakePod("Failed", {Terminated("app", 137, "")});
  signalled.status.container_statuses[0].state.terminated->signal = 9;
  EXPECT_EQ(Summary(signalled), "0/1 Signal:9 0");
}

TEST(PodStatusTest, CompletedWithARunningContainerIsNotCompleted) {
  api::Pod pod = MakePod("Running", {Terminated("job", 0, "Completed"), Running("server", true)});
  pod.status.conditions = {Condition("Ready", "False")};
  EXPECT_EQ(Summary(pod), "1/2 NotReady 0");
  pod.status.conditions = {Condition("Ready", "True")};
  EXPECT_EQ(Summary(pod), "1/2 Running 0");
}

TEST(PodStatusTest, FirstContainerInSpecOrderWins) {
  api::Pod pod = MakePod(
      "Pending", {Waiting("a", "ErrImagePull"), Waiting("b", "CreateContainerConfigError")});
  EXPECT_EQ(Summary(pod), "0/2 ErrImagePull 0");
}

TEST(PodStatusTest, Terminating) {
  api::Pod pod = MakePod("Running", {Running("app", true)});
  pod.metadata.deletion_timestamp = api::Time::At(kNow + seconds(30));
  EXPECT_EQ(Summary(pod), "1/1 Terminating 0");

  // A pod that already finished keeps its final STATUS while it is being deleted.
  api::Pod done = MakePod("Succeeded", {Terminated("app", 0, "Completed")});
  done.metadata.deletion_timestamp = api::Time::At(kNow);
  EXPECT_EQ(Summary(done), "0/1 Completed 0");
}

TEST(PodStatusTest, NodeLostWhileDeletingIsUnknown) {
  api::Pod pod = MakePod("Running", {Running("app", true)});
  pod.status.reason = "NodeLost";
  pod.metadata.deletion_timestamp = api::Time::At(kNow);
  EXPECT_EQ(Summary(pod), "1/1 Unknown 0");
}

TEST(PodStatusTest, PodReasonReplacesThePhase) {
  api::Pod evicted = MakePod("Failed", {});
  evicted.status.reason = "Evicted";
  EXPECT_EQ(Summary(evicted), "0/0 Evicted 0");

  api::Pod deadline = MakePod("Failed", {Running("app", false)});
  deadline.status.container_statuses[0].state = {};
  deadline.status.reason = "DeadlineExceeded";
  EXPECT_EQ(Summary(deadline), "0/1 DeadlineExceeded 0");
}

TEST(PodStatusTest, SchedulingGated) {
  api::Pod pod = MakePod("Pending", {});
  pod.spec.containers.push_back(NamedContainer("app"));
  pod.status.conditions = {Condition("PodScheduled", "False", "SchedulingGated")};
  EXPECT_EQ(Summary(pod), "0/1 SchedulingGated 0");
}

TEST(PodStatusTest, SidecarsCountInReadyOnceStarted) {
  api::Pod pod =
      InitPod({Sidecar("proxy"), NamedContainer("setup")},
              {Running("proxy", true), Terminated("setup", 0, "Completed")}, Running("app", true));
  pod.status.phase = "Running";
  pod.status.conditions = {Condition("Initialized", "True")};
  EXPECT_EQ(Summary(pod), "2/2 Running 0");

  // A sidecar that has not started yet holds the pod in initialization.
  pod.status.init_container_statuses[0].started = false;
  pod.status.init_container_statuses[0].ready = false;
  pod.status.conditions = {Condition("Initialized", "False")};
  pod.status.container_statuses[0] = Waiting("app", "PodInitializing");
  EXPECT_EQ(Summary(pod), "0/2 Init:0/2 0");
}

TEST(PodStatusTest, OnlySidecarRestartsSurviveInitialization) {
  api::Pod pod = InitPod({NamedContainer("setup"), Sidecar("proxy")},
                         {Restarted(Terminated("setup", 0, "Completed"), 4, minutes(50)),
                          Restarted(Running("proxy", true), 2, minutes(5))},
                         Restarted(Running("app", true), 1, minutes(3)));
  pod.status.phase = "Running";
  pod.status.conditions = {Condition("Initialized", "True")};
  EXPECT_EQ(Summary(pod), "2/2 Running 3 (3m ago)");
}

TEST(PodStatusTest, InitRestartsCountWhileInitializing) {
  api::Pod pod = InitPod({NamedContainer("setup")},
                         {Restarted(Waiting("setup", "CrashLoopBackOff"), 5, minutes(1))},
                         Waiting("app", "PodInitializing"));
  pod.status.container_statuses[0] = Restarted(pod.status.container_statuses[0], 1, hours(1));
  EXPECT_EQ(Summary(pod), "0/1 Init:CrashLoopBackOff 5 (60s ago)");
}

// ---- AGE --------------------------------------------------------------------------------------

TEST(AgeTest, HumanDurationSinceTheTime) {
  EXPECT_EQ(Age(api::Time{}, kNow), "<unknown>");
  EXPECT_EQ(Age(Ago(seconds(42)), kNow), "42s");
  EXPECT_EQ(Age(Ago(minutes(5) + seconds(3)), kNow), "5m3s");
  EXPECT_EQ(Age(Ago(hours(30)), kNow), "30h");
  EXPECT_EQ(Age(Ago(hours(24 * 9)), kNow), "9d");
  EXPECT_EQ(Age(api::MicroTime::At(kNow - minutes(12)), kNow), "12m");
}

// ---- columns ----------------------------------------------------------------------------------

TEST(ColumnsTest, EveryServedKind) {
  EXPECT_EQ(ColumnList("Pod"),
            "Name:string:name:0|Ready:string::0|Status:string::0|Restarts:string::0|"
            "Age:string::0|IP:string::1|Node:string::1|Nominated Node:string::1|"
            "Readiness Gates:string::1");
  EXPECT_EQ(ColumnList("Service"),
            "Name:string:name:0|Type:string::0|Cluster-IP:string::0|External-IP:string::0|"
            "Port(s):string::0|Age:string::0|Selector:string::1");
  EXPECT_EQ(ColumnList("Endpoints"), "Name:string:name:0|Endpoints:string::0|Age:string::0");
  EXPECT_EQ(ColumnList("Event"),
            "Last Seen:string::0|Type:string::0|Reason:string::0|Object:string::0|"
            "Subobject:string::1|Source:string::1|Message:string::0|First Seen:string::1|"
            "Count:string::1|Name:string:name:1");
  EXPECT_EQ(ColumnList("Namespace"), "Name:string:name:0|Status:string::0|Age:string::0");
  EXPECT_EQ(ColumnList("Node"),
            "Name:string:name:0|Status:string::0|Roles:string::0|Age:string::0|"
            "Version:string::0|Internal-IP:string::1|External-IP:string::1|OS-Image:string::1|"
            "Kernel-Version:string::1|Container-Runtime:string::1");
  EXPECT_EQ(ColumnList("ConfigMap"), "Name:string:name:0|Data:string::0|Age:string::0");
  EXPECT_EQ(ColumnList("Secret"), "Name:string:name:0|Type:string::0|Data:string::0|Age:string::0");
  EXPECT_EQ(ColumnList("ServiceAccount"), "Name:string:name:0|Secrets:string::0|Age:string::0");
  EXPECT_EQ(ColumnList("Deployment"),
            "Name:string:name:0|Ready:string::0|Up-to-date:string::0|Available:string::0|"
            "Age:string::0|Containers:string::1|Images:string::1|Selector:string::1");
  EXPECT_EQ(ColumnList("ReplicaSet"),
            "Name:string:name:0|Desired:integer::0|Current:integer::0|Ready:integer::0|"
            "Age:string::0|Containers:string::1|Images:string::1|Selector:string::1");
  EXPECT_EQ(ColumnList("Lease"), "Name:string:name:0|Holder:string::0|Age:string::0");
  EXPECT_EQ(ColumnList("Widget"), "");
}

TEST(ColumnsTest, RowsHaveOneCellPerColumn) {
  // Every kind's row, wide cells included, lines up with its column list.
  const std::vector<api::Object> objects = {
      api::Pod{},        api::Service{},    api::Endpoints{},
      api::Event{},      api::Namespace{},  api::Node{},
      api::ConfigMap{},  api::Secret{},     api::ServiceAccount{},
      api::Deployment{}, api::ReplicaSet{}, api::Lease{}};
  ASSERT_EQ(objects.size(), api::Kinds().size()) << "a new kind needs a printer";
  for (const api::Object& obj : objects) {
    const std::string_view kind = api::KindOf(obj).kind;
    EXPECT_EQ(RowCells(obj, kNow).size(), ColumnsFor(kind).size()) << kind;
  }
}

// ---- one row per kind -------------------------------------------------------------------------

TEST(RowTest, Pod) {
  api::Pod pod = MakePod("Running", {Running("app", true)});
  pod.spec.node_name = "node1";
  pod.status.pod_ip = "10.88.0.11";
  pod.status.pod_ips = {api::PodIP{"10.88.0.11"}};
  EXPECT_EQ(RowCells(pod, kNow).dump(),
            R"(["web","1/1","Running","0","5m","10.88.0.11","node1","<none>","<none>"])");

  // Unscheduled: the wide columns say <none>. Readiness gates count the True conditions.
  api::Pod pending = MakePod("Pending", {});
  pending.spec.readiness_gates = {{"example.com/lb"}, {"example.com/dns"}};
  pending.status.conditions = {Condition("example.com/lb", "True"),
                               Condition("example.com/dns", "False")};
  pending.status.nominated_node_name = "node2";
  EXPECT_EQ(RowCells(pending, kNow).dump(),
            R"(["web","0/0","Pending","0","5m","<none>","<none>","node2","1/2"])");

  // Objects written with only status.podIP still show it.
  pending.status.pod_ip = "10.88.0.12";
  EXPECT_EQ(RowCells(pending, kNow)[5], "10.88.0.12");
}

api::Service MakeService(std::string type) {
  api::Service svc;
  svc.metadata.name = "app";
  svc.metadata.creation_timestamp = Ago(hours(2));
  svc.spec.type = std::move(type);
  svc.spec.cluster_ip = "10.96.0.20";
  svc.spec.cluster_ips = {"10.96.0.20"};
  api::ServicePort port;
  port.port = 80;
  port.protocol = "TCP";
  svc.spec.ports = {port};
  svc.spec.selector = {{"app", "web"}, {"tier", "front"}};
  return svc;
}

TEST(RowTest, Service) {
  EXPECT_EQ(RowCells(MakeService("ClusterIP"), kNow).dump(),
            R"(["app","ClusterIP","10.96.0.20","<none>","80/TCP","120m","app=web,tier=front"])");

  api::Service np = MakeService("NodePort");
  np.spec.ports[0].node_port = 30080;
  api::ServicePort dns;
  dns.port = 53;
  dns.protocol = "UDP";
  np.spec.ports.push_back(dns);
  np.spec.external_ips = {"192.0.2.1", "192.0.2.2"};
  np.spec.selector.clear();
  EXPECT_EQ(RowCells(np, kNow).dump(),
            R"(["app","NodePort","10.96.0.20","192.0.2.1,192.0.2.2","80:30080/TCP,53/UDP",)"
            R"("120m","<none>"])");
}

TEST(RowTest, ServiceExternalIp) {
  api::Service lb = MakeService("LoadBalancer");
  EXPECT_EQ(ServiceExternalIp(lb), "<pending>");
  lb.status.load_balancer.ingress = {
      {"203.0.113.9", ""}, {"", "lb.example.com"}, {"203.0.113.2", ""}, {"203.0.113.9", ""}};
  EXPECT_EQ(ServiceExternalIp(lb), "203.0.113.2,203.0.113.9,lb.example.com");
  lb.spec.external_ips = {"192.0.2.1"};
  EXPECT_EQ(ServiceExternalIp(lb), "203.0.113.2,203.0.113.9,lb.example.com,192.0.2.1");
  lb.status.load_balancer.ingress.clear();
  EXPECT_EQ(ServiceExternalIp(lb), "192.0.2.1");

  api::Service ext = MakeService("ExternalName");
  ext.spec.external_name = "db.example.com";
  EXPECT_EQ(ServiceExternalIp(ext), "db.example.com");
  EXPECT_EQ(ServiceExternalIp(MakeService("")), "<unknown>");
}

TEST(RowTest, ServiceClusterIpAndPorts) {
  api::Service headless = MakeService("ClusterIP");
  headless.spec.cluster_ip = "None";
  headless.spec.cluster_ips = {"None"};
  EXPECT_EQ(ServiceClusterIp(headless), "None");
  headless.spec.cluster_ips.clear();
  EXPECT_EQ(ServiceClusterIp(headless), "None");  // an object with only clusterIP
  headless.spec.cluster_ip.clear();
  EXPECT_EQ(ServiceClusterIp(headless), "<none>");
  EXPECT_EQ(ServicePorts({}), "<none>");
}

api::Endpoints MakeEndpoints(std::vector<std::string> ips, std::vector<int32_t> ports) {
  api::Endpoints ep;
  ep.metadata.name = "app";
  ep.metadata.creation_timestamp = Ago(seconds(90));
  api::EndpointSubset ss;
  for (auto& ip : ips) ss.addresses.push_back(api::EndpointAddress{std::move(ip), "", {}, {}});
  for (int32_t p : ports) ss.ports.push_back(api::EndpointPort{"", p, "TCP", {}});
  ep.subsets = {ss};
  return ep;
}

TEST(RowTest, Endpoints) {
  EXPECT_EQ(RowCells(MakeEndpoints({"10.0.0.1", "10.0.0.2"}, {80}), kNow).dump(),
            R"(["app","10.0.0.1:80,10.0.0.2:80","90s"])");
  EXPECT_EQ(FormatEndpoints(
                MakeEndpoints({"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"}, {80})),
            "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...");
  EXPECT_EQ(FormatEndpoints(MakeEndpoints({"10.0.0.1", "10.0.0.2", "10.0.0.3"}, {80})),
            "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80");
  // Every address is counted once per port.
  EXPECT_EQ(FormatEndpoints(MakeEndpoints({"10.0.0.1", "10.0.0.2"}, {80, 443})),
            "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...");
  EXPECT_EQ(FormatEndpoints(MakeEndpoints({"10.0.0.1", "fd00::5"}, {})), "10.0.0.1,fd00::5");
  EXPECT_EQ(FormatEndpoints(MakeEndpoints({"fd00::5"}, {8080})), "[fd00::5]:8080");
  EXPECT_EQ(FormatEndpoints(MakeEndpoints({}, {80})), "");
  api::Endpoints none;
  EXPECT_EQ(FormatEndpoints(none), "<none>");
}

api::Event MakeEvent() {
  api::Event e;
  e.metadata.name = "web.17a1b2c3d4e5f607";
  e.involved_object.kind = "Pod";
  e.involved_object.name = "web";
  e.involved_object.field_path = "spec.containers{app}";
  e.reason = "BackOff";
  e.message = "Back-off restarting failed container app in pod web_default(u1)\n";
  e.source = {"kubelet", "node1"};
  e.first_timestamp = Ago(minutes(10));
  e.last_timestamp = Ago(seconds(20));
  e.count = 7;
  e.type = "Warning";
  return e;
}

TEST(RowTest, Event) {
  EXPECT_EQ(RowCells(MakeEvent(), kNow).dump(),
            R"(["20s","Warning","BackOff","pod/web","spec.containers{app}","kubelet, node1",)"
            R"j("Back-off restarting failed container app in pod web_default(u1)","10m",7,)j"
            R"("web.17a1b2c3d4e5f607"])");

  // events.k8s.io style: eventTime instead of the timestamps, the reporting fields instead of
  // the source, no count, no involved object name.
  api::Event e = MakeEvent();
  e.first_timestamp = {};
  e.last_timestamp = {};
  e.count = 0;
  e.event_time = api::MicroTime::At(kNow - minutes(3));
  e.source = {};
  e.reporting_component = "default-scheduler";
  e.involved_object.name.clear();
  e.involved_object.kind = "Node";
  EXPECT_EQ(RowCells(e, kNow).dump(),
            R"(["3m","Warning","BackOff","node","spec.containers{app}","default-scheduler",)"
            R"j("Back-off restarting failed container app in pod web_default(u1)","3m",1,)j"
            R"("web.17a1b2c3d4e5f607"])");

  // A series reports its own last observation and count.
  e.series = api::EventSeries{12, api::MicroTime::At(kNow - seconds(5))};
  EXPECT_EQ(RowCells(e, kNow)[0], "5s");
  EXPECT_EQ(RowCells(e, kNow)[8], 12);
}

TEST(RowTest, Namespace) {
  api::Namespace ns;
  ns.metadata.name = "kube-system";
  ns.metadata.creation_timestamp = Ago(hours(24 * 3 + 4));
  ns.status.phase = "Active";
  EXPECT_EQ(RowCells(ns, kNow).dump(), R"(["kube-system","Active","3d4h"])");
}

api::Node MakeNode() {
  api::Node node;
  node.metadata.name = "node1";
  node.metadata.creation_timestamp = Ago(hours(24 * 40));
  node.metadata.labels = {{"kubernetes.io/hostname", "node1"},
                          {"node-role.kubernetes.io/control-plane", ""}};
  api::NodeCondition ready;
  ready.type = "Ready";
  ready.status = "True";
  node.status.conditions = {ready};
  node.status.addresses = {{"Hostname", "node1"}, {"InternalIP", "192.168.1.10"}};
  node.status.node_info.kubelet_version = "v1.30.0";
  node.status.node_info.os_image = "Debian GNU/Linux 12 (bookworm)";
  node.status.node_info.kernel_version = "6.1.0-18-amd64";
  node.status.node_info.container_runtime_version = "cubelet://0.1.0";
  return node;
}

TEST(RowTest, Node) {
  EXPECT_EQ(RowCells(MakeNode(), kNow).dump(),
            R"(["node1","Ready","control-plane","40d","v1.30.0","192.168.1.10","<none>",)"
            R"j("Debian GNU/Linux 12 (bookworm)","6.1.0-18-amd64","cubelet://0.1.0"])j");

  api::Node bare;
  bare.metadata.name = "n2";
  EXPECT_EQ(RowCells(bare, kNow).dump(),
            R"(["n2","Unknown","<none>","<unknown>","","<none>","<none>","<unknown>",)"
            R"("<unknown>","<unknown>"])");
}

TEST(RowTest, NodeStatusAndRoles) {
  api::Node node = MakeNode();
  node.spec.unschedulable = true;
  EXPECT_EQ(NodeStatus(node), "Ready,SchedulingDisabled");
  node.status.conditions[0].status = "Unknown";
  EXPECT_EQ(NodeStatus(node), "NotReady,SchedulingDisabled");
  node.spec.unschedulable = false;
  node.status.conditions[0].status = "False";
  EXPECT_EQ(NodeStatus(node), "NotReady");
  node.status.conditions.clear();
  EXPECT_EQ(NodeStatus(node), "Unknown");

  node.metadata.labels = {{"node-role.kubernetes.io/worker", ""},
                          {"node-role.kubernetes.io/", ""},
                          {"kubernetes.io/role", "master"},
                          {"node-role.kubernetes.io/master", "true"}};
  EXPECT_EQ(NodeRoles(node), "master,worker");
}

TEST(RowTest, ConfigMapSecretServiceAccount) {
  api::ConfigMap cm;
  cm.metadata.name = "settings";
  cm.metadata.creation_timestamp = Ago(minutes(45));
  cm.data = {{"a", "1"}, {"b", "2"}};
  cm.binary_data = {{"blob", api::Bytes{"\x01"}}};
  EXPECT_EQ(RowCells(cm, kNow).dump(), R"(["settings",3,"45m"])");

  api::Secret secret;
  secret.metadata.name = "token";
  secret.metadata.creation_timestamp = Ago(minutes(45));
  secret.type = "Opaque";
  secret.data = {{"password", api::Bytes{"x"}}};
  secret.string_data = {{"password", "y"}, {"user", "z"}};
  EXPECT_EQ(RowCells(secret, kNow).dump(), R"(["token","Opaque",2,"45m"])");

  api::ServiceAccount sa;
  sa.metadata.name = "default";
  sa.metadata.creation_timestamp = Ago(minutes(45));
  EXPECT_EQ(RowCells(sa, kNow).dump(), R"(["default",0,"45m"])");
  sa.secrets.resize(2);
  EXPECT_EQ(RowCells(sa, kNow)[1], 2);
}

api::PodTemplateSpec Template() {
  api::PodTemplateSpec t;
  t.spec.init_containers = {NamedContainer("setup", "busybox:1.36")};
  t.spec.containers = {NamedContainer("nginx", "nginx:1.25"),
                       NamedContainer("sidecar", "envoy:v1.30")};
  return t;
}

TEST(RowTest, Deployment) {
  api::Deployment d;
  d.metadata.name = "nginx";
  d.metadata.creation_timestamp = Ago(minutes(3));
  d.spec.replicas = 3;
  d.spec.selector = api::LabelSelector{{{"app", "nginx"}}, {}};
  d.spec.template_ = Template();
  d.status.ready_replicas = 1;
  d.status.updated_replicas = 2;
  d.status.available_replicas = 1;
  EXPECT_EQ(RowCells(d, kNow).dump(),
            R"(["nginx","1/3",2,1,"3m","nginx,sidecar","nginx:1.25,envoy:v1.30","app=nginx"])");

  // Deployment prints the selector as it is: "" when empty, <invalid> when it cannot parse.
  d.spec.selector = api::LabelSelector{};
  EXPECT_EQ(RowCells(d, kNow)[7], "");
  d.spec.selector->match_expressions = {{"app", "Matches", {"x"}}};
  EXPECT_EQ(RowCells(d, kNow)[7], "<invalid>");
}

TEST(RowTest, ReplicaSet) {
  api::ReplicaSet rs;
  rs.metadata.name = "nginx-7c5ddbdf54";
  rs.metadata.creation_timestamp = Ago(minutes(3));
  rs.spec.replicas = 3;
  rs.spec.selector =
      api::LabelSelector{{{"app", "nginx"}, {"pod-template-hash", "7c5ddbdf54"}}, {}};
  rs.spec.template_ = Template();
  rs.status.replicas = 3;
  rs.status.ready_replicas = 2;
  EXPECT_EQ(RowCells(rs, kNow).dump(),
            R"(["nginx-7c5ddbdf54",3,3,2,"3m","nginx,sidecar","nginx:1.25,envoy:v1.30",)"
            R"("app=nginx,pod-template-hash=7c5ddbdf54"])");

  // ReplicaSet prints <none> for an empty selector and <error> for a bad one.
  rs.spec.selector.reset();
  EXPECT_EQ(RowCells(rs, kNow)[7], "<none>");
  rs.spec.selector = api::LabelSelector{{}, {{"app", "In", {}}}};
  EXPECT_EQ(RowCells(rs, kNow)[7], "<error>");
}

TEST(RowTest, Lease) {
  // The node agent's heartbeat lease, as `kubectl get leases -n kube-node-lease` lists it.
  api::Lease lease;
  lease.metadata.name = "node-1";
  lease.metadata.namespace_ = "kube-node-lease";
  lease.metadata.creation_timestamp = Ago(hours(5));
  lease.spec.holder_identity = "node-1";
  lease.spec.lease_duration_seconds = 40;
  lease.spec.renew_time = api::MicroTime::At(kNow - seconds(3));
  EXPECT_EQ(RowCells(lease, kNow).dump(), R"(["node-1","node-1","5h"])");
  // A lease nobody holds has an empty HOLDER cell, not "<none>".
  lease.spec.holder_identity.reset();
  EXPECT_EQ(RowCells(lease, kNow).dump(), R"(["node-1","","5h"])");
}

TEST(SelectorTest, RequirementsSortedByKey) {
  api::LabelSelector sel;
  sel.match_labels = {{"tier", "web"}, {"app", "shop"}};
  sel.match_expressions = {{"env", "In", {"prod", "canary"}},
                           {"zone", "NotIn", {"b", "a"}},
                           {"gpu", "Exists", {}},
                           {"legacy", "DoesNotExist", {}},
                           {"app", "In", {"shop"}}};
  EXPECT_EQ(SelectorString(sel),
            "app=shop,app in (shop),env in (canary,prod),gpu,!legacy,tier=web,zone notin (a,b)");
  EXPECT_EQ(SelectorString(std::nullopt), "");
  EXPECT_EQ(SelectorString(api::LabelSelector{{}, {{"gpu", "Exists", {"yes"}}}}), std::nullopt);
  EXPECT_EQ(FormatLabels({}), "<none>");
  EXPECT_EQ(FormatLabels({{"b", "2"}, {"a", "1"}}), "a=1,b=2");
}

// ---- the Table --------------------------------------------------------------------------------

TEST(TableTest, EmptyListKeepsTheColumns) {
  const api::Json table = TableFor("Deployment", {}, "42", kNow);
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(table["metadata"].dump(), R"({"resourceVersion":"42"})");
  EXPECT_EQ(table["rows"].dump(), "[]");
  ASSERT_EQ(table["columnDefinitions"].size(), 8u);
  EXPECT_EQ(table["columnDefinitions"][1].dump(),
            R"({"name":"Ready","type":"string","format":"","description":)"
            R"("Number of the pod with ready state","priority":0})");
  EXPECT_EQ(table["columnDefinitions"][5].dump(),
            R"({"name":"Containers","type":"string","format":"","description":)"
            R"("Names of each container in the template.","priority":1})");
  // Field order as kube-apiserver writes it.
  std::string keys;
  for (const auto& [key, value] : table.items()) keys += key + ",";
  EXPECT_EQ(keys, "kind,apiVersion,metadata,columnDefinitions,rows,");
}

TEST(TableTest, LeaseHolderColumnCarriesTheFieldDocumentation) {
  const api::Json table = TableFor("Lease", {}, "3", kNow);
  ASSERT_EQ(table["columnDefinitions"].size(), 3u);
  EXPECT_EQ(table["columnDefinitions"][1].dump(),
            R"({"name":"Holder","type":"string","format":"","description":)"
            R"("holderIdentity contains the identity of the holder of a current lease. If )"
            R"(Coordinated Leader Election is used, the holder identity must be equal to the )"
            R"(elected LeaseCandidate.metadata.name field.","priority":0})");
}

TEST(TableTest, RowsCarryPartialObjectMetadataByDefault) {
  api::Pod pod = MakePod("Running", {Running("app", true)});
  pod.metadata.uid = "u1";
  pod.metadata.resource_version = "7";
  pod.metadata.labels = {{"app", "web"}};
  const api::Json table = TableFor("Pod", {pod}, "9", kNow);
  ASSERT_EQ(table["rows"].size(), 1u);
  EXPECT_EQ(table["rows"][0].dump(),
            R"({"cells":["web","1/1","Running","0","5m","<none>","<none>","<none>","<none>"],)"
            R"("object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",)"
            R"("metadata":{"name":"web","namespace":"default","uid":"u1","resourceVersion":"7",)"
            R"("creationTimestamp":"2023-12-31T23:55:00Z","labels":{"app":"web"}}}})");
}

TEST(TableTest, IncludeObjectNoneAndObject) {
  api::Namespace ns;
  ns.metadata.name = "default";
  ns.metadata.resource_version = "5";
  ns.status.phase = "Active";
  const api::Object obj = ns;

  TableOptions none;
  none.include_object = IncludeObject::kNone;
  EXPECT_EQ(TableFor("Namespace", {obj}, "5", kNow, none)["rows"].dump(),
            R"([{"cells":["default","Active","<unknown>"],"object":null}])");

  TableOptions whole;
  whole.include_object = IncludeObject::kObject;
  EXPECT_EQ(TableFor("Namespace", {obj}, "5", kNow, whole)["rows"][0]["object"],
            api::EncodeObject(obj));
  EXPECT_EQ(TableFor("Namespace", {obj}, "5", kNow, whole)["rows"][0]["object"]["kind"],
            "Namespace");
}

TEST(TableTest, ParseIncludeObject) {
  EXPECT_EQ(ParseIncludeObject(""), IncludeObject::kMetadata);
  EXPECT_EQ(ParseIncludeObject("Metadata"), IncludeObject::kMetadata);
  EXPECT_EQ(ParseIncludeObject("None"), IncludeObject::kNone);
  EXPECT_EQ(ParseIncludeObject("Object"), IncludeObject::kObject);
  EXPECT_EQ(ParseIncludeObject("object"), std::nullopt);
}

TEST(TableTest, SingleObjectUsesItsResourceVersion) {
  api::ConfigMap cm;
  cm.metadata.name = "settings";
  cm.metadata.resource_version = "31";
  const api::Json table = TableFor(api::Object(cm), kNow);
  EXPECT_EQ(table["metadata"].dump(), R"({"resourceVersion":"31"})");
  EXPECT_EQ(table["columnDefinitions"].size(), 3u);
  EXPECT_EQ(table["rows"][0]["cells"].dump(), R"(["settings",0,"<unknown>"])");
}

TEST(TableTest, NoHeadersDropsTheColumns) {
  TableOptions opts;
  opts.no_headers = true;
  const api::Json table = TableFor("Pod", {}, "", kNow, opts);
  EXPECT_TRUE(table["columnDefinitions"].is_null());
  EXPECT_EQ(table["metadata"].dump(), "{}");
}

TEST(TableTest, FinishedPodRowsCarryACompletedCondition) {
  api::Pod done = MakePod("Succeeded", {Terminated("app", 0, "Completed")});
  api::Pod failed = MakePod("Failed", {Terminated("app", 1, "Error")});
  api::Pod running = MakePod("Running", {Running("app", true)});
  TableOptions opts;
  opts.include_object = IncludeObject::kNone;
  const api::Json rows = TableFor("Pod", {done, failed, running}, "1", kNow, opts)["rows"];
  EXPECT_EQ(rows[0]["conditions"].dump(),
            R"([{"type":"Completed","status":"True","reason":"Succeeded",)"
            R"("message":"The pod has completed successfully."}])");
  EXPECT_EQ(rows[1]["conditions"].dump(),
            R"([{"type":"Completed","status":"True","reason":"Failed",)"
            R"("message":"The pod failed."}])");
  EXPECT_FALSE(rows[2].contains("conditions"));
  std::string keys;
  for (const auto& [key, value] : rows[0].items()) keys += key + ",";
  EXPECT_EQ(keys, "cells,conditions,object,");
}

}  // namespace
}  // namespace cubelet::apiserver
