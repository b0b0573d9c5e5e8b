// The producer at its edges. One source, two binaries (KAVRO_EDGE_REAL_BROKER picks the half):
//  - integration, on the shared fixture broker: values at the size where the producer stops letting
//    librdkafka copy them (128 bytes) and sends them from its own slot instead, up to 70 KB, with and
//    without headers, over two topics and fixed partitions, read back byte for byte; an empty value
//    stays empty on the broker (not a null value, a tombstone).
//  - fault, on librdkafka's mock cluster (what a real broker cannot do): a fatal error while zero-copy
//    values are in flight, produce() and poll() from inside the delivery callback, and close() against
//    a broker that is not there.
// Every message gets exactly one outcome in all of them.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "kavro/kafka/admin.hpp"
#include "kavro/kafka/producer.hpp"
#include "mock_cluster.hpp"
#include "producer_test_access.hpp"

#if KAVRO_EDGE_REAL_BROKER
#include "kafka_fixture.hpp"
#endif

namespace {

using namespace kavro;
using namespace std::chrono_literals;

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// n bytes that differ per seed and cover every byte value (NUL included).
std::string pattern(std::size_t n, std::uint64_t seed) {
  std::string s(n, '\0');
  for (std::size_t j = 0; j < n; ++j) s[j] = static_cast<char>((seed * 131 + j * 7 + (j >> 8)) & 0xff);
  return s;
}

struct message {
  std::string topic, key, value;
  std::vector<kafka::header> headers;
  std::int32_t partition = -1;  // fixed, or -1: chosen by the key
};

// Every report received, by token: exactly one per message is what the producer promises.
struct reports {
  std::map<std::uint64_t, std::vector<kafka::delivery_report>> by_token;
  std::size_t failed = 0;

  kafka::producer::delivery_callback callback() {
    return [this](const kafka::delivery_report& r) {
      by_token[r.token].push_back(r);  // a copy: the report lives for the call only
      if (r.failure) ++failed;
    };
  }
  void expect_one_each(const std::map<std::uint64_t, message>& sent) const {
    EXPECT_EQ(by_token.size(), sent.size());
    for (const auto& [token, m] : sent) {
      const auto it = by_token.find(token);
      ASSERT_NE(it, by_token.end()) << "no outcome for message " << token;
      ASSERT_EQ(it->second.size(), 1u) << "message " << token;
      EXPECT_EQ(it->second[0].topic, m.topic) << "message " << token;
      if (m.partition >= 0 && !it->second[0].failure) {
        EXPECT_EQ(it->second[0].partition, m.partition);
      }
    }
  }
};

std::string describe(const kafka::record& r) {
  return r.topic + "[" + std::to_string(r.partition) + "]@" + std::to_string(r.offset) + " key " +
         std::to_string(r.key.size()) + " B, value " + std::to_string(r.value.size()) + " B, " +
         std::to_string(r.headers.size()) + " header(s)";
}

#if KAVRO_EDGE_REAL_BROKER

// --- the shared fixture broker -------------------------------------------------------------------

bool same_headers(const std::vector<kafka::header>& a, const std::vector<kafka::header>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

std::string unique(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  return prefix + "-" + std::to_string(rng() % 1000000000);
}

// Whether each record's value is null, by (partition, offset), read with librdkafka itself:
// kafka::read_topic gives an empty string for both.
std::map<std::pair<std::int32_t, std::int64_t>, bool> null_values(const std::string& bootstrap,
                                                                  const std::string& topic, int partitions,
                                                                  std::size_t expected) {
  std::map<std::pair<std::int32_t, std::int64_t>, bool> out;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"bootstrap.servers", bootstrap},
                                                        {"group.id", "kavro-edge-reader"},
                                                        {"enable.auto.commit", "false"},
                                                        {"log_level", "0"}}) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr), RD_KAFKA_CONF_OK)
        << errstr;
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    ADD_FAILURE() << errstr;
    return out;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  EXPECT_EQ(rd_kafka_assign(rk, list), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) out[{m->partition, m->offset}] = m->payload == nullptr;
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

