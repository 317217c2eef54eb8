// FakeClient behaves like an API server where controller tests notice, and an Informer works
// on top of it through ListerWatcherFor.
#include "client/testing/fake_client.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/testing/fake_clock.h"
#include "client/client.h"

namespace cubelet::client {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const api::KindInfo& Kind(std::string_view kind) {
  for (const api::KindInfo& k : api::Kinds()) {
    if (k.kind == kind) return k;
  }
  std::abort();
}

api::Pod MakePod(std::string name, api::StringMap labels = {}) {
  api::Pod pod;
  pod.metadata.name = std::move(name);
  pod.metadata.namespace_ = "ns";
  pod.metadata.labels = std::move(labels);
  api::Container c;
  c.name = "app";
  c.image = "busybox";
  pod.spec.containers.push_back(c);
  return pod;
}

template <class T>
T As(const base::Result<api::Object>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::get<T>(*r) : T{};
}

std::string Describe(const WatchEvent& ev) {
  return fmt::format("{} {}@{}", EventTypeName(ev.type), api::MetaOf(ev.object).name,
                     api::MetaOf(ev.object).resource_version);
}

std::vector<std::string> Drain(WatchStream& w) {
  std::vector<std::string> out;
  while (auto ev = w.Next(0s)) out.push_back(Describe(*ev));
  return out;
}

class FakeClientTest : public ::testing::Test {
 protected:
  base::FakeClock clock_;
  FakeClient client_{&clock_};
};

TEST_F(FakeClientTest, CreateAssignsServerFieldsAndRefusesDuplicates) {
  auto pod = As<api::Pod>(client_.Create(MakePod("web")));
  EXPECT_EQ(pod.metadata.resource_version, "1");
  EXPECT_FALSE(pod.metadata.uid.empty());
  EXPECT_EQ(pod.metadata.generation, 1);
  EXPECT_EQ(pod.metadata.creation_timestamp.value, clock_.Now());

  auto dup = client_.Create(MakePod("web"));
  EXPECT_EQ(dup.status().code(), base::Code::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "pods \"web\" already exists");

  api::Deployment d;
  d.metadata.generate_name = "web-";
  d.metadata.namespace_ = "ns";
  auto created = As<api::Deployment>(client_.Create(d));
  EXPECT_THAT(created.metadata.name, ::testing::StartsWith("web-"));
  EXPECT_EQ(client_.Get(Kind("Deployment"), "ns", "nope").status().message(),
            "deployments.apps \"nope\" not found");

  api::Pod with_rv = MakePod("other");
  with_rv.metadata.resource_version = "3";
  EXPECT_EQ(client_.Create(with_rv).status().code(), base::Code::kInvalid);
}

TEST_F(FakeClientTest, UpdateChecksVersionKeepsStatusAndCountsGenerations) {
  auto pod = As<api::Pod>(client_.Create(MakePod("web")));
  api::Pod stale = pod;
  pod.status.phase = "Running";  // ignored by Update: status has its own subresource
  pod.spec.containers[0].image = "nginx";
  auto updated = As<api::Pod>(client_.Update(pod));
  EXPECT_EQ(updated.metadata.resource_version, "2");
  EXPECT_EQ(updated.metadata.generation, 2);
  EXPECT_EQ(updated.spec.containers[0].image, "nginx");
  EXPECT_EQ(updated.status.phase, "");

  stale.metadata.labels["x"] = "y";
  auto conflict = client_.Update(stale);
  EXPECT_EQ(conflict.status().code(), base::Code::kConflict);
  EXPECT_THAT(conflict.status().message(),
              HasSubstr("Operation cannot be fulfilled on pods \"web\": the object has been "
                        "modified"));

  // Nothing changed: no new resourceVersion.
  EXPECT_EQ(As<api::Pod>(client_.Update(updated)).metadata.resource_version, "2");

  updated.status.phase = "Running";
  updated.spec.containers[0].image = "ignored";
  auto with_status = As<api::Pod>(client_.UpdateStatus(updated));
  EXPECT_EQ(with_status.status.phase, "Running");
  EXPECT_EQ(with_status.spec.containers[0].image, "nginx");
  EXPECT_EQ(with_status.metadata.generation, 2);
  EXPECT_EQ(with_status.metadata.resource_version, "3");
}

TEST_F(FakeClientTest, PatchesOfEveryTypeAndTheStatusSubresource) {
  ASSERT_TRUE(client_.Create(MakePod("web", {{"a", "1"}})).ok());
  auto merged = As<api::Pod>(client_.Patch(Kind("Pod"), "ns", "web", PatchType::kMerge,
                                           {{"metadata", {{"labels", {{"b", "2"}}}}}}, ""));
  EXPECT_EQ(merged.metadata.labels, (api::StringMap{{"a", "1"}, {"b", "2"}}));

  // Strategic merge merges containers by name instead of replacing the list.
  auto smp = api::Json::parse(R"({"spec":{"containers":[{"name":"side","image":"envoy"}]}})");
  auto strategic =
      As<api::Pod>(client_.Patch(Kind("Pod"), "ns", "web", PatchType::kStrategicMerge, smp, ""));
  ASSERT_EQ(strategic.spec.containers.size(), 2u);

  auto ops = api::Json::parse(R"([{"op":"remove","path":"/metadata/labels/a"}])");
  auto json_patched =
      As<api::Pod>(client_.Patch(Kind("Pod"), "ns", "web", PatchType::kJson, ops, ""));
  EXPECT_EQ(json_patched.metadata.labels, (api::StringMap{{"b", "2"}}));

  auto status = As<api::Pod>(client_.Patch(Kind("Pod"), "ns", "web", PatchType::kMerge,
                                           {{"status", {{"phase", "Running"}}}}, "status"));
  EXPECT_EQ(status.status.phase, "Running");
  EXPECT_EQ(client_.Patch(Kind("Pod"), "ns", "web", PatchType::kMerge, {}, "scale").status().code(),
            base::Code::kNotFound);
}

TEST_F(FakeClientTest, DeleteGracefullyForScheduledPodsAtOnceOtherwise) {
  api::Pod scheduled = MakePod("bound");
  scheduled.spec.node_name = "n1";
  ASSERT_TRUE(client_.Create(scheduled).ok());
  ASSERT_TRUE(client_.Create(MakePod("pending")).ok());

  auto first = client_.Delete(Kind("Pod"), "ns", "bound", {});
  ASSERT_TRUE(first.ok() && first->has_value());
  const auto& going = std::get<api::Pod>(**first);
  ASSERT_TRUE(going.metadata.deletion_timestamp.has_value());
  EXPECT_EQ(going.metadata.deletion_timestamp->value, clock_.Now() + 30s);
  EXPECT_EQ(going.metadata.deletion_grace_period_seconds, 30);
  EXPECT_TRUE(client_.Get(Kind("Pod"), "ns", "bound").ok());  // still there: the node stops it

  DeleteOptions now;
  now.grace_period_seconds = 0;
  ASSERT_TRUE(client_.Delete(Kind("Pod"), "ns", "bound", now).ok());
  EXPECT_EQ(client_.Get(Kind("Pod"), "ns", "bound").status().code(), base::Code::kNotFound);

  ASSERT_TRUE(client_.Delete(Kind("Pod"), "ns", "pending", {}).ok());
  EXPECT_EQ(client_.Get(Kind("Pod"), "ns", "pending").status().code(), base::Code::kNotFound);
  EXPECT_EQ(client_.Delete(Kind("Pod"), "ns", "pending", {}).status().code(),
            base::Code::kNotFound);
}

TEST_F(FakeClientTest, DeleteHonoursPreconditionsAndFinalizers) {
  api::ConfigMap cm;
  cm.metadata.name = "cm";
  cm.metadata.namespace_ = "ns";
  cm.metadata.finalizers = {"example.com/keep"};
  auto stored = As<api::ConfigMap>(client_.Create(cm));

  DeleteOptions wrong_uid;
  wrong_uid.preconditions.uid = "other";
  EXPECT_EQ(client_.Delete(Kind("ConfigMap"), "ns", "cm", wrong_uid).status().code(),
            base::Code::kConflict);

  ASSERT_TRUE(client_.Delete(Kind("ConfigMap"), "ns", "cm", {}).ok());
  auto marked = As<api::ConfigMap>(client_.Get(Kind("ConfigMap"), "ns", "cm"));
  ASSERT_TRUE(marked.metadata.deletion_timestamp.has_value());
  // Removing the last finalizer completes the deletion.
  marked.metadata.finalizers.clear();
  ASSERT_TRUE(client_.Update(marked).ok());
  EXPECT_EQ(client_.Get(Kind("ConfigMap"), "ns", "cm").status().code(), base::Code::kNotFound);
}

TEST_F(FakeClientTest, ListFiltersAndPages) {
  ASSERT_TRUE(client_
                  .Seed({MakePod("a", {{"app", "web"}}), MakePod("b", {{"app", "db"}}),
                         MakePod("c", {{"app", "web"}})})
                  .ok());
  api::Pod other = MakePod("d", {{"app", "web"}});
  other.metadata.namespace_ = "other";
  ASSERT_TRUE(client_.Seed({other}).ok());

  auto web = client_.List(Kind("Pod"), {.namespace_ = "ns", .label_selector = "app=web"});
  ASSERT_TRUE(web.ok());
  ASSERT_EQ(web->items.size(), 2u);
  EXPECT_EQ(web->resource_version, "4");

  auto page1 = client_.List(Kind("Pod"), {.limit = 3});
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(page1->items.size(), 3u);
  ASSERT_FALSE(page1->continue_token.empty());
  auto page2 = client_.List(Kind("Pod"), {.limit = 3, .continue_token = page1->continue_token});
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->items.size(), 1u);
  EXPECT_EQ(api::MetaOf(page2->items[0]).namespace_, "other");
  EXPECT_TRUE(page2->continue_token.empty());

