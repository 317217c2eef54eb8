// Clock: the one way cubelet code reads the time or waits. Loops that sleep, back-off that
// expires, and timestamps written into objects all go through an injected Clock, so unit tests
// drive time with FakeClock (base/testing/fake_clock.h) instead of sleeping.
//
// Thread-safety: every method of every implementation may be called from any thread.
#pragma once

#include <chrono>
#include <memory>

namespace cubelet::base {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, as written into API objects.
  virtual TimePoint Now() const = 0;
  // Monotonic time for measuring intervals; never goes backwards.
  virtual Duration Monotonic() const = 0;
  // Blocks the calling thread for `d` (FakeClock: until the test advances past it).
  virtual void SleepFor(Duration d) = 0;
};

// The system clock; SleepFor really sleeps.
std::unique_ptr<Clock> NewRealClock();

}  // namespace cubelet::base
