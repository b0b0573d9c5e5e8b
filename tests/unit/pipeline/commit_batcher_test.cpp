// The commit batcher's bookkeeping: when a batch is full or due, which offsets a successful flush
// stores, and that a partition let go takes its messages out of the batch.
#include "kavro/pipeline/commit_batcher.hpp"

#include <gtest/gtest.h>

namespace {

using kavro::pipeline::batch_span;
using kavro::pipeline::coarse_clock;
using kavro::pipeline::commit_batcher;
using namespace std::chrono_literals;

const coarse_clock::time_point t0{std::chrono::seconds(100)};

TEST(CommitBatcher, FullAtMaxMessagesAcrossPartitions) {
  commit_batcher b(3, 100ms);
  batch_span p0, p1;
  EXPECT_FALSE(b.add(p0, 10, t0));
  EXPECT_FALSE(b.add(p1, 50, t0));
  EXPECT_TRUE(b.add(p0, 11, t0));
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(p0.first, 10);
  EXPECT_EQ(p0.last, 11);
  EXPECT_EQ(p0.n, 2u);
}

TEST(CommitBatcher, DueMaxDelayAfterItsFirstMessage) {
  commit_batcher b(1000, 100ms);
  EXPECT_FALSE(b.due(t0 + 1h)) << "an empty batch is never due";
  batch_span p;
  b.add(p, 1, t0);
  b.add(p, 2, t0 + 90ms);  // a later message does not restart the clock
  EXPECT_FALSE(b.due(t0 + 99ms));
  EXPECT_TRUE(b.due(t0 + 100ms));
}

TEST(CommitBatcher, AFlushStoresOnePastTheLastOffsetOfEachPartitionThatHadMessages) {
  commit_batcher b(1000, 100ms);
  batch_span p0, p1, idle;
  b.add(p0, 10, t0);
  b.add(p0, 12, t0);
  b.add(p1, 7, t0);
  EXPECT_EQ(b.committed(p0), 13);
  EXPECT_EQ(b.committed(p1), 8);
  EXPECT_EQ(b.committed(idle), -1) << "nothing to store for a partition without batched messages";
  EXPECT_TRUE(p0.empty());
  EXPECT_EQ(b.flushed(), 3u);
  EXPECT_TRUE(b.empty());
  b.add(p0, 13, t0 + 1s);
  EXPECT_EQ(p0.first, 13) << "a new batch starts its span afresh";
}

TEST(CommitBatcher, APartitionLetGoLeavesTheBatchUnstored) {
  commit_batcher b(1000, 100ms);
  batch_span kept, revoked;
  b.add(kept, 1, t0);
  b.add(revoked, 5, t0);
  b.add(revoked, 6, t0);
  b.drop(revoked);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_TRUE(revoked.empty());
  EXPECT_EQ(b.committed(revoked), -1);
  EXPECT_EQ(b.committed(kept), 2);
}

TEST(CommitBatcher, FailedFlushesBackOffStepByStepUpToTen) {
  commit_batcher b(1000, 100ms);
  batch_span p;
  b.add(p, 1, t0);
  const std::int64_t seek_to = p.first;
  b.drop(p);  // the consumer replaces the partition's state and seeks back
  b.failed();
  EXPECT_EQ(seek_to, 1);
  EXPECT_TRUE(b.empty());
  for (int i = 1; i <= 12; ++i) EXPECT_EQ(b.next_backoff_step(), std::min(i, 10));
  b.add(p, 1, t0);
  b.committed(p);
  b.flushed();
  EXPECT_EQ(b.next_backoff_step(), 1) << "a successful flush resets the backoff";
}

}  // namespace
