// kavro::jsonschema::schema: the draft Confluent would pick, canonical and normalized text, references,
// the bounds a hostile schema meets, and validation of values.
#include "kavro/jsonschema/schema.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kavro::jsonschema {
namespace {

TEST(jsonschema_draft, schema_keyword_selects_and_anything_else_is_draft7_as_confluent) {
  EXPECT_EQ(draft_of("http://json-schema.org/draft-04/schema#"), draft::draft4);
  EXPECT_EQ(draft_of("http://json-schema.org/draft-06/schema#"), draft::draft6);
  EXPECT_EQ(draft_of("http://json-schema.org/draft-07/schema"), draft::draft7);
  EXPECT_EQ(draft_of("https://json-schema.org/draft/2019-09/schema"), draft::draft2019_09);
  EXPECT_EQ(draft_of("https://json-schema.org/draft/2020-12/schema"), draft::draft2020_12);
  EXPECT_EQ(draft_of("http://json-schema.org/draft-03/schema#"), draft::draft7);
  EXPECT_EQ(draft_of("urn:something-else"), draft::draft7);
  auto s = schema::parse(R"({"type":"string"})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->spec(), draft::draft7);
  auto s4 = schema::parse(R"({"$schema":"http://json-schema.org/draft-04/schema#","type":"string"})");
  ASSERT_TRUE(s4) << s4.error().message;
  EXPECT_EQ(s4->spec(), draft::draft4);
}

TEST(jsonschema_canonical, keeps_document_order_compactly_and_normalized_sorts_keys) {
  auto s =
      schema::parse("{ \"type\" : \"object\",\n \"properties\": {\"b\": {\"type\":\"string\"}, \"a\": {}} }");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->canonical(), R"({"type":"object","properties":{"b":{"type":"string"},"a":{}}})");
  EXPECT_EQ(s->normalized(), R"({"properties":{"a":{},"b":{"type":"string"}},"type":"object"})");
  auto reordered = schema::parse(R"({"properties":{"a":{},"b":{"type":"string"}},"type":"object"})");
  ASSERT_TRUE(reordered);
  EXPECT_NE(reordered->canonical(), s->canonical());  // a different id unless normalize=true
  EXPECT_EQ(reordered->normalized(), s->normalized());
}

TEST(jsonschema_canonical, a_repeated_key_keeps_the_last_value_as_jackson_does) {
  auto s = schema::parse(R"({"type":"string","type":"number"})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->canonical(), R"({"type":"number"})");
}

TEST(jsonschema_parse, refuses_what_is_not_a_schema_and_says_why) {
  auto not_json = schema::parse(R"({"type":)");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, errc::invalid_schema);
  EXPECT_NE(not_json.error().message.find("not valid JSON"), std::string::npos) << not_json.error().message;

  auto array = schema::parse(R"([1,2])");
  ASSERT_FALSE(array);
  EXPECT_NE(array.error().message.find("must be a JSON object"), std::string::npos) << array.error().message;

  auto bad_type = schema::parse(R"({"type":"strin"})");
  ASSERT_FALSE(bad_type);
  EXPECT_NE(bad_type.error().message.find("invalid JSON Schema"), std::string::npos)
      << bad_type.error().message;

  auto missing_ref = schema::parse(R"({"$ref":"other.json"})");
  ASSERT_FALSE(missing_ref);
  EXPECT_NE(missing_ref.error().message.find("other.json"), std::string::npos) << missing_ref.error().message;

  auto missing_nested_ref = schema::parse(R"({"properties":{"a":{"$ref":"other.json"}}})");
  ASSERT_FALSE(missing_nested_ref);
  EXPECT_NE(missing_nested_ref.error().message.find("other.json"), std::string::npos)
      << missing_nested_ref.error().message;
}

// valijson loops on a relative `$ref` at the top of a document; kavro hands it a URN instead.
TEST(jsonschema_references, a_whole_schema_that_is_a_reference) {
  const reference_map refs = {{"customer.json", R"({"type":"object","required":["id"]})"}};
  auto s = schema::parse(R"({"$ref":"customer.json"})", refs);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->canonical(), R"({"$ref":"customer.json"})");
  EXPECT_TRUE(s->validate(nlohmann::json::parse(R"({"id":1})")));
  EXPECT_FALSE(s->validate(nlohmann::json::parse(R"({})")));
}

TEST(jsonschema_parse, bounds_nesting_before_building_it) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += R"({"not":)";
  deep += "{}";
  deep += std::string(200, '}');
  auto s = schema::parse(deep);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("deeper than"), std::string::npos) << s.error().message;
}

