// The dead-letter codec: what the consumer writes, `kavro dlq` and the demo read back, in kavro's and
// Spring's header styles, and the retry-topic hops.
#include "kavro/pipeline/dead_letter.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace kavro;
using namespace kavro::pipeline;

dead_letter sample() {
  dead_letter d;
  d.from = origin{"orders", 2, 4242, 1700000000123, false};
  d.group = "billing";
  d.attempts = 6;
  d.why = error_class::handler_exhausted;
  d.message = "database locked";
  return d;
}

std::string value_of(const std::vector<kafka::header>& h, const char* name) {
  return last_header(h, name).value_or("<absent>");
}

TEST(DeadLetterCodec, ErrorClassNamesRoundTrip) {
  for (auto c : {error_class::decode, error_class::unknown_schema, error_class::handler_permanent,
                 error_class::handler_exhausted}) {
    EXPECT_EQ(parse_error_class(to_string(c)), c) << to_string(c);
    EXPECT_EQ(parse_error_class(std::string("kavro.") + to_string(c)), c) << "Spring's fqcn form";
  }
  EXPECT_STREQ(to_string(error_class::unknown_schema), "unknown_schema");
  EXPECT_FALSE(parse_error_class("org.example.SomeException"));
  EXPECT_FALSE(parse_error_class(""));
}

TEST(DeadLetterCodec, KavroHeadersAreTextAndFollowTheOriginalOnes) {
  const std::vector<kafka::header> original{{"trace", "abc"}, {"kavro.retry.attempts", "3"}};
  const auto h = encode(sample(), dead_letter_headers::kavro, original);
  ASSERT_GE(h.size(), 9u);
  EXPECT_EQ(h[0].name, "trace") << "original headers come first, in order";
  EXPECT_EQ(value_of(h, "kavro.retry.attempts"), "<absent>") << "retry-topic headers are not carried";
  EXPECT_EQ(value_of(h, dlq::original_topic), "orders");
  EXPECT_EQ(value_of(h, dlq::original_partition), "2");
  EXPECT_EQ(value_of(h, dlq::original_offset), "4242");
  EXPECT_EQ(value_of(h, dlq::original_timestamp), "1700000000123");
  EXPECT_EQ(value_of(h, dlq::consumer_group), "billing");
  EXPECT_EQ(value_of(h, dlq::attempts), "6");
  EXPECT_EQ(value_of(h, dlq::error_class), "handler_exhausted");
  EXPECT_EQ(value_of(h, dlq::error_message), "database locked");
  EXPECT_EQ(value_of(h, dlq::spring::original_topic), "<absent>");
}

TEST(DeadLetterCodec, SpringHeadersAreBigEndianAsSpringWritesThem) {
  const auto h = encode(sample(), dead_letter_headers::spring);
  EXPECT_EQ(value_of(h, dlq::original_topic), "<absent>");
  EXPECT_EQ(value_of(h, dlq::spring::original_partition), std::string("\0\0\0\x02", 4));
  EXPECT_EQ(value_of(h, dlq::spring::original_offset), std::string("\0\0\0\0\0\0\x10\x92", 8));
  EXPECT_EQ(value_of(h, dlq::spring::original_timestamp).size(), 8u);
  EXPECT_EQ(value_of(h, dlq::spring::original_timestamp_type), "CreateTime");
  EXPECT_EQ(value_of(h, dlq::spring::original_consumer_group), "billing");
  EXPECT_EQ(value_of(h, dlq::spring::exception_fqcn), "kavro.handler_exhausted");
  EXPECT_EQ(value_of(h, dlq::spring::exception_message), "database locked");
}

TEST(DeadLetterCodec, EachStyleDecodesToTheSameFacts) {
  for (auto style : {dead_letter_headers::kavro, dead_letter_headers::spring, dead_letter_headers::both}) {
    const auto d = decode_dead_letter(encode(sample(), style, {{"trace", "abc"}}));
    ASSERT_TRUE(d.from) << static_cast<int>(style);
    EXPECT_EQ(d.from->topic, "orders");
    EXPECT_EQ(d.from->partition, 2);
    EXPECT_EQ(d.from->offset, 4242);
    EXPECT_EQ(d.from->timestamp, 1700000000123);
    EXPECT_EQ(d.group, "billing");
    EXPECT_EQ(d.why, error_class::handler_exhausted);
    EXPECT_EQ(d.error_class_text, "handler_exhausted");
    EXPECT_EQ(d.message, "database locked");
    if (style == dead_letter_headers::spring) {
      EXPECT_FALSE(d.attempts) << "Spring's headers do not carry the attempts";
    } else {
      EXPECT_EQ(d.attempts, 6);
    }
  }
}

