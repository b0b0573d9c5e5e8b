// The mapping of schema-registry.properties names onto `registry serve`'s settings: each supported
// property takes effect, each unsupported one is refused by name and place, the environment's spelling.
#include "registry_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace kavro::cli {
namespace {

using registry_server::compatibility_level;

std::vector<property> props(const std::string& text) {
  auto parsed = parse_properties(text, "sr.properties");
  EXPECT_TRUE(parsed.has_value());
  return parsed ? *parsed : std::vector<property>{};
}

registry_settings mapped(const std::string& text, std::vector<std::string>* warnings_out = nullptr) {
  std::vector<std::string> warnings;
  auto r = map_registry_properties(props(text), warnings);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  if (warnings_out) *warnings_out = warnings;
  return r ? *r : registry_settings{};
}

std::string refused(const std::string& text) {
  std::vector<std::string> warnings;
  auto r = map_registry_properties(props(text), warnings);
  EXPECT_FALSE(r.has_value()) << text;
  return r ? "" : r.error().message;
}

std::string kafka_property(const registry_settings& s, const std::string& key) {
  for (const auto& [k, v] : s.kafka_properties)
    if (k == key) return v;
  return "<unset>";
}

TEST(registry_config, confluent_quickstart_file_maps_every_setting) {
  const auto s = mapped(
      "# schema-registry.properties as Confluent ships it\n"
      "listeners=http://0.0.0.0:8081\n"
      "kafkastore.bootstrap.servers=PLAINTEXT://localhost:9092\n"
      "kafkastore.topic=_schemas\n"
      "debug=false\n");
  EXPECT_EQ(s.scheme, "http");
  EXPECT_EQ(s.host, "0.0.0.0");
  EXPECT_EQ(s.port, 8081);
  EXPECT_EQ(s.kafka_bootstrap, "localhost:9092");
  EXPECT_EQ(s.kafka_topic, "_schemas");
  EXPECT_FALSE(s.compatibility.has_value());
}

TEST(registry_config, store_and_leader_settings) {
  const auto s = mapped(
      "kafkastore.bootstrap.servers=a:9092, b:9092\n"
      "kafkastore.topic.replication.factor=3\n"
      "kafkastore.timeout.ms=5000\n"
      "kafkagroup.session.timeout.ms=10000\n"
      "schema.registry.group.id=sr-prod\n"
      "mode.mutability=true\n"
      "leader.eligibility=true\n"
      "host.name=sr1.example\n"
      "host.port=8082\n");
  EXPECT_EQ(s.kafka_bootstrap, "a:9092,b:9092");
  EXPECT_EQ(s.replication_factor, 3);
  EXPECT_EQ(s.store_timeout_ms, 5000);
  EXPECT_EQ(s.session_timeout_ms, 10000);
  EXPECT_EQ(s.group_id, "sr-prod");
  EXPECT_EQ(s.host_name, "sr1.example");
  EXPECT_EQ(s.host_port, 8082);
}

TEST(registry_config, compatibility_level_any_case_and_the_deprecated_name_wins) {
  EXPECT_EQ(mapped("schema.compatibility.level=full_transitive\n").compatibility,
            compatibility_level::full_transitive);
  EXPECT_EQ(mapped("schema.compatibility.level=FULL\navro.compatibility.level=none\n").compatibility,
            compatibility_level::none);
  // An empty deprecated name leaves the current one in charge, as SchemaRegistryConfig does.
  EXPECT_EQ(mapped("avro.compatibility.level=\nschema.compatibility.level=FORWARD\n").compatibility,
            compatibility_level::forward);
  EXPECT_EQ(refused("schema.compatibility.level=SIDEWAYS\n"),
            "sr.properties:1: Unknown compatibility level: SIDEWAYS");
}

TEST(registry_config, a_later_entry_wins) {
  EXPECT_EQ(mapped("kafkastore.topic=a\nkafkastore.topic=b\n").kafka_topic, "b");
}

TEST(registry_config, listeners) {
  auto s = mapped("listeners=https://[::1]:8443\nssl.keystore.location=/etc/sr.pem\nssl.keystore.type=PEM\n");
  EXPECT_EQ(s.scheme, "https");
  EXPECT_EQ(s.host, "::1");
  EXPECT_EQ(s.port, 8443);
  EXPECT_EQ(s.tls_cert, "/etc/sr.pem");
  EXPECT_EQ(s.tls_key, "/etc/sr.pem");
  EXPECT_EQ(mapped("listeners=http://:8081\n").host, "0.0.0.0");
  EXPECT_EQ(mapped("port=9999\n").port, 9999);
  EXPECT_EQ(
      refused("listeners=http://a:1,http://b:2\n"),
      "sr.properties:1: listeners: kavro serves one listener; give exactly one scheme://host:port (got 2)");
  EXPECT_NE(refused("listeners=internal://a:1\n").find("is not http or https"), std::string::npos);
  EXPECT_NE(refused("listeners=http://host\n").find("has no port"), std::string::npos);
  EXPECT_NE(refused("listeners=http://host:70000\n").find("expected 0 to 65535, got 70000"),
            std::string::npos);
}

TEST(registry_config, server_tls_needs_an_unencrypted_pem) {
  EXPECT_NE(refused("ssl.keystore.location=/etc/sr.jks\n")
                .find("ssl.keystore.type is JKS (the default); kavro reads PEM"),
            std::string::npos);
  EXPECT_NE(refused("ssl.key.password=x\n").find("kavro reads an unencrypted PEM key"), std::string::npos);
  EXPECT_EQ(mapped("ssl.key.password=\nssl.client.authentication=NONE\nssl.client.auth=false\n").tls_cert,
            std::nullopt);
  EXPECT_NE(refused("ssl.client.authentication=REQUIRED\n").find("does not verify client certificates"),
            std::string::npos);
  const auto s = mapped("ssl.certificate.location=/c.pem\nssl.key.location=/k.pem\n");
  EXPECT_EQ(s.tls_cert, "/c.pem");
  EXPECT_EQ(s.tls_key, "/k.pem");
}

TEST(registry_config, authentication) {
  auto s = mapped("authentication.method=BASIC\nauthentication.roles=*\nauth.file=/etc/users.json\n");
  EXPECT_TRUE(s.basic_auth_required);
  EXPECT_EQ(s.auth_file, "/etc/users.json");
  EXPECT_FALSE(mapped("authentication.method=NONE\n").basic_auth_required);
  EXPECT_NE(refused("authentication.method=BEARER\n").find("kavro implements NONE and BASIC, not 'BEARER'"),
            std::string::npos);
  EXPECT_NE(
      refused("authentication.roles=admin,developer\n").find("remove authentication.roles or set it to *"),
      std::string::npos);
  std::vector<std::string> warnings;
  mapped("authentication.realm=SchemaRegistry\n", &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("sr.properties:1: authentication.realm is ignored"), std::string::npos);
}

TEST(registry_config, kafkastore_security_becomes_librdkafka_properties) {
  const auto s = mapped(
      "kafkastore.bootstrap.servers=SASL_SSL://broker:9093\n"
      "kafkastore.security.protocol=SASL_SSL\n"
      "kafkastore.sasl.mechanism=SCRAM-SHA-512\n"
      "kafkastore.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
      "username=\"sr\" password=\"s3cret\";\n"
      "kafkastore.ssl.truststore.location=/etc/ca.pem\n"
      "kafkastore.ssl.truststore.type=PEM\n"
      "kafkastore.ssl.endpoint.identification.algorithm=\n");
  EXPECT_EQ(s.kafka_bootstrap, "broker:9093");
  EXPECT_EQ(kafka_property(s, "security.protocol"), "sasl_ssl");
  EXPECT_EQ(kafka_property(s, "sasl.mechanisms"), "SCRAM-SHA-512");
  EXPECT_EQ(kafka_property(s, "sasl.username"), "sr");
  EXPECT_EQ(kafka_property(s, "sasl.password"), "s3cret");
  EXPECT_EQ(kafka_property(s, "ssl.ca.location"), "/etc/ca.pem");
  EXPECT_EQ(kafka_property(s, "ssl.endpoint.identification.algorithm"), "none");

  const auto p12 = mapped(
      "kafkastore.ssl.keystore.location=/k.p12\nkafkastore.ssl.keystore.type=PKCS12\n"
      "kafkastore.ssl.keystore.password=pw\n");
  EXPECT_EQ(kafka_property(p12, "ssl.keystore.location"), "/k.p12");
  EXPECT_EQ(kafka_property(p12, "ssl.keystore.password"), "pw");
}

TEST(registry_config, kafkastore_refusals_never_print_a_secret) {
  const auto jaas = refused(
      "kafkastore.sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required keyTab=\"/k\" "
      "password=\"topsecret\";\n");
  EXPECT_NE(jaas.find("only PlainLoginModule and ScramLoginModule"), std::string::npos);
  EXPECT_EQ(jaas.find("topsecret"), std::string::npos);
  EXPECT_NE(
      refused("kafkastore.ssl.truststore.location=/ts.jks\n").find("librdkafka reads CA certificates in PEM"),
      std::string::npos);
  EXPECT_NE(refused("kafkastore.security.protocol=KERBEROS\n")
                .find("Only PLAINTEXT, SSL, SASL_PLAINTEXT, and SASL_SSL Kafka endpoints are supported."),
            std::string::npos);
  EXPECT_NE(refused("kafkastore.connection.url=zk:2181\n").find("ZooKeeper is not supported"),
            std::string::npos);
  EXPECT_NE(refused("kafkastore.init.timeout.ms=60000\n").find("give kafkastore.timeout.ms"),
            std::string::npos);
  EXPECT_NE(refused("kafkastore.fetch.max.bytes=1\n")
                .find("kafkastore.fetch.max.bytes: not passed to kavro's Kafka clients"),
            std::string::npos);
}

TEST(registry_config, bootstrap_endpoints_of_another_protocol_are_skipped_with_a_warning) {
  std::vector<std::string> warnings;
  const auto s = mapped("kafkastore.bootstrap.servers=SSL://a:9093,PLAINTEXT://b:9092\n", &warnings);
  EXPECT_EQ(s.kafka_bootstrap, "b:9092");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("Ignoring Kafka broker endpoint SSL://a:9093"), std::string::npos);
  EXPECT_NE(refused("kafkastore.bootstrap.servers=SSL://a:9093\n")
                .find("No supported Kafka endpoints are configured."),
            std::string::npos);
}

