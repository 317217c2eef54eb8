// One suite of store semantics, run against every Store implementation (memory and SQLite), so
// code tested against NewMemoryStore() behaves the same on the real store.
#include <atomic>
#include <barrier>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/selector.h"
#include "store/store.h"

#include "store_testutil.h"

namespace cubelet::store {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeConfigMap;
using testing::MakePod;
using testing::NameOf;
using testing::PodKey;
using testing::RvNum;
using testing::RvOf;

template <class Factory>
class StoreConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = factory_.Open(); }

  std::unique_ptr<Store> Open(const StoreOptions& opts) { return factory_.Open(opts); }

  static api::Object Must(base::Result<api::Object> r) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : api::Object();
  }
  api::Object Create(Store& s, api::Object obj) { return Must(s.Create(std::move(obj))); }
  api::Object Create(api::Object obj) { return Create(*store_, std::move(obj)); }

  static std::unique_ptr<Watcher> MustWatch(Store& s, std::string_view resource,
                                            const WatchOptions& opts) {
    auto w = s.Watch(resource, opts);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? std::move(*w) : nullptr;
  }
  std::unique_ptr<Watcher> MustWatch(std::string_view resource, const WatchOptions& opts) {
    return MustWatch(*store_, resource, opts);
  }

  // Every event already waiting, as "TYPE name rv" strings. Events are delivered before the
  // write that caused them returns, so nothing needs waiting for.
  static std::vector<std::string> Drain(Watcher& w) {
    std::vector<std::string> out;
    while (auto ev = w.Next(0ns)) {
      out.push_back(std::string(EventTypeName(ev->type)) + " " + NameOf(ev->object) + " " +
                    RvOf(ev->object));
    }
    return out;
  }

  static std::string Ev(std::string_view type, const api::Object& obj) {
    return std::string(type) + " " + NameOf(obj) + " " + RvOf(obj);
  }

  Factory factory_;
  std::unique_ptr<Store> store_;
};

using Factories = ::testing::Types<testing::MemoryStoreFactory, testing::SqliteStoreFactory>;
class FactoryNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return T::kName;
  }
};
TYPED_TEST_SUITE(StoreConformanceTest, Factories, FactoryNames);

// ---- create / get ------------------------------------------------------------------------------

TYPED_TEST(StoreConformanceTest, CreateSetsResourceVersionAndGetReturnsTheObject) {
  EXPECT_EQ(this->store_->ResourceVersion(), "0");
  api::Object created = this->Create(MakePod("default", "web", {{"app", "web"}}));
  EXPECT_EQ(RvOf(created), "1");
  EXPECT_EQ(this->store_->ResourceVersion(), "1");
  auto got = this->store_->Get(PodKey("default", "web"));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == created);
  EXPECT_EQ(std::get<api::Pod>(*got).metadata.labels.at("app"), "web");
}

TYPED_TEST(StoreConformanceTest, CreateRefusesDuplicatesAndMisfitKeys) {
  this->Create(MakePod("default", "web"));
  auto dup = this->store_->Create(MakePod("default", "web"));
  EXPECT_EQ(dup.status().code(), base::Code::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "pods \"web\" already exists");
  // The same name in another namespace is another object.
  this->Create(MakePod("other", "web"));

  api::Pod with_rv = MakePod("default", "x");
  with_rv.metadata.resource_version = "5";
  EXPECT_EQ(this->store_->Create(with_rv).status().message(),
            "resourceVersion should not be set on objects to be created");
  EXPECT_EQ(this->store_->Create(MakePod("", "x")).status().message(),
            "metadata.namespace: Required value");
  EXPECT_EQ(this->store_->Create(MakePod("default", "")).status().message(),
            "metadata.name: Required value");
  api::Node node;
  node.metadata.name = "n1";
  node.metadata.namespace_ = "default";
  EXPECT_EQ(this->store_->Create(node).status().code(), base::Code::kInvalid);
  node.metadata.namespace_ = "";
  EXPECT_EQ(RvOf(this->Create(node)), "3");
  // Failed creates took no revision.
  EXPECT_EQ(this->store_->ResourceVersion(), "3");
}

TYPED_TEST(StoreConformanceTest, OneRevisionAcrossAllResourcesStrictlyIncreasing) {
  int64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    for (api::Object obj : {api::Object(MakePod("a", "p" + std::to_string(i))),
                            api::Object(MakeConfigMap("a", "c" + std::to_string(i)))}) {
      const int64_t rv = RvNum(this->Create(obj));
      EXPECT_EQ(rv, last + 1);
      last = rv;
    }
  }
  auto deleted = this->store_->Delete(ObjectKey{"configmaps", "a", "c0"});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(RvNum(*deleted), last + 1);
}

