// The registry client against the in-process server: registration, lookup, caching, error classes,
// bounded retries and failover between URLs.
#include "kavro/registry/client.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "kavro/registry_server/server.hpp"

namespace {

using kavro::errc;
using kavro::registry::client;
using kavro::registry::client_config;

const std::string record_schema = R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";

// A loopback port that was free a moment ago and now has no listener.
std::uint16_t dead_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string url(std::uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

class registry_client_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = srv.start();
    ASSERT_TRUE(port) << port.error().message;
    base = url(*port);
  }
  client make(std::vector<std::string> urls = {}) {
    if (urls.empty()) urls = {base};
    return client(client_config{urls, std::chrono::milliseconds(2000), 1, std::chrono::milliseconds(10)});
  }

  kavro::registry_server::server srv{{"127.0.0.1", 0}};
  std::string base;
};

TEST(registry_client_config, rejects_bad_urls) {
  EXPECT_THROW(client(client_config{}), std::invalid_argument);
  EXPECT_THROW(client(client_config{{"127.0.0.1:8081"}}), std::invalid_argument);
  EXPECT_THROW(client(client_config{{"http://"}}), std::invalid_argument);
}

TEST_F(registry_client_test, register_lookup_and_fetch) {
  auto c = make();
  auto id = c.register_schema("a-value", record_schema);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, 1);
  auto again = c.register_schema("b-value", record_schema);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, 1);

  auto found = c.lookup_schema("b-value", record_schema);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->subject, "b-value");
  EXPECT_EQ(found->id, 1);
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(found->schema, record_schema);

  auto fresh = make();  // no cache: this one goes to the server
  auto text = fresh.schema_by_id(1);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, record_schema);

  auto subjects = c.subjects();
  ASSERT_TRUE(subjects);
  EXPECT_EQ(*subjects, (std::vector<std::string>{"a-value", "b-value"}));
  auto versions = c.versions("a-value");
  ASSERT_TRUE(versions);
  EXPECT_EQ(*versions, (std::vector<std::int32_t>{1}));
  auto latest = c.get_version("a-value", "latest");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->id, 1);
}

TEST_F(registry_client_test, subject_is_url_encoded) {
  auto c = make();
  ASSERT_TRUE(c.register_schema("my topic/with:odd?chars", record_schema));
  auto subjects = c.subjects();
  ASSERT_TRUE(subjects);
  EXPECT_EQ(*subjects, (std::vector<std::string>{"my topic/with:odd?chars"}));
}

TEST_F(registry_client_test, cache_hits_make_no_request) {
  auto c = make();
  ASSERT_TRUE(c.register_schema("s", record_schema));
  auto fetched = make();
  ASSERT_TRUE(fetched.schema_by_id(1));
  srv.stop();
  // Nothing listens any more: only the caches can answer.
  auto text = fetched.schema_by_id(1);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, record_schema);
  auto id = c.register_schema("s", record_schema);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, 1);
  // A miss does go out, and fails.
  EXPECT_EQ(c.schema_by_id(5).error().code, errc::unavailable);
}

TEST_F(registry_client_test, error_classes) {
  auto c = make();
  auto missing = c.schema_by_id(42);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::not_found);
  EXPECT_EQ(missing.error().registry_code, 40403);
  EXPECT_EQ(missing.error().message, "GET " + base + "/schemas/ids/42: Schema 42 not found");

  auto no_subject = c.lookup_schema("nope", record_schema);
  ASSERT_FALSE(no_subject);
  EXPECT_EQ(no_subject.error().code, errc::not_found);
  EXPECT_EQ(no_subject.error().registry_code, 40401);

  auto invalid = c.register_schema("s", "{not json");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, errc::conflict);
  EXPECT_EQ(invalid.error().registry_code, 42201);

  auto bad_version = c.get_version("s", "abc");
  ASSERT_FALSE(bad_version);
  EXPECT_EQ(bad_version.error().code, errc::conflict);
  EXPECT_EQ(bad_version.error().registry_code, 42202);

  // Errors are not cached: once registered, the same call succeeds.
  ASSERT_FALSE(c.lookup_schema("s", record_schema));
  ASSERT_TRUE(c.register_schema("s", record_schema));
  EXPECT_TRUE(c.lookup_schema("s", record_schema));
}

TEST(registry_client_unavailable, nothing_listening_returns_after_bounded_retries) {
  client c(
      client_config{{url(dead_port())}, std::chrono::milliseconds(1000), 1, std::chrono::milliseconds(10)});
  const auto start = std::chrono::steady_clock::now();
  auto r = c.schema_by_id(1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unavailable);
  EXPECT_TRUE(r.error().retriable());
  EXPECT_EQ(r.error().registry_code, 0);
  EXPECT_TRUE(r.error().message.starts_with("GET " + url(0).substr(0, 17))) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(registry_client_test, fails_over_to_the_next_url) {
  auto c = make({url(dead_port()), base});
  auto id = c.register_schema("s", record_schema);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, 1);
}

}  // namespace
