// The poll keeper: polls the consumer on its own thread while a slow handler call runs on the consumer's
// thread, so even a handler slower than max.poll.interval.ms does not cost the group membership.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "kavro/pipeline/clock.hpp"

namespace kavro::pipeline {

// Why a keeper and not a hand-off: handing each message to another thread costs two context switches
// (measured 6-7x the CPU per message of an inline call). The handler runs inline; only a call that has
// run longer than `after` gets a keeper polling beside it.
//
// The hand-off protocol, between the owner (the consumer's thread, which calls call_started/finished
// around each handler call) and the keeper's thread (which calls `poll`):
//  1. Epoch: call_started() publishes the call's start time (the coarse clock, never 0) as its epoch;
//     call_finished() resets it to 0. The keeper polls only for an epoch at least `after` old, and only
//     while that same epoch is published. A later call cannot republish an old epoch: its start is read
//     after the keeper's age check saw the old one `after` old, and the clock is monotonic.
//  2. Lock hand-off: the keeper holds `lock_` for as long as it polls. call_finished() takes `lock_`
//     after resetting the epoch, so when it returns the keeper is not inside `poll` and will not enter
//     it before the next call has run `after`: the owner has the consumer state to itself again.
//  3. Hence `poll` runs only between a call_started() and the return of its call_finished(): state
//     that `poll` touches (the partition table, the batch) is touched by one thread at a time, and a
//     rebalance that `poll` serves may see that a handler call is running (the owner's in_handler flag)
//     and must then not flush a batch the running call may be adding to.
//  4. Lifetime: state the running handler call refers to (its partition's entry) must outlive the call
//     even when a rebalance served by `poll` revokes it; the partition table retires such entries
//     instead of freeing them (partition_table.hpp).
// Debug builds assert 1-3: calls do not nest, call_finished() follows call_started() on the owner's
// thread, and no poll is running when call_finished() returns.
class poll_keeper {
 public:
  poll_keeper(std::chrono::milliseconds after, std::function<void()> poll);
  ~poll_keeper();
  poll_keeper(const poll_keeper&) = delete;
  poll_keeper& operator=(const poll_keeper&) = delete;

  // On the owner's thread, before a handler call: from `after` on, the keeper may poll.
  void call_started() noexcept;
  // On the owner's thread, after the call: returns once the keeper is not polling.
  void call_finished();

  // Polls made by the keeper so far (for tests and diagnostics).
  std::uint64_t polls() const noexcept { return polls_.load(std::memory_order_relaxed); }

 private:
  void loop();

  std::chrono::milliseconds after_;
  std::function<void()> poll_;
  std::atomic<coarse_clock::rep> started_ns_{0};  // the epoch of the running call; 0: none runs
  std::atomic<bool> quit_{false};
  std::atomic<bool> polling_{false};  // debug checks: the keeper is inside poll_
  std::atomic<std::uint64_t> polls_{0};
  std::thread::id owner_{};  // debug checks: the thread of the running call
  std::mutex lock_, idle_m_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace kavro::pipeline
