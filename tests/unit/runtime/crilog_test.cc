#include "runtime/shared/crilog.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cubelet::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kSec = 1000000000;
// 2023-11-14T22:13:20Z
constexpr int64_t kT0 = 1700000000 * kSec;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "crilog_test.XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr) << std::strerror(errno);
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

std::string Read(const std::string& path, const CriLogReadOptions& options = {}) {
  std::string out, error;
  EXPECT_TRUE(ReadCriLog(path, options, &out, &error)) << error;
  return out;
}

// The content of line i with a recognizable pattern, so that a wrong join order shows.
std::string Pattern(size_t n) {
  std::string s(n, ' ');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i / 1000) % 26);
  return s;
}

// ---- Timestamps ----------------------------------------------------------------------------

TEST(Rfc3339NanoTest, FormatsLikeGo) {
  EXPECT_EQ(FormatRfc3339Nano(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(kT0), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatRfc3339Nano(kT0 + 500000000), "2023-11-14T22:13:20.5Z");
  EXPECT_EQ(FormatRfc3339Nano(kT0 + 120000000), "2023-11-14T22:13:20.12Z");
  EXPECT_EQ(FormatRfc3339Nano(kT0 + 100), "2023-11-14T22:13:20.0000001Z");
  EXPECT_EQ(FormatRfc3339Nano(kT0 + 123456789), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(FormatRfc3339Nano(kT0 + 1), "2023-11-14T22:13:20.000000001Z");
  EXPECT_EQ(FormatRfc3339Nano(-1), "1969-12-31T23:59:59.999999999Z");
  // 2024-02-29T23:59:59.9Z: a leap day.
  EXPECT_EQ(FormatRfc3339Nano(1709251199 * kSec + 900000000), "2024-02-29T23:59:59.9Z");
  EXPECT_EQ(FormatRfc3339Nano(kT0 + 123456789).size(), kRfc3339NanoMaxLen);
}

TEST(Rfc3339NanoTest, ParsesWhatGoAccepts) {
  EXPECT_EQ(ParseRfc3339Nano("2023-11-14T22:13:20Z"), kT0);
  EXPECT_EQ(ParseRfc3339Nano("2023-11-14T22:13:20.5Z"), kT0 + 500000000);
  EXPECT_EQ(ParseRfc3339Nano("2023-11-14T22:13:20.000000001Z"), kT0 + 1);
  EXPECT_EQ(ParseRfc3339Nano("2023-11-14T22:13:20.1234567891Z"), kT0 + 123456789);
  EXPECT_EQ(ParseRfc3339Nano("2023-11-14T23:43:20.5+01:30"), kT0 + 500000000);
  EXPECT_EQ(ParseRfc3339Nano("2023-11-14T21:13:20-01:00"), kT0);
  EXPECT_EQ(ParseRfc3339Nano("1969-12-31T23:59:59.999999999Z"), -1);
  for (const int64_t ns : {int64_t{0}, kT0 + 7, kT0 + 450000000, -kSec / 3}) {
    EXPECT_EQ(ParseRfc3339Nano(FormatRfc3339Nano(ns)), ns);
  }
  EXPECT_FALSE(ParseRfc3339Nano(""));
  EXPECT_FALSE(ParseRfc3339Nano("2023-11-14T22:13:20"));
  EXPECT_FALSE(ParseRfc3339Nano("2023-11-14T22:13:20.Z"));
  EXPECT_FALSE(ParseRfc3339Nano("2023-11-14 22:13:20Z"));
  EXPECT_FALSE(ParseRfc3339Nano("2023-02-29T22:13:20Z"));
  EXPECT_FALSE(ParseRfc3339Nano("2023-11-14T24:13:20Z"));
  EXPECT_FALSE(ParseRfc3339Nano("2023-11-14T22:13:60Z"));
  EXPECT_FALSE(ParseRfc3339Nano("2023-11-14T22:13:20Zx"));
  EXPECT_FALSE(ParseRfc3339Nano("9999-11-14T22:13:20Z"));  // past int64 nanoseconds
}

// ---- Writer --------------------------------------------------------------------------------

TEST(CriLogWriterTest, OpenCreatesOnlyTheFile) {
  TempDir dir;
  CriLogWriter missing_dir(dir.File("no/such/0.log"), 0, 5);
  std::string error;
  EXPECT_FALSE(missing_dir.Open(&error));
  EXPECT_THAT(error, HasSubstr("no/such/0.log"));
  EXPECT_FALSE(std::filesystem::exists(dir.File("no")));

  const mode_t old_umask = ::umask(022);
  CriLogWriter writer(dir.File("0.log"), 0, 5);
  const bool opened = writer.Open(&error);
  ::umask(old_umask);
  ASSERT_TRUE(opened) << error;
  struct stat st;
  ASSERT_EQ(::stat(dir.File("0.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(CriLogWriterTest, HoldsPartialLinesUntilTheNewline) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  CriLogWriter writer(path, 0, 5);
  ASSERT_TRUE(writer.Open(nullptr));
  ASSERT_TRUE(writer.Write(CriStream::kStdout, "hel", kT0));
  EXPECT_EQ(writer.held(CriStream::kStdout), 3u);
  EXPECT_EQ(ReadAll(path), "");
  ASSERT_TRUE(writer.Write(CriStream::kStdout, "lo\nwor", kT0 + 1));
  ASSERT_TRUE(writer.Write(CriStream::kStdout, "ld\n\nlast\n", kT0 + 2 * kSec));
  EXPECT_EQ(writer.held(CriStream::kStdout), 0u);
  EXPECT_EQ(ReadAll(path),
            "2023-11-14T22:13:20.000000001Z stdout F hello\n"
            "2023-11-14T22:13:22Z stdout F world\n"
            "2023-11-14T22:13:22Z stdout F \n"
            "2023-11-14T22:13:22Z stdout F last\n");
  EXPECT_EQ(Read(path), "hello\nworld\n\nlast\n");
}

TEST(CriLogWriterTest, CarriageReturnNewlineEndsALine) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  CriLogWriter writer(path, 0, 5);
  ASSERT_TRUE(writer.Open(nullptr));
  ASSERT_TRUE(writer.Write(CriStream::kStdout, "a\r\nb\r", kT0));
  ASSERT_TRUE(writer.Write(CriStream::kStdout, "\nc\rd\n", kT0));
  EXPECT_EQ(Read(path), "a\nb\nc\rd\n");
}

TEST(CriLogWriterTest, LongLineBecomesPartialRecordsThatTheReaderJoins) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  const std::string line = Pattern(40 * 1024);
  CriLogWriter writer(path, 0, 5);
  ASSERT_TRUE(writer.Open(nullptr));
  ASSERT_TRUE(writer.Write(CriStream::kStdout, line + "\n", kT0));
  // The same line again, arriving in uneven pieces.
  const std::string again = line + "\n";
  for (size_t i = 0; i < again.size(); i += 999) {
    ASSERT_TRUE(writer.Write(CriStream::kStdout, std::string_view(again).substr(i, 999), kT0));
    EXPECT_LE(writer.held(CriStream::kStdout), kCriMaxLineContent);
  }
  const std::vector<std::string> records = Lines(ReadAll(path));
  ASSERT_EQ(records.size(), 6u);
  for (int copy = 0; copy < 2; ++copy) {
    std::string joined;
    const char* tags = "PPF";
    for (int i = 0; i < 3; ++i) {
      const auto record = ParseCriLine(records[copy * 3 + i]);
      ASSERT_TRUE(record);
      EXPECT_EQ(record->partial, tags[i] == 'P') << i;
      EXPECT_EQ(record->content.size(), i < 2 ? kCriMaxLineContent : 40 * 1024 - 32 * 1024);
      joined += record->content;
    }
    EXPECT_EQ(joined, line);
  }
  EXPECT_EQ(Read(path), line + "\n" + line + "\n");
}

TEST(CriLogWriterTest, LineOfExactlyTheLimitIsOneFullRecord) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  const std::string line = Pattern(kCriMaxLineContent);
  CriLogWriter writer(path, 0, 5);
  ASSERT_TRUE(writer.Open(nullptr));
  ASSERT_TRUE(writer.Write(CriStream::kStderr, line, kT0));
  EXPECT_EQ(ReadAll(path), "");  // the next byte may still be the newline
  ASSERT_TRUE(writer.Write(CriStream::kStderr, "\n", kT0));
  const std::vector<std::string> records = Lines(ReadAll(path));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], "2023-11-14T22:13:20Z stderr F " + line);
}

