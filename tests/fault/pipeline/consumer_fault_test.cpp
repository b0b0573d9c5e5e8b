// The pipeline consumer under failure, each test on its own real broker: poison of every kind, a registry
// outage in the middle of a stream, a partition waiting for retries while the others flow, a handler slower
// than max.poll.interval.ms, a second consumer joining and leaving, and `kavro consume` killed with
// SIGKILL mid-batch and restarted. Each checks loss, duplicates and order, not only that nothing crashed.
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <set>

#include "fault_support.hpp"
#include "kavro/kafka/consumer.hpp"
#include "kavro/kafka/dead_letter.hpp"
#include "kavro/orders/sqlite_sink.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/registry_server/server.hpp"

namespace {

using namespace kavro;
using namespace std::chrono_literals;

class consumer_fault : public ::testing::Test {
 protected:
  void SetUp() override {
    topic_ = fault::unique("orders");
    dlq_ = topic_ + ".dlq";
    ASSERT_TRUE(kafka::ensure_topics(broker_.bootstrap(), {dlq_}, 1));
    db_ = std::filesystem::temp_directory_path() / (fault::unique("kavro-fault") + ".db");
  }
  void TearDown() override {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", ".run1", ".run2"})
      std::filesystem::remove(db_.string() + suffix, ec);
  }

  kafka::consumer_config config(const std::string& group) {
    kafka::consumer_config cc;
    cc.bootstrap_servers = broker_.bootstrap();
    cc.group_id = group;
    cc.topics = {topic_};
    cc.dead_letter_topic = dlq_;
    cc.retry.initial_backoff = 1ms;
    cc.retry.max_backoff = 10ms;
    cc.registry_retry_backoff = 200ms;
    cc.log = [](const std::string&) {};
    return cc;
  }

  std::vector<kafka::record> dead_letters() {
    auto dead = kafka::read_topic(broker_.bootstrap(), dlq_, 60s);
    EXPECT_TRUE(dead) << dead.error().message;
    return dead ? *dead : std::vector<kafka::record>{};
  }

  fault::private_broker broker_;
  std::shared_ptr<fault::switchable_registry> registry_ = std::make_shared<fault::switchable_registry>();
  std::string topic_, dlq_;
  std::filesystem::path db_;
};

// Thread-safe record of handler outcomes: order id -> successful calls, in completion order.
struct ledger {
  std::mutex m;
  std::map<std::int32_t, int> stored;
  std::vector<std::tuple<std::int32_t, std::int32_t, std::int64_t>> sequence;  // id, partition, offset

