// The registry server's endpoints over raw HTTP: exact status codes and JSON bodies, including
// Confluent's error codes and texts.
#include "kavro/registry_server/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;
constexpr const char* sr_type = "application/vnd.schemaregistry.v1+json";
const std::string record_schema = R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";
const std::string other_schema = R"({"type":"record","name":"Other","fields":[{"name":"x","type":"int"}]})";

class registry_server_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = srv.start();
    ASSERT_TRUE(port) << port.error().message;
    http = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }

  // Sends and checks the status and content type, returning the parsed body.
  json expect(const httplib::Result& res, int status) {
    EXPECT_TRUE(res) << "no response";
    if (!res) return nullptr;
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), sr_type);
    return json::parse(res->body);
  }

  json post(const std::string& path, const json& body, int status, const char* type = sr_type) {
    return expect(http->Post(path, body.dump(), type), status);
  }

  json get(const std::string& path, int status) { return expect(http->Get(path), status); }

  json register_schema(const std::string& subject, const std::string& schema) {
    return post("/subjects/" + subject + "/versions", {{"schema", schema}}, 200);
  }

  static json err(int code, const std::string& message) {
    return {{"error_code", code}, {"message", message}};
  }

  kavro::registry_server::server srv{{"127.0.0.1", 0}};
  std::unique_ptr<httplib::Client> http;
};

TEST_F(registry_server_test, root_and_config) {
  EXPECT_EQ(get("/", 200), json::object());
  EXPECT_EQ(get("/config", 200), (json{{"compatibilityLevel", "BACKWARD"}}));
}

TEST_F(registry_server_test, register_assigns_global_ids) {
  EXPECT_EQ(register_schema("a-value", record_schema), (json{{"id", 1}}));
  // Same schema, same subject: the same id and no new version.
  EXPECT_EQ(register_schema("a-value", record_schema), (json{{"id", 1}}));
  EXPECT_EQ(get("/subjects/a-value/versions", 200), json::array({1}));
  // Same schema under another subject: the same global id, a first version there.
  EXPECT_EQ(register_schema("b-value", record_schema), (json{{"id", 1}}));
  EXPECT_EQ(register_schema("a-value", other_schema), (json{{"id", 2}}));
  EXPECT_EQ(get("/subjects/a-value/versions", 200), json::array({1, 2}));
  EXPECT_EQ(get("/subjects", 200), json::array({"a-value", "b-value"}));
}

TEST_F(registry_server_test, register_accepts_client_variants) {
  // What Confluent's clients send: schemaType, empty references, query parameters, other media types.
  EXPECT_EQ(post("/subjects/t/versions?normalize=false",
                 {{"schema", record_schema}, {"schemaType", "AVRO"}, {"references", json::array()}}, 200),
            (json{{"id", 1}}));
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", record_schema}}, 200, "application/json"),
            (json{{"id", 1}}));
  EXPECT_EQ(
      post("/subjects/t/versions", {{"schema", record_schema}}, 200, "application/vnd.schemaregistry+json"),
      (json{{"id", 1}}));
  // Whitespace and attribute order do not make a new schema (json sorts keys, dump(2) indents).
  EXPECT_EQ(register_schema("t", json::parse(record_schema).dump(2)), (json{{"id", 1}}));
  // Identity is the Avro Parsing Canonical Form, which drops doc.
  EXPECT_EQ(register_schema(
                "t", R"({"type":"record","name":"User","doc":"d","fields":[{"name":"id","type":"long"}]})"),
            (json{{"id", 1}}));
  EXPECT_EQ(get("/subjects/t/versions", 200), json::array({1}));
  // The text served is the first registration's, made compact.
  EXPECT_EQ(get("/schemas/ids/1", 200), (json{{"schema", record_schema}}));
}

