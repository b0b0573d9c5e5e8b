// Confluent's and Kafka's Java client property names mapped onto kavro's registry client and
// librdkafka: what is translated, what is refused (with the fix), what is dropped with a note.
#include "kavro/registry/client_properties.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string_view>

namespace kavro::registry {

void registry_settings::apply_to(client_config& config) const {
  if (urls) config.urls = *urls;
  if (basic_auth) config.basic_auth = *basic_auth;
  if (bearer_token) config.bearer_token = *bearer_token;
  if (tls_ca_file) config.tls_ca_file = *tls_ca_file;
  if (tls_cert_file) config.tls_cert_file = *tls_cert_file;
  if (tls_key_file) config.tls_key_file = *tls_key_file;
  if (tls_key_password) config.tls_key_password = *tls_key_password;
  if (request_timeout) config.request_timeout = *request_timeout;
  if (latest_cache_ttl) config.latest_cache_ttl = *latest_cache_ttl;
}

namespace {

constexpr std::string_view sr_prefix = "schema.registry.";

// Read only by Java clients; librdkafka would refuse them, and nothing in kavro needs them.
constexpr std::array java_only = {
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "client.dns.lookup",
    "interceptor.classes",
    "partitioner.class",
    "ssl.protocol",
    "ssl.enabled.protocols",
    "ssl.keymanager.algorithm",
    "ssl.trustmanager.algorithm",
    "ssl.secure.random.implementation",
    "ssl.truststore.password",
    "sasl.login.callback.handler.class",
    "sasl.client.callback.handler.class",
    "sasl.login.class",
    "default.api.timeout.ms",
    "metric.reporters",
    "security.providers",
    "ssl.engine.factory.class",
};

// Confluent's serializer/deserializer settings (AbstractKafkaSchemaSerDeConfig, KafkaAvroSerDeConfig).
constexpr std::array serde_keys = {
    "auto.register.schemas",
    "use.latest.version",
    "use.latest.with.metadata",
    "normalize.schemas",
    "use.schema.id",
    "id.compatibility.strict",
    "latest.compatibility.strict",
    "key.subject.name.strategy",
    "value.subject.name.strategy",
    "context.name.strategy",
    "max.schemas.per.subject",
    "latest.cache.size",
    "specific.avro.reader",
    "avro.use.logical.type.converters",
    "avro.reflection.allow.null",
    "avro.remove.java.properties",
    "schema.reflection",
    "propagate.schema.tags",
    "schema.format",
    "key.schema.id.serializer",
    "value.schema.id.serializer",
    "key.schema.id.deserializer",
    "value.schema.id.deserializer",
};

bool in(std::string_view key, const auto& table) {
  return std::find(table.begin(), table.end(), key) != table.end();
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

struct value_at {
  std::string value;
  std::string origin;
};

// The last value of each key and where it was set, in first-seen order.
class folded {
 public:
  explicit folded(const std::vector<property>& entries) {
    for (const auto& e : entries) {
      auto [it, fresh] = values_.try_emplace(e.key, value_at{e.value, e.origin});
      if (fresh) {
        order_.push_back(e.key);
      } else {
        it->second = value_at{e.value, e.origin};
      }
    }
  }
  const value_at* find(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }
  const std::vector<std::string>& keys() const { return order_; }

 private:
  std::map<std::string, value_at> values_;
  std::vector<std::string> order_;
};

tl::unexpected<error> refuse(const value_at& at, const std::string& key, const std::string& why) {
  return fail(errc::invalid_argument, at.origin + ": " + key + ": " + why);
}

// A JAAS line: `<LoginModule class> required|optional|... key="v" key2='v2';`, values quoted with
// either quote and no escapes (as Kafka's JaasConfig tokenizes them).
struct jaas_entry {
  std::string module;
  std::map<std::string, std::string> options;
};

result<jaas_entry> parse_jaas(std::string_view s, const value_at& at) {
  jaas_entry out;
  std::size_t i = 0;
  const auto skip = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  const auto word = [&] {
    skip();
    const std::size_t b = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '=' && s[i] != ';') ++i;
    return std::string(s.substr(b, i - b));
  };
  out.module = word();
  const std::string flag = word();
  if (out.module.empty() || flag.empty())
    return refuse(at, "sasl.jaas.config", "not a JAAS login module line");
  for (;;) {
    skip();
    if (i >= s.size()) return refuse(at, "sasl.jaas.config", "the JAAS line does not end with ';'");
    if (s[i] == ';') break;
    const std::string name = word();
    skip();
    if (name.empty() || i >= s.size() || s[i] != '=') {
      return refuse(at, "sasl.jaas.config", "expected option=value in the JAAS line");
    }
    ++i;
    skip();
    std::string value;
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
      const char q = s[i++];
      const std::size_t end = s.find(q, i);
      if (end == std::string_view::npos) {
        return refuse(at, "sasl.jaas.config", "unterminated quoted value of option '" + name + "'");
      }
      value = std::string(s.substr(i, end - i));
      i = end + 1;
    } else {
      value = word();
    }
    out.options[name] = value;
  }
  return out;
}

// A truststore or keystore given by Java's location/type keys. kavro's TLS (OpenSSL through libcurl
// and librdkafka) reads PEM; a PKCS12 keystore only where librdkafka takes it.
std::string store_type(const folded& f, const std::string& type_key) {
  const auto* t = f.find(type_key);
  return t ? upper(trim(t->value)) : "JKS";  // Java's default
}

}  // namespace

