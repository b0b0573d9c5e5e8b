// `kavro produce`: the orders example's producer. Sends Order records (generated, or JSON lines) as
// Confluent-framed Avro, registering the schema, with key = order_id.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "client_options.hpp"
#include "common.hpp"
#include "kavro/avro/json.hpp"
#include "kavro/kafka/admin.hpp"
#include "kavro/orders/order.hpp"
#include "kavro/pipeline/record_sender.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/registry/subject_name.hpp"
#include "pipeline_metrics.hpp"
#include "progress.hpp"
#include "startup_check.hpp"
#include "transactions.hpp"
#include "value_schema.hpp"

namespace kavro::cli {

namespace {

struct produce_options {
  std::shared_ptr<client_options> client;  // -b, -r, -X, -F, registry credentials, start-up check
  std::string topic = "orders";
  std::string subject;  // default: <topic>-value (TopicNameStrategy)
  std::string input;    // JSON lines; "-" for stdin; empty: generate
  std::uint64_t count = 10;
  int partitions = 3;
  int retries = 3;
  std::uint64_t seed = 42;
  metrics_options metrics;       // --metrics-port ...
  progress_options progress;     // --progress, --quiet
  value_schema_options value;    // any schema (value_schema.hpp); default: the Order
  std::string transactional_id;  // non-empty: atomic batches of transaction_size records
  std::uint64_t transaction_size = 1000;
};

// How one record fared at send().
enum class sent { queued, rejected, stop };

// Lines (or generated orders) not yet read when produce stopped early. A file is read to its end to count
// them; so is stdin, unless the user stopped the run (then its rest is unknown: -1).
std::int64_t count_unread(std::istream* in, bool is_stdin) {
  if (in == nullptr) return 0;
  if (is_stdin && stop_requested) return -1;
  std::int64_t n = 0;
  std::string line;
  while (std::getline(*in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) ++n;
  }
  return n;
}

int run_produce(const produce_options& o) {
  install_stop_signals();
  // The value options, with the serializer settings of the -F files under the command line's.
  value_schema_options value = o.value;
  const resolved_client_options conn =
      resolve_for_command("produce", *o.client, [&value](const std::string& key, const std::string& v) {
        return value.apply_serializer_property(key, v);
      });
  const kafka::properties* extra = &conn.kafka;  // the -F files' Kafka part and -X: every client's
  std::ifstream file;
  if (!o.input.empty() && o.input != "-") {
    file.open(o.input);
    if (!file) fail_command("produce", "cannot open input file '" + o.input + "'");
  }
  std::string subject = o.subject;
  if (subject.empty() && !value.generic()) {
    auto named = registry::subject_name(registry::subject_name_strategy::topic_name, o.topic, false, "");
    if (!named) fail_command("produce", named.error().message);
    subject = *named;
  }
  if (value.generic() && o.input.empty()) fail_command("produce", "--value-schema and friends need --input");
  check_startup("produce", conn, registry_need::required);
  registry::client_config rc = conn.registry;
  rc.cancelled = [] { return stop_requested.load(); };  // Ctrl-C is not held up by a registry that hangs
  auto registry = registry::make_registry(rc);
  pipeline_metrics metrics(o.metrics, "produce", progress_wanted(o.progress));
  metrics.watch_registry(registry);
  metrics.start();
  auto made_input = value.generic() ? value_input::make(value, o.topic, subject, *registry)
                                    : value_input::make_orders(value, o.topic, subject);
  if (!made_input) {
    fail_command("produce", made_input.error().message,
                 made_input.error().code == errc::unavailable ? exit_failed : exit_error);
  }
  const value_input& input = *made_input;
  if (auto ok = kafka::ensure_topics(conn.bootstrap, {o.topic}, o.partitions, 1, std::chrono::seconds(30),
                                     *extra, [] { return stop_requested.load(); });
      !ok) {
    fail_command("produce", ok.error().message, stop_requested ? exit_interrupted : exit_failed);
  }
  kafka::producer_config pc;
  pc.bootstrap_servers = conn.bootstrap;
  pc.retries = o.retries;
  pc.extra = *extra;
  metrics.enable_statistics(pc.extra);
  pc.transactional_id = o.transactional_id;
  // The final flush waits as long as a message may still get its outcome (a raised delivery.timeout.ms
  // must not be cut short at exit); 0 is librdkafka's "no timeout".
  std::chrono::milliseconds flush_bound = pc.delivery_timeout;
  for (const char* key : {kafka::keys::delivery_timeout_ms, "message.timeout.ms"}) {
    if (auto it = extra->find(key); it != extra->end()) {
      try {
        flush_bound = std::chrono::milliseconds(std::stoll(it->second));
      } catch (const std::exception&) {
        fail_command("produce", std::string("-X ") + key + " expects milliseconds, got '" + it->second + "'");
      }
    }
  }
  flush_bound = flush_bound.count() <= 0 ? std::chrono::hours(24) : flush_bound + std::chrono::seconds(5);
  pipeline::record_sender sender(
      pc, registry, o.topic, input.schema(), input.subject(), [](const kafka::delivery_report& r) {
        report_error("produce",
                     "delivery failed (message " + std::to_string(r.token) + "): " + r.failure->message);
      });
  if (input.schema_id()) sender.use_schema_id(*input.schema_id());

  const auto watched = metrics.watch_sender(sender);
  auto progress = std::make_unique<progress_reporter>(o.progress, "produce", "sent", [&] {
    return produce_sample(sender.counts(), metrics.statistics().total_queued());
  });

  std::optional<transactional_batches> txn;
  if (!o.transactional_id.empty()) {
    txn.emplace(sender.producer(), o.transaction_size);
    if (auto ok = txn->start(); !ok) fail_command("produce", ok.error().message, exit_failed);
  }

  // Every line (or generated order) ends in exactly one of: delivered, failed (both counted by the
  // producer), rejected (not an order), not sent (produce stopped before it: the registry or the producer
  // cannot go on, or Ctrl-C).
  std::uint64_t total = 0, rejected = 0, not_sent = 0;
  bool unread_unknown = false;
  auto send_value = [&](const avro::value& v, const std::string& key, const std::string& where) {
    auto ok = sender.send(v, key, input.headers(), input.partition());
    if (ok && txn) ok = txn->sent(where);  // an error: the transactional producer cannot go on
    if (ok) return sent::queued;
    report_error("produce", where + ": " + ok.error().message);
    // Nothing can be framed without the registry, nor queued by a producer that is stuck or broken: every
    // record after this one would fail the same way, so stop here and say what was left.
    if (ok.error().code == errc::unavailable || ok.error().code == errc::conflict ||
        ok.error().code == errc::internal) {
      return sent::stop;
    }
    return sent::rejected;
  };
  std::string stopped_at;

  if (o.input.empty()) {
    orders::order_generator gen(o.seed);
    total = o.count;
    std::uint64_t i = 0;
    for (; i < o.count && !stop_requested; ++i) {
      const auto order = gen.next();
      const std::string where = "order " + std::to_string(order.order_id);
      const auto r = send_value(orders::to_value(order), std::to_string(order.order_id), where);
      if (r == sent::rejected) ++rejected;
      if (r == sent::stop) {
        stopped_at = where;
        break;
      }
    }
    not_sent = o.count - i;  // i: the order it stopped at (not sent either), or the first never made
  } else {
    std::istream& in = o.input == "-" ? std::cin : file;
    std::string line;
    std::size_t line_no = 1;
    for (; !stop_requested && std::getline(in, line); ++line_no) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      ++total;
      const std::string where = o.input + ":" + std::to_string(line_no);
      auto record = input.parse(line);
      if (!record) {
        ++rejected;
        report_error("produce", where + ": " + record.error().message);
        continue;
      }
      const auto r = send_value(record->value, record->key, where);
      if (r == sent::rejected) ++rejected;
      if (r == sent::stop) {
        stopped_at = where;
        ++not_sent;
        break;
      }
    }
    if (!stopped_at.empty() || stop_requested) {
      const std::int64_t unread = count_unread(&in, o.input == "-");
      if (unread < 0) {
        unread_unknown = true;
      } else {
        total += static_cast<std::uint64_t>(unread);
        not_sent += static_cast<std::uint64_t>(unread);
      }
    }
  }
  if (txn) {
    if (auto ok = txn->finish(); !ok) report_error("produce", ok.error().message);
  }
  auto flushed = sender.finish(flush_bound);
  progress.reset();
  const auto c = sender.counts();
  std::ostream& out = summary_stream(o.progress, std::cout);
  out << (o.input.empty() ? "orders " : "lines ") << total << (unread_unknown ? "+" : "") << ": delivered "
      << c.delivered << ", failed " << c.failed << ", rejected " << rejected << ", not sent " << not_sent
      << (unread_unknown ? " (and the rest of stdin, unread)" : "") << " (topic " << o.topic << ")";
  if (c.recoveries > 0) out << ", producer recreated " << c.recoveries << " time(s) after fatal errors";
  out << std::endl;
  if (txn) txn->summary(out);
  metrics.linger();
  if (!stopped_at.empty()) {
    report_error("produce", "stopped at " + stopped_at + "; " + std::to_string(not_sent) +
                                " record(s) from there on were not sent");
  } else if (stop_requested && not_sent > 0) {
    report_error("produce", "stopped by a signal; " + std::to_string(not_sent) + " record(s) were not sent");
  }
  if (!flushed) report_error("produce", flushed.error().message);
  const bool all_delivered = c.delivered == total && !unread_unknown && (!txn || txn->all_committed());
  return all_delivered && flushed ? exit_ok : exit_failed;
}

}  // namespace

