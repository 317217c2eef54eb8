#include "node/backoff.h"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

namespace cubelet::node {
namespace {

using namespace std::chrono_literals;

base::TimePoint T(int64_t s) { return base::TimePoint(std::chrono::seconds(1704067200 + s)); }

BackOff CrashLoop() { return BackOff(10s, 300s, 600s); }

TEST(BackOffTest, UnknownKeyIsNeverInBackOff) {
  BackOff b = CrashLoop();
  EXPECT_FALSE(b.InBackOffSince("k", T(0), T(1)));
  EXPECT_FALSE(b.InBackOffSinceUpdate("k", T(1)));
  EXPECT_EQ(b.Delay("k"), base::Duration::zero());
}

// The kubelet's schedule: each failure doubles the delay from 10 s up to 300 s.
TEST(BackOffTest, DelaysDoubleUpToTheMaximum) {
  BackOff b = CrashLoop();
  std::vector<int64_t> seen;
  int64_t t = 0;
  for (int i = 0; i < 9; ++i) {
    b.Next("k", T(t), T(t));
    seen.push_back(std::chrono::duration_cast<std::chrono::seconds>(b.Delay("k")).count());
    t += 1;
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{10, 20, 40, 80, 160, 300, 300, 300, 300}));
}

TEST(BackOffTest, InBackOffUntilTheDelayHasPassedSinceTheEvent) {
  BackOff b = CrashLoop();
  b.Next("k", T(0), T(0));  // delay 10 s
  EXPECT_TRUE(b.InBackOffSince("k", T(5), T(5)));
  EXPECT_TRUE(b.InBackOffSince("k", T(5), T(14)));
  EXPECT_FALSE(b.InBackOffSince("k", T(5), T(15)));
  EXPECT_EQ(b.EndsAt("k", T(5)), T(15));
}

// An instance that finished more than 10 minutes after the last back-off update ran long
// enough: the next delay starts over at 10 s.
TEST(BackOffTest, ResetsAfterRunningLongEnough) {
  BackOff b = CrashLoop();
  for (int i = 0; i < 5; ++i) b.Next("k", T(i), T(i));
  EXPECT_EQ(b.Delay("k"), 160s);
  EXPECT_FALSE(b.InBackOffSince("k", T(4 + 601), T(4 + 602)));
  b.Next("k", T(4 + 601), T(4 + 602));
  EXPECT_EQ(b.Delay("k"), 10s);
}

TEST(BackOffTest, NotResetBeforeTenMinutes) {
  BackOff b = CrashLoop();
  b.Next("k", T(0), T(0));
  b.Next("k", T(600), T(600));  // exactly 600 s: not expired
  EXPECT_EQ(b.Delay("k"), 20s);
}

TEST(BackOffTest, SinceUpdateIsMeasuredFromTheLastFailure) {
  BackOff b(10s, 300s, 600s);
  b.Next("img", T(0), T(0));
  EXPECT_TRUE(b.InBackOffSinceUpdate("img", T(9)));
  EXPECT_FALSE(b.InBackOffSinceUpdate("img", T(10)));
  b.Next("img", T(10), T(10));
  EXPECT_TRUE(b.InBackOffSinceUpdate("img", T(29)));
  EXPECT_FALSE(b.InBackOffSinceUpdate("img", T(30)));
}

TEST(BackOffTest, KeysAreIndependentAndGcDropsIdleOnes) {
  BackOff b = CrashLoop();
  b.Next("a", T(0), T(0));
  b.Next("b", T(500), T(500));
  b.Gc(T(601));
  EXPECT_EQ(b.entries().count("a"), 0u);
  EXPECT_EQ(b.entries().count("b"), 1u);
  b.Reset("b");
  EXPECT_TRUE(b.entries().empty());
}

}  // namespace
}  // namespace cubelet::node
