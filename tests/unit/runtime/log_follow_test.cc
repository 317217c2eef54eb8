#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/runtime.h"
#include "runtime/shared/crilog.h"

namespace cubelet::runtime {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kMs = 1000000;
// 2023-11-14T22:13:20Z
constexpr int64_t kT0 = int64_t{1700000000} * 1000 * kMs;
// Bounds every wait for something that happens much sooner; nothing is timed.
constexpr auto kDeadline = std::chrono::seconds(60);

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "follow_test.XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr) << std::strerror(errno);
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The container's side: a CriLogWriter whose clock moves 1 ms per write.
class Container {
 public:
  explicit Container(std::string path, int64_t max_size = 0, int max_files = 100000)
      : writer_(std::move(path), max_size, max_files) {
    std::string error;
    EXPECT_TRUE(writer_.Open(&error)) << error;
  }
  void Out(std::string_view text) { Write(CriStream::kStdout, text); }
  void Err(std::string_view text) { Write(CriStream::kStderr, text); }
  void Flush() {
    std::string error;
    EXPECT_TRUE(writer_.Flush(CriStream::kStdout, Tick(), &error)) << error;
  }
  int64_t now() const { return now_; }

 private:
  int64_t Tick() { return now_ += kMs; }
  void Write(CriStream stream, std::string_view text) {
    std::string error;
    EXPECT_TRUE(writer_.Write(stream, text, Tick(), &error)) << error;
  }

  CriLogWriter writer_;
  int64_t now_ = kT0;
};

// FollowContainerLog on a thread of its own, as a server's request handler runs it.
class Follower {
 public:
  // The sink returns false on line number `stop_after` (counting from 1).
  Follower(const std::string& path, LogFollowOptions options, size_t stop_after = 0) {
    thread_ = std::thread([this, path, options, stop_after] {
      const base::Status status = FollowContainerLog(
          path, options,
          [this] {
            std::lock_guard lock(mu_);
            following_ = true;
            cv_.notify_all();
            return running_.load();
          },
          [this] { return cancel_.load(); },
          [this, stop_after](std::string_view line) {
            std::lock_guard lock(mu_);
            lines_.emplace_back(line);
            cv_.notify_all();
            return lines_.size() != stop_after;
          });
      std::lock_guard lock(mu_);
      status_ = status;
      done_ = true;
      cv_.notify_all();
    });
  }
  ~Follower() {
    cancel_ = true;
    thread_.join();
  }

  void Exit() { running_ = false; }
  void Cancel() { cancel_ = true; }
  // True once at least `n` lines have arrived.
  bool WaitForLines(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return lines_.size() >= n; });
  }
  // True once the lines that were in the log have been read: still_running is asked from
  // then on.
  bool WaitFollowing() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return following_; });
  }
  // True once FollowContainerLog has returned.
  bool WaitDone() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return done_; });
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }
  std::string text() const {
    std::string all;
    for (const std::string& line : lines()) all += line;
    return all;
  }
  base::Status status() const {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool following_ = false;
  bool done_ = false;
  base::Status status_;
  std::atomic<bool> running_{true};
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

LogFollowOptions Options() {
  LogFollowOptions options;
  options.poll = std::chrono::milliseconds(10);
  return options;
}

std::string Numbered(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "line %04d\n", i);
  return buf;
}

std::vector<std::string> NumberedLines(int from, int to) {
  std::vector<std::string> lines;
  for (int i = from; i < to; ++i) lines.push_back(Numbered(i));
  return lines;
}

std::string Pattern(size_t n) {
  std::string s(n, ' ');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i / 1000) % 26);
  return s;
}

std::string ReadSet(const std::string& path, const CriLogReadOptions& options = {}) {
  std::string out, error;
  EXPECT_TRUE(ReadCriLogSet(path, options, &out, &error)) << error;
  return out;
}

void AppendRaw(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

TEST(FollowContainerLogTest, SendsTheTailThenAppendedLinesInOrder) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  for (int i = 0; i < 10; ++i) c.Out(Numbered(i));
  LogFollowOptions options = Options();
  options.read.tail_lines = 3;
  Follower f(path, options);
  ASSERT_TRUE(f.WaitForLines(3));
  EXPECT_EQ(f.lines(), NumberedLines(7, 10));
  for (int i = 10; i < 15; ++i) c.Out(Numbered(i));
  ASSERT_TRUE(f.WaitForLines(8));
  f.Exit();
  ASSERT_TRUE(f.WaitDone());
  EXPECT_TRUE(f.status().ok()) << f.status().ToString();
  EXPECT_EQ(f.lines(), NumberedLines(7, 15));
}

TEST(FollowContainerLogTest, TailZeroSendsOnlyNewLines) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  for (int i = 0; i < 5; ++i) c.Out(Numbered(i));
  LogFollowOptions options = Options();
  options.read.tail_lines = 0;
  Follower f(path, options);
  ASSERT_TRUE(f.WaitFollowing());
  c.Out("new\n");
  ASSERT_TRUE(f.WaitForLines(1));
  f.Exit();
  ASSERT_TRUE(f.WaitDone());
  EXPECT_THAT(f.lines(), ElementsAre("new\n"));
}

