// `kavro produce`: the assignment's producer. Sends Order records (generated, or JSON lines) as
// Confluent-framed Avro, registering the schema, with key = order_id.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "kavro/avro/json.hpp"
#include "kavro/kafka/admin.hpp"
#include "kavro/orders/order.hpp"
#include "kavro/registry/client.hpp"
#include "sender.hpp"

namespace kavro::cli {

namespace {

struct produce_options {
  std::string bootstrap = default_bootstrap();
  std::string registry = default_registry();
  std::string topic = "orders";
  std::string subject;  // default: <topic>-value (TopicNameStrategy)
  std::string input;    // JSON lines; "-" for stdin; empty: generate
  std::uint64_t count = 10;
  int partitions = 3;
  int retries = 3;
  std::uint64_t seed = 42;
};

int run_produce(const produce_options& o) {
  install_stop_signals();
  auto registry = std::make_shared<registry::client>(registry::client_config{{o.registry}});
  if (auto ok = kafka::ensure_topics(o.bootstrap, {o.topic}, o.partitions); !ok) {
    std::cerr << "kavro produce: " << ok.error().message << '\n';
    return 1;
  }
  kafka::producer_config pc;
  pc.bootstrap_servers = o.bootstrap;
  pc.retries = o.retries;
  record_sender sender(pc, registry, o.topic, orders::order_schema(),
                       o.subject.empty() ? o.topic + "-value" : o.subject);

  std::uint64_t rejected = 0;
  auto send_value = [&](const avro::value& v, std::int32_t id, const std::string& where) {
    auto ok = sender.send(v, std::to_string(id));
    if (!ok) {
      ++rejected;
      std::cerr << "kavro produce: " << where << ": " << ok.error().message << '\n';
      // Without the registry nothing can be framed: stop rather than fail every record the same way.
      if (ok.error().code == errc::unavailable || ok.error().code == errc::conflict) return false;
    }
    return true;
  };

  if (o.input.empty()) {
    orders::order_generator gen(o.seed);
    for (std::uint64_t i = 0; i < o.count && !stop_requested; ++i) {
      const auto order = gen.next();
      if (!send_value(orders::to_value(order), order.order_id, "order " + std::to_string(order.order_id))) break;
    }
  } else {
    std::ifstream file;
    if (o.input != "-") {
      file.open(o.input);
      if (!file) {
        std::cerr << "kavro produce: cannot open input file '" << o.input << "'\n";
        return 2;
      }
    }
    std::istream& in = o.input == "-" ? std::cin : file;
    std::string line;
    for (std::size_t line_no = 1; std::getline(in, line) && !stop_requested; ++line_no) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = o.input + ":" + std::to_string(line_no);
      auto value = avro::value_from_json_text(orders::order_schema(), line, avro::json_style::plain);
      if (!value) {
        ++rejected;
        std::cerr << "kavro produce: " << where << ": " << value.error().message << '\n';
        continue;
      }
      if (!send_value(*value, value->fields()[0].as<std::int32_t>(), where)) break;
    }
  }
  auto flushed = sender.finish(std::chrono::seconds(30));
  const auto c = sender.counts();
  std::cout << "produced " << c.produced << ", delivered " << c.delivered << ", failed " << c.failed
            << ", rejected " << rejected << " (topic " << o.topic << ")";
  if (c.recoveries > 0) std::cout << ", producer recreated " << c.recoveries << " time(s) after fatal errors";
  std::cout << std::endl;
  if (!flushed) std::cerr << "kavro produce: " << flushed.error().message << '\n';
  return (c.failed == 0 && rejected == 0 && flushed) ? 0 : 1;
}

}  // namespace

void add_produce(CLI::App& app) {
  auto o = std::make_shared<produce_options>();
  auto* cmd = app.add_subcommand("produce", "Send Order records as Avro through the Schema Registry");
  cmd->add_option("-b,--bootstrap", o->bootstrap, "Kafka bootstrap servers")->capture_default_str();
  cmd->add_option("-r,--registry", o->registry, "Schema Registry URL")->capture_default_str();
  cmd->add_option("-t,--topic", o->topic, "Topic")->capture_default_str();
  cmd->add_option("--subject", o->subject, "Registry subject (default: <topic>-value)");
  auto* count = cmd->add_option("-n,--count", o->count, "Number of generated orders")->capture_default_str();
  cmd->add_option("-i,--input", o->input, "JSON lines file of orders ('-' for stdin)")->excludes(count);
  cmd->add_option("--partitions", o->partitions, "Partitions when the topic is created")
      ->capture_default_str()->check(CLI::Range(1, 10000));
  cmd->add_option("--retries", o->retries, "Producer retries per message")->capture_default_str()->check(CLI::Range(0, 1000));
  cmd->add_option("--seed", o->seed, "Seed for generated orders")->capture_default_str();
  cmd->callback([o] {
    const int rc = run_produce(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace kavro::cli
