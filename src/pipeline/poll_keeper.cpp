// The poll keeper's thread and its hand-off with the consumer's thread (protocol in poll_keeper.hpp).
#include "kavro/pipeline/poll_keeper.hpp"

#include <algorithm>
#include <cassert>

namespace kavro::pipeline {

poll_keeper::poll_keeper(std::chrono::milliseconds after, std::function<void()> poll)
    : after_(after), poll_(std::move(poll)), thread_([this] { loop(); }) {}

poll_keeper::~poll_keeper() {
  quit_.store(true);
  cv_.notify_all();  // a notification missed between the keeper's check and its wait costs one tick
  thread_.join();
}

void poll_keeper::call_started() noexcept {
  assert(started_ns_.load() == 0 && "poll_keeper: handler calls do not nest");
#ifndef NDEBUG
  owner_ = std::this_thread::get_id();
#endif
  started_ns_.store(coarse_clock::now().time_since_epoch().count(), std::memory_order_release);
}

void poll_keeper::call_finished() {
  assert(started_ns_.load() != 0 && "poll_keeper: call_finished without call_started");
  assert(owner_ == std::this_thread::get_id() && "poll_keeper: a call ends on the thread that started it");
  started_ns_.store(0, std::memory_order_release);
  std::lock_guard<std::mutex> l(lock_);  // waits for a poll in progress
  assert(!polling_.load() && "poll_keeper: still polling after the hand-off");
}

void poll_keeper::loop() {
  const auto tick = std::min<std::chrono::milliseconds>(after_ / 2, std::chrono::milliseconds(100));
  const auto after_ns = std::chrono::duration_cast<coarse_clock::duration>(after_).count();
  std::unique_lock<std::mutex> idle(idle_m_);
  while (!quit_.load()) {
    cv_.wait_for(idle, tick);
    const auto started = started_ns_.load(std::memory_order_acquire);
    if (started == 0 || coarse_clock::now().time_since_epoch().count() - started < after_ns) continue;
    std::lock_guard<std::mutex> l(lock_);
    while (started_ns_.load(std::memory_order_acquire) == started && !quit_.load()) {
      polling_.store(true);
      poll_();
      polling_.store(false);
      polls_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace kavro::pipeline
