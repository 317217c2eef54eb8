// The Informer against a scripted ListerWatcher: listing, watching, resuming, relisting,
// back-off (timed on a fake clock), resync and Stop().
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"
#include "client/client.h"
#include "client/testing/fake_watch.h"

namespace cubelet::client {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Real-time bound for waiting on the informer's thread; tests end long before it.
constexpr auto kWait = 10s;

const api::KindInfo& PodKind() { return *api::FindKind("v1", "Pod"); }

api::Object Pod(std::string name, std::string rv) {
  api::Pod pod;
  pod.metadata.name = std::move(name);
  pod.metadata.namespace_ = "ns";
  pod.metadata.resource_version = std::move(rv);
  return pod;
}

WatchEvent Event(EventType type, api::Object obj) {
  WatchEvent ev;
  ev.type = type;
  ev.object = std::move(obj);
  return ev;
}

WatchEvent Bookmark(std::string rv) {
  api::Pod pod;
  pod.metadata.resource_version = std::move(rv);
  return Event(EventType::kBookmark, pod);
}

WatchEvent Error(base::Status s) {
  WatchEvent ev;
  ev.type = EventType::kError;
  ev.error = std::move(s);
  return ev;
}

ListResult Listed(std::vector<api::Object> items, std::string rv, std::string next = "") {
  return ListResult{std::move(items), std::move(rv), std::move(next)};
}

// What the test wants List() and Watch() to return, in order; a call with nothing scripted
// waits for the test to script it (or for Release()), so the informer never spins.
class Script {
 public:
  explicit Script(base::Clock& clock) : clock_(clock) {}

  void AddList(base::Result<ListResult> r) {
    std::lock_guard lock(mu_);
    lists_.push_back(std::move(r));
    cv_.notify_all();
  }
  // Scripts a watch that opens; the test drives it through the returned state.
  std::shared_ptr<FakeWatchState> AddWatch() {
    auto state = std::make_shared<FakeWatchState>(PodKind(), "", api::LabelMatcher(),
                                                  api::FieldMatcher(), true);
    std::lock_guard lock(mu_);
    watches_.push_back(state);
    cv_.notify_all();
    return state;
  }
  void AddWatchError(base::Status s) {
    std::lock_guard lock(mu_);
    watches_.push_back(std::move(s));
    cv_.notify_all();
  }
  // Unblocks every waiting call (they fail) so the informer can stop.
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  bool WaitForLists(size_t n) {
    return WaitFor([&] { return list_calls_.size() >= n; });
  }
  bool WaitForWatches(size_t n) {
    return WaitFor([&] { return watch_calls_.size() >= n; });
  }

  std::vector<ListOptions> list_calls() {
    std::lock_guard lock(mu_);
    return list_calls_;
  }
  std::vector<WatchOptions> watch_calls() {
    std::lock_guard lock(mu_);
    return watch_calls_;
  }
  // When each call was made, on the injected clock.
  std::vector<base::Duration> list_times() {
    std::lock_guard lock(mu_);
    return list_times_;
  }
  std::vector<base::Duration> watch_times() {
    std::lock_guard lock(mu_);
    return watch_times_;
  }

  base::Result<ListResult> List(const ListOptions& opts) {
    std::unique_lock lock(mu_);
    list_calls_.push_back(opts);
    list_times_.push_back(clock_.Monotonic());
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_ || !lists_.empty(); });
    if (lists_.empty()) return base::Error(base::Code::kCancelled, "released");
    auto r = std::move(lists_.front());
    lists_.pop_front();
    return r;
  }

  base::Result<std::unique_ptr<WatchStream>> Watch(const WatchOptions& opts) {
    std::unique_lock lock(mu_);
    watch_calls_.push_back(opts);
    watch_times_.push_back(clock_.Monotonic());
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_ || !watches_.empty(); });
    if (watches_.empty()) return base::Error(base::Code::kCancelled, "released");
    auto w = std::move(watches_.front());
    watches_.pop_front();
    if (!w.ok()) return w.status();
    return std::unique_ptr<WatchStream>(std::make_unique<FakeWatchStream>(*w));
  }

 private:
  template <class Pred>
  bool WaitFor(Pred pred) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, pred);
  }

  base::Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<base::Result<ListResult>> lists_;
  std::deque<base::Result<std::shared_ptr<FakeWatchState>>> watches_;
  bool released_ = false;
  std::vector<ListOptions> list_calls_;
  std::vector<WatchOptions> watch_calls_;
  std::vector<base::Duration> list_times_;
  std::vector<base::Duration> watch_times_;
};

