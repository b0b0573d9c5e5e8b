// The registry client options every kavro command that talks to a registry takes, and the `-F`
// properties files (Confluent's names) they share with the Kafka clients. No secret is ever taken
// from the command line itself: only from files and the environment.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kavro/registry/client.hpp"
#include "kavro/registry/client_properties.hpp"

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
};

// Adds --registry, -F/--config, --registry-auth-file, --registry-bearer-token-file, --registry-ca,
// --registry-cert and --registry-key to `cmd`. The options live as long as the returned pointer.
std::shared_ptr<client_options> add_client_options(CLI::App& cmd);

// What the options add up to. Precedence, highest first: the command-line flags, then
// KAVRO_REGISTRY_AUTH (user:password) for basic auth, then the -F files (later ones win), then
// KAVRO_REGISTRY and the built-in default for the URL.
struct resolved_client_options {
  registry::client_config registry;
  // The Kafka and serializer parts of the -F files, for commands that create Kafka clients.
  registry::client_properties properties;
};

// Reads the files the options name; throws std::invalid_argument with a message that names the
// option or file:line at fault and never quotes a secret.
resolved_client_options resolve_client_options(const client_options& options);

// Reads a small secret file (a password or a token): its content without the trailing newline.
// Throws std::invalid_argument naming `what` and the path.
std::string read_secret_file(const std::string& what, const std::string& path);

}  // namespace kavro::cli
