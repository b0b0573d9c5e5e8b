// Schema parsing: accepted shapes, names and namespaces, canonical form, and rejection messages.
#include "kavro/avro/schema.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace kavro::avro {
namespace {

using test::must_parse;

TEST(schema_parse, primitives_in_both_forms) {
  const std::pair<const char*, type> cases[] = {
      {"null", type::null},    {"boolean", type::boolean}, {"int", type::int_},    {"long", type::long_},
      {"float", type::float_}, {"double", type::double_},  {"bytes", type::bytes}, {"string", type::string}};
  for (auto [name, t] : cases) {
    auto bare = must_parse(std::string("\"") + name + "\"");
    EXPECT_EQ(bare.kind(), t) << name;
    EXPECT_EQ(bare.canonical_form(), std::string("\"") + name + "\"");
    auto obj = must_parse(std::string(R"({"type":")") + name + R"(","logicalType":"x"})");
    EXPECT_EQ(obj.kind(), t) << name;
    EXPECT_EQ(obj.canonical_form(), std::string("\"") + name + "\"");
    EXPECT_STREQ(to_string(t), name);
  }
}

TEST(schema_parse, order_record_and_canonical_form) {
  auto s = must_parse(test::order_schema);
  EXPECT_EQ(s.kind(), type::record);
  EXPECT_EQ(s.full_name(), "Order");
  ASSERT_EQ(s.fields().size(), 3u);
  EXPECT_EQ(s.fields()[1].name, "product");
  EXPECT_EQ(s.fields()[1].type.kind(), type::string);
  EXPECT_EQ(s.field_index("price"), 2u);
  EXPECT_EQ(s.field_index("nope"), std::nullopt);
  EXPECT_EQ(s.canonical_form(),
            R"({"name":"Order","type":"record","fields":[{"name":"order_id","type":"int"},)"
            R"({"name":"product","type":"string"},{"name":"price","type":"float"}]})");
  EXPECT_EQ(s.text(), nlohmann::json::parse(test::order_schema).dump());
}

TEST(schema_parse, namespaces_nested_records_and_references) {
  auto s = must_parse(R"({"type":"record","name":"Order","namespace":"shop","doc":"x","fields":[
      {"name":"customer","type":{"type":"record","name":"Customer","fields":[{"name":"id","type":"long"}]}},
      {"name":"billing","type":"Customer"},
      {"name":"other","type":{"type":"record","name":"x.Other","fields":[]}},
      {"name":"again","type":"shop.Customer","default":{"id":1}}]})");
  EXPECT_EQ(s.full_name(), "shop.Order");
  EXPECT_EQ(s.fields()[0].type.full_name(), "shop.Customer");
  EXPECT_TRUE(s.fields()[1].type.same_as(s.fields()[0].type));
  EXPECT_EQ(s.fields()[2].type.full_name(), "x.Other");
  EXPECT_TRUE(s.fields()[3].default_value.has_value());
  EXPECT_EQ(
      s.canonical_form(),
      R"({"name":"shop.Order","type":"record","fields":[{"name":"customer","type":{"name":"shop.Customer",)"
      R"("type":"record","fields":[{"name":"id","type":"long"}]}},{"name":"billing","type":"shop.Customer"},)"
      R"({"name":"other","type":{"name":"x.Other","type":"record","fields":[]}},)"
      R"({"name":"again","type":"shop.Customer"}]})");
}

