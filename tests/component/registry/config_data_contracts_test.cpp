// Confluent's config-level data contracts and the settings that act on registrations: default and
// override metadata and rule sets (KafkaSchemaRegistry.maybeSetMetadataRuleSet), validateFields
// with "confluent:reserved" (validateReservedFields), compatibilityGroup (isCompatibleWithPrevious),
// subject aliases (AliasFilter) and GET /subjects/{s}/metadata (getLatestWithMetadata).
#include "registry_http_fixture.hpp"

namespace {

using kavro_test::err;
using kavro_test::json;

json properties(std::initializer_list<std::pair<std::string, std::string>> props) {
  json p = json::object();
  for (const auto& [k, v] : props) p[k] = v;
  return json{{"properties", p}};
}

json rule(const std::string& name, const std::string& expr) {
  return {{"name", name}, {"kind", "CONDITION"}, {"mode", "WRITE"}, {"type", "CEL"}, {"expr", expr}};
}
// A rule as Confluent serializes it (disabled always written).
json rule_out(const std::string& name, const std::string& expr) {
  return {{"name", name},  {"kind", "CONDITION"}, {"mode", "WRITE"},
          {"type", "CEL"}, {"expr", expr},        {"disabled", false}};
}

std::string record_with(const std::string& name, const std::string& field, const std::string& type) {
  return R"({"type":"record","name":")" + name + R"(","fields":[{"name":")" + field + R"(","type":")" + type +
         R"("}]})";
}

class config_data_contracts : public kavro_test::registry_http_test {
 protected:
  json register_with(const std::string& subject, const json& body, int status = 200) {
    return post("/subjects/" + subject + "/versions", body, status);
  }
};

TEST_F(config_data_contracts, config_keeps_every_confluent_field_in_configs_order) {
  const json body = {{"compatibilityGroup", "major"},
                     {"overrideRuleSet", {{"domainRules", {rule("o", "true")}}}},
                     {"defaultMetadata", properties({{"owner", "a"}})},
                     {"validateFields", true},
                     {"compatibility", "FULL"},
                     {"overrideMetadata", properties({{"team", "t"}})},
                     {"defaultRuleSet", {{"domainRules", {rule("d", "true")}}}},
                     {"normalize", true},
                     {"alias", "target"}};
  const json stored = {{"alias", "target"},
                       {"normalize", true},
                       {"validateFields", true},
                       {"compatibilityLevel", "FULL"},
                       {"compatibilityGroup", "major"},
                       {"defaultMetadata", properties({{"owner", "a"}})},
                       {"overrideMetadata", properties({{"team", "t"}})},
                       {"defaultRuleSet", {{"domainRules", {rule_out("d", "true")}}}},
                       {"overrideRuleSet", {{"domainRules", {rule_out("o", "true")}}}}};
  const json put_answer = put("/config", body, 200);
  EXPECT_EQ(put_answer.dump(), json({{"alias", "target"},
                                     {"normalize", true},
                                     {"validateFields", true},
                                     {"compatibility", "FULL"},
                                     {"compatibilityGroup", "major"},
                                     {"defaultMetadata", stored["defaultMetadata"]},
                                     {"overrideMetadata", stored["overrideMetadata"]},
                                     {"defaultRuleSet", stored["defaultRuleSet"]},
                                     {"overrideRuleSet", stored["overrideRuleSet"]}})
                                   .dump());
  EXPECT_EQ(get("/config", 200).dump(), stored.dump());
  // The body in Config's property order, as Confluent writes it.
  EXPECT_EQ(http->Get("/config")->body,
            R"({"alias":"target","normalize":true,"validateFields":true,"compatibilityLevel":"FULL",)"
            R"("compatibilityGroup":"major","defaultMetadata":{"properties":{"owner":"a"}},)"
            R"("overrideMetadata":{"properties":{"team":"t"}},"defaultRuleSet":{"domainRules":[{"name":"d",)"
            R"("kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true","disabled":false}]},)"
            R"("overrideRuleSet":{"domainRules":[{"name":"o","kind":"CONDITION","mode":"WRITE","type":"CEL",)"
            R"("expr":"true","disabled":false}]}})");
  EXPECT_EQ(get("/config/s?defaultToGlobal=true", 200).dump(), stored.dump());
  // ConfigValue.update: an update naming one field keeps the others.
  EXPECT_EQ(put("/config", {{"validateFields", false}}, 200)["validateFields"], false);
  EXPECT_EQ(get("/config", 200)["defaultMetadata"], stored["defaultMetadata"]);
  EXPECT_EQ(put("/config", {{"defaultMetadata", "x"}}, 422),
            err(422, "Config field 'defaultMetadata': Field 'metadata' must be an object"));
  EXPECT_EQ(put("/config", {{"alias", 1}}, 422), err(422, "Field 'alias' must be a string"));
}