  void add(std::int32_t id, const kafka::consumed_message& msg) {
    std::lock_guard<std::mutex> l(m);
    ++stored[id];
    sequence.emplace_back(id, msg.partition, msg.offset);
  }
  std::size_t size() {
    std::lock_guard<std::mutex> l(m);
    return sequence.size();
  }
};

std::int32_t id_of(const kafka::consumed_message& m) {
  return orders::from_value(m.decoded->writer_schema, m.decoded->value)->order_id;
}

std::uint64_t duplicates_in(const std::map<std::int32_t, int>& stored) {
  std::uint64_t d = 0;
  for (const auto& [id, n] : stored) d += static_cast<std::uint64_t>(n - 1);
  return d;
}

std::string be_int(const std::string& bytes) {
  std::uint64_t v = 0;
  for (unsigned char c : bytes) v = (v << 8) | c;
  return std::to_string(v);
}

TEST_F(consumer_fault, poison_of_every_kind_and_only_poison_is_dead_lettered_with_kavro_and_spring_headers) {
  ASSERT_TRUE(kafka::ensure_topics(broker_.bootstrap(), {topic_}, 3));
  auto sent = fault::numbered_orders(1000);
  sent[10].price = -5;         // permanent: invalid order
  sent[20].product = "";       // permanent: invalid order
  sent[30].product = "stuck";  // transient forever: dead-lettered after 1 + 5 retries
  const std::vector<std::string> raw{
      R"({"order_id": 1, "product": "Phone", "price": 899.99})",  // bad magic byte (JSON)
      std::string("\x00\x00", 2),                                 // short header
      std::string("\x00\x00\x00\x7f\xff\x02", 6),                 // unknown schema id
      std::string("\x00\x00\x00\x00\x01\x02\x0aPh", 9),           // truncated Avro body
  };
  fault::produce_orders(broker_.bootstrap(), topic_, registry_, sent, raw);

  orders::sqlite_sink sink(db_.string());
  auto cc = config(fault::unique("g"));
  cc.header_style = kafka::dead_letter_headers::both;
  std::map<std::int32_t, int> calls;
  auto handler = orders::with_faults(sink.handler(), {0.0, 7, "stuck"});
  kafka::pipeline_consumer consumer(cc, std::make_shared<serde::deserializer>(registry_),
                                    [&](const kafka::consumed_message& m) {
                                      ++calls[id_of(m)];
                                      return handler(m);
                                    });
  ASSERT_TRUE(consumer.run({sent.size() + raw.size(), 30s}));
  const auto c = consumer.counts();
  EXPECT_EQ(c.handled, sent.size() - 3);
  EXPECT_EQ(c.dead_decode, 3u);
  EXPECT_EQ(c.dead_unknown_schema, 1u);
  EXPECT_EQ(c.dead_permanent, 2u);
  EXPECT_EQ(c.dead_exhausted, 1u);
  EXPECT_EQ(calls[sent[30].order_id], 6);
  EXPECT_EQ(sink.count().value(), static_cast<std::int64_t>(sent.size() - 3));

  const auto dead = dead_letters();
  ASSERT_EQ(dead.size(), raw.size() + 3);
  std::map<std::string, std::string> class_by_key;
  std::multiset<std::string> raw_left(raw.begin(), raw.end());
  for (const auto& r : dead) {
    const std::string cls = r.header_value(kafka::dlq::error_class);
    EXPECT_EQ(r.header_value(kafka::dlq::original_topic), topic_);
    EXPECT_EQ(r.header_value(kafka::dlq::consumer_group), cc.group_id);
    EXPECT_FALSE(r.header_value(kafka::dlq::error_message).empty());
    // Spring's names carry the same facts, binary where Spring writes binary.
    EXPECT_EQ(r.header_value(kafka::dlq::spring::original_topic), topic_);
    EXPECT_EQ(be_int(r.header_value(kafka::dlq::spring::original_partition)),
              r.header_value(kafka::dlq::original_partition));
    EXPECT_EQ(be_int(r.header_value(kafka::dlq::spring::original_offset)),
              r.header_value(kafka::dlq::original_offset));
    EXPECT_EQ(r.header_value(kafka::dlq::spring::exception_fqcn), "kavro." + cls);
    EXPECT_EQ(r.header_value(kafka::dlq::spring::original_consumer_group), cc.group_id);
    if (r.key == "raw") {
      EXPECT_EQ(r.header_value(kafka::dlq::attempts), "0");
      EXPECT_TRUE(cls == "decode" || cls == "unknown_schema") << cls;
      auto it = raw_left.find(r.value);
      ASSERT_NE(it, raw_left.end()) << "dead letter is not a poison message as sent";
      if (r.value.size() == 6) {
        EXPECT_EQ(cls, "unknown_schema");
      }
      raw_left.erase(it);
    } else {
      class_by_key[r.key] = cls + "/" + r.header_value(kafka::dlq::attempts);
    }
  }
  EXPECT_TRUE(raw_left.empty());
  EXPECT_EQ(class_by_key,
            (std::map<std::string, std::string>{{std::to_string(sent[10].order_id), "handler_permanent/1"},
                                                {std::to_string(sent[20].order_id), "handler_permanent/1"},
                                                {std::to_string(sent[30].order_id), "handler_exhausted/6"}}));
  fault::report(
      "consumer: poison of every kind",
      std::to_string(sent.size() + raw.size()) + " messages: " + std::to_string(c.handled) + " stored, " +
          std::to_string(dead.size()) +
          " dead-lettered (3 decode, 1 unknown schema, 2 permanent, 1 exhausted after 6 calls), lost 0");
}

TEST_F(consumer_fault, a_registry_outage_mid_stream_is_waited_out_and_dead_letters_nothing) {
  ASSERT_TRUE(kafka::ensure_topics(broker_.bootstrap(), {topic_}, 3));
  // Orders 1..500 under one schema id, 501..1000 under another that the consumer has not cached yet.
  fault::produce_orders(broker_.bootstrap(), topic_, registry_, fault::numbered_orders(500, 1), {},
                        "first-value");
  fault::produce_orders(broker_.bootstrap(), topic_, registry_, fault::numbered_orders(500, 501), {},
                        "second-value");

  orders::sqlite_sink sink(db_.string());
  auto inner = sink.handler();
  std::atomic<int> handled{0};
  kafka::pipeline_consumer consumer(config(fault::unique("g")),
                                    std::make_shared<serde::deserializer>(registry_),
                                    [&](const kafka::consumed_message& m) {
                                      if (++handled == 100)
                                        registry_->set_available(false);  // the registry goes down
                                      return inner(m);
                                    });
  std::thread run([&] { EXPECT_TRUE(consumer.run({1000, 60s})); });
  while (registry_->refused() < 10) std::this_thread::sleep_for(50ms);  // the consumer is waiting for it
  std::this_thread::sleep_for(2s);
  orders::sqlite_sink reader(db_.string());
  const auto stored_during_outage = reader.count().value();
  registry_->set_available(true);
  run.join();

  const auto c = consumer.counts();
  EXPECT_GT(c.registry_waits, 0u);
  EXPECT_EQ(c.dead_lettered, 0u);
  EXPECT_LE(stored_during_outage, 500)
      << "an order of the uncached schema was stored while the registry was down";
  EXPECT_EQ(sink.count().value(), 1000);
  for (std::int32_t id = 1; id <= 1000; ++id) ASSERT_TRUE(*sink.find(id)) << "order " << id << " lost";
  EXPECT_TRUE(dead_letters().empty());
  fault::report("consumer: registry down mid-stream",
                "1000 orders: 1000 stored, " + std::to_string(stored_during_outage) +
                    " stored during the outage, " + std::to_string(c.registry_waits) +
                    " postponed decodes, 0 dead-lettered, lost 0");
}

TEST_F(consumer_fault, a_message_waiting_for_retries_pauses_only_its_partition_and_keeps_the_group) {
  ASSERT_TRUE(kafka::ensure_topics(broker_.bootstrap(), {topic_}, 3));
  const auto sent = fault::numbered_orders(600);
  fault::produce_orders(broker_.bootstrap(), topic_, registry_, sent);
  const std::int32_t stuck = sent.front().order_id;

  auto cc = config(fault::unique("g"));
  // 1 + 2 + 4 + 4 + 4 s of waiting: longer than max.poll.interval.ms.
  cc.retry.initial_backoff = 1000ms;
  cc.retry.max_backoff = 4000ms;
  cc.retry.jitter = 0;
  cc.extra = {
      {"session.timeout.ms", "10000"}, {"max.poll.interval.ms", "10000"}, {"heartbeat.interval.ms", "1000"}};
  ledger done;
  std::mutex m;
  std::optional<std::size_t> first_stuck_call, last_stuck_call;  // positions in done.sequence
  std::int32_t stuck_partition = -1;
  std::int64_t stuck_offset = -1;
  std::atomic<bool> stuck_started{false};
  kafka::pipeline_consumer consumer(
      cc, std::make_shared<serde::deserializer>(registry_),
      [&](const kafka::consumed_message& msg) -> std::optional<kafka::handler_error> {
        const auto id = id_of(msg);
        if (id == stuck) {
          std::lock_guard<std::mutex> l(m);
          stuck_started = true;
          if (!first_stuck_call) first_stuck_call = done.size();
          last_stuck_call = done.size();
          stuck_partition = msg.partition;
          stuck_offset = msg.offset;
          return kafka::handler_error{kafka::failure_kind::transient, "downstream down"};
        }
        done.add(id, msg);
        return std::nullopt;
      });
  // More orders arrive on every partition while the stuck one waits: the other partitions must take them.
  const auto more = fault::numbered_orders(300, 601);
  std::thread run([&] { EXPECT_TRUE(consumer.run({sent.size() + more.size(), 30s})); });
  while (!stuck_started) std::this_thread::sleep_for(10ms);
  fault::produce_orders(broker_.bootstrap(), topic_, registry_, more);
  run.join();
  const auto c = consumer.counts();
  EXPECT_EQ(c.assignments, 1u) << "the group rebalanced while a message waited for its retries";
  EXPECT_EQ(c.dead_exhausted, 1u);
  EXPECT_EQ(c.handled, sent.size() + more.size() - 1);
  EXPECT_EQ(duplicates_in(done.stored), 0u);
  EXPECT_EQ(done.stored.size(), sent.size() + more.size() - 1);
  ASSERT_TRUE(first_stuck_call && last_stuck_call);

  std::size_t other_partitions_while_waiting = 0;
  for (std::size_t i = 0; i < done.sequence.size(); ++i) {
    const auto& [id, partition, offset] = done.sequence[i];
    if (partition == stuck_partition && offset > stuck_offset) {
      EXPECT_GE(i, *last_stuck_call) << "order " << id << " overtook the message before it in its partition";
    }
    if (partition != stuck_partition && i >= *first_stuck_call && i < *last_stuck_call)
      ++other_partitions_while_waiting;
  }
  EXPECT_GT(other_partitions_while_waiting, 0u)
      << "the other partitions were blocked behind the waiting message";
  const auto dead = dead_letters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].header_value(kafka::dlq::attempts), "6");
  fault::report(
      "consumer: retries wait with the partition paused",
      "900 orders: 899 stored once, 1 dead-lettered after 6 calls over ~15 s (max.poll.interval 10 s), " +
          std::to_string(other_partitions_while_waiting) +
          " orders of other partitions handled meanwhile, same-partition order kept, rebalances 0");
}

