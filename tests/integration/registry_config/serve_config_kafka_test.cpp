// `kavro registry serve --config FILE` with Confluent's kafkastore.* names on a real broker: it reads the
// file's topic on the file's brokers, applies its compatibility level, and what it stored is there
// again after a restart.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "cli_process.hpp"
#include "kafka_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using kavro::testing::cli_process;
using nlohmann::json;
using namespace std::chrono_literals;

// The port from the "listening on" line; 0 if the process exits or never says it within the bound.
int listening_port(cli_process& p) {
  const std::regex line(R"(kavro registry listening on http://127\.0\.0\.1:(\d+))");
  for (int i = 0; i < 2400 && p.running(); ++i) {
    std::smatch m;
    const auto out = p.out();
    if (std::regex_search(out, m, line)) return std::stoi(m[1]);
    std::this_thread::sleep_for(50ms);
  }
  return 0;
}

int register_schema(int port, const std::string& subject, const std::string& type) {
  const json schema = {
      {"type", "record"}, {"name", "r"}, {"fields", json::array({{{"name", "a"}, {"type", type}}})}};
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  auto r = c.Post("/subjects/" + subject + "/versions", json{{"schema", schema.dump()}}.dump(),
                  "application/vnd.schemaregistry.v1+json");
  return r ? r->status : -1;
}

TEST(serve_config_kafka, kafkastore_settings_from_the_file_take_effect_and_survive_a_restart) {
  const std::string bootstrap = kavro::testing::fixture_bootstrap();
  const std::string tag = std::to_string(getpid());
  const std::string topic = "_schemas_config_" + tag;
  const auto dir = fs::temp_directory_path() / ("kavro-srconf-kafka-" + tag);
  fs::create_directories(dir);
  const auto config = (dir / "schema-registry.properties").string();
  std::ofstream(config) << "listeners=http://127.0.0.1:0\n"
                        << "kafkastore.bootstrap.servers=PLAINTEXT://" << bootstrap << "\n"
                        << "kafkastore.topic=" << topic << "\n"
                        << "kafkastore.topic.replication.factor=1\n"
                        << "kafkastore.timeout.ms=60000\n"
                        << "schema.registry.group.id=kavro-config-test-" << tag << "\n"
                        << "schema.compatibility.level=NONE\n";
  {
    cli_process p(kavro::testing::cli_binary(KAVRO_CLI), {"registry", "serve", "--config", config});
    const int port = listening_port(p);
    ASSERT_GT(port, 0) << p.err();
    EXPECT_NE(p.out().find("kavro registry reading " + topic + " from " + bootstrap), std::string::npos)
        << p.out();
    // int → string is incompatible at every level but NONE.
    EXPECT_EQ(register_schema(port, "s-value", "int"), 200);
    EXPECT_EQ(register_schema(port, "s-value", "string"), 200);
    p.signal(SIGTERM);
    EXPECT_TRUE(p.wait(60s).exited);
  }
  cli_process p(kavro::testing::cli_binary(KAVRO_CLI), {"registry", "serve", "--config", config});
  const int port = listening_port(p);
  ASSERT_GT(port, 0) << p.err();
  httplib::Client c("127.0.0.1", port);
  auto versions = c.Get("/subjects/s-value/versions");
  ASSERT_TRUE(versions);
  EXPECT_EQ(versions->status, 200);
  EXPECT_EQ(json::parse(versions->body), json::array({1, 2}));
  auto level = c.Get("/config");
  ASSERT_TRUE(level);
  EXPECT_EQ(json::parse(level->body), (json{{"compatibilityLevel", "NONE"}}));
  p.signal(SIGTERM);
  EXPECT_TRUE(p.wait(60s).exited);
  fs::remove_all(dir);
}

}  // namespace