TEST_F(config_data_contracts, default_metadata_applies_when_the_registration_has_none) {
  put("/config/s", {{"defaultMetadata", properties({{"owner", "a"}})}}, 200);
  EXPECT_EQ(register_schema("s", record("A")), (json{{"id", 1}}));
  EXPECT_EQ(get("/subjects/s/versions/1", 200).dump(), json({{"subject", "s"},
                                                             {"version", 1},
                                                             {"id", 1},
                                                             {"metadata", properties({{"owner", "a"}})},
                                                             {"schema", record("A")}})
                                                           .dump());
}

TEST_F(config_data_contracts, merge_order_is_default_then_request_then_override) {
  put("/config/s",
      {{"defaultMetadata", {{"properties", {{"owner", "a"}, {"d", "1"}}}, {"sensitive", {"s1"}}}},
       {"overrideMetadata", properties({{"owner", "c"}})},
       {"defaultRuleSet", {{"domainRules", {rule("r1", "default")}}}},
       {"overrideRuleSet", {{"domainRules", {rule("r3", "override")}}}}},
      200);
  register_with("s", {{"schema", record("A")},
                      {"metadata", {{"properties", {{"owner", "b"}, {"team", "x"}}}, {"sensitive", {"s2"}}}},
                      {"ruleSet", {{"domainRules", {rule("r1", "request"), rule("r2", "request")}}}}});
  const json v1 = get("/subjects/s/versions/1", 200);
  EXPECT_EQ(v1["metadata"].dump(),
            json({{"properties", {{"d", "1"}, {"owner", "c"}, {"team", "x"}}}, {"sensitive", {"s1", "s2"}}})
                .dump());
  // RuleSet.mergeRuleSets: an older rule named again by the newer set is replaced, the rest appended.
  EXPECT_EQ(v1["ruleSet"].dump(),
            json({{"domainRules",
                   {rule_out("r1", "request"), rule_out("r2", "request"), rule_out("r3", "override")}}})
                .dump());
}

TEST_F(config_data_contracts, a_changed_override_makes_the_same_schema_a_new_version) {
  EXPECT_EQ(register_schema("s", record("A")), (json{{"id", 1}}));
  EXPECT_EQ(register_schema("s", record("A")), (json{{"id", 1}}));
  put("/config/s", {{"overrideMetadata", properties({{"owner", "x"}})}}, 200);
  // The merged metadata differs from version 1's: a new schema id and version.
  EXPECT_EQ(register_schema("s", record("A")), (json{{"id", 2}}));
  EXPECT_EQ(register_schema("s", record("A")), (json{{"id", 2}}));
  EXPECT_EQ(get("/subjects/s/versions", 200), json::array({1, 2}));
  EXPECT_EQ(get("/subjects/s/versions/2", 200)["metadata"], properties({{"owner", "x"}}));
}

TEST_F(config_data_contracts, lookup_completes_the_request_with_the_configs_override) {
  put("/config/s", {{"overrideMetadata", properties({{"team", "t"}})}}, 200);
  register_with("s", {{"schema", record("A")}, {"metadata", properties({{"owner", "a"}})}});
  const json found =
      post("/subjects/s", {{"schema", record("A")}, {"metadata", properties({{"owner", "a"}})}}, 200);
  EXPECT_EQ(found["version"], 1);
  EXPECT_EQ(found["metadata"], properties({{"owner", "a"}, {"team", "t"}}));
}

TEST_F(config_data_contracts, validate_fields_refuses_removing_a_reserved_field) {
  put("/config/s", {{"validateFields", true}, {"compatibility", "NONE"}}, 200);
  register_with("s", {{"schema", record("A")}, {"metadata", properties({{"confluent:reserved", "a, b"}})}});
  EXPECT_EQ(register_with(
                "s", {{"schema", record("B")}, {"metadata", properties({{"confluent:reserved", "a"}})}}, 409),
            err(409,
                "Schema being registered is incompatible with an earlier schema for subject \"s\", details: "
                "[The new schema has reserved field b removed from its metadata which is present in the old "
                "schema's metadata., {validateFields: 'true', compatibility: 'NONE'}]"));
  // Keeping every reserved field (and adding one) is accepted.
  EXPECT_EQ(register_with(
                "s", {{"schema", record("B")}, {"metadata", properties({{"confluent:reserved", "a,b,c"}})}}),
            (json{{"id", 2}}));
}

TEST_F(config_data_contracts, validate_fields_refuses_a_field_named_like_a_reserved_one) {
  put("/config/s", {{"validateFields", true}}, 200);
  EXPECT_EQ(register_with(
                "s", {{"schema", record("A")}, {"metadata", properties({{"confluent:reserved", "x"}})}}, 409),
            err(409,
                "Schema being registered is incompatible with an earlier schema for subject \"s\", details: "
                "[The new schema has field that conflicts with the reserved field x., "
                "{validateFields: 'true', compatibility: 'BACKWARD'}]"));
  // The compatibility endpoint applies the same check.
  EXPECT_EQ(post("/compatibility/subjects/s/versions?verbose=true",
                 {{"schema", record("A")}, {"metadata", properties({{"confluent:reserved", "x"}})}}, 200),
            (json{{"is_compatible", false},
                  {"messages",
                   {"The new schema has field that conflicts with the reserved field x.",
                    "{validateFields: 'true', compatibility: 'BACKWARD'}"}}}));
}