  auto by_field = client_.List(Kind("Pod"), {.field_selector = "metadata.name=b"});
  ASSERT_TRUE(by_field.ok());
  EXPECT_EQ(by_field->items.size(), 1u);
  EXPECT_EQ(client_.List(Kind("Pod"), {.label_selector = "a b"}).status().code(),
            base::Code::kInvalid);
}

TEST_F(FakeClientTest, WatchSeesSelectionChangesAndResumesFromHistory) {
  ASSERT_TRUE(client_.Create(MakePod("a", {{"app", "web"}})).ok());
  auto w = client_.Watch(Kind("Pod"), {.namespace_ = "ns", .label_selector = "app=web"});
  ASSERT_TRUE(w.ok());
  EXPECT_THAT(Drain(**w), ElementsAre("ADDED a@1"));  // the current state first

  auto a = As<api::Pod>(client_.Get(Kind("Pod"), "ns", "a"));
  a.metadata.labels["app"] = "db";  // leaves the watch's selection
  ASSERT_TRUE(client_.Update(a).ok());
  ASSERT_TRUE(client_.Create(MakePod("b", {{"app", "db"}})).ok());  // never selected
  auto b = As<api::Pod>(client_.Get(Kind("Pod"), "ns", "b"));
  b.metadata.labels["app"] = "web";  // enters it
  ASSERT_TRUE(client_.Update(b).ok());
  ASSERT_TRUE(client_.Delete(Kind("Pod"), "ns", "b", {}).ok());
  EXPECT_THAT(Drain(**w), ElementsAre("DELETED a@2", "ADDED b@4", "DELETED b@5"));

  auto resumed = client_.Watch(Kind("Pod"), {.resource_version = "3"});
  ASSERT_TRUE(resumed.ok());
  EXPECT_THAT(Drain(**resumed), ElementsAre("MODIFIED b@4", "DELETED b@5"));

  client_.Compact();
  EXPECT_EQ(client_.Watch(Kind("Pod"), {.resource_version = "3"}).status().code(),
            base::Code::kGone);

  EXPECT_EQ(client_.WatchCount(), 2u);
  client_.CloseWatches();
  EXPECT_FALSE((*w)->Next(0s).has_value());
  EXPECT_TRUE((*w)->Done());
}