TEST(CriLogWriterTest, FlushWritesTheUnfinishedLineAsPartial) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  CriLogWriter writer(path, 0, 5);
  ASSERT_TRUE(writer.Open(nullptr));
  ASSERT_TRUE(writer.Write(CriStream::kStdout, "done\nno newline", kT0));
  ASSERT_TRUE(writer.Flush(CriStream::kStderr, kT0 + kSec));  // nothing held: no record
  ASSERT_TRUE(writer.Flush(CriStream::kStdout, kT0 + kSec));
  EXPECT_EQ(writer.held(CriStream::kStdout), 0u);
  EXPECT_EQ(ReadAll(path),
            "2023-11-14T22:13:20Z stdout F done\n"
            "2023-11-14T22:13:21Z stdout P no newline\n");
  EXPECT_EQ(Read(path), "done\nno newline");
}

TEST(CriLogWriterTest, StreamsAreHeldSeparately) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  CriLogWriter writer(path, 0, 5);
  ASSERT_TRUE(writer.Open(nullptr));
  ASSERT_TRUE(writer.Write(CriStream::kStdout, "o1\no2 ", kT0));
  ASSERT_TRUE(writer.Write(CriStream::kStderr, "e1\ne2 ", kT0 + 1));
  ASSERT_TRUE(writer.Write(CriStream::kStdout, "end\n", kT0 + 2));
  ASSERT_TRUE(writer.Write(CriStream::kStderr, "end\n", kT0 + 3));
  EXPECT_EQ(ReadAll(path),
            "2023-11-14T22:13:20Z stdout F o1\n"
            "2023-11-14T22:13:20.000000001Z stderr F e1\n"
            "2023-11-14T22:13:20.000000002Z stdout F o2 end\n"
            "2023-11-14T22:13:20.000000003Z stderr F e2 end\n");
  EXPECT_EQ(Read(path), "o1\ne1\no2 end\ne2 end\n");
  CriLogReadOptions options;
  options.streams = CriStreamFilter::kStdout;
  EXPECT_EQ(Read(path, options), "o1\no2 end\n");
  options.streams = CriStreamFilter::kStderr;
  EXPECT_EQ(Read(path, options), "e1\ne2 end\n");
}

