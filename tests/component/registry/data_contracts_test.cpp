// Confluent's data contracts on a schema version: metadata (tags, properties, sensitive) and a rule
// set, stored with the version in Confluent's serialized form, returned wherever Confluent returns
// them, inherited by the next version (maybePopulateFromPrevious) and part of the schema's identity.
#include "registry_http_fixture.hpp"

namespace {

using kavro_test::err;
using kavro_test::json;

const json metadata_in = {{"properties", {{"owner", "team-b"}, {"domain", "sales"}}},
                          {"tags", {{"$.x", {"PII", "GDPR"}}}},
                          {"sensitive", {"s2", "s1"}}};
// Confluent's form: tags, properties, sensitive; maps sorted by key, sets sorted.
const json metadata_out = {{"tags", {{"$.x", {"GDPR", "PII"}}}},
                           {"properties", {{"domain", "sales"}, {"owner", "team-b"}}},
                           {"sensitive", {"s1", "s2"}}};
const json rule_set_in = {{"domainRules",
                           {{{"name", "checkX"},
                             {"type", "CEL"},
                             {"mode", "write"},
                             {"expr", "x > 0"},
                             {"params", {{"b", "2"}, {"a", "1"}}}}}}};
// A rule's kind defaults to TRANSFORM, its mode is upper case, disabled is always written.
const json rule_set_out = {{"domainRules",
                            {{{"name", "checkX"},
                              {"kind", "TRANSFORM"},
                              {"mode", "WRITE"},
                              {"type", "CEL"},
                              {"params", {{"a", "1"}, {"b", "2"}}},
                              {"expr", "x > 0"},
                              {"disabled", false}}}}};

class data_contracts : public kavro_test::registry_http_test {
 protected:
  json register_with(const std::string& subject, const json& body) {
    return post("/subjects/" + subject + "/versions", body, 200);
  }
};

TEST_F(data_contracts, metadata_and_rule_set_are_stored_and_returned_in_confluents_form) {
  EXPECT_EQ(
      register_with("s", {{"schema", record("A")}, {"metadata", metadata_in}, {"ruleSet", rule_set_in}}),
      (json{{"id", 1}}));
  const json version = get("/subjects/s/versions/1", 200);
  EXPECT_EQ(version.dump(), json({{"subject", "s"},
                                  {"version", 1},
                                  {"id", 1},
                                  {"metadata", metadata_out},
                                  {"ruleSet", rule_set_out},
                                  {"schema", record("A")}})
                                .dump());
  EXPECT_EQ(get("/schemas/ids/1", 200),
            (json{{"schema", record("A")}, {"metadata", metadata_out}, {"ruleSet", rule_set_out}}));
  EXPECT_EQ(post("/subjects/s", {{"schema", record("A")}}, 200), version);
  EXPECT_EQ(get("/schemas", 200), json::array({version}));
}

TEST_F(data_contracts, the_next_version_inherits_metadata_and_rule_set) {
  put("/config/s", {{"compatibility", "NONE"}}, 200);
  register_with("s", {{"schema", record("A")}, {"metadata", metadata_in}, {"ruleSet", rule_set_in}});
  EXPECT_EQ(register_with("s", {{"schema", record("B")}}), (json{{"id", 2}}));
  const json v2 = get("/subjects/s/versions/2", 200);
  EXPECT_EQ(v2["metadata"], metadata_out);
  EXPECT_EQ(v2["ruleSet"], rule_set_out);
  // Registering v2's schema again (inheriting the same contract) is v2 again.
  EXPECT_EQ(register_with("s", {{"schema", record("B")}}), (json{{"id", 2}}));
  EXPECT_EQ(get("/subjects/s/versions", 200), json::array({1, 2}));
}

TEST_F(data_contracts, changed_metadata_is_a_new_schema_with_a_new_id) {
  register_with("s", {{"schema", record("A")}, {"metadata", metadata_in}});
  EXPECT_EQ(
      register_with("s", {{"schema", record("A")}, {"metadata", {{"properties", {{"owner", "team-c"}}}}}}),
      (json{{"id", 2}}));
  EXPECT_EQ(get("/subjects/s/versions", 200), json::array({1, 2}));
  // A lookup naming the metadata finds that version; one without metadata finds the latest.
  EXPECT_EQ(post("/subjects/s", {{"schema", record("A")}, {"metadata", metadata_in}}, 200)["version"], 1);
  EXPECT_EQ(post("/subjects/s", {{"schema", record("A")}}, 200)["version"], 2);
}

TEST_F(data_contracts, a_registration_without_a_schema_updates_only_the_contract) {
  register_with("s", {{"schema", record("A")}});
  EXPECT_EQ(register_with("s", {{"metadata", {{"properties", {{"owner", "x"}}}}}}), (json{{"id", 2}}));
  EXPECT_EQ(get("/subjects/s/versions/2", 200), (json{{"subject", "s"},
                                                      {"version", 2},
                                                      {"id", 2},
                                                      {"metadata", {{"properties", {{"owner", "x"}}}}},
                                                      {"schema", record("A")}}));
  // Without a previous version there is nothing to take the schema from.
  EXPECT_EQ(post("/subjects/t/versions", {{"metadata", {{"properties", {{"owner", "x"}}}}}}, 422),
            err(42201, "Empty schema"));
}

TEST_F(data_contracts, confluent_version_property_follows_the_version_written) {
  put("/config/s", {{"compatibility", "NONE"}}, 200);
  register_with("s", {{"schema", record("A")}, {"metadata", {{"properties", {{"confluent:version", "1"}}}}}});
  register_with("s", {{"schema", record("B")}});
  EXPECT_EQ(get("/subjects/s/versions/2", 200)["metadata"],
            (json{{"properties", {{"confluent:version", "2"}}}}));
}

TEST_F(data_contracts, a_contract_of_the_wrong_shape_is_refused_naming_the_field) {
  EXPECT_EQ(post("/subjects/s/versions",
                 {{"schema", record("A")}, {"metadata", {{"properties", {{"a", 1}}}}}}, 422),
            err(422, "Field 'metadata.properties' must be an object of strings"));
  EXPECT_EQ(post("/subjects/s/versions",
                 {{"schema", record("A")}, {"ruleSet", {{"domainRules", {{{"mode", "SIDEWAYS"}}}}}}}, 422),
            err(422, "Field 'ruleSet.domainRules.mode' has no value 'SIDEWAYS'"));
  EXPECT_EQ(post("/subjects/s/versions", {{"schema", record("A")}, {"ruleSet", "x"}}, 422),
            err(422, "Field 'ruleSet' must be an object"));
  EXPECT_EQ(get("/subjects", 200), json::array());
}

TEST_F(data_contracts, what_kavro_does_not_keep_is_refused_not_dropped) {
  EXPECT_EQ(
      post("/subjects/s/versions", {{"schema", record("A")}, {"ruleSet", {{"enableAt", "2030-01-01"}}}}, 422),
      err(422, "Field 'ruleSet.enableAt' is not supported by this registry (kavro)"));
  EXPECT_EQ(
      post("/subjects/s/versions",
           {{"schema", record("A")}, {"schemaTagsToAdd", {{{"entityPath", "x"}, {"tags", {"PII"}}}}}}, 422),
      err(422, "Field 'schemaTagsToAdd' is not supported by this registry (kavro)"));
  EXPECT_EQ(get("/subjects", 200), json::array());
}

}  // namespace
