// Compatibility verdicts that must agree with Avro Java 1.12's SchemaCompatibility (the checker
// Confluent's registry runs): one row per rule, with Java's verdict. Plus the schema rules Java
// accepts (a field alias repeating another field's name), union resolution through a reader
// alias, Parsing Canonical Form of errors, and kavro's decimal rule with its Confluent-compatible
// setting.
#include <gtest/gtest.h>

#include <string>

#include "kavro/avro/codec.hpp"
#include "kavro/avro/json.hpp"
#include "kavro/avro/resolution.hpp"
#include "test_util.hpp"

namespace {

using namespace kavro::avro;
using kavro::avro::test::must_parse;

struct verdict_row {
  const char* name;
  const char* reader;
  const char* writer;
  const char* java;  // Java's findings as "KIND@path;...", "" when compatible
};

class java_verdicts : public ::testing::TestWithParam<verdict_row> {};

std::string findings_of(const compatibility_findings& f) {
  std::string got;
  for (const auto& x : f.findings) {
    if (!got.empty()) got += ';';
    got += to_string(x.kind);
    got += '@';
    got += x.path;
  }
  return got;
}

TEST_P(java_verdicts, agree_with_avro_java) {
  const auto& row = GetParam();
  EXPECT_EQ(findings_of(check_can_read(must_parse(row.reader), must_parse(row.writer))), row.java);
}

INSTANTIATE_TEST_SUITE_P(
    rules, java_verdicts,
    ::testing::Values(
        // Named types match by unqualified name (Java 1.12 compares getName()).
        verdict_row{"same_name_other_namespace", R"({"type":"fixed","name":"a.F","size":4})",
                    R"({"type":"fixed","name":"b.F","size":4})", ""},
        // A reader alias is a full name: qualified in the reader type's own namespace, never compared
        // without it.
        verdict_row{"fixed_alias_without_namespace_misses_namespaced_writer",
                    R"({"type":"fixed","name":"G","size":4,"aliases":["F"]})",
                    R"({"type":"fixed","name":"a.F","size":4})", "NAME_MISMATCH@/name"},
        verdict_row{"fixed_alias_with_the_writers_namespace",
                    R"({"type":"fixed","name":"G","size":4,"aliases":["a.F"]})",
                    R"({"type":"fixed","name":"a.F","size":4})", ""},
        verdict_row{"record_alias_with_namespace_misses_unqualified_writer",
                    R"({"type":"record","name":"New","aliases":["a.Old"],"fields":[]})",
                    R"({"type":"record","name":"Old","fields":[]})", "NAME_MISMATCH@/name"},
        verdict_row{"record_alias_relative_to_its_own_namespace",
                    R"({"type":"record","name":"New","namespace":"a","aliases":["Old"],"fields":[]})",
                    R"({"type":"record","name":"a.Old","fields":[]})", ""},
        verdict_row{"record_alias_relative_to_its_namespace_misses_another",
                    R"({"type":"record","name":"New","namespace":"a","aliases":["Old"],"fields":[]})",
                    R"({"type":"record","name":"b.Old","fields":[]})", "NAME_MISMATCH@/name"},
        verdict_row{"enum_alias_without_namespace_misses_namespaced_writer",
                    R"({"type":"enum","name":"F","aliases":["E"],"symbols":["A"]})",
                    R"({"type":"enum","name":"x.E","symbols":["A"]})", "NAME_MISMATCH@/name"},
        // Nested types inherit the enclosing namespace, and so do their aliases.
        verdict_row{
            "nested_alias_in_the_inherited_namespace",
            R"({"type":"record","name":"n.R","fields":[{"name":"f","type":{"type":"fixed","name":"G","size":4,"aliases":["F"]}}]})",
            R"({"type":"record","name":"n.R","fields":[{"name":"f","type":{"type":"fixed","name":"F","size":4}}]})",
            ""},
        verdict_row{
            "nested_alias_in_another_namespace",
            R"({"type":"record","name":"m.R","fields":[{"name":"f","type":{"type":"fixed","name":"G","size":4,"aliases":["F"]}}]})",
            R"({"type":"record","name":"n.R","fields":[{"name":"f","type":{"type":"fixed","name":"F","size":4}}]})",
            "NAME_MISMATCH@/fields/0/type/name"},
        // A reader field whose alias matches a second writer field: Java's lookupWriterField throws
        // ("matches multiple fields"), and Confluent answers incompatible.
        verdict_row{
            "field_alias_matching_a_second_writer_field",
            R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["b"]}]})",
            R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]})",
            "READER_FIELD_MATCHES_SEVERAL_WRITER_FIELDS@/fields/0"},
        verdict_row{
            "field_alias_matching_one_writer_field",
            R"({"type":"record","name":"R","fields":[{"name":"c","type":"int","aliases":["b"]}]})",
            R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]})",
            ""},
        // A reader union reads a writer type when any branch does: here through the alias of the
        // second branch, although the first has the writer's very name.
        verdict_row{"union_branch_through_an_alias",
                    R"([{"type":"record","name":"A","fields":[{"name":"a","type":"string"}]},)"
                    R"({"type":"record","name":"A2","aliases":["A"],"fields":[{"name":"a","type":"int"}]}])",
                    R"({"type":"record","name":"A","fields":[{"name":"a","type":"int"}]})", ""},
        verdict_row{"union_without_a_readable_branch",
                    R"([{"type":"record","name":"A","fields":[{"name":"a","type":"string"}]}])",
                    R"({"type":"record","name":"A","fields":[{"name":"a","type":"int"}]})",
                    "MISSING_UNION_BRANCH@"},
        verdict_row{"writer_union_branch_unreadable", R"(["null",{"type":"map","values":"int"}])",
                    R"(["null",{"type":"map","values":"long"}])", "MISSING_UNION_BRANCH@/1"}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(java_schema_rules, a_field_alias_may_repeat_another_fields_name) {
  auto s = schema::parse(
      R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","aliases":["a"]}]})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->fields()[1].aliases, std::vector<std::string>{"a"});
}

TEST(java_schema_rules, a_union_decodes_a_writer_record_into_the_branch_aliasing_it) {
  const auto writer = must_parse(R"({"type":"record","name":"A","fields":[{"name":"a","type":"int"}]})");
  const auto reader =
      must_parse(R"([{"type":"record","name":"A","fields":[{"name":"a","type":"string"}]},)"
                 R"({"type":"record","name":"A2","aliases":["A"],"fields":[{"name":"a","type":"int"}]}])");
  auto r = resolve(writer, reader);
  ASSERT_TRUE(r) << r.error().message;
  const auto v = r->convert(value::record_of({value(std::int32_t{7})}));
  ASSERT_TRUE(v) << v.error().message;
  const auto* u = v->template get_if<union_value>();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->branch, 1u);
}

