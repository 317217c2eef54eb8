#include "base/time.h"

#include <gtest/gtest.h>

namespace cubelet::base {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(Rfc3339Test, FormatsUtcWithPrecision) {
  const TimePoint t = TimePoint(seconds(1704067200)) + milliseconds(123);
  EXPECT_EQ(FormatRfc3339(t), "2024-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(t, 3), "2024-01-01T00:00:00.123Z");
  EXPECT_EQ(FormatRfc3339(t, 6), "2024-01-01T00:00:00.123000Z");
  EXPECT_EQ(FormatRfc3339(TimePoint(seconds(951782400))), "2000-02-29T00:00:00Z");
}

TEST(Rfc3339Test, ParsesOffsetsAndFractions) {
  auto t = ParseRfc3339("2024-01-01T02:30:00+02:30");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatRfc3339(*t), "2024-01-01T00:00:00Z");
  auto f = ParseRfc3339("2024-01-01T00:00:00.5Z");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(FormatRfc3339(*f, 3), "2024-01-01T00:00:00.500Z");
  EXPECT_TRUE(ParseRfc3339("2024-01-01t00:00:00z").ok());
}

TEST(Rfc3339Test, RejectsMalformed) {
  for (const char* bad :
       {"", "2024-01-01", "2024-01-01T00:00:00", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
        "2024-01-01T25:00:00Z", "2024-01-01T00:00:00Zx", "2024-01-01T00:00:00.Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

TEST(GoDurationTest, Parses) {
  EXPECT_EQ(*ParseGoDuration("300ms"), milliseconds(300));
  EXPECT_EQ(*ParseGoDuration("1m30s"), seconds(90));
  EXPECT_EQ(*ParseGoDuration("-1.5h"), -minutes(90));
  EXPECT_EQ(*ParseGoDuration("2h45m"), minutes(165));
  EXPECT_EQ(*ParseGoDuration("0"), Duration(0));
  EXPECT_EQ(*ParseGoDuration("1us"), std::chrono::microseconds(1));
  EXPECT_EQ(*ParseGoDuration("10ns"), Duration(10));
}

TEST(GoDurationTest, RejectsBadInput) {
  EXPECT_EQ(ParseGoDuration("5").status().message(), "time: missing unit in duration \"5\"");
  EXPECT_EQ(ParseGoDuration("5d").status().message(),
            "time: unknown unit \"d\" in duration \"5d\"");
  EXPECT_FALSE(ParseGoDuration("").ok());
  EXPECT_FALSE(ParseGoDuration("s").ok());
  EXPECT_FALSE(ParseGoDuration("9999999999h").ok());
}

TEST(GoDurationTest, FormatsLikeGo) {
  // The kubelet's back-off messages print delays this way.
  EXPECT_EQ(FormatGoDuration(seconds(10)), "10s");
  EXPECT_EQ(FormatGoDuration(seconds(80)), "1m20s");
  EXPECT_EQ(FormatGoDuration(seconds(160)), "2m40s");
  EXPECT_EQ(FormatGoDuration(minutes(5)), "5m0s");
  EXPECT_EQ(FormatGoDuration(hours(2)), "2h0m0s");
  EXPECT_EQ(FormatGoDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatGoDuration(milliseconds(685)), "685ms");
  EXPECT_EQ(FormatGoDuration(Duration(0)), "0s");
  EXPECT_EQ(FormatGoDuration(Duration(42)), "42ns");
  EXPECT_EQ(FormatGoDuration(-seconds(3)), "-3s");
}

TEST(HumanDurationTest, MatchesKubectlAges) {
  EXPECT_EQ(HumanDuration(-seconds(5)), "<invalid>");
  EXPECT_EQ(HumanDuration(-milliseconds(500)), "0s");
  EXPECT_EQ(HumanDuration(seconds(5)), "5s");
  EXPECT_EQ(HumanDuration(seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(seconds(150)), "2m30s");
  EXPECT_EQ(HumanDuration(minutes(3)), "3m");
  EXPECT_EQ(HumanDuration(minutes(45)), "45m");
  EXPECT_EQ(HumanDuration(hours(5) + minutes(3)), "5h3m");
  EXPECT_EQ(HumanDuration(hours(20)), "20h");
  EXPECT_EQ(HumanDuration(hours(76)), "3d4h");
  EXPECT_EQ(HumanDuration(hours(24 * 30)), "30d");
  EXPECT_EQ(HumanDuration(hours(24 * 365 * 3 + 24 * 5)), "3y5d");
  EXPECT_EQ(HumanDuration(hours(24 * 365 * 9)), "9y");
}

}  // namespace
}  // namespace cubelet::base