TEST(producer_edge, values_around_the_zero_copy_size_round_trip_byte_for_byte_with_headers_and_partitions) {
  const std::string bootstrap = kavro::testing::fixture_bootstrap();
  const std::vector<std::string> topics{unique("edge-a"), unique("edge-b")};
  const int partitions = 3;
  ASSERT_TRUE(kafka::ensure_topics(bootstrap, topics, partitions));

  // Up to 128 bytes librdkafka copies the value; above it librdkafka sends it from the producer's slot.
  // A slot keeps a buffer up to 16 KB for its next message and drops a larger one (70 KB).
  const std::vector<std::size_t> sizes{0, 1, 127, 128, 129, 1024, 16 * 1024, 70 * 1024};
  // Keys: none, one byte, 64 bytes (key and value together cross the slot's 64-byte inline space), 200.
  const std::vector<std::size_t> key_sizes{0, 1, 64, 200};

  std::map<std::uint64_t, message> sent;
  reports got;
  kafka::producer_config pc;
  pc.bootstrap_servers = bootstrap;
  pc.extra = {{"log_level", "0"}};
  kafka::producer_counts counts;
  {
    kafka::producer p(pc, got.callback());
    std::uint64_t token = 0;
    // Two rounds: the second reuses the slots the first one freed, with different sizes in them.
    for (int round = 0; round < 2; ++round) {
      for (const auto& topic : topics) {
        for (std::size_t s = 0; s < sizes.size(); ++s) {
          for (int with_headers = 0; with_headers < 2; ++with_headers) {
            ++token;
            message m;
            m.topic = topic;
            // The second round runs the sizes backwards, so a slot sees a small value after a large one.
            const std::size_t size = sizes[round == 0 ? s : sizes.size() - 1 - s];
            m.key = pattern(key_sizes[token % key_sizes.size()], token + 1000);
            m.value = pattern(size, token);
            if (with_headers != 0) {
              m.headers = {{"trace", pattern(16, token + 7)},
                           {"empty", ""},
                           {"dup", "1"},
                           {"dup", "2"},
                           {"big", pattern(300, token + 9)}};
            }
            m.partition = static_cast<std::int32_t>(token % partitions);
            ASSERT_TRUE(
                p.produce(m.topic, bytes_of(m.key), bytes_of(m.value), m.headers, token, m.partition));
            sent[token] = std::move(m);
          }
        }
      }
      ASSERT_TRUE(p.flush(30s));
      EXPECT_EQ(p.in_flight(), 0u);
    }
    counts = p.counts();
  }
  EXPECT_EQ(counts.produced, sent.size());
  EXPECT_EQ(counts.delivered, sent.size());
  EXPECT_EQ(counts.failed, 0u);
  EXPECT_EQ(counts.recoveries, 0u);
  EXPECT_EQ(got.failed, 0u);
  got.expect_one_each(sent);

  // Each record is found by its delivery report's (topic, partition, offset) and compared whole.
  std::map<std::tuple<std::string, std::int32_t, std::int64_t>, std::uint64_t> token_at;
  for (const auto& [token, rs] : got.by_token) {
    ASSERT_FALSE(rs[0].failure) << rs[0].failure->message;
    token_at[{rs[0].topic, rs[0].partition, rs[0].offset}] = token;
  }
  std::size_t empty_values = 0;
  for (const auto& topic : topics) {
    auto records = kafka::read_topic(bootstrap, topic, 30s, {{"log_level", "0"}});
    ASSERT_TRUE(records) << records.error().message;
    std::size_t expected = 0;
    for (const auto& [token, m] : sent) expected += m.topic == topic ? 1 : 0;
    EXPECT_EQ(records->size(), expected) << topic;
    std::set<std::pair<std::int32_t, std::int64_t>> empties;
    for (const auto& r : *records) {
      const auto it = token_at.find({topic, r.partition, r.offset});
      ASSERT_NE(it, token_at.end()) << "a record no delivery report named: " << describe(r);
      const message& m = sent.at(it->second);
      SCOPED_TRACE("message " + std::to_string(it->second) + ": " + describe(r));
      EXPECT_EQ(r.partition, m.partition);
      EXPECT_EQ(r.key.size(), m.key.size());
      EXPECT_TRUE(r.key == m.key);
      EXPECT_EQ(r.value.size(), m.value.size());
      EXPECT_TRUE(r.value == m.value);
      EXPECT_TRUE(same_headers(r.headers, m.headers));
      if (m.value.empty()) empties.insert({r.partition, r.offset});
    }
    // An empty value is stored as empty, not as null.
    const auto nulls = null_values(bootstrap, topic, partitions, expected);
    EXPECT_EQ(nulls.size(), expected) << topic;
    for (const auto& at : empties) {
      const auto it = nulls.find(at);
      ASSERT_NE(it, nulls.end());
      EXPECT_FALSE(it->second) << topic << "[" << at.first << "]@" << at.second
                               << ": an empty value arrived as null";
      ++empty_values;
    }
  }
  EXPECT_EQ(empty_values, 8u);  // one per round, topic, and with and without headers
}

