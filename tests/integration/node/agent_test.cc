// The node agent with the real runtime and image service: the seed's pod-test1 (a crash loop)
// and myapp-pod (init containers waiting for their services), static pods from a manifest
// directory, a liveness probe, and a restart of the agent while pods run.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "image/image.h"
#include "node/node.h"
#include "runtime/runtime.h"

#include "../image/fixtures.h"

namespace cubelet::node {
namespace {

using namespace std::chrono_literals;
using cubelet::testing::RegistryFixtures;

class Events final : public EventSink {
 public:
  void Publish(const api::Event& e) override {
    std::lock_guard lock(mu_);
    events_[e.metadata.name] = e;
  }
  int Count(const std::string& reason) {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [k, e] : events_) n += e.reason == reason ? e.count : 0;
    return n;
  }

 private:
  std::mutex mu_;
  std::map<std::string, api::Event> events_;
};

class NodeAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/cubelet-node-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ + "/shared");
    http_ = image::NewCurlTransport();
    image::ImageServiceOptions io;
    io.root = dir_ + "/images";
    io.http = http_.get();
    io.clock = clock_.get();
    auto images = image::NewImageService(io);
    ASSERT_TRUE(images.ok()) << images.status().ToString();
    images_ = std::move(*images);
    runtime::RuntimeOptions ro;
    ro.root = dir_ + "/runtime";
    ro.pods_log_root = dir_ + "/pods";
    ro.supervisor_path = std::string(CUBELET_BIN_DIR) + "/cubelet-supervisor";
    ro.cgroup_parent = "cubelet-node-test-" + std::to_string(getpid());
    ro.clock = clock_.get();
    cgroup_parent_ = ro.cgroup_parent;
    auto rt = runtime::NewRuntime(ro);
    ASSERT_TRUE(rt.ok()) << rt.status().ToString();
    runtime_ = std::move(*rt);
    image_ = RegistryFixtures::Get("PLAIN") + "/library/busybox:latest";
  }

  void TearDown() override {
    agent_.reset();
    if (runtime_) {
      auto sandboxes = runtime_->ListPodSandboxes();
      if (sandboxes.ok()) {
        for (const auto& s : *sandboxes) EXPECT_TRUE(runtime_->RemovePodSandbox(s.id).ok());
      }
    }
    runtime_.reset();
    std::ifstream mi("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mi, line)) {
      EXPECT_EQ(line.find(dir_ + "/runtime"), std::string::npos) << "mount left: " << line;
    }
    std::filesystem::remove_all(dir_);
    for (const char* c : {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio",
                          "pids", "systemd", "unified", ""}) {
      std::string path = "/sys/fs/cgroup/" + std::string(c) + "/" + cgroup_parent_;
      rmdir(path.c_str());
      EXPECT_FALSE(std::filesystem::exists(path)) << path;
    }
  }

  AgentOptions Options() {
    AgentOptions o;
    o.node_name = "node1";
    o.node.host_ip = "127.0.0.1";
    o.state_dir = dir_ + "/node";
    o.runtime = runtime_.get();
    o.images = images_.get();
    o.image_spec = [this](const image::ImageRecord& r) {
      runtime::ImageSpec s;
      s.ref = r.name;
      s.id = r.config_digest;
      s.layer_dirs = images_->LayerDirs(r);
      s.entrypoint = r.config.entrypoint;
      s.cmd = r.config.cmd;
      s.env = r.config.env;
      s.working_dir = r.config.working_dir;
      s.user = r.config.user;
      s.stop_signal = r.config.stop_signal;
      return s;
    };
    o.events = &events_;
    o.clock = clock_.get();
    o.relist_period = 200ms;
    o.sources = {"api"};
    return o;
  }

  void Start(AgentOptions o) {
    auto a = StartAgent(std::move(o));
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    agent_ = std::move(*a);
  }

  api::Pod Parse(const std::string& yaml) {
    auto objs = api::DecodeManifests(yaml, "pod.yaml");
    EXPECT_TRUE(objs.ok()) << objs.status().ToString();
    api::Pod pod = std::get<api::Pod>((*objs)[0]);
    api::SetDefaults(pod);
    pod.metadata.namespace_ = "default";
    pod.metadata.uid = "uid-" + pod.metadata.name;
    pod.spec.node_name = "node1";
    return pod;
  }

  // Polls the agent's view of a pod until `pred` holds (bounded).
  api::Pod WaitFor(const std::string& uid, const std::function<bool(const api::Pod&)>& pred,
                   std::chrono::seconds limit, const std::string& what) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::optional<api::Pod> last;
    while (std::chrono::steady_clock::now() < deadline) {
      last = agent_->GetPod(uid);
      if (last && pred(*last)) return *last;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "timed out waiting for " << what << "; last status:\n"
                  << (last ? api::EncodeJson(last->status).dump(2) : "none");
    return last.value_or(api::Pod{});
  }

  std::unique_ptr<base::Clock> clock_ = base::NewRealClock();
  std::string dir_;
  std::string cgroup_parent_;
  std::string image_;
  std::unique_ptr<image::HttpTransport> http_;
  std::unique_ptr<image::ImageService> images_;
  std::unique_ptr<runtime::Runtime> runtime_;
  Events events_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(NodeAgentTest, PodTest1CrashLoopsWithGrowingDelays) {
  Start(Options());
  api::Pod pod = Parse(R"(
apiVersion: v1
kind: Pod
metadata:
  name: pod-test1
spec:
  containers:
  - name: app
    image: )" + image_ +
                       R"(
    command: [echo, SUCCESS]
)");
  agent_->UpdatePod("api", pod);
  // Exit, restart at once, exit again: then 10 s of back-off before the third run.
  api::Pod p = WaitFor(
      "uid-pod-test1",
      [](const api::Pod& q) {
        const auto& cs = q.status.container_statuses;
        return !cs.empty() && cs[0].restart_count >= 1 && cs[0].state.waiting &&
               cs[0].state.waiting->reason == "CrashLoopBackOff";
      },
      60s, "CrashLoopBackOff");
  ASSERT_FALSE(p.status.container_statuses.empty());
  const auto& cs = p.status.container_statuses[0];
  EXPECT_EQ(p.status.phase, "Running");
  EXPECT_EQ(cs.last_state.terminated->reason, "Completed");
  EXPECT_EQ(cs.last_state.terminated->exit_code, 0);
  EXPECT_EQ(cs.state.waiting->message,
            "back-off 10s restarting failed container=app pod=pod-test1_default(uid-pod-test1)");
  const auto finished = cs.last_state.terminated->finished_at.value;
  // The next run comes 10 s after that exit, not sooner.
  p = WaitFor(
      "uid-pod-test1",
      [](const api::Pod& q) { return q.status.container_statuses[0].restart_count >= 2; }, 60s,
      "the third run");
  auto started = clock_->Now();
  EXPECT_GE(started - finished, 9s);
  p = WaitFor(
      "uid-pod-test1",
      [](const api::Pod& q) {
        const auto& c = q.status.container_statuses[0];
        return c.state.waiting && c.state.waiting->reason == "CrashLoopBackOff" &&
               c.restart_count == 2;
      },
      30s, "the 20 s back-off");
  EXPECT_EQ(p.status.container_statuses[0].state.waiting->message,
            "back-off 20s restarting failed container=app pod=pod-test1_default(uid-pod-test1)");
  // Every run wrote SUCCESS to its own log file, named by the restart count.
  auto sandboxes = runtime_->ListPodSandboxes();
  ASSERT_EQ(sandboxes->size(), 1u);
  for (int i = 0; i < 3; ++i) {
    std::ifstream log((*sandboxes)[0].log_directory + "/app/" + std::to_string(i) + ".log");
    std::string text((std::istreambuf_iterator<char>(log)), {});
    EXPECT_NE(text.find("stdout F SUCCESS"), std::string::npos) << i << ".log: " << text;
  }
  EXPECT_GE(events_.Count("BackOff"), 1);
}

