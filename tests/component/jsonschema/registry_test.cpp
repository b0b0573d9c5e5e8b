// JSON in the registry over HTTP: registration and id reuse, Confluent's canonical text, references to
// other subjects, 42201 for what is not a schema, and the compatibility levels with Confluent's verdicts
// and verbose messages (JsonSchema.isBackwardCompatible through SchemaValidatorBuilder). The messages are
// the Difference.toString() texts of the Confluent version kavro::jsonschema follows (closing "'}").
#include "registry_http_fixture.hpp"

namespace {

using kavro_test::json;

class json_registry : public kavro_test::registry_http_test {
 protected:
  json reg(const std::string& subject, const json& schema, const json& refs = json::array()) {
    json body{{"schemaType", "JSON"},
              {"schema", schema.is_string() ? schema.get<std::string>() : schema.dump()}};
    if (!refs.empty()) body["references"] = refs;
    return post("/subjects/" + subject + "/versions", body, 200);
  }
  json refused(const std::string& subject, const std::string& text, int status) {
    return post("/subjects/" + subject + "/versions", {{"schemaType", "JSON"}, {"schema", text}}, status);
  }
  void level(const std::string& subject, const std::string& l) {
    put("/config/" + subject, {{"compatibility", l}}, 200);
  }
  // Against the latest version; with an empty `version`, against the versions the level names.
  json check(const std::string& subject, const json& schema, const std::string& version = "/latest") {
    return post("/compatibility/subjects/" + subject + "/versions" + version + "?verbose=true",
                {{"schemaType", "JSON"}, {"schema", schema.dump()}}, 200);
  }
};

const json closed_a =
    json::parse(R"({"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false})");
const json closed_ab = json::parse(
    R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"additionalProperties":false})");

TEST_F(json_registry, types_list_json_first_in_confluents_order) {
  EXPECT_EQ(get("/schemas/types", 200), json::array({"JSON", "PROTOBUF", "AVRO"}));
}

TEST_F(json_registry, registers_and_serves_the_canonical_string_with_its_type) {
  const std::string text = "{\n  \"type\": \"object\",\n  \"properties\": {\"a\": {\"type\": \"string\"}}\n}";
  const json id = reg("orders-value", text);
  const json by_id = get("/schemas/ids/" + std::to_string(id["id"].get<int>()), 200);
  EXPECT_EQ(by_id["schemaType"], "JSON");
  // JsonSchema.canonicalString(): compact, keys in the author's order.
  EXPECT_EQ(by_id["schema"], R"({"type":"object","properties":{"a":{"type":"string"}}})");
  const json v = get("/subjects/orders-value/versions/1", 200);
  EXPECT_EQ(v["schemaType"], "JSON");
  EXPECT_EQ(v["id"], id["id"]);
}

TEST_F(json_registry, same_schema_again_keeps_its_id_and_version) {
  const json first = reg("s", closed_a);
  EXPECT_EQ(reg("s", closed_a.dump(2)), first);  // whitespace does not matter
  // Key order does not either: kavro's identity is JsonSchema.normalize() (keys sorted).
  EXPECT_EQ(
      reg("s", R"({"additionalProperties":false,"properties":{"a":{"type":"string"}},"type":"object"})"),
      first);
  EXPECT_EQ(get("/subjects/s/versions", 200), json::array({1}));
  // The same schema under another subject shares the id; lookup finds it.
  EXPECT_EQ(reg("t", closed_a), first);
  const json found = post("/subjects/s", {{"schemaType", "JSON"}, {"schema", closed_a.dump()}}, 200);
  EXPECT_EQ(found["id"], first["id"]);
  EXPECT_EQ(found["version"], 1);
  // The same text as AVRO is another schema, with another id.
  const json avro = post("/subjects/u/versions", {{"schema", R"({"type":"string"})"}}, 200);
  EXPECT_NE(reg("u2", json{{"type", "string"}})["id"], avro["id"]);
}

TEST_F(json_registry, invalid_schemas_are_42201_naming_what_is_wrong) {
  const json not_json = refused("bad", "{\"type\":", 422);
  EXPECT_EQ(not_json["error_code"], 42201);
  EXPECT_EQ(not_json["message"].get<std::string>().rfind(
                "Invalid schema {\"type\":, details: the schema is not valid JSON", 0),
            0u)
      << not_json;
  EXPECT_EQ(
      refused("bad", "[1,2]", 422),
      kavro_test::err(42201, "Invalid schema [1,2], details: the schema must be a JSON object, got [1,2]"));
  const json dangling = refused("bad", R"({"$ref":"customer.json"})", 422);
  EXPECT_EQ(dangling, kavro_test::err(42201,
                                      "Invalid schema {\"$ref\":\"customer.json\"}, details: $ref "
                                      "\"customer.json\" names no reference of the schema"));
  EXPECT_EQ(get("/subjects", 200), json::array());  // nothing was stored
}

