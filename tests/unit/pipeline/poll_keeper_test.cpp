// The poll keeper's hand-off (poll_keeper.hpp): it polls only while a call runs and has run `after`,
// and never once call_finished() has returned. No Kafka: the poll is a function the test counts.
#include "kavro/pipeline/poll_keeper.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace {

using kavro::pipeline::poll_keeper;
using namespace std::chrono_literals;

TEST(PollKeeper, DoesNotPollForACallShorterThanItsThreshold) {
  std::atomic<int> polls{0};
  {
    poll_keeper keeper(std::chrono::hours(1), [&] { ++polls; });
    for (int i = 0; i < 1000; ++i) {
      keeper.call_started();
      keeper.call_finished();
    }
  }
  EXPECT_EQ(polls.load(), 0);
}

TEST(PollKeeper, PollsWhileASlowCallRunsAndStopsBeforeCallFinishedReturns) {
  std::mutex m;
  std::condition_variable cv;
  int polls = 0;              // guarded by m
  bool call_running = false;  // guarded by m: set by the owner around the call
  int polls_outside_a_call = 0;
  poll_keeper keeper(10ms, [&] {
    std::lock_guard<std::mutex> l(m);
    if (!call_running) ++polls_outside_a_call;
    ++polls;
    cv.notify_all();
  });
  {
    std::lock_guard<std::mutex> l(m);
    call_running = true;
  }
  keeper.call_started();
  {
    // The "slow handler": returns only once the keeper has polled for it a few times.
    std::unique_lock<std::mutex> l(m);
    cv.wait(l, [&] { return polls >= 3; });
  }
  keeper.call_finished();
  int at_finish = 0;
  {
    std::lock_guard<std::mutex> l(m);
    call_running = false;
    at_finish = polls;
  }
  // No call runs from here on: any further poll would break the hand-off.
  for (int i = 0; i < 100; ++i) std::this_thread::yield();
  std::lock_guard<std::mutex> l(m);
  EXPECT_EQ(polls, at_finish);
  EXPECT_EQ(polls_outside_a_call, 0);
  EXPECT_GE(keeper.polls(), 3u);
}

// The owner's state (here a plain int) is touched by the keeper's poll during a call and by the owner
// between calls, never at once: run under ThreadSanitizer (scripts/tsan.sh), a broken hand-off is a
// reported race; in any build, a poll outside a call is counted.
TEST(PollKeeper, ManyCallsAroundTheThresholdNeverOverlapTheOwner) {
  int shared_state = 0;              // no lock: the hand-off is the only protection
  std::atomic<bool> in_call{false};  // set by the owner around each call
  std::atomic<int> outside{0};
  poll_keeper keeper(1ms, [&] {
    if (!in_call.load()) ++outside;
    ++shared_state;
  });
  for (int i = 0; i < 200; ++i) {
    in_call.store(true);
    keeper.call_started();
    // Some calls are long enough for the keeper to step in, most are not.
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(i % 10 == 0 ? 5000 : 50);
    while (std::chrono::steady_clock::now() < until) std::this_thread::yield();
    keeper.call_finished();
    in_call.store(false);
    ++shared_state;  // the owner's own use between calls
  }
  EXPECT_EQ(outside.load(), 0);
  EXPECT_GE(shared_state, 200);
}

}  // namespace