TEST_F(NodeAgentTest, MyAppPodWaitsForItsServicesThenRuns) {
  Start(Options());
  // Stand-ins for `nslookup myservice` / `nslookup mydb` until cluster DNS exists: the init
  // containers wait for a file of the same name in a shared hostPath directory.
  api::Pod pod = Parse(R"(
apiVersion: v1
kind: Pod
metadata:
  name: myapp-pod
  labels: {app.kubernetes.io/name: MyApp}
spec:
  volumes:
  - name: services
    hostPath: {path: )" +
                       dir_ + R"(/shared}
  containers:
  - name: myapp-container
    image: )" + image_ +
                       R"(
    command: ['sh', '-c', 'echo The app is running! && sleep 3600']
  initContainers:
  - name: init-myservice
    image: )" + image_ +
                       R"(
    command: ['sh', '-c', 'until [ -e /services/myservice ]; do echo waiting for myservice; sleep 0.2; done']
    volumeMounts: [{name: services, mountPath: /services}]
  - name: init-mydb
    image: )" + image_ +
                       R"(
    command: ['sh', '-c', 'until [ -e /services/mydb ]; do echo waiting for mydb; sleep 0.2; done']
    volumeMounts: [{name: services, mountPath: /services}]
)");
  agent_->UpdatePod("api", pod);
  auto running_init = [](int i) {
    return [i](const api::Pod& p) {
      const auto& s = p.status.init_container_statuses;
      return s.size() == 2 && s[i].state.running.has_value();
    };
  };
  api::Pod p = WaitFor("uid-myapp-pod", running_init(0), 60s, "Init:0/2");
  EXPECT_EQ(p.status.phase, "Pending");
  EXPECT_FALSE(p.status.init_container_statuses[1].state.running.has_value());
  EXPECT_EQ(p.status.container_statuses[0].state.waiting->reason, "PodInitializing");
  std::this_thread::sleep_for(1s);  // still waiting: nothing moved on
  EXPECT_FALSE(agent_->GetPod("uid-myapp-pod")->status.init_container_statuses[1].state.running);

  std::ofstream(dir_ + "/shared/myservice") << "";
  p = WaitFor("uid-myapp-pod", running_init(1), 30s, "Init:1/2");
  EXPECT_EQ(p.status.init_container_statuses[0].state.terminated->reason, "Completed");
  EXPECT_EQ(p.status.phase, "Pending");

  std::ofstream(dir_ + "/shared/mydb") << "";
  p = WaitFor(
      "uid-myapp-pod",
      [](const api::Pod& q) {
        return !q.status.container_statuses.empty() &&
               q.status.container_statuses[0].state.running.has_value();
      },
      30s, "Running");
  EXPECT_EQ(p.status.phase, "Running");
  EXPECT_TRUE(p.status.container_statuses[0].ready);
  // Deleting it: the pod is stopped and its final status reported.
  pod.metadata.deletion_timestamp = api::Time::At(clock_->Now());
  pod.metadata.deletion_grace_period_seconds = 1;
  agent_->UpdatePod("api", pod);
  p = WaitFor(
      "uid-myapp-pod", [](const api::Pod& q) { return q.status.phase == "Failed"; }, 30s,
      "the terminal phase after deletion");
  agent_->RemovePod("uid-myapp-pod");
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!runtime_->ListPodSandboxes()->empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(runtime_->ListPodSandboxes()->empty());
}

