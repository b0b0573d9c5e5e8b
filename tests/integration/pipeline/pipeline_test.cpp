// The orders pipeline against a real Kafka broker and kavro's registry over HTTP: every order
// produced is stored exactly once, poison lands in the dead-letter topic with its original bytes,
// and nothing else does; offsets are committed only for finished messages.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "kafka_fixture.hpp"
#include "kavro/kafka/admin.hpp"
#include "kavro/kafka/consumer.hpp"
#include "kavro/kafka/dead_letter.hpp"
#include "kavro/kafka/producer.hpp"
#include "kavro/orders/sqlite_sink.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/registry_server/server.hpp"
#include "kavro/serde/serializer.hpp"

namespace {

using namespace kavro;
using namespace std::chrono_literals;

std::string bootstrap() {
  return kavro::testing::fixture_bootstrap();
}

std::string unique(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  return prefix + "-" + std::to_string(rng() % 1000000000);
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class pipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = registry_server_.start();
    ASSERT_TRUE(port) << port.error().message;
    registry_ = std::make_shared<registry::client>(
        registry::client_config{{"http://127.0.0.1:" + std::to_string(*port)}});
    topic_ = unique("orders");
    dead_letter_topic_ = topic_ + ".dlq";
    ASSERT_TRUE(kafka::ensure_topics(bootstrap(), {topic_}, 3));
    ASSERT_TRUE(kafka::ensure_topics(bootstrap(), {dead_letter_topic_}, 1));
    db_ = std::filesystem::temp_directory_path() / (unique("kavro-test") + ".db");
  }
  void TearDown() override {
    registry_server_.stop();
    std::filesystem::remove(db_);
  }

  // Produces orders (and raw messages) and waits until every one is acknowledged.
  void produce(const std::vector<orders::order>& orders, const std::vector<std::string>& raw = {}) {
    kafka::producer_config pc;
    pc.bootstrap_servers = bootstrap();
    kafka::producer producer(
        pc, [](const kafka::delivery_report& r) { EXPECT_FALSE(r.failure) << r.failure->message; });
    serde::serializer serializer(registry_, topic_ + "-value", orders::order_schema());
    std::vector<std::uint8_t> buf;
    for (const auto& o : orders) {
      buf.clear();
      ASSERT_TRUE(serializer.serialize(orders::to_value(o), buf));
      ASSERT_TRUE(producer.produce(topic_, bytes_of(std::to_string(o.order_id)), buf));
    }
    for (const auto& r : raw) ASSERT_TRUE(producer.produce(topic_, bytes_of("raw"), bytes_of(r)));
    ASSERT_TRUE(producer.flush(30s));
    EXPECT_EQ(producer.counts().delivered, orders.size() + raw.size());
  }

  kafka::consumer_config consumer_config(const std::string& group) {
    kafka::consumer_config cc;
    cc.bootstrap_servers = bootstrap();
    cc.group_id = group;
    cc.topics = {topic_};
    cc.dead_letter_topic = dead_letter_topic_;
    cc.retry.initial_backoff = 1ms;
    cc.retry.max_backoff = 10ms;
    cc.log = [](const std::string&) {};
    return cc;
  }

  kafka::consumer_counts consume(const std::string& group, kafka::message_handler handler,
                                 std::uint64_t expected, std::chrono::milliseconds idle = 20s) {
    kafka::pipeline_consumer consumer(consumer_config(group),
                                      std::make_shared<serde::deserializer>(registry_), std::move(handler));
    auto ran = consumer.run({expected, idle});
    EXPECT_TRUE(ran) << (ran ? "" : ran.error().message);
    return consumer.counts();
  }

  static std::vector<orders::order> sample(std::size_t n, std::int32_t first_id = 1) {
    orders::order_generator gen(11, first_id);
    std::vector<orders::order> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(gen.next());
    return out;
  }