TYPED_TEST(StoreConformanceTest, MissingObjectsAreNotFoundWithTheQualifiedResource) {
  auto got = this->store_->Get(PodKey("default", "nope"));
  EXPECT_EQ(got.status().code(), base::Code::kNotFound);
  EXPECT_EQ(got.status().message(), "pods \"nope\" not found");
  got = this->store_->Get(ObjectKey{"deployments", "default", "d"});
  EXPECT_EQ(got.status().message(), "deployments.apps \"d\" not found");
  EXPECT_EQ(this->store_->Get(ObjectKey{"widgets", "default", "w"}).status().code(),
            base::Code::kInvalid);
  EXPECT_EQ(this->store_->Delete(PodKey("default", "nope")).status().code(), base::Code::kNotFound);
  EXPECT_EQ(this->store_->Update(MakePod("default", "nope")).status().code(),
            base::Code::kNotFound);
}

TYPED_TEST(StoreConformanceTest, EveryServedKindIsStoredUnderItsResource) {
  // A kind needs nothing in the store beyond its api::KindInfo.
  for (const api::KindInfo& k : api::Kinds()) {
    SCOPED_TRACE(std::string(k.kind));
    const std::string ns = k.namespaced ? "ns" : "";
    api::Json json = {{"apiVersion", k.api_version},
                      {"kind", k.kind},
                      {"metadata", {{"name", "x"}, {"namespace", ns}}}};
    api::Object obj;
    ASSERT_TRUE(api::DecodeObject(json, &obj).empty());
    const api::Object created = this->Create(obj);
    auto got = this->store_->Get(ObjectKey{std::string(k.resource), ns, "x"});
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == created);
    auto list = this->store_->List(k.resource, {});
    ASSERT_TRUE(list.ok()) << list.status().ToString();
    ASSERT_EQ(list->items.size(), 1u);
    EXPECT_TRUE(list->items[0] == created);
  }
}

TYPED_TEST(StoreConformanceTest, ANodeLeaseRenewsWithMicrosecondTimes) {
  // The node agent's heartbeat: one Lease per node in kube-node-lease, renewTime updated.
  const base::TimePoint t0 = base::TimePoint(std::chrono::seconds(1704067200)) + 123456us;
  api::Lease lease;
  lease.metadata.namespace_ = "kube-node-lease";
  lease.metadata.name = "node-1";
  lease.spec.holder_identity = "node-1";
  lease.spec.lease_duration_seconds = 40;
  lease.spec.renew_time = api::MicroTime::At(t0);
  const api::Object created = this->Create(lease);

  api::Lease renewed = std::get<api::Lease>(created);
  renewed.spec.renew_time = api::MicroTime::At(t0 + 10s + 1us);
  EXPECT_EQ(RvNum(this->Must(this->store_->Update(renewed))), RvNum(created) + 1);
  auto got = this->store_->Get(ObjectKey{"leases", "kube-node-lease", "node-1"});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const api::Lease& stored = std::get<api::Lease>(*got);
  ASSERT_TRUE(stored.spec.renew_time.has_value());
  EXPECT_EQ(stored.spec.renew_time->value, t0 + 10s + 1us);
  EXPECT_EQ(stored.spec.holder_identity, "node-1");
  EXPECT_EQ(stored.spec.lease_duration_seconds, 40);

  // Errors name the resource with its group, as kube-apiserver's do.
  EXPECT_EQ(this->store_->Create(lease).status().message(),
            "leases.coordination.k8s.io \"node-1\" already exists");
  EXPECT_EQ(this->store_->Get(ObjectKey{"leases", "kube-node-lease", "node-2"}).status().message(),
            "leases.coordination.k8s.io \"node-2\" not found");
}

// ---- update ------------------------------------------------------------------------------------

TYPED_TEST(StoreConformanceTest, UpdateIsOptimisticOnResourceVersion) {
  api::Object v1 = this->Create(MakePod("default", "web"));
  api::Object change = v1;
  api::MetaOf(change).labels["step"] = "2";
  api::Object v2 = this->Must(this->store_->Update(change));
  EXPECT_EQ(RvNum(v2), RvNum(v1) + 1);

  // The stale version loses with Kubernetes' message and changes nothing.
  api::MetaOf(change).labels["step"] = "stale";
  auto stale = this->store_->Update(change);
  EXPECT_EQ(stale.status().code(), base::Code::kConflict);
  EXPECT_EQ(stale.status().message(),
            "Operation cannot be fulfilled on pods \"web\": the object has been modified; "
            "please apply your changes to the latest version and try again");
  EXPECT_EQ(api::MetaOf(this->Must(this->store_->Get(PodKey("default", "web")))).labels.at("step"),
            "2");

  // An empty resourceVersion updates unconditionally.
  api::MetaOf(change).resource_version.clear();
  api::MetaOf(change).labels["step"] = "3";
  EXPECT_EQ(RvNum(this->Must(this->store_->Update(change))), RvNum(v2) + 1);

  // A uid that differs from the stored one is a failed precondition.
  api::MetaOf(change).uid = "someone-else";
  auto uid = this->store_->Update(change);
  EXPECT_EQ(uid.status().code(), base::Code::kConflict);
  EXPECT_EQ(uid.status().message(),
            "Operation cannot be fulfilled on pods \"web\": Precondition failed: UID in "
            "precondition: someone-else, UID in object meta: uid-web");

  api::MetaOf(change).uid.clear();
  api::MetaOf(change).resource_version = "x1";
  EXPECT_EQ(this->store_->Update(change).status().code(), base::Code::kInvalid);
}

