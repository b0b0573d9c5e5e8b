// `kavro registry serve --config FILE` run as a user runs it: it listens where the file's `listeners`
// says, answers with the file's compatibility level and enforces it; the environment overrides the
// file, a flag overrides both; an unknown property stops it before it listens.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "cli_process.hpp"

namespace {

namespace fs = std::filesystem;
using kavro::testing::cli_process;
using nlohmann::json;
using namespace std::chrono_literals;

class serve_config_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "kavro-srconf-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    unsetenv("KAVRO_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL");
    fs::remove_all(dir_);
  }

  std::string write_config(const std::string& text) {
    const auto path = dir_ / "schema-registry.properties";
    std::ofstream(path) << text;
    return path.string();
  }

  // The port from the "listening on" line; 0 if the process exits or never says it (bounded: a hang
  // fails the test instead of stalling it).
  static int listening_port(cli_process& p) {
    const std::regex line(R"(kavro registry listening on http://127\.0\.0\.1:(\d+))");
    for (int i = 0; i < 600 && p.running(); ++i) {
      std::smatch m;
      const auto out = p.out();
      if (std::regex_search(out, m, line)) return std::stoi(m[1]);
      std::this_thread::sleep_for(50ms);
    }
    return 0;
  }

  static std::string global_level(int port) {
    httplib::Client c("127.0.0.1", port);
    auto r = c.Get("/config");
    if (!r || r->status != 200) return "<no answer>";
    return json::parse(r->body).value("compatibilityLevel", "<missing>");
  }

  static int register_schema(int port, const std::string& subject, const json& schema) {
    httplib::Client c("127.0.0.1", port);
    auto r = c.Post("/subjects/" + subject + "/versions", json{{"schema", schema.dump()}}.dump(),
                    "application/vnd.schemaregistry.v1+json");
    return r ? r->status : -1;
  }

  fs::path dir_;
};

json record(bool with_b) {
  json fields = json::array({{{"name", "a"}, {"type", "int"}}});
  if (with_b) fields.push_back({{"name", "b"}, {"type", "int"}});
  return {{"type", "record"}, {"name", "r"}, {"fields", fields}};
}

TEST_F(serve_config_test, listens_where_the_file_says_and_enforces_its_compatibility_level) {
  const auto config = write_config(
      "# Confluent's names\n"
      "listeners=http://127.0.0.1:0\n"
      "schema.compatibility.level=full\n"
      "debug=false\n");
  cli_process p(kavro::testing::cli_binary(KAVRO_CLI), {"registry", "serve", "--config", config});
  const int port = listening_port(p);
  ASSERT_GT(port, 0) << p.err();
  EXPECT_EQ(global_level(port), "FULL");
  // Dropping a field without a default is backward compatible (kavro's default level) but not
  // forward: FULL must refuse it.
  EXPECT_EQ(register_schema(port, "s-value", record(true)), 200);
  EXPECT_EQ(register_schema(port, "s-value", record(false)), 409);
  EXPECT_NE(p.err().find("debug is ignored"), std::string::npos) << p.err();
  p.signal(SIGTERM);
  EXPECT_TRUE(p.wait(30s).exited);
}

TEST_F(serve_config_test, environment_overrides_the_file_and_a_flag_overrides_both) {
  const auto config = write_config("listeners=http://127.0.0.1:0\nschema.compatibility.level=FULL\n");
  setenv("KAVRO_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL", "NONE", 1);
  {
    cli_process p(kavro::testing::cli_binary(KAVRO_CLI), {"registry", "serve", "--config", config});
    const int port = listening_port(p);
    ASSERT_GT(port, 0) << p.err();
    EXPECT_EQ(global_level(port), "NONE");
    p.signal(SIGTERM);
    EXPECT_TRUE(p.wait(30s).exited);
  }
  cli_process p(kavro::testing::cli_binary(KAVRO_CLI),
                {"registry", "serve", "--config", config, "--default-compatibility", "forward_transitive"});
  const int port = listening_port(p);
  ASSERT_GT(port, 0) << p.err();
  EXPECT_EQ(global_level(port), "FORWARD_TRANSITIVE");
  p.signal(SIGTERM);
  EXPECT_TRUE(p.wait(30s).exited);
}

TEST_F(serve_config_test, an_unknown_property_stops_it_with_its_name_and_line) {
  const auto config =
      write_config("listeners=http://127.0.0.1:0\nschema.registry.compatibility.level=FULL\n");
  cli_process p(kavro::testing::cli_binary(KAVRO_CLI), {"registry", "serve", "--config", config});
  const auto exit = p.wait(30s);
  ASSERT_TRUE(exit.exited);
  EXPECT_NE(exit.code, 0);
  EXPECT_NE(
      p.err().find(config + ":2: schema.registry.compatibility.level: unknown or not implemented by kavro"),
      std::string::npos)
      << p.err();
  EXPECT_EQ(p.out().find("listening"), std::string::npos);
}

TEST_F(serve_config_test, store_settings_without_a_store_are_refused) {
  const auto config = write_config("listeners=http://127.0.0.1:0\nkafkastore.topic=_my_schemas\n");
  cli_process p(kavro::testing::cli_binary(KAVRO_CLI), {"registry", "serve", "--config", config});
  const auto exit = p.wait(30s);
  ASSERT_TRUE(exit.exited);
  EXPECT_NE(exit.code, 0);
  EXPECT_NE(p.err().find("kafkastore.topic (" + config + ":2) set without kafkastore.bootstrap.servers"),
            std::string::npos)
      << p.err();
  EXPECT_EQ(p.out().find("listening"), std::string::npos);
}

}  // namespace
