// `kavro dlq inspect|replay`: dead letters shown decoded with why they failed, and selected ones sent back
// to their original topic (or another) once the cause is fixed.
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "client_options.hpp"
#include "common.hpp"
#include "kavro/avro/json.hpp"
#include "kavro/kafka/admin.hpp"
#include "kavro/kafka/producer.hpp"
#include "kavro/pipeline/dead_letter.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/serde/deserializer.hpp"
#include "progress.hpp"
#include "startup_check.hpp"

namespace kavro::cli {

namespace {

struct dlq_options {
  std::string topic = "orders.dlq";
  std::vector<std::string> classes;  // error classes to select; empty: all
  std::vector<std::string> at;       // "partition:offset" of dead letters to select; empty: all
  std::vector<std::string> keys;     // message keys to select; empty: all
  bool json = false;
  // replay
  std::string to;  // empty: each dead letter's original topic
  bool all = false;
  bool dry_run = false;
  progress_options progress;  // --progress, --quiet
};

// A header's decimal number as a JSON number (scripts compare it as one); the text as it came when it
// is not one (a foreign producer's header), and null when absent.
nlohmann::json json_number(const std::string& text) {
  if (text.empty()) return nullptr;
  try {
    std::size_t used = 0;
    const long long n = std::stoll(text, &used);
    if (used == text.size()) return n;
  } catch (const std::exception&) {
  }
  return text;
}

// The dead-letter facts as `kavro dlq` shows them (text), from the pipeline's dead-letter codec: kavro's
// headers, or Spring's kafka_dlt-* ones.
struct facts {
  std::string topic, partition, offset, group, attempts, error_class, message;
};

facts facts_of(const kafka::record& r) {
  const pipeline::decoded_dead_letter d = pipeline::decode_dead_letter(r.headers);
  facts f;
  if (d.from) {
    f.topic = d.from->topic;
    if (d.from->partition >= 0) f.partition = std::to_string(d.from->partition);
    if (d.from->offset >= 0) f.offset = std::to_string(d.from->offset);
  }
  f.group = d.group;
  if (d.attempts) f.attempts = std::to_string(*d.attempts);
  f.error_class = d.error_class_text;
  f.message = d.message;
  return f;
}

bool selected(const dlq_options& o, const kafka::record& r, const facts& f) {
  if (!o.classes.empty() && std::find(o.classes.begin(), o.classes.end(), f.error_class) == o.classes.end())
    return false;
  if (!o.keys.empty() && std::find(o.keys.begin(), o.keys.end(), r.key) == o.keys.end()) return false;
  if (!o.at.empty()) {
    const std::string here = std::to_string(r.partition) + ":" + std::to_string(r.offset);
    if (std::find(o.at.begin(), o.at.end(), here) == o.at.end()) return false;
  }
  return true;
}

std::string printable(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes.substr(0, 96)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (bytes.size() > 96) out += "...";
  return out;
}

result<std::vector<kafka::record>> read_dead_letters(const dlq_options& o,
                                                     const resolved_client_options& conn) {
  auto records = kafka::read_topic(conn.bootstrap, o.topic, std::chrono::seconds(30), conn.kafka);
  if (!records) return records;
  std::vector<kafka::record> out;
  for (auto& r : *records) {
    if (selected(o, r, facts_of(r))) out.push_back(std::move(r));
  }
  return out;
}

int run_inspect(const dlq_options& o, const client_options& client) {
  install_stop_signals();
  const resolved_client_options conn = resolve_for_command("dlq inspect", client, false);
  check_startup("dlq inspect", conn, registry_need::optional);
  auto records = read_dead_letters(o, conn);
  if (!records) fail_command("dlq inspect", records.error().message, exit_failed);
  registry::client_config rc = conn.registry;
  rc.cancelled = [] { return stop_requested.load(); };
  serde::deserializer deserializer(registry::make_registry(rc));
  std::map<std::string, std::uint64_t> by_class;
  for (const auto& r : *records) {
    const facts f = facts_of(r);
    ++by_class[f.error_class];
    auto span =
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(r.value.data()), r.value.size());
    auto decoded = deserializer.deserialize(span);
    nlohmann::json value =
        decoded ? avro::to_json(decoded->writer_schema, decoded->value) : nlohmann::json(nullptr);
    if (o.json) {
      nlohmann::json line{{"dlq_partition", r.partition},
                          {"dlq_offset", r.offset},
                          {"key", printable(r.key)},
                          {"original_topic", f.topic},
                          {"original_partition", json_number(f.partition)},
                          {"original_offset", json_number(f.offset)},
                          {"consumer_group", f.group},
                          {"attempts", json_number(f.attempts)},
                          {"error_class", f.error_class},
                          {"error_message", f.message},
                          {"value", value}};
      if (!decoded) line["raw_value"] = printable(r.value);
      std::cout << line.dump() << '\n';
      continue;
    }
    std::cout << o.topic << "[" << r.partition << "]@" << r.offset << "  from " << f.topic << "["
              << f.partition << "]@" << f.offset << "  key " << printable(r.key) << "\n  " << f.error_class
              << (f.attempts.empty() ? "" : " after " + f.attempts + " handler call(s)") << ": " << f.message
              << "\n  "
              << (decoded ? value.dump()
                          : "undecodable (" + decoded.error().message + "): " + printable(r.value))
              << "\n";
  }
  // The summary is not a dead letter: stdout carries only those (a --json stream stays valid for jq).
  std::cerr << records->size() << " dead letter(s)";
  for (const auto& [cls, n] : by_class) std::cerr << ", " << cls << " " << n;
  std::cerr << std::endl;
  return exit_ok;
}

int run_replay(const dlq_options& o, const client_options& client) {
  install_stop_signals();
  if (!o.all && o.classes.empty() && o.at.empty() && o.keys.empty()) {
    fail_command("dlq replay", "select dead letters (--class, --at, --key) or pass --all");
  }
  const resolved_client_options conn = resolve_for_command("dlq replay", client, false);
  check_startup("dlq replay", conn, registry_need::none);
  auto records = read_dead_letters(o, conn);
  if (!records) fail_command("dlq replay", records.error().message, exit_failed);
  kafka::producer_config pc;
  pc.bootstrap_servers = conn.bootstrap;
  pc.extra = conn.kafka;  // the -F files' Kafka part and -X, as the reader got them
  std::uint64_t failed = 0;
  kafka::producer producer(pc, [&](const kafka::delivery_report& r) {
    if (r.failure) {
      ++failed;
      report_error("dlq replay", "dead letter " + std::to_string(r.token) + ": " + r.failure->message);
    }
  });
  std::uint64_t sent = 0, skipped = 0;
  auto progress = std::make_unique<progress_reporter>(
      o.progress, "dlq replay", "sent", [&producer] { return produce_sample(producer.counts(), -1); });
  for (const auto& r : *records) {
    if (stop_requested) break;
    const facts f = facts_of(r);
    const std::string target = o.to.empty() ? f.topic : o.to;
    if (target.empty()) {
      ++skipped;
      report_error("dlq replay", o.topic + "[" + std::to_string(r.partition) + "]@" +
                                     std::to_string(r.offset) + " has no original topic header; use --to");
      continue;
    }
    // The original headers go back with it; the dead-letter ones do not, and one says where it was.
    std::vector<kafka::header> headers = pipeline::strip_dead_letter_headers(r.headers);
    headers.push_back({pipeline::dlq::replayed_from,
                       o.topic + "[" + std::to_string(r.partition) + "]@" + std::to_string(r.offset)});
    summary_stream(o.progress, std::cout)
        << (o.dry_run ? "would replay " : "replaying ") << o.topic << "[" << r.partition << "]@" << r.offset
        << " (" << f.error_class << ") -> " << target << std::endl;
    if (o.dry_run) continue;
    auto bytes = [](const std::string& s) {
      return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    };
    if (auto ok = producer.produce(target, bytes(r.key), bytes(r.value), headers,
                                   static_cast<std::uint64_t>(r.offset));
        !ok) {
      ++failed;
      report_error("dlq replay", ok.error().message);
      continue;
    }
    ++sent;
  }
  if (auto flushed = producer.flush(std::chrono::seconds(30)); !flushed) {
    report_error("dlq replay", flushed.error().message);
  }
  producer.close(std::chrono::seconds(5));  // reports (through the callback) what did not make it
  progress.reset();
  summary_stream(o.progress, std::cout)
      << (o.dry_run ? "selected " : "replayed ") << (o.dry_run ? records->size() - skipped : sent - failed)
      << ", failed " << failed << ", skipped " << skipped << std::endl;
  return failed == 0 && skipped == 0 ? exit_ok : exit_failed;
}

void add_selection(CLI::App* cmd, const std::shared_ptr<dlq_options>& o) {
  cmd->add_option("-t,--topic", o->topic, "Dead-letter topic")->capture_default_str();
  cmd->add_option("--class", o->classes,
                  "Only these error classes (decode, unknown_schema, handler_permanent, handler_exhausted)");
  cmd->add_option("--at", o->at, "Only the dead letters at these PARTITION:OFFSET of the dead-letter topic");
  cmd->add_option("--key", o->keys, "Only dead letters with these keys");
}

}  // namespace