void add_produce(CLI::App& app) {
  auto o = std::make_shared<produce_options>();
  auto* cmd = app.add_subcommand("produce", "Send Order records as Avro through the Schema Registry");
  o->client = add_client_options(
      *cmd,
      {.kafka = true,
       .short_registry = true,
       .property_help = "librdkafka producer property KEY=VALUE (repeatable; over the -F files), e.g. -X "
                        "delivery.timeout.ms=120000 to ride out a longer broker outage"});
  cmd->add_option("-t,--topic", o->topic, "Topic")->capture_default_str();
  cmd->add_option("--subject", o->subject, "Registry subject (default: <topic>-value)");
  auto* count = cmd->add_option("-n,--count", o->count, "Number of generated orders")->capture_default_str();
  cmd->add_option("-i,--input", o->input, "JSON lines file of orders ('-' for stdin)")->excludes(count);
  cmd->add_option("--partitions", o->partitions, "Partitions when the topic is created")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--retries", o->retries, "Producer retries per message")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--seed", o->seed, "Seed for generated orders")->capture_default_str();
  add_metrics_options(cmd, o->metrics);
  add_progress_options(cmd, o->progress);
  add_value_schema_options(*cmd, o->value);
  auto* txn_id = cmd->add_option(
      "--transactional-id", o->transactional_id,
      "Send in Kafka transactions with this transactional.id: each batch of --transaction-size "
      "records is committed whole or aborted whole (read_committed readers see whole batches)");
  cmd->add_option("--transaction-size", o->transaction_size, "Records per transaction (--transactional-id)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000000))
      ->needs(txn_id);
  cmd->callback([o] {
    const int rc = run_produce(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace kavro::cli