TEST(CriLogWriterTest, WriteWithoutOpenFails) {
  CriLogWriter writer("/nonexistent/0.log", 0, 5);
  std::string error;
  EXPECT_FALSE(writer.Write(CriStream::kStdout, "x\n", kT0, &error));
  EXPECT_EQ(errno, EBADF);
  EXPECT_THAT(error, HasSubstr("0.log"));
  // A later failure reports its own error, not the earlier one's.
  error.clear();
  EXPECT_FALSE(writer.Open(&error));
  EXPECT_THAT(error, HasSubstr("open"));
}

// ---- Rotation ------------------------------------------------------------------------------

TEST(CriLogWriterTest, RotatesAndKeepsAtMostMaxFiles) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  // Each record is 30 + 10 + 11 + 1 = 52 bytes: three fit in 160.
  CriLogWriter writer(path, 160, 3);
  ASSERT_TRUE(writer.Open(nullptr));
  for (int i = 0; i < 20; ++i) {
    char line[16];
    std::snprintf(line, sizeof(line), "line %06d\n", i);
    std::string error;
    // One second apart, with a fraction so that every timestamp has the same length.
    ASSERT_TRUE(writer.Write(CriStream::kStdout, line, kT0 + i * kSec + 123456789, &error))
        << error;
  }
  const std::vector<std::string> rotated = ListRotatedCriLogs(path);
  ASSERT_EQ(rotated.size(), 2u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 3);
  for (const std::string& file : rotated) {
    EXPECT_EQ(file.substr(0, path.size() + 1), path + ".");
    EXPECT_EQ(file.size(), path.size() + 16);
    EXPECT_LE(std::filesystem::file_size(file), 160u);
    EXPECT_EQ(Lines(ReadAll(file)).size(), 3u);
  }
  // 20 lines, three per file: the current file has the last two, the rotated ones the six
  // before. A rotated file is named after the time it was rotated: when line 15 (18) came.
  EXPECT_EQ(rotated[0], path + ".20231114-221335");
  EXPECT_EQ(rotated[1], path + ".20231114-221338");
  EXPECT_EQ(Read(path), "line 000018\nline 000019\n");
  std::string all, error;
  ASSERT_TRUE(ReadCriLogSet(path, {}, &all, &error)) << error;
  EXPECT_EQ(all,
            "line 000012\nline 000013\nline 000014\nline 000015\nline 000016\nline 000017\n"
            "line 000018\nline 000019\n");
  CriLogReadOptions tail;
  tail.tail_lines = 4;
  all.clear();
  ASSERT_TRUE(ReadCriLogSet(path, tail, &all, &error)) << error;
  EXPECT_EQ(all, "line 000016\nline 000017\nline 000018\nline 000019\n");
}