TEST_F(NodeAgentTest, RestartedAgentLeavesRunningAndBackingOffPodsAlone) {
  Start(Options());
  api::Pod web = Parse(R"(
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: web, image: )" +
                       image_ + R"(, command: [sleep, "3600"]}
)");
  api::Pod crash = Parse(R"(
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - {name: app, image: )" +
                         image_ + R"(, command: ["false"]}
)");
  agent_->SetPods("api", {web, crash});
  WaitFor(
      "uid-crash",
      [](const api::Pod& q) {
        const auto& cs = q.status.container_statuses;
        return !cs.empty() && cs[0].state.waiting &&
               cs[0].state.waiting->reason == "CrashLoopBackOff";
      },
      60s, "CrashLoopBackOff");
  api::Pod web_before = WaitFor(
      "uid-web", [](const api::Pod& q) { return q.status.phase == "Running"; }, 60s, "web");
  api::Pod crash_before = *agent_->GetPod("uid-crash");
  auto containers_before = runtime_->ListContainers();
  agent_->Stop();
  agent_.reset();

  Start(Options());
  agent_->SetPods("api", {web, crash});
  std::this_thread::sleep_for(2s);
  auto containers_after = runtime_->ListContainers();
  ASSERT_EQ(containers_after->size(), containers_before->size()) << "nothing new was started";
  api::Pod web_after = *agent_->GetPod("uid-web");
  api::Pod crash_after = *agent_->GetPod("uid-crash");
  EXPECT_EQ(web_after.status.container_statuses[0].container_id,
            web_before.status.container_statuses[0].container_id);
  EXPECT_EQ(web_after.status, web_before.status);
  EXPECT_EQ(crash_after.status.container_statuses[0].restart_count,
            crash_before.status.container_statuses[0].restart_count);
  EXPECT_EQ(crash_after.status.container_statuses[0].state,
            crash_before.status.container_statuses[0].state);
}

