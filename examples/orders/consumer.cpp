// The orders example's consumer.py in C++ with kavro's library: decodes orders through the Schema Registry,
// prints each one, retries a failing handler 5 times, then dead-letters it to "orders.dlq".
//   orders_consumer [bootstrap] [registry-url]      (Ctrl-C to stop)
#include "kavro/kafka/consumer.hpp"

#include <csignal>
#include <iostream>
#include <memory>
#include <string>

#include "kavro/avro/json.hpp"
#include "kavro/registry/client.hpp"

namespace {
kavro::kafka::pipeline_consumer* running = nullptr;
extern "C" void on_signal(int) {
  if (running != nullptr) running->stop();
}
}  // namespace

int main(int argc, char** argv) {
  auto registry = std::make_shared<kavro::registry::client>(
      kavro::registry::client_config{{argc > 2 ? argv[2] : "http://127.0.0.1:8081"}});
  kavro::kafka::consumer_config config;
  config.bootstrap_servers = argc > 1 ? argv[1] : "127.0.0.1:9092";
  config.group_id = "orders-consumer";
  config.topics = {"orders"};
  config.retry.max_retries = 5;

  kavro::kafka::pipeline_consumer consumer(
      config, std::make_shared<kavro::serde::deserializer>(registry),
      [](const kavro::kafka::consumed_message& m) -> std::optional<kavro::kafka::handler_error> {
        std::cout << "received " << kavro::avro::to_json(m.decoded->writer_schema, m.decoded->value).dump()
                  << '\n';
        return std::nullopt;
      });
  running = &consumer;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto ran = consumer.run();
  if (!ran) {
    std::cerr << ran.error().message << '\n';
    return 1;
  }
  return 0;
}