class ScriptedListerWatcher final : public ListerWatcher {
 public:
  explicit ScriptedListerWatcher(Script& script) : script_(script) {}
  base::Result<ListResult> List(const ListOptions& opts) override { return script_.List(opts); }
  base::Result<std::unique_ptr<WatchStream>> Watch(const WatchOptions& opts) override {
    return script_.Watch(opts);
  }

 private:
  Script& script_;
};

// Records handler calls as "add a@1", "update a@1->a@2", "delete a@2".
class Recorder {
 public:
  EventHandlers Handlers() {
    return {
        .on_add = [this](const api::Object& o) { Log("add " + Name(o)); },
        .on_update = [this](const api::Object& a,
                            const api::Object& b) { Log("update " + Name(a) + "->" + Name(b)); },
        .on_delete = [this](const api::Object& o) { Log("delete " + Name(o)); },
    };
  }
  bool WaitForCount(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return log_.size() >= n; });
  }
  std::vector<std::string> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(log_, {});
  }

 private:
  static std::string Name(const api::Object& o) {
    return api::MetaOf(o).name + "@" + api::MetaOf(o).resource_version;
  }
  void Log(std::string line) {
    std::lock_guard lock(mu_);
    log_.push_back(std::move(line));
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> log_;
};

class InformerTest : public ::testing::Test {
 protected:
  void StartInformer(base::Duration resync = {}) {
    InformerOptions opts;
    opts.clock = &clock_;
    opts.resync_period = resync;
    opts.name = "pods";
    informer_ = std::make_unique<Informer>(std::make_unique<ScriptedListerWatcher>(script_), opts);
    ASSERT_TRUE(informer_->AddEventHandler(recorder_.Handlers()).ok());
    informer_->Start();
  }

  void TearDown() override {
    script_.Release();
    if (informer_) informer_->Stop();
  }

  std::vector<std::string> CacheNames() {
    std::vector<std::string> names;
    for (const auto& obj : informer_->List()) {
      names.push_back(api::MetaOf(*obj).name + "@" + api::MetaOf(*obj).resource_version);
    }
    return names;
  }

  base::FakeClock clock_;  // sleeps move it forward at once: back-off takes no real time
  Script script_{clock_};
  Recorder recorder_;
  std::unique_ptr<Informer> informer_;
};

TEST_F(InformerTest, InitialListAddsAndSyncsThenWatchesFromItsVersion) {
  script_.AddList(Listed({Pod("a", "1"), Pod("b", "2")}, "10"));
  script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(informer_->WaitForSync(kWait));
  EXPECT_TRUE(informer_->HasSynced());
  // Handlers for the first list ran before HasSynced.
  EXPECT_THAT(recorder_.Take(), ElementsAre("add a@1", "add b@2"));
  EXPECT_THAT(CacheNames(), ElementsAre("a@1", "b@2"));
  ASSERT_NE(informer_->Get("ns", "b"), nullptr);
  EXPECT_EQ(informer_->Get("ns", "c"), nullptr);
  EXPECT_EQ(informer_->LastResourceVersion(), "10");

  ASSERT_EQ(script_.list_calls().size(), 1u);
  EXPECT_EQ(script_.list_calls()[0].resource_version, "0");  // the server's cache is fine
  EXPECT_EQ(script_.list_calls()[0].limit, 500);
  ASSERT_TRUE(script_.WaitForWatches(1));
  const WatchOptions w = script_.watch_calls()[0];
  EXPECT_EQ(w.resource_version, "10");
  EXPECT_TRUE(w.allow_bookmarks);
  ASSERT_TRUE(w.timeout_seconds.has_value());
  EXPECT_GE(*w.timeout_seconds, 300);
  EXPECT_LT(*w.timeout_seconds, 600);
}

