// The specification's schema rules beyond the basics: logical types (and their fallback), field
// defaults checked against their types, aliases, custom attributes, recursive types, fingerprints,
// Avro's JSON encoding.
#include <gtest/gtest.h>

#include <cmath>

#include "kavro/avro/codec.hpp"
#include "kavro/avro/json.hpp"
#include "test_util.hpp"

namespace kavro::avro {
namespace {

using test::hex;
using test::must_parse;
using test::to_hex;

struct logical_case {
  const char* text;
  logical_type expected;
};

class logical_rows : public ::testing::TestWithParam<logical_case> {};

TEST_P(logical_rows, valid_or_fallback) {
  auto s = must_parse(GetParam().text);
  EXPECT_EQ(s.logical(), GetParam().expected) << GetParam().text;
  // A logical type never changes the canonical form: it is its base type's.
  EXPECT_EQ(s.canonical_form().find("logicalType"), std::string::npos);
  // An invalid annotation stays visible as a plain attribute.
  if (GetParam().expected == logical_type::none) {
    EXPECT_TRUE(s.attributes().contains("logicalType"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    all, logical_rows,
    ::testing::Values(
        logical_case{R"({"type":"bytes","logicalType":"decimal","precision":4,"scale":2})",
                     logical_type::decimal},
        logical_case{R"({"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":9})",
                     logical_type::decimal},
        logical_case{R"({"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":10})",
                     logical_type::none},  // 4 bytes hold at most 9 digits
        logical_case{R"({"type":"bytes","logicalType":"decimal","precision":2,"scale":3})",
                     logical_type::none},
        logical_case{R"({"type":"bytes","logicalType":"decimal","precision":0})", logical_type::none},
        logical_case{R"({"type":"bytes","logicalType":"decimal"})", logical_type::none},
        logical_case{R"({"type":"string","logicalType":"decimal","precision":3})", logical_type::none},
        logical_case{R"({"type":"string","logicalType":"uuid"})", logical_type::uuid},
        logical_case{R"({"type":"fixed","name":"U","size":16,"logicalType":"uuid"})", logical_type::uuid},
        logical_case{R"({"type":"fixed","name":"U","size":15,"logicalType":"uuid"})", logical_type::none},
        logical_case{R"({"type":"int","logicalType":"date"})", logical_type::date},
        logical_case{R"({"type":"long","logicalType":"date"})", logical_type::none},
        logical_case{R"({"type":"int","logicalType":"time-millis"})", logical_type::time_millis},
        logical_case{R"({"type":"long","logicalType":"time-micros"})", logical_type::time_micros},
        logical_case{R"({"type":"int","logicalType":"time-micros"})", logical_type::none},
        logical_case{R"({"type":"long","logicalType":"timestamp-millis"})", logical_type::timestamp_millis},
        logical_case{R"({"type":"long","logicalType":"timestamp-micros"})", logical_type::timestamp_micros},
        logical_case{R"({"type":"long","logicalType":"timestamp-nanos"})", logical_type::timestamp_nanos},
        logical_case{R"({"type":"long","logicalType":"local-timestamp-millis"})",
                     logical_type::local_timestamp_millis},
        logical_case{R"({"type":"long","logicalType":"local-timestamp-micros"})",
                     logical_type::local_timestamp_micros},
        logical_case{R"({"type":"long","logicalType":"local-timestamp-nanos"})",
                     logical_type::local_timestamp_nanos},
        logical_case{R"({"type":"fixed","name":"Dur","size":12,"logicalType":"duration"})",
                     logical_type::duration},
        logical_case{R"({"type":"bytes","logicalType":"duration"})", logical_type::none},
        logical_case{R"({"type":"long","logicalType":"no-such-type"})", logical_type::none}));

struct default_case {
  const char* field_type;
  const char* default_json;
  const char* error;  // "" when the default is valid
};

class default_rows : public ::testing::TestWithParam<default_case> {};

TEST_P(default_rows, checked_against_the_type) {
  const auto& c = GetParam();
  std::string text = R"({"type":"record","name":"R","fields":[{"name":"f","type":)";
  text += c.field_type;
  text += R"(,"default":)";
  text += c.default_json;
  text += "}]}";
  auto s = schema::parse(text);
  if (std::string(c.error).empty()) {
    ASSERT_TRUE(s) << s.error().message;
    auto v = value_from_default(s->fields()[0].type, *s->fields()[0].default_value);
    ASSERT_TRUE(v) << v.error().message;
    std::vector<std::uint8_t> out;
    EXPECT_TRUE(encode(s->fields()[0].type, *v, out));
  } else {
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().message, std::string("record 'R': field 'f': invalid default: ") + c.error);
  }
}

INSTANTIATE_TEST_SUITE_P(
    all, default_rows,
    ::testing::Values(
        default_case{R"("int")", "1", ""}, default_case{R"("int")", "\"1\"", "expected an int, got \"1\""},
        default_case{R"("int")", "2147483648", "expected an int in the 32-bit range, got 2147483648"},
        default_case{R"("long")", "-9223372036854775808", ""}, default_case{R"("float")", "1", ""},
        default_case{R"("double")", "\"NaN\"", ""},
        default_case{R"("boolean")", "0", "expected a boolean, got 0"}, default_case{R"("null")", "null", ""},
        default_case{R"("string")", "null", "expected a string, got null"},
        default_case{R"("bytes")", "\"\\u00ff\"", ""},
        default_case{R"("bytes")", "\"\\u0100\"", "expected a string of code points 0-255, got \"Ā\""},
        default_case{R"({"type":"fixed","name":"F","size":2})", "\"ab\"", ""},
        default_case{R"({"type":"fixed","name":"F","size":2})", "\"a\"",
                     "expected 2 bytes for fixed 'F', got 1"},
        default_case{R"({"type":"enum","name":"E","symbols":["A"]})", "\"A\"", ""},
        default_case{R"({"type":"enum","name":"E","symbols":["A"]})", "\"B\"",
                     "unknown symbol \"B\" for enum 'E'"},
        default_case{R"(["null","int"])", "null", ""},
        default_case{R"(["null","int"])", "1",
                     "a union default must match its first branch (null): expected null, got 1"},
        default_case{R"(["int","null"])", "1", ""},
        default_case{R"({"type":"array","items":"int"})", "[1,2]", ""},
        default_case{R"({"type":"array","items":"int"})", "[1,\"x\"]", "[1]: expected an int, got \"x\""},
        default_case{R"({"type":"map","values":"long"})", "{\"a\":1}", ""},
        default_case{R"({"type":"record","name":"P","fields":[{"name":"x","type":"int"}]})", "{}",
                     "field 'x' missing and has no default"},
        default_case{R"({"type":"record","name":"P","fields":[{"name":"x","type":"int","default":0}]})", "{}",
                     ""}));

struct reject_case {
  const char* text;
  const char* message;
};

class spec_rejects : public ::testing::TestWithParam<reject_case> {};

TEST_P(spec_rejects, with_message) {
  auto s = schema::parse(GetParam().text);
  ASSERT_FALSE(s) << GetParam().text;
  EXPECT_EQ(s.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    all, spec_rejects,
    ::testing::Values(
        reject_case{R"({"type":"enum","name":"E","symbols":["A"],"default":"Z"})",
                    "enum 'E': default \"Z\" is not one of its symbols"},
        reject_case{R"({"type":"record","name":"R","aliases":["1x"],"fields":[]})",
                    "record 'R': invalid alias \"1x\""},
        reject_case{R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"up"}]})",
                    "record 'R': field 'a': \"order\" must be ascending, descending or ignore, not \"up\""},
        reject_case{R"({"type":"record","name":"int","fields":[]})",
                    "record: name 'int' is a primitive type"},
        reject_case{R"([{"type":"fixed","name":"F","size":1},{"type":"fixed","name":"F","size":2}])",
                    "union branch 1: fixed 'F' is defined twice"}));

TEST(schema_spec, aliases_doc_attributes_and_field_metadata) {
  auto s = must_parse(R"({"type":"record","name":"R","namespace":"a.b","aliases":["Old","x.Y"],"doc":"d",)"
                      R"("owner":"team","fields":[{"name":"f","type":"int","aliases":["g"],"doc":"fd",)"
                      R"("order":"descending","x-tag":1}]})");
  EXPECT_EQ(s.full_name(), "a.b.R");
  EXPECT_EQ(s.name(), "R");
  EXPECT_EQ(s.name_space(), "a.b");
  EXPECT_EQ(s.aliases(), (std::vector<std::string>{"a.b.Old", "x.Y"}));
  EXPECT_EQ(s.doc(), "d");
  EXPECT_EQ(s.attributes(), nlohmann::json({{"owner", "team"}}));
  const auto& f = s.fields()[0];
  EXPECT_EQ(f.aliases, std::vector<std::string>{"g"});
  EXPECT_EQ(f.doc, "fd");
  EXPECT_EQ(f.order, field_order::descending);
  EXPECT_EQ(f.attributes, nlohmann::json({{"x-tag", 1}}));
  EXPECT_EQ(s.canonical_form(), R"({"name":"a.b.R","type":"record","fields":[{"name":"f","type":"int"}]})");
}

TEST(schema_spec, recursive_types_encode_decode_and_outlive_copies) {
  std::optional<schema> next_type;
  {
    auto s = must_parse(R"({"type":"record","name":"L","fields":[{"name":"v","type":"int"},)"
                        R"({"name":"next","type":["null","L"]}]})");
    EXPECT_EQ(
        s.canonical_form(),
        R"({"name":"L","type":"record","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","L"]}]})");
    EXPECT_TRUE(s.fields()[1].type.branches()[1].same_as(s));
    auto v = from_avro_json(s, nlohmann::json::parse(R"({"v":1,"next":{"L":{"v":-1,"next":null}}})"));
    ASSERT_TRUE(v) << v.error().message;
    std::vector<std::uint8_t> out;
    ASSERT_TRUE(encode(s, *v, out));
    EXPECT_EQ(to_hex(out), "02 02 01 00");
    auto back = decode(s, out);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, *v);
    next_type = s.fields()[1].type;  // a copy of an inner node keeps the whole graph alive
  }
  EXPECT_EQ(next_type->branches()[1].fields()[1].type.branches()[1].full_name(), "L");
}

