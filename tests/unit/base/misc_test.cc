#include <atomic>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/log.h"
#include "base/testing/fake_clock.h"

namespace cubelet::base {
namespace {

TEST(Base64Test, RoundTripsAllLengths) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("user:pass"), "dXNlcjpwYXNz");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n < all.size(); n += 7) {
    auto back = Base64Decode(Base64Encode(all.substr(0, n)));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, all.substr(0, n));
  }
}

TEST(Base64Test, RejectsMalformed) {
  EXPECT_FALSE(Base64Decode("Zg=").ok());
  EXPECT_FALSE(Base64Decode("Z===").ok());
  EXPECT_FALSE(Base64Decode("Zm9v!A==").ok());
  EXPECT_FALSE(Base64Decode("Zg==Zg==").ok());
  EXPECT_EQ(Base64Decode("Zm 9").status().message(), "illegal base64 data at input byte 2");
}

TEST(LogTest, FormatsStructuredLine) {
  FakeClock clock;
  MemoryLogSink sink;
  Logger log(sink, clock, LogLevel::kInfo);
  log.Debug("hidden");
  log.Info("pulled image", {{"image", "busybox:latest"}, {"ms", 812}, {"cached", false}});
  log.Warning("odd value", {{"v", "a b\"c"}});
  EXPECT_THAT(
      sink.Lines(),
      testing::ElementsAre(
          "2024-01-01T00:00:00.000Z I pulled image image=busybox:latest ms=812 cached=false",
          "2024-01-01T00:00:00.000Z W odd value v=\"a b\\\"c\""));
}

TEST(LogTest, ParsesLevels) {
  LogLevel l;
  EXPECT_TRUE(ParseLogLevel("warn", &l));
  EXPECT_EQ(l, LogLevel::kWarning);
  EXPECT_FALSE(ParseLogLevel("loud", &l));
}

TEST(FakeClockTest, AdvanceMovesBothClocks) {
  FakeClock clock;
  const TimePoint start = clock.Now();
  clock.Advance(std::chrono::seconds(10));
  EXPECT_EQ(clock.Now() - start, std::chrono::seconds(10));
  EXPECT_EQ(clock.Monotonic(), clock.Now().time_since_epoch());
  clock.SleepFor(std::chrono::seconds(5));  // single-threaded: moves the clock itself
  EXPECT_EQ(clock.Now() - start, std::chrono::seconds(15));
}

TEST(FakeClockTest, BlockedSleeperWakesWhenAdvanced) {
  FakeClock clock;
  clock.BlockSleepers();
  std::atomic<bool> woke{false};
  std::thread t([&] {
    clock.SleepFor(std::chrono::seconds(30));
    woke = true;
  });
  clock.WaitForSleepers(1);
  EXPECT_FALSE(woke);
  clock.Advance(std::chrono::seconds(30));
  t.join();
  EXPECT_TRUE(woke);
}

TEST(RealClockTest, MonotonicDoesNotGoBack) {
  auto clock = NewRealClock();
  const Duration a = clock->Monotonic();
  const Duration b = clock->Monotonic();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace cubelet::base
