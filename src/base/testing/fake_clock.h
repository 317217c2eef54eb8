// FakeClock: a Clock whose time moves only when a test calls Advance() or Set().
//
// SleepFor() blocks until another thread advances the clock past the wake-up time, so code
// under test that sleeps can be driven step by step; a single-threaded test that calls
// SleepFor() itself returns at once after moving the clock (there is nobody else to move it).
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/clock.h"

namespace cubelet::base {

class FakeClock final : public Clock {
 public:
  // Starts at 2024-01-01T00:00:00Z unless told otherwise, so timestamps in tests are readable.
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::seconds(1704067200))) : now_(start) {}

  TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  Duration Monotonic() const override {
    std::lock_guard lock(mu_);
    return now_.time_since_epoch();
  }
  void SleepFor(Duration d) override {
    std::unique_lock lock(mu_);
    const TimePoint wake = now_ + d;
    if (sleepers_allowed_) {
      ++sleepers_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return now_ >= wake; });
      --sleepers_;
    } else {
      now_ = wake;
    }
  }

  void Advance(Duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
    cv_.notify_all();
  }
  void Set(TimePoint t) {
    std::lock_guard lock(mu_);
    now_ = t;
    cv_.notify_all();
  }
  // After this, SleepFor() blocks until Advance()/Set() from another thread.
  void BlockSleepers() {
    std::lock_guard lock(mu_);
    sleepers_allowed_ = true;
  }
  // Waits until `n` threads are blocked in SleepFor().
  void WaitForSleepers(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return sleepers_ >= n; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  TimePoint now_;
  bool sleepers_allowed_ = false;
  int sleepers_ = 0;
};

}  // namespace cubelet::base
