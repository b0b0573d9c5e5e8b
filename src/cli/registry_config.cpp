// Confluent's schema-registry.properties (SchemaRegistryConfig and rest-utils' RestConfig names) mapped
// onto `registry serve`'s settings; anything kavro would not honour is refused by name, never dropped.
#include "registry_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <stdexcept>
#include <string_view>

namespace kavro::cli {
namespace {

// Thrown inside the mapping and turned into an error naming the property and where it was set.
struct refusal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

// Kafka's ConfigDef trims every value before parsing it.
std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n\f");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n\f");
  return std::string(s.substr(first, last - first + 1));
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    const auto piece =
        trim(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!piece.empty()) out.push_back(piece);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool parse_bool(const std::string& value) {
  const auto v = lower(value);
  if (v == "true") return true;
  if (v == "false") return false;
  throw refusal("expected true or false, got '" + value + "'");
}

long long parse_int(const std::string& value, long long min, long long max) {
  long long out = 0;
  const auto* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (ec != std::errc() || ptr != end || value.empty())
    throw refusal("expected an integer, got '" + value + "'");
  if (out < min || out > max)
    throw refusal("expected " + std::to_string(min) + " to " + std::to_string(max) + ", got " + value);
  return out;
}

std::uint16_t parse_port(const std::string& value) {
  return static_cast<std::uint16_t>(parse_int(value, 0, 65535));
}

struct listener {
  std::string scheme, host;
  std::uint16_t port;
};

// One rest-utils listener: scheme://host:port, the host empty (every interface), a name or an IP
// literal (IPv6 in brackets).
listener parse_listener(const std::string& text) {
  const auto sep = text.find("://");
  if (sep == std::string::npos) throw refusal("expected scheme://host:port, got '" + text + "'");
  listener out;
  out.scheme = lower(text.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https")
    throw refusal("the scheme of '" + text +
                  "' is not http or https (named listeners and listener.protocol.map are not supported)");
  std::string rest = text.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || (rest.find(']') != std::string::npos && colon < rest.find(']')))
    throw refusal("'" + text + "' has no port");
  out.host = rest.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty()) out.host = "0.0.0.0";
  out.port = parse_port(rest.substr(colon + 1));
  return out;
}

// The username and password of a PlainLoginModule or ScramLoginModule JAAS line, the only two kinds
// librdkafka can take (as sasl.username and sasl.password).
std::pair<std::string, std::string> parse_jaas(const std::string& value) {
  const bool plain = value.find("PlainLoginModule") != std::string::npos;
  const bool scram = value.find("ScramLoginModule") != std::string::npos;
  if (!plain && !scram)
    throw refusal(
        "only PlainLoginModule and ScramLoginModule lines are supported (librdkafka takes a user "
        "name and password, not a JAAS login module)");
  auto field = [&](const std::string& name) {
    for (std::size_t at = value.find(name); at != std::string::npos; at = value.find(name, at + 1)) {
      if (at > 0 && !std::isspace(static_cast<unsigned char>(value[at - 1]))) continue;
      auto p = at + name.size();
      while (p < value.size() && std::isspace(static_cast<unsigned char>(value[p]))) ++p;
      if (p >= value.size() || value[p] != '=') continue;
      ++p;
      while (p < value.size() && std::isspace(static_cast<unsigned char>(value[p]))) ++p;
      if (p >= value.size() || value[p] != '"') throw refusal("the " + name + " is not a quoted string");
      const auto close = value.find('"', p + 1);
      if (close == std::string::npos) throw refusal("the " + name + "'s quote is not closed");
      return value.substr(p + 1, close - p - 1);
    }
    throw refusal("no " + name + "=\"...\" in the JAAS line");
  };
  return {field("username"), field("password")};
}

// Known properties that change nothing kavro does: accepted with a warning rather than refused, so a
// Confluent file works unchanged. Each says why it is harmless.
const std::map<std::string, std::string, std::less<>>& ignored() {
  static const std::map<std::string, std::string, std::less<>> table{
      {"debug", "kavro's error bodies never carry stack traces"},
      {"authentication.realm", "names a JAAS section; kavro reads users from auth.file or --auth-file"},
      {"schema.cache.size", "kavro keeps every schema in memory"},
      {"schema.cache.expiry.secs", "kavro keeps every schema in memory"},
      {"heap.opts", "a JVM setting"},
      {"opts", "a JVM setting"},
      {"jmx.opts", "a JVM setting"},
      {"jmx.port", "a JVM setting"},
      {"jmx.hostname", "a JVM setting"},
      {"log4j.opts", "a JVM setting"},
      {"log4j.root.loglevel", "a JVM setting"},
      {"log4j.loggers", "a JVM setting"},
      {"log.dir", "a JVM setting; kavro logs on stderr"},
  };
  return table;
}

