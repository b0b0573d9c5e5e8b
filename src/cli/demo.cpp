// `kavro demo`: the whole orders pipeline in one process with nothing installed beforehand —
// librdkafka's in-process mock cluster, kavro's registry on a free port, producer and consumer.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>

#include "common.hpp"
#include "kavro/kafka/admin.hpp"
#include "kavro/kafka/consumer.hpp"
#include "kavro/orders/sqlite_sink.hpp"
#include "kavro/pipeline/dead_letter.hpp"
#include "kavro/pipeline/record_sender.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/registry/subject_name.hpp"
#include "kavro/registry_server/server.hpp"

namespace kavro::cli {

namespace {

struct demo_options {
  std::uint64_t orders = 5000;
  std::uint64_t poison = 5;   // undecodable messages
  std::uint64_t invalid = 3;  // decodable orders the handler rejects (negative price)
  std::uint64_t stuck = 2;    // orders whose handler call always fails transiently
  double fail_rate = 0.05;
  int partitions = 3;
  std::string db;  // empty: a temporary file
};

// A mock cluster lives inside a librdkafka handle; this owns both, each from the moment it exists, so a
// constructor that throws half-way leaks neither (members are destroyed in reverse: cluster, then handle).
class mock_cluster {
 public:
  explicit mock_cluster(int brokers) {
    char errstr[256];
    std::unique_ptr<rd_kafka_conf_t, conf_deleter> conf(rd_kafka_conf_new());
    if (rd_kafka_conf_set(conf.get(), "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      throw std::runtime_error(std::string("mock cluster: ") + errstr);
    }
    rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr));
    if (!rk_) throw std::runtime_error(std::string("mock cluster: ") + errstr);
    conf.release();  // rd_kafka_new took it
    cluster_.reset(rd_kafka_mock_cluster_new(rk_.get(), brokers));
    if (!cluster_) throw std::runtime_error("mock cluster: could not be created");
  }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_.get()); }
  void create_topic(const std::string& name, int partitions) {
    if (rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_.get(), name.c_str(), partitions, 1)) {
      throw std::runtime_error("mock cluster: creating topic '" + name + "': " + rd_kafka_err2str(err));
    }
  }

 private:
  struct conf_deleter {
    void operator()(rd_kafka_conf_t* c) const noexcept { rd_kafka_conf_destroy(c); }
  };
  struct handle_deleter {
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
  };
  struct cluster_deleter {
    void operator()(rd_kafka_mock_cluster_t* c) const noexcept { rd_kafka_mock_cluster_destroy(c); }
  };
  std::unique_ptr<rd_kafka_t, handle_deleter> rk_;
  std::unique_ptr<rd_kafka_mock_cluster_t, cluster_deleter> cluster_;  // after rk_: destroyed first
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int run_demo(const demo_options& o) {
  install_stop_signals();
  const std::string topic = "orders", dead_letter_topic = "orders.dlq";

  mock_cluster kafka_cluster(3);
  kafka_cluster.create_topic(topic, o.partitions);
  kafka_cluster.create_topic(dead_letter_topic, 1);
  const std::string bootstrap = kafka_cluster.bootstrap();

  registry_server::server registry_srv({"127.0.0.1", 0});
  auto port = registry_srv.start();
  if (!port) throw std::runtime_error("registry: " + port.error().message);
  const std::string registry_url = "http://127.0.0.1:" + std::to_string(*port);
  auto registry = registry::make_registry(registry::client_config{{registry_url}});

  std::filesystem::path db = o.db;
  const bool temp_db = db.empty();
  if (temp_db)
    db = std::filesystem::temp_directory_path() / ("kavro-demo-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(db);

  std::cout << "kavro demo\n"
            << "  kafka     librdkafka mock cluster, 3 brokers at " << bootstrap << "\n"
            << "  registry  kavro registry at " << registry_url << "\n"
            << "  topic     " << topic << " (" << o.partitions << " partitions), dead letters in "
            << dead_letter_topic << "\n"
            << "  database  " << db.string() << "\n\n";

  // Produce: good orders, some the handler will reject or can never store, and some undecodable bytes.
  kafka::producer_config pc;
  pc.bootstrap_servers = bootstrap;
  const auto subject = registry::subject_name(registry::subject_name_strategy::topic_name, topic, false, "");
  pipeline::record_sender sender(
      pc, registry, topic, orders::order_schema(), *subject, [](const kafka::delivery_report& r) {
        std::cerr << "delivery failed (message " << r.token << "): " << r.failure->message << '\n';
      });
  orders::order_generator gen(42);
  const std::uint64_t total = o.orders + o.invalid + o.stuck + o.poison;
  std::uint64_t send_errors = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < o.orders + o.invalid + o.stuck; ++i) {
    orders::order order = gen.next();
    if (i >= o.orders + o.invalid) {
      order.product = "stuck";
    } else if (i >= o.orders) {
      order.price = -order.price;
    }
    if (auto ok = sender.send(orders::to_value(order), std::to_string(order.order_id)); !ok) {
      ++send_errors;
      std::cerr << "order " << order.order_id << ": " << ok.error().message << '\n';
    }
  }
  const std::vector<std::string> poison_samples{
      R"({"order_id": 1, "product": "Phone", "price": 899.99})",  // JSON, not Avro: magic byte '{'
      std::string("\x00\x00\x00", 3),                             // shorter than the 5-byte header
      std::string("\x00\x00\x00\x03\xe7\x02", 6),                 // schema id 999 is not registered
      std::string("\x00\x00\x00\x00\x01\x02\x0aPh", 9),           // truncated body
      std::string("\x01\x00\x00\x00\x01\x02", 6),                 // magic byte 1
  };
  for (std::uint64_t i = 0; i < o.poison; ++i) {
    if (!sender.send_raw(poison_samples[i % poison_samples.size()], "poison-" + std::to_string(i)))
      ++send_errors;
  }
  auto flushed = sender.finish(std::chrono::seconds(30));
  const double produce_seconds = seconds_since(t0);
  const auto pcounts = sender.counts();

  // Consume with injected handler failures until every message has its outcome.
  // As `kavro consume` ships it: rows in transactions of up to 1,000, offsets stored after each commit.
  orders::sqlite_sink sink(db.string(), orders::sink_options{.batched = true});
  kafka::consumer_config cc;
  cc.batching = kafka::commit_batching{[&sink] { return sink.commit_batch(); }};
  cc.bootstrap_servers = bootstrap;
  cc.group_id = "kavro-demo";
  cc.topics = {topic};
  cc.dead_letter_topic = dead_letter_topic;
  cc.retry.initial_backoff = std::chrono::milliseconds(5);
  cc.retry.max_backoff = std::chrono::milliseconds(100);
  cc.log = [](const std::string&) {};  // the summary reports what happened
  // Throughput counts from the first message on: joining the group is not part of it.
  std::optional<std::chrono::steady_clock::time_point> first_message;
  auto handler = [&first_message, inner = orders::with_faults(sink.handler(), {o.fail_rate, 7, "stuck"})](
                     const kafka::consumed_message& m) {
    if (!first_message) first_message = std::chrono::steady_clock::now();
    return inner(m);
  };
  kafka::pipeline_consumer consumer(cc, std::make_shared<serde::deserializer>(registry), handler);
  const stop_on_signal stop([&consumer] { consumer.stop(); });
  t0 = std::chrono::steady_clock::now();
  auto ran = consumer.run({pcounts.delivered, std::chrono::seconds(30)});
  const double join_seconds =
      first_message ? std::chrono::duration<double>(*first_message - t0).count() : 0.0;
  const double consume_seconds = first_message ? seconds_since(*first_message) : seconds_since(t0);
  const bool interrupted = stop_requested.load();
  const auto c = consumer.counts();

  // Check the outcome against what was sent: the database and the dead-letter topic as they are now.
  const std::int64_t stored = sink.count().value_or(-1);
  auto dead = kafka::read_topic(bootstrap, dead_letter_topic, std::chrono::seconds(10));
  std::map<std::optional<pipeline::error_class>, std::uint64_t>
      by_class;  // empty: a class kavro does not write
  if (dead) {
    for (const auto& r : *dead) ++by_class[pipeline::decode_dead_letter(r.headers).why];
  }
  registry_srv.stop();

  const std::uint64_t expected_stored = o.orders;
  const std::uint64_t expected_dead = o.invalid + o.stuck + o.poison;
  const bool ok =
      flushed && send_errors == 0 && pcounts.delivered == total && c.finished() == total &&
      c.handled == expected_stored && stored == static_cast<std::int64_t>(expected_stored) && dead &&
      dead->size() == expected_dead && c.dead_lettered == expected_dead &&
      by_class[pipeline::error_class::handler_permanent] == o.invalid &&
      by_class[pipeline::error_class::handler_exhausted] == o.stuck &&
      by_class[pipeline::error_class::decode] + by_class[pipeline::error_class::unknown_schema] == o.poison;

  std::printf("produced      %8llu  (%llu orders, %llu invalid, %llu stuck, %llu undecodable)\n",
              static_cast<unsigned long long>(pcounts.produced), static_cast<unsigned long long>(o.orders),
              static_cast<unsigned long long>(o.invalid), static_cast<unsigned long long>(o.stuck),
              static_cast<unsigned long long>(o.poison));
  std::printf("delivered     %8llu  failed %llu   %.0f msg/s\n",
              static_cast<unsigned long long>(pcounts.delivered),
              static_cast<unsigned long long>(pcounts.failed),
              static_cast<double>(pcounts.delivered) / produce_seconds);
  std::printf("consumed      %8llu  %.0f msg/s, retry delays included (group joined in %.1f s)\n",
              static_cast<unsigned long long>(c.received), static_cast<double>(c.received) / consume_seconds,
              join_seconds);
  std::printf("retried       %8llu  handler calls after an injected or real failure (fail rate %.2f)\n",
              static_cast<unsigned long long>(c.retries), o.fail_rate);
  std::printf("stored        %8lld  rows in SQLite (expected %llu)\n", static_cast<long long>(stored),
              static_cast<unsigned long long>(expected_stored));
  std::printf(
      "dead-lettered %8llu  undecodable %llu, unknown schema %llu, rejected %llu, retries exhausted %llu\n",
      static_cast<unsigned long long>(c.dead_lettered), static_cast<unsigned long long>(c.dead_decode),
      static_cast<unsigned long long>(c.dead_unknown_schema),
      static_cast<unsigned long long>(c.dead_permanent), static_cast<unsigned long long>(c.dead_exhausted));
  std::printf("%-13s %8zu  dead letters read back from the topic (expected %llu)\n",
              dead_letter_topic.c_str(), dead ? dead->size() : 0,
              static_cast<unsigned long long>(expected_dead));
  std::printf("\n%s: %llu stored + %llu dead-lettered = %llu of %llu messages\n", ok ? "OK" : "MISMATCH",
              static_cast<unsigned long long>(c.handled), static_cast<unsigned long long>(c.dead_lettered),
              static_cast<unsigned long long>(c.finished()), static_cast<unsigned long long>(total));
  if (!ran) std::cerr << "consumer: " << ran.error().message << '\n';
  if (!dead) std::cerr << "reading dead letters: " << dead.error().message << '\n';
  if (temp_db) std::filesystem::remove(db);
  if (interrupted) return exit_interrupted;
  return ok ? exit_ok : exit_failed;
}

}  // namespace

void add_demo(CLI::App& app) {
  auto o = std::make_shared<demo_options>();
  auto* cmd = app.add_subcommand("demo", "Run the whole orders pipeline in one process (nothing to install)");
  cmd->add_option("--orders", o->orders, "Good orders to send")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--poison", o->poison, "Undecodable messages to send")->capture_default_str();
  cmd->add_option("--invalid", o->invalid, "Orders the handler rejects (negative price)")
      ->capture_default_str();
  cmd->add_option("--stuck", o->stuck, "Orders the handler can never store (retries run out)")
      ->capture_default_str();
  cmd->add_option("--fail-rate", o->fail_rate, "Fraction of handler calls that fail transiently")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.5));
  cmd->add_option("--partitions", o->partitions, "Partitions of the orders topic")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--db", o->db, "SQLite database to keep (default: a temporary file)");
  cmd->callback([o] {
    const int rc = run_demo(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace kavro::cli