TEST_F(config_data_contracts, without_validate_fields_reserved_fields_are_not_enforced) {
  EXPECT_EQ(
      register_with("s", {{"schema", record("A")}, {"metadata", properties({{"confluent:reserved", "x"}})}}),
      (json{{"id", 1}}));
}

TEST_F(config_data_contracts, compatibility_group_compares_only_versions_with_the_same_property_value) {
  put("/config/s", {{"compatibilityGroup", "major"}}, 200);
  const std::string v1 = record_with("R", "x", "int");
  const std::string v2 = record_with("R", "x", "string");
  register_with("s", {{"schema", v1}, {"metadata", properties({{"major", "1"}})}});
  // Incompatible with version 1, but in another group: accepted.
  EXPECT_EQ(register_with("s", {{"schema", v2}, {"metadata", properties({{"major", "2"}})}}),
            (json{{"id", 2}}));
  // Group 1 again: compared with version 1 only (not with the latest, version 2).
  const json refused = register_with(
      "s", {{"schema", record_with("R", "x", "boolean")}, {"metadata", properties({{"major", "1"}})}}, 409);
  EXPECT_EQ(refused["error_code"], 409);
  const std::string tail = "{oldSchemaVersion: 1}, {oldSchema: '" + v1 +
                           "'}, {validateFields: 'false', compatibility: 'BACKWARD'}]";
  const std::string message = refused["message"].get<std::string>();
  EXPECT_TRUE(message.ends_with(tail)) << message;
  EXPECT_EQ(
      post("/compatibility/subjects/s/versions",
           {{"schema", record_with("R", "x", "string")}, {"metadata", properties({{"major", "2"}})}}, 200),
      (json{{"is_compatible", true}}));
  EXPECT_EQ(
      post("/compatibility/subjects/s/versions",
           {{"schema", record_with("R", "x", "string")}, {"metadata", properties({{"major", "1"}})}}, 200),
      (json{{"is_compatible", false}}));
}

TEST_F(config_data_contracts, alias_is_resolved_on_reads_lookups_checks_and_writes) {
  register_schema("orders", record("A"));
  EXPECT_EQ(put("/config/o", {{"alias", "orders"}}, 200), (json{{"alias", "orders"}}));
  const json v1 = {{"subject", "orders"}, {"version", 1}, {"id", 1}, {"schema", record("A")}};
  EXPECT_EQ(get("/subjects/o/versions/1", 200), v1);
  EXPECT_EQ(get("/subjects/o/versions/latest", 200), v1);
  EXPECT_EQ(get("/subjects/o/versions", 200), json::array({1}));
  EXPECT_EQ(post("/subjects/o", {{"schema", record("A")}}, 200), v1);
  EXPECT_EQ(post("/compatibility/subjects/o/versions/latest", {{"schema", "\"string\""}}, 200),
            (json{{"is_compatible", false}}));
  EXPECT_EQ(register_schema("o", record("A")), (json{{"id", 1}}));
  // The alias is a name for the subject, not a subject: nothing is stored under it.
  EXPECT_EQ(get("/subjects", 200), json::array({"orders"}));
  EXPECT_EQ(get("/config/o", 200), (json{{"alias", "orders"}}));
  EXPECT_EQ(
      put("/config/p", {{"alias", ":.other:orders"}}, 422),
      err(422,
          "Context '.other' of subject ':.other:orders' is not supported by this registry (kavro): only "
          "the default context"));
}

TEST_F(config_data_contracts, latest_with_metadata_finds_the_newest_matching_version) {
  put("/config/s", {{"compatibility", "NONE"}}, 200);
  register_with("s", {{"schema", record("A")}, {"metadata", properties({{"owner", "a"}, {"env", "p"}})}});
  register_with("s", {{"schema", record("B")}, {"metadata", properties({{"owner", "b"}, {"env", "p"}})}});
  EXPECT_EQ(get("/subjects/s/metadata?key=owner&value=a", 200),
            (json{{"subject", "s"},
                  {"version", 1},
                  {"id", 1},
                  {"metadata", properties({{"env", "p"}, {"owner", "a"}})},
                  {"schema", record("A")}}));
  EXPECT_EQ(get("/subjects/s/metadata?key=env&value=p", 200)["version"], 2);
  EXPECT_EQ(get("/subjects/s/metadata?key=env&key=owner&value=p&value=a", 200)["version"], 1);
  EXPECT_EQ(get("/subjects/s/metadata?key=owner&value=c", 404), err(40403, "Schema not found"));
  EXPECT_EQ(get("/subjects/missing/metadata?key=owner&value=a", 404),
            err(40401, "Subject 'missing' not found."));
  del("/subjects/s/versions/1", 200);
  EXPECT_EQ(get("/subjects/s/metadata?key=owner&value=a", 404), err(40403, "Schema not found"));
  EXPECT_EQ(get("/subjects/s/metadata?key=owner&value=a&deleted=true", 200)["version"], 1);
}

}  // namespace