class mapper {
 public:
  explicit mapper(std::vector<std::string>& warnings) : warnings_(warnings) {}

  void apply(const property& p) {
    const std::string value = trim(p.value);
    const std::string& k = p.key;
    where_ = p.origin;
    out_.origins.emplace_back(k, p.origin);
    if (auto it = ignored().find(k); it != ignored().end()) {
      warnings_.push_back(p.origin + ": " + k + " is ignored: " + it->second);
      return;
    }
    if (k == "listeners") {
      const auto list = split_list(value);
      if (list.size() != 1)
        throw refusal("kavro serves one listener; give exactly one scheme://host:port (got " +
                      std::to_string(list.size()) + ")");
      const auto l = parse_listener(list.front());
      out_.scheme = l.scheme;
      out_.host = l.host;
      out_.port = l.port;
    } else if (k == "port") {
      out_.port = parse_port(value);
    } else if (k == "host.name") {
      if (value.empty()) throw refusal("empty host name");
      out_.host_name = value;
    } else if (k == "host.port") {
      out_.host_port = parse_port(value);
    } else if (k == "kafkastore.bootstrap.servers") {
      bootstrap_ = split_list(value);
      if (bootstrap_.empty()) throw refusal("no brokers listed");
    } else if (k == "kafkastore.connection.url") {
      throw refusal("ZooKeeper is not supported: give kafkastore.bootstrap.servers");
    } else if (k == "kafkastore.topic") {
      if (value.empty()) throw refusal("empty topic name");
      out_.kafka_topic = value;
    } else if (k == "kafkastore.topic.replication.factor") {
      out_.replication_factor = static_cast<short>(parse_int(value, 1, 32767));
    } else if (k == "kafkastore.timeout.ms") {
      out_.store_timeout_ms = parse_int(value, 1, 86400000);
    } else if (k == "kafkagroup.session.timeout.ms") {
      out_.session_timeout_ms = parse_int(value, 1, 86400000);
    } else if (k == "schema.registry.group.id") {
      if (value.empty()) throw refusal("empty group id");
      out_.group_id = value;
    } else if (k == "schema.compatibility.level") {
      compatibility_ = {value, p.origin};
    } else if (k == "avro.compatibility.level") {
      // Confluent's deprecated name wins over schema.compatibility.level when it is not empty.
      if (!value.empty()) avro_compatibility_ = {value, p.origin};
    } else if (k == "mode.mutability") {
      if (!parse_bool(value))
        throw refusal(
            "kavro always lets PUT /mode change the mode; mode.mutability=false is not implemented");
    } else if (k == "leader.eligibility" || k == "master.eligibility") {
      if (!parse_bool(value))
        throw refusal("every kavro instance may become leader; " + k + "=false is not implemented");
    } else if (k == "inter.instance.protocol") {
      if (lower(value) != "http" && lower(value) != "https")
        throw refusal("expected http or https, got '" + value + "'");
      inter_instance_protocol_ = lower(value);
    } else if (k == "authentication.method") {
      const auto m = upper(value);
      if (m == "NONE") {
        out_.basic_auth_required = false;
      } else if (m == "BASIC") {
        out_.basic_auth_required = true;
      } else {
        throw refusal("kavro implements NONE and BASIC, not '" + value + "'");
      }
    } else if (k == "authentication.roles") {
      if (value != "*")
        throw refusal(
            "kavro grants access by each user's role in its auth file (read-only or read-write); "
            "remove authentication.roles or set it to *");
    } else if (k == "auth.file") {
      if (value.empty()) throw refusal("empty file name");
      out_.auth_file = value;
    } else if (k == "ssl.keystore.location") {
      keystore_ = value;
    } else if (k == "ssl.keystore.type") {
      keystore_type_ = upper(value);
    } else if (k == "ssl.certificate.location") {
      out_.tls_cert = value;
    } else if (k == "ssl.key.location") {
      out_.tls_key = value;
    } else if (k == "ssl.keystore.password" || k == "ssl.key.password") {
      if (!value.empty())
        throw refusal(
            "kavro reads an unencrypted PEM key; decrypt it (openssl pkey -in key.pem -out "
            "plain.pem) and remove " +
            k);
    } else if (k == "ssl.client.authentication") {
      if (upper(value) != "NONE")
        throw refusal("kavro does not verify client certificates; only NONE is supported");
    } else if (k == "ssl.client.auth") {
      if (parse_bool(value))
        throw refusal("kavro does not verify client certificates; only false is supported");
    } else if (k.rfind("kafkastore.", 0) == 0) {
      kafkastore(k.substr(11), value);
    } else {
      throw refusal(
          "unknown or not implemented by kavro (docs/operations.md lists the properties kavro "
          "reads)");
    }
  }