TEST(CriLogWriterTest, RotationsWithinOneSecondGetUniqueNamesInOrder) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  CriLogWriter writer(path, 40, 20);  // every record gets a file of its own
  ASSERT_TRUE(writer.Open(nullptr));
  for (int i = 0; i < 13; ++i) {
    ASSERT_TRUE(writer.Write(CriStream::kStdout, "line " + std::to_string(i) + "\n", kT0));
  }
  const std::vector<std::string> rotated = ListRotatedCriLogs(path);
  ASSERT_EQ(rotated.size(), 12u);
  EXPECT_EQ(rotated[0], path + ".20231114-221320");
  EXPECT_EQ(rotated[1], path + ".20231114-221320.1");
  EXPECT_EQ(rotated[9], path + ".20231114-221320.9");
  EXPECT_EQ(rotated[10], path + ".20231114-221320.10");
  std::string all, error;
  ASSERT_TRUE(ReadCriLogSet(path, {}, &all, &error)) << error;
  std::string want;
  for (int i = 0; i < 13; ++i) want += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(all, want);
}

TEST(CriLogWriterTest, ZeroMaxSizeNeverRotates) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  CriLogWriter writer(path, 0, 2);
  ASSERT_TRUE(writer.Open(nullptr));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(writer.Write(CriStream::kStdout, "line\n", kT0));
  EXPECT_TRUE(ListRotatedCriLogs(path).empty());
  EXPECT_EQ(Lines(Read(path)).size(), 100u);
}

TEST(ListRotatedCriLogsTest, IgnoresOtherNames) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  for (const char* name : {"0.log", "0.log.20231114-221320", "0.log.20231114-221320.gz",
                           "0.log.20231114-22132", "0.log.20231114-221320.01",
                           "1.log.20231114-221320", "0.log.20231114-221319.2", "0.log.tmp"}) {
    WriteAll(dir.File(name), "");
  }
  EXPECT_THAT(ListRotatedCriLogs(path),
              ElementsAre(path + ".20231114-221319.2", path + ".20231114-221320"));
  EXPECT_TRUE(ListRotatedCriLogs(dir.File("missing/0.log")).empty());
}

// ---- Reader --------------------------------------------------------------------------------