  registry_server::server registry_server_{{"127.0.0.1", 0}};
  std::shared_ptr<registry::client> registry_;
  std::string topic_, dead_letter_topic_;
  std::filesystem::path db_;
};

TEST_F(pipeline, every_order_is_stored_once_and_nothing_is_dead_lettered) {
  const auto sent = sample(2000);
  produce(sent);
  orders::sqlite_sink sink(db_.string());
  const auto c = consume(unique("g"), sink.handler(), sent.size());
  EXPECT_EQ(c.received, sent.size());
  EXPECT_EQ(c.handled, sent.size());
  EXPECT_EQ(c.dead_lettered, 0u);
  ASSERT_EQ(sink.count().value(), static_cast<std::int64_t>(sent.size()));
  for (const auto& o : sent) {
    auto found = sink.find(o.order_id);
    ASSERT_TRUE(found && *found) << "order " << o.order_id << " lost";
    EXPECT_EQ(**found, o);
  }
  auto dead = kafka::read_topic(bootstrap(), dead_letter_topic_);
  ASSERT_TRUE(dead);
  EXPECT_TRUE(dead->empty());
}

TEST_F(pipeline, poison_goes_to_the_dead_letter_topic_with_its_original_bytes_and_nothing_else_does) {
  auto sent = sample(300);
  sent[10].price = -5;    // rejected by validation: permanent
  sent[20].product = "";  // rejected by validation: permanent
  const std::vector<std::string> raw{
      R"({"order_id": 1, "product": "Phone", "price": 899.99})",
      std::string("\x00\x00", 2),
      std::string("\x00\x00\x00\x7f\xff\x02", 6),  // an id the registry never gave
      std::string("\x00\x00\x00\x00\x01\x02\x0aPh", 9),
  };
  produce(sent, raw);
  orders::sqlite_sink sink(db_.string());
  const std::string group = unique("g");
  const auto c = consume(group, sink.handler(), sent.size() + raw.size());
  EXPECT_EQ(c.handled, sent.size() - 2);
  EXPECT_EQ(c.dead_lettered, raw.size() + 2);
  EXPECT_EQ(c.dead_permanent, 2u);
  EXPECT_EQ(c.dead_unknown_schema, 1u);
  EXPECT_EQ(c.dead_decode, 3u);
  EXPECT_EQ(sink.count().value(), static_cast<std::int64_t>(sent.size() - 2));

  auto dead = kafka::read_topic(bootstrap(), dead_letter_topic_);
  ASSERT_TRUE(dead) << dead.error().message;
  ASSERT_EQ(dead->size(), raw.size() + 2);
  std::multiset<std::string> raw_values(raw.begin(), raw.end());
  std::set<std::string> rejected_keys;
  for (const auto& r : *dead) {
    EXPECT_EQ(r.header_value(kafka::dlq::original_topic), topic_);
    EXPECT_EQ(r.header_value(kafka::dlq::consumer_group), group);
    EXPECT_FALSE(r.header_value(kafka::dlq::original_offset).empty());
    EXPECT_FALSE(r.header_value(kafka::dlq::error_message).empty());
    const std::string cls = r.header_value(kafka::dlq::error_class);
    if (cls == "handler_permanent") {
      rejected_keys.insert(r.key);
      EXPECT_EQ(r.header_value(kafka::dlq::attempts), "1");
    } else {
      EXPECT_TRUE(cls == "decode" || cls == "unknown_schema") << cls;
      EXPECT_EQ(r.key, "raw");
      auto it = raw_values.find(r.value);
      ASSERT_NE(it, raw_values.end()) << "dead letter value is not one of the poison messages as sent";
      raw_values.erase(it);
    }
  }
  EXPECT_TRUE(raw_values.empty());
  EXPECT_EQ(rejected_keys,
            (std::set<std::string>{std::to_string(sent[10].order_id), std::to_string(sent[20].order_id)}));

  // Everything was committed: the same group finds nothing left to do.
  const auto again = consume(group, sink.handler(), 0, 8s);
  EXPECT_EQ(again.received, 0u);
}

