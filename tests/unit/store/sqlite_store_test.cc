// What only the SQLite store has: a file that outlives the process, its lock, and damage.
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store.h"

#include "store_testutil.h"

namespace cubelet::store {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::MakePod;
using testing::PodKey;
using testing::RvOf;
using testing::TempDir;

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string Path() const { return (dir_.path() / "store.db").string(); }

  std::unique_ptr<Store> MustOpen(const StoreOptions& opts = {}) {
    auto s = OpenSqliteStore(Path(), opts);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Runs SQL on the closed database file directly, as damage from outside would.
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Path().c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_free(err);
    sqlite3_close(db);
  }

  TempDir dir_;
};

TEST_F(SqliteStoreTest, ObjectsAndTheRevisionSurviveAReopen) {
  {
    auto store = MustOpen();
    ASSERT_TRUE(store->Create(MakePod("ns", "a", {{"app", "web"}})).ok());
    ASSERT_TRUE(store->Create(MakePod("ns", "b")).ok());
    ASSERT_TRUE(store->Delete(PodKey("ns", "b")).ok());
    api::Object a = *store->Get(PodKey("ns", "a"));
    api::MetaOf(a).annotations["note"] = "kept";
    ASSERT_TRUE(store->Update(a).ok());
    EXPECT_EQ(store->ResourceVersion(), "4");
  }
  auto store = MustOpen();
  EXPECT_EQ(store->ResourceVersion(), "4");
  auto a = store->Get(PodKey("ns", "a"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(RvOf(*a), "4");
  EXPECT_EQ(api::MetaOf(*a).annotations.at("note"), "kept");
  EXPECT_EQ(api::MetaOf(*a).labels.at("app"), "web");
  EXPECT_EQ(store->Get(PodKey("ns", "b")).status().code(), base::Code::kNotFound);
  // Numbering continues where it stopped; it never reuses a revision.
  auto c = store->Create(MakePod("ns", "c"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(RvOf(*c), "5");
}

TEST_F(SqliteStoreTest, AfterAReopenWatchesAndListsStartAtTheReopenedRevision) {
  { ASSERT_TRUE(MustOpen()->Create(MakePod("ns", "a")).ok()); }
  auto store = MustOpen();
  auto w = store->Watch("pods", {.resource_version = "1"});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_FALSE((*w)->Next(0ns).has_value());
  ASSERT_TRUE(store->Create(MakePod("ns", "b")).ok());
  auto ev = (*w)->Next(0ns);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(api::MetaOf(ev->object).name, "b");
  EXPECT_EQ(RvOf(ev->object), "2");
  auto exact = store->List(
      "pods", {.resource_version = "1", .resource_version_match = ResourceVersionMatch::kExact});
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(exact->items.size(), 1u);
}

TEST_F(SqliteStoreTest, AWatchFromBeforeTheReopenIsGone) {
  {
    auto store = MustOpen();
    ASSERT_TRUE(store->Create(MakePod("ns", "a")).ok());
    ASSERT_TRUE(store->Create(MakePod("ns", "b")).ok());
  }
  auto store = MustOpen();
  auto w = store->Watch("pods", {.resource_version = "1"});
  EXPECT_EQ(w.status().code(), base::Code::kGone);
  EXPECT_EQ(w.status().message(), "too old resource version: 1 (2)");
}

TEST_F(SqliteStoreTest, UsesWalAndWritesThroughIt) {
  auto store = MustOpen();
  ASSERT_TRUE(store->Create(MakePod("ns", "a")).ok());
  EXPECT_TRUE(std::filesystem::exists(Path() + "-wal"));
}

TEST_F(SqliteStoreTest, ASecondStoreOnTheSameFileFailsClearly) {
  auto first = MustOpen();
  ASSERT_TRUE(first->Create(MakePod("ns", "a")).ok());
  auto second = OpenSqliteStore(Path(), {.busy_timeout = 0ms});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), base::Code::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr(Path()));
  EXPECT_THAT(second.status().message(), HasSubstr("locked"));
  EXPECT_THAT(second.status().message(), HasSubstr("another cubelet server"));
  // The first one is unaffected.
  EXPECT_TRUE(first->Create(MakePod("ns", "b")).ok());
  first.reset();
  EXPECT_TRUE(OpenSqliteStore(Path()).ok());
}

TEST_F(SqliteStoreTest, AFileThatIsNotAStoreFailsClearly) {
  {
    std::ofstream out(Path());
    out << std::string(8192, 'x');
  }
  auto s = OpenSqliteStore(Path());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), base::Code::kInternal);
  EXPECT_THAT(s.status().message(), HasSubstr(Path()));
  EXPECT_THAT(s.status().message(), HasSubstr("file is not a database"));
  EXPECT_THAT(s.status().message(), HasSubstr("move it aside"));
}

TEST_F(SqliteStoreTest, AMissingDirectoryFailsNamingThePath) {
  const std::string path = (dir_.path() / "no" / "such" / "store.db").string();
  auto s = OpenSqliteStore(path);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr(path));
  EXPECT_THAT(s.status().message(), HasSubstr("unable to open database file"));
}

TEST_F(SqliteStoreTest, ADamagedRowIsReportedWithItsKey) {
  {
    auto store = MustOpen();
    ASSERT_TRUE(store->Create(MakePod("ns", "a")).ok());
    ASSERT_TRUE(store->Create(MakePod("ns", "b")).ok());
  }
  RawSql("UPDATE objects SET data = '{\"kind\":' WHERE name = 'a'");
  auto store = MustOpen();
  auto a = store->Get(PodKey("ns", "a"));
  EXPECT_EQ(a.status().code(), base::Code::kInternal);
  EXPECT_THAT(a.status().message(), HasSubstr("pods/ns/a (resourceVersion 1) is damaged"));
  EXPECT_THAT(store->List("pods", {}).status().message(), HasSubstr("pods/ns/a"));
  // Other objects are still served, and the damaged one can be deleted.
  EXPECT_TRUE(store->Get(PodKey("ns", "b")).ok());
  auto w = store->Watch("pods", {.resource_version = store->ResourceVersion()});
  ASSERT_TRUE(w.ok());
  auto deleted = store->Delete(PodKey("ns", "a"));
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(api::MetaOf(*deleted).name, "a");
  EXPECT_EQ(RvOf(*deleted), "3");
  auto ev = (*w)->Next(0ns);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->type, EventType::kDeleted);
  EXPECT_TRUE(store->List("pods", {}).ok());
}

TEST_F(SqliteStoreTest, ANewerSchemaIsRefused) {
  { MustOpen(); }
  RawSql("UPDATE meta SET value = 2 WHERE key = 'schema'");
  auto s = OpenSqliteStore(Path());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), base::Code::kUnimplemented);
  EXPECT_THAT(s.status().message(), HasSubstr("schema version 2"));
}

}  // namespace
}  // namespace cubelet::store