TYPED_TEST(StoreConformanceTest, UpdateThatChangesNothingKeepsTheRevisionAndIsSilent) {
  api::Object v1 = this->Create(MakePod("default", "web"));
  auto w = this->MustWatch("pods", {.resource_version = RvOf(v1)});
  api::Object same = this->Must(this->store_->Update(v1));
  EXPECT_EQ(RvOf(same), RvOf(v1));
  EXPECT_EQ(this->store_->ResourceVersion(), RvOf(v1));
  EXPECT_TRUE(this->Drain(*w).empty());
}

TYPED_TEST(StoreConformanceTest, ConcurrentUpdatesWithTheSameResourceVersionExactlyOneWins) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 30;
  api::Object base = this->Create(MakePod("default", "web"));
  for (int round = 0; round < kRounds; ++round) {
    std::barrier start(kThreads);
    std::atomic<int> wins = 0;
    std::atomic<int> conflicts = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        api::Object mine = base;
        // Unique per round: a thread writing what is already stored would make a no-op
        // update, which succeeds without taking a revision.
        api::MetaOf(mine).labels["writer"] = fmt::format("{}-{}", round, t);
        start.arrive_and_wait();
        auto r = this->store_->Update(mine);
        if (r.ok()) {
          ++wins;
        } else if (r.status().code() == base::Code::kConflict) {
          ++conflicts;
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(wins.load(), 1) << "round " << round;
    ASSERT_EQ(conflicts.load(), kThreads - 1) << "round " << round;
    base = this->Must(this->store_->Get(PodKey("default", "web")));
    EXPECT_EQ(RvNum(base), round + 2);
  }
}

TYPED_TEST(StoreConformanceTest, GuaranteedUpdateRetriesUntilEveryIncrementLands) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  this->Create(MakePod("default", "counter", {{"n", "0"}}));
  std::atomic<int> calls = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        auto r = this->store_->GuaranteedUpdate(
            PodKey("default", "counter"), {}, [&](api::Object cur) -> base::Result<api::Object> {
              ++calls;
              auto& labels = api::MetaOf(cur).labels;
              labels["n"] = std::to_string(std::stoi(labels["n"]) + 1);
              return cur;
            });
        ASSERT_TRUE(r.ok()) << r.status().ToString();
      }
    });
  }
  for (auto& th : threads) th.join();
  api::Object final = this->Must(this->store_->Get(PodKey("default", "counter")));
  EXPECT_EQ(api::MetaOf(final).labels["n"], std::to_string(kThreads * kIncrements));
  EXPECT_EQ(RvNum(final), 1 + kThreads * kIncrements);
  EXPECT_GE(calls.load(), kThreads * kIncrements);
}

TYPED_TEST(StoreConformanceTest, GuaranteedUpdateChecksPreconditionsAndPassesFailuresOn) {
  api::Object v1 = this->Create(MakePod("default", "web"));
  auto add_label = [](api::Object cur) -> base::Result<api::Object> {
    api::MetaOf(cur).labels["x"] = "y";
    return cur;
  };
  auto r = this->store_->GuaranteedUpdate(PodKey("default", "web"), {.uid = "other"}, add_label);
  EXPECT_EQ(r.status().code(), base::Code::kConflict);
  EXPECT_THAT(r.status().message(), HasSubstr("Precondition failed: UID in precondition: other"));
  r = this->store_->GuaranteedUpdate(PodKey("default", "web"), {.resource_version = "99"},
                                     add_label);
  EXPECT_THAT(r.status().message(),
              HasSubstr("Precondition failed: ResourceVersion in precondition: 99, "
                        "ResourceVersion in object meta: 1"));

  r = this->store_->GuaranteedUpdate(PodKey("default", "web"), {},
                                     [](api::Object) -> base::Result<api::Object> {
                                       return base::InvalidError("refused by the callback");
                                     });
  EXPECT_EQ(r.status().message(), "refused by the callback");
  r = this->store_->GuaranteedUpdate(PodKey("default", "web"), {},
                                     [](api::Object cur) -> base::Result<api::Object> {
                                       api::MetaOf(cur).name = "renamed";
                                       return cur;
                                     });
  EXPECT_EQ(r.status().code(), base::Code::kInvalid);
  EXPECT_EQ(this->store_->ResourceVersion(), "1");

  // The callback sees the stored object, resourceVersion included; a stale resourceVersion it
  // leaves in the result does not matter.
  r = this->store_->GuaranteedUpdate(PodKey("default", "web"),
                                     {.uid = "uid-web", .resource_version = "1"},
                                     [&](api::Object cur) -> base::Result<api::Object> {
                                       EXPECT_TRUE(cur == v1);
                                       api::MetaOf(cur).labels["x"] = "y";
                                       api::MetaOf(cur).resource_version = "123";
                                       return cur;
                                     });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(RvOf(*r), "2");
  EXPECT_EQ(
      this->store_->GuaranteedUpdate(PodKey("default", "gone"), {}, add_label).status().code(),
      base::Code::kNotFound);
}

