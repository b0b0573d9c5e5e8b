// A Confluent-compatible Schema Registry HTTP server, served in process on a background thread,
// keeping its state in memory or in a Kafka `_schemas` topic.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "kavro/registry_server/store.hpp"
#include "kavro/registry_server/types.hpp"
#include "kavro/result.hpp"

namespace kavro::registry_server {

// How compatibility checks treat decimals whose precision or scale changed.
enum class decimal_compatibility {
  // kavro's default, the specification's rule: a decimal reads a decimal only with equal precision
  // and scale (a changed scale would silently rescale every value).
  precision_and_scale,
  // Confluent's verdict: its checker (Avro Java, AVRO-2078) ignores logical types, so only the
  // underlying bytes/fixed types are compared.
  ignore_logical_types,
};

struct server_config {
  // A constructor rather than an aggregate, so `{"127.0.0.1", 0}` stays valid as options are added.
  server_config(std::string listen_host = "0.0.0.0", std::uint16_t listen_port = 8081)
      : host(std::move(listen_host)), port(listen_port) {}

  std::string host;
  std::uint16_t port;  // 0 binds a free port
  // Durable storage in a Kafka topic; without it the state lives in memory and dies with the process.
  std::optional<kafka_store_config> kafka;
  // "user:password": every request but /healthz and /readyz must carry it as HTTP Basic auth.
  std::string basic_auth;
  // Users with hashed passwords and roles (see auth.hpp), re-read when the file changes; takes the
  // place of basic_auth.
  std::string auth_file;
  // The URL other instances forward writes to (e.g. behind a proxy); default: scheme://host:port.
  std::string advertised_url;
  // Both set: serve HTTPS with this PEM certificate (chain) and private key.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::size_t max_body_bytes = 8 * 1024 * 1024;  // larger requests get 413 (chunked ones too)
  // One line per request through kavro::log at info level (stderr): UTC time, remote, method, path,
  // route template, status, bytes, latency in ms.
  bool log_requests = false;
  // GET /metrics (Prometheus text) is answered without authentication, for a scraper that holds no
  // credentials; by default it needs them like every other endpoint but /healthz and /readyz.
  bool metrics_without_auth = false;

  // Limits of the HTTP transport (docs/security.md, "Limits"). Each refusal is answered with a JSON
  // error body and the connection closed.
  std::size_t max_request_line_bytes = 8 * 1024;  // longer request lines get 414
  std::size_t max_header_bytes = 16 * 1024;       // larger header sections get 431
  // From a request's first byte to the end of its header section (slow-header clients); then 408.
  std::chrono::milliseconds header_timeout{10000};
  // The body must arrive within body_timeout after the header, plus one second per body_min_rate
  // bytes received (slow-body clients); then 408.
  std::chrono::milliseconds body_timeout{30000};
  std::size_t body_min_rate = 16 * 1024;
  std::chrono::milliseconds idle_timeout{30000};  // a kept-alive connection with no request is closed
  std::chrono::milliseconds tls_handshake_timeout{10000};
  std::chrono::milliseconds write_timeout{30000};  // a client that does not read its response
  std::size_t max_connections = 10000;             // connections past it are closed when accepted
  unsigned io_threads = 2;                         // threads doing network I/O (and /healthz)
  unsigned worker_threads = 16;                    // threads running requests (store writes, forwards)
  decimal_compatibility decimals = decimal_compatibility::precision_and_scale;
  // The global level while none is stored (GET /config answers it; DELETE /config returns to it):
  // Confluent's schema.compatibility.level.
  compatibility_level default_compatibility = compatibility_level::backward;
};

class server {
 public:
  // Throws std::runtime_error if the TLS files or the auth file cannot be loaded, and kavro::config_error
  // (a std::invalid_argument) if librdkafka refuses the Kafka store's configuration.
  explicit server(server_config config);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // With a Kafka store, first reads the topic to its end (Confluent does the same before it serves);
  // then binds, starts serving on background threads and returns the bound port. A port that is
  // taken is an error ("address already in use"), never shared.
  result<std::uint16_t> start();
  // Stops accepting, lets requests in flight finish, joins; safe to call more than once.
  void stop();
  // Blocks until the server has stopped (by stop() from another thread).
  void wait();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kavro::registry_server
