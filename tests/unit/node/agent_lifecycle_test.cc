// The pod lifecycle rules of the node agent against the fake runtime: init order and failure
// under each restartPolicy, crash-loop back-off, sandbox loss, deletion.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/time.h"

#include "agent_harness.h"

namespace cubelet::node::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const api::PodCondition* Cond(const api::PodStatus& st, const std::string& type) {
  for (const auto& c : st.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

api::Pod InitPod(const std::string& policy) {
  return MakePod("myapp", {MakeContainer("app", {"sleep", "3600"})}, policy,
                 {MakeContainer("init1", {"true"}), MakeContainer("init2", {"true"})});
}

TEST_F(AgentTest, InitContainersRunOneAtATimeInOrderThenTheApp) {
  Start();
  agent_->UpdatePod("api", InitPod("Always"));
  Step();
  EXPECT_THAT(rt_.CallsTo("CreateContainer").size(), 1u);
  EXPECT_TRUE(Latest("init1").has_value());
  EXPECT_FALSE(Latest("init2").has_value());
  api::PodStatus st = Status("uid-myapp");
  EXPECT_EQ(st.phase, "Pending");
  ASSERT_NE(Cond(st, "Initialized"), nullptr);
  EXPECT_EQ(Cond(st, "Initialized")->status, "False");
  EXPECT_EQ(Cond(st, "Initialized")->message, "containers with incomplete status: [init1 init2]");
  EXPECT_EQ(st.container_statuses[0].state.waiting->reason, "PodInitializing");

  Step();  // init1 still running: nothing new starts
  EXPECT_FALSE(Latest("init2").has_value());
  Exit("init1", 0);
  Step();
  EXPECT_TRUE(Latest("init2").has_value());
  EXPECT_FALSE(Latest("app").has_value());
  Exit("init2", 0);
  Step();
  ASSERT_TRUE(Latest("app").has_value());
  EXPECT_EQ(Latest("app")->state, runtime::ContainerState::kRunning);
  st = Status("uid-myapp");
  EXPECT_EQ(st.phase, "Running");
  EXPECT_EQ(Cond(st, "Initialized")->status, "True");
  EXPECT_EQ(Cond(st, "Ready")->status, "True");
  EXPECT_EQ(st.init_container_statuses[0].state.terminated->reason, "Completed");
  EXPECT_TRUE(st.init_container_statuses[1].ready);
  // The order of creation is the spec's.
  std::vector<std::string> created;
  for (const auto& c : rt_.CallsTo("CreateContainer")) created.push_back(c.args[1]);
  EXPECT_THAT(created, ElementsAre("init1", "init2", "app"));
}

TEST_F(AgentTest, FailedInitContainerFailsANeverPod) {
  Start();
  agent_->UpdatePod("api", InitPod("Never"));
  Step();
  Exit("init1", 2);
  Step();
  api::PodStatus st = Status("uid-myapp");
  EXPECT_EQ(st.phase, "Failed");
  EXPECT_EQ(st.init_container_statuses[0].state.terminated->exit_code, 2);
  EXPECT_FALSE(Latest("init2").has_value());
  EXPECT_FALSE(Latest("app").has_value());
  // The sandbox is stopped, and nothing is started again later.
  auto sandboxes = rt_.ListPodSandboxes();
  EXPECT_EQ((*sandboxes)[0].state, runtime::SandboxState::kNotReady);
  Run(60);
  EXPECT_EQ(Instances("init1").size(), 1u);
  EXPECT_EQ(Status("uid-myapp").phase, "Failed");
}

TEST_F(AgentTest, FailedInitContainerIsRetriedWithBackOffUnderOnFailureAndAlways) {
  for (std::string policy : {"OnFailure", "Always"}) {
    SCOPED_TRACE(policy);
    runtime::FakeRuntime fresh(&clock_);
    AgentOptions o = Options();
    o.runtime = &fresh;
    Start(o);
    agent_->UpdatePod("api", InitPod(policy));
    Step();
    auto exit_init = [&](int code) {
      auto all = fresh.ListContainers();
      for (const auto& c : *all) {
        if (c.name == "init1" && c.state == runtime::ContainerState::kRunning) {
          ASSERT_TRUE(fresh.SetExited(c.id, code).ok());
        }
      }
    };
    exit_init(1);
    Step();  // first failure: restarted at once
    EXPECT_EQ(fresh.CallsTo("StartContainer").size(), 2u);
    exit_init(1);
    Step();  // second: back-off 10 s
    EXPECT_EQ(fresh.CallsTo("StartContainer").size(), 2u);
    api::PodStatus st = Status("uid-myapp");
    EXPECT_EQ(st.phase, "Pending");
    EXPECT_EQ(st.init_container_statuses[0].state.waiting->reason, "CrashLoopBackOff");
    EXPECT_EQ(st.init_container_statuses[0].last_state.terminated->exit_code, 1);
    EXPECT_EQ(st.init_container_statuses[0].restart_count, 1);
    Run(10);
    EXPECT_EQ(fresh.CallsTo("StartContainer").size(), 3u);
    agent_.reset();
  }
}

// pod-test1: `echo SUCCESS` under restartPolicy Always restarts at once, then after 10 s, 20 s,
// 40 s, ... up to 300 s, each measured from the previous instance's exit.
TEST_F(AgentTest, CrashLoopBackOffDoublesFromTenSecondsToFiveMinutes) {
  Start();
  api::Pod pod = MakePod("pod-test1", {MakeContainer("app", {"echo", "SUCCESS"})});
  agent_->UpdatePod("api", pod);
  Step();
  std::vector<int64_t> delays;
  base::TimePoint exited_at;
  int starts = 1;
  for (int t = 0; t < 2400 && delays.size() < 9; ++t) {
    auto c = Latest("app");
    if (c->state == runtime::ContainerState::kRunning) {
      ASSERT_TRUE(rt_.SetExited(c->id, 0).ok());
      exited_at = clock_.Now();
      Step();
      int now_starts = static_cast<int>(rt_.CallsTo("StartContainer").size());
      if (now_starts > starts) {
        delays.push_back(0);
        starts = now_starts;
      }
      continue;
    }
    clock_.Advance(1s);
    Step();
    int now_starts = static_cast<int>(rt_.CallsTo("StartContainer").size());
    if (now_starts > starts) {
      starts = now_starts;
      delays.push_back(
          std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - exited_at).count());
    }
  }
  EXPECT_THAT(delays, ElementsAre(0, 10, 20, 40, 80, 160, 300, 300, 300));

  // While waiting it reports CrashLoopBackOff with the kubelet's message, and a Warning event.
  auto c = Latest("app");
  ASSERT_TRUE(rt_.SetExited(c->id, 0).ok());
  Step();
  api::PodStatus st = Status("uid-pod-test1");
  EXPECT_EQ(st.phase, "Running");
  ASSERT_TRUE(st.container_statuses[0].state.waiting.has_value());
  EXPECT_EQ(st.container_statuses[0].state.waiting->reason, "CrashLoopBackOff");
  EXPECT_EQ(st.container_statuses[0].state.waiting->message,
            "back-off 5m0s restarting failed container=app "
            "pod=pod-test1_default(uid-pod-test1)");
  EXPECT_EQ(st.container_statuses[0].last_state.terminated->reason, "Completed");
  EXPECT_EQ(st.container_statuses[0].restart_count, 9);
  const api::Event* e = events_.Find("BackOff");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->type, "Warning");
  EXPECT_EQ(e->message,
            "Back-off restarting failed container app in pod pod-test1_default(uid-pod-test1)");
  EXPECT_GT(e->count, 1);
}

