// The registry's /metrics during a real run: an in-process server on loopback, registrations, 404s,
// a refused body; the scrape is parsed as Prometheus text 0.0.4 and each counter must equal what the
// run did.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "kavro/log.hpp"
#include "kavro/registry_server/server.hpp"

namespace {

using json = nlohmann::json;
constexpr const char* sr_type = "application/vnd.schemaregistry.v1+json";

// A scrape parsed strictly: every sample belongs to a family announced by HELP and TYPE lines; label
// values are unescaped; a malformed line fails the test. Keys are `name{a="x",b="y"}` as written.
struct exposition {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;

  double at(const std::string& key) const {
    auto it = samples.find(key);
    if (it == samples.end()) {
      ADD_FAILURE() << "no sample " << key;
      return -1;
    }
    return it->second;
  }
};

bool name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

exposition parse(const std::string& text) {
  exposition out;
  std::set<std::string> helped;
  std::size_t pos = 0;
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "the exposition ends with a newline";
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (line.starts_with("# HELP ")) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      const auto name = line.substr(7, line.find(' ', 7) - 7);
      const auto type = line.substr(line.find(' ', 7) + 1);
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
      EXPECT_TRUE(helped.contains(name)) << "TYPE before HELP: " << line;
      EXPECT_FALSE(out.types.contains(name)) << "family announced twice: " << name;
      out.types[name] = type;
      continue;
    }
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i], i == 0)) ++i;
    EXPECT_GT(i, 0u) << line;
    const std::string name = line.substr(0, i);
    std::string key = name;
    if (i < line.size() && line[i] == '{') {
      key += '{';
      ++i;
      bool first = true;
      while (i < line.size() && line[i] != '}') {
        if (!first) {
          EXPECT_EQ(line[i], ',') << line;
          key += ',';
          ++i;
        }
        first = false;
        const auto eq = line.find("=\"", i);
        EXPECT_NE(eq, std::string::npos) << line;
        if (eq == std::string::npos) return out;
        key += line.substr(i, eq - i) + "=\"";
        i = eq + 2;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            ++i;
            EXPECT_TRUE(line[i] == '\\' || line[i] == '"' || line[i] == 'n') << line;
          }
          key += line[i++];
        }
        key += '"';
        ++i;
      }
      key += '}';
      ++i;
    }
    EXPECT_EQ(line[i], ' ') << line;
    const std::string value = line.substr(i + 1);
    char* end = nullptr;
    const double v = value == "+Inf"   ? HUGE_VAL
                     : value == "-Inf" ? -HUGE_VAL
                                       : std::strtod(value.c_str(), &end);
    EXPECT_TRUE(value == "+Inf" || value == "-Inf" || (end && *end == '\0')) << line;
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (!out.types.contains(family) && name.ends_with(suffix))
        family = name.substr(0, name.size() - std::string(suffix).size());
    }
    EXPECT_TRUE(out.types.contains(family)) << "sample before its TYPE line: " << line;
    EXPECT_FALSE(out.samples.contains(key)) << "duplicate sample " << key;
    out.samples[key] = v;
  }
  return out;
}

class registry_metrics : public ::testing::Test {
 protected:
  void start(kavro::registry_server::server_config config) {
    srv = std::make_unique<kavro::registry_server::server>(std::move(config));
    auto port = srv->start();
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
    http = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }

  exposition scrape() {
    auto res = http->Get("/metrics");
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    return parse(res->body);
  }

  static std::string record(int i) {
    return R"({"type":"record","name":"r)" + std::to_string(i) + R"(","fields":[{"name":"x","type":"int"}]})";
  }

  std::unique_ptr<kavro::registry_server::server> srv;
  std::unique_ptr<httplib::Client> http;
  std::uint16_t port_ = 0;
};

