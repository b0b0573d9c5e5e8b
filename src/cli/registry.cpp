// `kavro registry serve`: the Schema Registry server, until Ctrl-C (or SIGTERM: graceful stop);
// `kavro registry passwd`: a hashed user entry for its --auth-file.
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "common.hpp"
#include "kavro/properties.hpp"
#include "kavro/registry_server/auth.hpp"
#include "kavro/registry_server/server.hpp"
#include "registry_config.hpp"

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
  // From --config and the environment only (no flags of their own).
  std::string config_file;
  std::string group_id;
  std::optional<long long> session_timeout_ms;
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
    if (!read_line(password)) fail_command("registry passwd", "no password on stdin");
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
    if (!got_again) fail_command("registry passwd", "no password given");
  }
  if (password != again) fail_command("registry passwd", "the two passwords differ");
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
    if (!entry) fail_command("registry passwd", entry.error().message);
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
  serve
      ->add_option("--header-timeout-ms", o.header_timeout_ms,
                   "A request's header section must arrive within this time of its first byte (else 408)")
      ->capture_default_str();
  serve
      ->add_option("--body-timeout-ms", o.body_timeout_ms,
                   "A body must arrive within this time after its header, plus 1 s per --body-min-rate bytes")
      ->capture_default_str();
  serve
      ->add_option("--body-min-rate", s.body_min_rate,
                   "Bytes per second a slow body must keep up (see above)")
      ->capture_default_str();
  serve->add_option("--idle-timeout-ms", o.idle_timeout_ms, "Close a kept-alive connection idle this long")
      ->capture_default_str();
  serve
      ->add_option("--tls-handshake-timeout-ms", o.tls_handshake_timeout_ms,
                   "Close a TLS handshake slower than this")
      ->capture_default_str();
  serve
      ->add_option("--write-timeout-ms", o.write_timeout_ms,
                   "Close a connection whose response is not read in this time")
      ->capture_default_str();
  serve
      ->add_option("--max-connections", s.max_connections,
                   "Close connections accepted past this many open ones")
      ->capture_default_str();
  serve->add_option("--io-threads", s.io_threads, "Threads doing network I/O")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  serve->add_option("--worker-threads", s.worker_threads, "Threads running requests (store writes, forwards)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
}