TEST(DeadLetterCodec, NegativeAndLargeNumbersSurviveSpringsEncoding) {
  dead_letter d = sample();
  d.from.timestamp = -1;
  d.from.partition = 2147483647;
  d.from.offset = 9007199254740993;
  d.from.log_append_time = true;
  const auto back = decode_dead_letter(encode(d, dead_letter_headers::spring));
  ASSERT_TRUE(back.from);
  EXPECT_EQ(back.from->timestamp, -1);
  EXPECT_EQ(back.from->partition, 2147483647);
  EXPECT_EQ(back.from->offset, 9007199254740993);
  EXPECT_TRUE(back.from->log_append_time);
}

TEST(DeadLetterCodec, ForeignOrMissingHeadersDecodeToNothingOrKeepTheText) {
  EXPECT_FALSE(decode_dead_letter({{"trace", "abc"}}).from);
  const auto foreign = decode_dead_letter({{dlq::spring::original_topic, "payments"},
                                           {dlq::spring::original_partition, "xx"},  // not 4 bytes: unknown
                                           {dlq::spring::exception_fqcn, "java.lang.IllegalStateException"}});
  ASSERT_TRUE(foreign.from);
  EXPECT_EQ(foreign.from->topic, "payments");
  EXPECT_EQ(foreign.from->partition, -1);
  EXPECT_FALSE(foreign.why);
  EXPECT_EQ(foreign.error_class_text, "java.lang.IllegalStateException");
  const auto garbled = decode_dead_letter({{dlq::original_topic, "orders"}, {dlq::original_offset, "12x"}});
  EXPECT_EQ(garbled.from->offset, -1) << "a number with trailing garbage is not a number";
}

TEST(DeadLetterCodec, StripRemovesOnlyDeadLetterHeaders) {
  auto h = encode(sample(), dead_letter_headers::both, {{"trace", "abc"}, {"kafka_dlt_like", "kept"}});
  const auto stripped = strip_dead_letter_headers(h);
  ASSERT_EQ(stripped.size(), 2u);
  EXPECT_EQ(stripped[0].name, "trace");
  EXPECT_EQ(stripped[1].name, "kafka_dlt_like");
}

TEST(RetryHops, FirstHopNamesTheMessageItselfAndLaterHopsKeepTheFirstOrigin) {
  const origin self{"orders", 1, 10, 555, false};
  EXPECT_FALSE(decode_retry({{"trace", "abc"}}, self)) << "never through a retry topic";

  retry_hop first;
  first.first = self;
  first.attempts = 1;
  first.due_ms = 1000;
  first.last_error = "timeout";
  const auto h1 = encode(first, {{"trace", "abc"}});
  EXPECT_EQ(h1[0].name, "trace");

  const origin on_retry_topic{"orders.retry-1", 0, 77, 999, false};
  const auto hop = decode_retry(h1, on_retry_topic);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->first.topic, "orders");
  EXPECT_EQ(hop->first.partition, 1);
  EXPECT_EQ(hop->first.offset, 10);
  EXPECT_EQ(hop->first.timestamp, 555);
  EXPECT_EQ(hop->attempts, 1);
  EXPECT_EQ(hop->due_ms, 1000);
  EXPECT_EQ(hop->last_error, "timeout");

  retry_hop second = *hop;
  second.attempts = 2;
  second.due_ms = 2000;
  const auto h2 = encode(second, h1);
  EXPECT_EQ(std::count_if(h2.begin(), h2.end(), [](const auto& x) { return x.name == dlq::retry::attempts; }),
            1)
      << "a later hop replaces the earlier hop's headers";
  const auto again = decode_retry(h2, origin{"orders.retry-2", 0, 5, 1, false});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->first.topic, "orders");
  EXPECT_EQ(again->first.offset, 10);
  EXPECT_EQ(again->attempts, 2);

  // A dead letter of a message that came through retry topics drops the retry headers.
  dead_letter d = sample();
  const auto dl = encode(d, dead_letter_headers::kavro, h2);
  EXPECT_FALSE(last_header(dl, dlq::retry::due));
  EXPECT_EQ(value_of(dl, "trace"), "abc");
}

}  // namespace
