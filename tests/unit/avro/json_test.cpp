// Plain-JSON conversion: records by field name, defaults, range checks, unions and round trips.
#include "kavro/avro/json.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace kavro::avro {
namespace {

using nlohmann::json;
using test::must_parse;

TEST(json_convert, order_from_and_to_json) {
  auto s = must_parse(test::order_schema);
  auto v = from_json(s, json::parse(R"({"order_id":1,"product":"Phone","price":899.99})"));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, value::record_of({1, "Phone", 899.99f}));
  EXPECT_EQ(to_json(s, *v).dump(), R"({"order_id":1,"price":899.99,"product":"Phone"})");
}

TEST(json_convert, defaults_fill_missing_fields) {
  auto s = must_parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},
      {"name":"b","type":"string","default":"x"},{"name":"c","type":["null","long"],"default":null}]})");
  auto v = from_json(s, json::parse(R"({"a":5})"));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, value::record_of({5, "x", value::union_of(0, value())}));
}

TEST(json_convert, union_takes_bare_null_or_tagged_values) {
  auto s = must_parse(R"(["null","string","long"])");
  EXPECT_EQ(*from_json(s, json(nullptr)), value::union_of(0, value()));
  EXPECT_EQ(*from_json(s, json("a")), value::union_of(1, "a"));
  EXPECT_EQ(*from_json(s, json(3)), value::union_of(2, std::int64_t{3}));
  EXPECT_EQ(*from_json(s, json::parse(R"({"string":"b"})")), value::union_of(1, "b"));
  EXPECT_EQ(to_json(s, value::union_of(1, "a")), json("a"));
  auto bad = from_json(s, json(true));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "no branch of union [null,string,long] accepts boolean true");
}

TEST(json_convert, complex_round_trip) {
  auto s = must_parse(R"({"type":"record","name":"R","fields":[
      {"name":"e","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
      {"name":"a","type":{"type":"array","items":"int"}},
      {"name":"m","type":{"type":"map","values":"double"}},
      {"name":"b","type":"bytes"},
      {"name":"f","type":{"type":"fixed","name":"F","size":2}},
      {"name":"l","type":"long"},{"name":"t","type":"boolean"}]})");
  auto j = json::parse(
      R"({"a":[1,2],"b":"\u0000\u00ff","e":"GREEN","f":"ab","l":-9000000000,"m":{"x":1.5},"t":true})");
  auto v = from_json(s, j);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->fields()[3], value(bytes{0x00, 0xff}));
  EXPECT_EQ(to_json(s, *v), j);
}

struct json_error_case {
  const char* schema;
  const char* input;
  const char* message;
};

// Readable, unique ctest names for the table rows.
void PrintTo(const json_error_case& c, std::ostream* os) {
  *os << c.message;
}

class json_errors : public ::testing::TestWithParam<json_error_case> {};

TEST_P(json_errors, name_the_field) {
  auto s = must_parse(GetParam().schema);
  auto v = from_json(s, json::parse(GetParam().input));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, errc::invalid_data);
  EXPECT_EQ(v.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    all, json_errors,
    ::testing::Values(
        json_error_case{test::order_schema.c_str(), R"({"order_id":1,"price":2})",
                        "field 'product': missing, and the field has no default"},
        json_error_case{test::order_schema.c_str(), R"({"order_id":2147483648,"product":"a","price":2})",
                        "field 'order_id': value 2147483648 is out of the int range"},
        json_error_case{test::order_schema.c_str(), R"({"order_id":-2147483649,"product":"a","price":2})",
                        "field 'order_id': value -2147483649 is out of the int range"},
        json_error_case{test::order_schema.c_str(), R"({"order_id":1.5,"product":"a","price":2})",
                        "field 'order_id': expected int, got number 1.5"},
        json_error_case{test::order_schema.c_str(), R"({"order_id":1,"product":7,"price":2})",
                        "field 'product': expected string, got number 7"},
        json_error_case{test::order_schema.c_str(), R"({"order_id":1,"product":"a","price":"2"})",
                        "field 'price': expected float, got string \"2\""},
        json_error_case{test::order_schema.c_str(), R"({"order_id":1,"product":"a","price":2,"x":1})",
                        "unknown field 'x' for record 'Order'"},
        json_error_case{test::order_schema.c_str(), R"([1])", "expected record, got array [1]"},
        json_error_case{R"({"type":"array","items":"int"})", R"([1,"a"])",
                        "field '[1]': expected int, got string \"a\""},
        json_error_case{R"({"type":"enum","name":"E","symbols":["A"]})", R"("B")",
                        "unknown symbol \"B\" for enum 'E'"},
        json_error_case{R"({"type":"fixed","name":"F","size":2})", R"("a")",
                        "fixed 'F' needs 2 bytes, got 1"},
        json_error_case{R"("float")", R"(1e39)", "value 1e+39 is out of the float range"},
        json_error_case{R"("long")", R"(18446744073709551615)",
                        "value 18446744073709551615 is out of the long range"}));

}  // namespace
}  // namespace kavro::avro