// The check above can tell null from empty: a null value produced by librdkafka itself reads as null.
TEST(producer_edge, the_null_value_check_sees_a_real_tombstone) {
  const std::string bootstrap = kavro::testing::fixture_bootstrap();
  const std::string topic = unique("edge-tombstone");
  ASSERT_TRUE(kafka::ensure_topics(bootstrap, {topic}, 1));
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr),
            RD_KAFKA_CONF_OK);
  rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  ASSERT_NE(rk, nullptr) << errstr;
  static char empty[1];
  EXPECT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_KEY("n", 1), RD_KAFKA_V_VALUE(nullptr, 0), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(
      rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY("e", 1),
                        RD_KAFKA_V_VALUE(empty, 0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
      RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  const auto nulls = null_values(bootstrap, topic, 1, 2);
  ASSERT_EQ(nulls.size(), 2u);
  EXPECT_TRUE(nulls.begin()->second);    // offset 0: null
  EXPECT_FALSE(nulls.rbegin()->second);  // offset 1: empty
}

#else

// --- librdkafka's mock cluster -------------------------------------------------------------------

// A message's whole content as one comparable string (lengths first: no two messages alias).
std::string content(const std::string& topic, const std::string& key, const std::string& value,
                    const std::vector<kafka::header>& headers) {
  std::string s =
      topic + '\0' + std::to_string(key.size()) + ':' + key + std::to_string(value.size()) + ':' + value;
  for (const auto& h : headers) {
    s += std::to_string(h.name.size()) + ':' + h.name + std::to_string(h.value.size()) + ':' + h.value;
  }
  return s;
}

using kavro::testing::mock_cluster;

// Mostly values above 128 bytes (sent by librdkafka from the producer's slot), some copied ones, and a
// 70 KB one now and then (a buffer the slot gives back once the message has its outcome).
message mixed_message(std::uint64_t i) {
  static const std::size_t sizes[] = {0, 1, 100, 128, 129, 200, 1500, 4096, 16384};
  message m;
  m.topic = i % 3 == 0 ? "u" : "t";
  m.key = "k" + std::to_string(i);  // unique: a message is recognised on the topic by its content
  m.value = pattern(i % 97 == 0 ? 70000 : sizes[i % (sizeof sizes / sizeof sizes[0])], i);
  if (i % 5 == 0) m.headers = {{"h1", "x" + std::to_string(i)}, {"h2", pattern(i % 300, i + 1)}};
  if (i % 11 == 0) m.partition = 1;
  return m;
}

// Every message sent is on its topic with its exact bytes (and its fixed partition); every record there
// is one of them; copies beyond the first only up to `max_duplicates`.
void expect_on_topics(const std::string& bootstrap, const std::map<std::uint64_t, message>& sent,
                      std::uint64_t max_duplicates) {
  std::map<std::string, std::uint64_t> want;  // content -> token
  for (const auto& [token, m] : sent) want[content(m.topic, m.key, m.value, m.headers)] = token;
  ASSERT_EQ(want.size(), sent.size());
  std::map<std::uint64_t, int> copies;
  std::uint64_t unknown = 0;
  for (const char* topic : {"t", "u"}) {
    auto records = kafka::read_topic(bootstrap, topic, 30s, {{"log_level", "0"}});
    ASSERT_TRUE(records) << records.error().message;
    for (const auto& r : *records) {
      const auto it = want.find(content(topic, r.key, r.value, r.headers));
      if (it == want.end()) {
        if (++unknown <= 3) ADD_FAILURE() << "a record not produced (corrupted bytes?): " << describe(r);
        continue;
      }
      ++copies[it->second];
      const message& m = sent.at(it->second);
      if (m.partition >= 0) {
        EXPECT_EQ(r.partition, m.partition) << describe(r);
      }
    }
  }
  EXPECT_EQ(unknown, 0u);
  std::uint64_t lost = 0, duplicates = 0;
  for (const auto& [token, m] : sent) {
    const auto it = copies.find(token);
    if (it == copies.end()) {
      ++lost;
    } else {
      duplicates += static_cast<std::uint64_t>(it->second - 1);
    }
  }
  EXPECT_EQ(lost, 0u);
  EXPECT_LE(duplicates, max_duplicates);
}

TEST(producer_edge_mock, a_fatal_error_with_zero_copy_values_in_flight_resends_them_intact) {
  mock_cluster mock{{"t", 3}, {"u", 2}};
  // Answers take 300 ms: the messages produced before the fatal error are still unacknowledged when it
  // is raised, so the recreated producer has to resend them (from their slots, for the large ones).
  rd_kafka_mock_broker_set_rtt(mock.cluster, 1, 300);
  kafka::producer_config pc;
  pc.bootstrap_servers = mock.bootstrap();
  pc.extra = {{"log_level", "0"}};
  std::vector<std::string> log;
  pc.log = [&](const std::string& line) { log.push_back(line); };
  reports got;
  std::map<std::uint64_t, message> sent;
  const std::uint64_t n = 1500, fatal_at = 600;
  kafka::producer_counts counts;
  {
    kafka::producer p(pc, got.callback());
    for (std::uint64_t i = 1; i <= n; ++i) {
      message m = mixed_message(i);
      ASSERT_TRUE(p.produce(m.topic, bytes_of(m.key), bytes_of(m.value), m.headers, i, m.partition));
      sent[i] = std::move(m);
      if (i == fatal_at) {
        // No report has been served yet (produce() serves them every 1,024 messages): all 600 are
        // without an outcome, the large ones still pointed at by librdkafka.
        ASSERT_EQ(p.in_flight(), fatal_at);
        kafka::producer_test_access::inject_fatal_error(p,
                                                        "edge: fatal error with zero-copy values in flight");
      }
    }
    ASSERT_TRUE(p.flush(30s));
    EXPECT_EQ(p.in_flight(), 0u);
    counts = p.counts();
  }
  EXPECT_EQ(counts.recoveries, 1u);
  EXPECT_GE(counts.resent, 1u);
  EXPECT_LE(counts.resent, fatal_at);
  EXPECT_EQ(counts.produced, n);
  EXPECT_EQ(counts.delivered, n);
  EXPECT_EQ(counts.failed, 0u);
  EXPECT_EQ(got.failed, 0u);
  got.expect_one_each(sent);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.front().find("fatal"), std::string::npos) << log.front();
  // The old producer may have stored some before it failed: duplicates, up to the resent ones.
  expect_on_topics(mock.bootstrap(), sent, counts.resent);
}

