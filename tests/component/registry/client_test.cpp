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

// ---- client features: auth, TLS, latest-version cache, retries, classes, mock://, strategies ----

#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kavro/registry/mock.hpp"
#include "kavro/registry/subject_name.hpp"

namespace {

using kavro::registry::registered_schema;

// A hand-made HTTP server whose answers a test scripts, to see what the client sends and does.
class scripted_server {
 public:
  explicit scripted_server(std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    http.Get(".*", handler);
    http.Post(".*", handler);
    port = http.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { http.listen_after_bind(); });
    while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~scripted_server() {
    http.stop();
    thread.join();
  }
  httplib::Server http;
  int port = 0;
  std::thread thread;
};

TEST(registry_client_retries, retries_5xx_408_429_then_succeeds) {
  std::atomic<int> calls{0};
  scripted_server s([&](const httplib::Request&, httplib::Response& res) {
    const int n = calls++;
    if (n == 0)
      return res.set_content(R"({"error_code":50001,"message":"busy"})", "application/json"),
             void(res.status = 500);
    if (n == 1) return void(res.status = 429);
    if (n == 2) return void(res.status = 408);
    res.set_content(R"({"schema":"\"string\""})", "application/json");
  });
  client c(client_config{{url(static_cast<std::uint16_t>(s.port))},
                         std::chrono::milliseconds(2000),
                         3,
                         std::chrono::milliseconds(1)});
  auto r = c.schema_by_id(1);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "\"string\"");
  EXPECT_EQ(calls.load(), 4);
}

TEST(registry_client_retries, gives_up_after_max_retries_as_unavailable) {
  std::atomic<int> calls{0};
  scripted_server s([&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 503;
  });
  client c(client_config{{url(static_cast<std::uint16_t>(s.port))},
                         std::chrono::milliseconds(2000),
                         2,
                         std::chrono::milliseconds(1)});
  auto r = c.schema_by_id(1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unavailable);
  EXPECT_EQ(calls.load(), 3);
}

TEST(registry_client_classes, only_the_registrys_own_404_means_not_found) {
  // A proxy's 404 page, or refused credentials, say nothing about the schema: a consumer must wait.
  scripted_server s([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/schemas/ids/1") {
      res.status = 404;
      res.set_content("<html>Not Found</html>", "text/html");
    } else if (req.path == "/schemas/ids/2") {
      res.status = 401;
    } else {
      res.status = 404;
      res.set_content(R"({"error_code":40403,"message":"Schema 3 not found"})", "application/json");
    }
  });
  client c(client_config{{url(static_cast<std::uint16_t>(s.port))},
                         std::chrono::milliseconds(2000),
                         0,
                         std::chrono::milliseconds(1)});
  EXPECT_EQ(c.schema_by_id(1).error().code, errc::unavailable);
  EXPECT_EQ(c.schema_by_id(2).error().code, errc::unavailable);
  EXPECT_EQ(c.schema_by_id(3).error().code, errc::not_found);
}

TEST(registry_client_auth, sends_basic_auth) {
  kavro::registry_server::server_config cfg{"127.0.0.1", 0};
  cfg.basic_auth = "bob:pw";
  kavro::registry_server::server srv(cfg);
  auto port = srv.start();
  ASSERT_TRUE(port);
  client anonymous(client_config{{url(*port)}, std::chrono::milliseconds(2000), 0});
  EXPECT_EQ(anonymous.subjects().error().code, errc::unavailable);  // 401: a configuration problem, not data
  client_config with{{url(*port)}, std::chrono::milliseconds(2000), 0};
  with.basic_auth = "bob:pw";
  client authed(with);
  ASSERT_TRUE(authed.register_schema("s", record_schema));
  EXPECT_EQ(*authed.subjects(), (std::vector<std::string>{"s"}));
}

TEST(registry_client_tls, talks_https_and_verifies_the_server) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl command";
  const auto dir = std::filesystem::temp_directory_path() / ("kavro-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  kavro::registry_server::server_config cfg{"127.0.0.1", 0};
  cfg.tls_cert_file = cert;
  cfg.tls_key_file = key;
  kavro::registry_server::server srv(cfg);
  auto port = srv.start();
  ASSERT_TRUE(port);
  const std::string https = "https://127.0.0.1:" + std::to_string(*port);
  // Without trusting the self-signed certificate, the handshake fails (as a transport error).
  client untrusted(client_config{{https}, std::chrono::milliseconds(2000), 0});
  EXPECT_EQ(untrusted.subjects().error().code, errc::unavailable);
  client_config trusted_cfg{{https}, std::chrono::milliseconds(2000), 0};
  trusted_cfg.tls_ca_file = cert;
  client trusted(trusted_cfg);
  auto id = trusted.register_schema("s", record_schema);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, 1);
  std::filesystem::remove_all(dir);
}

