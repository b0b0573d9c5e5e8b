// Schema resolution: table rows of writer schema, writer datum, reader schema and the exact reader
// datum (Avro JSON encoding), plus compatibility findings with their JSON-pointer paths.
#include "kavro/avro/resolution.hpp"

#include <gtest/gtest.h>

#include "kavro/avro/codec.hpp"
#include "kavro/avro/json.hpp"
#include "test_util.hpp"

namespace kavro::avro {
namespace {

using test::must_parse;

struct resolve_case {
  const char* name;
  const char* writer;
  const char* datum;  // Avro JSON of the writer's datum
  const char* reader;
  const char* expected;  // Avro JSON of the reader's datum, or "!" + part of the error
};

class resolution_rows : public ::testing::TestWithParam<resolve_case> {};

TEST_P(resolution_rows, decode_into_reader) {
  const auto& c = GetParam();
  auto w = must_parse(c.writer);
  auto r = must_parse(c.reader);
  auto v = from_avro_json(w, nlohmann::json::parse(c.datum));
  ASSERT_TRUE(v) << v.error().message;
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(encode(w, *v, bytes));
  auto out = decode(w, r, bytes);
  std::string exp = c.expected;
  if (exp[0] == '!') {
    ASSERT_FALSE(out) << to_avro_json(r, *out).dump();
    EXPECT_NE(out.error().message.find(exp.substr(1)), std::string::npos) << out.error().message;
    return;
  }
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(to_avro_json(r, *out), nlohmann::json::parse(exp));
  // The reader-shaped value must be a valid datum of the reader schema.
  std::vector<std::uint8_t> again;
  EXPECT_TRUE(encode(r, *out, again));
}

INSTANTIATE_TEST_SUITE_P(
    all, resolution_rows,
    ::testing::Values(
        resolve_case{"int_to_long", R"("int")", "-3", R"("long")", "-3"},
        resolve_case{"int_to_float", R"("int")", "16777217", R"("float")", "16777216.0"},
        resolve_case{"int_to_double", R"("int")", "7", R"("double")", "7.0"},
        resolve_case{"long_to_double", R"("long")", "9007199254740993", R"("double")", "9007199254740992.0"},
        resolve_case{"float_to_double", R"("float")", "0.5", R"("double")", "0.5"},
        resolve_case{"string_to_bytes", R"("string")", R"("hé")", R"("bytes")", R"("hÃ©")"},
        resolve_case{"bytes_to_string", R"("bytes")", R"("abc")", R"("string")", R"("abc")"},
        resolve_case{"long_to_int_fails", R"("long")", "1", R"("int")", "!cannot be read as int"},
        resolve_case{
            "field_added_with_default",
            R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})", R"({"a":1})",
            R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},)"
            R"({"name":"b","type":["null","string"],"default":null},{"name":"c","type":"string","default":"x"}]})",
            R"({"a":1,"b":null,"c":"x"})"},
        resolve_case{
            "field_removed_and_reordered",
            R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"gone","type":)"
            R"({"type":"array","items":"string"}},{"name":"b","type":"string"}]})",
            R"({"a":1,"gone":["x","y"],"b":"z"})",
            R"({"type":"record","name":"R","fields":[{"name":"b","type":"string"},{"name":"a","type":"long"}]})",
            R"({"b":"z","a":1})"},
        resolve_case{
            "field_by_alias", R"({"type":"record","name":"R","fields":[{"name":"old","type":"int"}]})",
            R"({"old":5})",
            R"({"type":"record","name":"R","fields":[{"name":"new","aliases":["old"],"type":"int"}]})",
            R"({"new":5})"},
        resolve_case{
            "record_by_alias", R"({"type":"record","name":"a.Old","fields":[{"name":"x","type":"int"}]})",
            R"({"x":5})",
            R"({"type":"record","name":"b.New","aliases":["a.Old"],"fields":[{"name":"x","type":"int"}]})",
            R"({"x":5})"},
        resolve_case{
            "missing_field_without_default_fails",
            R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})", R"({"a":1})",
            R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]})",
            "!field 'b': missing from the writer and has no default"},
        resolve_case{"enum_symbol_by_name", R"({"type":"enum","name":"E","symbols":["A","B","C"]})", R"("C")",
                     R"({"type":"enum","name":"E","symbols":["C","A"]})", R"("C")"},
        resolve_case{"enum_unknown_symbol_takes_default", R"({"type":"enum","name":"E","symbols":["A","B"]})",
                     R"("B")", R"({"type":"enum","name":"E","symbols":["A","U"],"default":"U"})", R"("U")"},
        resolve_case{"enum_unknown_symbol_without_default_fails",
                     R"({"type":"enum","name":"E","symbols":["A","B"]})", R"("B")",
                     R"({"type":"enum","name":"E","symbols":["A"]})",
                     "!symbol 'B' is not in the reader's enum"},
        resolve_case{"writer_union_to_plain", R"(["null","int"])", R"({"int":4})", R"("long")", "4"},
        resolve_case{"writer_union_null_to_plain_fails", R"(["null","int"])", "null", R"("long")",
                     "!cannot be read as long"},
        resolve_case{"plain_to_reader_union_promoted", R"("int")", "4", R"(["null","string","double"])",
                     R"({"double":4.0})"},
        resolve_case{"exact_branch_before_promotable", R"(["null","string"])", R"({"string":"s"})",
                     R"(["null","bytes","string"])", R"({"string":"s"})"},
        resolve_case{"union_branches_reordered", R"(["null","string","int"])", R"({"string":"s"})",
                     R"(["int","string","null"])", R"({"string":"s"})"},
        resolve_case{"union_of_records_by_name",
                     R"([{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]},)"
                     R"({"type":"record","name":"B","fields":[{"name":"y","type":"string"}]}])",
                     R"({"B":{"y":"q"}})",
                     R"([{"type":"record","name":"B","fields":[{"name":"y","type":"string"},)"
                     R"({"name":"z","type":"int","default":3}]},"null"])",
                     R"({"B":{"y":"q","z":3}})"},
        resolve_case{"array_and_map_items_promoted",
                     R"({"type":"map","values":{"type":"array","items":"int"}})", R"({"k":[1,2]})",
                     R"({"type":"map","values":{"type":"array","items":"double"}})", R"({"k":[1.0,2.0]})"},
        resolve_case{"fixed_same_size", R"({"type":"fixed","name":"F","size":2})", R"("ab")",
                     R"({"type":"fixed","name":"F","size":2})", R"("ab")"},
        resolve_case{"fixed_size_mismatch_fails", R"({"type":"fixed","name":"F","size":2})", R"("ab")",
                     R"({"type":"fixed","name":"F","size":3})",
                     "!fixed 'F' has size 3, the writer's 2 (at /size)"},
        resolve_case{
            "record_default_of_record_type", R"({"type":"record","name":"R","fields":[]})", R"({})",
            R"({"type":"record","name":"R","fields":[{"name":"p","type":{"type":"record","name":"P",)"
            R"("fields":[{"name":"u","type":["null","int"]},{"name":"v","type":"float","default":1.5}]},)"
            R"("default":{"u":null}}]})",
            R"({"p":{"u":null,"v":1.5}})"},
        resolve_case{
            "recursive_list",
            R"({"type":"record","name":"L","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","L"]}]})",
            R"({"v":1,"next":{"L":{"v":2,"next":null}}})",
            R"({"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]},{"name":"v","type":"long"}]})",
            R"({"next":{"L":{"next":null,"v":2}},"v":1})"}),
    [](const auto& row) { return std::string(row.param.name); });

