// Confluent's Protobuf compatibility rules, one test per rule. diff_cases.json is transcribed from
// Confluent's protobuf-provider/src/test/resources/diff-schema-examples.json, which its SchemaDiffTest
// checks: the exact list of differences ("TYPE #/path", in Confluent's order) and the verdict. Repeated
// descriptions there got a suffix here so every case is its own test.
#include "kavro/protobuf/compatibility.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace kavro::protobuf {
namespace {

struct diff_case {
  std::string name;
  nlohmann::json json;
};

std::vector<diff_case> load_cases() {
  std::ifstream in(KAVRO_PROTOBUF_DIFF_CASES);
  auto all = nlohmann::json::parse(in);
  std::vector<diff_case> out;
  for (auto& c : all) {
    std::string name;
    for (char ch : c["description"].get<std::string>())
      name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    out.push_back({name, c});
  }
  return out;
}

std::vector<reference> references_of(const nlohmann::json& c, const char* side) {
  std::vector<reference> refs;
  const std::string r = std::string(side) + "_references", d = std::string(side) + "_dependencies";
  if (!c.contains(r)) return refs;
  for (const auto& ref : c[r]) {
    reference x;
    x.name = ref["name"];
    x.subject = ref["subject"];
    x.version = ref["version"];
    for (const auto& dep : c[d]) {
      if (dep["name"] == x.name) x.text = dep["dependency"];
    }
    refs.push_back(x);
  }
  return refs;
}

class protobuf_confluent_diff : public testing::TestWithParam<diff_case> {};

TEST_P(protobuf_confluent_diff, differences_and_verdict) {
  const auto& c = GetParam().json;
  auto orefs = references_of(c, "original");
  auto urefs = references_of(c, "update");
  auto original = schema::parse(c["original_schema"].get<std::string>(), orefs);
  auto update = schema::parse(c["update_schema"].get<std::string>(), urefs);
  ASSERT_TRUE(original) << original.error().message;
  ASSERT_TRUE(update) << update.error().message;
  std::vector<std::string> got;
  bool compatible = true;
  for (const auto& d : compare(*original, *update)) {
    got.push_back(std::string(to_string(d.type)) + " " + d.path);
    compatible = compatible && is_compatible_change(d.type);
  }
  EXPECT_EQ(got, c["changes"].get<std::vector<std::string>>());
  EXPECT_EQ(compatible, c["compatible"].get<bool>());
  EXPECT_EQ(check_can_read(*update, *original, "new", "old").empty(), c["compatible"].get<bool>());
}

INSTANTIATE_TEST_SUITE_P(confluent, protobuf_confluent_diff, testing::ValuesIn(load_cases()),
                         [](const testing::TestParamInfo<diff_case>& p) { return p.param.name; });

schema parse(std::string_view text) {
  auto s = schema::parse(text);
  if (!s) {
    ADD_FAILURE() << s.error().message;
    return *schema::parse("syntax = \"proto3\";\n");
  }
  return std::move(*s);
}

const char* v1 = "syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  string b = 2;\n}\n";
const char* v2_b_removed_c_added = "syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  string c = 3;\n}\n";
const char* v2_a_string = "syntax = \"proto3\";\nmessage M {\n  string a = 1;\n  string b = 2;\n}\n";

// Removing and adding optional fields is compatible in every direction.
TEST(protobuf_levels, removed_and_added_fields_pass_every_level) {
  auto old_schema = parse(v1), new_schema = parse(v2_b_removed_c_added);
  for (auto level : {check_level::backward, check_level::forward, check_level::full}) {
    EXPECT_TRUE(check(level, new_schema, old_schema).empty());
  }
}

// The messages as Confluent's SchemaValidatorBuilder formats them: Difference.toString() with the
// reader's then the writer's label in place of the two %s (the registry adds oldSchemaVersion/oldSchema).
TEST(protobuf_levels, scalar_kind_change_messages_per_level) {
  auto old_schema = parse(v1), new_schema = parse(v2_a_string);
  const std::string backward =
      "{errorType:\"FIELD_SCALAR_KIND_CHANGED\", description:\"The kind of a SCALAR field at path '#/M/1' in "
      "the "
      "new schema does not match its kind in the old schema\"}";
  const std::string forward =
      "{errorType:\"FIELD_SCALAR_KIND_CHANGED\", description:\"The kind of a SCALAR field at path '#/M/1' in "
      "the "
      "old schema does not match its kind in the new schema\"}";
  EXPECT_EQ(check(check_level::backward, new_schema, old_schema), std::vector<std::string>{backward});
  EXPECT_EQ(check(check_level::forward, new_schema, old_schema), std::vector<std::string>{forward});
  EXPECT_EQ(check(check_level::full, new_schema, old_schema), (std::vector<std::string>{forward, backward}));
}

// A required field added breaks BACKWARD (old data lacks it); seen from the other side it is a required
// field removed, which breaks FORWARD; Confluent fills the description's %s with (old, new) there.
TEST(protobuf_levels, required_field_added_is_directional_in_wording) {
  auto old_schema = parse("syntax = \"proto2\";\nmessage M { optional int32 a = 1; }\n");
  auto new_schema =
      parse("syntax = \"proto2\";\nmessage M { optional int32 a = 1; required int32 b = 2; }\n");
  EXPECT_EQ(
      check(check_level::backward, new_schema, old_schema),
      std::vector<std::string>{"{errorType:\"REQUIRED_FIELD_ADDED\", description:\"A required field  at path "
                               "'#/M/2' in the new schema is missing in the old schema\"}"});
  EXPECT_EQ(check(check_level::forward, new_schema, old_schema),
            std::vector<std::string>{
                "{errorType:\"REQUIRED_FIELD_REMOVED\", description:\"The old schema is missing "
                "a required field at path: '#/M/2' in the new schema\"}"});
}

TEST(protobuf_levels, message_removed_message) {
  auto old_schema = parse("syntax = \"proto3\";\nmessage A { int32 x = 1; }\nmessage B { int32 y = 1; }\n");
  auto new_schema = parse("syntax = \"proto3\";\nmessage A { int32 x = 1; }\n");
  EXPECT_EQ(
      check(check_level::backward, new_schema, old_schema),
      std::vector<std::string>{"{errorType:\"MESSAGE_REMOVED\", description:\"The new schema is missing a "
                               "MESSAGE type at path '#/B' in the old schema\"}"});
  EXPECT_TRUE(check(check_level::forward, new_schema, old_schema).empty());  // a message added is compatible
}

// Well-known types are compared by their definition (they have no reference), so using one in both
// versions is no change.
TEST(protobuf_levels, well_known_type_field_unchanged) {
  const char* text =
      "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\n"
      "message M { google.protobuf.Timestamp at = 1; }\n";
  EXPECT_TRUE(compare(parse(text), parse(text)).empty());
}

TEST(protobuf_levels, enum_and_message_field_kind_changes) {
  auto old_schema = parse(
      "syntax = \"proto3\";\nmessage M { E e = 1; N n = 2; }\nenum E { A = 0; }\n"
      "message N { int32 v = 1; }\n");
  auto new_schema = parse(
      "syntax = \"proto3\";\nmessage M { int64 e = 1; map<string, int32> n = 2; }\n"
      "enum E { A = 0; }\nmessage N { int32 v = 1; }\n");
  // An enum is a number to Confluent (GENERAL_NUMBER), so enum -> int64 is no change; message -> map is.
  std::vector<std::string> got;
  for (const auto& d : compare(old_schema, new_schema))
    got.push_back(std::string(to_string(d.type)) + " " + d.path);
  EXPECT_EQ(got, std::vector<std::string>{"FIELD_KIND_CHANGED #/M/2"});
}

}  // namespace
}  // namespace kavro::protobuf
