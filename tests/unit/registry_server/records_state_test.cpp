// The CONFIG record's value in Confluent's ConfigValue format (normalize before
// compatibilityLevel), and state::apply releasing a schema id once no version uses it.
#include <gtest/gtest.h>

#include "records.hpp"
#include "state.hpp"

namespace {

using namespace kavro::registry_server;

const std::string schema_a = R"({"type":"record","name":"A","fields":[]})";
const std::string schema_b = R"({"type":"record","name":"B","fields":[]})";

schema_record version(const std::string& subject, int v, int id, const std::string& text,
                      bool deleted = false) {
  schema_record r{subject, schema_version{v}, schema_id{id}, {}, deleted};
  r.schema.text = text;
  return r;
}

TEST(config_record_format, normalize_is_written_before_the_level_and_read_back) {
  config_record r{std::string("s"), {}};
  r.settings.normalize = true;
  r.settings.level = compatibility_level::full;
  const auto e = encode(r);
  EXPECT_EQ(e.key, R"({"keytype":"CONFIG","subject":"s","magic":0})");
  ASSERT_TRUE(e.value);
  EXPECT_EQ(*e.value, R"({"normalize":true,"compatibilityLevel":"FULL"})");
  const auto back = decode(e.key, e.value);
  ASSERT_TRUE(back);
  const auto& c = std::get<config_record>(*back);
  EXPECT_EQ(c.settings.level, compatibility_level::full);
  EXPECT_EQ(c.settings.normalize, true);
}

TEST(config_record_format, every_config_value_field_in_confluents_order_and_read_back) {
  config_record r{std::string("s"), {}};
  config_settings& c = r.settings;
  c.alias = "t";
  c.normalize = false;
  c.validate_fields = true;
  c.level = compatibility_level::none;
  c.compatibility_group = "major";
  c.default_metadata = R"({"properties":{"a":"1"}})";
  c.override_metadata = R"({"properties":{"b":"2"}})";
  c.default_rule_set = R"({"domainRules":[{"name":"r","kind":"CONDITION","mode":"WRITE","disabled":false}]})";
  c.override_rule_set =
      R"({"migrationRules":[{"name":"m","kind":"TRANSFORM","mode":"UPGRADE","disabled":false}]})";
  const auto e = encode(r);
  ASSERT_TRUE(e.value);
  EXPECT_EQ(
      *e.value,
      R"({"alias":"t","normalize":false,"validateFields":true,"compatibilityLevel":"NONE",)"
      R"("compatibilityGroup":"major","defaultMetadata":{"properties":{"a":"1"}},)"
      R"("overrideMetadata":{"properties":{"b":"2"}},)"
      R"("defaultRuleSet":{"domainRules":[{"name":"r","kind":"CONDITION","mode":"WRITE","disabled":false}]},)"
      R"("overrideRuleSet":{"migrationRules":[{"name":"m","kind":"TRANSFORM","mode":"UPGRADE","disabled":false}]}})");
  const auto back = decode(e.key, e.value);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<config_record>(*back).settings, r.settings);
}

TEST(config_record_format, level_only_and_tombstone_keep_their_bytes) {
  config_record level_only{std::nullopt, {}};
  level_only.settings.level = compatibility_level::none;
  EXPECT_EQ(*encode(level_only).value, R"({"compatibilityLevel":"NONE"})");
  EXPECT_FALSE(encode(config_record{std::string("s"), {}}).value);
}

TEST(config_fold, a_config_record_replaces_the_scopes_settings_and_an_empty_one_removes_them) {
  state st;
  config_record subject{std::string("s"), {}};
  subject.settings.alias = "t";
  subject.settings.compatibility_group = "major";
  st.apply(subject);
  ASSERT_TRUE(st.subject_configs.contains("s"));
  EXPECT_EQ(st.subject_configs.at("s"), subject.settings);
  config_record global{std::nullopt, {}};
  global.settings.validate_fields = true;
  st.apply(global);
  EXPECT_EQ(st.global_config, global.settings);
  st.apply(config_record{std::string("s"), {}});
  EXPECT_FALSE(st.subject_configs.contains("s"));
  st.apply(config_record{std::nullopt, {}});
  EXPECT_TRUE(st.global_config.empty());
}

TEST(schema_record_format, metadata_and_rule_set_sit_between_references_and_schema) {
  schema_record r = version("s", 1, 1, schema_a);
  r.schema.metadata = R"({"properties":{"owner":"x"}})";
  r.schema.rule_set =
      R"({"domainRules":[{"name":"r","kind":"TRANSFORM","mode":"WRITE","type":"CEL","disabled":false}]})";
  const auto e = encode(r);
  ASSERT_TRUE(e.value);
  EXPECT_EQ(*e.value,
            R"({"subject":"s","version":1,"id":1,"metadata":{"properties":{"owner":"x"}},)"
            R"("ruleSet":{"domainRules":[{"name":"r","kind":"TRANSFORM","mode":"WRITE","type":"CEL",)"
            R"("disabled":false}]},"schema":"{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}",)"
            R"("deleted":false})");
  const auto back = decode(e.key, e.value);
  ASSERT_TRUE(back);
  const auto& s = std::get<schema_record>(*back);
  EXPECT_EQ(s.schema.metadata, r.schema.metadata);
  EXPECT_EQ(s.schema.rule_set, r.schema.rule_set);
}

TEST(schema_id_binding, a_permanent_delete_of_the_last_use_releases_the_id) {
  state st;
  st.apply(version("s", 1, 1, schema_a));
  st.apply(version("t", 1, 1, schema_a));
  st.apply(schema_tombstone{"s", schema_version{1}});
  EXPECT_NE(st.schema(schema_id{1}), nullptr);  // t still uses it
  st.apply(schema_tombstone{"t", schema_version{1}});
  EXPECT_EQ(st.schema(schema_id{1}), nullptr);
  EXPECT_EQ(st.max_id(), 1);  // new ids still start above it
}

TEST(schema_id_binding, overwriting_a_version_releases_its_previous_id) {
  state st;
  st.apply(version("s", 1, 7, schema_a));
  st.apply(version("s", 1, 8, schema_b));
  EXPECT_EQ(st.schema(schema_id{7}), nullptr);
  ASSERT_NE(st.schema(schema_id{8}), nullptr);
  EXPECT_EQ(st.find("s", schema_version{1})->id, schema_id{8});
}

TEST(schema_id_binding, clearing_soft_deleted_versions_releases_their_ids) {
  state st;
  st.apply(version("s", 1, 1, schema_a, true));
  st.apply(clear_subject_record{std::string("s")});
  EXPECT_EQ(st.schema(schema_id{1}), nullptr);
  EXPECT_EQ(st.versions("s"), nullptr);
}

TEST(schema_id_binding, a_soft_delete_keeps_the_id) {
  state st;
  st.apply(version("s", 1, 1, schema_a));
  st.apply(version("s", 1, 1, schema_a, true));
  EXPECT_NE(st.schema(schema_id{1}), nullptr);
}

}  // namespace