TEST_F(InformerTest, ListFollowsContinueTokens) {
  script_.AddList(Listed({Pod("a", "1")}, "10", "page2"));
  script_.AddList(Listed({Pod("b", "2")}, "10"));
  script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(informer_->WaitForSync(kWait));
  EXPECT_THAT(CacheNames(), ElementsAre("a@1", "b@2"));
  const auto calls = script_.list_calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].continue_token, "page2");
  EXPECT_EQ(calls[1].resource_version, "");  // never together with a continue token
}

TEST_F(InformerTest, WatchEventsUpdateCacheAndCallHandlers) {
  script_.AddList(Listed({Pod("a", "1"), Pod("b", "2")}, "10"));
  auto watch = script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(recorder_.WaitForCount(2));
  recorder_.Take();
  watch->Push(Event(EventType::kAdded, Pod("c", "11")));
  watch->Push(Event(EventType::kModified, Pod("a", "12")));
  watch->Push(Event(EventType::kDeleted, Pod("b", "13")));
  watch->Push(Event(EventType::kDeleted, Pod("never-seen", "14")));  // nothing to delete
  watch->Push(Bookmark("20"));
  watch->Push(Event(EventType::kAdded, Pod("d", "21")));
  ASSERT_TRUE(recorder_.WaitForCount(4));
  EXPECT_THAT(recorder_.Take(),
              ElementsAre("add c@11", "update a@1->a@12", "delete b@13", "add d@21"));
  EXPECT_THAT(CacheNames(), ElementsAre("a@12", "c@11", "d@21"));
  EXPECT_EQ(informer_->LastResourceVersion(), "21");
}

TEST_F(InformerTest, BookmarkAdvancesResourceVersionForTheNextWatch) {
  script_.AddList(Listed({Pod("a", "1")}, "10"));
  auto watch = script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(script_.WaitForWatches(1));
  watch->Push(Bookmark("30"));
  watch->Close();  // the server ends the watch (its timeoutSeconds)
  script_.AddWatch();
  ASSERT_TRUE(script_.WaitForWatches(2));
  EXPECT_EQ(script_.watch_calls()[1].resource_version, "30");
  EXPECT_EQ(script_.list_calls().size(), 1u);  // resumed, not relisted
  EXPECT_THAT(recorder_.Take(), ElementsAre("add a@1"));
}

TEST_F(InformerTest, ClosedWatchResumesFromLastSeenVersionWithoutBackoff) {
  script_.AddList(Listed({Pod("a", "1")}, "10"));
  auto watch = script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(script_.WaitForWatches(1));
  watch->Push(Event(EventType::kModified, Pod("a", "11")));
  watch->Close();
  script_.AddWatch();
  ASSERT_TRUE(script_.WaitForWatches(2));
  EXPECT_EQ(script_.watch_calls()[1].resource_version, "11");
  EXPECT_EQ(script_.list_calls().size(), 1u);
  const auto times = script_.watch_times();
  EXPECT_EQ(times[1] - times[0], base::Duration::zero());
}

