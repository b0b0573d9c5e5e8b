// A registry server in process on a free loopback port, and a raw HTTP client to it: the fixture the
// Confluent-behaviour tests share. Each helper checks status and content type and returns the body.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "kavro/registry_server/server.hpp"

namespace kavro_test {

using json = nlohmann::json;

inline json err(int code, const std::string& message) {
  return {{"error_code", code}, {"message", message}};
}

class registry_http_test : public ::testing::Test {
 protected:
  static constexpr const char* sr_type = "application/vnd.schemaregistry.v1+json";

  void SetUp() override { start({"127.0.0.1", 0}); }

  void start(kavro::registry_server::server_config config) {
    srv = std::make_unique<kavro::registry_server::server>(std::move(config));
    auto port = srv->start();
    ASSERT_TRUE(port) << port.error().message;
    http = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }

  json expect(const httplib::Result& res, int status) {
    EXPECT_TRUE(res) << "no response";
    if (!res) return nullptr;
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), sr_type);
    return json::parse(res->body, nullptr, false);
  }
  json post(const std::string& path, const json& body, int status) {
    return expect(http->Post(path, body.dump(), sr_type), status);
  }
  json put(const std::string& path, const json& body, int status) {
    return expect(http->Put(path, body.dump(), sr_type), status);
  }
  json get(const std::string& path, int status) { return expect(http->Get(path), status); }
  json del(const std::string& path, int status) { return expect(http->Delete(path), status); }

  json register_schema(const std::string& subject, const std::string& schema) {
    return post("/subjects/" + subject + "/versions", {{"schema", schema}}, 200);
  }
  // A record schema with one int field, named `name`: distinct names give distinct schemas.
  static std::string record(const std::string& name) {
    return R"({"type":"record","name":")" + name + R"(","fields":[{"name":"x","type":"int"}]})";
  }

  std::unique_ptr<kavro::registry_server::server> srv;
  std::unique_ptr<httplib::Client> http;
};

}  // namespace kavro_test