result<client_properties> split_client_properties(const std::vector<property>& entries) {
  const folded f(entries);
  client_properties out;
  registry_settings& reg = out.registry;
  const auto note = [&](const value_at& at, const std::string& key, const std::string& why) {
    out.notes.push_back(at.origin + ": " + key + ": " + why);
  };

  // The registry client.
  std::optional<std::string> user_info;
  const value_at* user_info_at = nullptr;
  for (const char* key : {"schema.registry.basic.auth.user.info", "basic.auth.user.info"}) {
    if (const auto* v = f.find(key)) {
      user_info = v->value;
      user_info_at = v;
    }
  }
  std::string source = "URL";  // Confluent's default: credentials come from the URL's user info
  const value_at* source_at = f.find("basic.auth.credentials.source");
  if (source_at) {
    source = upper(trim(source_at->value));
  } else if (user_info) {
    // Java would ignore the user info under the default URL source; a file that gives user info
    // without a source means it, as confluent-kafka-python reads it.
    source = "USER_INFO";
  }
  if (source == "USER_INFO") {
    if (!user_info || user_info->empty()) {
      return refuse(*source_at, "basic.auth.credentials.source",
                    "USER_INFO needs basic.auth.user.info=<user>:<password>");
    }
    if (user_info->find(':') == std::string::npos) {
      return refuse(*user_info_at, "basic.auth.user.info", "expected <user>:<password> (no ':' found)");
    }
    reg.basic_auth = *user_info;
  } else if (source == "URL") {
    if (user_info && !user_info->empty()) {
      return refuse(*user_info_at, "basic.auth.user.info",
                    "set, but basic.auth.credentials.source=URL takes the credentials from the URL; set "
                    "basic.auth.credentials.source=USER_INFO");
    }
  } else if (source == "SASL_INHERIT") {
    // Filled in below from the SASL username and password of the Kafka settings.
  } else {
    return refuse(*source_at, "basic.auth.credentials.source",
                  "'" + source_at->value + "' is not one of USER_INFO, URL, SASL_INHERIT");
  }

  if (const auto* token = f.find("bearer.auth.token")) {
    const auto* bsource = f.find("bearer.auth.credentials.source");
    if (bsource && upper(trim(bsource->value)) != "STATIC_TOKEN") {
      return refuse(
          *bsource, "bearer.auth.credentials.source",
          "'" + bsource->value + "' is not supported by kavro; use STATIC_TOKEN with bearer.auth.token");
    }
    reg.bearer_token = trim(token->value);
  } else if (const auto* bsource = f.find("bearer.auth.credentials.source")) {
    return refuse(
        *bsource, "bearer.auth.credentials.source",
        upper(trim(bsource->value)) == "STATIC_TOKEN"
            ? "STATIC_TOKEN needs bearer.auth.token"
            : "'" + bsource->value + "' is not supported by kavro; use STATIC_TOKEN with bearer.auth.token");
  }
  if ((reg.basic_auth || source == "SASL_INHERIT") && reg.bearer_token) {
    return refuse(*f.find("bearer.auth.token"), "bearer.auth.token",
                  "basic auth and a bearer token are exclusive; remove one");
  }

  // SASL credentials from a JAAS line, for librdkafka and for SASL_INHERIT.
  std::optional<std::string> sasl_user;
  std::optional<std::string> sasl_password;
  if (const auto* jaas = f.find("sasl.jaas.config")) {
    auto parsed = parse_jaas(jaas->value, *jaas);
    if (!parsed) return tl::unexpected(parsed.error());
    const std::string& m = parsed->module;
    if (m.ends_with("PlainLoginModule") || m.ends_with("ScramLoginModule")) {
      auto u = parsed->options.find("username");
      auto p = parsed->options.find("password");
      if (u == parsed->options.end() || p == parsed->options.end()) {
        return refuse(*jaas, "sasl.jaas.config", m + " needs username and password options");
      }
      sasl_user = u->second;
      sasl_password = p->second;
    } else if (m.ends_with("OAuthBearerLoginModule")) {
      return refuse(
          *jaas, "sasl.jaas.config",
          "OAuthBearerLoginModule is Java's; use librdkafka's sasl.oauthbearer.* properties instead");
    } else {
      return refuse(*jaas, "sasl.jaas.config",
                    "login module '" + m +
                        "' is not supported; for Kerberos use librdkafka's sasl.kerberos.* properties");
    }
  }
  if (const auto* u = f.find("sasl.username")) sasl_user = u->value;
  if (const auto* p = f.find("sasl.password")) sasl_password = p->value;
  if (source == "SASL_INHERIT") {
    if (!sasl_user || !sasl_password) {
      return refuse(
          *source_at, "basic.auth.credentials.source",
          "SASL_INHERIT needs sasl.jaas.config (PLAIN or SCRAM) or sasl.username and sasl.password");
    }
    reg.basic_auth = *sasl_user + ":" + *sasl_password;
  }

  for (const auto& key : f.keys()) {
    const value_at& at = *f.find(key);
    if (key == "schema.registry.url") {
      std::vector<std::string> urls;
      std::string_view rest = at.value;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        if (auto url = trim(rest.substr(0, comma)); !url.empty()) urls.push_back(url);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
      if (urls.empty()) return refuse(at, key, "empty");
      reg.urls = std::move(urls);
    } else if (key == "schema.registry.basic.auth.user.info" || key == "basic.auth.user.info" ||
               key == "basic.auth.credentials.source" || key == "bearer.auth.token" ||
               key == "bearer.auth.credentials.source") {
      // handled above
    } else if (key.starts_with("bearer.auth.")) {
      return refuse(at, key, "OAuth bearer settings are not supported by kavro; use bearer.auth.token");
    } else if (key == "srclient.http.read.timeout.ms" || key == "latest.cache.ttl.sec") {
      long long n = -2;
      try {
        std::size_t used = 0;
        n = std::stoll(at.value, &used);
        if (used != at.value.size()) n = -2;
      } catch (const std::exception&) {
      }
      if (key == "latest.cache.ttl.sec") {
        if (n < -1) return refuse(at, key, "expected a number of seconds (-1: no expiry)");
        // -1 (Confluent: no TTL, cache for ever) becomes a very long TTL.
        reg.latest_cache_ttl = n < 0 ? std::chrono::milliseconds(std::chrono::hours(24 * 365))
                                     : std::chrono::milliseconds(n * 1000);
      } else {
        if (n <= 0) return refuse(at, key, "expected a positive number of milliseconds");
        reg.request_timeout = std::chrono::milliseconds(n);
      }
    } else if (key == "srclient.http.connect.timeout.ms") {
      note(at, key,
           "not applied: the registry client bounds each request as a whole (srclient.http.read.timeout.ms)");
    } else if (key.starts_with(sr_prefix)) {
      const std::string ssl = key.substr(sr_prefix.size());
      if (ssl == "ssl.ca.location") {
        reg.tls_ca_file = at.value;
      } else if (ssl == "ssl.certificate.location") {
        reg.tls_cert_file = at.value;
      } else if (ssl == "ssl.key.location") {
        reg.tls_key_file = at.value;
      } else if (ssl == "ssl.key.password") {
        reg.tls_key_password = at.value;
      } else if (ssl == "ssl.truststore.location") {
        const std::string type = store_type(f, key.substr(0, key.size() - 8) + "type");
        if (type != "PEM") {
          return refuse(
              at, key,
              "a " + type +
                  " truststore cannot be read by kavro's TLS library (OpenSSL); export the CA as "
                  "PEM (keytool -exportcert -rfc -keystore <file> -alias <ca>) and give it as "
                  "schema.registry.ssl.ca.location, or set schema.registry.ssl.truststore.type=PEM");
        }
        reg.tls_ca_file = at.value;
      } else if (ssl == "ssl.keystore.location") {
        const std::string type = store_type(f, key.substr(0, key.size() - 8) + "type");
        if (type != "PEM") {
          return refuse(at, key,
                        "a " + type +
                            " keystore cannot be read by kavro's registry client; give the certificate and "
                            "key as PEM files: schema.registry.ssl.certificate.location and "
                            "schema.registry.ssl.key.location");
        }
        reg.tls_cert_file = at.value;  // a PEM keystore holds the key and its certificate chain
        reg.tls_key_file = at.value;
      } else if (ssl == "ssl.truststore.type" || ssl == "ssl.keystore.type") {
        // read with the location
      } else if (ssl == "ssl.truststore.password" || ssl == "ssl.keystore.password") {
        note(at, key, "not needed for PEM files; ignored");
      } else if (ssl == "ssl.endpoint.identification.algorithm") {
        if (upper(trim(at.value)) != "HTTPS") {
          return refuse(at, key, "kavro always verifies the registry's host name; only 'https' is accepted");
        }
      } else if (ssl.starts_with("ssl.") && in(ssl, java_only)) {
        note(at, key, "a Java TLS setting; ignored");
      } else if (ssl == "basic.auth.credentials.source") {
        return refuse(at, key,
                      "the name is basic.auth.credentials.source, without the schema.registry. prefix");
      } else {
        return refuse(at, key, "not a registry client setting kavro supports");
      }
    } else if (in(key, serde_keys) || key.starts_with("rule.")) {
      out.serde.emplace_back(key, at.value);
    } else if (key == "sasl.jaas.config") {
      if (!f.find("sasl.username")) out.kafka.emplace_back("sasl.username", *sasl_user);
      if (!f.find("sasl.password")) out.kafka.emplace_back("sasl.password", *sasl_password);
    } else if (key == "ssl.truststore.location") {
      const std::string type = store_type(f, "ssl.truststore.type");
      if (type != "PEM") {
        return refuse(
            at, key,
            "a " + type +
                " truststore cannot be read by librdkafka; export the CA as PEM (keytool "
                "-exportcert -rfc -keystore <file> -alias <ca>) and give it as ssl.ca.location, or set "
                "ssl.truststore.type=PEM");
      }
      out.kafka.emplace_back("ssl.ca.location", at.value);
    } else if (key == "ssl.keystore.location") {
      const std::string type = store_type(f, "ssl.keystore.type");
      if (type == "PKCS12") {
        out.kafka.emplace_back(key, at.value);  // librdkafka reads PKCS#12 keystores
      } else if (type == "PEM") {
        out.kafka.emplace_back("ssl.certificate.location", at.value);
        out.kafka.emplace_back("ssl.key.location", at.value);
      } else {
        return refuse(at, key,
                      "a " + type +
                          " keystore cannot be read by librdkafka; convert it to PKCS12 (keytool "
                          "-importkeystore -deststoretype PKCS12) and set ssl.keystore.type=PKCS12, or give "
                          "PEM files as "
                          "ssl.certificate.location and ssl.key.location");
      }
    } else if (key == "ssl.truststore.type" || key == "ssl.keystore.type") {
      // read with the location
    } else if (key == "ssl.endpoint.identification.algorithm") {
      // Java's empty value turns host name verification off; librdkafka spells it "none".
      out.kafka.emplace_back(key, trim(at.value).empty() ? "none" : at.value);
    } else if (in(key, java_only)) {
      note(at, key, "read only by Java clients; ignored");
    } else {
      out.kafka.emplace_back(key, at.value);
    }
  }
  return out;
}

}  // namespace kavro::registry
