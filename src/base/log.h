// Structured logging: a message plus key/value pairs, one line per record, written to a
// LogSink. Components receive a Logger from their owner (no process-wide logger), so a test can
// capture and assert what was logged with a MemoryLogSink.
//
// Line format (stable, documented in docs/architecture.md):
//   2024-01-01T00:00:00.123Z I pulled image image="busybox:latest" ms=812
// Values are quoted when they contain spaces, quotes or '='; credentials must never be passed
// as values (the image module redacts before logging).
//
// Thread-safety: Logger and the sinks here may be used from any thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.h"

namespace cubelet::base {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Parses "debug", "info", "warning"/"warn", "error".
bool ParseLogLevel(std::string_view text, LogLevel* out);

struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  std::string_view key;
  std::variant<std::string, int64_t, double, bool> value;
};

class LogSink {
 public:
  virtual ~LogSink() = default;
  // Receives one complete line without the trailing newline.
  virtual void Write(LogLevel level, std::string_view line) = 0;
};

// Writes lines to standard error.
class StderrLogSink final : public LogSink {
 public:
  void Write(LogLevel level, std::string_view line) override;

 private:
  std::mutex mu_;
};

// Keeps lines in memory (tests).
class MemoryLogSink final : public LogSink {
 public:
  void Write(LogLevel level, std::string_view line) override;
  std::vector<std::string> Lines() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

class Logger {
 public:
  Logger(LogSink& sink, const Clock& clock, LogLevel min_level = LogLevel::kInfo)
      : sink_(&sink), clock_(&clock), min_level_(min_level) {}

  void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
  void Debug(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kDebug, m, f);
  }
  void Info(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kInfo, m, f);
  }
  void Warning(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kWarning, m, f);
  }
  void Error(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kError, m, f);
  }
  bool Enabled(LogLevel level) const { return level >= min_level_; }

 private:
  LogSink* sink_;
  const Clock* clock_;
  LogLevel min_level_;
};

// Formats one record as a line (exposed for tests and for sinks that add their own prefix).
std::string FormatLogLine(TimePoint when, LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields);

}  // namespace cubelet::base