TEST_F(json_registry, references_name_other_subjects_schemas_by_their_ref_url) {
  const json customer =
      json::parse(R"({"type":"object","properties":{"id":{"type":"string"}},"required":["id"]})");
  reg("customer", customer);
  const json refs = json::array({{{"name", "customer.json"}, {"subject", "customer"}, {"version", 1}}});
  const json order = json::parse(R"({"type":"object","properties":{"customer":{"$ref":"customer.json"}}})");
  const json id = reg("order", order, refs);
  const json by_id = get("/schemas/ids/" + std::to_string(id["id"].get<int>()), 200);
  EXPECT_EQ(by_id["references"], refs);
  EXPECT_EQ(by_id["schemaType"], "JSON");
  // A reference the registry does not hold: 42201 naming it.
  const json missing = post(
      "/subjects/order2/versions",
      {{"schemaType", "JSON"},
       {"schema", order.dump()},
       {"references", json::array({{{"name", "customer.json"}, {"subject", "customer"}, {"version", 2}}})}},
      422);
  EXPECT_EQ(missing, kavro_test::err(42201, "Invalid schema " + order.dump() +
                                                " with refs [{name='customer.json', subject='customer', "
                                                "version=2}] of type JSON"));
}

// Adding an optional property to a closed content model: the new schema reads old data
// (OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL is a compatible change), the old one cannot read new
// data (seen from the old schema the property is PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL).
TEST_F(json_registry, property_added_to_closed_model_backward_yes_forward_no) {
  reg("c", closed_a);
  level("c", "BACKWARD");
  EXPECT_EQ(check("c", closed_ab), json({{"is_compatible", true}, {"messages", json::array()}}));
  level("c", "FORWARD");
  const json forward = check("c", closed_ab);
  EXPECT_EQ(forward["is_compatible"], false);
  EXPECT_EQ(
      forward["messages"],
      json::array({"{errorType:\"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL\", description:\"The old has a "
                   "closed content model and is missing a property or item present at path "
                   "'#/properties/b' in the new schema'}",
                   "{oldSchemaVersion: 1}", "{oldSchema: '" + closed_a.dump() + "'}",
                   "{validateFields: 'false', compatibility: 'FORWARD'}"}));
  level("c", "FULL");
  const json full = check("c", closed_ab);
  EXPECT_EQ(full["is_compatible"], false);
  // FULL: the forward half's messages without the old schema, then the backward half's (none here).
  EXPECT_EQ(
      full["messages"],
      json::array({"{errorType:\"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL\", description:\"The old has a "
                   "closed content model and is missing a property or item present at path "
                   "'#/properties/b' in the new schema'}",
                   "{validateFields: 'false', compatibility: 'FULL'}"}));
  // Registration under FULL is refused with 409; BACKWARD registers it as version 2.
  const json conflict =
      post("/subjects/c/versions", {{"schemaType", "JSON"}, {"schema", closed_ab.dump()}}, 409);
  EXPECT_EQ(conflict["error_code"], 409);
  level("c", "BACKWARD");
  reg("c", closed_ab);
  EXPECT_EQ(get("/subjects/c/versions", 200), json::array({1, 2}));
}

// A type change is TYPE_CHANGED both ways: incompatible at every level but NONE.
TEST_F(json_registry, type_changed_is_incompatible_both_ways) {
  const json v1 = json::parse(R"({"type":"object","properties":{"n":{"type":"string"}}})");
  const json v2 = json::parse(R"({"type":"object","properties":{"n":{"type":"integer"}}})");
  reg("t", v1);
  const std::string changed =
      "{errorType:\"TYPE_CHANGED\", description:\"A type at path '#/properties/n' is "
      "different between the new schema and the old schema'}";
  level("t", "BACKWARD");
  EXPECT_EQ(check("t", v2)["messages"],
            json::array({changed, "{oldSchemaVersion: 1}", "{oldSchema: '" + v1.dump() + "'}",
                         "{validateFields: 'false', compatibility: 'BACKWARD'}"}));
  level("t", "NONE");
  EXPECT_EQ(check("t", v2)["is_compatible"], true);
}

