// The scheduler's filters and messages, case by case.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controllers/controllers.h"

namespace cubelet::controllers {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

api::Quantity Q(std::string_view text) { return *api::Quantity::Parse(text); }

api::Node MakeNode(std::string cpu = "2", std::string memory = "4Gi", std::string pods = "110") {
  api::Node n;
  n.metadata.name = "n1";
  n.metadata.labels = {{"kubernetes.io/hostname", "n1"}, {"disk", "ssd"}};
  n.status.allocatable = {{"cpu", Q(cpu)}, {"memory", Q(memory)}, {"pods", Q(pods)}};
  return n;
}

api::Pod MakePod(std::string cpu = "", std::string memory = "") {
  api::Pod p;
  p.metadata.name = "p";
  api::Container c;
  c.name = "c";
  if (!cpu.empty()) c.resources.requests["cpu"] = Q(cpu);
  if (!memory.empty()) c.resources.requests["memory"] = Q(memory);
  p.spec.containers.push_back(c);
  return p;
}

TEST(SchedulerFitTest, RequestsTakeTheLargerOfContainersAndInitPeak) {
  api::Pod p = MakePod("100m", "64Mi");
  api::Container init;
  init.name = "init";
  init.resources.requests["cpu"] = Q("500m");
  p.spec.init_containers.push_back(init);
  EXPECT_EQ(RequestsOf(p).cpu_milli, 500);
  EXPECT_EQ(RequestsOf(p).memory, 64 << 20);
  // A sidecar runs beside everything: it adds to the containers' sum.
  api::Container sidecar;
  sidecar.name = "side";
  sidecar.restart_policy = "Always";
  sidecar.resources.requests["cpu"] = Q("450m");
  p.spec.init_containers.insert(p.spec.init_containers.begin(), sidecar);
  EXPECT_EQ(RequestsOf(p).cpu_milli, 950);  // the init runs beside the sidecar: 450 + 500
}

TEST(SchedulerFitTest, ResourcesCountPodsAlreadyOnTheNode) {
  api::Node node = MakeNode("2", "1Gi", "3");
  api::Pod big = MakePod("1500m");
  api::Pod other = MakePod("600m");
  EXPECT_THAT(UnfitReasons(big, node, {}), IsEmpty());
  EXPECT_THAT(UnfitReasons(other, node, {&big}), ElementsAre("Insufficient cpu"));
  api::Pod done = MakePod("1500m");
  done.status.phase = "Succeeded";  // finished pods hold nothing
  EXPECT_THAT(UnfitReasons(other, node, {&done}), IsEmpty());
  EXPECT_THAT(UnfitReasons(MakePod("", "2Gi"), node, {}), ElementsAre("Insufficient memory"));
  api::Pod a = MakePod(), b = MakePod(), c = MakePod();
  EXPECT_THAT(UnfitReasons(MakePod(), node, {&a, &b, &c}), ElementsAre("Too many pods"));
}

TEST(SchedulerFitTest, NodeSelectorTaintsAndUnschedulable) {
  api::Node node = MakeNode();
  api::Pod p = MakePod();
  p.spec.node_selector = {{"disk", "hdd"}};
  EXPECT_THAT(UnfitReasons(p, node, {}),
              ElementsAre("node(s) didn't match Pod's node affinity/selector"));
  p.spec.node_selector = {{"disk", "ssd"}};
  EXPECT_THAT(UnfitReasons(p, node, {}), IsEmpty());

  node.spec.taints.push_back({"dedicated", "gpu", "NoSchedule", std::nullopt});
  EXPECT_THAT(UnfitReasons(p, node, {}),
              ElementsAre("node(s) had untolerated taint {dedicated: gpu}"));
  p.spec.tolerations.push_back({"dedicated", "Equal", "gpu", "NoSchedule", std::nullopt});
  EXPECT_THAT(UnfitReasons(p, node, {}), IsEmpty());

  node.spec.unschedulable = true;
  EXPECT_THAT(UnfitReasons(p, node, {}), ElementsAre("node(s) were unschedulable"));
  p.spec.tolerations.push_back({"", "Exists", "", "", std::nullopt});  // tolerates everything
  EXPECT_THAT(UnfitReasons(p, node, {}), IsEmpty());
}

TEST(SchedulerFitTest, MessagesAreKubeSchedulers) {
  EXPECT_EQ(UnschedulableMessage(1, {{"Insufficient cpu"}}),
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
            "1 No preemption victims found for incoming pod.");
  EXPECT_EQ(UnschedulableMessage(1, {{"node(s) didn't match Pod's node affinity/selector"}}),
            "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
            "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
  EXPECT_EQ(UnschedulableMessage(0, {}), "no nodes available to schedule pods");
}

}  // namespace
}  // namespace cubelet::controllers
