// retry_policy::delay: exponential growth, the cap, and jitter bounds, with the random draw given.
#include <gtest/gtest.h>

#include "kavro/pipeline/consumer.hpp"

namespace {

using kavro::pipeline::retry_policy;
using std::chrono::milliseconds;

TEST(RetryPolicy, WithoutJitterTheDelayDoublesFromTheInitialBackoff) {
  retry_policy p;
  p.jitter = 0.0;
  EXPECT_EQ(p.delay(1, 0.5), milliseconds(100));
  EXPECT_EQ(p.delay(2, 0.5), milliseconds(200));
  EXPECT_EQ(p.delay(3, 0.5), milliseconds(400));
  EXPECT_EQ(p.delay(6, 0.5), milliseconds(3200));
}

TEST(RetryPolicy, TheDelayIsCappedAtMaxBackoff) {
  retry_policy p;
  p.jitter = 0.0;
  EXPECT_EQ(p.delay(7, 0.5), milliseconds(5000));  // 6400 nominal
  EXPECT_EQ(p.delay(60, 0.5), milliseconds(5000)) << "no overflow for a large retry number";
}

TEST(RetryPolicy, RetryNumbersBelowOneCountAsTheFirst) {
  retry_policy p;
  p.jitter = 0.0;
  EXPECT_EQ(p.delay(0, 0.5), milliseconds(100));
  EXPECT_EQ(p.delay(-3, 0.5), milliseconds(100));
}

TEST(RetryPolicy, JitterSpansPlusMinusItsShareAndClampsTheDraw) {
  retry_policy p;  // jitter 0.2
  EXPECT_EQ(p.delay(2, 0.0), milliseconds(160));
  EXPECT_EQ(p.delay(2, 0.5), milliseconds(200));
  EXPECT_EQ(p.delay(2, 1.0), milliseconds(240));
  EXPECT_EQ(p.delay(2, -5.0), milliseconds(160)) << "a draw below 0 counts as 0";
  EXPECT_EQ(p.delay(2, 7.0), milliseconds(240)) << "a draw above 1 counts as 1";
  EXPECT_EQ(p.delay(7, 1.0), milliseconds(6000)) << "jitter applies around the capped delay";
}

TEST(RetryPolicy, OtherMultipliers) {
  retry_policy p;
  p.jitter = 0.0;
  p.multiplier = 1.0;
  EXPECT_EQ(p.delay(5, 0.5), milliseconds(100)) << "constant backoff";
  p.multiplier = 3.0;
  p.initial_backoff = milliseconds(10);
  EXPECT_EQ(p.delay(3, 0.5), milliseconds(90));
}

}  // namespace