TEST_F(pipeline, a_transient_failure_is_retried_and_one_that_never_clears_is_dead_lettered_after_the_budget) {
  const auto sent = sample(100);
  produce(sent);
  orders::sqlite_sink sink(db_.string());
  std::map<std::int32_t, int> calls;
  const std::int32_t stuck_id = sent[42].order_id;
  auto inner = sink.handler();
  auto handler = [&](const kafka::consumed_message& m) -> std::optional<kafka::handler_error> {
    auto o = orders::from_value(m.decoded->writer_schema, m.decoded->value);
    const int n = ++calls[o->order_id];
    EXPECT_EQ(m.attempt, n);
    if (o->order_id == stuck_id)
      return kafka::handler_error{kafka::failure_kind::transient, "downstream down"};
    if (o->order_id % 7 == 0 && n <= 2) return kafka::handler_error{kafka::failure_kind::transient, "flaky"};
    return inner(m);
  };
  const auto c = consume(unique("g"), handler, sent.size());
  EXPECT_EQ(c.handled, sent.size() - 1);
  EXPECT_EQ(c.dead_exhausted, 1u);
  EXPECT_EQ(calls[stuck_id], 6);  // the first attempt and the orders example's 5 retries
  auto dead = kafka::read_topic(bootstrap(), dead_letter_topic_);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].key, std::to_string(stuck_id));
  EXPECT_EQ((*dead)[0].header_value(kafka::dlq::error_class), "handler_exhausted");
  EXPECT_EQ((*dead)[0].header_value(kafka::dlq::attempts), "6");
  EXPECT_EQ(sink.count().value(), static_cast<std::int64_t>(sent.size() - 1));
}

TEST_F(pipeline,
       a_consumer_stopped_in_the_middle_of_a_retry_abandons_the_message_and_the_next_run_stores_it) {
  const auto sent = sample(600);
  produce(sent);
  orders::sqlite_sink sink(db_.string());
  const std::string group = unique("g");

  // The first run is stopped while its 250th message is failing: that message must not be committed.
  std::uint64_t calls = 0;
  std::optional<std::int32_t> abandoned;
  kafka::pipeline_consumer* running = nullptr;
  auto inner = sink.handler();
  kafka::pipeline_consumer first(
      consumer_config(group), std::make_shared<serde::deserializer>(registry_),
      [&](const kafka::consumed_message& m) -> std::optional<kafka::handler_error> {
        if (++calls == 250) {
          abandoned = orders::from_value(m.decoded->writer_schema, m.decoded->value)->order_id;
          running->stop();
          return kafka::handler_error{kafka::failure_kind::transient, "shutting down"};
        }
        return inner(m);
      });
  running = &first;
  ASSERT_TRUE(first.run({0, 20s}));
  EXPECT_EQ(first.counts().handled, 249u);
  EXPECT_EQ(first.counts().dead_lettered, 0u);
  ASSERT_TRUE(abandoned);
  ASSERT_FALSE(*sink.find(*abandoned)) << "the abandoned order was stored";

  // The second run starts at the committed offsets: together the runs cover every order.
  const auto second = consume(group, sink.handler(), sent.size() - 249, 10s);
  EXPECT_GE(second.handled, sent.size() - 249);
  EXPECT_TRUE(*sink.find(*abandoned)) << "the abandoned order was skipped";
  EXPECT_EQ(sink.count().value(), static_cast<std::int64_t>(sent.size()));
  auto dead = kafka::read_topic(bootstrap(), dead_letter_topic_);
  ASSERT_TRUE(dead);
  EXPECT_TRUE(dead->empty());
}

