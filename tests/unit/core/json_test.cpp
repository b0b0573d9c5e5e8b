// The bounded JSON parser: the same values as nlohmann's parse for valid text, nesting refused at the
// limit (100k-deep input included), duplicate keys refused or replaced, errors located by offset.
#include "kavro/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kavro::safe_json {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::string nested_arrays(std::size_t depth, const std::string& inner = "") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  s += std::string(depth, '}');
  return s;
}

TEST(safe_json, valid_documents_parse_exactly_as_nlohmann_does) {
  const char* docs[] = {
      "null",
      "true",
      "0",
      "-1",
      "18446744073709551615",
      "-9223372036854775808",
      "1.5e300",
      "0.1",
      R"("a\u00e9\ud83d\ude00\n")",
      "[]",
      "{}",
      R"({"b":1,"a":[1,2,{"c":null}],"":"empty"})",
      " \t\n[1, 2 ,3]\n",
      R"({"z":1,"y":2,"x":3,"w":4,"v":5,"u":6,"t":7,"s":8,"r":9,"q":10,"p":11,"o":12,
        "n":13,"m":14,"l":15,"k":16,"j":17,"i":18,"h":19})",
  };
  for (const char* d : docs) {
    SCOPED_TRACE(d);
    auto ours = parse(d);
    ASSERT_TRUE(ours) << ours.error().message();
    EXPECT_EQ(*ours, json::parse(d));
    EXPECT_EQ(ours->dump(), json::parse(d).dump());
    auto ordered = parse_ordered(d);
    ASSERT_TRUE(ordered) << ordered.error().message();
    EXPECT_EQ(ordered->dump(), ordered_json::parse(d).dump());  // key order kept as written
  }
}

TEST(safe_json, depth_up_to_the_limit_parses_and_one_more_is_refused) {
  EXPECT_TRUE(parse(nested_arrays(default_max_depth)));
  EXPECT_TRUE(parse(nested_objects(default_max_depth)));
  auto arrays = parse(nested_arrays(default_max_depth + 1));
  ASSERT_FALSE(arrays);
  EXPECT_EQ(arrays.error().what, parse_error::kind::too_deep);
  EXPECT_EQ(arrays.error().offset, default_max_depth);  // the bracket that opens level 513
  EXPECT_EQ(arrays.error().message(), "nesting deeper than 512 levels at offset 512");
  auto objects = parse(nested_objects(default_max_depth + 1));
  ASSERT_FALSE(objects);
  EXPECT_EQ(objects.error().what, parse_error::kind::too_deep);
  EXPECT_EQ(objects.error().offset, 5 * default_max_depth);

  parse_options three{.max_depth = 3};
  EXPECT_TRUE(parse("[[[1]]]", three));
  EXPECT_FALSE(parse("[[[[1]]]]", three));
  EXPECT_TRUE(parse("7", parse_options{.max_depth = 0}));
  EXPECT_FALSE(parse("[]", parse_options{.max_depth = 0}));
}

TEST(safe_json, a_hundred_thousand_levels_are_refused_without_recursion) {
  for (const std::string& text :
       {nested_arrays(100000), nested_objects(100000), nested_arrays(100000, "\"x\""),
        std::string(100000, '['), "{\"schema\":" + nested_arrays(100000) + "}"}) {
    auto r = parse(text);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().what, parse_error::kind::too_deep);
    auto o = parse_ordered(text);
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().what, parse_error::kind::too_deep);
  }
}

TEST(safe_json, duplicate_keys_are_refused_with_the_key_and_its_offset) {
  auto r = parse(R"({"id":1,"name":"x","id":2})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what, parse_error::kind::duplicate_key);
  EXPECT_EQ(r.error().offset, 19u);
  EXPECT_EQ(r.error().message(), R"(duplicate key "id" at offset 19)");
  auto nested = parse_ordered("{\"a\":{\"k\\\"\":1,\n  \"k\\\"\":2}}");
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().offset, 17u);
  EXPECT_EQ(nested.error().message(), R"(duplicate key "k\"" at offset 17 (line 2, column 3))");
}

TEST(safe_json, duplicate_keys_in_large_objects_are_found_through_the_index) {
  std::string text = "{";
  for (int i = 0; i < 1000; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += "\"k500\":0}";
  EXPECT_FALSE(parse(text));
  EXPECT_FALSE(parse_ordered(text));
  auto last = parse_ordered(text, parse_options{.duplicates = duplicate_keys::last_wins});
  ASSERT_TRUE(last);
  EXPECT_EQ(last->size(), 1000u);
  EXPECT_EQ(last->at("k500"), 0);
  EXPECT_EQ(last->begin().key(), "k0");
}

TEST(safe_json, last_wins_matches_nlohmann_for_duplicates) {
  const char* d = R"({"b":1,"a":2,"b":{"c":3}})";
  auto plain = parse(d, parse_options{.duplicates = duplicate_keys::last_wins});
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, json::parse(d));
  auto ordered = parse_ordered(d, parse_options{.duplicates = duplicate_keys::last_wins});
  ASSERT_TRUE(ordered);
  EXPECT_EQ(ordered->dump(), ordered_json::parse(d).dump());
  EXPECT_EQ(ordered->dump(), R"({"b":{"c":3},"a":2})");
}

TEST(safe_json, syntax_errors_carry_offset_and_a_bounded_detail) {
  auto r = parse("[1,2,x]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what, parse_error::kind::syntax);
  EXPECT_EQ(r.error().offset, 5u);
  EXPECT_EQ(r.error().message(),
            "syntax error while parsing value - invalid literal; last read: '2,x' at offset 5");
  auto multi = parse("{\n\"a\": tru }");
  ASSERT_FALSE(multi);
  EXPECT_EQ(multi.error().line, 2u);
  auto end = parse("[1,");
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().offset, 3u);
  EXPECT_FALSE(parse(""));
  EXPECT_FALSE(parse("1 2"));
  // An unterminated 1 MB string: the parser quotes the token it read; the message stays short.
  auto huge = parse("\"" + std::string(1 << 20, 'a'));
  ASSERT_FALSE(huge);
  EXPECT_LE(huge.error().message().size(), 240u);
}

TEST(safe_json, preview_is_bounded_for_deep_and_wide_values) {
  EXPECT_EQ(preview(json::parse(R"({"a":[1,"x",null]})")), R"({"a":[1,"x",null]})");
  json deep = json::array();
  json* at = &deep;
  for (int i = 0; i < 100000; ++i) at = &at->emplace_back(json::array());
  EXPECT_EQ(preview(deep, 10), "[[[[[[[...");
  json wide = json::array();
  for (int i = 0; i < 100000; ++i) wide.push_back(i);
  EXPECT_EQ(preview(wide, 12), "[0,1,2,3,...");
  EXPECT_EQ(preview(json(std::string(1 << 20, 'b')), 6), "\"bb...");
  EXPECT_EQ(preview(json(std::string("\xff")), 40), "\"\xef\xbf\xbd\"");  // invalid UTF-8 shows as U+FFFD
  ordered_json o = ordered_json::parse(R"({"z":1,"a":2})");
  EXPECT_EQ(preview(o), R"({"z":1,"a":2})");
}

TEST(safe_json, excerpt_cuts_on_a_character_boundary) {
  EXPECT_EQ(excerpt("abcdef", 10), "abcdef");
  EXPECT_EQ(excerpt("abcdefghijkl", 8), "abcde...");
  EXPECT_EQ(excerpt("ab\xc3\xa9"
                    "cdefg",
                    6),
            "ab...");
}

}  // namespace
}  // namespace kavro::safe_json
