// `kavro registry serve`: the Schema Registry server, until Ctrl-C (or SIGTERM: graceful stop);
// `kavro registry passwd`: a hashed user entry for its --auth-file.
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include "common.hpp"
#include "kavro/registry_server/auth.hpp"
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

struct passwd_options {
  std::string user;
  std::string role = "read-write";
  std::string algorithm = "sha256";
  int iterations = registry_server::password_hash_options{}.iterations;
};

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// Turns terminal echo off for the life of the object (when stdin is a terminal).
class echo_off {
 public:
  echo_off() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~echo_off() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  echo_off(const echo_off&) = delete;
  echo_off& operator=(const echo_off&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// The password from a prompt without echo (asked twice) or, when stdin is not a terminal, its first
// line: never from the command line, where every local user could read it in `ps`.
std::string read_password(const std::string& user) {
  auto read_line = [](std::string& out) {
    if (!std::getline(std::cin, out)) return false;
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
  };
  std::string password;
  if (!isatty(STDIN_FILENO)) {
    if (!read_line(password)) throw std::runtime_error("registry passwd: no password on stdin");
    return password;
  }
  std::string again;
  {
    echo_off quiet;
    std::cerr << "Password for " << user << ": " << std::flush;
    const bool got = read_line(password);
    std::cerr << "\nAgain: " << std::flush;
    const bool got_again = got && read_line(again);
    std::cerr << std::endl;
    if (!got_again) throw std::runtime_error("registry passwd: no password given");
  }
  if (password != again) throw std::runtime_error("registry passwd: the two passwords differ");
  return password;
}

void add_passwd(CLI::App& registry) {
  auto* passwd = registry.add_subcommand(
      "passwd",
      "Hash a password for `registry serve --auth-file`: reads it from stdin (or asks without echo) and "
      "prints the entry to add to the file's \"users\" array");
  auto p = std::make_shared<passwd_options>();
  passwd->add_option("USER", p->user, "The user name")->required();
  passwd->add_option("--role", p->role, "What the user may do")
      ->check(CLI::IsMember({"read-only", "read-write"}))
      ->capture_default_str();
  passwd->add_option("--algorithm", p->algorithm, "PBKDF2-HMAC-SHA1/256/512, or scrypt (N=16384, r=8, p=1)")
      ->check(CLI::IsMember({"sha256", "sha512", "sha1", "scrypt"}))
      ->capture_default_str();
  auto* iterations = passwd->add_option("--iterations", p->iterations, "PBKDF2 iterations (not for scrypt)")
                         ->capture_default_str();
  passwd->callback([p, iterations] {
    if (p->algorithm == "scrypt" && iterations->count() > 0)
      throw CLI::ValidationError("--iterations",
                                 "applies to sha1, sha256 and sha512; scrypt uses N=16384, r=8, p=1");
    registry_server::password_hash_options options;
    options.algorithm = *registry_server::parse_hash_algorithm(p->algorithm);
    options.iterations = p->iterations;
    const auto password = read_password(p->user);
    auto entry = registry_server::make_auth_file_entry(p->user, password,
                                                       *registry_server::parse_role(p->role), options);
    if (!entry) throw std::runtime_error("registry passwd: " + entry.error().message);
    std::cout << *entry << std::endl;
    std::cerr << "Add this entry to the \"users\" array of the auth file (docs/security.md)." << std::endl;
  });
}

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
  serve
      ->add_option("--auth", o->server.basic_auth,
                   "Require HTTP Basic auth USER:PASSWORD (not on /healthz, /readyz); one read-write user. "
                   "A password on the command line is visible to every local user in `ps`: prefer the "
                   "environment variable or --auth-file")
      ->envname("KAVRO_REGISTRY_AUTH");
  serve
      ->add_option("--auth-file", o->server.auth_file,
                   "Require HTTP Basic auth against users with hashed passwords and roles in this file "
                   "(Karapace's authfile format, docs/security.md); re-read when it changes")
      ->check(CLI::ExistingFile);
  serve->add_option("--tls-cert", o->server.tls_cert_file, "Serve HTTPS with this PEM certificate")
      ->check(CLI::ExistingFile);
  serve->add_option("--tls-key", o->server.tls_key_file, "The PEM private key for --tls-cert")
      ->check(CLI::ExistingFile);
  serve->add_option("--max-body-bytes", o->server.max_body_bytes, "Refuse larger request bodies with 413")
      ->capture_default_str();
  serve->add_flag("--log-requests", o->server.log_requests, "Log one line per request on stderr");
  serve->add_flag("--metrics-no-auth", o->server.metrics_without_auth,
                  "Answer GET /metrics without authentication (for a scraper without credentials)");
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
  serve->add_option("--advertised-url", o->server.advertised_url,
                    "The URL other instances forward writes to (behind a proxy); default scheme://host:port");
  add_limit_options(serve, *o);
  serve->callback([o] {
    if (o->server.tls_cert_file.empty() != o->server.tls_key_file.empty()) {
      throw CLI::ValidationError("--tls-cert/--tls-key", "give both or neither");
    }
    if (!o->server.basic_auth.empty() && !o->server.auth_file.empty()) {
      throw CLI::ValidationError("--auth/--auth-file",
                                 "give one: --auth (or KAVRO_REGISTRY_AUTH) or --auth-file, not both");
    }
    if (const auto& a = o->server.basic_auth; !a.empty()) {
      const auto colon = a.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == a.size())
        throw CLI::ValidationError("--auth", "expected USER:PASSWORD, neither empty");
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
    if (o->server.basic_auth.empty() && o->server.auth_file.empty() && !is_loopback(o->server.host)) {
      // Confluent's default too, but a registry on every interface without auth lets anyone who can
      // reach it register and delete schemas.
      std::cerr << "kavro registry: warning: listening on " << o->server.host
                << " without authentication: anyone who can reach this port can register and delete "
                   "schemas; give --auth-file (docs/security.md) or --host 127.0.0.1"
                << std::endl;
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
  add_passwd(*registry);
}

}  // namespace kavro::cli