TEST(registry_client_cache, latest_version_is_cached_for_its_ttl) {
  kavro::registry_server::server srv({"127.0.0.1", 0});
  auto port = srv.start();
  ASSERT_TRUE(port);
  client_config cached_cfg{{url(*port)}, std::chrono::milliseconds(2000), 0};
  cached_cfg.latest_cache_ttl = std::chrono::hours(1);
  client cached(cached_cfg);
  client_config uncached_cfg{{url(*port)}, std::chrono::milliseconds(2000), 0};
  uncached_cfg.latest_cache_ttl = std::chrono::milliseconds(0);
  client uncached(uncached_cfg);
  ASSERT_TRUE(cached.register_schema("s", record_schema));
  EXPECT_EQ(cached.latest_version("s")->version, 1);
  const std::string v2 =
      R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"n","type":"int","default":0}]})";
  ASSERT_TRUE(uncached.register_schema("s", v2));
  EXPECT_EQ(cached.latest_version("s")->version, 1);  // within the TTL
  EXPECT_EQ(uncached.latest_version("s")->version, 2);
}

TEST(registry_mock, scopes_share_state_and_ids) {
  kavro::registry::mock_registry::drop_scopes();
  auto a = kavro::registry::make_registry(client_config{{"mock://orders"}});
  auto b = kavro::registry::make_registry(client_config{{"mock://orders"}});
  auto other = kavro::registry::make_registry(client_config{{"mock://elsewhere"}});
  EXPECT_EQ(*a->register_schema("t-value", record_schema), 1);
  EXPECT_EQ(*b->register_schema("u-value", record_schema), 1);  // same text, same id
  EXPECT_EQ(*b->schema_by_id(1), record_schema);
  EXPECT_EQ(b->lookup_schema("t-value", record_schema)->version, 1);
  EXPECT_EQ(other->schema_by_id(1).error().code, errc::not_found);
  EXPECT_EQ(a->lookup_schema("nope", record_schema).error().registry_code, 40401);
  EXPECT_EQ(a->latest_version("t-value")->id, 1);
}

TEST(registry_subject_names, the_three_strategies) {
  using kavro::registry::subject_name_strategy;
  EXPECT_EQ(
      *kavro::registry::subject_name(subject_name_strategy::topic_name, "orders", false, "com.acme.Order"),
      "orders-value");
  EXPECT_EQ(*kavro::registry::subject_name(subject_name_strategy::topic_name, "orders", true, ""),
            "orders-key");
  EXPECT_EQ(
      *kavro::registry::subject_name(subject_name_strategy::record_name, "orders", false, "com.acme.Order"),
      "com.acme.Order");
  EXPECT_EQ(*kavro::registry::subject_name(subject_name_strategy::topic_record_name, "orders", false,
                                           "com.acme.Order"),
            "orders-com.acme.Order");
  EXPECT_EQ(
      kavro::registry::subject_name(subject_name_strategy::record_name, "orders", false, "").error().code,
      errc::invalid_argument);
  EXPECT_EQ(*kavro::registry::parse_subject_name_strategy(
                "io.confluent.kafka.serializers.subject.RecordNameStrategy"),
            subject_name_strategy::record_name);
  EXPECT_FALSE(kavro::registry::parse_subject_name_strategy("Nope"));
}

TEST(registry_serializer_policy, auto_register_latest_or_lookup) {
  kavro::registry::mock_registry::drop_scopes();
  auto reg = kavro::registry::make_registry(client_config{{"mock://policy"}});
  using kavro::registry::serializer_policy;
  // Auto-registration off and nothing registered: the lookup fails, nothing is registered.
  EXPECT_EQ(
      kavro::registry::schema_for(*reg, serializer_policy{false, false}, "s", record_schema).error().code,
      errc::not_found);
  EXPECT_EQ(kavro::registry::schema_for(*reg, serializer_policy{true, false}, "s", record_schema)->id, 1);
  const std::string v2 = R"({"type":"record","name":"User","fields":[]})";
  ASSERT_TRUE(reg->register_schema("s", v2));
  // use.latest.version: the subject's latest schema and id, not the caller's.
  auto latest = kavro::registry::schema_for(*reg, serializer_policy{false, true}, "s", record_schema);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->id, 2);
  EXPECT_EQ(latest->schema, v2);
  EXPECT_EQ(kavro::registry::schema_for(*reg, serializer_policy{false, false}, "s", record_schema)->id, 1);
}

}  // namespace
