// Binary codec: exact encodings of each type, round trips, and every malformed-input error.
#include "kavro/avro/codec.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "test_util.hpp"

namespace kavro::avro {
namespace {

using test::hex;
using test::must_parse;
using test::to_hex;

struct enc_case {
  const char* schema;
  value v;
  const char* bytes;
};

// Readable, unique ctest names for the table rows.
void PrintTo(const enc_case& c, std::ostream* os) {
  *os << std::string(c.schema).substr(0, 30) << " -> " << c.bytes;
}

class codec_exact : public ::testing::TestWithParam<enc_case> {};

TEST_P(codec_exact, encodes_and_decodes) {
  const auto& c = GetParam();
  auto s = must_parse(c.schema);
  std::vector<std::uint8_t> out = {0xaa};  // encode appends, never overwrites
  ASSERT_TRUE(encode(s, c.v, out));
  EXPECT_EQ(to_hex(out), to_hex(hex(std::string("aa ") + c.bytes)));
  out.erase(out.begin());
  auto back = decode(s, out);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, c.v);
}

constexpr auto i32min = std::numeric_limits<std::int32_t>::min();
constexpr auto i32max = std::numeric_limits<std::int32_t>::max();
constexpr auto i64min = std::numeric_limits<std::int64_t>::min();
constexpr auto i64max = std::numeric_limits<std::int64_t>::max();

INSTANTIATE_TEST_SUITE_P(
    primitives, codec_exact,
    ::testing::Values(enc_case{R"("null")", value(), ""}, enc_case{R"("boolean")", value(true), "01"},
                      enc_case{R"("boolean")", value(false), "00"}, enc_case{R"("int")", value(0), "00"},
                      enc_case{R"("int")", value(1), "02"}, enc_case{R"("int")", value(-1), "01"},
                      enc_case{R"("int")", value(63), "7e"}, enc_case{R"("int")", value(-64), "7f"},
                      enc_case{R"("int")", value(64), "80 01"}, enc_case{R"("int")", value(-65), "81 01"},
                      enc_case{R"("int")", value(i32max), "fe ff ff ff 0f"},
                      enc_case{R"("int")", value(i32min), "ff ff ff ff 0f"},
                      enc_case{R"("long")", value(std::int64_t{1}), "02"},
                      enc_case{R"("long")", value(i64max), "fe ff ff ff ff ff ff ff ff 01"},
                      enc_case{R"("long")", value(i64min), "ff ff ff ff ff ff ff ff ff 01"},
                      enc_case{R"("float")", value(1.5f), "00 00 c0 3f"},
                      enc_case{R"("double")", value(1.5), "00 00 00 00 00 00 f8 3f"},
                      enc_case{R"("double")", value(-2.25), "00 00 00 00 00 00 02 c0"},
                      enc_case{R"("string")", value("foo"), "06 66 6f 6f"},
                      enc_case{R"("string")", value(""), "00"},
                      enc_case{R"("bytes")", value(bytes{0x00, 0xff}), "04 00 ff"},
                      enc_case{R"("bytes")", value(bytes{}), "00"}));

INSTANTIATE_TEST_SUITE_P(
    complex, codec_exact,
    ::testing::Values(
        enc_case{test::order_schema.c_str(), value::record_of({1, "Phone", 899.99f}),
                 "02 0a 50 68 6f 6e 65 5c ff 60 44"},
        enc_case{R"({"type":"enum","name":"E","symbols":["A","B","C"]})", value::enum_of(2), "04"},
        enc_case{R"({"type":"array","items":"int"})", value::array_of({1, 2}), "04 02 04 00"},
        enc_case{R"({"type":"array","items":"int"})", value::array_of({}), "00"},
        enc_case{R"({"type":"map","values":"long"})", value::map_of({{"a", std::int64_t{1}}}),
                 "02 02 61 02 00"},
        enc_case{R"(["null","string"])", value::union_of(0, value()), "00"},
        enc_case{R"(["null","string"])", value::union_of(1, "a"), "02 02 61"},
        enc_case{R"({"type":"fixed","name":"F","size":2})", value::fixed_of({1, 2}), "01 02"},
        enc_case{R"({"type":"record","name":"Outer","fields":[{"name":"inner","type":{"type":"record",
                   "name":"Inner","fields":[{"name":"x","type":"long"}]}},{"name":"ok","type":"boolean"}]})",
                 value::record_of({value::record_of({std::int64_t{-1}}), true}), "01 01"}));

TEST(codec, bare_value_picks_union_branch) {
  auto s = must_parse(R"(["null","string"])");
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode(s, value("a"), out));
  ASSERT_TRUE(encode(s, value(), out));
  EXPECT_EQ(to_hex(out), "02 02 61 00");
}