TEST(schema_spec, hostile_recursion_depth_is_an_error_not_a_crash) {
  auto s = must_parse(R"({"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]})");
  std::vector<std::uint8_t> deep(100000, 0x02);  // branch 1, forever
  deep.push_back(0);
  auto v = decode(s, deep);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("nested deeper than"), std::string::npos) << v.error().message;
  std::string nested(5000, '[');
  EXPECT_FALSE(schema::parse(nested + "\"int\"" + std::string(5000, ']')));
}

TEST(schema_spec, fingerprints_match_fastavro) {
  // Expected values from fastavro 1.13.1 (CRC-64-AVRO shown as its little-endian bytes).
  auto le = [](std::uint64_t v) {
    std::vector<std::uint8_t> b;
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return to_hex(b);
  };
  auto hexs = [](const auto& a) { return to_hex(std::vector<std::uint8_t>(a.begin(), a.end())); };
  EXPECT_EQ(le(fingerprint_crc64(R"("int")")), "8f 5c 39 3f 1a d5 75 72");
  EXPECT_EQ(le(fingerprint_crc64(R"("null")")), "8a 8f 25 cc e7 24 dd 63");
  auto order = must_parse(test::order_schema).canonical_form();
  EXPECT_EQ(le(fingerprint_crc64(order)), "32 95 8f ef d7 67 7a 68");
  EXPECT_EQ(hexs(fingerprint_md5(order)), "50 80 43 49 ed 83 87 31 c8 f2 42 ce 13 c0 83 3e");
  EXPECT_EQ(
      hexs(fingerprint_sha256(order)),
      "0e 40 44 5c 1e e9 78 3c f2 4d b4 05 1e 22 c4 aa d9 21 1a 14 29 d6 ff af 91 5a ee e7 19 a0 11 7c");
}

TEST(avro_json, unions_tagged_floats_special_bytes_latin1) {
  auto s = must_parse(R"({"type":"record","name":"R","namespace":"n","fields":[)"
                      R"({"name":"u","type":["null","string",{"type":"enum","name":"E","symbols":["A"]}]},)"
                      R"({"name":"d","type":"double"},{"name":"b","type":"bytes"}]})");
  auto j = nlohmann::json::parse(R"({"u":{"n.E":"A"},"d":"-Infinity","b":"\u0000\u00ff"})");
  auto v = from_avro_json(s, j);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->fields()[0], value::union_of(2, value::enum_of(0)));
  EXPECT_TRUE(std::isinf(v->fields()[1].as<double>()));
  EXPECT_EQ(v->fields()[2].as<bytes>(), (bytes{0, 255}));
  EXPECT_EQ(to_avro_json(s, *v), j);
  // A bare value is not Avro JSON for a non-null union branch.
  auto bare = from_avro_json(s, nlohmann::json::parse(R"({"u":"x","d":1,"b":""})"));
  ASSERT_FALSE(bare);
  EXPECT_NE(bare.error().message.find("field 'u': expected null or {\"<branch>\": value}"),
            std::string::npos);
}

}  // namespace
}  // namespace kavro::avro