TEST_F(pipeline,
       non_blocking_retries_move_a_failing_message_through_retry_topics_without_blocking_its_partition) {
  const auto sent = sample(300);
  produce(sent);
  const std::vector<std::string> retry_topics{topic_ + ".retry-1", topic_ + ".retry-2", topic_ + ".retry-3"};
  ASSERT_TRUE(kafka::ensure_topics(bootstrap(), retry_topics, 3));
  orders::sqlite_sink sink(db_.string());
  auto inner = sink.handler();
  const std::int32_t flaky = sent[5].order_id, stuck = sent[6].order_id;
  std::mutex m;
  std::map<std::int32_t, int> calls;
  std::vector<std::pair<std::int32_t, std::int64_t>>
      done;  // (partition, original offset) in completion order
  std::map<std::int32_t, std::pair<std::int32_t, std::int64_t>>
      origin;  // order id -> first-seen partition/offset
  auto cc = consumer_config(unique("g"));
  cc.retry_topics = true;
  cc.retry.max_retries = 3;
  cc.retry.initial_backoff = 300ms;
  cc.retry.max_backoff = 1s;
  kafka::pipeline_consumer consumer(
      cc, std::make_shared<serde::deserializer>(registry_),
      [&](const kafka::consumed_message& msg) -> std::optional<kafka::handler_error> {
        const auto id = orders::from_value(msg.decoded->writer_schema, msg.decoded->value)->order_id;
        std::lock_guard<std::mutex> l(m);
        const int n = ++calls[id];
        EXPECT_EQ(msg.attempt, n);
        if (n == 1) origin[id] = {msg.partition, msg.offset};
        if (id == stuck || (id == flaky && n <= 2)) {
          return kafka::handler_error{kafka::failure_kind::transient, "downstream down"};
        }
        done.emplace_back(origin[id]);
        return inner(msg);
      });
  EXPECT_EQ(consumer.retry_topic_names(), retry_topics);
  ASSERT_TRUE(consumer.run({sent.size(), 30s}));
  const auto c = consumer.counts();
  EXPECT_EQ(c.handled, sent.size() - 1);
  EXPECT_EQ(c.dead_exhausted, 1u);
  EXPECT_EQ(c.sent_to_retry_topic, 2u + 3u);  // flaky: retry-1, retry-2; stuck: retry-1..3
  EXPECT_EQ(calls[flaky], 3);
  EXPECT_EQ(calls[stuck], 4);  // the first call and 3 retries, as in place
  EXPECT_EQ(sink.count().value(), static_cast<std::int64_t>(sent.size() - 1));

  // The partition was not blocked: later messages of the flaky order's partition finished before it did.
  const auto flaky_origin = origin[flaky];
  std::size_t overtook = 0;
  for (const auto& d : done) {
    if (d == flaky_origin) break;
    if (d.first == flaky_origin.first && d.second > flaky_origin.second) ++overtook;
  }
  EXPECT_GT(overtook, 0u);

  // Each retry topic holds what it should; the dead letter names the message's first topic and offset.
  for (std::size_t n = 0; n < retry_topics.size(); ++n) {
    auto records = kafka::read_topic(bootstrap(), retry_topics[n]);
    ASSERT_TRUE(records);
    std::multiset<std::string> keys;
    for (const auto& r : *records) {
      keys.insert(r.key);
      EXPECT_EQ(r.header_value(kafka::dlq::retry::original_topic), topic_);
      EXPECT_EQ(r.header_value(kafka::dlq::retry::attempts), std::to_string(n + 1));
    }
    std::multiset<std::string> expected{std::to_string(stuck)};
    if (n < 2) expected.insert(std::to_string(flaky));
    EXPECT_EQ(keys, expected) << retry_topics[n];
  }
  auto dead = kafka::read_topic(bootstrap(), dead_letter_topic_);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].key, std::to_string(stuck));
  EXPECT_EQ((*dead)[0].header_value(kafka::dlq::original_topic), topic_);
  EXPECT_EQ((*dead)[0].header_value(kafka::dlq::original_partition), std::to_string(origin[stuck].first));
  EXPECT_EQ((*dead)[0].header_value(kafka::dlq::original_offset), std::to_string(origin[stuck].second));
  EXPECT_EQ((*dead)[0].header_value(kafka::dlq::attempts), "4");
  EXPECT_TRUE((*dead)[0].header_value(kafka::dlq::retry::attempts).empty());
}

