// Confluent's identity of Avro schemas: two texts are one schema (one id, no new version) when Avro
// Java's Schema.toString() writes them the same, which is what kavro's canonical identity follows.
#include "registry_http_fixture.hpp"

namespace {

using kavro_test::json;

class schema_identity : public kavro_test::registry_http_test {
 protected:
  void SetUp() override {
    registry_http_test::SetUp();
    put("/config", {{"compatibility", "NONE"}}, 200);
  }
  // Registers both under one subject: the same id and a single version when they are one schema.
  void expect_same(const std::string& a, const std::string& b) {
    const std::string subject = "s" + std::to_string(++count_);
    const json first = register_schema(subject, a);
    EXPECT_EQ(register_schema(subject, b), first) << a << "\n" << b;
    EXPECT_EQ(get("/subjects/" + subject + "/versions", 200), json::array({1}));
  }
  void expect_different(const std::string& a, const std::string& b) {
    const std::string subject = "d" + std::to_string(++count_);
    EXPECT_NE(register_schema(subject, a), register_schema(subject, b)) << a << "\n" << b;
  }
  int count_ = 0;
};

TEST_F(schema_identity, nested_type_repeating_the_enclosing_namespace_is_the_same_schema) {
  expect_same(
      R"({"type":"record","name":"Outer","namespace":"com.acme","fields":[{"name":"in","type":{"type":"record","name":"Inner","namespace":"com.acme","fields":[{"name":"x","type":"int"}]}}]})",
      R"({"type":"record","name":"Outer","namespace":"com.acme","fields":[{"name":"in","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"}]}}]})");
}

TEST_F(schema_identity, full_name_and_explicit_namespace_are_the_same_schema) {
  expect_same(R"({"type":"record","name":"com.acme.R","fields":[{"name":"x","type":"int"}]})",
              R"({"type":"record","name":"R","namespace":"com.acme","fields":[{"name":"x","type":"int"}]})");
}

TEST_F(schema_identity, reference_by_full_or_relative_name_is_the_same_schema) {
  expect_same(
      R"({"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}},{"name":"f","type":"a.E"}]})",
      R"({"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"enum","name":"a.E","symbols":["X"]}},{"name":"f","type":"E"}]})");
}

TEST_F(schema_identity, primitive_as_object_without_properties_is_the_bare_name) {
  expect_same(R"({"type":"record","name":"R","fields":[{"name":"x","type":{"type":"string"}}]})",
              R"({"type":"record","name":"R","fields":[{"name":"x","type":"string"}]})");
}

TEST_F(schema_identity, ascending_order_is_the_default_and_empty_top_namespace_is_none) {
  expect_same(
      R"({"type":"record","name":"R","namespace":"","fields":[{"name":"x","type":"int","order":"ascending"}]})",
      R"({"type":"record","name":"R","fields":[{"name":"x","type":"int"}]})");
}

TEST_F(schema_identity, key_order_and_whitespace_do_not_matter) {
  expect_same(R"({"type":"record","name":"R","fields":[{"name":"x","type":"int"}]})",
              R"({ "fields" : [ { "type" : "int", "name" : "x" } ], "name" : "R", "type" : "record" })");
}

TEST_F(schema_identity, what_java_keeps_still_makes_a_new_schema) {
  // A doc, a default, a property with a value, a different namespace, or a nested type leaving the
  // enclosing namespace: Schema.toString() writes each of them.
  const std::string base =
      R"({"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":"int"}]})";
  expect_different(
      base, R"({"type":"record","name":"R","namespace":"a","doc":"d","fields":[{"name":"x","type":"int"}]})");
  expect_different(
      base,
      R"({"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":"int","default":1}]})");
  expect_different(base,
                   R"({"type":"record","name":"R","namespace":"b","fields":[{"name":"x","type":"int"}]})");
  expect_different(R"({"type":"record","name":"R","fields":[{"name":"x","type":"double","default":1}]})",
                   R"({"type":"record","name":"R","fields":[{"name":"x","type":"double","default":1.0}]})");
  expect_different(
      R"({"type":"record","name":"O","namespace":"a","fields":[{"name":"i","type":{"type":"record","name":"I","fields":[]}}]})",
      R"({"type":"record","name":"O","namespace":"a","fields":[{"name":"i","type":{"type":"record","name":"I","namespace":"","fields":[]}}]})");
}

}  // namespace
