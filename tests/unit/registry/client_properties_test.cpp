// A Confluent client properties file split into registry client settings, librdkafka properties and
// serializer settings: translations, refusals with file:line and the fix, and no secret in any message.
#include "kavro/registry/client_properties.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace {

using kavro::registry::split_client_properties;
using kv = std::vector<std::pair<std::string, std::string>>;

kavro::result<kavro::registry::client_properties> split(const std::string& text) {
  auto parsed = kavro::parse_properties(text, "c.properties");
  EXPECT_TRUE(parsed) << parsed.error().message;
  return split_client_properties(*parsed);
}

// A Confluent Cloud style client file, as Confluent's console shows it.
const std::string cloud_file = R"(# Required connection configs for Kafka producer, consumer, and admin
bootstrap.servers=pkc-1.eu-west-1.aws.confluent.cloud:9092
security.protocol=SASL_SSL
sasl.mechanisms=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='KEY1' password="s3cr:et";
client.dns.lookup=use_all_dns_ips
session.timeout.ms=45000
acks=all
key.serializer=org.apache.kafka.common.serialization.StringSerializer
value.serializer=io.confluent.kafka.serializers.KafkaAvroSerializer
auto.register.schemas=false
use.latest.version=true
schema.registry.url=https://psrc-1.eu-central-1.aws.confluent.cloud, https://backup:8081
basic.auth.credentials.source=USER_INFO
basic.auth.user.info=SRKEY:SRSECRET
)";

TEST(client_properties, confluent_cloud_file_splits_three_ways) {
  auto p = split(cloud_file);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->registry.urls, (std::vector<std::string>{"https://psrc-1.eu-central-1.aws.confluent.cloud",
                                                        "https://backup:8081"}));
  EXPECT_EQ(p->registry.basic_auth, "SRKEY:SRSECRET");
  EXPECT_FALSE(p->registry.bearer_token);
  EXPECT_EQ(p->kafka, (kv{{"bootstrap.servers", "pkc-1.eu-west-1.aws.confluent.cloud:9092"},
                          {"security.protocol", "SASL_SSL"},
                          {"sasl.mechanisms", "PLAIN"},
                          {"sasl.username", "KEY1"},
                          {"sasl.password", "s3cr:et"},
                          {"session.timeout.ms", "45000"},
                          {"acks", "all"}}));
  EXPECT_EQ(p->serde, (kv{{"auto.register.schemas", "false"}, {"use.latest.version", "true"}}));
  EXPECT_EQ(p->notes, (std::vector<std::string>{
                          "c.properties:6: client.dns.lookup: read only by Java clients; ignored",
                          "c.properties:9: key.serializer: read only by Java clients; ignored",
                          "c.properties:10: value.serializer: read only by Java clients; ignored"}));
  kavro::registry::client_config config{{"http://default:8081"}};
  p->registry.apply_to(config);
  EXPECT_EQ(config.urls.size(), 2u);
  EXPECT_EQ(config.basic_auth, "SRKEY:SRSECRET");
}

TEST(client_properties, credential_sources) {
  // User info without a source is meant (confluent-kafka-python reads it so).
  auto implicit = split("basic.auth.user.info=u:p\n");
  ASSERT_TRUE(implicit);
  EXPECT_EQ(implicit->registry.basic_auth, "u:p");
  // The deprecated name still works.
  auto deprecated =
      split("basic.auth.credentials.source=USER_INFO\nschema.registry.basic.auth.user.info=a:b\n");
  ASSERT_TRUE(deprecated);
  EXPECT_EQ(deprecated->registry.basic_auth, "a:b");
  // URL: the credentials stay in the URL.
  auto url = split("basic.auth.credentials.source=URL\nschema.registry.url=https://u:p@h\n");
  ASSERT_TRUE(url);
  EXPECT_FALSE(url->registry.basic_auth);
  // SASL_INHERIT: the Kafka SASL credentials, from JAAS or librdkafka's names.
  auto inherit = split(
      "basic.auth.credentials.source=SASL_INHERIT\n"
      "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"x\" "
      "password=\"y\";\n");
  ASSERT_TRUE(inherit) << inherit.error().message;
  EXPECT_EQ(inherit->registry.basic_auth, "x:y");
  auto bearer = split("bearer.auth.credentials.source=STATIC_TOKEN\nbearer.auth.token=tok123\n");
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->registry.bearer_token, "tok123");
}

TEST(client_properties, registry_tls_in_pem) {
  auto p = split(
      "schema.registry.ssl.truststore.location=/ca.pem\nschema.registry.ssl.truststore.type=PEM\n"
      "schema.registry.ssl.keystore.location=/client.pem\nschema.registry.ssl.keystore.type=pem\n"
      "schema.registry.ssl.key.password=kp\nschema.registry.ssl.truststore.password=x\n");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->registry.tls_ca_file, "/ca.pem");
  EXPECT_EQ(p->registry.tls_cert_file, "/client.pem");
  EXPECT_EQ(p->registry.tls_key_file, "/client.pem");
  EXPECT_EQ(p->registry.tls_key_password, "kp");
  auto kavro_names = split(
      "schema.registry.ssl.ca.location=/ca.pem\nschema.registry.ssl.certificate.location=/c.pem\n"
      "schema.registry.ssl.key.location=/k.pem\n");
  ASSERT_TRUE(kavro_names);
  EXPECT_EQ(kavro_names->registry.tls_cert_file, "/c.pem");
  EXPECT_EQ(kavro_names->registry.tls_key_file, "/k.pem");
  EXPECT_TRUE(kavro_names->kafka.empty());
}