// Commit batching: rows go into one SQLite transaction per batch, offsets are stored only after its
// commit, and a failed commit replays the whole batch. One flush fails here, among poison messages that
// force flushes before their dead letters.
TEST_F(pipeline,
       a_batched_sink_replays_a_failed_batch_and_stores_every_order_once_with_each_dead_letter_once) {
  auto sent = sample(3000);
  sent[700].price = -1;  // rejected: dead-lettered between two batches
  sent[2100].product = "";
  produce(sent, {std::string("\x00\x00", 2)});
  orders::sqlite_sink sink(db_.string(), orders::sink_options{.batched = true});
  auto inner = sink.handler();
  std::uint64_t successes = 0, flushes = 0;
  auto cc = consumer_config(unique("g"));
  cc.batching = kafka::commit_batching{[&]() -> result<void> {
                                         if (++flushes == 3) {  // the database refuses this commit
                                           sink.rollback_batch();
                                           return fail(errc::unavailable, "injected: disk I/O error");
                                         }
                                         return sink.commit_batch();
                                       },
                                       500, 100ms};
  kafka::pipeline_consumer consumer(cc, std::make_shared<serde::deserializer>(registry_),
                                    [&](const kafka::consumed_message& m) {
                                      auto failure = inner(m);
                                      if (!failure) ++successes;
                                      return failure;
                                    });
  ASSERT_TRUE(consumer.run({sent.size() + 1, 20s}));
  const auto c = consumer.counts();
  EXPECT_EQ(c.batch_failures, 1u);
  EXPECT_GT(c.rolled_back, 0u);
  EXPECT_EQ(c.handled, sent.size() - 2);
  EXPECT_EQ(successes, c.handled + c.rolled_back)
      << "a rolled-back message was not handled again, or one was handled twice";
  EXPECT_EQ(c.dead_lettered, 3u);
  EXPECT_EQ(sink.pending_rows(), 0u);
  EXPECT_EQ(sink.count().value(), static_cast<std::int64_t>(sent.size() - 2));
  for (const auto& o : sent) {
    if (o.price < 0 || o.product.empty()) continue;
    auto found = sink.find(o.order_id);
    ASSERT_TRUE(found && *found) << "order " << o.order_id << " lost";
  }
  auto dead = kafka::read_topic(bootstrap(), dead_letter_topic_);
  ASSERT_TRUE(dead) << dead.error().message;
  EXPECT_EQ(dead->size(), 3u) << "a dead letter was sent twice";

  // Everything was committed: the same group finds nothing left to do.
  const auto again = consume(cc.group_id, sink.handler(), 0, 8s);
  EXPECT_EQ(again.received, 0u);
}

TEST_F(pipeline, a_batched_consumer_never_commits_offsets_of_rows_that_were_not_committed) {
  const auto sent = sample(1500);
  produce(sent);
  orders::sqlite_sink sink(db_.string(), orders::sink_options{.batched = true});
  const std::string group = unique("g");
  auto cc = consumer_config(group);
  cc.batching = kafka::commit_batching{[&]() -> result<void> {
                                         sink.rollback_batch();
                                         return fail(errc::unavailable, "injected: database is read-only");
                                       },
                                       200, 50ms};
  kafka::pipeline_consumer failing(cc, std::make_shared<serde::deserializer>(registry_), sink.handler());
  std::thread stopper([&] {
    std::this_thread::sleep_for(4s);
    failing.stop();
  });
  ASSERT_TRUE(failing.run({0, 20s}));
  stopper.join();
  EXPECT_GT(failing.counts().batch_failures, 0u);
  EXPECT_EQ(failing.counts().handled, 0u);
  EXPECT_EQ(sink.count().value(), 0);

  // Nothing was committed: a working run of the same group receives every order.
  orders::sqlite_sink fresh(db_.string(), orders::sink_options{.batched = true});
  auto ok = consumer_config(group);
  ok.batching = kafka::commit_batching{[&] { return fresh.commit_batch(); }, 200, 50ms};
  kafka::pipeline_consumer working(ok, std::make_shared<serde::deserializer>(registry_), fresh.handler());
  ASSERT_TRUE(working.run({sent.size(), 20s}));
  EXPECT_GE(working.counts().received, sent.size());
  EXPECT_EQ(working.counts().handled, sent.size());
  EXPECT_EQ(fresh.count().value(), static_cast<std::int64_t>(sent.size()));
}