TEST(codec, negative_block_count_with_size) {
  auto s = must_parse(R"({"type":"array","items":"int"})");
  // Count -2, block size 2, items 1 and 2; then a count of 3 with one byte left must be refused.
  ASSERT_FALSE(decode(s, hex("03 04 02 04 06 00")));
  auto ok = decode(s, hex("03 04 02 04 00"));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok, value::array_of({1, 2}));
}

struct encode_error_case {
  const char* schema;
  value v;
  const char* message;
};

void PrintTo(const encode_error_case& c, std::ostream* os) {
  *os << c.message;
}

class encode_errors : public ::testing::TestWithParam<encode_error_case> {};

TEST_P(encode_errors, name_the_field_and_leave_out_unchanged) {
  auto s = must_parse(GetParam().schema);
  std::vector<std::uint8_t> out = {1, 2, 3};
  auto r = encode(s, GetParam().v, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_data);
  EXPECT_EQ(r.error().message, GetParam().message);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{1, 2, 3}));
}

INSTANTIATE_TEST_SUITE_P(
    all, encode_errors,
    ::testing::Values(
        encode_error_case{test::order_schema.c_str(), value::record_of({1, "Phone", 899.99}),
                          "field 'price': expected float, got double"},
        encode_error_case{test::order_schema.c_str(), value::record_of({1, "Phone"}),
                          "record 'Order' has 3 fields, value has 2"},
        encode_error_case{R"("int")", value("x"), "expected int, got string"},
        encode_error_case{
            R"({"type":"record","name":"A","fields":[{"name":"l","type":{"type":"array",
            "items":{"type":"record","name":"B","fields":[{"name":"n","type":"int"}]}}}]})",
            value::record_of({value::array_of({value::record_of({1}), value::record_of({true})})}),
            "field 'l[1].n': expected int, got boolean"},
        encode_error_case{R"(["null","string"])", value(1), "no union branch accepts a int"},
        encode_error_case{R"(["null","string"])", value::union_of(2, value()),
                          "union branch 2 out of range (2 branches)"},
        encode_error_case{R"({"type":"enum","name":"E","symbols":["A"]})", value::enum_of(1),
                          "enum index 1 out of range (1 symbols)"},
        encode_error_case{R"({"type":"fixed","name":"F","size":2})", value::fixed_of({1}),
                          "fixed of size 2 given 1 bytes"}));

struct decode_error_case {
  const char* schema;
  const char* bytes;
  const char* message;
};

void PrintTo(const decode_error_case& c, std::ostream* os) {
  *os << c.message;
}

class decode_errors : public ::testing::TestWithParam<decode_error_case> {};