TEST(ParseCriLineTest, SplitsTheFields) {
  auto record = ParseCriLine("2023-11-14T22:13:20.5Z stderr F hello world\n");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->time_text, "2023-11-14T22:13:20.5Z");
  EXPECT_EQ(record->unix_ns, kT0 + 500000000);
  EXPECT_EQ(record->stream, CriStream::kStderr);
  EXPECT_FALSE(record->partial);
  EXPECT_EQ(record->content, "hello world");

  record = ParseCriLine("2023-11-14T22:13:20Z stdout P  two spaces");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->stream, CriStream::kStdout);
  EXPECT_TRUE(record->partial);
  EXPECT_EQ(record->content, " two spaces");

  record = ParseCriLine("2023-11-14T22:13:20Z stdout F ");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->content, "");
  record = ParseCriLine("2023-11-14T22:13:20Z stdout P:future x");
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->partial);

  EXPECT_FALSE(ParseCriLine(""));
  EXPECT_FALSE(ParseCriLine("2023-11-14T22:13:20Z stdout F"));
  EXPECT_FALSE(ParseCriLine("2023-11-14T22:13:20Z stdin F x"));
  EXPECT_FALSE(ParseCriLine("yesterday stdout F x"));
  EXPECT_FALSE(ParseCriLine("plain text from somewhere else"));
}

class CriLogReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("0.log");
    // Lines 1..5 one second apart; line 3 arrives in two records on stdout while stderr
    // writes in between; then garbage and an unterminated fragment of a record.
    WriteAll(path_,
             "2023-11-14T22:13:21Z stdout F one\n"
             "2023-11-14T22:13:22Z stderr F two\n"
             "2023-11-14T22:13:23.5Z stdout P thr\n"
             "not a record\n"
             "2023-11-14T22:13:23.7Z stderr F err\n"
             "2023-11-14T22:13:24Z stdout F ee\n"
             "2023-11-14T22:13:25Z stdout F four\n"
             "2023-11-14T22:13:26Z stdout F five\n"
             "2023-11-14T22:13:27Z stdout F half-writ");
  }

  TempDir dir_;
  std::string path_;
};

TEST_F(CriLogReaderTest, JoinsAndSkipsMalformed) {
  EXPECT_EQ(Read(path_), "one\ntwo\nerr\nthree\nfour\nfive\n");
}

TEST_F(CriLogReaderTest, Timestamps) {
  CriLogReadOptions options;
  options.timestamps = true;
  options.streams = CriStreamFilter::kStdout;
  EXPECT_EQ(Read(path_, options),
            "2023-11-14T22:13:21Z one\n"
            "2023-11-14T22:13:23.5Z three\n"
            "2023-11-14T22:13:25Z four\n"
            "2023-11-14T22:13:26Z five\n");
}

TEST_F(CriLogReaderTest, TailCountsJoinedLines) {
  CriLogReadOptions options;
  options.tail_lines = 3;
  EXPECT_EQ(Read(path_, options), "three\nfour\nfive\n");
  options.tail_lines = 100;
  EXPECT_EQ(Read(path_, options), "one\ntwo\nerr\nthree\nfour\nfive\n");
  options.tail_lines = 0;
  EXPECT_EQ(Read(path_, options), "");
  options.tail_lines = -1;
  EXPECT_EQ(Read(path_, options), "one\ntwo\nerr\nthree\nfour\nfive\n");
  options.tail_lines = 2;
  options.streams = CriStreamFilter::kStderr;
  EXPECT_EQ(Read(path_, options), "two\nerr\n");
}

TEST_F(CriLogReaderTest, Since) {
  CriLogReadOptions options;
  // A line counts from its first record: "three" started at :23.5.
  options.since_unix_ns = kT0 + 3 * kSec + 500000000;
  EXPECT_EQ(Read(path_, options), "err\nthree\nfour\nfive\n");
  options.since_unix_ns = kT0 + 3 * kSec + 500000001;
  EXPECT_EQ(Read(path_, options), "err\nfour\nfive\n");
  options.tail_lines = 1;
  EXPECT_EQ(Read(path_, options), "five\n");
  options.since_unix_ns = kT0 + 100 * kSec;
  EXPECT_EQ(Read(path_, options), "");
}

TEST_F(CriLogReaderTest, LimitBytes) {
  CriLogReadOptions options;
  options.limit_bytes = 10;
  EXPECT_EQ(Read(path_, options), "one\ntwo\ner");
  options.timestamps = true;
  options.limit_bytes = 25;
  EXPECT_EQ(Read(path_, options), "2023-11-14T22:13:21Z one\n");
  options.limit_bytes = 0;
  EXPECT_EQ(Read(path_, options), "");
}