TEST_F(registry_metrics, counters_equal_what_the_run_did) {
  kavro::registry_server::server_config config{"127.0.0.1", 0};
  config.max_body_bytes = 1024;
  start(std::move(config));

  constexpr int registrations = 5, missing = 3, unknown_paths = 2;
  for (int i = 0; i < registrations; ++i) {
    auto r = http->Post("/subjects/s" + std::to_string(i) + "/versions", json{{"schema", record(i)}}.dump(),
                        sr_type);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  for (int i = 0; i < missing; ++i) {
    auto r = http->Get("/subjects/nosuch" + std::to_string(i) + "/versions");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 404) << r->body;
  }
  for (int i = 0; i < unknown_paths; ++i) {
    auto r = http->Get("/no/such/path/" + std::to_string(i));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 404) << r->body;
  }
  {
    auto r = http->Post("/subjects/big/versions", std::string(4096, ' '), sr_type);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 413) << r->body;
    http = std::make_unique<httplib::Client>("127.0.0.1", port_);  // the server closed that connection
  }
  {
    auto r = http->Get("/healthz");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
  }

  const auto m = scrape();
  const std::string req = "kavro_registry_http_requests_total";
  EXPECT_EQ(m.at(req + R"({method="POST",endpoint="/subjects/{subject}/versions",status="200"})"),
            registrations);
  EXPECT_EQ(m.at(req + R"({method="GET",endpoint="/subjects/{subject}/versions",status="404"})"), missing);
  EXPECT_EQ(m.at(req + R"m({method="GET",endpoint="(unmatched)",status="404"})m"), unknown_paths);
  EXPECT_EQ(m.at(req + R"({method="GET",endpoint="/healthz",status="200"})"), 1);
  EXPECT_EQ(m.at(R"(kavro_registry_http_refused_total{status="413"})"), 1);
  // No raw path becomes a label value.
  for (const auto& [key, v] : m.samples) {
    EXPECT_EQ(key.find("nosuch"), std::string::npos) << key;
    EXPECT_EQ(key.find("/s1/"), std::string::npos) << key;
  }

  const std::string lat = "kavro_registry_http_request_duration_seconds";
  const std::string labels = R"(method="POST",endpoint="/subjects/{subject}/versions")";
  EXPECT_EQ(m.at(lat + "_count{" + labels + "}"), registrations);
  EXPECT_EQ(m.at(lat + "_bucket{" + labels + R"(,le="+Inf"})"), registrations);
  EXPECT_GT(m.at(lat + "_sum{" + labels + "}"), 0);
  double previous = 0;
  for (const char* le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
                         "1", "2.5", "5", "10", "+Inf"}) {
    const double v = m.at(lat + "_bucket{" + labels + ",le=\"" + le + "\"}");
    EXPECT_GE(v, previous) << le;
    previous = v;
  }

  EXPECT_EQ(m.at("kafka_schema_registry_api_success_count"), registrations);
  EXPECT_EQ(m.at("kafka_schema_registry_api_failure_count"), missing + unknown_paths);
  EXPECT_EQ(m.at("kafka_schema_registry_master_slave_role"), 1);
  EXPECT_EQ(m.at("kafka_schema_registry_registered_count"), registrations);
  EXPECT_EQ(m.at("kafka_schema_registry_avro_schemas_created"), registrations);
  EXPECT_EQ(m.at("kafka_schema_registry_json_schemas_created"), 0);
  EXPECT_EQ(m.at("kafka_schema_registry_deleted_count"), 0);
  EXPECT_EQ(m.at("kavro_registry_subjects"), registrations);
  EXPECT_EQ(m.at("kavro_registry_schemas"), registrations);
  EXPECT_EQ(m.at("kavro_registry_max_schema_id"), registrations);
  EXPECT_EQ(m.at("kavro_registry_store_ready"), 1);
  EXPECT_GE(m.at("kavro_registry_http_connections_open"), 1);
  EXPECT_EQ(m.at("kavro_registry_http_connections_refused_total"), 0);
  EXPECT_FALSE(m.samples.contains("kavro_registry_store_lag")) << "the memory store has no log";
  EXPECT_EQ(m.types.at("kavro_registry_http_requests_total"), "counter");
  EXPECT_EQ(m.types.at(lat), "histogram");
  EXPECT_EQ(m.types.at("kafka_schema_registry_master_slave_role"), "gauge");

  // A soft delete moves a version to the deleted counts; the scrape itself was counted.
  auto d = http->Delete("/subjects/s0/versions/1");
  ASSERT_TRUE(d);
  ASSERT_EQ(d->status, 200) << d->body;
  const auto after = scrape();
  EXPECT_EQ(after.at("kafka_schema_registry_deleted_count"), 1);
  EXPECT_EQ(after.at("kafka_schema_registry_avro_schemas_deleted"), 1);
  EXPECT_EQ(after.at("kafka_schema_registry_registered_count"), registrations);
  EXPECT_EQ(after.at("kavro_registry_subjects"), registrations - 1);
  EXPECT_EQ(after.at(R"(kavro_registry_versions{state="live"})"), registrations - 1);
  EXPECT_EQ(after.at(req + R"({method="GET",endpoint="/metrics",status="200"})"), 1);
  EXPECT_EQ(
      after.at(req + R"({method="DELETE",endpoint="/subjects/{subject}/versions/{version}",status="200"})"),
      1);
  EXPECT_EQ(after.at("kafka_schema_registry_api_success_count"), registrations + 1);
}

TEST_F(registry_metrics, scrape_needs_credentials_unless_configured_otherwise) {
  kavro::registry_server::server_config config{"127.0.0.1", 0};
  config.basic_auth = "scraper:secret";
  start(config);
  auto denied = http->Get("/metrics");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  http->set_basic_auth("scraper", "secret");
  EXPECT_EQ(
      scrape().at(R"(kavro_registry_http_requests_total{method="GET",endpoint="/metrics",status="401"})"), 1);
  srv.reset();

  config.metrics_without_auth = true;
  start(config);
  const auto m = scrape();
  EXPECT_EQ(m.at("kavro_registry_subjects"), 0);
  auto other = http->Get("/subjects");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 401) << "only /metrics is opened";
}

TEST_F(registry_metrics, request_log_names_the_route_and_status) {
  std::vector<std::string> lines;
  std::mutex m;
  kavro::log::set_sink([&](std::string_view l) {
    std::lock_guard lock(m);
    lines.emplace_back(l);
  });
  kavro::registry_server::server_config config{"127.0.0.1", 0};
  config.log_requests = true;
  start(config);
  auto r = http->Get("/subjects/orders-value/versions?deleted=true");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 404);
  srv.reset();  // every answer has been logged once the server stops
  kavro::log::set_sink({});
  ASSERT_EQ(lines.size(), 1u);
  const auto& l = lines[0];
  EXPECT_NE(l.find(" INFO  request "), std::string::npos) << l;
  EXPECT_NE(l.find(" method=GET path=/subjects/orders-value/versions route=/subjects/{subject}/versions "
                   "status=404 bytes="),
            std::string::npos)
      << l;
  EXPECT_NE(l.find(" latency_ms="), std::string::npos) << l;
  EXPECT_EQ(l.find("deleted=true"), std::string::npos) << "the query is not logged: " << l;
}

}  // namespace
