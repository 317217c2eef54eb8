// The SQLite Backend: one database file, WAL journal, one transaction per write.
//
// Schema (version 1):
//   objects(resource, namespace, name, rv, data)  primary key (resource, namespace, name);
//                                                 data is the object's JSON without its
//                                                 resourceVersion, rv the revision of its last
//                                                 write
//   meta(key, value)  "schema" = 1, "revision" = the last committed revision
//
// Why these settings:
//   - WAL + synchronous=NORMAL: a commit is one append to the WAL without fsync; it survives a
//     crash or kill -9 of the process (only a power loss can take the last commits), and
//     readers never wait for the writer.
//   - locking_mode=EXCLUSIVE: the process holds the database lock from open to close. The
//     revision counter, the watch history and the watchers live in this process, so a second
//     writer would break them silently; this way a second server on the same data directory
//     fails at once with a clear message. It also lets WAL work without a shared-memory file.
#include <atomic>
#include <charconv>

#include "store/backend.h"
#include "store/local_store.h"
#include "store/sqlite_db.h"

namespace cubelet::store {
namespace {

constexpr int64_t kSchemaVersion = 1;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (
  resource  TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name      TEXT NOT NULL,
  rv        INTEGER NOT NULL,
  data      TEXT NOT NULL,
  PRIMARY KEY (resource, namespace, name)
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', 1), ('revision', 0);
)sql";

class SqliteBackend final : public Backend {
 public:
  static base::Result<std::unique_ptr<SqliteBackend>> Open(const std::string& path,
                                                           const StoreOptions& opts) {
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, opts.busy_timeout));
    std::unique_ptr<SqliteBackend> backend(new SqliteBackend(std::move(db)));
    RETURN_IF_ERROR(backend->Init());
    return backend;
  }

  int64_t Revision() const override { return revision_.load(); }

  base::Result<std::optional<Row>> Read(const ObjectKey& key) override {
    // Reads run concurrently, so each prepares its own statement.
    ASSIGN_OR_RETURN(SqliteStatement stmt,
                     db_->Prepare("SELECT rv, data FROM objects "
                                  "WHERE resource = ?1 AND namespace = ?2 AND name = ?3"));
    stmt.Bind(1, key.resource).Bind(2, key.namespace_).Bind(3, key.name);
    ASSIGN_OR_RETURN(bool found, stmt.Step());
    if (!found) return std::optional<Row>();
    return std::optional<Row>(
        Row{key.namespace_, key.name, stmt.Int(0), std::string(stmt.Text(1))});
  }

