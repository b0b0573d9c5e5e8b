// `kavro registry serve`: the Schema Registry server, until Ctrl-C (or SIGTERM: graceful stop).
#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include "common.hpp"
#include "kavro/registry_server/server.hpp"

namespace kavro::cli {
namespace {

struct serve_options {
  registry_server::server_config server{"0.0.0.0", 8081};
  std::string kafka_bootstrap;
  std::string kafka_topic = "_schemas";
  short replication_factor = 1;
  std::vector<std::string> kafka_properties;
  long long timeout_ms = 30000;
};

}  // namespace

void add_registry(CLI::App& app) {
  auto* registry = app.add_subcommand("registry", "Schema Registry server");
  registry->require_subcommand(1);
  auto* serve = registry->add_subcommand(
      "serve",
      "Serve a Confluent-compatible Schema Registry (in memory, or durable on Kafka with --kafka-bootstrap)");
  auto o = std::make_shared<serve_options>();
  serve->add_option("--host", o->server.host, "Address to listen on")->capture_default_str();
  serve->add_option("--port", o->server.port, "Port to listen on (0: any free port)")->capture_default_str();
  serve->add_option("--kafka-bootstrap", o->kafka_bootstrap,
                    "Keep schemas in a Kafka topic (Confluent's _schemas format) on these brokers; "
                    "without it the registry lives in memory");
  serve->add_option("--kafka-topic", o->kafka_topic, "The schemas topic (created compacted, 1 partition)")
      ->capture_default_str();
  serve
      ->add_option("--kafka-replication-factor", o->replication_factor,
                   "Replication factor if the topic is created")
      ->capture_default_str();
  serve->add_option(
      "--kafka-property", o->kafka_properties,
      "Extra librdkafka property KEY=VALUE for the store (security.protocol, ssl.*, sasl.*); repeatable");
  serve
      ->add_option("--store-timeout-ms", o->timeout_ms,
                   "Give up a store write or start-up catch-up after this long")
      ->capture_default_str();
  serve->add_option("--auth", o->server.basic_auth,
                    "Require HTTP Basic auth USER:PASSWORD (not on /healthz, /readyz)");
  serve->add_option("--tls-cert", o->server.tls_cert_file, "Serve HTTPS with this PEM certificate")
      ->check(CLI::ExistingFile);
  serve->add_option("--tls-key", o->server.tls_key_file, "The PEM private key for --tls-cert")
      ->check(CLI::ExistingFile);
  serve->add_option("--max-body-bytes", o->server.max_body_bytes, "Refuse larger request bodies with 413")
      ->capture_default_str();
  serve->add_flag("--log-requests", o->server.log_requests, "Log one line per request on stderr");
  serve
      ->add_option("--compatibility-decimals", o->server.decimals,
                   "spec: decimals are compatible only with equal precision and scale (default); "
                   "confluent: ignore logical types, as Confluent's checker does")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, registry_server::decimal_compatibility>{
              {"spec", registry_server::decimal_compatibility::precision_and_scale},
              {"confluent", registry_server::decimal_compatibility::ignore_logical_types}},
          CLI::ignore_case))
      ->option_text("spec|confluent");
  serve->callback([o] {
    if (o->server.tls_cert_file.empty() != o->server.tls_key_file.empty()) {
      throw CLI::ValidationError("--tls-cert/--tls-key", "give both or neither");
    }
    if (!o->kafka_bootstrap.empty()) {
      registry_server::kafka_store_config k;
      k.bootstrap = o->kafka_bootstrap;
      k.topic = o->kafka_topic;
      k.replication_factor = o->replication_factor;
      k.timeout = std::chrono::milliseconds(o->timeout_ms);
      for (const auto& p : o->kafka_properties) {
        const auto eq = p.find('=');
        if (eq == std::string::npos || eq == 0)
          throw CLI::ValidationError("--kafka-property", "expected KEY=VALUE: " + p);
        k.properties.emplace_back(p.substr(0, eq), p.substr(eq + 1));
      }
      o->server.kafka = std::move(k);
    }
    install_stop_signals();
    registry_server::server srv(o->server);
    if (o->server.kafka) {
      std::cout << "kavro registry reading " << o->server.kafka->topic << " from "
                << o->server.kafka->bootstrap << std::endl;
    }
    auto port = srv.start();
    if (!port) throw std::runtime_error("registry: " + port.error().message);
    std::cout << "kavro registry listening on " << (o->server.tls_cert_file.empty() ? "http" : "https")
              << "://" << o->server.host << ':' << *port << std::endl;
    while (!stop_requested.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    srv.stop();
    std::cout << "kavro registry stopped" << std::endl;
  });
}

}  // namespace kavro::cli