TEST(jsonschema_parse, refuses_a_cycle_of_bare_references) {
  auto s = schema::parse(R"({"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},
                            "$ref":"#/definitions/a"})");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("cycle"), std::string::npos) << s.error().message;
}

// valijson resolves a relative reference on the chain from the top against the document itself.
TEST(jsonschema_parse, refuses_a_top_chain_that_valijson_would_follow_forever) {
  auto s = schema::parse(R"({"definitions":{"a":{"$ref":"other.json"}},"$ref":"#/definitions/a"})");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("cycle"), std::string::npos) << s.error().message;
  auto self = schema::parse(R"({"$ref":"#"})");
  ASSERT_FALSE(self);
  EXPECT_NE(self.error().message.find("cycle"), std::string::npos) << self.error().message;
}

TEST(jsonschema_parse, bounds_a_chain_of_references) {
  std::string defs;
  for (int i = 0; i < 40; ++i)
    defs += "\"d" + std::to_string(i) + "\":{\"$ref\":\"#/definitions/d" + std::to_string(i + 1) + "\"},";
  defs += "\"d40\":{\"type\":\"string\"}";
  auto s = schema::parse("{\"definitions\":{" + defs + "},\"$ref\":\"#/definitions/d0\"}");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("chain longer than"), std::string::npos) << s.error().message;
}

TEST(jsonschema_parse, bounds_the_text) {
  limits bounds;
  bounds.max_text_bytes = 16;
  auto s = schema::parse(R"({"type":"string","title":"long enough"})", {}, bounds);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("more than the limit"), std::string::npos) << s.error().message;
}

TEST(jsonschema_references, resolve_by_subject_reference_name) {
  const reference_map refs = {
      {"customer.json", R"({"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]})"}};
  auto s = schema::parse(R"({"type":"object","properties":{"customer":{"$ref":"customer.json"}}})", refs);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->validate(nlohmann::json::parse(R"({"customer":{"id":7}})")));
  auto bad = s->validate(nlohmann::json::parse(R"({"customer":{"id":"seven"}})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_data);
}

TEST(jsonschema_references, resolve_against_the_schema_id) {
  const reference_map refs = {{"address.json", R"({"type":"string"})"}};
  auto s = schema::parse(
      R"({"$id":"http://example.com/order.json","properties":{"a":{"$ref":"address.json"}}})", refs);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->validate(nlohmann::json::parse(R"({"a":"x"})")));
  EXPECT_FALSE(s->validate(nlohmann::json::parse(R"({"a":1})")));
}

TEST(jsonschema_validate, names_where_the_value_fails) {
  auto s = schema::parse(
      R"({"type":"object","properties":{"price":{"type":"number","minimum":0}},"required":["price"]})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->validate_text(R"({"price":1.5})"));
  auto negative = s->validate_text(R"({"price":-1})");
  ASSERT_FALSE(negative);
  EXPECT_NE(negative.error().message.find("[price]"), std::string::npos) << negative.error().message;
  auto missing = s->validate_text(R"({})");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("price"), std::string::npos) << missing.error().message;
  auto not_json = s->validate_text(R"({"price":)");
  ASSERT_FALSE(not_json);
  EXPECT_NE(not_json.error().message.find("not valid JSON"), std::string::npos);
}

TEST(jsonschema_validate, draft4_exclusive_maximum_is_a_boolean) {
  auto s = schema::parse(
      R"({"$schema":"http://json-schema.org/draft-04/schema#","maximum":3,"exclusiveMaximum":true})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->validate(2));
  EXPECT_FALSE(s->validate(3));
}

TEST(jsonschema_validate, draft7_if_then_else) {
  auto s = schema::parse(R"({"if":{"type":"string"},"then":{"minLength":2},"else":{"type":"number"}})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->validate("ab"));
  EXPECT_FALSE(s->validate("a"));
  EXPECT_TRUE(s->validate(3));
  EXPECT_FALSE(s->validate(true));
}

}  // namespace
}  // namespace kavro::jsonschema

namespace kavro::jsonschema {
namespace {

// 2020-12 documents parse and validate through draft 7's keywords; `$defs` is reached by its pointer.
TEST(jsonschema_draft2020, defs_reference_validates) {
  auto s = schema::parse(R"({"$schema":"https://json-schema.org/draft/2020-12/schema",
                             "$defs":{"sku":{"type":"string","pattern":"^[A-Z]{3}$"}},
                             "type":"object","properties":{"sku":{"$ref":"#/$defs/sku"}}})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->spec(), draft::draft2020_12);
  EXPECT_TRUE(s->validate(nlohmann::json::parse(R"({"sku":"ABC"})")));
  EXPECT_FALSE(s->validate(nlohmann::json::parse(R"({"sku":"abc"})")));
}

}  // namespace
}  // namespace kavro::jsonschema