TEST_P(decode_errors, are_invalid_data_with_path_and_offset) {
  auto s = must_parse(GetParam().schema);
  auto r = decode(s, hex(GetParam().bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_data);
  EXPECT_EQ(r.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    all, decode_errors,
    ::testing::Values(
        decode_error_case{test::order_schema.c_str(), "02 d0 0f 61 62 63",
                          "field 'product': string length 1000 exceeds the 3 bytes left at offset 3"},
        decode_error_case{test::order_schema.c_str(), "02 0a 50 68 6f 6e 65 5c ff 60",
                          "field 'price': float needs 4 bytes but only 3 are left at offset 7"},
        decode_error_case{test::order_schema.c_str(), "02 0a 50 68 6f 6e 65 5c ff 60 44 00",
                          "1 trailing bytes after the value at offset 11"},
        decode_error_case{test::order_schema.c_str(), "02 09",
                          "field 'product': negative string length -5 at offset 1"},
        decode_error_case{R"("long")", "80 80 80 80 80 80 80 80 80 80 01",
                          "varint at offset 0 is longer than 10 bytes"},
        decode_error_case{R"("long")", "80 80 80 80 80 80 80 80 80 02",
                          "varint at offset 0 overflows 64 bits"},
        decode_error_case{R"("long")", "80", "truncated varint at offset 0"},
        decode_error_case{R"("int")", "80 80 80 80 10",
                          "int value 2147483648 at offset 0 is out of the 32-bit range"},
        decode_error_case{R"("bytes")", "fe ff ff ff ff ff ff ff ff 01",
                          "bytes length 9223372036854775807 exceeds the 0 bytes left at offset 10"},
        decode_error_case{R"("boolean")", "02", "boolean byte 0x02 at offset 0 is neither 0 nor 1"},
        decode_error_case{R"("double")", "00 00", "double needs 8 bytes but only 2 are left at offset 0"},
        decode_error_case{R"({"type":"array","items":"long"})", "fe ff ff ff 0f",
                          "block count 2147483647 at offset 0 exceeds the 0 bytes left"},
        decode_error_case{
            R"({"type":"array","items":"null"})", "fe ff ff ff 0f",
            "block count 2147483647 at offset 0 exceeds the limit for items that take no bytes"},
        decode_error_case{R"({"type":"array","items":"int"})", "01 7f",
                          "block size -64 at offset 1 exceeds the 0 bytes left"},
        decode_error_case{R"({"type":"map","values":"int"})", "02 02 61 02 02 06 62",
                          "map key length 3 exceeds the 1 bytes left at offset 6"},
        decode_error_case{R"({"type":"map","values":"int"})", "02 02 61 80",
                          "field '[\"a\"]': truncated varint at offset 3"},
        decode_error_case{R"(["null","string"])", "04",
                          "union branch index 2 at offset 0 out of range (2 branches)"},
        decode_error_case{R"({"type":"enum","name":"E","symbols":["A"]})", "01",
                          "enum index -1 at offset 0 out of range (1 symbols)"},
        decode_error_case{R"({"type":"fixed","name":"F","size":4})", "01",
                          "fixed needs 4 bytes but only 1 are left at offset 0"}));

TEST(codec, every_truncation_of_a_message_is_an_error) {
  auto s = must_parse(R"({"type":"record","name":"All","fields":[
      {"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"s","type":"string"},
      {"name":"b","type":"bytes"},{"name":"f","type":"float"},{"name":"d","type":"double"},
      {"name":"t","type":"boolean"},{"name":"a","type":{"type":"array","items":"string"}},
      {"name":"m","type":{"type":"map","values":"int"}},{"name":"u","type":["null","long"]},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},
      {"name":"x","type":{"type":"fixed","name":"F","size":3}}]})");
  auto v =
      value::record_of({-300, std::int64_t{1} << 40, "hello", bytes{1, 2, 3}, 2.5f, 1e100, true,
                        value::array_of({"a", "bc"}), value::map_of({{"k", 5}}),
                        value::union_of(1, std::int64_t{7}), value::enum_of(1), value::fixed_of({9, 8, 7})});
  std::vector<std::uint8_t> full;
  ASSERT_TRUE(encode(s, v, full));
  auto back = decode(s, full);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, v);
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    std::span<const std::uint8_t> part(full.data(), cut);
    auto r = decode(s, part);
    EXPECT_FALSE(r) << "cut at " << cut;
    if (!r) {
      EXPECT_EQ(r.error().code, errc::invalid_data);
    }
  }
}

// Arbitrary bytes must give a value or an invalid_data error, never a crash, hang or huge allocation
// (the sanitizer build makes any out-of-bounds read fatal).
TEST(codec, random_input_never_crashes) {
  auto s = must_parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array",
      "items":{"type":"map","values":["null","string",{"type":"fixed","name":"F","size":2}]}}},
      {"name":"n","type":{"type":"array","items":"null"}},{"name":"d","type":"double"},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},{"name":"b","type":"bytes"}]})");
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  auto valid =
      value::record_of({value::array_of({value::map_of({{"k", value::union_of(1, "v")},
                                                        {"f", value::union_of(2, value::fixed_of({1, 2}))}}),
                                         value::map_of({{"z", value::union_of(0, value())}})}),
                        value::array_of({value(), value()}), 0.5, value::enum_of(1), value(bytes{7, 7})});
  std::vector<std::uint8_t> seed;
  ASSERT_TRUE(encode(s, valid, seed));
  int ok = 0;
  for (int round = 0; round < 4000; ++round) {
    std::vector<std::uint8_t> data;
    if (round % 2) {
      data.resize(next() % 24);
      for (auto& b : data) b = static_cast<std::uint8_t>(next());
    } else {
      data = seed;  // a valid message with a few bytes changed
      for (int k = 0, n = static_cast<int>(next() % 3) + 1; k < n; ++k)
        data[next() % data.size()] = static_cast<std::uint8_t>(next() % 4 ? next() % 8 : next());
    }
    auto r = decode(s, data);
    if (r) {
      ++ok;
      std::vector<std::uint8_t> again;
      ASSERT_TRUE(encode(s, *r, again));
      EXPECT_EQ(decode(s, again).value(), *r);
    } else {
      ASSERT_EQ(r.error().code, errc::invalid_data);
    }
  }
  EXPECT_GT(ok, 0);
}

TEST(codec, value_accessors) {
  auto s = must_parse(test::order_schema);
  auto v = value::record_of({1, "Phone", 899.99f});
  EXPECT_EQ(v.field(s, "product").as<std::string>(), "Phone");
  EXPECT_EQ(v.fields()[0].as<std::int32_t>(), 1);
  EXPECT_THROW((void)v.field(s, "nope"), std::out_of_range);
  EXPECT_THROW((void)v.fields()[0].as<std::string>(), std::bad_variant_access);
  EXPECT_TRUE(value().is_null());
}

}  // namespace
}  // namespace kavro::avro
