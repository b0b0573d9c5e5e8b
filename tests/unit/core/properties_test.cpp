// java.util.Properties#load semantics, row by row: each row's expected entries were produced once by
// java.util.Properties (a throwaway program over the same inputs) and checked in as constants.
#include "kavro/properties.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace {

struct row {
  std::string input;
  std::map<std::string, std::string> expected;  // Properties is a map: the later duplicate wins
};

const std::vector<row> java_rows = {
    {"key=value", {{"key", "value"}}},
    {"key:value", {{"key", "value"}}},
    {"key value", {{"key", "value"}}},
    {"  key = value  ", {{"key", "value  "}}},
    {"key\t=\tvalue", {{"key", "value"}}},
    {"key==value", {{"key", "=value"}}},
    {"key = = value", {{"key", "= value"}}},
    {"key := value", {{"key", "= value"}}},
    {"key", {{"key", ""}}},
    {"key=", {{"key", ""}}},
    {"=value", {{"", "value"}}},
    {":value", {{"", "value"}}},
    {"# comment\nk=v", {{"k", "v"}}},
    {"! bang\nk=v", {{"k", "v"}}},
    {"   # indented comment\nk=v", {{"k", "v"}}},
    {"k=v # not a comment", {{"k", "v # not a comment"}}},
    {"k=a\\\n   b", {{"k", "ab"}}},
    {"k=a\\\\\nb=c", {{"b", "c"}, {"k", "a\\"}}},
    {"k=a\\\\\\\n  b", {{"k", "a\\b"}}},
    {"# comment \\\nk=v", {{"k", "v"}}},
    {"k=a\\\n# not comment", {{"k", "a# not comment"}}},
    {"k=a\\\n\nn=m", {{"k", "a"}, {"n", "m"}}},
    {"k\\=x=y", {{"k=x", "y"}}},
    {"k\\:x:y", {{"k:x", "y"}}},
    {"k\\ x y", {{"k x", "y"}}},
    {"k=\\t\\n\\r\\f\\z\\\\", {{"k", "\t\n\r\fz\\"}}},
    {"k=\\u0041\\u00e9", {{"k", "A\u00e9"}}},
    {"k=\\uD83D\\uDE00", {{"k", "\U0001F600"}}},
    {"a=1\r\nb=2\rc=3\n", {{"a", "1"}, {"b", "2"}, {"c", "3"}}},
    {"a=1\na=2", {{"a", "2"}}},
    {"k=v\\", {{"k", "v"}}},
    {"\\#k=v", {{"#k", "v"}}},
    {"k = v\\\n", {{"k", "v"}}},
    {" \t\f\n\nk=v", {{"k", "v"}}},
    {"key\\\n  part=v", {{"keypart", "v"}}},
    {"url=http\\://x:8081", {{"url", "http://x:8081"}}},
    {"a b c", {{"a", "b c"}}},
    {"k=  leading kept? no  ", {{"k", "leading kept? no  "}}},
    {"sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='u' "
     "password='p';",
     {{"sasl.jaas.config",
       "org.apache.kafka.common.security.plain.PlainLoginModule required username='u' password='p';"}}},
};

std::map<std::string, std::string> as_map(const std::vector<kavro::property>& entries) {
  std::map<std::string, std::string> out;
  for (const auto& e : entries) out[e.key] = e.value;
  return out;
}

TEST(properties, matches_java_util_properties) {
  for (const auto& r : java_rows) {
    auto parsed = kavro::parse_properties(r.input, "t.properties");
    ASSERT_TRUE(parsed) << r.input << ": " << parsed.error().message;
    EXPECT_EQ(as_map(*parsed), r.expected) << "input: " << r.input;
  }
}

TEST(properties, keeps_order_duplicates_and_origin) {
  auto parsed = kavro::parse_properties("# c\nb=1\n\na=2\\\n  x\nb=3\n", "client.properties");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].key, "b");
  EXPECT_EQ((*parsed)[0].origin, "client.properties:2");
  EXPECT_EQ((*parsed)[1].key, "a");
  EXPECT_EQ((*parsed)[1].value, "2x");
  EXPECT_EQ((*parsed)[1].origin, "client.properties:4");
  EXPECT_EQ((*parsed)[2].value, "3");
  EXPECT_EQ((*parsed)[2].origin, "client.properties:6");
}