TEST_F(registry_server_test, register_errors) {
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", "{not json"}}, 422)["error_code"], 42201);
  // Valid JSON, not valid Avro.
  auto not_avro = post("/subjects/t/versions", {{"schema", R"({"type":"record","name":"R"})"}}, 422);
  EXPECT_EQ(not_avro["error_code"], 42201);
  EXPECT_TRUE(not_avro["message"].get<std::string>().starts_with(
      R"(Invalid schema {"type":"record","name":"R"}, details: )"))
      << not_avro;
  EXPECT_EQ(post("/subjects/t/versions", json::object(), 422), err(42201, "Empty schema"));
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", record_schema}, {"schemaType", "PROTOBUF"}}, 422),
            err(42201, "Invalid schema type PROTOBUF"));
  auto res = http->Post("/subjects/t/versions", "{\"schema\":", sr_type);
  EXPECT_EQ(expect(res, 400)["error_code"], 400);
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", record_schema}}, 415, "text/plain"),
            err(415, "HTTP 415 Unsupported Media Type"));
  EXPECT_EQ(get("/subjects", 200), json::array());
}

TEST_F(registry_server_test, lookup_under_subject) {
  register_schema("s", record_schema);
  EXPECT_EQ(post("/subjects/s", {{"schema", record_schema}}, 200),
            (json{{"subject", "s"}, {"version", 1}, {"id", 1}, {"schema", record_schema}}));
  EXPECT_EQ(post("/subjects/nope", {{"schema", record_schema}}, 404),
            err(40401, "Subject 'nope' not found."));
  EXPECT_EQ(post("/subjects/s", {{"schema", other_schema}}, 404), err(40403, "Schema not found"));
}

TEST_F(registry_server_test, schema_by_id) {
  register_schema("s", record_schema);
  EXPECT_EQ(get("/schemas/ids/1", 200), (json{{"schema", record_schema}}));
  EXPECT_EQ(get("/schemas/ids/1?subject=s", 200), (json{{"schema", record_schema}}));
  EXPECT_EQ(get("/schemas/ids/7", 404), err(40403, "Schema 7 not found"));
  EXPECT_EQ(get("/schemas/ids/abc", 404), err(404, "HTTP 404 Not Found"));
}

TEST_F(registry_server_test, versions_of_subject) {
  register_schema("s", record_schema);
  register_schema("s", other_schema);
  const json v1{{"subject", "s"}, {"version", 1}, {"id", 1}, {"schema", record_schema}};
  const json v2{{"subject", "s"}, {"version", 2}, {"id", 2}, {"schema", other_schema}};
  EXPECT_EQ(get("/subjects/s/versions/1", 200), v1);
  EXPECT_EQ(get("/subjects/s/versions/2", 200), v2);
  EXPECT_EQ(get("/subjects/s/versions/latest", 200), v2);
  EXPECT_EQ(get("/subjects/s/versions/-1", 200), v2);
  EXPECT_EQ(get("/subjects/s/versions/3", 404), err(40402, "Version 3 not found."));
  EXPECT_EQ(get("/subjects/x/versions/1", 404), err(40401, "Subject 'x' not found."));
  EXPECT_EQ(get("/subjects/x/versions", 404), err(40401, "Subject 'x' not found."));
  const std::string invalid =
      "The specified version 'abc' is not a valid version id. Allowed values are between [1, 2^31-1] and the "
      "string "
      "\"latest\"";
  EXPECT_EQ(get("/subjects/s/versions/abc", 422), err(42202, invalid));
  EXPECT_EQ(get("/subjects/s/versions/0", 422)["error_code"], 42202);
}

TEST_F(registry_server_test, url_encoded_subject) {
  EXPECT_EQ(post("/subjects/my%20topic%3Avalue/versions", {{"schema", record_schema}}, 200),
            (json{{"id", 1}}));
  EXPECT_EQ(get("/subjects", 200), json::array({"my topic:value"}));
  EXPECT_EQ(get("/subjects/my%20topic%3Avalue/versions/latest", 200)["subject"], "my topic:value");
}

TEST_F(registry_server_test, unknown_route) {
  EXPECT_EQ(get("/nothing/here", 404), err(404, "HTTP 404 Not Found"));
}

TEST(registry_server_lifecycle, stop_then_wait_returns) {
  kavro::registry_server::server srv{{"127.0.0.1", 0}};
  ASSERT_TRUE(srv.start());
  std::thread stopper([&] { srv.stop(); });
  srv.wait();
  stopper.join();
  srv.stop();  // idempotent
}

}  // namespace
