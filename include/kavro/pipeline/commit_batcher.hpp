// The commit batcher's bookkeeping: which handled messages wait for the flush that makes their effects
// durable, per partition and overall, and when the batch is due. No I/O: the consumer flushes, stores
// the offsets this returns, or seeks back to the first offsets this returns when the flush failed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "kavro/pipeline/clock.hpp"

namespace kavro::pipeline {

// One partition's part of the batch: the handled messages since the last flush, first and last offset.
struct batch_span {
  std::int64_t first = -1, last = -1;
  std::size_t n = 0;
  bool empty() const noexcept { return n == 0; }
};

// Invariant: size() is the sum of n over every span of a partition in the table (spans of partitions
// let go are dropped with drop()). A message's offset is stored only through committed(): never before
// the flush covering it succeeded.
class commit_batcher {
 public:
  using time_point = coarse_clock::time_point;

  commit_batcher(std::size_t max_messages, std::chrono::milliseconds max_delay)
      : max_messages_(max_messages), max_delay_(max_delay) {}

  // A message at `offset` of the partition with this span was handled; true when the batch is now full.
  bool add(batch_span& span, std::int64_t offset, time_point now) {
    if (span.n++ == 0) span.first = offset;
    span.last = offset;
    if (count_++ == 0) started_ = now;
    return count_ >= max_messages_;
  }

  // The batch has waited max_delay since its first message.
  bool due(time_point now) const { return count_ > 0 && now - started_ >= max_delay_; }

  // A partition is let go: its handled messages leave the batch unstored (handled again by the next owner).
  void drop(batch_span& span) {
    count_ -= span.n;
    span = batch_span{};
  }

  // After a successful flush, for each span: the offset to store (last + 1), or -1 when it had nothing.
  std::int64_t committed(batch_span& span) {
    if (span.empty()) return -1;
    const std::int64_t next = span.last + 1;
    span = batch_span{};
    return next;
  }
  // The flush succeeded and every span was committed: returns how many messages it made durable.
  std::size_t flushed() {
    const std::size_t n = count_;
    count_ = 0;
    failures_in_a_row_ = 0;
    return n;
  }

  // The flush failed; the consumer seeks each partition with a non-empty span back to span.first and
  // replaces its state (dropping the span).
  void failed() { count_ = 0; }
  // The retry number for the backoff after a failed flush: consecutive failures, capped at 10.
  int next_backoff_step() {
    failures_in_a_row_ = std::min(failures_in_a_row_ + 1, 10);
    return failures_in_a_row_;
  }

  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }

 private:
  std::size_t max_messages_;
  std::chrono::milliseconds max_delay_;
  std::size_t count_ = 0;
  time_point started_{};
  int failures_in_a_row_ = 0;
};

}  // namespace kavro::pipeline
