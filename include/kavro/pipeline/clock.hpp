// The pipeline's clock: CLOCK_MONOTONIC_COARSE, the kernel's last tick (1-4 ms resolution), read without
// touching the hardware timer. Everything the consumer times (retry due times, idle and batch timeouts,
// the poll keeper's 250 ms) is milliseconds or more, and a full clock read per message was 11% of the
// consumer's CPU time on a virtual machine.
#pragma once

#include <time.h>

#include <chrono>

namespace kavro::pipeline {

struct coarse_clock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<coarse_clock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
};

}  // namespace kavro::pipeline