TEST_F(FakeClientTest, RecordsActionsAndFailsOnRequest) {
  client_.FailNext("create", "pods", base::Status(base::Code::kUnavailable, "injected"));
  EXPECT_EQ(client_.Create(MakePod("web")).status().code(), base::Code::kUnavailable);
  ASSERT_TRUE(client_.Create(MakePod("web")).ok());
  ASSERT_TRUE(client_.Get(Kind("Pod"), "ns", "web").ok());
  std::vector<std::string> verbs;
  for (const auto& a : client_.Actions()) verbs.push_back(a.verb + " " + a.resource + " " + a.name);
  EXPECT_THAT(verbs, ElementsAre("create pods web", "create pods web", "get pods web"));
  ASSERT_TRUE(client_.Actions()[1].object.has_value());
  client_.ClearActions();
  EXPECT_TRUE(client_.Actions().empty());
}

// Holds Watch() calls after the first until the test opens the gate, so a test can change
// things while the informer is between watches.
class GatedListerWatcher final : public ListerWatcher {
 public:
  explicit GatedListerWatcher(std::unique_ptr<ListerWatcher> inner) : inner_(std::move(inner)) {}
  base::Result<ListResult> List(const ListOptions& opts) override { return inner_->List(opts); }
  base::Result<std::unique_ptr<WatchStream>> Watch(const WatchOptions& opts) override {
    std::unique_lock lock(mu_);
    if (++watches_ > 1) {
      waiting_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
    }
    return inner_->Watch(opts);
  }
  bool WaitUntilHeld() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return waiting_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::unique_ptr<ListerWatcher> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  int watches_ = 0;
  bool waiting_ = false;
  bool open_ = false;
};

