// Probes and lifecycle hooks through the agent: liveness restarts, readiness drives Ready,
// startup gates the others, postStart failures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent_harness.h"

namespace cubelet::node::testing {
namespace {

using namespace std::chrono_literals;

api::Probe ExecProbe(int period = 10, int failure_threshold = 3) {
  api::Probe p;
  p.exec = api::ExecAction{{"cat", "/tmp/healthy"}};
  p.period_seconds = period;
  p.failure_threshold = failure_threshold;
  p.success_threshold = 1;
  p.timeout_seconds = 1;
  return p;
}

std::string ReadyStatus(const api::PodStatus& st) {
  for (const auto& c : st.conditions) {
    if (c.type == "Ready") return c.status;
  }
  return "";
}

TEST_F(AgentTest, LivenessFailuresRestartTheContainer) {
  Start();
  api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"})});
  pod.spec.containers[0].liveness_probe = ExecProbe(5, 3);
  agent_->UpdatePod("api", pod);
  Step();
  std::string first = Latest("app")->id;
  for (int i = 0; i < 3; ++i) handlers_->Queue("app", ProbeResult::kFailure, "cat: can't open");
  Run(9);  // probes at 0 s (fails... the first is at start), 5 s: two failures
  EXPECT_EQ(Latest("app")->id, first);
  Run(6);  // the third failure in a row
  EXPECT_NE(Latest("app")->id, first);
  EXPECT_THAT(events_.Texts(),
              ::testing::IsSupersetOf({"Unhealthy: Liveness probe failed: cat: can't open",
                                       "Killing: Container app failed liveness probe, will be "
                                       "restarted"}));
  EXPECT_EQ(events_.Find("Unhealthy")->count, 3);
  api::PodStatus st = Status("uid-p");
  EXPECT_EQ(st.container_statuses[0].restart_count, 1);
  EXPECT_TRUE(st.container_statuses[0].state.running.has_value());
}

TEST_F(AgentTest, ReadinessDrivesTheReadyCondition) {
  Start();
  api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"})});
  pod.spec.containers[0].readiness_probe = ExecProbe(10, 1);
  handlers_->Queue("app", ProbeResult::kFailure, "not yet");
  agent_->UpdatePod("api", pod);
  Step();
  api::PodStatus st = Status("uid-p");
  EXPECT_FALSE(st.container_statuses[0].ready) << "a readiness probe starts unready";
  EXPECT_EQ(ReadyStatus(st), "False");
  Run(1);  // first probe fails
  EXPECT_EQ(ReadyStatus(Status("uid-p")), "False");
  Run(10);  // second succeeds
  st = Status("uid-p");
  EXPECT_TRUE(st.container_statuses[0].ready);
  EXPECT_EQ(ReadyStatus(st), "True");
  handlers_->Queue("app", ProbeResult::kFailure, "gone");
  Run(10);
  EXPECT_EQ(ReadyStatus(Status("uid-p")), "False");
  EXPECT_EQ(rt_.CallsTo("StartContainer").size(), 1u) << "readiness never restarts";
}

TEST_F(AgentTest, StartupProbeGatesLivenessAndReadiness) {
  Start();
  api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"})});
  pod.spec.containers[0].startup_probe = ExecProbe(1, 30);
  pod.spec.containers[0].liveness_probe = ExecProbe(1, 1);
  for (int i = 0; i < 3; ++i) handlers_->Queue("app", ProbeResult::kFailure, "starting");
  agent_->UpdatePod("api", pod);
  Step();
  api::PodStatus st = Status("uid-p");
  EXPECT_FALSE(st.container_statuses[0].started.value_or(true));
  Run(3);  // three startup failures, below the threshold; liveness did not run
  EXPECT_EQ(rt_.CallsTo("StartContainer").size(), 1u);
  Run(2);
  st = Status("uid-p");
  EXPECT_TRUE(st.container_statuses[0].started.value_or(false));
  EXPECT_TRUE(st.container_statuses[0].ready);
}

TEST_F(AgentTest, FailedPostStartHookKillsTheContainer) {
  Start();
  api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"})});
  pod.spec.containers[0].lifecycle = api::Lifecycle{};
  pod.spec.containers[0].lifecycle->post_start = api::LifecycleHandler{};
  pod.spec.containers[0].lifecycle->post_start->exec = api::ExecAction{{"false"}};
  handlers_->FailHooks(true);
  agent_->UpdatePod("api", pod);
  Step();
  EXPECT_THAT(events_.Texts(), ::testing::Contains("FailedPostStartHook: PostStartHook failed"));
  EXPECT_FALSE(rt_.CallsTo("StopContainer").empty());
  api::PodStatus st = Status("uid-p");
  ASSERT_TRUE(st.container_statuses[0].state.waiting.has_value());
  EXPECT_EQ(st.container_statuses[0].state.waiting->reason, "PostStartHookError");
}

}  // namespace
}  // namespace cubelet::node::testing