struct compat_case {
  const char* name;
  const char* reader;
  const char* writer;
  const char* kinds_and_paths;  // "KIND@path;KIND@path", "" when compatible
};

class compatibility_rows : public ::testing::TestWithParam<compat_case> {};

TEST_P(compatibility_rows, findings) {
  const auto& c = GetParam();
  auto f = check_can_read(must_parse(c.reader), must_parse(c.writer));
  std::string got;
  for (const auto& x : f.findings) {
    if (!got.empty()) got += ';';
    got += to_string(x.kind);
    got += '@';
    got += x.path;
    EXPECT_FALSE(x.message.empty());
  }
  EXPECT_EQ(got, c.kinds_and_paths);
  EXPECT_EQ(f.compatible(), got.empty());
}

constexpr const char* v1 = R"({"type":"record","name":"Order","fields":[{"name":"order_id","type":"int"},)"
                           R"({"name":"product","type":"string"},{"name":"price","type":"float"}]})";
constexpr const char* v2_defaulted =
    R"({"type":"record","name":"Order","fields":[{"name":"order_id","type":"long"},{"name":"product","type":"string"},)"
    R"({"name":"price","type":"double"},{"name":"note","type":["null","string"],"default":null}]})";
constexpr const char* v2_required =
    R"({"type":"record","name":"Order","fields":[{"name":"order_id","type":"int"},{"name":"product","type":"string"},)"
    R"({"name":"price","type":"float"},{"name":"qty","type":"int"}]})";

