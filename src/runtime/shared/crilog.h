// Container log files in the CRI log format, the format the kubelet reads:
//
//   <timestamp> <stream> <tag> <content>\n
//
// timestamp is Go's time.RFC3339Nano, stream is "stdout" or "stderr", tag is "F" for a full
// line or "P" for part of a longer one (the next records of the same stream continue it).
//
// The supervisor writes these files (CriLogWriter); the server and the CLI read them
// (ReadCriLog*, ReadTerminationMessage). This file is linked into the statically linked
// supervisor as well as the server, so it uses libc and the C++ standard library only, and
// reports errors as bool + errno / error text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cubelet::runtime {

enum class CriStream { kStdout, kStderr };
std::string_view CriStreamName(CriStream stream);  // "stdout" / "stderr"

// containerd's default max_container_log_line_size: longer lines are cut into "P" records
// of this many content bytes.
inline constexpr size_t kCriMaxLineContent = 16 * 1024;

// Longest RFC3339Nano text of a UTC time that fits an int64 of nanoseconds:
// "2006-01-02T15:04:05.999999999Z".
inline constexpr size_t kRfc3339NanoMaxLen = 30;

// Formats like Go's t.UTC().Format(time.RFC3339Nano): the fraction loses its trailing zeros
// and disappears entirely (dot included) when it is zero. Writes no terminator; returns the
// length (at most kRfc3339NanoMaxLen).
size_t FormatRfc3339Nano(int64_t unix_ns, char* out);
std::string FormatRfc3339Nano(int64_t unix_ns);
// Parses what Go's time.Parse(time.RFC3339Nano, text) accepts: a fraction of any length
// (digits past the ninth are dropped), "Z" or a "+hh:mm" / "-hh:mm" offset. Times outside
// the int64 nanosecond range (years 1678..2261 are safe) are rejected.
std::optional<int64_t> ParseRfc3339Nano(std::string_view text);

// ---- Writing (the supervisor) --------------------------------------------------------------

// Appends one container's output to its log file, one record per line, and rotates the file
// the way the kubelet's container log manager does (containerLogMaxSize/containerLogMaxFiles).
//
// Lines are cut like containerd does: output after the last newline of a stream is held until
// more of that stream arrives, so a line written in several pieces still becomes one "F"
// record; a line longer than kCriMaxLineContent becomes "P" records of that size and an "F"
// record with the rest. "\r\n" ends a line like "\n" (containerd drops the "\r" as well).
//
// Not thread-safe: the supervisor's single event loop owns it.
class CriLogWriter {
 public:
  // max_size_bytes <= 0 disables rotation. max_files counts the current file; values below 1
  // act as 1 (every rotated file is deleted right away).
  CriLogWriter(std::string path, int64_t max_size_bytes, int max_files);
  ~CriLogWriter();
  CriLogWriter(const CriLogWriter&) = delete;
  CriLogWriter& operator=(const CriLogWriter&) = delete;

  // Opens (creating it 0640 if needed, never its directory) the log file for appending.
  bool Open(std::string* error);
  // Closes and opens the path again: for when someone else moved or removed the file.
  bool Reopen(std::string* error);
  void Close();
  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  // Adds `len` bytes of one stream's output read at `now_unix_ns`. Complete lines are written
  // at once: one write(2) per 64 KiB of records, split where the file rotates. A record that
  // would take the file past max_size rotates it first, so files stay within max_size (unless
  // one record is larger than that). On failure (errno set,
  // text in *error when given) the records of this call are lost, which keeps a full disk from
  // growing the supervisor's memory; held bytes stay held.
  bool Write(CriStream stream, const char* data, size_t len, int64_t now_unix_ns,
             std::string* error = nullptr);
  bool Write(CriStream stream, std::string_view data, int64_t now_unix_ns,
             std::string* error = nullptr) {
    return Write(stream, data.data(), data.size(), now_unix_ns, error);
  }
  // At EOF of the stream: writes the held bytes, if any, as the last record. Like containerd it
  // tags that record "P", since the container never finished the line; readers show it without
  // a newline.
  bool Flush(CriStream stream, int64_t now_unix_ns, std::string* error = nullptr);

