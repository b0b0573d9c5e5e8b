// Confluent's ConfigResource and lookup corner cases: read-only scopes refuse config changes,
// PUT merges (so {} changes nothing), normalize is kept and echoed, unsupported config fields are
// refused, and an empty schema looked up under an existing subject is "Schema not found".
#include "registry_http_fixture.hpp"

namespace {

using kavro_test::err;
using kavro_test::json;

class config_and_lookup : public kavro_test::registry_http_test {};

TEST_F(config_and_lookup, read_only_subject_refuses_put_and_delete_config) {
  put("/config/s", {{"compatibility", "FULL"}}, 200);
  put("/mode/s", {{"mode", "READONLY"}}, 200);
  // KafkaSchemaRegistry.updateConfig: the default context prints as an empty string.
  EXPECT_EQ(put("/config/s", {{"compatibility", "NONE"}}, 422),
            err(42205, "Subject s in context  is in read-only mode"));
  EXPECT_EQ(del("/config/s", 422), err(42205, "Subject s in context  is in read-only mode"));
  EXPECT_EQ(get("/config/s", 200), (json{{"compatibilityLevel", "FULL"}}));
  // A subject without a config of its own is "not found" before the mode is looked at.
  put("/mode/t", {{"mode", "READONLY"}}, 200);
  EXPECT_EQ(del("/config/t", 404), err(40401, "Subject 't' not found."));
}

TEST_F(config_and_lookup, readonly_override_refuses_global_config_changes) {
  put("/mode", {{"mode", "READONLY_OVERRIDE"}}, 200);
  EXPECT_EQ(put("/config", {{"compatibility", "NONE"}}, 422),
            err(42205, "Subject null in context  is in read-only mode"));
  EXPECT_EQ(put("/config/s", {{"compatibility", "NONE"}}, 422),
            err(42205, "Subject s in context  is in read-only mode"));
  EXPECT_EQ(del("/config", 422), err(42205, "Subject null in context  is in read-only mode"));
}

TEST_F(config_and_lookup, put_config_with_an_empty_body_changes_nothing) {
  EXPECT_EQ(put("/config", json::object(), 200), json::object());
  EXPECT_EQ(get("/config", 200), (json{{"compatibilityLevel", "BACKWARD"}}));
  put("/config", {{"compatibility", "FULL"}}, 200);
  EXPECT_EQ(put("/config", json::object(), 200), (json{{"compatibility", "FULL"}}));
  EXPECT_EQ(get("/config", 200), (json{{"compatibilityLevel", "FULL"}}));
}

TEST_F(config_and_lookup, normalize_is_stored_and_echoed) {
  EXPECT_EQ(put("/config", {{"normalize", true}}, 200), (json{{"normalize", true}}));
  EXPECT_EQ(get("/config", 200), (json{{"normalize", true}, {"compatibilityLevel", "BACKWARD"}}));
  // A later update that leaves normalize out keeps it.
  EXPECT_EQ(put("/config", {{"compatibility", "FULL"}}, 200),
            (json{{"normalize", true}, {"compatibility", "FULL"}}));
  EXPECT_EQ(put("/config/s", {{"normalize", false}}, 200), (json{{"normalize", false}}));
  EXPECT_EQ(get("/config/s", 200), (json{{"normalize", false}}));
  EXPECT_EQ(del("/config/s", 200), (json{{"normalize", false}}));
  EXPECT_EQ(put("/config", {{"normalize", "yes"}}, 422), err(422, "Field 'normalize' must be a boolean"));
}

TEST_F(config_and_lookup, unimplemented_config_fields_are_refused_not_dropped) {
  for (const char* field : {"validateRules", "validateNewSchemas", "compatibilityPolicy"}) {
    const json value = std::string(field) == "compatibilityPolicy" ? json("x") : json(true);
    EXPECT_EQ(put("/config/s", {{field, value}}, 422),
              err(422, std::string("Config field '") + field +
                           "' is not supported by this registry (kavro); it was not applied"))
        << field;
  }
  EXPECT_EQ(get("/config/s", 404)["error_code"], 40408);
}

TEST_F(config_and_lookup, lookup_of_an_empty_schema_in_an_existing_subject_is_schema_not_found) {
  register_schema("s", record("A"));
  EXPECT_EQ(post("/subjects/s", {{"schema", ""}}, 404), err(40403, "Schema not found"));
  EXPECT_EQ(post("/subjects/missing", {{"schema", ""}}, 404), err(40401, "Subject 'missing' not found."));
}

TEST_F(config_and_lookup, read_parameters_kavro_does_not_implement_are_refused_not_ignored) {
  register_schema("s", record("A"));
  const auto refused = [](const std::string& what) {
    return err(422, "Query parameter " + what + " is not supported by this registry (kavro)");
  };
  EXPECT_EQ(get("/subjects/s/versions/1?format=resolved", 422), refused("'format=resolved'"));
  EXPECT_EQ(get("/schemas/ids/1?format=serialized", 422), refused("'format=serialized'"));
  EXPECT_EQ(get("/schemas/ids/1?findTags=PII", 422), refused("'findTags'"));
  EXPECT_EQ(get("/schemas?aliases=true", 422), refused("'aliases=true'"));
  EXPECT_EQ(get("/schemas?ruleType=CEL", 422), refused("'ruleType'"));
  // Confluent answers the default and unknown formats with the canonical text.
  EXPECT_EQ(get("/subjects/s/versions/1?format=default", 200)["schema"], record("A"));
}

}  // namespace
