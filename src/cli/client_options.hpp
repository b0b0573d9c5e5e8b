// The client options every kavro command that talks to a registry or to Kafka takes, and the `-F`
// properties files (Confluent's names) the registry client and every librdkafka client share. No
// secret needs the command line itself: files and the environment carry them.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kavro/kafka/config.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/registry/client_properties.hpp"
#include "kavro/result.hpp"

namespace kavro::cli {

struct client_options {
  std::string registry;                    // --registry URL[,URL...]
  CLI::Option* registry_option = nullptr;  // to tell an explicit --registry from the default
  std::vector<std::string> config_files;   // -F/--config, in order: a later file wins
  std::string auth_file;                   // --registry-auth-file: user:password
  std::string bearer_token_file;           // --registry-bearer-token-file
  std::string ca_file;                     // --registry-ca
  std::string cert_file;                   // --registry-cert
  std::string key_file;                    // --registry-key
  // Kafka commands only (client_parts::kafka):
  bool kafka = false;
  std::string bootstrap;                      // -b/--bootstrap
  CLI::Option* bootstrap_option = nullptr;    // to tell an explicit --bootstrap from the default
  std::vector<std::string> kafka_properties;  // -X KEY=VALUE, in order: a later KEY wins
  std::int64_t startup_timeout_ms = 5000;     // --startup-timeout-ms; 0: no start-up check
};

// Which options a command gets. A command that talks to Kafka gets -b, -X and --startup-timeout-ms,
// and its -F files' Kafka part is read; one that talks to a registry gets the registry options.
struct client_parts {
  bool kafka = false;
  bool registry = true;
  bool short_registry = false;  // also -r for --registry (produce and consume always had it)
  std::string property_help = "librdkafka property KEY=VALUE (repeatable; over the -F files)";
};

// Adds --registry, -F/--config, --registry-auth-file, --registry-bearer-token-file, --registry-ca,
// --registry-cert and --registry-key to `cmd` (and the Kafka options `parts` asks for). The options
// live as long as the returned pointer.
std::shared_ptr<client_options> add_client_options(CLI::App& cmd, const client_parts& parts = {});

// What the options add up to. Precedence, highest first: the command-line flags, then
// KAVRO_REGISTRY_AUTH (user:password) for basic auth, then the -F files (later ones win), then
// KAVRO_REGISTRY and the built-in default for the URL.
struct resolved_client_options {
  registry::client_config registry;
  // The Kafka and serializer parts of the -F files, for commands that create Kafka clients.
  registry::client_properties properties;
  // Kafka commands: what every librdkafka client of the command starts from. The -F files' Kafka part,
  // then -X over it; bootstrap.servers is always set, to `bootstrap`.
  std::string bootstrap;  // --bootstrap if given, else -X's or -F's bootstrap.servers, else the default
  kafka::properties kafka;
  std::chrono::milliseconds startup_timeout{0};
};

// Reads the files the options name (and, for a Kafka command, parses -X); throws std::invalid_argument with a
// message that names the option or file:line at fault and never quotes a secret.
resolved_client_options resolve_client_options(const client_options& options);

// resolve_client_options for a Kafka or registry command: a bad option or file ends the command (exit 2)
// with one line naming it; the files' notes (keys only Java clients read) go to stderr; serializer
// settings (auto.register.schemas, ...) are refused by a command that (de)serializes and does not
// implement them, and noted as ignored by one that does not serialize at all (`serializes` false: dlq).
resolved_client_options resolve_for_command(std::string_view command, const client_options& options,
                                            bool serializes = true);

// The serializer settings of the -F files that `apply` takes (it answers false for a key the command
// does not implement, or an error for a bad value); the others are refused as above. An error or a
// refusal ends the command (exit 2) naming the key, never the value.
using serde_applier = std::function<result<bool>(const std::string& key, const std::string& value)>;
resolved_client_options resolve_for_command(std::string_view command, const client_options& options,
                                            const serde_applier& apply);

// Reads a small secret file (a password or a token): its content without the trailing newline.
// Throws std::invalid_argument naming `what` and the path.
std::string read_secret_file(const std::string& what, const std::string& path);

}  // namespace kavro::cli
