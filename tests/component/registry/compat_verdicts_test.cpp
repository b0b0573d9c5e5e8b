// The registry's compatibility answers where they follow Avro Java 1.12 (Confluent's checker) and
// where kavro decides otherwise by default: decimals, with the setting that gives Confluent's verdict.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "kavro/registry_server/server.hpp"

namespace {

using json = nlohmann::json;
namespace rs = kavro::registry_server;
constexpr const char* sr_type = "application/vnd.schemaregistry.v1+json";

const std::string decimal_2 =
    R"({"type":"record","name":"Price","fields":[{"name":"p","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}}]})";
const std::string decimal_3 =
    R"({"type":"record","name":"Price","fields":[{"name":"p","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":3}}]})";

struct registry {
  explicit registry(rs::server_config config = {"127.0.0.1", 0}) {
    srv = std::make_unique<rs::server>(std::move(config));
    auto port = srv->start();
    if (!port) throw std::runtime_error(port.error().message);
    http = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }
  std::pair<int, json> post(const std::string& path, const std::string& schema) const {
    auto res = http->Post(path, json{{"schema", schema}}.dump(), sr_type);
    if (!res) return {0, nullptr};
    return {res->status, json::parse(res->body, nullptr, false)};
  }
  std::unique_ptr<rs::server> srv;
  std::unique_ptr<httplib::Client> http;
};

TEST(registry_decimals, a_scale_change_is_incompatible_by_default) {
  registry r;
  EXPECT_EQ(r.post("/subjects/p/versions", decimal_2).first, 200);
  const auto [status, body] = r.post("/subjects/p/versions", decimal_3);
  EXPECT_EQ(status, 409);
  EXPECT_EQ(body["error_code"], 409);
  EXPECT_EQ(r.post("/compatibility/subjects/p/versions/latest", decimal_3).second,
            (json{{"is_compatible", false}}));
}

TEST(registry_decimals, the_confluent_setting_accepts_a_scale_change_as_confluent_does) {
  rs::server_config config{"127.0.0.1", 0};
  config.decimals = rs::decimal_compatibility::ignore_logical_types;
  registry r(config);
  EXPECT_EQ(r.post("/subjects/p/versions", decimal_2).first, 200);
  EXPECT_EQ(r.post("/compatibility/subjects/p/versions/latest", decimal_3).second,
            (json{{"is_compatible", true}}));
  EXPECT_EQ(r.post("/subjects/p/versions", decimal_3), (std::pair<int, json>{200, json{{"id", 2}}}));
}

TEST(registry_java_verdicts, a_rename_through_an_alias_without_the_namespace_is_409) {
  registry r;
  EXPECT_EQ(r.post("/subjects/f/versions", R"({"type":"fixed","name":"a.F","size":4})").first, 200);
  const auto [status, body] =
      r.post("/subjects/f/versions", R"({"type":"fixed","name":"G","size":4,"aliases":["F"]})");
  EXPECT_EQ(status, 409);
  // With the namespace, the alias names the old type: a compatible rename.
  EXPECT_EQ(r.post("/subjects/f/versions", R"({"type":"fixed","name":"G","size":4,"aliases":["a.F"]})").first,
            200);
}

TEST(registry_java_verdicts, a_field_alias_matching_a_second_old_field_is_javas_exception_message) {
  registry r;
  const std::string old_schema =
      R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]})";
  const std::string new_schema =
      R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["b"]}]})";
  EXPECT_EQ(r.post("/subjects/r/versions", old_schema).first, 200);
  auto res = r.http->Post("/compatibility/subjects/r/versions/latest?verbose=true",
                          json{{"schema", new_schema}}.dump(), sr_type);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const json body = json::parse(res->body);
  EXPECT_EQ(body["is_compatible"], false);
  ASSERT_FALSE(body["messages"].empty());
  EXPECT_EQ(
      body["messages"][0].get<std::string>().rfind(
          "Unexpected exception during compatibility check: Reader record field a type:INT pos:0 matches "
          "multiple fields in writer record schema ",
          0),
      0u)
      << body.dump();
}

}  // namespace