// ---- delete ------------------------------------------------------------------------------------

TYPED_TEST(StoreConformanceTest, DeleteReturnsTheLastStateAtANewRevision) {
  api::Object v1 = this->Create(MakePod("default", "web", {{"app", "web"}}));
  auto wrong_uid = this->store_->Delete(PodKey("default", "web"), {.uid = "other"});
  EXPECT_EQ(wrong_uid.status().code(), base::Code::kConflict);
  auto wrong_rv = this->store_->Delete(PodKey("default", "web"), {.resource_version = "7"});
  EXPECT_EQ(wrong_rv.status().code(), base::Code::kConflict);

  auto deleted =
      this->store_->Delete(PodKey("default", "web"), {.uid = "uid-web", .resource_version = "1"});
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(RvOf(*deleted), "2");
  EXPECT_EQ(api::MetaOf(*deleted).labels.at("app"), "web");
  EXPECT_EQ(this->store_->Get(PodKey("default", "web")).status().code(), base::Code::kNotFound);
  // The name is free again.
  EXPECT_EQ(RvOf(this->Create(MakePod("default", "web"))), "3");
}

// ---- list --------------------------------------------------------------------------------------

std::vector<std::string> Names(const ListResult& r) {
  std::vector<std::string> out;
  for (const auto& o : r.items) out.push_back(api::MetaOf(o).namespace_ + "/" + NameOf(o));
  return out;
}

TYPED_TEST(StoreConformanceTest, ListFiltersByNamespaceAndSelectorsInKeyOrder) {
  this->Create(MakePod("b", "web", {{"app", "web"}}, "n1"));
  this->Create(MakePod("a", "db", {{"app", "db"}}, "n2"));
  this->Create(MakePod("a", "web", {{"app", "web"}, {"tier", "fe"}}, "n2"));
  this->Create(MakeConfigMap("a", "cfg"));

  auto all = this->store_->List("pods", {});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_THAT(Names(*all), ElementsAre("a/db", "a/web", "b/web"));
  EXPECT_EQ(all->resource_version, "4");
  EXPECT_EQ(all->continue_token, "");

  EXPECT_THAT(Names(*this->store_->List("pods", {.namespace_ = "a"})),
              ElementsAre("a/db", "a/web"));
  EXPECT_THAT(Names(*this->store_->List("pods", {.namespace_ = "b"})), ElementsAre("b/web"));
  EXPECT_TRUE(this->store_->List("pods", {.namespace_ = "aa"})->items.empty());
  EXPECT_THAT(Names(*this->store_->List("pods", {.labels = *api::ParseLabelSelector("app=web")})),
              ElementsAre("a/web", "b/web"));
  EXPECT_THAT(Names(*this->store_->List(
                  "pods", {.labels = *api::ParseLabelSelector("app in (web,db),!tier")})),
              ElementsAre("a/db", "b/web"));
  EXPECT_THAT(
      Names(*this->store_->List("pods", {.fields = *api::ParseFieldSelector("spec.nodeName=n2")})),
      ElementsAre("a/db", "a/web"));
  EXPECT_THAT(
      Names(*this->store_->List("pods", {.namespace_ = "a",
                                         .labels = *api::ParseLabelSelector("app=web"),
                                         .fields = *api::ParseFieldSelector("metadata.name=web")})),
      ElementsAre("a/web"));
  EXPECT_THAT(Names(*this->store_->List("configmaps", {})), ElementsAre("a/cfg"));
  EXPECT_TRUE(this->store_->List("services", {})->items.empty());

  auto bad = this->store_->List("pods", {.fields = *api::ParseFieldSelector("spec.foo=x")});
  EXPECT_EQ(bad.status().code(), base::Code::kInvalid);
  EXPECT_EQ(bad.status().message(), "field label not supported: spec.foo");
}