TEST_F(AgentTest, BackOffResetsAfterTheContainerRanTenMinutes) {
  Start();
  agent_->UpdatePod("api", MakePod("p", {MakeContainer("app", {"false"})}));
  Step();
  Exit("app", 1);
  Step();  // immediate restart
  Exit("app", 1);
  Step();
  Run(10);  // 10 s back-off
  ASSERT_EQ(rt_.CallsTo("StartContainer").size(), 3u);
  Run(601);  // this instance runs over ten minutes
  Exit("app", 1);
  Step();
  EXPECT_EQ(rt_.CallsTo("StartContainer").size(), 4u) << "restarted at once after the reset";
  Exit("app", 1);
  Step();
  Run(9);
  EXPECT_EQ(rt_.CallsTo("StartContainer").size(), 4u);
  Run(1);
  EXPECT_EQ(rt_.CallsTo("StartContainer").size(), 5u) << "and the next delay is 10 s again";
}

struct PhaseCase {
  std::string policy;
  int exit_code;
  std::string phase;
  bool restarted;
};

TEST_F(AgentTest, PhaseForEachRestartPolicyAndExitCode) {
  const PhaseCase cases[] = {
      {"Always", 0, "Running", true},       {"Always", 1, "Running", true},
      {"OnFailure", 0, "Succeeded", false}, {"OnFailure", 1, "Running", true},
      {"Never", 0, "Succeeded", false},     {"Never", 1, "Failed", false},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.policy + " exit " + std::to_string(tc.exit_code));
    runtime::FakeRuntime fresh(&clock_);
    AgentOptions o = Options();
    o.runtime = &fresh;
    Start(o);
    agent_->UpdatePod("api", MakePod("p", {MakeContainer("app", {"sh"})}, tc.policy));
    Step();
    auto all = fresh.ListContainers();
    ASSERT_EQ(all->size(), 1u);
    ASSERT_TRUE(fresh.SetExited((*all)[0].id, tc.exit_code).ok());
    Step();
    api::PodStatus st = Status("uid-p");
    EXPECT_EQ(st.phase, tc.phase);
    EXPECT_EQ(fresh.CallsTo("StartContainer").size(), tc.restarted ? 2u : 1u);
    if (!tc.restarted) {
      EXPECT_EQ(st.container_statuses[0].state.terminated->reason,
                tc.exit_code == 0 ? "Completed" : "Error");
      EXPECT_EQ(Cond(st, "Ready")->reason, tc.phase == "Succeeded" ? "PodCompleted" : "PodFailed");
      // A finished pod's sandbox is stopped.
      EXPECT_EQ((*fresh.ListPodSandboxes())[0].state, runtime::SandboxState::kNotReady);
    }
    agent_.reset();
  }
}

