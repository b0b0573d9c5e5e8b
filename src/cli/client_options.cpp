// Registry client options: flags, environment and -F properties files folded into one client_config.
#include "client_options.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "common.hpp"
#include "kavro/properties.hpp"

namespace kavro::cli {
namespace {

constexpr std::size_t max_secret_file_bytes = 64 * 1024;

std::vector<std::string> split_urls(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = list.find(',', start);
    std::string url = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto b = url.find_first_not_of(" \t");
    if (b != std::string::npos) out.push_back(url.substr(b, url.find_last_not_of(" \t") - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void require_readable(const std::string& option, const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument(option + " " + path + ": cannot open: " + std::strerror(errno));
}

// The Kafka side: the files' librdkafka properties, -X over them, and the bootstrap servers by
// precedence (an explicit --bootstrap, then bootstrap.servers from -X or -F, then the default).
void resolve_kafka(const client_options& options, resolved_client_options& out) {
  for (const auto& [k, v] : out.properties.kafka) out.kafka[k] = v;
  auto items = parse_property_items(options.kafka_properties, "-X");
  if (!items) throw std::invalid_argument(items.error().message);
  for (auto& e : *items) out.kafka[std::move(e.key)] = std::move(e.value);
  const bool explicit_bootstrap = options.bootstrap_option && options.bootstrap_option->count() > 0;
  auto it = out.kafka.find(kafka::keys::bootstrap_servers);
  if (explicit_bootstrap || it == out.kafka.end() || it->second.empty()) {
    out.bootstrap = options.bootstrap;
  } else {
    out.bootstrap = it->second;
  }
  if (out.bootstrap.empty()) throw std::invalid_argument("--bootstrap: no Kafka bootstrap servers given");
  out.kafka[kafka::keys::bootstrap_servers] = out.bootstrap;
  out.startup_timeout = std::chrono::milliseconds(options.startup_timeout_ms);
}

}  // namespace

std::shared_ptr<client_options> add_client_options(CLI::App& cmd, const client_parts& parts) {
  auto o = std::make_shared<client_options>();
  o->registry = default_registry();
  if (parts.kafka) {
    o->kafka = true;
    o->bootstrap = default_bootstrap();
    o->bootstrap_option = cmd.add_option(
        "-b,--bootstrap", o->bootstrap,
        "Kafka bootstrap servers (default: the -F files' bootstrap.servers, else $KAVRO_BOOTSTRAP or " +
            o->bootstrap + ")");
    cmd.add_option("-X,--property", o->kafka_properties, parts.property_help)->type_name("KEY=VALUE");
    cmd.add_option("--startup-timeout-ms", o->startup_timeout_ms,
                   "Before the work starts, check within this bound that Kafka and the registry answer, and "
                   "fail with one line naming the cause if not (0: no check)")
        ->capture_default_str()
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{600000}));
  }
  if (parts.registry) {
    o->registry_option = cmd.add_option(
        parts.short_registry ? "-r,--registry" : "--registry", o->registry,
        "Schema Registry URL(s), comma-separated (default: the -F files' schema.registry.url, else "
        "$KAVRO_REGISTRY or " +
            o->registry + ")");
  }
  cmd.add_option("-F,--config", o->config_files,
                 "Client properties file in Confluent's names (schema.registry.url, basic.auth.user.info, "
                 "bootstrap.servers, security.protocol, sasl.*, ssl.* ...); repeatable, a later file wins; "
                 "-X and the command's flags win over it")
      ->type_name("FILE");
  if (!parts.registry) return o;
  cmd.add_option("--registry-auth-file", o->auth_file,
                 "File holding the registry's user:password (or set $KAVRO_REGISTRY_AUTH)")
      ->type_name("FILE");
  cmd.add_option("--registry-bearer-token-file", o->bearer_token_file,
                 "File holding a bearer token for the registry")
      ->type_name("FILE");
  cmd.add_option("--registry-ca", o->ca_file, "PEM file of the CA(s) to trust for an https registry")
      ->type_name("FILE");
  cmd.add_option("--registry-cert", o->cert_file, "PEM client certificate for mutual TLS with the registry")
      ->type_name("FILE");
  cmd.add_option("--registry-key", o->key_file, "PEM private key of --registry-cert")->type_name("FILE");
  return o;
}

namespace {

resolved_client_options resolve_with(std::string_view command, const client_options& options, bool serializes,
                                     const serde_applier& apply) {
  resolved_client_options out;
  try {
    out = resolve_client_options(options);
  } catch (const std::invalid_argument& e) {
    fail_command(command, e.what());
  }
  for (const auto& note : out.properties.notes) report_error(command, "note: " + note);
  for (const auto& [key, value] : out.properties.serde) {
    if (!serializes) {
      report_error(command, "note: -F: " + key + ": a serializer setting; this command serializes nothing");
      continue;
    }
    if (apply) {
      auto taken = apply(key, value);
      if (!taken) fail_command(command, "-F: " + key + ": " + taken.error().message);
      if (*taken) continue;
    }
    fail_command(command, "-F: " + key + ": a serializer setting kavro " + std::string(command) +
                              " does not implement; remove it from the file");
  }
  return out;
}

}  // namespace

resolved_client_options resolve_for_command(std::string_view command, const client_options& options,
                                            bool serializes) {
  return resolve_with(command, options, serializes, {});
}

resolved_client_options resolve_for_command(std::string_view command, const client_options& options,
                                            const serde_applier& apply) {
  return resolve_with(command, options, true, apply);
}

std::string read_secret_file(const std::string& what, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw std::invalid_argument(what + " " + path + ": cannot read: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw std::invalid_argument(what + " " + path + ": not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_secret_file_bytes) {
    throw std::invalid_argument(what + " " + path + ": larger than 64 KiB; not a credentials file?");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(what + " " + path + ": cannot open: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) throw std::invalid_argument(what + " " + path + ": empty");
  if (text.find('\n') != std::string::npos) {
    throw std::invalid_argument(what + " " + path + ": more than one line");
  }
  return text;
}

resolved_client_options resolve_client_options(const client_options& options) {
  resolved_client_options out;
  std::vector<property> entries;
  for (const auto& file : options.config_files) {
    auto loaded = load_properties(file);
    if (!loaded) throw std::invalid_argument("-F " + loaded.error().message);
    entries.insert(entries.end(), loaded->begin(), loaded->end());
  }
  auto split = registry::split_client_properties(entries);
  if (!split) throw std::invalid_argument("-F " + split.error().message);
  out.properties = std::move(*split);

  registry::client_config& config = out.registry;
  config.urls = split_urls(options.registry);  // the default, or --registry
  out.properties.registry.apply_to(config);
  if (options.registry_option && options.registry_option->count() > 0)
    config.urls = split_urls(options.registry);
  if (config.urls.empty()) throw std::invalid_argument("--registry: no URL given");

  if (!options.bearer_token_file.empty() && !options.auth_file.empty()) {
    throw std::invalid_argument(
        "--registry-auth-file and --registry-bearer-token-file are exclusive; give one");
  }
  // Basic auth: the flag's file, else the environment, else the -F files.
  if (!options.auth_file.empty()) {
    config.basic_auth = read_secret_file("--registry-auth-file", options.auth_file);
    config.bearer_token.clear();
  } else if (const char* env = std::getenv("KAVRO_REGISTRY_AUTH"); env && *env) {
    config.basic_auth = env;
    config.bearer_token.clear();
  }
  if (!config.basic_auth.empty() && config.basic_auth.find(':') == std::string::npos) {
    throw std::invalid_argument(std::string(options.auth_file.empty()
                                                ? "KAVRO_REGISTRY_AUTH"
                                                : "--registry-auth-file " + options.auth_file) +
                                ": expected user:password (no ':' found)");
  }
  if (!options.bearer_token_file.empty()) {
    config.bearer_token = read_secret_file("--registry-bearer-token-file", options.bearer_token_file);
    config.basic_auth.clear();
  }
  if (!options.ca_file.empty()) {
    require_readable("--registry-ca", options.ca_file);
    config.tls_ca_file = options.ca_file;
  }
  if (!options.cert_file.empty()) {
    require_readable("--registry-cert", options.cert_file);
    config.tls_cert_file = options.cert_file;
  }
  if (!options.key_file.empty()) {
    require_readable("--registry-key", options.key_file);
    config.tls_key_file = options.key_file;
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    throw std::invalid_argument("--registry-cert and --registry-key go together: give both or neither");
  }
  if (options.kafka) resolve_kafka(options, out);
  return out;
}

}  // namespace kavro::cli