TYPED_TEST(StoreConformanceTest, PaginationSeesEveryObjectOnceAtTheFirstPagesRevision) {
  std::set<std::string> expected;
  for (std::string ns : {"a", "b", "c"}) {
    for (int i = 0; i < 9; ++i) {
      this->Create(MakePod(ns, "p" + std::to_string(i)));
      expected.insert(ns + "/p" + std::to_string(i));
    }
  }
  ListOptions opts{.limit = 5};
  std::vector<std::string> seen;
  std::string list_rv;
  int pages = 0;
  while (true) {
    auto page = this->store_->List("pods", opts);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_LE(page->items.size(), 5u);
    if (list_rv.empty()) list_rv = page->resource_version;
    // Every page shows the first page's revision.
    EXPECT_EQ(page->resource_version, list_rv);
    for (const auto& n : Names(*page)) seen.push_back(n);
    ++pages;
    // Writes between pages: none of them may show up, and nothing may go missing.
    if (pages == 1) {
      ASSERT_TRUE(this->store_->Delete(PodKey("c", "p8")).ok());
      this->Create(MakePod("a", "p99"));
      this->Create(MakePod("c", "p88"));
      api::Object moved = this->Must(this->store_->Get(PodKey("b", "p3")));
      api::MetaOf(moved).labels["moved"] = "yes";
      ASSERT_TRUE(this->store_->Update(moved).ok());
    }
    if (page->continue_token.empty()) break;
    opts.continue_token = page->continue_token;
  }
  EXPECT_EQ(pages, 6);
  EXPECT_EQ(seen.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

  // A new list shows the current state.
  auto now = this->store_->List("pods", {});
  EXPECT_EQ(now->items.size(), expected.size() + 1);
}

TYPED_TEST(StoreConformanceTest, PaginationWithSelectorsFillsPagesWithMatchesOnly) {
  for (int i = 0; i < 20; ++i) {
    this->Create(MakePod("ns", fmt::format("p{:02}", i), {{"even", i % 2 == 0 ? "y" : "n"}}));
  }
  ListOptions opts{.labels = *api::ParseLabelSelector("even=y"), .limit = 3};
  std::vector<std::string> seen;
  while (true) {
    auto page = this->store_->List("pods", opts);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& n : Names(*page)) seen.push_back(n);
    if (page->continue_token.empty()) break;
    EXPECT_EQ(page->items.size(), 3u);
    opts.continue_token = page->continue_token;
  }
  EXPECT_THAT(seen, ElementsAre("ns/p00", "ns/p02", "ns/p04", "ns/p06", "ns/p08", "ns/p10",
                                "ns/p12", "ns/p14", "ns/p16", "ns/p18"));
}

TYPED_TEST(StoreConformanceTest, ContinueTokensExpireWithTheHistory) {
  auto store = this->Open({.history_size = 3});
  for (int i = 0; i < 4; ++i) this->Create(*store, MakePod("ns", "p" + std::to_string(i)));
  auto page = store->List("pods", {.limit = 2});
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->continue_token.empty());
  // Three writes still fit the history: the next page is consistent.
  for (int i = 0; i < 3; ++i) this->Create(*store, MakePod("other", "q" + std::to_string(i)));
  ListOptions next{.limit = 2, .continue_token = page->continue_token};
  auto page2 = store->List("pods", next);
  ASSERT_TRUE(page2.ok()) << page2.status().ToString();
  EXPECT_THAT(Names(*page2), ElementsAre("ns/p2", "ns/p3"));
  // The fourth pushes the first page's revision out.
  this->Create(*store, MakePod("other", "q3"));
  auto expired = store->List("pods", next);
  EXPECT_EQ(expired.status().code(), base::Code::kGone);
  EXPECT_THAT(expired.status().message(),
              HasSubstr("The provided continue parameter is too old to display a consistent "
                        "list result."));

  EXPECT_EQ(store->List("pods", {.continue_token = "not a token"}).status().code(),
            base::Code::kInvalid);
  EXPECT_THAT(store->List("pods", {.continue_token = "e30"}).status().message(),
              HasSubstr("continue key is not valid"));
  EXPECT_EQ(store->List("pods", {.continue_token = page->continue_token, .resource_version = "3"})
                .status()
                .message(),
            "specifying resource version is not allowed when using continue");
}

TYPED_TEST(StoreConformanceTest, ListAtAnExactResourceVersionShowsThatState) {
  api::Object a = this->Create(MakePod("ns", "a", {{"v", "1"}}));
  this->Create(MakePod("ns", "b"));
  const std::string at = this->store_->ResourceVersion();
  api::MetaOf(a).labels["v"] = "2";
  ASSERT_TRUE(this->store_->Update(a).ok());
  ASSERT_TRUE(this->store_->Delete(PodKey("ns", "b")).ok());
  this->Create(MakePod("ns", "c"));

  auto old = this->store_->List(
      "pods", {.resource_version = at, .resource_version_match = ResourceVersionMatch::kExact});
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->resource_version, at);
  EXPECT_THAT(Names(*old), ElementsAre("ns/a", "ns/b"));
  EXPECT_EQ(api::MetaOf(old->items[0]).labels.at("v"), "1");
  EXPECT_EQ(RvOf(old->items[0]), "1");
  // Selectors apply to the old state.
  auto v1 = this->store_->List("pods", {.labels = *api::ParseLabelSelector("v=1"),
                                        .resource_version = at,
                                        .resource_version_match = ResourceVersionMatch::kExact});
  EXPECT_THAT(Names(*v1), ElementsAre("ns/a"));

  // NotOlderThan answers with the latest state.
  auto latest = this->store_->List("pods", {.resource_version = at});
  EXPECT_THAT(Names(*latest), ElementsAre("ns/a", "ns/c"));
  EXPECT_EQ(latest->resource_version, "5");

  auto future = this->store_->List("pods", {.resource_version = "99"});
  EXPECT_EQ(future.status().code(), base::Code::kTimeout);
  EXPECT_EQ(future.status().message(), "Too large resource version: 99, current: 5");
}