// maxLength: a larger limit reads old data (MAX_LENGTH_INCREASED is compatible), a smaller one does
// not (MAX_LENGTH_DECREASED); FORWARD gives the opposite verdicts.
TEST_F(json_registry, max_length_decreased_backward_increased_forward) {
  const json len10 = json::parse(R"({"type":"string","maxLength":10})");
  const json len5 = json::parse(R"({"type":"string","maxLength":5})");
  const json len20 = json::parse(R"({"type":"string","maxLength":20})");
  reg("m", len10);
  level("m", "BACKWARD");
  EXPECT_EQ(check("m", len20)["is_compatible"], true);
  EXPECT_EQ(check("m", len5)["messages"][0],
            "{errorType:\"MAX_LENGTH_DECREASED\", description:\"The value at path '#/maxLength' in the new "
            "schema is less than its value in the old schema'}");
  level("m", "FORWARD");
  EXPECT_EQ(check("m", len5)["is_compatible"], true);
  EXPECT_EQ(check("m", len20)["messages"][0],
            "{errorType:\"MAX_LENGTH_DECREASED\", description:\"The value at path '#/maxLength' in the old "
            "schema is less than its value in the new schema'}");
}

// enum: extending is compatible backward (ENUM_ARRAY_EXTENDED), narrowing is not (ENUM_ARRAY_NARROWED).
TEST_F(json_registry, enum_extended_backward_narrowed_not) {
  const json ab = json::parse(R"({"enum":["a","b"]})");
  reg("e", ab);
  level("e", "BACKWARD");
  EXPECT_EQ(check("e", json::parse(R"({"enum":["a","b","c"]})"))["is_compatible"], true);
  EXPECT_EQ(
      check("e", json::parse(R"({"enum":["a"]})"))["messages"][0],
      "{errorType:\"ENUM_ARRAY_NARROWED\", description:\"An array or combined type at path '#/enum' has "
      "fewer elements in the new schema than the old schema'}");
}

// Transitive levels check every version, newest first, and stop at the first that fails; the plain
// level checks the latest only.
TEST_F(json_registry, transitive_checks_every_version) {
  const json len10 = json::parse(R"({"type":"string","maxLength":10})");
  const json len5 = json::parse(R"({"type":"string","maxLength":5})");
  const json len7 = json::parse(R"({"type":"string","maxLength":7})");
  level("x", "NONE");
  reg("x", len10);
  reg("x", len5);
  level("x", "BACKWARD");
  EXPECT_EQ(check("x", len7)["is_compatible"], true);
  level("x", "BACKWARD_TRANSITIVE");
  const json r = check("x", len7, "");
  EXPECT_EQ(r["is_compatible"], false);
  EXPECT_EQ(r["messages"][1], "{oldSchemaVersion: 1}");
  level("x", "FULL_TRANSITIVE");
  EXPECT_EQ(check("x", len7, "")["is_compatible"], false);
}

TEST_F(json_registry, another_types_version_is_incompatible) {
  post("/subjects/mixed/versions", {{"schema", R"({"type":"string"})"}}, 200);
  level("mixed", "BACKWARD");
  EXPECT_EQ(check("mixed", closed_a)["messages"],
            json::array({"Incompatible because of different schema type", "{oldSchemaVersion: 1}",
                         "{oldSchema: '{\"type\":\"string\"}'}",
                         "{validateFields: 'false', compatibility: 'BACKWARD'}"}));
}

// ?format=serialized is Protobuf's FileDescriptorProto in base64 (what Confluent's Protobuf deserializers
// fetch), by id and by version; a JSON or AVRO schema has no such form and is refused.
TEST_F(json_registry, format_serialized_for_protobuf_only) {
  const json id = post(
      "/subjects/p/versions",
      {{"schemaType", "PROTOBUF"}, {"schema", "syntax = \"proto3\";\nmessage M { int32 a = 1; }\n"}}, 200);
  const std::string path = "/schemas/ids/" + std::to_string(id["id"].get<int>());
  const json by_id = get(path + "?format=serialized", 200);
  const json by_version = get("/subjects/p/versions/1?format=SERIALIZED", 200);
  EXPECT_EQ(by_version["schema"], by_id["schema"]);
  const std::string b64 = by_id["schema"].get<std::string>();
  EXPECT_EQ(b64.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
            std::string::npos);
  // Registered again in that form, it is the same schema.
  EXPECT_EQ(post("/subjects/p/versions", {{"schemaType", "PROTOBUF"}, {"schema", b64}}, 200), id);
  const json j = reg("j", closed_a);
  EXPECT_EQ(
      get("/schemas/ids/" + std::to_string(j["id"].get<int>()) + "?format=serialized", 422),
      kavro_test::err(422, "Query parameter 'format=serialized' is not supported by this registry (kavro)"));
}

}  // namespace