TEST(schema_parse, complex_types) {
  auto s = must_parse(R"({"type":"record","name":"R","fields":[
      {"name":"e","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
      {"name":"a","type":{"type":"array","items":"int"}},
      {"name":"m","type":{"type":"map","values":"Color"}},
      {"name":"u","type":["null","string"],"default":null},
      {"name":"f","type":{"type":"fixed","name":"Md5","size":16}}]})");
  EXPECT_EQ(s.fields()[0].type.symbols(), (std::vector<std::string>{"RED", "GREEN"}));
  EXPECT_EQ(s.fields()[0].type.symbol_index("GREEN"), 1u);
  EXPECT_EQ(s.fields()[1].type.items().kind(), type::int_);
  EXPECT_EQ(s.fields()[2].type.values().full_name(), "Color");
  ASSERT_EQ(s.fields()[3].type.branches().size(), 2u);
  EXPECT_EQ(s.fields()[3].type.branches()[1].kind(), type::string);
  EXPECT_EQ(s.fields()[4].type.fixed_size(), 16u);
  EXPECT_THROW((void)s.items(), std::logic_error);
  EXPECT_EQ(s.canonical_form(),
            R"({"name":"R","type":"record","fields":[{"name":"e","type":{"name":"Color","type":"enum",)"
            R"("symbols":["RED","GREEN"]}},{"name":"a","type":{"type":"array","items":"int"}},)"
            R"({"name":"m","type":{"type":"map","values":"Color"}},{"name":"u","type":["null","string"]},)"
            R"({"name":"f","type":{"name":"Md5","type":"fixed","size":16}}]})");
}

TEST(schema_parse, copies_share_the_node) {
  auto a = must_parse(test::order_schema);
  auto b = a;
  EXPECT_TRUE(a.same_as(b));
  EXPECT_EQ(&a.fields(), &b.fields());
}

struct bad_case {
  const char* text;
  const char* message;
};

// Readable, unique ctest names for the table rows.
void PrintTo(const bad_case& c, std::ostream* os) {
  *os << c.message;
}

class schema_rejects : public ::testing::TestWithParam<bad_case> {};

TEST_P(schema_rejects, with_message) {
  auto s = schema::parse(GetParam().text);
  ASSERT_FALSE(s) << GetParam().text;
  EXPECT_EQ(s.error().code, errc::invalid_schema);
  EXPECT_EQ(s.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    all, schema_rejects,
    ::testing::Values(
        bad_case{"{not json",
                 "schema is not valid JSON: syntax error while parsing object key - invalid literal; "
                 "last read: '{no'; expected string literal at offset 2"},
        bad_case{"42", "a schema must be a string, an object or an array, not number"},
        bad_case{R"("flaot")", "unknown type 'flaot'"},
        bad_case{R"({"type":"record","name":"Order","fields":[{"name":"price","type":"flaot"}]})",
                 "record 'Order': field 'price': unknown type 'flaot'"},
        bad_case{
            R"({"type":"record","name":"Order","fields":[{"name":"a","type":"int"},{"name":"a","type":"long"}]})",
            "record 'Order': duplicate field name 'a'"},
        bad_case{R"({"type":"record","fields":[]})", "record without a \"name\""},
        bad_case{R"({"type":"record","name":"Order","fields":[{"name":"a"}]})",
                 "record 'Order': field 'a': field without a \"type\""},
        bad_case{R"({"type":"record","name":"Order","fields":[{"type":"int"}]})",
                 "record 'Order': field 0 without a \"name\""},
        bad_case{R"({"type":"record","name":"Order"})", "record 'Order': \"fields\" must be an array"},
        bad_case{R"({"type":"record","name":"1bad","fields":[]})", "record: invalid name '1bad'"},
        bad_case{R"({"type":"record","name":"R","fields":[{"name":"a-b","type":"int"}]})",
                 "record 'R': invalid field name 'a-b'"},
        bad_case{
            R"({"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"R","symbols":[]}}]})",
            "record 'R': field 'a': enum 'R' is defined twice"},
        bad_case{R"({"fields":[]})", "schema object without a \"type\""},
        bad_case{R"({"type":"array"})", "array without \"items\""},
        bad_case{R"({"type":"map","values":"nope"})", "map values: unknown type 'nope'"},
        bad_case{R"(["null","null"])", "union contains 'null' twice"},
        bad_case{R"(["null",["int"]])", "union branch 1 is itself a union"},
        bad_case{R"([])", "a union needs at least one branch"},
        bad_case{R"({"type":"enum","name":"E","symbols":["A","A"]})", "enum 'E': duplicate symbol \"A\""},
        bad_case{R"({"type":"fixed","name":"F","size":-1})",
                 "fixed 'F': \"size\" must be a non-negative integer"}));

}  // namespace
}  // namespace kavro::avro
