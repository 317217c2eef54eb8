#include <chrono>
#include <functional>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"
#include "node/node.h"

namespace cubelet::node {
namespace {

using namespace std::chrono_literals;

// Keeps what was published, in order.
class FakeEventSink final : public EventSink {
 public:
  void Publish(const api::Event& event) override {
    std::function<void(const api::Event&)> hook;
    {
      std::lock_guard lock(mu_);
      events_.push_back(event);
      hook = on_publish_;
    }
    if (hook) hook(event);
  }
  std::vector<api::Event> Events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  // Runs at the end of each Publish.
  void OnPublish(std::function<void(const api::Event&)> fn) {
    std::lock_guard lock(mu_);
    on_publish_ = std::move(fn);
  }

 private:
  mutable std::mutex mu_;
  std::vector<api::Event> events_;
  std::function<void(const api::Event&)> on_publish_;
};

api::Pod TestPod(const std::string& name = "web") {
  api::Pod pod;
  pod.metadata.name = name;
  pod.metadata.namespace_ = "shop";
  pod.metadata.uid = "uid-" + name;
  pod.metadata.resource_version = "42";
  pod.spec.init_containers.resize(1);
  pod.spec.init_containers[0].name = "setup";
  pod.spec.containers.resize(1);
  pod.spec.containers[0].name = "app";
  return pod;
}

class EventRecorderTest : public ::testing::Test {
 protected:
  base::FakeClock clock_;
  FakeEventSink sink_;
  EventRecorder recorder_{&sink_, &clock_, "kubelet", "node-1"};
  api::Pod pod_ = TestPod();
};

TEST_F(EventRecorderTest, FirstEventCarriesTheKubeletFields) {
  const base::TimePoint t0 = clock_.Now();
  recorder_.Record(PodReference(pod_), "Normal", "Scheduled", "hello");

  std::vector<api::Event> events = sink_.Events();
  ASSERT_EQ(events.size(), 1u);
  const api::Event& e = events[0];
  EXPECT_EQ(e.metadata.name, fmt::format("web.{:x}", t0.time_since_epoch().count()));
  EXPECT_TRUE(std::regex_match(e.metadata.name, std::regex(R"(web\.[0-9a-f]{16})")))
      << e.metadata.name;
  EXPECT_EQ(e.metadata.namespace_, "shop");
  EXPECT_EQ(e.involved_object, PodReference(pod_));
  EXPECT_EQ(e.reason, "Scheduled");
  EXPECT_EQ(e.message, "hello");
  EXPECT_EQ(e.type, "Normal");
  EXPECT_EQ(e.source, (api::EventSource{"kubelet", "node-1"}));
  EXPECT_EQ(e.count, 1);
  EXPECT_EQ(e.first_timestamp, api::Time::At(t0));
  EXPECT_EQ(e.last_timestamp, api::Time::At(t0));
  EXPECT_TRUE(e.event_time.IsZero());
  EXPECT_EQ(e.reporting_component, "kubelet");
  EXPECT_EQ(e.reporting_instance, "node-1");
}

TEST_F(EventRecorderTest, IdenticalRepeatIsTheSameEventCountedAgain) {
  const base::TimePoint t0 = clock_.Now();
  recorder_.Record(PodReference(pod_), "Warning", "BackOff", "back-off");
  clock_.Advance(5s);
  recorder_.Record(PodReference(pod_), "Warning", "BackOff", "back-off");

  std::vector<api::Event> events = sink_.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].metadata.name, events[0].metadata.name);
  EXPECT_EQ(events[1].count, 2);
  EXPECT_EQ(events[1].first_timestamp, api::Time::At(t0));
  EXPECT_EQ(events[1].last_timestamp, api::Time::At(t0 + 5s));
}

TEST_F(EventRecorderTest, DifferentMessageIsADifferentEvent) {
  recorder_.Record(PodReference(pod_), "Normal", "Pulling", "Pulling image \"a\"");
  recorder_.Record(PodReference(pod_), "Normal", "Pulling", "Pulling image \"b\"");

  std::vector<api::Event> events = sink_.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].metadata.name, events[1].metadata.name);  // same instant, still unique
  EXPECT_EQ(events[1].count, 1);
  EXPECT_EQ(events[1].message, "Pulling image \"b\"");
}

TEST_F(EventRecorderTest, EventsOfAnObjectWithoutNamespaceGoToDefault) {
  api::ObjectReference node;
  node.kind = "Node";
  node.name = "node-1";
  node.uid = "node-1";
  recorder_.Record(node, "Normal", "Starting", "Starting kubelet.");
  ASSERT_EQ(sink_.Events().size(), 1u);
  EXPECT_EQ(sink_.Events()[0].metadata.namespace_, "default");
}

TEST_F(EventRecorderTest, UnknownTypeIsDropped) {
  recorder_.Record(PodReference(pod_), "Info", "Scheduled", "hello");
  EXPECT_TRUE(sink_.Events().empty());
}