  // Bytes held for a stream (for tests and for the supervisor's accounting).
  size_t held(CriStream stream) const { return held_[Index(stream)].size(); }

 private:
  static size_t Index(CriStream stream) { return stream == CriStream::kStdout ? 0 : 1; }
  // A Write or Flush collects its records in out_ and writes them at the end; the first error
  // of the call is kept for its return value.
  void BeginCall(int64_t now_unix_ns, std::string* error);
  bool EndCall();
  // Adds a piece of one line; line_ends: the piece was followed by a newline.
  void AddText(CriStream stream, std::string_view piece, bool line_ends);
  // Adds one record to out_, first writing out_ and rotating when the record would take the
  // file past max_size_.
  void AddRecord(CriStream stream, bool partial, std::string_view content);
  void WriteOut();
  bool Rotate();
  bool Fail(int err, std::string_view what, std::string* error);

  std::string path_;
  int64_t max_size_;
  int max_files_;
  int fd_ = -1;
  int64_t size_ = 0;  // of the open file, from fstat at open plus what was written since
  std::string held_[2];
  std::string out_;  // records not yet written; keeps its capacity between calls

  // State of the current call.
  int call_errno_ = 0;
  std::string* call_error_ = nullptr;
  int64_t now_ = 0;
  char time_[kRfc3339NanoMaxLen] = {};
  size_t time_len_ = 0;
  // Set when a rotation failed, so that one failing rename is tried and reported once per
  // call instead of once per record.
  bool rotate_failed_ = false;
};

// Rotated files of the log at `path` (`<path>.<YYYYMMDD-HHMMSS>` and, for names that were
// taken, `<path>.<YYYYMMDD-HHMMSS>.<n>`), oldest first. Other files in the directory are not
// included. A missing directory gives an empty list.
std::vector<std::string> ListRotatedCriLogs(const std::string& path);

// ---- Reading (the server and the CLI) ------------------------------------------------------

// One record of a CRI log file; the views point into the parsed line.
struct CriRecord {
  std::string_view time_text;
  int64_t unix_ns = 0;
  CriStream stream = CriStream::kStdout;
  bool partial = false;
  std::string_view content;  // without the line's newline
};

// Parses one line (a trailing "\n" is allowed). Unknown tags after the first ":"-separated
// one are ignored, as the kubelet does; anything but "P" as the first tag means a full line.
std::optional<CriRecord> ParseCriLine(std::string_view line);

enum class CriStreamFilter { kAll, kStdout, kStderr };

struct CriLogReadOptions {
  // Prefix each line with the timestamp text of its first record and a space
  // (kubectl logs --timestamps).
  bool timestamps = false;
  // The last N lines (joined "P" records count once); negative means all.
  std::optional<int64_t> tail_lines;
  // Lines whose first record is older than this are skipped.
  std::optional<int64_t> since_unix_ns;
  // Stop after this many output bytes (timestamp prefixes included), cutting the last line.
  std::optional<int64_t> limit_bytes;
  CriStreamFilter streams = CriStreamFilter::kAll;
};

// Receives the output one line at a time, newline included (a line the log leaves unfinished
// has none); returns false to stop reading.
using CriLogSink = std::function<bool(CriStream stream, std::string_view text)>;

// Reads one log file. "P" records are joined with the following records of their stream into
// one line; lines come out in the order their last record was written. Malformed lines are
// skipped, and so is an unterminated fragment at the end of the file (a record still being
// written). Returns false with *error set when the file cannot be read.
bool ReadCriLog(const std::string& path, const CriLogReadOptions& options, const CriLogSink& sink,
                std::string* error);
bool ReadCriLog(const std::string& path, const CriLogReadOptions& options, std::string* out,
                std::string* error);
