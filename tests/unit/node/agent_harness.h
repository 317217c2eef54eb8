// A node agent wired to fakes for unit tests: FakeRuntime, FakeImageService, FakeClock, a
// scripted probe/hook runner and recording sinks. The agent runs without threads; each Step()
// is one RunOnce() at the fake clock's current time.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"
#include "image/testing/fake_image_service.h"
#include "node/agent_internal.h"
#include "node/node.h"
#include "node/prober.h"
#include "runtime/testing/fake_runtime.h"

namespace cubelet::node::testing {

class FakeHandlers final : public HandlerRunner {
 public:
  // Results for the next probes of a container (by container name), in order; when none is
  // queued the probe succeeds.
  void Queue(const std::string& container, ProbeResult r, std::string output = "") {
    std::lock_guard lock(mu_);
    queued_[container].push_back(ProbeOutcome{r, std::move(output)});
  }
  void FailHooks(bool fail) {
    std::lock_guard lock(mu_);
    fail_hooks_ = fail;
  }
  std::vector<std::string> Log() const {
    std::lock_guard lock(mu_);
    return log_;
  }
  ProbeOutcome Probe(const api::Probe& probe, const api::Container& c,
                     const ProbeTarget& target) override {
    std::lock_guard lock(mu_);
    std::string kind = probe.exec ? "exec" : probe.http_get ? "http" : "tcp";
    log_.push_back("probe " + c.name + " " + kind + " " + target.container_id);
    auto& q = queued_[c.name];
    if (q.empty()) return ProbeOutcome{ProbeResult::kSuccess, ""};
    ProbeOutcome o = q.front();
    q.pop_front();
    return o;
  }
  base::Status RunHook(const api::LifecycleHandler&, const api::Container& c,
                       const ProbeTarget& target, std::chrono::milliseconds timeout) override {
    std::lock_guard lock(mu_);
    log_.push_back("hook " + c.name + " " + target.container_id + " " +
                   std::to_string(timeout.count()));
    if (fail_hooks_) return base::Status(base::Code::kInternal, "hook exited with 1");
    return base::Status::Ok();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<ProbeOutcome>> queued_;
  std::vector<std::string> log_;
  bool fail_hooks_ = false;
};

class RecordingStatus final : public StatusSink {
 public:
  void PodStatusChanged(const api::Pod& pod) override {
    std::lock_guard lock(mu_);
    updates.push_back(pod);
  }
  void PodTerminated(const api::Pod& pod) override {
    std::lock_guard lock(mu_);
    terminated.push_back(pod);
  }
  std::mutex mu_;
  std::vector<api::Pod> updates;
  std::vector<api::Pod> terminated;
};

class RecordingEvents final : public EventSink {
 public:
  void Publish(const api::Event& e) override {
    std::lock_guard lock(mu_);
    latest[e.metadata.name] = e;
    order.push_back(e.metadata.name);
  }
  // "Reason: message" of every distinct event in first-publish order.
  std::vector<std::string> Texts() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const auto& n : order) {
      if (seen.insert(n).second) out.push_back(latest[n].reason + ": " + latest[n].message);
    }
    return out;
  }
  const api::Event* Find(const std::string& reason) {
    std::lock_guard lock(mu_);
    for (const auto& [n, e] : latest) {
      if (e.reason == reason) return &e;
    }
    return nullptr;
  }
  std::mutex mu_;
  std::map<std::string, api::Event> latest;
  std::vector<std::string> order;
};

inline api::Container MakeContainer(std::string name, std::vector<std::string> command,
                                    std::string image = "busybox:1.36") {
  api::Container c;
  c.name = std::move(name);
  c.image = std::move(image);
  c.command = std::move(command);
  return c;
}

inline api::Pod MakePod(std::string name, std::vector<api::Container> containers,
                        std::string restart_policy = "Always",
                        std::vector<api::Container> inits = {}) {
  api::Pod p;
  p.metadata.name = name;
  p.metadata.namespace_ = "default";
  p.metadata.uid = "uid-" + name;
  p.spec.containers = std::move(containers);
  p.spec.init_containers = std::move(inits);
  p.spec.restart_policy = std::move(restart_policy);
  p.spec.node_name = "node1";
  api::SetDefaults(p);
  return p;
}

class AgentTest : public ::testing::Test {
 protected:
  AgentTest() : rt_(&clock_) {
    images_.AddImage("busybox:1.36");
    images_.AddRemote("busybox:1.36");
    char tmpl[] = "/tmp/node-agent-test-XXXXXX";
    state_dir_ = mkdtemp(tmpl);
  }
  ~AgentTest() override {
    agent_.reset();
    std::string cmd = "rm -rf '" + state_dir_ + "'";
    (void)system(cmd.c_str());
  }

  AgentOptions Options() {
    AgentOptions o;
    o.node_name = "node1";
    o.node.host_ip = "192.0.2.10";
    o.state_dir = state_dir_;
    o.runtime = &rt_;
    o.images = &images_;
    o.image_spec = [](const image::ImageRecord& r) {
      runtime::ImageSpec s;
      s.ref = r.name;
      s.id = r.config_digest;
      s.entrypoint = r.config.entrypoint;
      s.cmd = r.config.cmd;
      return s;
    };
    o.objects = &objects_;
    o.status = &status_;
    o.events = &events_;
    o.clock = &clock_;
    o.threads = false;
    o.sources = {"api"};
    return o;
  }

  void Start(AgentOptions o) {
    auto h = std::make_unique<FakeHandlers>();
    handlers_ = h.get();
    auto a = StartAgentWith(std::move(o), std::move(h));
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    agent_ = std::move(*a);
  }
  void Start() { Start(Options()); }

  int Step() { return agent_->RunOnce(); }
  // Advances the fake clock in one-second steps, running the agent at each.
  void Run(int seconds) {
    for (int i = 0; i < seconds; ++i) {
      clock_.Advance(std::chrono::seconds(1));
      Step();
    }
  }
  api::PodStatus Status(const std::string& uid) {
    auto p = agent_->GetPod(uid);
    EXPECT_TRUE(p.has_value()) << uid;
    return p ? p->status : api::PodStatus{};
  }
  // The runtime's newest instance of a container of the pod, by name.
  std::optional<runtime::ContainerStatus> Latest(const std::string& name) {
    auto all = rt_.ListContainers();
    std::optional<runtime::ContainerStatus> best;
    for (const auto& c : *all) {
      if (c.name != name) continue;
      if (!best || c.attempt >= best->attempt) best = c;
    }
    return best;
  }
  std::vector<runtime::ContainerStatus> Instances(const std::string& name) {
    std::vector<runtime::ContainerStatus> out;
    auto all = rt_.ListContainers();
    for (const auto& c : *all) {
      if (c.name == name) out.push_back(c);
    }
    return out;
  }
  void Exit(const std::string& name, int code) {
    auto c = Latest(name);
    ASSERT_TRUE(c.has_value()) << name;
    ASSERT_TRUE(rt_.SetExited(c->id, code).ok()) << name;
  }

  base::FakeClock clock_;
  runtime::FakeRuntime rt_;
  image::FakeImageService images_;
  MemoryObjects objects_;
  RecordingStatus status_;
  RecordingEvents events_;
  FakeHandlers* handlers_ = nullptr;
  std::string state_dir_;
  std::unique_ptr<Agent> agent_;
};

}  // namespace cubelet::node::testing
