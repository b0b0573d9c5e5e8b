// The JSON Schema wire format: Confluent's 5-byte header then the JSON text, decoded with bounds and
// validated on both sides when asked.
#include "kavro/jsonschema/wire.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kavro::jsonschema {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

TEST(jsonschema_wire, encodes_magic_byte_big_endian_id_then_json_text) {
  auto m = encode(0x01020304, nlohmann::json::parse(R"({"id":1})"));
  ASSERT_TRUE(m) << m.error().message;
  std::vector<std::uint8_t> expected{0, 1, 2, 3, 4};
  for (char c : std::string(R"({"id":1})")) expected.push_back(static_cast<std::uint8_t>(c));
  EXPECT_EQ(*m, expected);
}

TEST(jsonschema_wire, decodes_what_confluents_serializer_writes) {
  // Any JSON text after the header, however it is spaced (interop_test.cpp has Confluent's own bytes).
  auto message = bytes(std::string("\0\0\0\0\x2a", 5) + R"({"name": "a", "n": [1, 2]})");
  auto d = decode(message);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->schema_id, 42);
  EXPECT_EQ(d->value, nlohmann::json::parse(R"({"name":"a","n":[1,2]})"));
}

TEST(jsonschema_wire, keeps_text_as_given) {
  auto m = encode_text(7, R"({"b": 1, "a": 2})");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(std::string(m->begin() + 5, m->end()), R"({"b": 1, "a": 2})");
}

TEST(jsonschema_wire, refuses_short_wrong_magic_and_non_json_bodies_with_reasons) {
  auto short_message = decode(bytes(std::string("\0\0\0", 3)));
  ASSERT_FALSE(short_message);
  EXPECT_EQ(short_message.error().code, errc::invalid_data);
  EXPECT_NE(short_message.error().message.find("shorter than the 5-byte header"), std::string::npos);

  auto wrong_magic = decode(bytes(std::string("\x01\0\0\0\x01{}", 7)));
  ASSERT_FALSE(wrong_magic);
  EXPECT_NE(wrong_magic.error().message.find("magic byte 1"), std::string::npos)
      << wrong_magic.error().message;

  auto not_json = decode(bytes(std::string("\0\0\0\0\x01{\"a\":", 10)));
  ASSERT_FALSE(not_json);
  EXPECT_NE(not_json.error().message.find("not valid JSON"), std::string::npos) << not_json.error().message;

  auto duplicate = decode(bytes(std::string("\0\0\0\0\x01{\"a\":1,\"a\":2}", 18)));
  ASSERT_FALSE(duplicate);
  EXPECT_NE(duplicate.error().message.find("duplicate key"), std::string::npos) << duplicate.error().message;
}

TEST(jsonschema_wire, bounds_size_and_depth) {
  wire_options options;
  options.max_message_bytes = 10;
  auto too_big = decode(bytes(std::string("\0\0\0\0\x01", 5) + R"({"abcdef":1})"), options);
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message.find("more than the limit"), std::string::npos);
  auto too_big_out = encode(1, nlohmann::json::parse(R"({"abcdef":1})"), options);
  ASSERT_FALSE(too_big_out);

  wire_options shallow;
  shallow.max_depth = 3;
  auto deep = decode(bytes(std::string("\0\0\0\0\x01", 5) + "[[[[1]]]]"), shallow);
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message.find("deeper than"), std::string::npos) << deep.error().message;
}

TEST(jsonschema_wire, validates_on_both_sides_when_asked) {
  auto s = schema::parse(R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})");
  ASSERT_TRUE(s) << s.error().message;
  wire_options options;
  options.validate_with = &*s;
  EXPECT_TRUE(encode(1, nlohmann::json::parse(R"({"n":1})"), options));
  auto bad_out = encode(1, nlohmann::json::parse(R"({"n":"one"})"), options);
  ASSERT_FALSE(bad_out);
  EXPECT_EQ(bad_out.error().code, errc::invalid_data);
  auto bad_in = decode(bytes(std::string("\0\0\0\0\x01", 5) + R"({"m":1})"), options);
  ASSERT_FALSE(bad_in);
  EXPECT_NE(bad_in.error().message.find("does not conform"), std::string::npos) << bad_in.error().message;
  // Without a schema to check against, the same message decodes.
  EXPECT_TRUE(decode(bytes(std::string("\0\0\0\0\x01", 5) + R"({"m":1})")));
}

}  // namespace
}  // namespace kavro::jsonschema