// Reads the rotated files of `path` (oldest first) and then `path` itself as one log: tail and
// limit apply to the whole set. A rotated file removed while listing is skipped.
bool ReadCriLogSet(const std::string& path, const CriLogReadOptions& options,
                   const CriLogSink& sink, std::string* error);
bool ReadCriLogSet(const std::string& path, const CriLogReadOptions& options, std::string* out,
                   std::string* error);

// What ReadCriLog does with the bytes, one buffer at a time, for callers that read the files
// themselves (a log followed as it grows). Given a log's files in order, it joins "P" records
// into lines (across files too) and selects and cuts the lines as the options say, so that the
// output is the same whichever way the bytes were read.
class CriLogParser {
 public:
  // Without a sink the parser only counts lines (the first pass of a tail). The first
  // `skip_lines` selected lines are counted but not passed on.
  CriLogParser(const CriLogReadOptions& options, CriLogSink sink, int64_t skip_lines = 0);

  // The next bytes of the current file. A record is handled once its newline has arrived; the
  // bytes after the last newline wait for the next call. Returns false once the output is
  // complete (limit_bytes reached or the sink returned false); later calls do nothing.
  bool Add(std::string_view bytes);
  // The current file ends: what it holds after its last newline (a record cut short) is
  // dropped. An unfinished line of "P" records goes on in the next file.
  void EndFile() { held_.clear(); }
  // The log ends: lines left unfinished (a container that never ended its last line) are
  // passed on without a newline, in the order they started. Returns false like Add.
  bool Finish();

  // Bytes after the last newline, waiting for the rest of their record.
  size_t held() const { return held_.size(); }
  // Selected lines so far, skipped ones included; an unfinished line counts after Finish.
  int64_t lines() const { return lines_; }
  bool done() const { return done_; }

 private:
  struct Pending {  // the line of one stream being joined
    bool open = false;
    bool selected = false;
    uint64_t seq = 0;
    std::string time_text;
    std::string content;
  };

  bool OnLine(std::string_view line);
  bool EndLine(CriStream stream, bool newline);

  CriLogReadOptions options_;
  CriLogSink sink_;
  int64_t skip_;
  int64_t remaining_;  // output bytes left; -1: no limit
  int64_t lines_ = 0;
  uint64_t next_seq_ = 0;
  bool done_;
  Pending pending_[2];
  std::string held_;
  std::string text_;  // the line being passed on; keeps its capacity
};

// ---- Termination message -------------------------------------------------------------------

// The kubelet's limits (pkg/kubelet/container): MaxContainerTerminationMessageLength,
// MaxContainerTerminationMessageLogLength and MaxContainerTerminationMessageLogLines.
inline constexpr size_t kMaxTerminationMessageBytes = 4 * 1024;
inline constexpr size_t kMaxTerminationMessageLogBytes = 2 * 1024;
inline constexpr int kMaxTerminationMessageLogLines = 80;

// The message of an exited container, as the kubelet computes it: the end of the file the
// container wrote at its terminationMessagePath (`host_file_path` is where that file is on the
// host; empty when it was not set up), at most kMaxTerminationMessageBytes. When that is empty
// (or missing), `fallback_to_logs_on_error` is set (terminationMessagePolicy
// FallbackToLogsOnError) and exit_code != 0, the end of the last kMaxTerminationMessageLogLines
// lines of the log, at most kMaxTerminationMessageLogBytes. Missing files give "". A file that
// exists but cannot be read gives a message that says so, as the kubelet's does. The caller
// leaves out the fallback for containers that never started (the kubelet's
// "ContainerCannotRun"), which have no log.
//
// Where a byte limit cuts the text, the cut is moved past a split UTF-8 character so that a
// valid message stays valid; the content itself is not checked.
std::string ReadTerminationMessage(const std::string& host_file_path, const std::string& log_path,
                                   bool fallback_to_logs_on_error, int exit_code);

}  // namespace cubelet::runtime