TEST(client_properties, kafka_tls_translated) {
  auto p = split(
      "ssl.truststore.location=/ca.pem\nssl.truststore.type=PEM\nssl.keystore.location=/ks.p12\n"
      "ssl.keystore.type=PKCS12\nssl.keystore.password=kpw\nssl.endpoint.identification.algorithm=\n");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->kafka, (kv{{"ssl.ca.location", "/ca.pem"},
                          {"ssl.keystore.location", "/ks.p12"},
                          {"ssl.keystore.password", "kpw"},
                          {"ssl.endpoint.identification.algorithm", "none"}}));
}

TEST(client_properties, refusals_name_the_line_and_the_fix_never_the_secret) {
  struct bad {
    std::string file;
    std::string message;
  };
  const std::vector<bad> rows = {
      {"x=1\nschema.registry.ssl.truststore.location=/t.jks\n",
       "c.properties:2: schema.registry.ssl.truststore.location: a JKS truststore cannot be read by kavro's "
       "TLS "
       "library (OpenSSL); export the CA as PEM (keytool -exportcert -rfc -keystore <file> -alias <ca>) and "
       "give "
       "it as schema.registry.ssl.ca.location, or set schema.registry.ssl.truststore.type=PEM"},
      {"ssl.truststore.location=/t.p12\nssl.truststore.type=PKCS12\n",
       "c.properties:1: ssl.truststore.location: a PKCS12 truststore cannot be read by librdkafka; export "
       "the CA "
       "as PEM (keytool -exportcert -rfc -keystore <file> -alias <ca>) and give it as ssl.ca.location, or "
       "set "
       "ssl.truststore.type=PEM"},
      {"basic.auth.credentials.source=URL\nbasic.auth.user.info=u:hunter2\n",
       "c.properties:2: basic.auth.user.info: set, but basic.auth.credentials.source=URL takes the "
       "credentials "
       "from the URL; set basic.auth.credentials.source=USER_INFO"},
      {"basic.auth.user.info=hunter2\n",
       "c.properties:1: basic.auth.user.info: expected <user>:<password> (no ':' found)"},
      {"basic.auth.credentials.source=USER_INF\n",
       "c.properties:1: basic.auth.credentials.source: 'USER_INF' is not one of USER_INFO, URL, "
       "SASL_INHERIT"},
      {"bearer.auth.credentials.source=OAUTHBEARER\nbearer.auth.token=hunter2\n",
       "c.properties:1: bearer.auth.credentials.source: 'OAUTHBEARER' is not supported by kavro; use "
       "STATIC_TOKEN "
       "with bearer.auth.token"},
      {"basic.auth.user.info=u:p\nbearer.auth.token=hunter2\n",
       "c.properties:2: bearer.auth.token: basic auth and a bearer token are exclusive; remove one"},
      {"sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='u' "
       "password='hunter2'\n",
       "c.properties:1: sasl.jaas.config: the JAAS line does not end with ';'"},
      {"sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;\n",
       "c.properties:1: sasl.jaas.config: login module 'com.sun.security.auth.module.Krb5LoginModule' is not "
       "supported; for Kerberos use librdkafka's sasl.kerberos.* properties"},
      {"schema.registry.proxy.host=p\n",
       "c.properties:1: schema.registry.proxy.host: not a registry client setting kavro supports"},
      {"bearer.auth.issuer.endpoint.url=https://idp\n",
       "c.properties:1: bearer.auth.issuer.endpoint.url: OAuth bearer settings are not supported by kavro; "
       "use "
       "bearer.auth.token"},
  };
  for (const auto& r : rows) {
    auto p = split(r.file);
    ASSERT_FALSE(p) << r.file;
    EXPECT_EQ(p.error().message, r.message);
    EXPECT_EQ(p.error().message.find("hunter2"), std::string::npos);
  }
}

TEST(client_properties, later_value_wins_across_files) {
  auto first = kavro::parse_properties("schema.registry.url=http://a\nbootstrap.servers=a:9092\n", "one");
  auto second = kavro::parse_properties("schema.registry.url=http://b\nbootstrap.servers=b:9092\n", "two");
  ASSERT_TRUE(first && second);
  std::vector<kavro::property> all = *first;
  all.insert(all.end(), second->begin(), second->end());
  auto p = split_client_properties(all);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->registry.urls, (std::vector<std::string>{"http://b"}));
  EXPECT_EQ(p->kafka, (kv{{"bootstrap.servers", "b:9092"}}));
}

}  // namespace