TEST(FollowContainerLogTest, JoinsPartialRecordsAndHoldsTheLineUntilItEnds) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  Follower f(path, Options());
  // A "P" record of kCriMaxLineContent bytes goes to the file; the rest stays in the writer.
  c.Out(Pattern(20000));
  c.Err("marker\n");
  ASSERT_TRUE(f.WaitForLines(1));
  // The follower read the "P" record before the marker's record, and sent nothing of it.
  EXPECT_THAT(f.lines(), ElementsAre("marker\n"));
  c.Out("end\n");
  ASSERT_TRUE(f.WaitForLines(2));
  f.Exit();
  ASSERT_TRUE(f.WaitDone());
  EXPECT_THAT(f.lines(), ElementsAre("marker\n", Pattern(20000) + "end\n"));
  EXPECT_EQ(f.text(), ReadSet(path));
}

TEST(FollowContainerLogTest, WaitsForTheNewlineOfARecordBeingWritten) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  Follower f(path, Options());
  // One write: a record and the start of the next, as a reader may find a record being
  // written.
  AppendRaw(path,
            "2023-11-14T22:13:20Z stdout F first\n"
            "2023-11-14T22:13:21Z stdout F sec");
  ASSERT_TRUE(f.WaitForLines(1));
  AppendRaw(path, "ond\n2023-11-14T22:13:22Z stdout F third\n");
  ASSERT_TRUE(f.WaitForLines(3));
  f.Exit();
  ASSERT_TRUE(f.WaitDone());
  EXPECT_THAT(f.lines(), ElementsAre("first\n", "second\n", "third\n"));
}

TEST(FollowContainerLogTest, FollowsRotationsWithoutLosingOrRepeatingLines) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  // ~40 bytes a record: a few records a file, so a batch of writes rotates several times.
  Container c(path, 200);
  std::vector<std::string> want;
  for (int i = 0; i < 20; ++i) c.Out(Numbered(i));
  ASSERT_GE(ListRotatedCriLogs(path).size(), 3u);
  LogFollowOptions options = Options();
  options.read.tail_lines = 5;
  Follower f(path, options);
  // The tail is taken of the 20 lines only.
  ASSERT_TRUE(f.WaitFollowing());
  want = NumberedLines(15, 20);
  std::thread writer([&] {
    for (int i = 20; i < 400; ++i) {
      if (i == 200) {
        // Longer than a file: its "P" and "F" records end up in files of their own.
        c.Out(Pattern(20000) + "\n");
        want.push_back(Pattern(20000) + "\n");
      }
      if (i % 7 == 0) {
        c.Err(Numbered(i));
      } else {
        c.Out(Numbered(i));
      }
      want.push_back(Numbered(i));
      // Now and then until the follower has it all, so that some rotations find it reading
      // the live file, and others several files behind.
      if (i % 25 == 0 && !f.WaitForLines(want.size())) return;
    }
  });
  writer.join();
  ASSERT_TRUE(f.WaitForLines(want.size()));
  f.Exit();
  ASSERT_TRUE(f.WaitDone());
  EXPECT_TRUE(f.status().ok()) << f.status().ToString();
  EXPECT_GT(ListRotatedCriLogs(path).size(), 100u);
  EXPECT_EQ(f.lines(), want);
}

TEST(FollowContainerLogTest, StartingWhileTheContainerWritesLosesNothing) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path, 4096);
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; i < 3000; ++i) {
      c.Out(Numbered(i));
      written = i + 1;
    }
  });
  // Starts somewhere in the middle: the handover from the lines that exist to the new ones
  // happens while lines are being added and files rotated.
  while (written < 300) std::this_thread::yield();
  Follower f(path, Options());
  writer.join();
  f.Exit();
  ASSERT_TRUE(f.WaitDone());
  EXPECT_TRUE(f.status().ok()) << f.status().ToString();
  EXPECT_EQ(f.lines(), NumberedLines(0, 3000));
}

TEST(FollowContainerLogTest, TailWhileTheContainerWritesGivesAnUnbrokenEnd) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path, 4096);
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; i < 3000; ++i) {
      c.Out(Numbered(i));
      written = i + 1;
    }
  });
  while (written < 300) std::this_thread::yield();
  LogFollowOptions options = Options();
  options.read.tail_lines = 10;
  Follower f(path, options);
  writer.join();
  f.Exit();
  ASSERT_TRUE(f.WaitDone());
  // At least the 10 lines there were when it started, then every line up to the last.
  const std::vector<std::string> lines = f.lines();
  ASSERT_GE(lines.size(), 10u);
  ASSERT_LE(lines.size(), 3000u - 300u + 10u);
  EXPECT_EQ(lines, NumberedLines(3000 - static_cast<int>(lines.size()), 3000));
}