  registry_settings finish() {
    if (compatibility_ || avro_compatibility_) {
      const auto& [text, origin] = avro_compatibility_ ? *avro_compatibility_ : *compatibility_;
      where_ = origin;
      out_.compatibility = registry_server::parse_compatibility_level(text);
      // SchemaRegistryConfig's own message.
      if (!out_.compatibility) throw refusal("Unknown compatibility level: " + text);
    }
    if (!keystore_.empty()) {
      where_ = origin_of("ssl.keystore.location");
      if (keystore_type_ != "PEM")
        throw refusal("ssl.keystore.type is " +
                      (keystore_type_.empty() ? std::string("JKS (the default)") : keystore_type_) +
                      "; kavro reads PEM: convert the keystore to one PEM file holding the key and the "
                      "certificate chain and set ssl.keystore.type=PEM");
      out_.tls_cert = keystore_;
      out_.tls_key = keystore_;
    }
    if (inter_instance_protocol_ && out_.scheme && *inter_instance_protocol_ != *out_.scheme) {
      where_ = origin_of("inter.instance.protocol");
      throw refusal("kavro forwards over its one listener's scheme (" + *out_.scheme + ")");
    }
    finish_kafkastore();
    return std::move(out_);
  }

  const std::string& where() const { return where_; }

 private:
  std::string origin_of(const std::string& key) const {
    for (auto it = out_.origins.rbegin(); it != out_.origins.rend(); ++it)
      if (it->first == key) return it->second;
    return where_;
  }

  // kafkastore.* security settings, in Java's names, to librdkafka's.
  void kafkastore(const std::string& name, const std::string& value) {
    if (name == "security.protocol") {
      const auto v = upper(value);
      if (v != "PLAINTEXT" && v != "SSL" && v != "SASL_PLAINTEXT" && v != "SASL_SSL")
        throw refusal("Only PLAINTEXT, SSL, SASL_PLAINTEXT, and SASL_SSL Kafka endpoints are supported.");
      security_protocol_ = v;
    } else if (name == "sasl.mechanism") {
      kafka_["sasl.mechanisms"] = value;
    } else if (name == "sasl.jaas.config") {
      auto [user, password] = parse_jaas(value);
      kafka_["sasl.username"] = user;
      kafka_["sasl.password"] = password;
    } else if (name == "sasl.kerberos.service.name") {
      kafka_["sasl.kerberos.service.name"] = value;
    } else if (name == "ssl.endpoint.identification.algorithm") {
      kafka_["ssl.endpoint.identification.algorithm"] = value.empty() ? "none" : lower(value);
    } else if (name == "ssl.truststore.location") {
      truststore_ = value;
    } else if (name == "ssl.truststore.type") {
      truststore_type_ = upper(value);
    } else if (name == "ssl.truststore.password") {
      truststore_password_ = value;
    } else if (name == "ssl.keystore.location") {
      kafka_keystore_ = value;
    } else if (name == "ssl.keystore.type") {
      kafka_keystore_type_ = upper(value);
    } else if (name == "ssl.keystore.password") {
      kafka_["ssl.keystore.password"] = value;
    } else if (name == "ssl.key.password") {
      kafka_["ssl.key.password"] = value;
    } else if (name == "init.timeout.ms") {
      throw refusal("kavro has one store timeout for start-up and writes: give kafkastore.timeout.ms");
    } else {
      throw refusal(
          "not passed to kavro's Kafka clients (kafkastore.security.protocol, "
          "kafkastore.sasl.mechanism, kafkastore.sasl.jaas.config, kafkastore.ssl.truststore.*, "
          "kafkastore.ssl.keystore.*, kafkastore.ssl.key.password and "
          "kafkastore.ssl.endpoint.identification.algorithm are)");
    }
  }