// client-go aggregates once the 10th distinct message of similar events arrives (its set of
// messages reaches maxEvents 10): nine keep their own messages, the 10th and later ones are
// one "(combined from similar events)" event whose count grows.
TEST_F(EventRecorderTest, SimilarEventsAreCombinedFromTheTenthMessage) {
  for (int i = 0; i < 9; ++i) {
    recorder_.Record(PodReference(pod_), "Warning", "Unhealthy", fmt::format("failed #{}", i));
  }
  std::vector<api::Event> events = sink_.Events();
  ASSERT_EQ(events.size(), 9u);
  for (const api::Event& e : events) EXPECT_EQ(e.message.find("combined"), std::string::npos);

  recorder_.Record(PodReference(pod_), "Warning", "Unhealthy", "failed #9");
  recorder_.Record(PodReference(pod_), "Warning", "Unhealthy", "failed #10");
  events = sink_.Events();
  ASSERT_EQ(events.size(), 11u);
  EXPECT_EQ(events[9].message, "(combined from similar events): failed #9");
  EXPECT_EQ(events[9].count, 1);
  EXPECT_EQ(events[10].message, "(combined from similar events): failed #10");
  EXPECT_EQ(events[10].count, 2);
  EXPECT_EQ(events[10].metadata.name, events[9].metadata.name);
}

TEST_F(EventRecorderTest, SimilarEventsMoreThanTenMinutesApartAreNotCombined) {
  for (int i = 0; i < 9; ++i) {
    recorder_.Record(PodReference(pod_), "Warning", "Unhealthy", fmt::format("failed #{}", i));
  }
  clock_.Advance(601s);
  recorder_.Record(PodReference(pod_), "Warning", "Unhealthy", "failed #9");
  ASSERT_EQ(sink_.Events().size(), 10u);
  EXPECT_EQ(sink_.Events()[9].message, "failed #9");
}

// Burst 25 per object, then one event per 300 s; other objects have their own bucket.
TEST_F(EventRecorderTest, SpamFilterDropsBeyondTheBurstAndRefillsEveryFiveMinutes) {
  // Distinct reasons: neither counted together nor aggregated, so only the bucket decides.
  for (int i = 0; i < 26; ++i) {
    recorder_.Record(PodReference(pod_), "Normal", fmt::format("R{}", i), "m");
  }
  EXPECT_EQ(sink_.Events().size(), 25u);

  api::Pod other = TestPod("other");
  recorder_.Record(PodReference(other), "Normal", "R0", "m");
  EXPECT_EQ(sink_.Events().size(), 26u);

  clock_.Advance(299s);
  recorder_.Record(PodReference(pod_), "Normal", "R26", "m");
  EXPECT_EQ(sink_.Events().size(), 26u);

  clock_.Advance(1s);  // 300 s since the bucket ran dry
  recorder_.Record(PodReference(pod_), "Normal", "R27", "m");
  ASSERT_EQ(sink_.Events().size(), 27u);
  EXPECT_EQ(sink_.Events().back().reason, "R27");
  recorder_.Record(PodReference(pod_), "Normal", "R28", "m");
  EXPECT_EQ(sink_.Events().size(), 27u);
}

// The sink may record from Publish (nothing is locked around it), and events still come out
// in the order they were recorded.
TEST_F(EventRecorderTest, PublishesOutsideItsLock) {
  bool nested = false;
  sink_.OnPublish([&](const api::Event& e) {
    if (e.reason == "Outer" && !nested) {
      nested = true;
      recorder_.Record(PodReference(pod_), "Normal", "Inner", "from the sink");
    }
  });
  recorder_.Record(PodReference(pod_), "Normal", "Outer", "first");
  std::vector<api::Event> events = sink_.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].reason, "Outer");
  EXPECT_EQ(events[1].reason, "Inner");
}

TEST_F(EventRecorderTest, ConcurrentRepeatsArePublishedWithGrowingCounts) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) recorder_.Record(PodReference(pod_), "Normal", "Tick", "tick");
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<api::Event> events = sink_.Events();
  ASSERT_EQ(events.size(), 20u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].count, static_cast<int32_t>(i + 1));
    EXPECT_EQ(events[i].metadata.name, events[0].metadata.name);
  }
}

// The caches keep the 4096 most recent keys: the oldest event's count is forgotten.
TEST_F(EventRecorderTest, CachesAreBoundedToTheMostRecent4096Keys) {
  api::Pod first = TestPod("pod-0");
  recorder_.Record(PodReference(first), "Normal", "Started", "started");
  recorder_.Record(PodReference(first), "Normal", "Started", "started");
  ASSERT_EQ(sink_.Events().back().count, 2);
  for (int i = 1; i <= 4096; ++i) {
    recorder_.Record(PodReference(TestPod(fmt::format("pod-{}", i))), "Normal", "Started",
                     "started");
  }
  recorder_.Record(PodReference(first), "Normal", "Started", "started");
  std::vector<api::Event> events = sink_.Events();
  EXPECT_EQ(events.back().count, 1);
  EXPECT_NE(events.back().metadata.name, events[0].metadata.name);
}

TEST(ObjectReferenceTest, PodReferenceLeavesOutTheResourceVersion) {
  api::ObjectReference want;
  want.kind = "Pod";
  want.namespace_ = "shop";
  want.name = "web";
  want.uid = "uid-web";
  want.api_version = "v1";
  EXPECT_EQ(PodReference(TestPod()), want);
}

TEST(ObjectReferenceTest, ContainerReferenceNamesTheSpecField) {
  api::Pod pod = TestPod();
  EXPECT_EQ(ContainerReference(pod, pod.spec.containers[0]).field_path, "spec.containers{app}");
  EXPECT_EQ(ContainerReference(pod, pod.spec.init_containers[0]).field_path,
            "spec.initContainers{setup}");
  api::Container gone;
  gone.name = "gone";
  EXPECT_EQ(ContainerReference(pod, gone).field_path, "spec.containers{gone}");
  api::ObjectReference ref = ContainerReference(pod, pod.spec.containers[0]);
  ref.field_path.clear();
  EXPECT_EQ(ref, PodReference(pod));
}

}  // namespace
}  // namespace cubelet::node