TEST_F(InformerTest, GoneErrorEventRelistsAndReconcilesTheCache) {
  script_.AddList(Listed({Pod("a", "1"), Pod("b", "2"), Pod("c", "3")}, "10"));
  auto watch = script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(recorder_.WaitForCount(3));
  recorder_.Take();
  // While the watch was broken: a changed, b deleted, c unchanged, d created.
  script_.AddList(Listed({Pod("a", "40"), Pod("c", "3"), Pod("d", "41")}, "50"));
  script_.AddWatch();
  watch->Push(Error(base::Error(base::Code::kGone, "too old resource version: 10 (30)")));
  ASSERT_TRUE(recorder_.WaitForCount(3));
  EXPECT_THAT(recorder_.Take(), ElementsAre("update a@1->a@40", "add d@41", "delete b@2"));
  EXPECT_THAT(CacheNames(), ElementsAre("a@40", "c@3", "d@41"));
  ASSERT_TRUE(script_.WaitForWatches(2));
  EXPECT_EQ(script_.list_calls()[1].resource_version, "10");  // not older than what we saw
  EXPECT_EQ(script_.watch_calls()[1].resource_version, "50");
}

TEST_F(InformerTest, GoneFromWatchCallRelistsAndGoneListFallsBackToConsistentRead) {
  script_.AddList(Listed({Pod("a", "1")}, "10"));
  script_.AddWatchError(base::Error(base::Code::kGone, "too old"));
  script_.AddList(base::Error(base::Code::kGone, "too old resource version"));
  script_.AddList(Listed({}, "60"));
  script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(script_.WaitForWatches(2));
  const auto lists = script_.list_calls();
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[1].resource_version, "10");
  EXPECT_EQ(lists[2].resource_version, "");  // the version is gone: read the latest
  EXPECT_EQ(script_.watch_calls()[1].resource_version, "60");
  ASSERT_TRUE(recorder_.WaitForCount(2));
  EXPECT_THAT(recorder_.Take(), ElementsAre("add a@1", "delete a@1"));
  // Relisting after 410 does not back off.
  EXPECT_EQ(script_.list_times()[2], script_.list_times()[0]);
}

TEST_F(InformerTest, FailuresBackOffDoublingAndSuccessResets) {
  const base::Duration t0 = clock_.Monotonic();
  for (int i = 0; i < 3; ++i) script_.AddList(base::Error(base::Code::kUnavailable, "down"));
  script_.AddList(Listed({Pod("a", "1")}, "10"));
  script_.AddWatchError(base::Error(base::Code::kUnavailable, "down"));
  script_.AddWatchError(base::Error(base::Code::kPermissionDenied, "forbidden"));
  script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(script_.WaitForWatches(3));
  const auto lists = script_.list_times();
  ASSERT_EQ(lists.size(), 4u);
  EXPECT_EQ(lists[0] - t0, 0ms);
  EXPECT_EQ(lists[1] - lists[0], 800ms);
  EXPECT_EQ(lists[2] - lists[1], 1600ms);
  EXPECT_EQ(lists[3] - lists[2], 3200ms);
  // The successful list reset the back-off; watch failures start again at 800 ms and resume
  // from the listed version instead of listing again.
  const auto watches = script_.watch_times();
  EXPECT_EQ(watches[0] - lists[3], 0ms);
  EXPECT_EQ(watches[1] - watches[0], 800ms);
  EXPECT_EQ(watches[2] - watches[1], 1600ms);
  EXPECT_EQ(script_.watch_calls()[2].resource_version, "10");
  EXPECT_EQ(script_.list_calls().size(), 4u);
}

TEST_F(InformerTest, BackoffIsCappedAtThirtySeconds) {
  for (int i = 0; i < 8; ++i) script_.AddList(base::Error(base::Code::kUnavailable, "down"));
  StartInformer();
  ASSERT_TRUE(script_.WaitForLists(9));
  const auto t = script_.list_times();
  std::vector<base::Duration> gaps;
  for (size_t i = 1; i < t.size(); ++i) gaps.push_back(t[i] - t[i - 1]);
  EXPECT_THAT(gaps, ElementsAre(800ms, 1600ms, 3200ms, 6400ms, 12800ms, 25600ms, 30s, 30s));
}

