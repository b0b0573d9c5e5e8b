// `kavro avro encode` and `avro container write` read JSON lines through the same bounded parser as
// `kavro produce --input`: a line nested 100k deep or naming a key twice is refused by line and offset.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

const std::string schema =
    R"({"type":"record","name":"Order","fields":[{"name":"order_id","type":"int"},{"name":"product","type":"string"}]})";

struct run_result {
  int status = -1;  // the exit code, or 128 + signal when killed
  std::string out;
  std::string err;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class cli_input : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("kavro_cli_input_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  run_result run(const std::string& args, const std::string& input) {
    { std::ofstream(dir / "in.jsonl", std::ios::binary) << input; }
    const std::string cmd = std::string(KAVRO_CLI) + " " + args + " --schema '" + schema + "' --input " +
                            (dir / "in.jsonl").string() + " >" + (dir / "out").string() + " 2>" +
                            (dir / "err").string();
    int raw = std::system(cmd.c_str());
    run_result r;
    if (WIFEXITED(raw)) r.status = WEXITSTATUS(raw);
    r.out = slurp(dir / "out");
    r.err = slurp(dir / "err");
    return r;
  }

  std::filesystem::path dir;
};

TEST_F(cli_input, duplicate_key_is_refused_naming_key_line_and_offset) {
  auto r = run("avro encode --hex --plain",
               "{\"order_id\":1,\"product\":\"a\"}\n"
               "{\"order_id\":2,\"product\":\"b\",\"order_id\":3}\n");
  EXPECT_EQ(r.status, 2);        // bad input: docs/cli.md, "Exit codes"
  EXPECT_EQ(r.out, "020261\n");  // the first line, encoded before the second was refused
  EXPECT_EQ(r.err, "kavro avro encode: line 2: invalid JSON: duplicate key \"order_id\" at offset 28\n");
}

TEST_F(cli_input, line_nested_100k_deep_is_refused_not_a_crash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']') + "\n";
  for (const char* cmd : {"avro encode --hex", "avro encode --hex --plain", "avro container write"}) {
    SCOPED_TRACE(cmd);
    auto r = run(std::string(cmd) + " --output " + (dir / "o.avro").string(), deep);
    EXPECT_EQ(r.status, 2);  // bad input: docs/cli.md, "Exit codes"
    EXPECT_NE(r.err.find(": line 1: invalid JSON: nesting deeper than 512 levels at offset 512\n"),
              std::string::npos)
        << r.err;
  }
}

TEST_F(cli_input, deep_object_line_is_refused_with_its_offset) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
  deep += "1" + std::string(100000, '}') + "\n";
  auto r = run("avro encode --hex --plain", "{\"order_id\":1,\"product\":\"a\"}\n" + deep);
  EXPECT_EQ(r.status, 2);  // bad input: docs/cli.md, "Exit codes"
  EXPECT_EQ(r.err,
            "kavro avro encode: line 2: invalid JSON: nesting deeper than 512 levels at offset 2560\n");
}

}  // namespace