// An informer through ListerWatcherFor over the fake: the pieces controllers will combine.
TEST(FakeClientInformerTest, InformerFollowsTheFakeAndRelistsAfterCompaction) {
  FakeClient client;
  ASSERT_TRUE(client.Seed({MakePod("a", {{"app", "web"}}), MakePod("b", {{"app", "db"}})}).ok());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> log;
  auto record = [&](std::string line) {
    std::lock_guard lock(mu);
    log.push_back(std::move(line));
    cv.notify_all();
  };
  auto wait_for = [&](size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 10s, [&] { return log.size() >= n; });
  };
  auto gated =
      std::make_unique<GatedListerWatcher>(ListerWatcherFor(client, Kind("Pod"), "ns", "app=web"));
  GatedListerWatcher& gate = *gated;
  Informer informer(std::move(gated), {});
  EventHandlers handlers;
  handlers.on_add = [&](const api::Object& o) { record("add " + api::MetaOf(o).name); };
  handlers.on_update = [&](const api::Object&, const api::Object& o) {
    record("update " + api::MetaOf(o).name);
  };
  handlers.on_delete = [&](const api::Object& o) { record("delete " + api::MetaOf(o).name); };
  ASSERT_TRUE(informer.AddEventHandler(handlers).ok());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(10s));
  ASSERT_TRUE(wait_for(1));

  ASSERT_TRUE(client.Create(MakePod("c", {{"app", "web"}})).ok());  // through the watch
  ASSERT_TRUE(wait_for(2));
  // The server drops the watch; while the informer is away, "a" goes, "d" comes and the
  // history is compacted: resuming is Gone, and the relist reconciles the cache.
  client.CloseWatches();
  ASSERT_TRUE(gate.WaitUntilHeld());
  ASSERT_TRUE(client.Delete(Kind("Pod"), "ns", "a", {}).ok());
  ASSERT_TRUE(client.Create(MakePod("d", {{"app", "web"}})).ok());
  client.Compact();
  gate.Open();
  ASSERT_TRUE(wait_for(4));
  informer.Stop();
  {
    std::lock_guard lock(mu);
    EXPECT_THAT(log, ElementsAre("add a", "add c", "add d", "delete a"));
  }
  std::vector<std::string> cached;
  for (const auto& o : informer.List()) cached.push_back(api::MetaOf(*o).name);
  EXPECT_THAT(cached, ElementsAre("c", "d"));
  // The informer's requests carried its namespace; it listed twice (start, after 410).
  int lists = 0;
  for (const auto& a : client.Actions()) {
    if (a.verb == "list" || a.verb == "watch") {
      EXPECT_EQ(a.namespace_, "ns");
    }
    lists += a.verb == "list";
  }
  EXPECT_EQ(lists, 2);
}

}  // namespace
}  // namespace cubelet::client