TYPED_TEST(StoreConformanceTest, ListAtARevisionOlderThanTheHistoryIsGone) {
  auto store = this->Open({.history_size = 2});
  for (int i = 0; i < 4; ++i) this->Create(*store, MakePod("ns", "p" + std::to_string(i)));
  auto r = store->List(
      "pods", {.resource_version = "1", .resource_version_match = ResourceVersionMatch::kExact});
  EXPECT_EQ(r.status().code(), base::Code::kGone);
  EXPECT_EQ(r.status().message(), "The resourceVersion for the provided list is too old.");
  EXPECT_TRUE(store
                  ->List("pods", {.resource_version = "2",
                                  .resource_version_match = ResourceVersionMatch::kExact})
                  .ok());
}

// ---- watch -------------------------------------------------------------------------------------

TYPED_TEST(StoreConformanceTest, WatchWithoutRevisionStartsWithTheCurrentState) {
  api::Object b = this->Create(MakePod("ns", "b"));
  api::Object a = this->Create(MakePod("ns", "a"));
  this->Create(MakeConfigMap("ns", "cfg"));
  for (std::string rv : {"", "0"}) {
    auto w = this->MustWatch("pods", {.resource_version = rv});
    EXPECT_THAT(this->Drain(*w), ElementsAre(this->Ev("ADDED", a), this->Ev("ADDED", b)));
  }
  auto w = this->MustWatch("pods", {});
  this->Drain(*w);
  api::Object c = this->Create(MakePod("ns", "c"));
  api::Object c2 = this->Must(this->store_->Update([&] {
    api::Object x = c;
    api::MetaOf(x).labels["k"] = "v";
    return x;
  }()));
  api::Object gone = this->Must(this->store_->Delete(PodKey("ns", "a")));
  EXPECT_THAT(this->Drain(*w), ElementsAre(this->Ev("ADDED", c), this->Ev("MODIFIED", c2),
                                           this->Ev("DELETED", gone)));
}

TYPED_TEST(StoreConformanceTest, WatchFromARevisionGetsExactlyTheLaterEventsInOrder) {
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) this->Create(MakePod("ns", "early" + std::to_string(i)));
  const std::string from = this->store_->ResourceVersion();
  for (int i = 0; i < 5; ++i) {
    api::Object p = this->Create(MakePod("ns", "p" + std::to_string(i)));
    expected.push_back(this->Ev("ADDED", p));
    this->Create(MakeConfigMap("ns", "c" + std::to_string(i)));  // another resource
    api::MetaOf(p).labels["i"] = std::to_string(i);
    expected.push_back(this->Ev("MODIFIED", this->Must(this->store_->Update(p))));
  }
  expected.push_back(this->Ev("DELETED", this->Must(this->store_->Delete(PodKey("ns", "p0")))));

  auto w = this->MustWatch("pods", {.resource_version = from});
  EXPECT_EQ(this->Drain(*w), expected);
  // Then live events follow the replay.
  api::Object live = this->Create(MakePod("ns", "live"));
  EXPECT_THAT(this->Drain(*w), ElementsAre(this->Ev("ADDED", live)));

  // From the current revision: nothing to replay.
  auto now = this->MustWatch("pods", {.resource_version = this->store_->ResourceVersion()});
  EXPECT_TRUE(this->Drain(*now).empty());
}

TYPED_TEST(StoreConformanceTest, WatchFromOutsideTheHistoryIsRefused) {
  auto store = this->Open({.history_size = 3});
  for (int i = 0; i < 5; ++i) this->Create(*store, MakePod("ns", "p" + std::to_string(i)));
  auto old = store->Watch("pods", {.resource_version = "1"});
  EXPECT_EQ(old.status().code(), base::Code::kGone);
  EXPECT_EQ(old.status().message(), "too old resource version: 1 (2)");
  // The oldest revision still served: events 3..5 are held.
  auto w = this->MustWatch(*store, "pods", {.resource_version = "2"});
  EXPECT_EQ(this->Drain(*w).size(), 3u);

  auto future = store->Watch("pods", {.resource_version = "6"});
  EXPECT_EQ(future.status().code(), base::Code::kTimeout);
  ASSERT_EQ(future.status().causes().size(), 1u);
  EXPECT_EQ(future.status().causes()[0].reason, "ResourceVersionTooLarge");
  EXPECT_EQ(store->Watch("pods", {.resource_version = "abc"}).status().message(),
            "resourceVersion: Invalid value: \"abc\": invalid resource version: "
            "strconv.ParseUint: parsing \"abc\": invalid syntax");
  EXPECT_EQ(
      store->Watch("pods", {.fields = *api::ParseFieldSelector("spec.x=1")}).status().message(),
      "field label not supported: spec.x");
}