TEST(producer_edge_mock, produce_and_poll_from_inside_the_delivery_callback) {
  mock_cluster mock{{"t", 3}, {"u", 2}};
  kafka::producer_config pc;
  pc.bootstrap_servers = mock.bootstrap();
  pc.extra = {{"log_level", "0"}};
  std::map<std::uint64_t, message> sent;
  std::map<std::uint64_t, int> outcomes;
  std::uint64_t failed = 0, follow_ups = 0, produce_errors = 0, torn_reports = 0;
  const std::uint64_t n = 1200, follow = 100000;
  kafka::producer* self = nullptr;
  {
    kafka::producer p(pc, [&](const kafka::delivery_report& r) {
      ++outcomes[r.token];
      if (r.failure) ++failed;
      const kafka::delivery_report before = r;
      if (r.token < follow) {
        // A follow-up per first-generation message, zero-copy sized, to the other topic.
        message m{"u", "f" + std::to_string(r.token), pattern(200 + r.token % 300, r.token + follow), {}, -1};
        if (!self->produce(m.topic, bytes_of(m.key), bytes_of(m.value), {}, follow + r.token))
          ++produce_errors;
        sent[follow + r.token] = std::move(m);
        ++follow_ups;
        if (r.token % 3 == 0) self->poll(0ms);  // serves (and settles) further reports from within this one
      }
      // The report is intact after the nested calls.
      if (r.token != before.token || r.topic != before.topic || r.partition != before.partition ||
          r.offset != before.offset || r.failure.has_value() != before.failure.has_value()) {
        ++torn_reports;
      }
    });
    self = &p;
    for (std::uint64_t i = 1; i <= n; ++i) {
      message m = mixed_message(i);
      m.topic = "t";
      ASSERT_TRUE(p.produce(m.topic, bytes_of(m.key), bytes_of(m.value), m.headers, i, m.partition));
      sent[i] = std::move(m);
    }
    ASSERT_TRUE(p.flush(30s));
    ASSERT_TRUE(p.flush(30s));  // the follow-ups produced by the last reports
    EXPECT_EQ(p.in_flight(), 0u);
    EXPECT_EQ(p.counts().delivered, 2 * n);
  }
  EXPECT_EQ(produce_errors, 0u);
  EXPECT_EQ(torn_reports, 0u);
  EXPECT_EQ(follow_ups, n);
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(outcomes.size(), 2 * n);
  for (const auto& [token, k] : outcomes) EXPECT_EQ(k, 1) << "message " << token;
  expect_on_topics(mock.bootstrap(), sent, 0);
}