TEST_F(consumer_fault, a_handler_slower_than_max_poll_interval_costs_no_rebalance_and_no_loss) {
  // Session and poll interval of 10 s: a loaded 2-core machine can starve a 6 s session of heartbeats.
  ASSERT_TRUE(kafka::ensure_topics(broker_.bootstrap(), {topic_}, 1));
  const auto sent = fault::numbered_orders(40);
  fault::produce_orders(broker_.bootstrap(), topic_, registry_, sent);
  auto cc = config(fault::unique("g"));
  cc.extra = {
      {"session.timeout.ms", "10000"}, {"max.poll.interval.ms", "10000"}, {"heartbeat.interval.ms", "1000"}};
  ledger done;
  kafka::pipeline_consumer consumer(
      cc, std::make_shared<serde::deserializer>(registry_),
      [&](const kafka::consumed_message& msg) -> std::optional<kafka::handler_error> {
        const auto id = id_of(msg);
        if (id == sent[5].order_id) std::this_thread::sleep_for(14s);
        done.add(id, msg);
        return std::nullopt;
      });
  ASSERT_TRUE(consumer.run({sent.size(), 30s}));
  const auto c = consumer.counts();
  EXPECT_EQ(c.assignments, 1u) << "the slow handler cost the group membership";
  EXPECT_EQ(c.handled, sent.size());
  EXPECT_EQ(done.stored.size(), sent.size());
  EXPECT_EQ(duplicates_in(done.stored), 0u);
  for (std::size_t i = 1; i < done.sequence.size(); ++i) {
    EXPECT_LT(std::get<2>(done.sequence[i - 1]), std::get<2>(done.sequence[i])) << "out of order";
  }
  fault::report("consumer: a handler call of 14 s, max.poll.interval.ms 10000",
                "40 orders: 40 stored once, in order, rebalances 0, lost 0");
}

