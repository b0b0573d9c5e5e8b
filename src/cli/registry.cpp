// `kavro registry serve`: the Schema Registry server, until Ctrl-C (or SIGTERM: graceful stop).
#include <chrono>
#include <iostream>
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
  // The transport's time limits, in milliseconds (server_config holds them as durations).
  long long header_timeout_ms = 10000, body_timeout_ms = 30000, idle_timeout_ms = 30000,
            tls_handshake_timeout_ms = 10000, write_timeout_ms = 30000;
};

// The transport's limits (docs/security.md, "Limits").
void add_limit_options(CLI::App* serve, serve_options& o) {
  auto& s = o.server;
  serve->add_option("--max-request-line-bytes", s.max_request_line_bytes, "Longer request lines get 414")
      ->capture_default_str();
  serve->add_option("--max-header-bytes", s.max_header_bytes, "Larger header sections get 431")
      ->capture_default_str();
  serve->add_option("--header-timeout-ms", o.header_timeout_ms,
                    "A request's header section must arrive within this time of its first byte (else 408)")
      ->capture_default_str();
  serve->add_option("--body-timeout-ms", o.body_timeout_ms,
                    "A body must arrive within this time after its header, plus 1 s per --body-min-rate bytes")
      ->capture_default_str();
  serve->add_option("--body-min-rate", s.body_min_rate, "Bytes per second a slow body must keep up (see above)")
      ->capture_default_str();
  serve->add_option("--idle-timeout-ms", o.idle_timeout_ms, "Close a kept-alive connection idle this long")
      ->capture_default_str();
  serve->add_option("--tls-handshake-timeout-ms", o.tls_handshake_timeout_ms, "Close a TLS handshake slower than this")
      ->capture_default_str();
  serve->add_option("--write-timeout-ms", o.write_timeout_ms, "Close a connection whose response is not read in this time")
      ->capture_default_str();
  serve->add_option("--max-connections", s.max_connections, "Close connections accepted past this many open ones")
      ->capture_default_str();
  serve->add_option("--io-threads", s.io_threads, "Threads doing network I/O")->capture_default_str()->check(CLI::Range(1, 64));
  serve->add_option("--worker-threads", s.worker_threads, "Threads running requests (store writes, forwards)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
}

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
  serve->add_option("--advertised-url", o->server.advertised_url,
                    "The URL other instances forward writes to (behind a proxy); default scheme://host:port");
  add_limit_options(serve, *o);
  serve->callback([o] {
    if (o->server.tls_cert_file.empty() != o->server.tls_key_file.empty()) {
      throw CLI::ValidationError("--tls-cert/--tls-key", "give both or neither");
    }
    o->server.header_timeout = std::chrono::milliseconds(o->header_timeout_ms);
    o->server.body_timeout = std::chrono::milliseconds(o->body_timeout_ms);
    o->server.idle_timeout = std::chrono::milliseconds(o->idle_timeout_ms);
    o->server.tls_handshake_timeout = std::chrono::milliseconds(o->tls_handshake_timeout_ms);
    o->server.write_timeout = std::chrono::milliseconds(o->write_timeout_ms);
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
