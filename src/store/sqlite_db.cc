#include "store/sqlite_db.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>

#include <sqlite3.h>

namespace cubelet::store {

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_error_(other.bind_error_) {
  other.stmt_ = nullptr;
}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    bind_error_ = other.bind_error_;
    other.stmt_ = nullptr;
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

base::Result<bool> SqliteStatement::Step() {
  if (bind_error_ != 0) return db_->Error(bind_error_, "bind a parameter");
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, "run a statement");
}

std::string_view SqliteStatement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  bind_error_ = 0;
}

base::Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path,
                                                       base::Duration busy_timeout) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
      nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  if (rc != SQLITE_OK) return db->Error(rc, "open");
  sqlite3_extended_result_codes(raw, 1);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(busy_timeout).count();
  sqlite3_busy_timeout(raw,
                       static_cast<int>(std::min<int64_t>(ms, std::numeric_limits<int>::max())));
  return db;
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

base::Status SqliteDb::Exec(std::string_view sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) return Error(rc, sql);
  return base::Status::Ok();
}

base::Result<SqliteStatement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, sql);
  return SqliteStatement(this, stmt);
}

base::Result<std::string> SqliteDb::QueryText(std::string_view sql) {
  ASSIGN_OR_RETURN(SqliteStatement stmt, Prepare(sql));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::string();
  return std::string(stmt.Text(0));
}

base::Status SqliteDb::Error(int rc, std::string_view what) const {
  const int primary = rc & 0xff;
  // The message of the connection may belong to another thread's failure by now; the result
  // code's own text never does, so both are given.
  std::string detail = sqlite3_errstr(rc);
  if (db_ != nullptr) {
    sqlite3_mutex_enter(sqlite3_db_mutex(db_));
    const char* msg = sqlite3_errmsg(db_);
    if (msg != nullptr && detail != msg) detail = std::string(msg) + " (" + detail + ")";
    sqlite3_mutex_leave(sqlite3_db_mutex(db_));
  }
  const int sys_errno = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
  if (sys_errno != 0 && (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR)) {
    detail += ": ";
    detail += std::strerror(sys_errno);
  }
  const std::string where = fmt::format("sqlite: {} {}", what, path_);
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return base::Status(base::Code::kUnavailable,
                          fmt::format("{}: {}: the database is locked by another process; is "
                                      "another cubelet server using this data directory?",
                                      where, detail));
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return base::Status(base::Code::kInternal,
                          fmt::format("{}: {}: the file is not a cubelet store or is damaged; "
                                      "move it aside to start with an empty store",
                                      where, detail));
    case SQLITE_CANTOPEN:
      return base::Status(sys_errno == ENOENT ? base::Code::kNotFound : base::Code::kUnavailable,
                          fmt::format("{}: {}", where, detail), sys_errno);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return base::Status(base::Code::kPermissionDenied, fmt::format("{}: {}", where, detail),
                          sys_errno);
    case SQLITE_FULL:
      return base::Status(base::Code::kResourceExhausted, fmt::format("{}: {}", where, detail),
                          sys_errno);
    case SQLITE_IOERR:
      return base::Status(base::Code::kUnavailable, fmt::format("{}: {}", where, detail),
                          sys_errno);
    default:
      return base::Status(base::Code::kInternal, fmt::format("{}: {}", where, detail));
  }
}

}  // namespace cubelet::store