TEST(producer_edge_mock, close_against_an_unreachable_broker_fails_every_message_once_and_closes_again) {
  kafka::producer_config pc;
  pc.bootstrap_servers = "127.0.0.1:1";  // nothing listens there
  pc.delivery_timeout = 1500ms;
  pc.extra = {{"log_level", "0"}};
  pc.log = [](const std::string&) {};
  std::map<std::uint64_t, int> outcomes;
  std::uint64_t delivered = 0, at_shutdown = 0, other = 0;
  std::string other_reason;
  std::uint64_t token = 0;
  {
    kafka::producer p(pc, [&](const kafka::delivery_report& r) {
      ++outcomes[r.token];
      if (!r.failure) {
        ++delivered;
      } else if (r.failure->message.find("not delivered before shutdown") != std::string::npos) {
        ++at_shutdown;
      } else {
        ++other;
        other_reason = r.failure->message;
      }
    });
    const auto produce_some = [&](std::uint64_t count) {
      for (std::uint64_t i = 0; i < count; ++i) {
        ++token;
        const message m = mixed_message(token);
        ASSERT_TRUE(p.produce("t", bytes_of(m.key), bytes_of(m.value), m.headers, token));
      }
    };

    // Closed before librdkafka gives up on them: close() reports them itself, each once.
    produce_some(300);
    EXPECT_EQ(p.in_flight(), 300u);
    const std::size_t left = p.close(100ms);
    EXPECT_EQ(p.in_flight(), 0u);
    EXPECT_EQ(left, at_shutdown);  // the rest (none unless close() ran past the delivery timeout) timed out
    EXPECT_EQ(at_shutdown + other, 300u);
    EXPECT_EQ(p.close(100ms), 0u);  // again: nothing left, nothing reported twice
    EXPECT_EQ(outcomes.size(), 300u);

    // Used after close(); librdkafka's delivery timeout fails these within the flush.
    produce_some(100);
    EXPECT_EQ(p.in_flight(), 100u);
    const std::uint64_t other_before = other, shutdown_before = at_shutdown;
    const std::size_t left_after = p.close(10s);
    EXPECT_EQ(p.in_flight(), 0u);
    EXPECT_EQ(left_after, at_shutdown - shutdown_before);
    EXPECT_EQ((at_shutdown - shutdown_before) + (other - other_before), 100u);

    // And once more with nothing waited for.
    produce_some(50);
    EXPECT_EQ(p.in_flight(), 50u);
    const std::uint64_t other_last = other, shutdown_last = at_shutdown;
    const std::size_t left_last = p.close(0ms);
    EXPECT_EQ(left_last, at_shutdown - shutdown_last);
    EXPECT_EQ((at_shutdown - shutdown_last) + (other - other_last), 50u);
    EXPECT_EQ(p.close(0ms), 0u);
  }  // the destructor closes a closed producer
  EXPECT_EQ(delivered, 0u);
  EXPECT_EQ(outcomes.size(), token);
  EXPECT_EQ(token, 450u);
  for (const auto& [t, k] : outcomes) EXPECT_EQ(k, 1) << "message " << t;
  if (other != 0) {
    EXPECT_EQ(other_reason.rfind("delivery to t failed: ", 0), 0u) << other_reason;
  }
}

