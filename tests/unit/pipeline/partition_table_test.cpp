// The partition table: lookups by (topic, partition), the last-hit cache, and the lifetime invariant —
// a retired state stays valid (and says it is no longer live) until release_retired().
#include "kavro/pipeline/partition_table.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using kavro::pipeline::partition_table;

struct state {
  std::string topic;
  std::int32_t partition = -1;
  bool live = true;
  int work = 0;
};

TEST(PartitionTable, FindsByTopicAndPartition) {
  partition_table<state> t;
  t.assign("orders", 0).work = 1;
  t.assign("orders", 1).work = 2;
  t.assign("orders.retry-1", 0).work = 3;
  ASSERT_NE(t.find("orders", 1), nullptr);
  EXPECT_EQ(t.find("orders", 1)->work, 2);
  EXPECT_EQ(t.find("orders.retry-1", 0)->work, 3);
  EXPECT_EQ(t.find("orders", 2), nullptr);
  EXPECT_EQ(t.find("order", 0), nullptr);
  EXPECT_EQ(t.size(), 3u);
}

TEST(PartitionTable, ARetiredStateStaysValidUntilReleased) {
  partition_table<state> t;
  state& s = t.assign("orders", 0);
  s.work = 7;
  EXPECT_TRUE(t.retire("orders", 0));
  // A handler call that held `s` across a revocation still reads valid memory, and learns it is gone.
  EXPECT_FALSE(s.live);
  EXPECT_EQ(s.work, 7);
  EXPECT_EQ(t.find("orders", 0), nullptr);
  EXPECT_EQ(t.retired_count(), 1u);
  t.release_retired();
  EXPECT_EQ(t.retired_count(), 0u);
  EXPECT_FALSE(t.retire("orders", 0)) << "already gone";
}

TEST(PartitionTable, ReassigningAPartitionRetiresItsOldState) {
  partition_table<state> t;
  state& old_state = t.assign("orders", 0);
  old_state.work = 1;
  state& fresh = t.assign("orders", 0);
  EXPECT_NE(&old_state, &fresh);
  EXPECT_FALSE(old_state.live);
  EXPECT_TRUE(fresh.live);
  EXPECT_EQ(fresh.work, 0);
  EXPECT_EQ(t.find("orders", 0), &fresh);
  EXPECT_EQ(t.size(), 1u);
}

TEST(PartitionTable, TheCacheAsksTheNameOnlyOnAMissAndForgetsRetiredStates) {
  partition_table<state> t;
  t.assign("orders", 0);
  int handle = 0;  // stands for librdkafka's topic handle
  int asked = 0;
  auto name = [&] {
    ++asked;
    return std::string_view("orders");
  };
  state* a = t.find_cached(&handle, 0, name);
  state* b = t.find_cached(&handle, 0, name);
  EXPECT_EQ(a, b);
  EXPECT_EQ(asked, 1);
  t.retire("orders", 0);
  EXPECT_EQ(t.find_cached(&handle, 0, name), nullptr) << "a retired state is never served from the cache";
  EXPECT_EQ(asked, 2);
}

TEST(PartitionTable, RetireWhileIteratingAndClear) {
  partition_table<state> t;
  for (int p = 0; p < 4; ++p) t.assign("orders", p);
  for (auto it = t.begin(); it != t.end();) it = t.retire(it);
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.retired_count(), 4u);
  t.assign("orders", 9);
  t.clear();
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.retired_count(), 0u);
}

TEST(PartitionTable, PinsMarkWhereNothingMayBeReleased) {
  partition_table<state> t;
  t.assign("orders", 0);
  {
    auto pinned = t.pin();
    t.retire("orders", 0);  // a rebalance during a handler call: allowed, the state is parked
  }
  t.release_retired();  // the pin is gone: allowed
  EXPECT_EQ(t.retired_count(), 0u);
}

}  // namespace