void add_dlq(CLI::App& app) {
  auto o = std::make_shared<dlq_options>();
  auto* dlq = app.add_subcommand("dlq", "Inspect and replay dead letters");
  dlq->require_subcommand(1);

  auto* inspect = dlq->add_subcommand("inspect", "Show dead letters decoded, with why they failed");
  auto inspect_client = add_client_options(
      *inspect,
      {.kafka = true,
       .short_registry = true,
       .property_help = "librdkafka property KEY=VALUE for the reader (repeatable; over the -F files)"});
  add_selection(inspect, o);
  inspect->add_flag("--json", o->json, "One JSON object per dead letter");
  inspect->callback([o, inspect_client] {
    const int rc = run_inspect(*o, *inspect_client);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto* replay =
      dlq->add_subcommand("replay", "Send selected dead letters back to their original topic (or --to)");
  auto replay_client = add_client_options(
      *replay,
      {.kafka = true,
       .registry = false,
       .property_help = "librdkafka property KEY=VALUE for the reader and the producer (repeatable; over "
                        "the -F files)"});
  add_selection(replay, o);
  replay->add_option("--to", o->to, "Send to this topic instead of each one's original topic");
  replay->add_flag("--all", o->all, "Replay every dead letter (required when nothing else selects)");
  replay->add_flag("--dry-run", o->dry_run, "Show what would be replayed, send nothing");
  add_progress_options(replay, o->progress);
  replay->callback([o, replay_client] {
    const int rc = run_replay(*o, *replay_client);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace kavro::cli