TEST_F(CriLogReaderTest, SinkCanStopAndSeesStreams) {
  std::vector<std::pair<CriStream, std::string>> seen;
  std::string error;
  ASSERT_TRUE(ReadCriLog(
      path_, {},
      [&seen](CriStream stream, std::string_view text) {
        seen.emplace_back(stream, std::string(text));
        return seen.size() < 3;
      },
      &error));
  EXPECT_THAT(seen, ElementsAre(std::pair(CriStream::kStdout, std::string("one\n")),
                                std::pair(CriStream::kStderr, std::string("two\n")),
                                std::pair(CriStream::kStderr, std::string("err\n"))));
}

TEST_F(CriLogReaderTest, ParserGivesTheSameLinesWhateverTheBuffers) {
  const std::string bytes = ReadAll(path_);
  CriLogReadOptions options;
  options.timestamps = true;
  for (const size_t piece : {size_t{1}, size_t{7}, bytes.size()}) {
    std::string out;
    CriLogParser parser(options, [&out](CriStream, std::string_view text) {
      out += text;
      return true;
    });
    for (size_t i = 0; i < bytes.size(); i += piece) {
      ASSERT_TRUE(parser.Add(std::string_view(bytes).substr(i, piece)));
    }
    // The fragment the file ends with waits for the rest of its record.
    EXPECT_EQ(parser.held(), std::string_view("2023-11-14T22:13:27Z stdout F half-writ").size());
    parser.EndFile();
    EXPECT_TRUE(parser.Finish());
    EXPECT_EQ(out, Read(path_, options)) << "pieces of " << piece;
    EXPECT_EQ(parser.lines(), 6);
  }
}

TEST(CriLogParserTest, LinesGoOnInTheNextFileButCutRecordsDoNot) {
  std::string out;
  CriLogParser parser({}, [&out](CriStream, std::string_view text) {
    out += text;
    return true;
  });
  ASSERT_TRUE(parser.Add("2023-11-14T22:13:21Z stdout P sta\n2023-11-14T22:13:21Z stdout F cu"));
  EXPECT_EQ(out, "");
  parser.EndFile();
  ASSERT_TRUE(parser.Add("2023-11-14T22:13:22Z stdout F rt\n"));
  EXPECT_EQ(out, "start\n");
}

TEST(CriLogParserTest, StopsAtTheLimitForGood) {
  std::string out;
  CriLogReadOptions options;
  options.limit_bytes = 6;
  CriLogParser parser(options, [&out](CriStream, std::string_view text) {
    out += text;
    return true;
  });
  EXPECT_FALSE(
      parser.Add("2023-11-14T22:13:21Z stdout F one\n2023-11-14T22:13:22Z stdout F two\n"));
  EXPECT_TRUE(parser.done());
  EXPECT_FALSE(parser.Add("2023-11-14T22:13:23Z stdout F three\n"));
  EXPECT_FALSE(parser.Finish());
  EXPECT_EQ(out, "one\ntw");
}

TEST(CriLogReaderErrorTest, UnreadableFile) {
  TempDir dir;
  std::string out, error;
  EXPECT_FALSE(ReadCriLog(dir.File("missing.log"), {}, &out, &error));
  EXPECT_THAT(error, HasSubstr("missing.log"));
  error.clear();
  EXPECT_FALSE(ReadCriLogSet(dir.File("missing.log"), {}, &out, &error));
  EXPECT_THAT(error, HasSubstr("missing.log"));
  // A directory opens but cannot be read.
  error.clear();
  EXPECT_FALSE(ReadCriLog(dir.path(), {}, &out, &error));
  EXPECT_FALSE(error.empty());
}