// Transactional: a failed batch aborts the open transaction (its dead letters with it) and replays every
// partition from its committed offset; read_committed readers see each dead letter once, every order is
// stored once, and the same group finds nothing left.
TEST_F(pipeline, a_transactional_consumer_aborts_a_failed_batch_and_each_dead_letter_is_committed_once) {
  auto sent = sample(3000);
  sent[700].price = -1;
  sent[2100].product = "";
  produce(sent, {std::string("\x00\x00", 2)});
  orders::sqlite_sink sink(db_.string(), orders::sink_options{.batched = true});
  auto inner = sink.handler();
  // The first flush after the first dead letter fails: the open transaction then holds that dead letter.
  const kafka::pipeline_consumer* self = nullptr;
  bool failed = false;
  auto cc = consumer_config(unique("g"));
  cc.transactional_id = unique("txn");
  cc.batching = kafka::commit_batching{[&]() -> result<void> {
                                         if (!failed && self != nullptr && self->counts().dead_lettered > 0) {
                                           failed = true;
                                           sink.rollback_batch();
                                           return fail(errc::unavailable, "injected: disk I/O error");
                                         }
                                         return sink.commit_batch();
                                       },
                                       500, 100ms};
  kafka::pipeline_consumer consumer(cc, std::make_shared<serde::deserializer>(registry_), inner);
  self = &consumer;
  ASSERT_TRUE(consumer.run({sent.size() + 1, 20s}));
  const auto c = consumer.counts();
  std::cout << "transactions committed " << c.transactions << ", aborted " << c.aborted_transactions
            << ", batch failures " << c.batch_failures << ", rows " << sink.count().value() << std::endl;
  EXPECT_EQ(c.batch_failures, 1u);
  EXPECT_EQ(c.aborted_transactions, 1u) << "the failed batch's transaction held no dead letter";
  EXPECT_GT(c.transactions, 0u);
  EXPECT_EQ(sink.count().value(), static_cast<std::int64_t>(sent.size() - 2));
  auto dead =
      kafka::read_topic(bootstrap(), dead_letter_topic_, 30s, {{"isolation.level", "read_committed"}});
  ASSERT_TRUE(dead) << dead.error().message;
  std::map<std::string, int> by_offset;
  for (const auto& r : *dead)
    ++by_offset[r.header_value("kavro.dlq.original.offset") + "/" +
                r.header_value("kavro.dlq.original.partition")];
  std::cout << "dead letters read_committed " << dead->size() << ", distinct " << by_offset.size()
            << std::endl;
  EXPECT_EQ(dead->size(), 3u) << "a dead letter is committed twice, or one is missing";
  EXPECT_EQ(by_offset.size(), 3u);
  auto written =
      kafka::read_topic(bootstrap(), dead_letter_topic_, 30s, {{"isolation.level", "read_uncommitted"}});
  ASSERT_TRUE(written) << written.error().message;
  std::cout << "dead letters on the log (read_uncommitted) " << written->size() << std::endl;
  EXPECT_GT(written->size(), 3u) << "the aborted transaction's dead letter should be on the log";

  const auto again = consume(cc.group_id, sink.handler(), 0, 8s);
  EXPECT_EQ(again.received, 0u) << "offsets were not committed with the transactions";
}

}  // namespace
