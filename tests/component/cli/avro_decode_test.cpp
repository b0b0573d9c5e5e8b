// `kavro avro decode --confluent`: every datum carries its own 5-byte header, in a raw stream and in hex
// lines; a bad frame is an error (exit 2) naming the datum and its byte offset, never garbage with exit 0.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_process.hpp"
#include "kavro/avro/codec.hpp"
#include "kavro/avro/json.hpp"
#include "kavro/serde/wire.hpp"

namespace {

using namespace kavro;
using namespace std::chrono_literals;

constexpr const char* schema_text =
    R"({"type":"record","name":"item","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}]})";

class avro_decode_confluent : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = avro::schema::parse(schema_text);
    ASSERT_TRUE(s) << s.error().message;
    schema_ = *s;
    static int n = 0;
    input_ = std::filesystem::temp_directory_path() /
             ("kavro-decode-" + std::to_string(getpid()) + "-" + std::to_string(++n));
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove(input_, ec);
  }

  // One framed datum: header (magic byte, schema id) + the record's Avro body.
  std::vector<std::uint8_t> framed(std::int32_t schema_id, std::int32_t id, const std::string& name) {
    auto v = avro::from_json(schema_, nlohmann::json{{"id", id}, {"name", name}});
    EXPECT_TRUE(v);
    std::vector<std::uint8_t> out;
    serde::write_header(schema_id, out);
    EXPECT_TRUE(avro::encode(schema_, *v, out));
    return out;
  }

  void write_input(const std::vector<std::uint8_t>& bytes) {
    std::ofstream f(input_, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }

  struct run_result {
    kavro::testing::cli_exit exit;
    std::string out, err;
  };
  run_result decode(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"avro",        "decode",  "--schema", schema_text,
                                  "--confluent", "--plain", "-i",       input_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    kavro::testing::cli_process p(kavro::testing::cli_binary(KAVRO_CLI), args);
    auto e = p.wait(60s);
    return {e, p.out(), p.err()};
  }

  static std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line, nullptr, false));
    return out;
  }

  avro::schema schema_ = *avro::schema::parse(R"("null")");
  std::filesystem::path input_;
};

TEST_F(avro_decode_confluent, two_framed_datums_back_to_back_decode_each_behind_its_own_header) {
  auto bytes = framed(7, 1, "first");
  const auto second = framed(7, 2, "second");
  bytes.insert(bytes.end(), second.begin(), second.end());
  write_input(bytes);
  const auto r = decode();
  ASSERT_TRUE(r.exit.exited && r.exit.code == 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], (nlohmann::json{{"id", 1}, {"name", "first"}}));
  EXPECT_EQ(lines[1], (nlohmann::json{{"id", 2}, {"name", "second"}}));
  EXPECT_EQ(r.err, "");
}

TEST_F(avro_decode_confluent, two_framed_datums_as_hex_lines_decode_each_behind_its_own_header) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  for (const auto& d : {framed(7, 1, "first"), framed(7, 2, "second")}) {
    for (auto b : d) {
      text += digits[b >> 4];
      text += digits[b & 15];
    }
    text += '\n';
  }
  write_input(std::vector<std::uint8_t>(text.begin(), text.end()));
  const auto r = decode({"--hex"});
  ASSERT_TRUE(r.exit.exited && r.exit.code == 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], (nlohmann::json{{"id", 1}, {"name", "first"}}));
  EXPECT_EQ(lines[1], (nlohmann::json{{"id", 2}, {"name", "second"}}));
}

TEST_F(avro_decode_confluent, a_bad_magic_byte_in_the_second_datum_is_an_error_naming_it_and_its_offset) {
  auto bytes = framed(7, 1, "first");
  const std::size_t second_at = bytes.size();
  auto second = framed(7, 2, "second");
  second[0] = '{';
  bytes.insert(bytes.end(), second.begin(), second.end());
  write_input(bytes);
  const auto r = decode();
  ASSERT_TRUE(r.exit.exited);
  EXPECT_EQ(r.exit.code, 2);
  EXPECT_NE(r.err.find("datum 2 at byte " + std::to_string(second_at) + ": unknown magic byte 0x7b"),
            std::string::npos)
      << r.err;
  // What came before the bad frame was decoded and printed; nothing after it.
  EXPECT_EQ(json_lines(r.out).size(), 1u) << r.out;
}

TEST_F(avro_decode_confluent, a_truncated_header_at_the_end_is_an_error_naming_the_datum) {
  auto bytes = framed(7, 1, "first");
  const std::size_t second_at = bytes.size();
  bytes.insert(bytes.end(), {0, 0, 0});
  write_input(bytes);
  const auto r = decode();
  ASSERT_TRUE(r.exit.exited);
  EXPECT_EQ(r.exit.code, 2);
  EXPECT_NE(r.err.find("datum 2 at byte " + std::to_string(second_at) +
                       ": message of 3 bytes is shorter than the 5-byte"),
            std::string::npos)
      << r.err;
}

TEST_F(avro_decode_confluent,
       datums_of_another_schema_id_are_refused_rather_than_decoded_with_the_wrong_schema) {
  auto bytes = framed(7, 1, "first");
  const auto second = framed(8, 2, "second");
  bytes.insert(bytes.end(), second.begin(), second.end());
  write_input(bytes);
  const auto r = decode();
  ASSERT_TRUE(r.exit.exited);
  EXPECT_EQ(r.exit.code, 2);
  EXPECT_NE(r.err.find("datum 2 at byte"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("schema id 8 differs from the first datum's 7"), std::string::npos) << r.err;
}

TEST_F(avro_decode_confluent, hex_lines_with_a_bad_frame_name_the_line) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  for (auto b : framed(7, 1, "first")) {
    text += digits[b >> 4];
    text += digits[b & 15];
  }
  text += "\n7b00\n";
  write_input(std::vector<std::uint8_t>(text.begin(), text.end()));
  const auto r = decode({"--hex"});
  ASSERT_TRUE(r.exit.exited);
  EXPECT_EQ(r.exit.code, 2);
  EXPECT_NE(r.err.find("line 2: unknown magic byte 0x7b"), std::string::npos) << r.err;
  EXPECT_EQ(json_lines(r.out).size(), 1u) << r.out;
}

}  // namespace