TEST_F(AgentTest, LostSandboxIsRecreatedAndInitContainersRunAgain) {
  Start();
  agent_->UpdatePod("api", InitPod("Always"));
  Step();
  Exit("init1", 0);
  Step();
  Exit("init2", 0);
  Step();
  ASSERT_EQ(Latest("app")->state, runtime::ContainerState::kRunning);
  auto sandboxes = rt_.ListPodSandboxes();
  ASSERT_TRUE(rt_.SetSandboxNotReady((*sandboxes)[0].id).ok());
  Step();
  sandboxes = rt_.ListPodSandboxes();
  ASSERT_EQ(sandboxes->size(), 2u);
  EXPECT_EQ(events_.Find("SandboxChanged")->message,
            "Pod sandbox changed, it will be killed and re-created.");
  // The new sandbox (attempt 1) runs init1 again, not the app.
  EXPECT_EQ(rt_.CallsTo("RunPodSandbox").back().args[2], "1");
  auto init1 = Latest("init1");
  ASSERT_TRUE(init1.has_value());
  EXPECT_EQ(init1->state, runtime::ContainerState::kRunning);
  EXPECT_EQ(init1->attempt, 1u) << "restart count continues";
  EXPECT_EQ(Status("uid-myapp").phase, "Running") << "once apps ran, never Pending again";
  Exit("init1", 0);
  Step();
  Exit("init2", 0);
  Step();
  EXPECT_EQ(Latest("app")->state, runtime::ContainerState::kRunning);
  EXPECT_EQ(Latest("app")->attempt, 1u);
}