TEST(CriLogReaderErrorTest, UnfinishedPartialLineComesLastWithoutNewline) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  WriteAll(path,
           "2023-11-14T22:13:21Z stderr P err-start\n"
           "2023-11-14T22:13:22Z stdout P out-start\n"
           "2023-11-14T22:13:23Z stdout F done\n"
           "2023-11-14T22:13:24Z stdout P more\n");
  EXPECT_EQ(Read(path), "out-startdone\nerr-startmore");
  CriLogReadOptions options;
  options.tail_lines = 1;
  EXPECT_EQ(Read(path, options), "more");
}

// ---- Termination message -------------------------------------------------------------------

std::string LogWithLines(int count, size_t width) {
  std::string log;
  for (int i = 0; i < count; ++i) {
    std::string line = "line " + std::to_string(i) + " ";
    line.resize(width, 'x');
    log += "2023-11-14T22:13:20Z stderr F " + line + "\n";
  }
  return log;
}

TEST(TerminationMessageTest, FileWins) {
  TempDir dir;
  WriteAll(dir.File("msg"), "bye\n");
  WriteAll(dir.File("0.log"), LogWithLines(3, 10));
  EXPECT_EQ(ReadTerminationMessage(dir.File("msg"), dir.File("0.log"), true, 1), "bye\n");
  EXPECT_EQ(ReadTerminationMessage(dir.File("msg"), dir.File("0.log"), false, 0), "bye\n");
}

TEST(TerminationMessageTest, FileIsCutToItsEnd) {
  TempDir dir;
  std::string content(5000, 'a');
  content.replace(5000 - 4096, 4096, std::string(4096, 'b'));
  WriteAll(dir.File("msg"), content);
  EXPECT_EQ(ReadTerminationMessage(dir.File("msg"), "", false, 1), std::string(4096, 'b'));
  // "é" is two bytes; 2049 of them and a "y" make 4099 bytes, so the last 4096 start in the
  // middle of the second "é", and the message starts with the third.
  std::string e;
  for (int i = 0; i < 2049; ++i) e += "\xC3\xA9";
  WriteAll(dir.File("msg"), e + "y");
  EXPECT_EQ(ReadTerminationMessage(dir.File("msg"), "", false, 1), e.substr(4) + "y");
}

TEST(TerminationMessageTest, FallbackToTheLogOnlyOnFailure) {
  TempDir dir;
  WriteAll(dir.File("empty"), "");
  WriteAll(dir.File("0.log"), LogWithLines(3, 10));
  const std::string want = "line 0 xxx\nline 1 xxx\nline 2 xxx\n";
  EXPECT_EQ(ReadTerminationMessage(dir.File("empty"), dir.File("0.log"), true, 1), want);
  EXPECT_EQ(ReadTerminationMessage(dir.File("missing"), dir.File("0.log"), true, 137), want);
  EXPECT_EQ(ReadTerminationMessage("", dir.File("0.log"), true, 2), want);
  EXPECT_EQ(ReadTerminationMessage(dir.File("empty"), dir.File("0.log"), true, 0), "");
  EXPECT_EQ(ReadTerminationMessage(dir.File("empty"), dir.File("0.log"), false, 1), "");
  EXPECT_EQ(ReadTerminationMessage(dir.File("missing"), dir.File("missing.log"), true, 1), "");
}

TEST(TerminationMessageTest, FallbackTakesTheLast80LinesAndAtMost2048Bytes) {
  TempDir dir;
  WriteAll(dir.File("0.log"), LogWithLines(100, 10));
  std::string want;
  for (int i = 20; i < 100; ++i) {
    std::string line = "line " + std::to_string(i) + " ";
    line.resize(10, 'x');
    want += line + "\n";
  }
  ASSERT_LT(want.size(), kMaxTerminationMessageLogBytes);
  EXPECT_EQ(ReadTerminationMessage("", dir.File("0.log"), true, 1), want);

  WriteAll(dir.File("wide.log"), LogWithLines(100, 99));
  const std::string message = ReadTerminationMessage("", dir.File("wide.log"), true, 1);
  ASSERT_EQ(message.size(), kMaxTerminationMessageLogBytes);
  EXPECT_EQ(message.substr(message.size() - 101), "\nline 99 " + std::string(91, 'x') + "\n");
}

}  // namespace
}  // namespace cubelet::runtime