TEST(FollowContainerLogTest, EndsOnceEverythingWrittenBeforeTheExitIsSent) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path, 1000);
  Follower f(path, Options());
  for (int i = 0; i < 100; ++i) c.Out(Numbered(i));
  // The container's last line has no newline: the supervisor writes it as a "P" record when
  // the output ends, and it is sent as it is.
  c.Out("unfinished");
  c.Flush();
  f.Exit();  // without waiting for the follower to have read any of it
  ASSERT_TRUE(f.WaitDone());
  EXPECT_TRUE(f.status().ok()) << f.status().ToString();
  std::vector<std::string> want = NumberedLines(0, 100);
  want.push_back("unfinished");
  EXPECT_EQ(f.lines(), want);
  EXPECT_EQ(f.text(), ReadSet(path));
}

TEST(FollowContainerLogTest, CancelStops) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  c.Out("one\n");
  // The default poll period: a cancellation is noticed without any output to wake on.
  Follower f(path, LogFollowOptions{});
  ASSERT_TRUE(f.WaitForLines(1));
  // Most likely waiting for output by now.
  ASSERT_TRUE(f.WaitFollowing());
  f.Cancel();
  ASSERT_TRUE(f.WaitDone());
  EXPECT_TRUE(f.status().ok()) << f.status().ToString();
  EXPECT_THAT(f.lines(), ElementsAre("one\n"));
}

TEST(FollowContainerLogTest, SinkReturningFalseStops) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  for (int i = 0; i < 3; ++i) c.Out(Numbered(i));
  Follower f(path, Options(), /*stop_after=*/5);
  ASSERT_TRUE(f.WaitForLines(3));
  for (int i = 3; i < 10; ++i) c.Out(Numbered(i));
  ASSERT_TRUE(f.WaitDone());  // the container still runs
  EXPECT_TRUE(f.status().ok()) << f.status().ToString();
  EXPECT_EQ(f.lines(), NumberedLines(0, 5));
}

TEST(FollowContainerLogTest, SinkReturningFalseStopsInTheExistingLines) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  for (int i = 0; i < 10; ++i) c.Out(Numbered(i));
  Follower f(path, Options(), /*stop_after=*/3);
  ASSERT_TRUE(f.WaitDone());
  EXPECT_EQ(f.lines(), NumberedLines(0, 3));
}

TEST(FollowContainerLogTest, LimitBytesCountsTheWholeOutput) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  for (int i = 0; i < 2; ++i) c.Out(Numbered(i));
  LogFollowOptions options = Options();
  options.read.limit_bytes = 25;  // two lines of 10 bytes, then half of the third
  Follower f(path, options);
  ASSERT_TRUE(f.WaitForLines(2));
  for (int i = 2; i < 5; ++i) c.Out(Numbered(i));
  ASSERT_TRUE(f.WaitDone());  // the container still runs
  EXPECT_TRUE(f.status().ok()) << f.status().ToString();
  EXPECT_EQ(f.text(), "line 0000\nline 0001\nline ");
}

TEST(FollowContainerLogTest, ZeroLimitBytesSendsNothing) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  c.Out("one\n");
  LogFollowOptions options = Options();
  options.read.limit_bytes = 0;
  Follower f(path, options);
  ASSERT_TRUE(f.WaitDone());  // the container still runs
  EXPECT_TRUE(f.lines().empty());
}

TEST(FollowContainerLogTest, TimestampsPrefixEveryLine) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  c.Out("old\n");
  const std::string old_time = FormatRfc3339Nano(c.now());
  LogFollowOptions options = Options();
  options.read.timestamps = true;
  Follower f(path, options);
  ASSERT_TRUE(f.WaitForLines(1));
  c.Out(Pattern(20000));
  // A joined line has the time of its first record.
  const std::string long_time = FormatRfc3339Nano(c.now());
  c.Out("\n");
  c.Err("new\n");
  const std::string new_time = FormatRfc3339Nano(c.now());
  ASSERT_TRUE(f.WaitForLines(3));
  f.Exit();
  ASSERT_TRUE(f.WaitDone());
  EXPECT_THAT(f.lines(), ElementsAre(old_time + " old\n", long_time + " " + Pattern(20000) + "\n",
                                     new_time + " new\n"));
  CriLogReadOptions read;
  read.timestamps = true;
  EXPECT_EQ(f.text(), ReadSet(path, read));
}

TEST(FollowContainerLogTest, SinceSkipsOlderLines) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  Container c(path);
  c.Out("old\n");
  LogFollowOptions options = Options();
  options.read.since_unix_ns = c.now() + 1;
  c.Out("newer\n");
  Follower f(path, options);
  c.Out("newest\n");
  ASSERT_TRUE(f.WaitForLines(2));
  f.Exit();
  ASSERT_TRUE(f.WaitDone());
  EXPECT_THAT(f.lines(), ElementsAre("newer\n", "newest\n"));
}

TEST(FollowContainerLogTest, MissingLogIsNotFound) {
  TempDir dir;
  const base::Status status = FollowContainerLog(
      dir.File("0.log"), Options(), [] { return true; }, [] { return false; },
      [](std::string_view) { return true; });
  EXPECT_EQ(status.code(), base::Code::kNotFound) << status.ToString();
}

}  // namespace
}  // namespace cubelet::runtime
