// Deeply nested JSON sent to the registry over HTTP, as a schema string (issue: a 100 KB request killed
// the server) and as the request body itself: the server answers 422/400 with a clear message, keeps
// serving, and keeps every schema it had.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "kavro/registry_server/server.hpp"

namespace {

using json = nlohmann::json;
constexpr const char* sr_type = "application/vnd.schemaregistry.v1+json";
const std::string user_schema = R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";

std::string brackets(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

class registry_deep_json : public ::testing::Test {
 protected:
  void SetUp() override {
    srv = std::make_unique<kavro::registry_server::server>(
        kavro::registry_server::server_config{"127.0.0.1", 0});
    auto port = srv->start();
    ASSERT_TRUE(port) << port.error().message;
    http = std::make_unique<httplib::Client>("127.0.0.1", *port);
    auto reg = http->Post("/subjects/x/versions", json{{"schema", user_schema}}.dump(), sr_type);
    ASSERT_TRUE(reg);
    ASSERT_EQ(reg->status, 200) << reg->body;
  }

  // The registry still answers and still has version 1 of x.
  void still_serving() {
    auto health = http->Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    auto v1 = http->Get("/subjects/x/versions/1");
    ASSERT_TRUE(v1);
    ASSERT_EQ(v1->status, 200) << v1->body;
    EXPECT_EQ(json::parse(v1->body).at("schema"), user_schema);
  }

  std::unique_ptr<kavro::registry_server::server> srv;
  std::unique_ptr<httplib::Client> http;
};

TEST_F(registry_deep_json, schema_string_nested_50k_deep_is_422_on_every_endpoint) {
  const std::string deep = brackets(50000);
  const std::string body = json{{"schema", deep}}.dump();
  for (const char* path : {"/subjects/x/versions", "/subjects/x", "/compatibility/subjects/x/versions/latest",
                           "/compatibility/subjects/x/versions/1"}) {
    SCOPED_TRACE(path);
    auto res = http->Post(path, body, sr_type);
    ASSERT_TRUE(res) << "no answer: the server died";
    EXPECT_EQ(res->status, 422);
    auto answer = json::parse(res->body);
    EXPECT_EQ(answer.at("error_code"), 42201);
    EXPECT_EQ(answer.at("message"),
              "Invalid schema " + deep + ", details: nesting deeper than 512 levels at offset 512");
    still_serving();
  }
}

TEST_F(registry_deep_json, request_body_nested_100k_deep_is_400) {
  // The body object is level 1, so the 512th bracket (offset 10 + 511) opens level 513.
  const std::string body = R"({"schema":)" + brackets(100000) + "}";
  auto res = http->Post("/subjects/x/versions", body, sr_type);
  ASSERT_TRUE(res) << "no answer: the server died";
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body),
            (json{{"error_code", 400}, {"message", "nesting deeper than 512 levels at offset 521"}}));
  still_serving();
}

TEST_F(registry_deep_json, schema_within_the_json_limit_but_too_deep_for_avro_is_422) {
  std::string deep;
  for (int i = 0; i < 170; ++i) deep += R"({"type":"array","items":)";
  deep += "\"int\"" + std::string(170, '}');
  auto res = http->Post("/subjects/x/versions", json{{"schema", deep}}.dump(), sr_type);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 422);
  EXPECT_NE(
      json::parse(res->body).at("message").get<std::string>().find("schema nested deeper than 128 levels"),
      std::string::npos);
  still_serving();
}

TEST_F(registry_deep_json, repeated_keys_in_a_body_or_schema_take_the_last_value) {
  // Jackson's default, so Confluent's: {"schema": A, "schema": B} registers B.
  const std::string other = R"({"type":"record","name":"Other","name":"Renamed","fields":[]})";
  const std::string body =
      R"({"schema":)" + json(user_schema).dump() + R"(,"schema":)" + json(other).dump() + "}";
  auto res = http->Post("/subjects/y/versions", body, sr_type);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto latest = http->Get("/subjects/y/versions/latest");
  ASSERT_TRUE(latest);
  // Stored compact as given, the repeated key collapsed to its last value, kept where it first stood.
  EXPECT_EQ(json::parse(latest->body).at("schema"), R"({"type":"record","name":"Renamed","fields":[]})");
  still_serving();
}

}  // namespace