TEST_F(consumer_fault, a_second_consumer_joining_and_leaving_mid_stream_loses_nothing) {
  ASSERT_TRUE(kafka::ensure_topics(broker_.bootstrap(), {topic_}, 6));
  const auto sent = fault::numbered_orders(3000);
  fault::produce_orders(broker_.bootstrap(), topic_, registry_, sent);
  const std::string group = fault::unique("g");
  ledger done;
  std::atomic<std::uint64_t> by_a{0}, by_b{0};
  kafka::pipeline_consumer* b_ptr = nullptr;
  std::atomic<bool> b_started{false};
  auto slow_store = [&](std::atomic<std::uint64_t>& mine) {
    return [&](const kafka::consumed_message& msg) -> std::optional<kafka::handler_error> {
      // a goes slowly once it has 600 until b has started, so that the two really overlap (pacing only)
      std::this_thread::sleep_for(&mine == &by_a && by_a > 600 && !b_started ? 5ms : 1ms);
      done.add(id_of(msg), msg);
      ++mine;
      return std::nullopt;
    };
  };
  kafka::pipeline_consumer a(config(group), std::make_shared<serde::deserializer>(registry_),
                             slow_store(by_a));
  std::thread ta([&] { EXPECT_TRUE(a.run({0, 10s})); });
  while (done.size() < 600) std::this_thread::sleep_for(20ms);
  kafka::pipeline_consumer b(config(group), std::make_shared<serde::deserializer>(registry_),
                             [&, inner = slow_store(by_b)](const kafka::consumed_message& msg) {
                               b_started = true;
                               auto r = inner(msg);
                               if (by_b == 400) b_ptr->stop();  // leaves the group mid-stream
                               return r;
                             });
  b_ptr = &b;
  std::thread tb([&] { EXPECT_TRUE(b.run({0, 30s})); });
  tb.join();
  ta.join();

  std::uint64_t lost = 0;
  for (const auto& o : sent) lost += done.stored.count(o.order_id) == 0 ? 1 : 0;
  EXPECT_EQ(lost, 0u);
  EXPECT_GE(a.counts().assignments, 3u) << "expected: assigned, shared with b, everything back after b left";
  EXPECT_GE(by_b.load(), 400u);
  EXPECT_TRUE(dead_letters().empty());
  const auto dups = duplicates_in(done.stored);
  fault::report("consumer: second consumer joins and leaves",
                "3000 orders: a handled " + std::to_string(by_a.load()) + ", b " +
                    std::to_string(by_b.load()) + ", lost " + std::to_string(lost) + ", duplicates " +
                    std::to_string(dups) + " (uncommitted at the rebalances), a's rebalances " +
                    std::to_string(a.counts().assignments) + ", dropped in progress " +
                    std::to_string(a.counts().dropped_on_revoke + b.counts().dropped_on_revoke));
}