  void finish_kafkastore() {
    if (!truststore_.empty()) {
      where_ = origin_of("kafkastore.ssl.truststore.location");
      if (truststore_type_ != "PEM")
        throw refusal("kafkastore.ssl.truststore.type is " +
                      (truststore_type_.empty() ? std::string("JKS (the default)") : truststore_type_) +
                      "; librdkafka reads CA certificates in PEM: export them and set "
                      "kafkastore.ssl.truststore.type=PEM");
      if (!truststore_password_.empty())
        throw refusal("a PEM truststore has no password: remove kafkastore.ssl.truststore.password");
      kafka_["ssl.ca.location"] = truststore_;
    }
    if (!kafka_keystore_.empty()) {
      where_ = origin_of("kafkastore.ssl.keystore.location");
      if (kafka_keystore_type_ == "PKCS12") {
        kafka_["ssl.keystore.location"] = kafka_keystore_;
      } else if (kafka_keystore_type_ == "PEM") {
        // One PEM file with the key and the certificate chain, as Kafka's PEM keystore.
        kafka_["ssl.certificate.location"] = kafka_keystore_;
        kafka_["ssl.key.location"] = kafka_keystore_;
        if (auto it = kafka_.find("ssl.keystore.password"); it != kafka_.end()) {
          if (!it->second.empty())
            throw refusal("a PEM keystore has no store password: remove kafkastore.ssl.keystore.password");
          kafka_.erase(it);
        }
      } else {
        throw refusal(
            "kafkastore.ssl.keystore.type is " +
            (kafka_keystore_type_.empty() ? std::string("JKS (the default)") : kafka_keystore_type_) +
            "; librdkafka reads PKCS12 or PEM keystores");
      }
    }
    if (security_protocol_) kafka_["security.protocol"] = lower(*security_protocol_);
    out_.kafka_properties.assign(kafka_.begin(), kafka_.end());
    if (!bootstrap_.empty()) {
      // SchemaRegistryConfig.endpointsToBootstrapServers: an endpoint that names another protocol
      // than kafkastore.security.protocol is skipped (with a warning); a bare host:port is kept.
      where_ = origin_of("kafkastore.bootstrap.servers");
      const std::string protocol = security_protocol_.value_or("PLAINTEXT");
      std::string joined;
      for (const auto& e : bootstrap_) {
        std::string endpoint = e;
        if (const auto sep = e.find("://"); sep != std::string::npos) {
          if (upper(e.substr(0, sep)) != protocol) {
            warnings_.push_back(
                where_ + ": Ignoring Kafka broker endpoint " + e +
                " that does not match the setting for kafkastore.security.protocol=" + protocol);
            continue;
          }
          endpoint = e.substr(sep + 3);
        }
        if (!joined.empty()) joined += ',';
        joined += endpoint;
      }
      if (joined.empty())
        throw refusal(
            "No supported Kafka endpoints are configured. kafkastore.bootstrap.servers must have at "
            "least one endpoint matching kafkastore.security.protocol.");
      out_.kafka_bootstrap = joined;
    }
  }

  std::vector<std::string>& warnings_;
  registry_settings out_;
  std::string where_;
  std::vector<std::string> bootstrap_;
  std::optional<std::pair<std::string, std::string>> compatibility_, avro_compatibility_;
  std::optional<std::string> inter_instance_protocol_;
  std::string keystore_, keystore_type_;
  std::optional<std::string> security_protocol_;
  std::string truststore_, truststore_type_, truststore_password_;
  std::string kafka_keystore_, kafka_keystore_type_;
  std::map<std::string, std::string> kafka_;
};

// SCHEMA_REGISTRY_KAFKASTORE_TOPIC → kafkastore.topic; `___` → `_` and `__` → `-`.
std::string env_to_key(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    if (name[i] != '_') {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i++])));
      continue;
    }
    std::size_t run = 0;
    while (i < name.size() && name[i] == '_') ++run, ++i;
    for (; run >= 3; run -= 3) out += '_';
    if (run == 2) out += '-';
    if (run == 1) out += '.';
  }
  return out;
}

}  // namespace

result<registry_settings> map_registry_properties(const std::vector<property>& properties,
                                                  std::vector<std::string>& warnings) {
  mapper m(warnings);
  std::string key;
  try {
    for (const auto& p : properties) {
      key = p.key;
      m.apply(p);
    }
    key.clear();
    return m.finish();
  } catch (const refusal& e) {
    return fail(errc::invalid_argument,
                m.where() + ": " + (key.empty() ? std::string() : key + ": ") + e.what());
  }
}

std::vector<property> registry_env_properties(const std::vector<std::string>& environment) {
  // Variables that are flags' own (or the client's) and not properties.
  constexpr std::array<std::string_view, 2> not_properties{"KAVRO_REGISTRY_AUTH", "KAVRO_REGISTRY_CONFIG"};
  std::vector<property> confluent, kavro;
  for (const auto& entry : environment) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string_view name(entry.data(), eq);
    for (auto [prefix, into] :
         {std::pair<std::string_view, std::vector<property>*>{"SCHEMA_REGISTRY_", &confluent},
          std::pair<std::string_view, std::vector<property>*>{"KAVRO_REGISTRY_", &kavro}}) {
      if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) continue;
      if (std::find(not_properties.begin(), not_properties.end(), name) != not_properties.end()) continue;
      into->push_back(
          {env_to_key(name.substr(prefix.size())), entry.substr(eq + 1), "env " + std::string(name)});
    }
  }
  // A stable order whatever the environment's, so the same variables always give the same result.
  auto by_key = [](const property& a, const property& b) { return a.origin < b.origin; };
  std::sort(confluent.begin(), confluent.end(), by_key);
  std::sort(kavro.begin(), kavro.end(), by_key);
  confluent.insert(confluent.end(), kavro.begin(), kavro.end());
  return confluent;
}

}  // namespace kavro::cli