TEST(java_schema_rules, canonical_form_writes_an_error_as_a_record) {
  // As Avro Java's SchemaNormalization and fastavro write it (fastavro 1.13 printed this string).
  EXPECT_EQ(
      must_parse(R"({"type":"error","name":"E","namespace":"n","fields":[{"name":"m","type":"string"}]})")
          .canonical_form(),
      R"({"name":"n.E","type":"record","fields":[{"name":"m","type":"string"}]})");
}

TEST(decimal_rule, precision_and_scale_must_match_by_default_and_are_ignored_on_request) {
  const auto reader = must_parse(R"({"type":"bytes","logicalType":"decimal","precision":9,"scale":2})");
  const auto writer = must_parse(R"({"type":"bytes","logicalType":"decimal","precision":9,"scale":3})");
  EXPECT_EQ(findings_of(check_can_read(reader, writer)), "TYPE_MISMATCH@");
  compatibility_options confluent;
  confluent.decimal_precision_and_scale = false;
  EXPECT_EQ(findings_of(check_can_read(reader, writer, confluent)), "");
  // Underlying types still count.
  const auto fixed =
      must_parse(R"({"type":"fixed","name":"D","size":8,"logicalType":"decimal","precision":9,"scale":2})");
  EXPECT_EQ(findings_of(check_can_read(reader, fixed, confluent)), "TYPE_MISMATCH@");
}

}  // namespace
