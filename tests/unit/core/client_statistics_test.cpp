// librdkafka's statistics JSON reduced to lag per partition and producer queue depth, and the
// /metrics endpoint's request rules (no sockets: answer_request is pure).
#include "kavro/client_statistics.hpp"

#include <gtest/gtest.h>

#include <string>

#include "kavro/metrics_http.hpp"

namespace {

using kavro::metrics::answer_request;
using kavro::metrics::parse_client_statistics;

// Trimmed from a real librdkafka 2.x consumer's document: the internal partition -1, a partition
// with unknown lag (-1), and two with a lag.
constexpr const char* consumer_stats = R"({
  "name": "rdkafka#consumer-1", "client_id": "rdkafka", "type": "consumer", "ts": 1, "time": 1,
  "msg_cnt": 0, "msg_size": 0, "brokers": {"b1": {"name": "b1", "state": "UP", "rtt": {"avg": 10}}},
  "topics": {
    "orders": {"topic": "orders", "partitions": {
      "0": {"partition": 0, "fetch_state": "active", "committed_offset": 10, "hi_offset": 15,
            "consumer_lag": 5, "consumer_lag_stored": 3},
      "1": {"partition": 1, "fetch_state": "none", "consumer_lag": -1},
      "-1": {"partition": -1, "consumer_lag": -1}}},
    "a\"b": {"topic": "a\"b", "partitions": {"2": {"partition": 2, "consumer_lag": 0}}}
  },
  "cgrp": {"state": "up", "rebalance_cnt": 1}
})";

TEST(client_statistics, consumer_lag_per_known_partition_in_order) {
  auto s = parse_client_statistics(consumer_stats);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->name, "rdkafka#consumer-1");
  EXPECT_EQ(s->type, "consumer");
  ASSERT_EQ(s->lags.size(), 2u);
  EXPECT_EQ(s->lags[0].topic, "a\"b");
  EXPECT_EQ(s->lags[0].partition, 2);
  EXPECT_EQ(s->lags[0].lag, 0);
  EXPECT_EQ(s->lags[1].topic, "orders");
  EXPECT_EQ(s->lags[1].partition, 0);
  EXPECT_EQ(s->lags[1].lag, 5);
}

TEST(client_statistics, producer_queue_depth) {
  auto s = parse_client_statistics(
      R"({"name":"rdkafka#producer-2","type":"producer","msg_cnt":42,"msg_size":4200,"topics":{}})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->type, "producer");
  EXPECT_EQ(s->queued_messages, 42);
  EXPECT_EQ(s->queued_bytes, 4200);
  EXPECT_TRUE(s->lags.empty());
}

TEST(client_statistics, refuses_what_is_not_a_statistics_document) {
  auto not_json = parse_client_statistics("{\"name\": ");
  ASSERT_FALSE(not_json);
  EXPECT_NE(not_json.error().message.find("librdkafka statistics: "), std::string::npos);
  auto array = parse_client_statistics("[1]");
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().message, "librdkafka statistics: not a JSON object");
  auto no_type = parse_client_statistics(R"({"name":"x"})");
  ASSERT_FALSE(no_type);
  EXPECT_EQ(no_type.error().message, "librdkafka statistics: field 'type' missing or not a string");
  // nesting is bounded before it is built
  auto deep = parse_client_statistics(std::string(100, '[') + std::string(100, ']'));
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message.find("nesting deeper than 16"), std::string::npos) << deep.error().message;
}

TEST(client_statistics, odd_field_types_are_skipped_not_fatal) {
  auto s = parse_client_statistics(
      R"({"name":"c","type":"consumer","msg_cnt":"x","topics":{"t":{"partitions":{"0":{"partition":0,"consumer_lag":"7"},"1":7}}}})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->queued_messages, 0);
  EXPECT_TRUE(s->lags.empty());
}

TEST(client_statistics, store_totals) {
  kavro::metrics::statistics_store store;
  EXPECT_EQ(store.total_lag(), -1);
  EXPECT_EQ(store.total_queued(), -1);
  store.update(*parse_client_statistics(consumer_stats));
  store.update(*parse_client_statistics(R"({"name":"p","type":"producer","msg_cnt":3})"));
  EXPECT_EQ(store.total_lag(), 5);
  EXPECT_EQ(store.total_queued(), 3);
  // a newer document of the same client replaces the older one
  store.update(*parse_client_statistics(R"({"name":"p","type":"producer","msg_cnt":1})"));
  EXPECT_EQ(store.total_queued(), 1);
  EXPECT_EQ(store.snapshot().size(), 2u);
}

std::string page() {
  return "kavro_x_total 1\n";
}

TEST(metrics_http, get_metrics_is_the_exposition) {
  auto a = answer_request("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", page);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "kavro_x_total 1\n");
  EXPECT_EQ(a.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(answer_request("GET /metrics?x=1 HTTP/1.0\r\n\r\n", page).status, 200);
  EXPECT_EQ(answer_request("HEAD /metrics HTTP/1.1\r\n\r\n", page).status, 200);
}

TEST(metrics_http, other_paths_methods_and_bad_requests) {
  auto other = answer_request("GET / HTTP/1.1\r\n\r\n", page);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, "not found: only /metrics is served\n");
  EXPECT_EQ(answer_request("GET /metricsx HTTP/1.1\r\n\r\n", page).status, 404);
  auto post = answer_request("POST /metrics HTTP/1.1\r\n\r\n", page);
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(kavro::metrics::format_answer(post, false).find("\r\nAllow: GET, HEAD\r\n"), std::string::npos);
  for (const char* bad : {"GET /metrics\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n", "\r\n\r\n",
                          "GET /metrics HTTP/1.1 extra\r\n\r\n", "GET metrics HTTP/1.1\r\n\r\n",
                          "GET /metrics HTTP/2\r\n\r\n", "garbage"}) {
    EXPECT_EQ(answer_request(bad, page).status, 400) << bad;
  }
}

TEST(metrics_http, format_answer_closes_and_head_has_no_body) {
  kavro::metrics::http_answer a{200, "OK", "text/plain", "abc"};
  EXPECT_EQ(
      kavro::metrics::format_answer(a, false),
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
  EXPECT_EQ(kavro::metrics::format_answer(a, true),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\n");
}

}  // namespace