TEST_F(NodeAgentTest, StaticPodFollowsItsManifestFile) {
  AgentOptions o = Options();
  o.pod_manifest_path = dir_ + "/manifests";
  o.file_check_frequency = 20s;
  std::filesystem::create_directories(o.pod_manifest_path);
  Start(o);
  std::ofstream(dir_ + "/manifests/static-web.yaml") << R"(
apiVersion: v1
kind: Pod
metadata:
  name: static-web
  labels: {role: myrole}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: )" + image_ + R"(
    command: [sleep, "3600"]
)";
  std::string uid;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& p : agent_->Pods()) {
      if (p.metadata.name == "static-web-node1" && p.status.phase == "Running")
        uid = p.metadata.uid;
    }
    if (!uid.empty()) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_FALSE(uid.empty()) << "static-web-node1 did not run";
  api::Pod p = *agent_->GetPod(uid);
  EXPECT_EQ(p.metadata.annotations["kubernetes.io/config.source"], "file");
  EXPECT_EQ(p.metadata.annotations["kubernetes.io/config.hash"], uid);
  std::filesystem::remove(dir_ + "/manifests/static-web.yaml");
  deadline = std::chrono::steady_clock::now() + 60s;
  while (agent_->GetPod(uid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_FALSE(agent_->GetPod(uid).has_value());
  EXPECT_TRUE(runtime_->ListPodSandboxes()->empty());
}

TEST_F(NodeAgentTest, FailingLivenessProbeRestartsTheContainer) {
  Start(Options());
  api::Pod pod = Parse(R"(
apiVersion: v1
kind: Pod
metadata: {name: liveness-exec}
spec:
  containers:
  - name: liveness
    image: )" + image_ +
                       R"(
    command: [sh, -c, 'touch /tmp/healthy; sleep 2; rm -f /tmp/healthy; sleep 600']
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      periodSeconds: 1
      failureThreshold: 2
      terminationGracePeriodSeconds: 1
)");
  agent_->UpdatePod("api", pod);
  api::Pod p = WaitFor(
      "uid-liveness-exec",
      [](const api::Pod& q) {
        const auto& cs = q.status.container_statuses;
        return !cs.empty() && cs[0].restart_count >= 1;
      },
      60s, "a restart after the liveness probe failed");
  EXPECT_GE(events_.Count("Unhealthy"), 2);
  EXPECT_GE(events_.Count("Killing"), 1);
}

}  // namespace
}  // namespace cubelet::node