TYPED_TEST(StoreConformanceTest, WatchDeliversSelectorTransitionsAsAddedAndDeleted) {
  api::Object p = this->Create(MakePod("ns", "web", {{"app", "db"}}));
  auto w = this->MustWatch(
      "pods", {.labels = *api::ParseLabelSelector("app=web"), .resource_version = RvOf(p)});
  api::Object q = this->Create(MakePod("ns", "other", {{"app", "db"}}));

  auto with_label = [](api::Object obj, const char* key, const char* value) {
    api::MetaOf(obj).labels[key] = value;
    return obj;
  };
  const api::Object p2 = this->Must(this->store_->Update(with_label(p, "app", "web")));
  const api::Object p3 = this->Must(this->store_->Update(with_label(p2, "tier", "fe")));
  const api::Object p4 = this->Must(this->store_->Update(with_label(p3, "app", "db")));
  ASSERT_TRUE(this->store_->Delete(PodKey("ns", "web")).ok());  // not seen: did not match

  std::vector<WatchEvent> events;
  while (auto ev = w->Next(0ns)) events.push_back(*ev);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, EventType::kAdded);
  EXPECT_TRUE(events[0].object == p2);
  EXPECT_EQ(events[1].type, EventType::kModified);
  EXPECT_TRUE(events[1].object == p3);
  // DELETED carries the last state that matched, at the revision that made it stop.
  EXPECT_EQ(events[2].type, EventType::kDeleted);
  EXPECT_EQ(api::MetaOf(events[2].object).labels.at("app"), "web");
  EXPECT_EQ(RvOf(events[2].object), RvOf(p4));
  (void)q;
}

TYPED_TEST(StoreConformanceTest, WatchFiltersByResourceNamespaceAndFields) {
  auto by_ns = this->MustWatch("pods", {.namespace_ = "a"});
  auto by_name = this->MustWatch("pods", {.fields = *api::ParseFieldSelector("metadata.name=web")});
  auto node = this->MustWatch(
      "pods", {.fields = *api::ParseFieldSelector("spec.nodeName=n1,metadata.namespace=b")});
  auto cms = this->MustWatch("configmaps", {});
  api::Object a = this->Create(MakePod("a", "web"));
  api::Object b = this->Create(MakePod("b", "web", {}, "n1"));
  api::Object c = this->Create(MakePod("a", "db", {}, "n1"));
  api::Object cm = this->Create(MakeConfigMap("a", "cfg"));
  EXPECT_THAT(this->Drain(*by_ns), ElementsAre(this->Ev("ADDED", a), this->Ev("ADDED", c)));
  EXPECT_THAT(this->Drain(*by_name), ElementsAre(this->Ev("ADDED", a), this->Ev("ADDED", b)));
  EXPECT_THAT(this->Drain(*node), ElementsAre(this->Ev("ADDED", b)));
  EXPECT_THAT(this->Drain(*cms), ElementsAre(this->Ev("ADDED", cm)));
}

TYPED_TEST(StoreConformanceTest, AWatcherThatFallsBehindIsEndedWithAnError) {
  auto store = this->Open({.watch_buffer = 3});
  // The initial state does not count against the buffer.
  for (int i = 0; i < 5; ++i) this->Create(*store, MakePod("ns", "old" + std::to_string(i)));
  auto w = this->MustWatch(*store, "pods", {});
  for (int i = 0; i < 5; ++i) this->Create(*store, MakePod("ns", "new" + std::to_string(i)));
  std::vector<WatchEvent> events;
  while (auto ev = w->Next(0ns)) events.push_back(*ev);
  ASSERT_EQ(events.size(), 5u + 3u + 1u);
  for (size_t i = 0; i < 8; ++i) EXPECT_NE(events[i].type, EventType::kError);
  EXPECT_EQ(NameOf(events[7].object), "new2");
  EXPECT_EQ(events[8].type, EventType::kError);
  EXPECT_EQ(events[8].error.code(), base::Code::kResourceExhausted);
  EXPECT_THAT(events[8].error.message(), HasSubstr("fell more than 3 events behind"));
  EXPECT_TRUE(w->Done());
  // Resuming from the last event seen replays the rest.
  auto resumed = this->MustWatch(*store, "pods", {.resource_version = RvOf(events[7].object)});
  std::vector<std::string> rest;
  while (auto ev = resumed->Next(0ns)) rest.push_back(NameOf(ev->object));
  EXPECT_THAT(rest, ElementsAre("new3", "new4"));
}

TYPED_TEST(StoreConformanceTest, StopWakesABlockedConsumer) {
  auto w = this->MustWatch("pods", {});
  std::atomic<bool> returned = false;
  std::thread consumer([&] {
    auto ev = w->Next(std::chrono::hours(24 * 365 * 10));
    EXPECT_FALSE(ev.has_value());
    returned = true;
  });
  w->Stop();
  consumer.join();
  EXPECT_TRUE(returned.load());
  EXPECT_TRUE(w->Done());
  // Writes after Stop are not delivered (and do not fail).
  this->Create(MakePod("ns", "x"));
  EXPECT_FALSE(w->Next(0ns).has_value());
}

