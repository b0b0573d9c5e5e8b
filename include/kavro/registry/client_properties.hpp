// A Confluent client properties file split by who reads each key: the Schema Registry client
// (Confluent's SchemaRegistryClientConfig names), librdkafka (Kafka's Java client names translated
// where they differ), and the serializer settings, so a user's existing file works unchanged.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kavro/properties.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/result.hpp"

namespace kavro::registry {

// What a properties file says about the registry client; unset fields leave client_config alone.
struct registry_settings {
  std::optional<std::vector<std::string>> urls;  // schema.registry.url, comma-separated
  std::optional<std::string> basic_auth;         // user:password
  std::optional<std::string> bearer_token;
  std::optional<std::string> tls_ca_file;
  std::optional<std::string> tls_cert_file;
  std::optional<std::string> tls_key_file;
  std::optional<std::string> tls_key_password;
  std::optional<std::chrono::milliseconds> request_timeout;
  std::optional<std::chrono::milliseconds> latest_cache_ttl;

  void apply_to(client_config& config) const;
};

struct client_properties {
  registry_settings registry;
  // librdkafka properties, in first-seen order, the later value of a repeated key kept. Keys kavro
  // does not know pass through: librdkafka itself refuses the ones it does not know.
  std::vector<std::pair<std::string, std::string>> kafka;
  // Confluent serializer/deserializer settings (auto.register.schemas, use.latest.version,
  // *.subject.name.strategy, ...): the command that serializes applies or refuses them.
  std::vector<std::pair<std::string, std::string>> serde;
  // One line per key dropped because only Java clients read it ("file:3: key.serializer: ..."),
  // never quoting a value.
  std::vector<std::string> notes;
};

// Splits entries (applied in order: the later of a repeated key wins). Fails, naming file:line and
// the key but never a secret value, for what kavro cannot honour: JKS/PKCS12 truststores, OAuth
// bearer sources, JAAS login modules other than PLAIN and SCRAM, unknown schema.registry.* keys.
result<client_properties> split_client_properties(const std::vector<property>& entries);

}  // namespace kavro::registry