TEST(properties, errors_name_file_and_line) {
  struct bad {
    std::string input;
    std::string message;
  };
  const std::vector<bad> rows = {
      {"a=1\nk=\\u12", "f.properties:2: malformed \\uxxxx escape (four hex digits expected)"},
      {"k=\\uzzzz", "f.properties:1: malformed \\uxxxx escape (four hex digits expected)"},
      {"\n\nk=\\uD83D", "f.properties:3: \\u escape of a lone UTF-16 high surrogate"},
      {"k=\\uDE00", "f.properties:1: \\u escape of a lone UTF-16 low surrogate"},
  };
  for (const auto& b : rows) {
    auto parsed = kavro::parse_properties(b.input, "f.properties");
    ASSERT_FALSE(parsed) << b.input;
    EXPECT_EQ(parsed.error().message, b.message);
    EXPECT_EQ(parsed.error().code, kavro::errc::invalid_argument);
  }
}

TEST(properties, bounds_are_checked_before_keeping_anything) {
  kavro::properties_limits small;
  small.max_file_bytes = 16;
  small.max_line_bytes = 8;
  small.max_entries = 2;
  auto big = kavro::parse_properties(std::string(17, 'a'), "big", small);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().message, "big: larger than 16 bytes; not a properties file?");
  // A continuation counts towards its logical line.
  auto longline = kavro::parse_properties("k=1234\\\n567", "l", small);
  ASSERT_FALSE(longline);
  EXPECT_EQ(longline.error().message, "l:1: line longer than 8 bytes");
  auto many = kavro::parse_properties("a=1\nb=2\nc=3", "m", small);
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().message, "m:3: more than 2 entries");
}

TEST(properties, load_refuses_missing_and_oversized_files) {
  auto missing = kavro::load_properties("/nonexistent/x.properties");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "/nonexistent/x.properties: cannot read: No such file or directory");
  auto dir = kavro::load_properties("/");
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().message, "/: not a regular file");
}

TEST(properties, secret_keys) {
  for (const char* key :
       {"basic.auth.user.info", "schema.registry.basic.auth.user.info", "sasl.password", "sasl.jaas.config",
        "ssl.key.password", "ssl.keystore.password", "ssl.truststore.password",
        "schema.registry.ssl.key.password", "bearer.auth.token", "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.config", "ssl.key.pem", "ssl_key", "ssl.keystore.key", "SASL.PASSWORD"}) {
    EXPECT_TRUE(kavro::is_secret_key(key)) << key;
  }
  for (const char* key : {"bootstrap.servers", "schema.registry.url", "basic.auth.credentials.source",
                          "bearer.auth.credentials.source", "ssl.key.location", "ssl.ca.location",
                          "sasl.username", "security.protocol", "sasl.oauthbearer.token.endpoint.url"}) {
    EXPECT_FALSE(kavro::is_secret_key(key)) << key;
  }
  EXPECT_EQ(kavro::redacted("sasl.password", "hunter2"), "sasl.password=[redacted]");
  EXPECT_EQ(kavro::redacted("bootstrap.servers", "b:9092"), "bootstrap.servers=b:9092");
}

TEST(properties, url_credentials_are_redacted) {
  EXPECT_EQ(kavro::redact_url_credentials("GET https://u:pw@reg:8081/subjects: 401"),
            "GET https://[redacted]@reg:8081/subjects: 401");
  EXPECT_EQ(kavro::redact_url_credentials("a http://h:1/x and http://p@q@h2/y"),
            "a http://h:1/x and http://[redacted]@h2/y");
  EXPECT_EQ(kavro::redact_url_credentials("no url here"), "no url here");
}

// -X and --kafka-property items: split at the first '=', the value kept as it is (a shell quoted it).
TEST(properties, command_line_items_split_at_the_first_equals_sign) {
  auto items = kavro::parse_property_items({"sasl.jaas.config=a=b \\x", "acks=all", "empty="}, "-X");
  ASSERT_TRUE(items) << items.error().message;
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].key, "sasl.jaas.config");
  EXPECT_EQ((*items)[0].value, "a=b \\x");
  EXPECT_EQ((*items)[0].origin, "-X sasl.jaas.config");
  EXPECT_EQ((*items)[1].value, "all");
  EXPECT_EQ((*items)[2].value, "");
}

TEST(properties, a_command_line_item_without_a_key_is_refused_without_quoting_its_value) {
  auto no_eq = kavro::parse_property_items({"acks=1", "session.timeout.ms"}, "-X");
  ASSERT_FALSE(no_eq);
  EXPECT_EQ(no_eq.error().code, kavro::errc::invalid_argument);
  EXPECT_EQ(no_eq.error().message, "-X expects KEY=VALUE, got 'session.timeout.ms'");
  auto no_key = kavro::parse_property_items({"=hunter2"}, "--kafka-property");
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().message, "--kafka-property expects KEY=VALUE, got '=...'");
}

}  // namespace