// A delivery failure the broker will never accept is reported as what it is (the record or the client
// refused), never as a retriable outage: one permanent error per message, injected by the mock broker.
TEST(producer_edge_mock, a_permanent_delivery_failure_is_not_reported_as_retriable) {
  mock_cluster mock{{"t", 1}};
  rd_kafka_mock_push_request_errors(mock.cluster, 0 /* Produce */, 2, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  kafka::producer_config pc;
  pc.bootstrap_servers = mock.bootstrap();
  pc.idempotent = false;  // so each request carries one message and each error meets one of them
  pc.extra = {{"log_level", "0"}, {"linger.ms", "0"}, {"max.in.flight", "1"}};
  pc.log = [](const std::string&) {};
  std::vector<kafka::delivery_report> reports;
  kafka::producer p(pc, [&](const kafka::delivery_report& r) { reports.push_back(r); });
  for (std::uint64_t token = 1; token <= 2; ++token) {
    const std::string v = "v" + std::to_string(token);
    const auto queued = p.produce("t", bytes_of(v), bytes_of(v), {}, token);
    ASSERT_TRUE(queued) << queued.error().message;
    ASSERT_TRUE(p.flush(10s));  // one at a time: the injected errors meet messages 1 and 2
    // (librdkafka then remembers the topic as unauthorized, so a third would fail in produce() already)
  }
  ASSERT_EQ(reports.size(), 2u);
  ASSERT_TRUE(reports[0].failure);
  EXPECT_EQ(reports[0].failure->code, errc::invalid_data) << reports[0].failure->message;
  EXPECT_FALSE(reports[0].failure->retriable());
  EXPECT_NE(reports[0].failure->message.find("MSG_SIZE_TOO_LARGE"), std::string::npos)
      << reports[0].failure->message;
  ASSERT_TRUE(reports[1].failure);
  EXPECT_EQ(reports[1].failure->code, errc::invalid_argument) << reports[1].failure->message;
  EXPECT_FALSE(reports[1].failure->retriable());
  EXPECT_NE(reports[1].failure->message.find("TOPIC_AUTHORIZATION_FAILED"), std::string::npos)
      << reports[1].failure->message;
}

#endif

}  // namespace
