// A restarted agent re-adopts running pods: nothing is started twice, restart counts, back-off
// and statuses carry on; unclaimed pods are removed once every source has spoken.
#include <cstdio>
#include <fstream>
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent_harness.h"

namespace cubelet::node::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(AgentTest, RestartedAgentAdoptsRunningPodsWithoutStartingAgain) {
  Start();
  api::Pod pod = MakePod("p", {MakeContainer("app", {"sleep", "1d"})});
  agent_->UpdatePod("api", pod);
  Step();
  api::PodStatus before = Status("uid-p");
  agent_.reset();
  rt_.ClearCalls();

  Start();
  agent_->SetPods("api", {pod});
  Step();
  Run(30);
  EXPECT_TRUE(rt_.CallsTo("RunPodSandbox").empty());
  EXPECT_TRUE(rt_.CallsTo("CreateContainer").empty());
  EXPECT_TRUE(rt_.CallsTo("StopContainer").empty());
  EXPECT_EQ(Status("uid-p"), before);
}

TEST_F(AgentTest, RestartedAgentKeepsTheCrashLoopBackOff) {
  Start();
  api::Pod pod = MakePod("p", {MakeContainer("app", {"false"})});
  agent_->UpdatePod("api", pod);
  Step();
  Exit("app", 1);
  Step();  // at once
  Exit("app", 1);
  Step();
  Run(10);  // after 10 s
  Exit("app", 1);
  Step();  // now in a 20 s back-off
  ASSERT_EQ(rt_.CallsTo("StartContainer").size(), 3u);
  api::PodStatus before = Status("uid-p");
  ASSERT_EQ(before.container_statuses[0].state.waiting->reason, "CrashLoopBackOff");
  agent_.reset();

  Start();
  agent_->SetPods("api", {pod});
  Step();
  api::PodStatus after = Status("uid-p");
  EXPECT_EQ(after.container_statuses[0].state.waiting->reason, "CrashLoopBackOff");
  EXPECT_EQ(after.container_statuses[0].state.waiting->message,
            before.container_statuses[0].state.waiting->message);
  EXPECT_EQ(after.container_statuses[0].restart_count, 2);
  Run(18);
  EXPECT_EQ(rt_.CallsTo("StartContainer").size(), 3u) << "the 20 s back-off survives";
  Run(2);
  EXPECT_EQ(rt_.CallsTo("StartContainer").size(), 4u);
  EXPECT_EQ(Latest("app")->attempt, 3u);
}

TEST_F(AgentTest, UnclaimedPodsAreRemovedOnceEverySourceHasSpoken) {
  Start();
  agent_->UpdatePod("api", MakePod("keep", {MakeContainer("app", {"sleep", "1d"})}));
  agent_->UpdatePod("api", MakePod("gone", {MakeContainer("app", {"sleep", "1d"})}));
  Step();
  ASSERT_EQ(rt_.ListPodSandboxes()->size(), 2u);
  agent_.reset();

  Start();
  Step();
  EXPECT_EQ(rt_.ListPodSandboxes()->size(), 2u) << "nothing is removed before the source spoke";
  agent_->SetPods("api", {MakePod("keep", {MakeContainer("app", {"sleep", "1d"})})});
  Step();
  auto sandboxes = rt_.ListPodSandboxes();
  ASSERT_EQ(sandboxes->size(), 1u);
  EXPECT_EQ((*sandboxes)[0].uid, "uid-keep");
}

TEST_F(AgentTest, SetPodsRemovesPodsMissingFromTheSet) {
  Start();
  api::Pod a = MakePod("a", {MakeContainer("app", {"sleep", "1d"})});
  api::Pod b = MakePod("b", {MakeContainer("app", {"sleep", "1d"})});
  agent_->SetPods("api", {a, b});
  Step();
  ASSERT_EQ(agent_->Pods().size(), 2u);
  agent_->SetPods("api", {a});
  Step();
  EXPECT_EQ(agent_->Pods().size(), 1u);
  EXPECT_EQ(rt_.ListPodSandboxes()->size(), 1u);
}

}  // namespace
}  // namespace cubelet::node::testing

namespace cubelet::node::testing {
namespace {

// Static pods through the agent: a file appears, changes and goes; the pod follows.
TEST_F(AgentTest, StaticPodsFollowTheManifestDirectory) {
  const std::string dir = state_dir_ + "/manifests";
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  AgentOptions o = Options();
  o.pod_manifest_path = dir;
  o.sources = {};
  Start(o);
  auto write = [&](const std::string& command) {
    std::ofstream(dir + "/web.yaml") << "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
                                        "spec:\n  containers:\n  - name: web\n"
                                        "    image: busybox:1.36\n    command: [" +
                                            command + "]\n";
  };
  write("sleep, '1'");
  Step();
  auto pods = agent_->Pods();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].metadata.name, "web-node1");
  EXPECT_EQ(pods[0].metadata.annotations["kubernetes.io/config.source"], "file");
  const std::string first_uid = pods[0].metadata.uid;
  EXPECT_EQ(Latest("web")->state, runtime::ContainerState::kRunning);

  write("sleep, '2'");  // a new definition: a new pod (new UID); the old one goes
  Step();
  Step();
  pods = agent_->Pods();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_NE(pods[0].metadata.uid, first_uid);
  auto sandboxes = rt_.ListPodSandboxes();
  ASSERT_EQ(sandboxes->size(), 1u);
  EXPECT_EQ((*sandboxes)[0].uid, pods[0].metadata.uid);

  std::remove((dir + "/web.yaml").c_str());
  Step();
  Step();
  EXPECT_TRUE(agent_->Pods().empty());
  EXPECT_TRUE(rt_.ListPodSandboxes()->empty());
}

}  // namespace
}  // namespace cubelet::node::testing
