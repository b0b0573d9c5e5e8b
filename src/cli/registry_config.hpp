// `kavro registry serve --config`: Confluent's schema-registry.properties names (and the same settings
// from KAVRO_REGISTRY_* / SCHEMA_REGISTRY_* variables) mapped onto the server's settings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kavro/properties.hpp"
#include "kavro/registry_server/types.hpp"
#include "kavro/result.hpp"

namespace kavro::cli {

// What the properties set; an empty optional was not mentioned, so a flag or kavro's default applies.
// Each field names the property (or properties) it comes from.
struct registry_settings {
  std::optional<std::string> host;  // listeners (or the deprecated port)
  std::optional<std::uint16_t> port;
  std::optional<std::string> scheme;            // "http" or "https", from listeners
  std::optional<std::string> kafka_bootstrap;   // kafkastore.bootstrap.servers, PROTOCOL:// stripped
  std::optional<std::string> kafka_topic;       // kafkastore.topic
  std::optional<short> replication_factor;      // kafkastore.topic.replication.factor
  std::optional<long long> store_timeout_ms;    // kafkastore.timeout.ms
  std::optional<long long> session_timeout_ms;  // kafkagroup.session.timeout.ms
  std::optional<std::string> group_id;          // schema.registry.group.id
  // kafkastore.security.protocol, kafkastore.sasl.*, kafkastore.ssl.*, in librdkafka's names.
  std::vector<std::pair<std::string, std::string>> kafka_properties;
  std::optional<registry_server::compatibility_level> compatibility;  // schema.compatibility.level
  std::optional<std::string> host_name;    // host.name: the host other instances forward writes to
  std::optional<std::uint16_t> host_port;  // host.port
  bool basic_auth_required = false;        // authentication.method=BASIC
  std::optional<std::string> auth_file;    // auth.file (kavro's): the users for BASIC
  std::optional<std::string> tls_cert;     // ssl.keystore.location (PEM) or ssl.certificate.location
  std::optional<std::string> tls_key;      // ssl.keystore.location (PEM) or ssl.key.location
  // Where each setting came from ("file:line" or "env NAME"), by property name, for messages.
  std::vector<std::pair<std::string, std::string>> origins;
};

// Maps properties, applied in order (a later entry wins: pass the file's entries, then the
// environment's). A property kavro does not implement, or a value it cannot honour, is an error that
// names the property and where it was set; a known property that changes nothing kavro does (`debug`,
// JVM settings) is dropped with a line in `warnings`.
result<registry_settings> map_registry_properties(const std::vector<property>& properties,
                                                  std::vector<std::string>& warnings);

// Settings from the environment, as properties: KAVRO_REGISTRY_X_Y and (Confluent's image)
// SCHEMA_REGISTRY_X_Y both become x.y, with `___` → `_` and `__` → `-` as Confluent's image spells them.
// SCHEMA_REGISTRY_* come first so that KAVRO_REGISTRY_* win. KAVRO_REGISTRY_AUTH is --auth's own variable,
// not a property, and is left out. `environment` is "NAME=value" strings (environ).
std::vector<property> registry_env_properties(const std::vector<std::string>& environment);

}  // namespace kavro::cli