  base::Status Scan(std::string_view resource, std::string_view ns, std::string_view after_ns,
                    std::string_view after_name,
                    const std::function<bool(Row&& row)>& fn) override {
    // Row values keep the scan on the primary key's index; BINARY collation orders keys as
    // std::string does, which LocalStore's merge with the history relies on.
    ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_->Prepare(ns.empty() ? "SELECT namespace, name, rv, data FROM objects "
                                  "WHERE resource = ?1 AND (namespace, name) > (?3, ?4) "
                                  "ORDER BY namespace, name"
                                : "SELECT namespace, name, rv, data FROM objects "
                                  "WHERE resource = ?1 AND namespace = ?2 "
                                  "AND (namespace, name) > (?3, ?4) ORDER BY name"));
    stmt.Bind(1, resource).Bind(2, ns).Bind(3, after_ns).Bind(4, after_name);
    while (true) {
      ASSIGN_OR_RETURN(bool more, stmt.Step());
      if (!more) return base::Status::Ok();
      Row row{std::string(stmt.Text(0)), std::string(stmt.Text(1)), stmt.Int(2),
              std::string(stmt.Text(3))};
      if (!fn(std::move(row))) return base::Status::Ok();
    }
  }

  base::Status Commit(const ObjectKey& key, const std::optional<std::string>& json,
                      int64_t rv) override {
    RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
    base::Status st = Write(key, json, rv);
    if (!st.ok()) {
      // The transaction is undone, so the row and the revision stay as they were.
      (void)db_->Exec("ROLLBACK");
      return st;
    }
    revision_.store(rv);
    return base::Status::Ok();
  }

 private:
  explicit SqliteBackend(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  base::Status Init() {
    RETURN_IF_ERROR(db_->Exec("PRAGMA locking_mode = EXCLUSIVE"));
    ASSIGN_OR_RETURN(std::string mode, db_->QueryText("PRAGMA journal_mode = WAL"));
    if (mode != "wal") {
      return base::InternalError("sqlite: {}: cannot use WAL journal mode (got \"{}\")",
                                 db_->path(), mode);
    }
    RETURN_IF_ERROR(db_->Exec("PRAGMA synchronous = NORMAL"));
    // Taking the write lock now (and keeping it, in exclusive mode) makes a second server
    // fail here rather than at its first write.
    RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
    base::Status st = InitSchema();
    if (!st.ok()) {
      (void)db_->Exec("ROLLBACK");
      return st;
    }
    RETURN_IF_ERROR(db_->Exec("COMMIT"));
    ASSIGN_OR_RETURN(upsert_, db_->Prepare("INSERT OR REPLACE INTO objects "
                                           "(resource, namespace, name, rv, data) "
                                           "VALUES (?1, ?2, ?3, ?4, ?5)"));
    ASSIGN_OR_RETURN(remove_, db_->Prepare("DELETE FROM objects "
                                           "WHERE resource = ?1 AND namespace = ?2 AND name = ?3"));
    ASSIGN_OR_RETURN(set_revision_,
                     db_->Prepare("UPDATE meta SET value = ?1 WHERE key = 'revision'"));
    ASSIGN_OR_RETURN(commit_, db_->Prepare("COMMIT"));
    return base::Status::Ok();
  }

  base::Status InitSchema() {
    RETURN_IF_ERROR(db_->Exec(kSchema));
    ASSIGN_OR_RETURN(int64_t schema, ReadMeta("schema"));
    if (schema != kSchemaVersion) {
      return base::Error(base::Code::kUnimplemented,
                         "sqlite: {}: the store has schema version {}, this cubelet reads only "
                         "version {}; use the cubelet that wrote it",
                         db_->path(), schema, kSchemaVersion);
    }
    ASSIGN_OR_RETURN(int64_t revision, ReadMeta("revision"));
    revision_.store(revision);
    return base::Status::Ok();
  }

  base::Result<int64_t> ReadMeta(std::string_view key) {
    ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare("SELECT value FROM meta WHERE key = ?1"));
    stmt.Bind(1, key);
    ASSIGN_OR_RETURN(bool found, stmt.Step());
    if (!found) {
      return base::InternalError(
          "sqlite: {}: the meta table has no \"{}\" row; the file is damaged", db_->path(), key);
    }
    return stmt.Int(0);
  }

  // Inside the transaction Commit opened. The cached statements are used only here, and
  // LocalStore never runs two commits at once.
  base::Status Write(const ObjectKey& key, const std::optional<std::string>& json, int64_t rv) {
    SqliteStatement& stmt = json ? upsert_ : remove_;
    stmt.Reset();
    stmt.Bind(1, key.resource).Bind(2, key.namespace_).Bind(3, key.name);
    if (json) stmt.Bind(4, rv).Bind(5, *json);
    RETURN_IF_ERROR(stmt.Step().status());
    set_revision_.Reset();
    set_revision_.Bind(1, rv);
    RETURN_IF_ERROR(set_revision_.Step().status());
    commit_.Reset();
    RETURN_IF_ERROR(commit_.Step().status());
    return base::Status::Ok();
  }

  std::unique_ptr<SqliteDb> db_;
  std::atomic<int64_t> revision_{0};
  SqliteStatement upsert_;
  SqliteStatement remove_;
  SqliteStatement set_revision_;
  SqliteStatement commit_;
};

}  // namespace

base::Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                     const StoreOptions& opts) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteBackend> backend, SqliteBackend::Open(path, opts));
  return std::unique_ptr<Store>(std::make_unique<LocalStore>(std::move(backend), opts));
}

}  // namespace cubelet::store