// `kavro consume` as a process, stdout to a file.
pid_t spawn_consume(const std::vector<std::string>& args, const std::string& out) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    static std::string cli = KAVRO_CLI;
    argv.push_back(cli.data());
    static std::vector<std::string> copy;
    copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(cli.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// The offsets the group has committed on the topic, summed over its partitions (a fresh topic starts at 0,
// so this is the number of messages committed).
std::int64_t committed(const std::string& bootstrap, const std::string& group, const std::string& topic,
                       int partitions) {
  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  std::int64_t sum = 0;
  if (rd_kafka_committed(rk, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) sum += std::max<std::int64_t>(0, list->elems[i].offset);
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return sum;
}

std::map<std::int32_t, int> printed_orders(const std::string& file) {
  std::map<std::int32_t, int> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("order_id"))
      ++out[j["order_id"].get<std::int32_t>()];
  }
  return out;
}

TEST_F(consumer_fault, kavro_consume_killed_mid_batch_and_restarted_stores_every_order_exactly_once) {
  ASSERT_TRUE(kafka::ensure_topics(broker_.bootstrap(), {topic_}, 3));
  registry_server::server http_registry({"127.0.0.1", 0});
  auto port = http_registry.start();
  ASSERT_TRUE(port) << port.error().message;
  const std::string url = "http://127.0.0.1:" + std::to_string(*port);
  auto client = std::make_shared<registry::client>(registry::client_config{{url}});
  const auto sent = fault::numbered_orders(8000);
  fault::produce_orders(broker_.bootstrap(), topic_, client, sent);

  const std::string group = fault::unique("g");
  const std::vector<std::string> args{"consume", "--bootstrap", broker_.bootstrap(), "--registry", url,
                                      "--topic", topic_, "--group", group, "--db", db_.string(), "--print",
                                      "--idle-timeout-ms", "20000",
                                      // batched rows (the default), and injected handler failures whose retry
                                      // backoffs keep the run long enough to be killed in the middle
                                      "--batch", "1000", "--fail-rate", "0.02",
                                      // the killed member's place is given up after 10 s, not 45
                                      "-X", "session.timeout.ms=10000", "-X", "heartbeat.interval.ms=1000"};
  const std::string out1 = db_.string() + ".run1", out2 = db_.string() + ".run2";
  const pid_t first = spawn_consume(args, out1);
  ASSERT_GT(first, 0);
  // Killed once it has committed some and stored more: mid-batch, with an uncommitted window behind it.
  std::int64_t committed_before_kill = 0;
  {
    orders::sqlite_sink reader(db_.string());
    while (reader.count().value_or(0) < 1500 ||
           (committed_before_kill = committed(broker_.bootstrap(), group, topic_, 3)) == 0) {
      int early = 0;
      ASSERT_EQ(waitpid(first, &early, WNOHANG), 0) << "the first run exited before it could be killed";
      std::this_thread::sleep_for(10ms);
    }
  }
  ::kill(first, SIGKILL);
  int status = 0;
  waitpid(first, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  std::int64_t at_kill = 0;
  std::set<std::int32_t> durable_at_kill;  // rows of committed transactions; a batch open at the kill is gone
  {
    orders::sqlite_sink reader(db_.string());
    at_kill = reader.count().value();
    for (const auto& o : sent) {
      if (auto found = reader.find(o.order_id); found && *found) durable_at_kill.insert(o.order_id);
    }
  }
  ASSERT_LT(at_kill, static_cast<std::int64_t>(sent.size())) << "the first run finished before it was killed";

  const pid_t second = spawn_consume(args, out2);
  waitpid(second, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  orders::sqlite_sink sink(db_.string());
  EXPECT_EQ(sink.count().value(), static_cast<std::int64_t>(sent.size()));
  for (const auto& o : sent) {
    auto found = sink.find(o.order_id);
    ASSERT_TRUE(found && *found) << "order " << o.order_id << " lost";
    EXPECT_EQ(**found, o);
  }
  const auto run1 = printed_orders(out1), run2 = printed_orders(out2);
  std::uint64_t redelivered = 0, stored_twice = 0;
  for (const auto& [id, n] : run2) {
    redelivered += run1.count(id);
    stored_twice += durable_at_kill.count(id);
  }
  EXPECT_LT(run2.size(), sent.size()) << "the restart began from the start: nothing was committed";
  // Stored again: only rows the first run had made durable but whose offsets were not yet committed.
  // (Handled again may be more: orders of the batch still open at the kill were handled, never stored.)
  EXPECT_EQ(static_cast<std::int64_t>(durable_at_kill.size()), at_kill);
  EXPECT_LE(stored_twice, static_cast<std::uint64_t>(at_kill - committed_before_kill));
  EXPECT_TRUE(dead_letters().empty());
  fault::report("consumer: kavro consume SIGKILLed mid-batch, restarted",
                "8000 orders: " + std::to_string(at_kill) + " rows at the kill (" +
                    std::to_string(committed_before_kill) +
                    "+ committed), 8000 rows after the restart (each once), " + std::to_string(redelivered) +
                    " handled again, of them " + std::to_string(stored_twice) +
                    " stored before the kill (uncommitted window, auto-commit 1 s), lost 0");
  http_registry.stop();
}

}  // namespace