// --config and KAVRO_REGISTRY_* / SCHEMA_REGISTRY_* variables: each setting is taken unless its flag
// was given, so flags > environment > file (the environment's entries are applied after the file's).
void apply_config(const CLI::App& serve, serve_options& o) {
  std::vector<property> properties;
  if (!o.config_file.empty()) {
    auto loaded = load_properties(o.config_file);
    if (!loaded) throw std::runtime_error("registry serve: --config: " + loaded.error().message);
    properties = std::move(*loaded);
  }
  std::vector<std::string> environment;
  for (char** e = environ; e && *e; ++e) environment.emplace_back(*e);
  auto from_env = registry_env_properties(environment);
  properties.insert(properties.end(), from_env.begin(), from_env.end());
  if (properties.empty()) return;
  std::vector<std::string> warnings;
  auto mapped = map_registry_properties(properties, warnings);
  for (const auto& w : warnings) std::cerr << "kavro registry: warning: " << w << std::endl;
  if (!mapped) throw std::runtime_error("registry serve: " + mapped.error().message);
  registry_settings& c = *mapped;
  auto unset = [&](const char* flag) { return serve.count(flag) == 0; };
  auto& s = o.server;
  if (c.host && unset("--host")) s.host = *c.host;
  if (c.port && unset("--port")) s.port = *c.port;
  if (c.kafka_bootstrap && unset("--kafka-bootstrap")) o.kafka_bootstrap = *c.kafka_bootstrap;
  if (c.kafka_topic && unset("--kafka-topic")) o.kafka_topic = *c.kafka_topic;
  if (c.replication_factor && unset("--kafka-replication-factor"))
    o.replication_factor = *c.replication_factor;
  if (c.store_timeout_ms && unset("--store-timeout-ms")) o.timeout_ms = *c.store_timeout_ms;
  if (c.compatibility && unset("--default-compatibility")) s.default_compatibility = *c.compatibility;
  if (c.group_id) o.group_id = *c.group_id;
  if (c.session_timeout_ms) o.session_timeout_ms = *c.session_timeout_ms;
  // Store settings without a store would change nothing: the registry would silently live in memory.
  if (o.kafka_bootstrap.empty()) {
    std::string named;
    for (const auto& [key, origin] : c.origins) {
      if (key.rfind("kafkastore.", 0) == 0 || key.rfind("kafkagroup.", 0) == 0 ||
          key == "schema.registry.group.id")
        named += (named.empty() ? "" : ", ") + key + " (" + origin + ")";
    }
    if (!named.empty())
      throw std::runtime_error("registry serve: " + named +
                               " set without kafkastore.bootstrap.servers: without it the registry lives in "
                               "memory and these would change nothing");
  }
  // The file's librdkafka properties first, so that a --kafka-property given for the same key wins.
  std::vector<std::string> kafka;
  for (const auto& [k, v] : c.kafka_properties) kafka.push_back(k + "=" + v);
  kafka.insert(kafka.end(), o.kafka_properties.begin(), o.kafka_properties.end());
  o.kafka_properties = std::move(kafka);
  const bool flags_give_auth = !unset("--auth") || !unset("--auth-file") || !s.basic_auth.empty();
  if (c.auth_file && !flags_give_auth) s.auth_file = *c.auth_file;
  if (c.basic_auth_required && s.auth_file.empty() && s.basic_auth.empty())
    throw std::runtime_error(
        "registry serve: authentication.method=BASIC needs users: set auth.file (kavro's auth file, "
        "docs/security.md), --auth-file or --auth");
  if (unset("--tls-cert") && unset("--tls-key")) {
    if (c.tls_cert) s.tls_cert_file = *c.tls_cert;
    if (c.tls_key) s.tls_key_file = *c.tls_key;
  }
  if (c.scheme && unset("--tls-cert")) {
    const bool tls = !s.tls_cert_file.empty();
    if (*c.scheme == "https" && !tls)
      throw std::runtime_error(
          "registry serve: listeners is https but no certificate is given: set "
          "ssl.keystore.location with ssl.keystore.type=PEM, or --tls-cert and --tls-key");
    if (*c.scheme == "http" && tls)
      throw std::runtime_error(
          "registry serve: listeners is http but a TLS certificate is given: make the "
          "listener https:// or remove the certificate");
  }
  if ((c.host_name || c.host_port) && unset("--advertised-url")) {
    const std::string scheme = s.tls_cert_file.empty() ? "http" : "https";
    const std::string host = c.host_name.value_or(s.host);
    const bool v6 = host.find(':') != std::string::npos;
    s.advertised_url =
        scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(c.host_port.value_or(s.port));
  }
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
  serve
      ->add_option("--config", o->config_file,
                   "Read Confluent's schema-registry.properties names from this file (docs/operations.md); "
                   "KAVRO_REGISTRY_* and SCHEMA_REGISTRY_* variables override it, flags override both")
      ->envname("KAVRO_REGISTRY_CONFIG")
      ->check(CLI::ExistingFile);
  serve
      ->add_option("--default-compatibility", o->server.default_compatibility,
                   "The global compatibility level while none is set through PUT /config "
                   "(schema.compatibility.level)")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, registry_server::compatibility_level>{
              {"NONE", registry_server::compatibility_level::none},
              {"BACKWARD", registry_server::compatibility_level::backward},
              {"BACKWARD_TRANSITIVE", registry_server::compatibility_level::backward_transitive},
              {"FORWARD", registry_server::compatibility_level::forward},
              {"FORWARD_TRANSITIVE", registry_server::compatibility_level::forward_transitive},
              {"FULL", registry_server::compatibility_level::full},
              {"FULL_TRANSITIVE", registry_server::compatibility_level::full_transitive}},
          CLI::ignore_case))
      ->option_text("LEVEL (default BACKWARD)");
  add_limit_options(serve, *o);
  serve->callback([o, serve] {
    apply_config(*serve, *o);
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
      if (!o->group_id.empty()) k.group_id = o->group_id;
      if (o->session_timeout_ms) k.session_timeout = std::chrono::milliseconds(*o->session_timeout_ms);
      auto items = parse_property_items(o->kafka_properties, "--kafka-property");
      if (!items) fail_command("registry serve", items.error().message);
      for (auto& p : *items) k.properties.emplace_back(std::move(p.key), std::move(p.value));
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
    registry_server::server srv(o->server);
    if (o->server.kafka) {
      std::cout << "kavro registry reading " << o->server.kafka->topic << " from "
                << o->server.kafka->bootstrap << std::endl;
    }
    const stop_on_signal stop([&srv] { srv.stop(); });
    auto port = srv.start();
    if (!port) fail_command("registry serve", port.error().message, exit_failed);
    if (stop_requested) srv.stop();  // a signal during start-up found nothing running to stop
    std::cout << "kavro registry listening on " << (o->server.tls_cert_file.empty() ? "http" : "https")
              << "://" << o->server.host << ':' << *port << std::endl;
    srv.wait();
    std::cout << "kavro registry stopped" << std::endl;
  });
  add_passwd(*registry);
}

}  // namespace kavro::cli
