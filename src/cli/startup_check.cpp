// The start-up check of kavro's Kafka commands: the Kafka probe and one registry GET, each turned into
// a line a user can act on.
#include "startup_check.hpp"

#include "common.hpp"
#include "kavro/kafka/probe.hpp"

namespace kavro::cli {

namespace {

bool loopback(const std::string& bootstrap) {
  return bootstrap.find("127.0.0.1") != std::string::npos || bootstrap.find("localhost") != std::string::npos;
}

// librdkafka's reason, without the "sasl_plaintext://127.0.0.1:9093/bootstrap: " prefix that repeats
// the address the line names already.
std::string reason_of(const std::string& detail) {
  const auto slash = detail.find("/bootstrap: ");
  if (slash != std::string::npos) return detail.substr(slash + 12);
  const auto broker = detail.find(": ");
  if (detail.find("://") != std::string::npos && broker != std::string::npos)
    return detail.substr(broker + 2);
  return detail;
}

void check_registry(std::string_view command, const registry::client_config& base, registry_need need,
                    std::chrono::milliseconds bound) {
  if (need == registry_need::none || base.urls.empty()) return;
  for (const auto& url : base.urls) {
    if (!url.starts_with("http://") && !url.starts_with("https://")) return;  // mock://: in-process
  }
  registry::client_config config = base;
  config.request_timeout = std::min(config.request_timeout, bound);
  config.connect_timeout = std::min(config.connect_timeout, bound);
  config.max_retries = 0;
  config.cancelled = [] { return stop_requested.load(); };
  std::string urls;
  for (const auto& u : config.urls) urls += (urls.empty() ? "" : ",") + u;
  std::string line;
  try {
    registry::client client(config);
    auto reply = client.raw_request("GET", "/subjects", nullptr);
    if (stop_requested) fail_command(command, "stopped during the start-up check", exit_interrupted);
    const bool has_credentials =
        !config.basic_auth.empty() || !config.bearer_token.empty() || urls.find('@') != std::string::npos;
    if (!reply) {
      line = "cannot reach the Schema Registry at " + urls + ": " + reply.error().message +
             " — is it running and is this its address? (--registry or schema.registry.url; "
             "`kavro registry serve` starts one)";
    } else if (reply->status == 401) {
      line = "the Schema Registry at " + urls + " answered HTTP 401 (unauthorized): " +
             (has_credentials ? "it refused the credentials given — check them"
                              : "it needs credentials and none were given — give them") +
             " with --registry-auth-file FILE (user:password), $KAVRO_REGISTRY_AUTH, "
             "--registry-bearer-token-file FILE, or basic.auth.user.info in a -F file";
    } else if (reply->status == 403) {
      line = "the Schema Registry at " + urls +
             " answered HTTP 403 (forbidden): the credentials given may not read subjects — use an "
             "account that may (--registry-auth-file, $KAVRO_REGISTRY_AUTH or a -F file)";
    } else if (reply->status / 100 != 2) {
      line = "the Schema Registry at " + urls + " answered HTTP " + std::to_string(reply->status) +
             " to GET /subjects — is this a Schema Registry, and is it healthy?";
    }
  } catch (const std::invalid_argument& e) {
    line = std::string("--registry: ") + e.what();
  }
  if (line.empty()) return;
  if (need == registry_need::optional) {
    report_error(command, line + " (going on without it: values are shown undecoded)");
    return;
  }
  fail_command(command, line, exit_failed);
}

}  // namespace

std::string kafka_failure_line(const std::string& bootstrap, int outcome, const std::string& detail,
                               std::chrono::milliseconds bound) {
  using kafka::probe_outcome;
  const std::string at = "Kafka at " + bootstrap;
  const std::string why = reason_of(detail);
  switch (static_cast<probe_outcome>(outcome)) {
    case probe_outcome::ok:
    case probe_outcome::cancelled:
      return {};
    case probe_outcome::authentication:
      return at + " refused the credentials: " + why +
             " — check sasl.mechanism, sasl.username and sasl.password (in the -F file or -X)";
    case probe_outcome::tls:
      return "cannot reach " + at + ": TLS handshake failed: " + why +
             " — check ssl.ca.location (the CA that signed the broker's certificate), the host name in "
             "--bootstrap, and that the listener speaks SSL";
    case probe_outcome::resolve:
      return "cannot reach " + at + ": the host name does not resolve (" + why +
             ") — check --bootstrap or bootstrap.servers";
    case probe_outcome::refused:
      return "cannot reach " + at + ": connection refused — is the broker running" +
             (loopback(bootstrap) ? "? `scripts/kafka.sh start`"
                                  : " and is this its address? (--bootstrap or bootstrap.servers)");
    case probe_outcome::transport:
      return "cannot reach " + at + ": the connection failed: " + why +
             " — does security.protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL) match the listener?";
    case probe_outcome::timed_out:
      return "cannot reach " + at + ": no answer within " + std::to_string(bound.count()) +
             " ms — is the broker up and the address right? (a slow network: raise --startup-timeout-ms)";
    case probe_outcome::config:
      return detail;
  }
  return detail;
}

void check_startup(std::string_view command, const resolved_client_options& resolved, registry_need need) {
  const auto bound = resolved.startup_timeout;
  if (bound.count() <= 0) return;
  install_stop_signals();
  const auto probed = kafka::probe_cluster(resolved.kafka, bound, [] { return stop_requested.load(); });
  if (probed.outcome == kafka::probe_outcome::cancelled || stop_requested) {
    fail_command(command, "stopped during the start-up check", exit_interrupted);
  }
  if (probed.outcome == kafka::probe_outcome::config) fail_command(command, probed.detail, exit_error);
  if (probed.outcome != kafka::probe_outcome::ok) {
    fail_command(
        command,
        kafka_failure_line(resolved.bootstrap, static_cast<int>(probed.outcome), probed.detail, bound),
        exit_failed);
  }
  check_registry(command, resolved.registry, need, bound);
}

}  // namespace kavro::cli