TEST_F(AgentTest, GracefulDeletionStopsWithTheGracePeriodAndReportsTermination) {
  Start();
  api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"})});
  pod.spec.containers[0].lifecycle = api::Lifecycle{};
  pod.spec.containers[0].lifecycle->pre_stop = api::LifecycleHandler{};
  pod.spec.containers[0].lifecycle->pre_stop->exec = api::ExecAction{{"sh", "-c", "sleep 1"}};
  agent_->UpdatePod("api", pod);
  Step();
  std::string id = Latest("app")->id;
  pod.metadata.deletion_timestamp = api::Time::At(clock_.Now() + 7s);
  pod.metadata.deletion_grace_period_seconds = 7;
  agent_->UpdatePod("api", pod);
  Step();
  EXPECT_THAT(handlers_->Log(), ::testing::Contains("hook app " + id + " 7000"));
  auto stops = rt_.CallsTo("StopContainer");
  ASSERT_FALSE(stops.empty());
  EXPECT_EQ(stops[0].args, (std::vector<std::string>{id, "7000"}));
  EXPECT_EQ(events_.Find("Killing")->message, "Stopping container app");
  ASSERT_EQ(status_.terminated.size(), 1u);
  EXPECT_EQ(status_.terminated[0].status.phase, "Failed") << "SIGTERM'd: exit 143";
  // Then the API object goes and the agent removes what is left.
  agent_->RemovePod("uid-p");
  Step();
  EXPECT_TRUE(rt_.ListPodSandboxes()->empty());
  EXPECT_FALSE(agent_->GetPod("uid-p").has_value());
}

TEST_F(AgentTest, NoRestartAfterDeletionStarted) {
  Start();
  api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"})});
  agent_->UpdatePod("api", pod);
  Step();
  pod.metadata.deletion_timestamp = api::Time::At(clock_.Now() + 30s);
  pod.metadata.deletion_grace_period_seconds = 30;
  agent_->UpdatePod("api", pod);
  Step();
  Run(20);
  EXPECT_EQ(rt_.CallsTo("StartContainer").size(), 1u);
}

TEST_F(AgentTest, StatusIsPublishedOnlyWhenItChanges) {
  Start();
  agent_->UpdatePod("api", MakePod("p", {MakeContainer("app", {"sleep", "1d"})}));
  Step();
  size_t after_start = status_.updates.size();
  EXPECT_GE(after_start, 1u);
  Run(120);  // resyncs happen; nothing changes
  EXPECT_EQ(status_.updates.size(), after_start);
  Exit("app", 3);
  Step();
  EXPECT_GT(status_.updates.size(), after_start);
}

TEST_F(AgentTest, SidecarStartsBeforeTheNextInitAndKeepsRunning) {
  Start();
  api::Container sidecar = MakeContainer("proxy", {"sleep", "1d"});
  sidecar.restart_policy = "Always";
  api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"})}, "Always",
                         {sidecar, MakeContainer("init", {"true"})});
  agent_->UpdatePod("api", pod);
  Step();
  EXPECT_EQ(Latest("proxy")->state, runtime::ContainerState::kRunning);
  EXPECT_FALSE(Latest("init").has_value());
  Step();  // the sidecar has started: the next init container runs
  EXPECT_TRUE(Latest("init").has_value());
  Exit("init", 0);
  Step();
  EXPECT_EQ(Latest("app")->state, runtime::ContainerState::kRunning);
  EXPECT_EQ(Latest("proxy")->state, runtime::ContainerState::kRunning);
  api::PodStatus st = Status("uid-p");
  EXPECT_EQ(st.phase, "Running");
  EXPECT_TRUE(st.init_container_statuses[0].ready);
  // A sidecar that exits is restarted even after initialization.
  Exit("proxy", 1);
  Step();
  EXPECT_EQ(Instances("proxy").size(), 2u);
}

TEST_F(AgentTest, ActiveDeadlineFailsThePod) {
  Start();
  api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"})});
  pod.spec.active_deadline_seconds = 30;
  agent_->UpdatePod("api", pod);
  Step();
  Run(31);
  api::PodStatus st = Status("uid-p");
  EXPECT_EQ(st.phase, "Failed");
  EXPECT_EQ(st.reason, "DeadlineExceeded");
  EXPECT_EQ(st.message, "Pod was active on the node longer than the specified deadline");
}

}  // namespace
}  // namespace cubelet::node::testing