INSTANTIATE_TEST_SUITE_P(
    all, compatibility_rows,
    ::testing::Values(
        compat_case{"same", v1, v1, ""},
        compat_case{"backward_added_default_and_promotions", v2_defaulted, v1, ""},
        compat_case{"forward_of_promotions_fails", v1, v2_defaulted,
                    "TYPE_MISMATCH@/fields/0/type;TYPE_MISMATCH@/fields/2/type"},
        compat_case{"required_field_added", v2_required, v1, "READER_FIELD_MISSING_DEFAULT_VALUE@/fields/3"},
        compat_case{"required_field_removed_is_fine", v1, v2_required, ""},
        compat_case{"name_mismatch", R"({"type":"record","name":"A","fields":[]})",
                    R"({"type":"record","name":"B","fields":[]})", "NAME_MISMATCH@/name"},
        compat_case{"fixed_size", R"({"type":"fixed","name":"F","size":4})",
                    R"({"type":"fixed","name":"F","size":8})", "FIXED_SIZE_MISMATCH@/size"},
        compat_case{"enum_missing_symbols", R"({"type":"enum","name":"E","symbols":["A"]})",
                    R"({"type":"enum","name":"E","symbols":["A","B","C"]})", "MISSING_ENUM_SYMBOLS@/symbols"},
        compat_case{"enum_default_covers", R"({"type":"enum","name":"E","symbols":["A"],"default":"A"})",
                    R"({"type":"enum","name":"E","symbols":["A","B"]})", ""},
        compat_case{"union_narrowed", R"(["null","string"])", R"(["null","string","int"])",
                    "MISSING_UNION_BRANCH@/2"},  // Avro Java: at the writer branch's index
        compat_case{"union_widened", R"(["null","string","int"])", R"(["null","string"])", ""},
        compat_case{"nullable_to_required", R"("string")", R"(["null","string"])", "TYPE_MISMATCH@"},
        compat_case{"nested_array_items", R"({"type":"array","items":"int"})",
                    R"({"type":"array","items":"string"})", "TYPE_MISMATCH@/items"},
        compat_case{
            "union_branch_path",
            R"({"type":"record","name":"R","fields":[{"name":"x","type":["null",)"
            R"({"type":"map","values":"int"}]}]})",
            R"({"type":"record","name":"R","fields":[{"name":"x","type":["null",{"type":"map","values":"long"}]}]})",
            // Avro Java: no reader branch reads writer branch 1, reported at that branch.
            "MISSING_UNION_BRANCH@/fields/0/type/1"},
        compat_case{"decimal_scale", R"({"type":"bytes","logicalType":"decimal","precision":9,"scale":2})",
                    R"({"type":"bytes","logicalType":"decimal","precision":9,"scale":3})", "TYPE_MISMATCH@"},
        compat_case{
            "recursive_pair_terminates",
            R"({"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]},{"name":"n","type":"long"}]})",
            R"({"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]},{"name":"n","type":"int"}]})",
            ""}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(resolve, refuses_pairs_that_never_resolve_and_names_the_path) {
  auto r = resolve(must_parse(v1), must_parse(v2_required));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_schema);
  EXPECT_NE(r.error().message.find("field 'qty': missing from the writer and has no default (at /fields/3)"),
            std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace kavro::avro