TYPED_TEST(StoreConformanceTest, NextWaitsForAWriteFromAnotherThread) {
  auto w = this->MustWatch("pods", {});
  std::thread writer([&] { this->Create(MakePod("ns", "later")); });
  auto ev = w->Next(std::chrono::seconds(30));
  writer.join();
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(NameOf(ev->object), "later");
}

TYPED_TEST(StoreConformanceTest, BookmarksReportHowFarAWatcherHasSeen) {
  auto w = this->MustWatch("pods", {.labels = *api::ParseLabelSelector("app=web")});
  EXPECT_FALSE(w->Bookmark().has_value());  // nothing new
  api::Object web = this->Create(MakePod("ns", "web", {{"app", "web"}}));
  // An event is waiting: no bookmark may jump over it.
  EXPECT_FALSE(w->Bookmark().has_value());
  ASSERT_TRUE(w->Next(0ns).has_value());
  EXPECT_FALSE(w->Bookmark().has_value());             // the event already told its revision
  this->Create(MakePod("ns", "db", {{"app", "db"}}));  // filtered out
  this->Create(MakeConfigMap("ns", "cfg"));            // another resource
  auto bm = w->Bookmark();
  ASSERT_TRUE(bm.has_value());
  EXPECT_EQ(bm->type, EventType::kBookmark);
  EXPECT_TRUE(std::holds_alternative<api::Pod>(bm->object));
  EXPECT_EQ(RvOf(bm->object), this->store_->ResourceVersion());
  EXPECT_EQ(NameOf(bm->object), "");
  EXPECT_FALSE(w->Bookmark().has_value());
  (void)web;
}

TYPED_TEST(StoreConformanceTest, ManyWatchersEachSeeEveryEventInOrder) {
  constexpr int kWatchers = 20;
  constexpr int kWriters = 2;
  constexpr int kPerWriter = 100;
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < kWatchers; ++i) watchers.push_back(this->MustWatch("pods", {}));
  std::vector<std::thread> consumers;
  std::vector<std::vector<int64_t>> seen(kWatchers);
  for (int i = 0; i < kWatchers; ++i) {
    consumers.emplace_back([&, i] {
      while (seen[i].size() < kWriters * kPerWriter) {
        auto ev = watchers[i]->Next(std::chrono::seconds(30));
        if (!ev) break;
        seen[i].push_back(RvNum(ev->object));
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        ASSERT_TRUE(this->store_->Create(MakePod("ns", fmt::format("w{}-{}", w, i))).ok());
      }
    });
  }
  for (auto& t : writers) t.join();
  for (auto& t : consumers) t.join();
  for (int i = 0; i < kWatchers; ++i) {
    ASSERT_EQ(seen[i].size(), size_t{kWriters * kPerWriter}) << "watcher " << i;
    for (size_t j = 0; j < seen[i].size(); ++j) {
      ASSERT_EQ(seen[i][j], static_cast<int64_t>(j + 1)) << "watcher " << i;
    }
  }
}

TYPED_TEST(StoreConformanceTest, WatchersEndWhenTheStoreCloses) {
  auto w = this->MustWatch("pods", {});
  this->Create(MakePod("ns", "a"));
  this->store_.reset();
  ASSERT_TRUE(w->Next(0ns).has_value());  // what was buffered is still delivered
  EXPECT_FALSE(w->Next(std::chrono::seconds(30)).has_value());
  EXPECT_TRUE(w->Done());
}

TYPED_TEST(StoreConformanceTest, TheReadyCallbackFiresForWaitingEventsNewEventsAndTheEnd) {
  this->Create(MakePod("ns", "a"));
  auto w = this->MustWatch("pods", {});
  std::atomic<int> calls = 0;
  w->SetReadyCallback([&] { ++calls; });
  EXPECT_EQ(calls, 1);  // the initial ADDED is already waiting
  this->Drain(*w);
  this->Create(MakeConfigMap("ns", "other"));  // filtered out: no call
  EXPECT_EQ(calls, 1);
  this->Create(MakePod("ns", "b"));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(this->Drain(*w).size(), 1u);
  this->store_.reset();  // the watch ends: one more call, then Done
  EXPECT_EQ(calls, 3);
  EXPECT_FALSE(w->Next(0ns).has_value());
  EXPECT_TRUE(w->Done());

  // After Stop() the callback is gone.
  this->store_ = this->Open({});
  auto w2 = this->MustWatch("pods", {.resource_version = this->store_->ResourceVersion()});
  std::atomic<int> calls2 = 0;
  w2->SetReadyCallback([&] { ++calls2; });
  EXPECT_EQ(calls2, 0);
  w2->Stop();
  this->Create(MakePod("ns", "c"));
  EXPECT_EQ(calls2, 0);
}

}  // namespace
}  // namespace cubelet::store
