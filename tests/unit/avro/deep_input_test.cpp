// Hostile nesting and duplicate keys reaching the schema parser and the JSON-to-Avro conversion:
// each is refused with a message that names the limit and where, and nothing recurses on the input.
#include <gtest/gtest.h>

#include "kavro/avro/json.hpp"
#include "test_util.hpp"

namespace kavro::avro {
namespace {

using nlohmann::json;
using test::must_parse;

std::string nested(std::size_t depth, const std::string& open, const std::string& inner,
                   const std::string& close) {
  std::string s;
  s.reserve(depth * (open.size() + close.size()) + inner.size());
  for (std::size_t i = 0; i < depth; ++i) s += open;
  s += inner;
  for (std::size_t i = 0; i < depth; ++i) s += close;
  return s;
}

TEST(deep_input, schema_of_unions_nested_100k_deep_is_refused) {
  auto r = schema::parse(nested(100000, "[", "\"int\"", "]"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_schema);
  EXPECT_EQ(r.error().message, "schema is not valid JSON: nesting deeper than 512 levels at offset 512");
}

TEST(deep_input, schema_nesting_is_checked_per_level_before_recursing) {
  // Within the JSON limit but over the schema limit (128 levels by default).
  auto arrays = schema::parse(nested(200, R"({"type":"array","items":)", "\"int\"", "}"));
  ASSERT_FALSE(arrays);
  EXPECT_NE(arrays.error().message.find("schema nested deeper than 128 levels"), std::string::npos)
      << arrays.error().message;
  auto unions = schema::parse(nested(300, "[", "\"int\"", "]"));
  ASSERT_FALSE(unions);
  EXPECT_EQ(unions.error().message, "union branch 0 is itself a union");
}

TEST(deep_input, json_line_nested_100k_deep_is_refused_with_its_offset) {
  auto s = must_parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})");
  for (auto style : {json_style::plain, json_style::avro}) {
    auto v = value_from_json_text(s, nested(100000, "[", "", "]"), style);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, errc::invalid_data);
    EXPECT_EQ(v.error().message, "invalid JSON: nesting deeper than 512 levels at offset 512");
    auto obj = value_from_json_text(s, nested(100000, R"({"a":)", "1", "}"), style);
    ASSERT_FALSE(obj);
    EXPECT_EQ(obj.error().message, "invalid JSON: nesting deeper than 512 levels at offset 2560");
  }
}

TEST(deep_input, a_mismatch_in_a_deep_value_prints_a_bounded_excerpt) {
  // Built directly (the parser would refuse it): the printer must not recurse on it either.
  auto s = must_parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})");
  json line = json::object();
  json& deep = line["a"] = json::array();  // built in place: copying it would recurse
  json* at = &deep;
  for (int i = 0; i < 100000; ++i) at = &at->emplace_back(json::array());
  auto v = from_json(s, line);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "field 'a': expected int, got array [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...");
  auto u = from_avro_json(must_parse(R"(["null","int"])"), deep);
  ASSERT_FALSE(u);
  EXPECT_LT(u.error().message.size(), 200u);
}

TEST(deep_input, duplicate_keys_in_a_json_line_are_refused) {
  auto s = must_parse(
      R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"m","type":{"type":"map","values":"int"}}]})");
  auto v = value_from_json_text(s, R"({"a":1,"m":{"x":1},"a":2})", json_style::plain);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, R"(invalid JSON: duplicate key "a" at offset 19)");
  auto m = value_from_json_text(s, R"({"a":1,"m":{"x":1,"x":2}})", json_style::avro);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message, R"(invalid JSON: duplicate key "x" at offset 18)");
  auto ok = value_from_json_text(s, R"({"a":1,"m":{"x":1,"y":2}})", json_style::plain);
  ASSERT_TRUE(ok) << ok.error().message;
}

TEST(deep_input, duplicate_keys_in_a_schema_take_the_last_value_as_avro_java_does) {
  // Jackson's default (Avro Java's Schema.Parser, Confluent's registry): the later key replaces.
  auto s = schema::parse(R"({"type":"record","name":"A","name":"B","fields":[]})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->full_name(), "B");
}

TEST(deep_input, each_schema_text_is_its_part_of_the_document) {
  // Kept as ranges of one compact document (a copy per node would cost depth x size): each text is
  // what dumping that part alone gives.
  const std::string b =
      R"({"type":"record","name":"B","doc":"\u00e9 \"q\"","fields":[{"name":"c","type":{"type":"array","items":"int"}}]})";
  const std::string a = R"({"type":"record","name":"A","fields":[{"name":"b","type":)" + b + "}]}";
  auto s = must_parse(a);
  EXPECT_EQ(s.text(), json::parse(a).dump());
  const auto& inner = s.fields()[0].type;
  EXPECT_EQ(inner.text(), json::parse(b).dump());
  EXPECT_EQ(inner.fields()[0].type.text(), R"({"items":"int","type":"array"})");
  EXPECT_EQ(inner.fields()[0].type.items().text(), R"("int")");
  EXPECT_EQ(must_parse(R"({"type":{"type":"fixed","name":"F","size":2}})").text(),
            R"({"type":{"name":"F","size":2,"type":"fixed"}})");
}

}  // namespace
}  // namespace kavro::avro
