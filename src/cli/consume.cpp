// `kavro consume`: the orders example's consumer. Decodes through the registry, stores each order in SQLite,
// retries failures (5 by default), dead-letters what cannot be handled, and commits as it goes.
#include <iostream>
#include <nlohmann/json.hpp>

#include "client_options.hpp"
#include "common.hpp"
#include "kavro/avro/json.hpp"
#include "kavro/kafka/admin.hpp"
#include "kavro/kafka/consumer.hpp"
#include "kavro/orders/sqlite_sink.hpp"
#include "kavro/registry/client.hpp"
#include "pipeline_metrics.hpp"
#include "progress.hpp"
#include "sinks.hpp"
#include "startup_check.hpp"
#include "transactions.hpp"

namespace kavro::cli {

namespace {

struct consume_options {
  std::shared_ptr<client_options> client;  // -b, -r, -X, -F, registry credentials, start-up check
  std::vector<std::string> topics{"orders"};
  std::string group = "orders-consumer";
  std::string dead_letter_topic;
  std::string db = "orders.db";
  std::size_t batch = 1000;  // orders per SQLite transaction; 1: a transaction per order
  int batch_ms = 100;
  int retries = 5;
  int backoff_ms = 100;
  int max_backoff_ms = 5000;
  double fail_rate = 0;
  std::uint64_t max_messages = 0;
  int idle_timeout_ms = 0;
  bool print = false;
  std::string dlq_headers = "kavro";
  bool retry_topics = false;
  std::int64_t assignment_timeout_ms = 120000;
  bool assignment_timeout_given = false;  // else: bounded only when the run is (--idle-timeout-ms)
  std::string sqlite_sync = "full";
  metrics_options metrics;    // --metrics-port ...
  progress_options progress;  // --progress, --quiet
  sink_options sink;          // --sink, --reader-schema (sinks.hpp)
  bool transactional = false;
  std::string transactional_id;  // implies transactional; default: one per process
};

int run_consume(const consume_options& o) {
  install_stop_signals();
  const resolved_client_options conn = resolve_for_command("consume", *o.client);
  registry::client_config rc = conn.registry;
  rc.cancelled = [] { return stop_requested.load(); };  // a registry that never answers must not delay a stop
  auto registry = registry::make_registry(rc);
  pipeline_metrics metrics(o.metrics, "consume", progress_wanted(o.progress));
  metrics.watch_registry(registry);
  metrics.start();
  auto made_sink =
      make_consume_sink(o.sink, o.db, o.batch > 1,
                        o.sqlite_sync == "normal" ? orders::sqlite_sync::normal : orders::sqlite_sync::full);
  if (!made_sink) fail_command("consume", made_sink.error().message);
  consume_sink& sink = **made_sink;
  // Local files first (the database above), then the services: a typo fails before any wait.
  check_startup("consume", conn, registry_need::required);

  kafka::consumer_config cc;
  cc.bootstrap_servers = conn.bootstrap;
  cc.group_id = o.group;
  cc.topics = o.topics;
  cc.dead_letter_topic = o.dead_letter_topic;
  cc.retry.max_retries = o.retries;
  cc.retry.initial_backoff = std::chrono::milliseconds(o.backoff_ms);
  cc.retry.max_backoff = std::chrono::milliseconds(o.max_backoff_ms);
  cc.retry_topics = o.retry_topics;
  if (o.transactional || !o.transactional_id.empty())
    cc.transactional_id = o.transactional_id.empty() ? default_transactional_id(o.group) : o.transactional_id;
  if (auto flush = sink.flush(); flush) {
    // Rows are written into one transaction; offsets are stored only after its commit.
    cc.batching = kafka::commit_batching{std::move(flush), o.batch, std::chrono::milliseconds(o.batch_ms)};
  }
  cc.extra = conn.kafka;  // the -F files' Kafka part and -X
  metrics.enable_statistics(cc.extra);
  if (cc.batching) cc.batching->flush = metrics.wrap_flush(std::move(cc.batching->flush));
  // The dead-letter producer and the topic admin reach the cluster as the consumer does (a secured
  // cluster's settings), without the consumer-only properties.
  cc.dead_letter_producer = kafka::connection_properties(cc.extra);
  const kafka::properties admin_props = cc.dead_letter_producer;
  cc.header_style = o.dlq_headers == "spring" ? kafka::dead_letter_headers::spring
                    : o.dlq_headers == "both" ? kafka::dead_letter_headers::both
                                              : kafka::dead_letter_headers::kavro;

  kafka::message_handler handler = sink.handler();
  if (o.print) {
    handler = [inner = std::move(handler)](const kafka::consumed_message& m) {
      auto failure = inner(m);
      if (!failure)
        std::cout << avro::to_json(m.decoded->writer_schema, m.decoded->value).dump() << std::endl;
      return failure;
    };
  }
  if (o.fail_rate > 0) handler = orders::with_faults(std::move(handler), {o.fail_rate, 7, ""});
  handler = metrics.wrap_handler(std::move(handler));

  kafka::pipeline_consumer consumer(cc, std::make_shared<serde::deserializer>(registry), std::move(handler));
  if (auto ok =
          kafka::ensure_topics(conn.bootstrap, {consumer.dead_letter_topic()}, 1, 1, std::chrono::seconds(30),
                               admin_props, [] { return stop_requested.load(); });
      !ok) {
    fail_command("consume", "dead-letter topic: " + ok.error().message,
                 stop_requested ? exit_interrupted : exit_failed);
  }
  if (auto retry = consumer.retry_topic_names(); !retry.empty()) {
    if (auto ok = kafka::ensure_topics(conn.bootstrap, retry, 3, 1, std::chrono::seconds(30), admin_props,
                                       [] { return stop_requested.load(); });
        !ok) {
      fail_command("consume", "retry topics: " + ok.error().message,
                   stop_requested ? exit_interrupted : exit_failed);
    }
  }
  const auto watched = metrics.watch_consumer(consumer);
  summary_stream(o.progress, std::cerr)
      << "kavro consume: " << o.topics.front() << " -> " << sink.describe()
      << " (dead letters: " << consumer.dead_letter_topic() << "); Ctrl-C to stop" << std::endl;

  const stop_on_signal stop([&consumer] { consumer.stop(); });
  kafka::run_options ro{o.max_messages, std::chrono::milliseconds(o.idle_timeout_ms)};
  // A run meant to end (an idle timeout) must end even if the group never assigns it anything; a
  // service run waits for the group as long as it takes, unless told otherwise.
  const bool bounded = o.assignment_timeout_given || o.idle_timeout_ms > 0;
  ro.assignment_timeout = std::chrono::milliseconds(bounded ? o.assignment_timeout_ms : 0);
  auto progress = std::make_unique<progress_reporter>(o.progress, "consume", "received", [&] {
    return consume_sample(consumer.counts(), metrics.statistics().total_lag());
  });
  auto ran = consumer.run(ro);
  progress.reset();

  const auto c = consumer.counts();
  // With --print stdout carries only the records, so the summary goes with the messages.
  std::ostream& summary = summary_stream(o.progress, o.print || sink.uses_stdout() ? std::cerr : std::cout);
  summary << "received " << c.received << ", stored " << c.handled << ", retries " << c.retries
          << ", dead-lettered " << c.dead_lettered << " (undecodable " << c.dead_decode << ", unknown schema "
          << c.dead_unknown_schema << ", rejected " << c.dead_permanent << ", retries exhausted "
          << c.dead_exhausted << "), registry waits " << c.registry_waits << ", rebalances " << c.assignments
          << std::endl;
  if (!cc.transactional_id.empty())
    summary << "transactions committed " << c.transactions << ", aborted " << c.aborted_transactions
            << std::endl;
  metrics.linger();
  if (!ran) {
    report_error("consume", ran.error().message);
    return exit_failed;
  }
  return exit_ok;
}

}  // namespace

void add_consume(CLI::App& app) {
  auto o = std::make_shared<consume_options>();
  auto* cmd =
      app.add_subcommand("consume", "Decode orders through the Schema Registry and store them in SQLite");
  o->client = add_client_options(
      *cmd,
      {.kafka = true,
       .short_registry = true,
       .property_help = "librdkafka consumer property KEY=VALUE (repeatable; over the -F files), e.g. -X "
                        "session.timeout.ms=10000; the connection settings reach the dead-letter producer "
                        "and the topic admin too"});
  cmd->add_option("-t,--topic", o->topics, "Topic(s) to consume")->capture_default_str();
  cmd->add_option("-g,--group", o->group, "Consumer group")->capture_default_str();
  cmd->add_option("--dlq-topic", o->dead_letter_topic, "Dead-letter topic (default: <topic>.dlq)");
  cmd->add_option("--db", o->db, "SQLite database file")->capture_default_str();
  cmd->add_option(
         "--batch", o->batch,
         "Orders per SQLite transaction; offsets are committed only after it (1: a transaction per order)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--batch-ms", o->batch_ms, "Commit a batch at the latest this long after its first order")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  cmd->add_option("--retries", o->retries, "Retries of a failing handler call before dead-lettering")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--backoff-ms", o->backoff_ms, "First retry delay (doubles each retry, with jitter)")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  cmd->add_option("--max-backoff-ms", o->max_backoff_ms, "Largest retry delay")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  cmd->add_option("--fail-rate", o->fail_rate, "Fraction of handler calls that fail on purpose (0..1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-messages", o->max_messages, "Stop after this many messages are finished (0: never)")
      ->capture_default_str();
  cmd->add_option(
         "--idle-timeout-ms", o->idle_timeout_ms,
         "Stop after this long without a message (0: never); counted only once partitions are assigned")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  auto* assignment = cmd->add_option(
      "--assignment-timeout-ms", o->assignment_timeout_ms,
      "Fail (exit 1) when the group has not assigned partitions this long after joining (0: wait for ever). "
      "Default: 120000 with --idle-timeout-ms, else 0");
  assignment->check(CLI::NonNegativeNumber);
  cmd->add_option(
         "--sqlite-sync", o->sqlite_sync,
         "SQLite durability of each commit: full (fsync; a row whose offset is committed survives an OS "
         "crash or power loss) or normal (faster; such a crash can lose the last rows, and their "
         "messages are not delivered again)")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  cmd->add_flag("--print", o->print, "Print each stored order as a JSON line");
  cmd->add_option(
         "--dlq-headers", o->dlq_headers,
         "Dead-letter header names: kavro (kavro.dlq.*), spring (Spring Kafka's kafka_dlt-*), or both")
      ->capture_default_str()
      ->check(CLI::IsMember({"kavro", "spring", "both"}));
  add_sink_options(*cmd, o->sink);
  cmd->add_flag(
      "--retry-topics", o->retry_topics,
      "Non-blocking retries: move failing messages through <topic>.retry-1..N instead of waiting in place "
      "(their order relative to later messages is lost)");
  add_metrics_options(cmd, o->metrics);
  add_progress_options(cmd, o->progress);
  cmd->add_flag("--transactional", o->transactional,
                "Exactly-once to Kafka: dead letters, retry-topic sends and offsets committed in one Kafka "
                "transaction (read_committed readers see each dead letter once); SQLite rows are upserted");
  cmd->add_option("--transactional-id", o->transactional_id,
                  "The transactional.id for --transactional (implies it; default: one per process). A "
                  "restart with the same id aborts at once what a crashed run left open");
  cmd->callback([o, assignment] {
    o->assignment_timeout_given = assignment->count() > 0;
    const int rc = run_consume(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace kavro::cli