TEST_F(InformerTest, WatchClosedAtOnceWithoutEventsBacksOff) {
  script_.AddList(Listed({}, "10"));
  auto first = script_.AddWatch();
  first->Close();
  script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(script_.WaitForWatches(2));
  const auto t = script_.watch_times();
  EXPECT_EQ(t[1] - t[0], 800ms);
  EXPECT_EQ(script_.watch_calls()[1].resource_version, "10");
}

TEST_F(InformerTest, OtherErrorEventBacksOffAndResumes) {
  script_.AddList(Listed({Pod("a", "1")}, "10"));
  auto watch = script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(script_.WaitForWatches(1));
  watch->Push(Event(EventType::kModified, Pod("a", "11")));
  watch->Push(Error(base::Error(base::Code::kResourceExhausted, "too slow")));
  script_.AddWatch();
  ASSERT_TRUE(script_.WaitForWatches(2));
  const auto t = script_.watch_times();
  EXPECT_EQ(t[1] - t[0], 800ms);
  EXPECT_EQ(script_.watch_calls()[1].resource_version, "11");
  EXPECT_EQ(script_.list_calls().size(), 1u);
}

TEST_F(InformerTest, ResyncHandsEveryObjectToOnUpdateEachPeriod) {
  script_.AddList(Listed({Pod("a", "1"), Pod("b", "2")}, "10"));
  auto watch = script_.AddWatch();
  StartInformer(30s);
  ASSERT_TRUE(recorder_.WaitForCount(2));
  recorder_.Take();
  ASSERT_TRUE(script_.WaitForWatches(1));

  clock_.Advance(29s);  // not yet due
  watch->Push(Event(EventType::kModified, Pod("a", "11")));
  ASSERT_TRUE(recorder_.WaitForCount(1));
  EXPECT_THAT(recorder_.Take(), ElementsAre("update a@1->a@11"));

  clock_.Advance(1s);  // due: the next wake-up resyncs first
  watch->Push(Event(EventType::kModified, Pod("b", "12")));
  ASSERT_TRUE(recorder_.WaitForCount(3));
  EXPECT_THAT(recorder_.Take(),
              ElementsAre("update a@11->a@11", "update b@2->b@2", "update b@2->b@12"));
}

TEST_F(InformerTest, StopWhileWatchingReturnsPromptly) {
  script_.AddList(Listed({Pod("a", "1")}, "10"));
  auto watch = script_.AddWatch();
  StartInformer();
  ASSERT_TRUE(script_.WaitForWatches(1));
  const auto start = std::chrono::steady_clock::now();
  informer_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(watch->Done());  // the watch was stopped, not left running
  EXPECT_TRUE(informer_->HasSynced());
  EXPECT_THAT(CacheNames(), ElementsAre("a@1"));  // the cache stays readable
}

TEST(InformerStopTest, StopWhileBackingOffReturnsPromptly) {
  // The real clock: the back-off really waits, and Stop() must cut it short.
  auto clock = base::NewRealClock();
  Script script(*clock);
  script.AddList(base::Error(base::Code::kUnavailable, "down"));
  Informer informer(std::make_unique<ScriptedListerWatcher>(script), InformerOptions{});
  informer.Start();
  ASSERT_TRUE(script.WaitForLists(1));  // failed: now backing off for 800 ms
  const auto start = std::chrono::steady_clock::now();
  informer.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_EQ(script.list_calls().size(), 1u);
  EXPECT_FALSE(informer.HasSynced());
  EXPECT_FALSE(informer.WaitForSync(5s));  // stopped: returns at once
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  script.Release();
}

TEST_F(InformerTest, HandlersMustBeAddedBeforeStart) {
  script_.AddList(Listed({}, "1"));
  script_.AddWatch();
  StartInformer();
  EXPECT_EQ(informer_->AddEventHandler({}).code(), base::Code::kInvalid);
  EXPECT_THAT(recorder_.Take(), IsEmpty());
}

}  // namespace
}  // namespace cubelet::client
