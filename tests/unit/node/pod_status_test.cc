// getPhase as a table, independent of the agent.
#include "node/pod_status.h"

#include <gtest/gtest.h>

namespace cubelet::node {
namespace {

api::ContainerStatus Terminated(std::string name, int code) {
  api::ContainerStatus s;
  s.name = std::move(name);
  s.state.terminated = api::ContainerStateTerminated{};
  s.state.terminated->exit_code = code;
  return s;
}
api::ContainerStatus Running(std::string name) {
  api::ContainerStatus s;
  s.name = std::move(name);
  s.state.running = api::ContainerStateRunning{};
  return s;
}
api::ContainerStatus Waiting(std::string name, bool crashed) {
  api::ContainerStatus s;
  s.name = std::move(name);
  s.state.waiting = api::ContainerStateWaiting{"CrashLoopBackOff", ""};
  if (crashed) s.last_state.terminated = api::ContainerStateTerminated{};
  return s;
}

api::Pod TwoContainers(std::string policy) {
  api::Pod p;
  p.spec.restart_policy = std::move(policy);
  p.spec.containers.resize(2);
  p.spec.containers[0].name = "a";
  p.spec.containers[1].name = "b";
  return p;
}

TEST(PodPhaseTest, Table) {
  struct Case {
    std::string policy;
    std::vector<api::ContainerStatus> apps;
    bool terminal;
    std::string phase;
  };
  const Case cases[] = {
      {"Always", {Running("a"), Running("b")}, false, "Running"},
      {"Always", {Terminated("a", 0), Terminated("b", 0)}, false, "Running"},
      {"Always", {Terminated("a", 0), Terminated("b", 0)}, true, "Succeeded"},
      {"Always", {Terminated("a", 0), Terminated("b", 1)}, true, "Failed"},
      {"OnFailure", {Terminated("a", 0), Terminated("b", 0)}, false, "Succeeded"},
      {"OnFailure", {Terminated("a", 0), Terminated("b", 1)}, false, "Running"},
      {"Never", {Terminated("a", 0), Terminated("b", 0)}, false, "Succeeded"},
      {"Never", {Terminated("a", 0), Terminated("b", 1)}, false, "Failed"},
      {"Never", {Running("a"), Terminated("b", 1)}, false, "Running"},
      {"Always", {Waiting("a", true), Running("b")}, false, "Running"},
      {"Always", {Waiting("a", false), Running("b")}, false, "Pending"},
      {"Always", {Running("a")}, false, "Pending"},  // b unknown
  };
  for (const auto& c : cases) {
    api::Pod pod = TwoContainers(c.policy);
    EXPECT_EQ(PodPhase(pod, {}, c.apps, c.terminal, false), c.phase)
        << c.policy << " case " << (&c - cases);
  }
}

TEST(PodPhaseTest, InitContainers) {
  api::Pod pod = TwoContainers("Never");
  pod.spec.init_containers.resize(1);
  pod.spec.init_containers[0].name = "i";
  EXPECT_EQ(PodPhase(pod, {Running("i")}, {}, false, false), "Pending");
  EXPECT_EQ(PodPhase(pod, {Terminated("i", 1)}, {}, false, false), "Failed");
  pod.spec.restart_policy = "OnFailure";
  EXPECT_EQ(PodPhase(pod, {Terminated("i", 1)}, {}, false, false), "Pending");
  // A static pod never turns terminal through deletion.
  pod.spec.restart_policy = "Always";
  EXPECT_EQ(
      PodPhase(pod, {Terminated("i", 0)}, {Terminated("a", 0), Terminated("b", 0)}, true, true),
      "Running");
}

}  // namespace
}  // namespace cubelet::node