TEST(registry_config, what_kavro_does_not_implement_is_refused_by_name_and_place) {
  EXPECT_EQ(refused("\n# comment\nschema.registry.compatibility.level=FULL\n"),
            "sr.properties:3: schema.registry.compatibility.level: unknown or not implemented by kavro "
            "(docs/operations.md lists the properties kavro reads)");
  EXPECT_NE(refused("mode.mutability=false\n").find("mode.mutability=false is not implemented"),
            std::string::npos);
  EXPECT_NE(refused("leader.eligibility=false\n").find("leader.eligibility=false is not implemented"),
            std::string::npos);
  EXPECT_NE(refused("leader.eligibility=maybe\n").find("expected true or false, got 'maybe'"),
            std::string::npos);
  EXPECT_NE(refused("kafkastore.topic.replication.factor=0\n").find("expected 1 to 32767, got 0"),
            std::string::npos);
  EXPECT_NE(refused("resource.extension.class=com.example.X\n").find("resource.extension.class: unknown"),
            std::string::npos);
}

TEST(registry_config, environment_spellings) {
  const auto env = registry_env_properties({
      "PATH=/usr/bin",
      "SCHEMA_REGISTRY_LISTENERS=http://0.0.0.0:8081",
      "SCHEMA_REGISTRY_KAFKASTORE_TOPIC=from-confluent",
      "KAVRO_REGISTRY_KAFKASTORE_TOPIC=from-kavro",
      "SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL=full",
      "SCHEMA_REGISTRY_A___B__C_D=x",
      "KAVRO_REGISTRY_AUTH=user:pw",
      "KAVRO_REGISTRY_CONFIG=/etc/sr.properties",
      "KAVRO_REGISTRY=http://elsewhere:8081",
  });
  std::vector<std::string> seen;
  for (const auto& p : env) seen.push_back(p.key + "=" + p.value + " (" + p.origin + ")");
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "a_b-c.d=x (env SCHEMA_REGISTRY_A___B__C_D)",
                      "kafkastore.topic=from-confluent (env SCHEMA_REGISTRY_KAFKASTORE_TOPIC)",
                      "listeners=http://0.0.0.0:8081 (env SCHEMA_REGISTRY_LISTENERS)",
                      "schema.compatibility.level=full (env SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL)",
                      "kafkastore.topic=from-kavro (env KAVRO_REGISTRY_KAFKASTORE_TOPIC)",
                  }));
  // The docker image's JVM variables are known and harmless; an unknown variable is named.
  std::vector<std::string> warnings;
  auto r = map_registry_properties(registry_env_properties({"SCHEMA_REGISTRY_HEAP_OPTS=-Xmx1g"}), warnings);
  EXPECT_TRUE(r.has_value());
  EXPECT_EQ(warnings.size(), 1u);
  r = map_registry_properties(registry_env_properties({"KAVRO_REGISTRY_LISTENER=http://x:1"}), warnings);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.rfind("env KAVRO_REGISTRY_LISTENER: listener: unknown", 0), 0u)
      << r.error().message;
}

}  // namespace
}  // namespace kavro::cli
