// A thin RAII layer over the SQLite C API: one connection, prepared statements, and failures
// turned into base::Status with the database path and a hint the user can act on (a locked
// database names the likely other process, a damaged one says to move it aside).
//
// Thread-safety: the connection is opened in serialized mode, so different threads may use
// different Statements of one SqliteDb at the same time; one Statement belongs to one thread
// at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cubelet::store {

class SqliteDb;

class SqliteStatement {
 public:
  SqliteStatement() = default;
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  ~SqliteStatement();

  // Parameters are numbered from 1. Text is copied by SQLite.
  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& Bind(int index, int64_t value);
  // True when a row is available, false when the statement is done.
  base::Result<bool> Step();
  // Columns are numbered from 0; valid until the next Step().
  std::string_view Text(int column) const;
  int64_t Int(int column) const;
  // Makes the statement ready to run again (bindings are kept until rebound).
  void Reset();

 private:
  friend class SqliteDb;
  SqliteStatement(const SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  const SqliteDb* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_error_ = 0;  // the first failed bind, reported by Step()
};

class SqliteDb {
 public:
  // Opens (creating when missing) the database file at `path`. Waits up to `busy_timeout` for
  // locks other processes hold.
  static base::Result<std::unique_ptr<SqliteDb>> Open(const std::string& path,
                                                      base::Duration busy_timeout);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs statements that return no rows (or whose rows are not needed).
  base::Status Exec(std::string_view sql);
  base::Result<SqliteStatement> Prepare(std::string_view sql);
  // The first column of the first row of a query, as text ("" when there is no row).
  base::Result<std::string> QueryText(std::string_view sql);

  // A failure of result code `rc` while doing `what`.
  base::Status Error(int rc, std::string_view what) const;
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

}  // namespace cubelet::store
