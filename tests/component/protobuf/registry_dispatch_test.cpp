// PROTOBUF in the registry's schema-type dispatch: normalize_schema (42201 with the line, Confluent's
// canonical string stored, references resolved from other subjects) and check_compatibility (Confluent's
// Protobuf messages, then oldSchemaVersion/oldSchema, for each level).
#include <gtest/gtest.h>

#include "compatibility.hpp"
#include "protobuf_schema.hpp"
#include "schema_text.hpp"

namespace kavro::registry_server {
namespace {

stored_schema proto(std::string text, std::vector<schema_reference> refs = {}) {
  stored_schema s;
  s.text = std::move(text);
  s.schema_type = "PROTOBUF";
  s.references = std::move(refs);
  return s;
}

TEST(protobuf_registry, invalid_schema_is_42201_naming_the_line) {
  auto r = normalize_schema(proto("syntax = \"proto3\";\nmessage M {\n  int32 a = ;\n}\n"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, error_code::invalid_schema);
  EXPECT_EQ(
      r.error().message,
      "Invalid schema syntax = \"proto3\";\nmessage M {\n  int32 a = ;\n}\n, details: schema:3:13: Expected "
      "field number.");
}

TEST(protobuf_registry, stored_text_is_the_canonical_string) {
  auto r = normalize_schema(proto("syntax = \"proto3\"; package p; message M { int32 a = 1; }"), {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->schema.text, "syntax = \"proto3\";\npackage p;\n\nmessage M {\n  int32 a = 1;\n}\n");
  EXPECT_EQ(r->schema.schema_type, "PROTOBUF");
  // The same schema laid out differently is the same schema (one id).
  auto again =
      normalize_schema(proto("syntax = \"proto3\";\npackage p;\n\nmessage M {\n  int32 a = 1;\n}\n"), {});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->identity, r->identity);
}

// normalize=true's promise, kept for every registration: fields in another order or a type named
// relative or fully qualified are one schema (ProtobufSchema.normalize()), one id.
TEST(protobuf_registry, normalized_forms_share_the_identity) {
  auto a = normalize_schema(proto("syntax = \"proto3\";\npackage p;\nmessage L { int32 q = 1; }\nmessage M { "
                                  "int32 a = 1; L l = 2; }\n"),
                            {});
  auto b = normalize_schema(proto("syntax = \"proto3\";\npackage p;\nmessage L { int32 q = 1; }\nmessage M { "
                                  ".p.L l = 2; int32 a = 1; }\n"),
                            {});
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->identity, b->identity);
  EXPECT_NE(a->schema.text, b->schema.text);  // each keeps its own canonical text
  auto other = normalize_schema(proto("syntax = \"proto3\";\npackage p;\nmessage L { int32 q = 1; }\nmessage "
                                      "M { int32 a = 1; L l = 3; }\n"),
                                {});
  ASSERT_TRUE(other);
  EXPECT_NE(other->identity, a->identity);
}

// ?format=serialized: the stored schema's FileDescriptorProto in base64, which parses back as the same
// schema (clients register and fetch that form).
TEST(protobuf_registry, serialized_format) {
  auto r = normalize_schema(proto("syntax = \"proto3\";\npackage p;\nmessage M { int32 a = 1; }\n"), {});
  ASSERT_TRUE(r);
  auto serialized = protobuf_serialized(r->resolved);
  ASSERT_TRUE(serialized);
  auto again = normalize_schema(proto(*serialized), {});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->schema.text, r->schema.text);
  EXPECT_FALSE(protobuf_serialized("{\"type\":\"string\"}"));
}

TEST(protobuf_registry, references_come_from_other_subjects) {
  stored_schema customer = proto("syntax = \"proto3\";\npackage crm;\nmessage Customer { string id = 1; }\n");
  reference_resolver resolver = [&](const std::string& subject,
                                    std::int32_t version) -> std::optional<stored_schema> {
    if (subject == "customer" && version == 1) return customer;
    return std::nullopt;
  };
  auto order =
      proto("syntax = \"proto3\";\nimport \"customer.proto\";\nmessage Order { crm.Customer c = 1; }\n",
            {{"customer.proto", "customer", 1}});
  auto r = normalize_schema(order, resolver);
  ASSERT_TRUE(r) << r.error().message;
  auto missing = normalize_schema(
      proto("syntax = \"proto3\";\nimport \"customer.proto\";\nmessage Order { crm.Customer c = 1; }\n",
            {{"customer.proto", "customer", 2}}),
      resolver);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, error_code::invalid_schema);
  EXPECT_NE(missing.error().message.find(
                "with refs [{name='customer.proto', subject='customer', version=2}] of type "
                "PROTOBUF"),
            std::string::npos);
}

existing_version version_of(int v, const std::string& text) {
  auto n = normalize_schema(proto(text), {});
  EXPECT_TRUE(n);
  return {schema_version{v}, n->schema.text, n->resolved};
}

TEST(protobuf_registry, backward_forward_full_messages) {
  auto v1 = version_of(1, "syntax = \"proto3\";\nmessage M { int32 a = 1; }\n");
  auto candidate = normalize_schema(proto("syntax = \"proto3\";\nmessage M { string a = 1; }\n"), {});
  ASSERT_TRUE(candidate);
  const std::string back =
      "{errorType:\"FIELD_SCALAR_KIND_CHANGED\", description:\"The kind of a SCALAR field at "
      "path '#/M/1' in the new schema does not match its kind in the old schema\"}";
  const std::string fwd =
      "{errorType:\"FIELD_SCALAR_KIND_CHANGED\", description:\"The kind of a SCALAR field at "
      "path '#/M/1' in the old schema does not match its kind in the new schema\"}";
  const std::string old_lines[] = {"{oldSchemaVersion: 1}", "{oldSchema: '" + v1.text + "'}"};
  auto b = check_compatibility(compatibility_level::backward, candidate->resolved, {v1});
  EXPECT_FALSE(b.compatible);
  EXPECT_EQ(b.messages, (std::vector<std::string>{back, old_lines[0], old_lines[1],
                                                  "{validateFields: 'false', compatibility: 'BACKWARD'}"}));
  auto f = check_compatibility(compatibility_level::forward, candidate->resolved, {v1});
  EXPECT_EQ(f.messages, (std::vector<std::string>{fwd, old_lines[0], old_lines[1],
                                                  "{validateFields: 'false', compatibility: 'FORWARD'}"}));
  auto full = check_compatibility(compatibility_level::full, candidate->resolved, {v1});
  EXPECT_EQ(full.messages, (std::vector<std::string>{fwd, back, old_lines[0], old_lines[1],
                                                     "{validateFields: 'false', compatibility: 'FULL'}"}));
  EXPECT_TRUE(check_compatibility(compatibility_level::none, candidate->resolved, {v1}).compatible);
}

TEST(protobuf_registry, transitive_checks_every_version_non_transitive_the_latest) {
  auto v1 = version_of(1, "syntax = \"proto3\";\nmessage M { int32 a = 1; }\n");
  auto v2 = version_of(2, "syntax = \"proto3\";\nmessage M { int32 b = 2; }\n");
  // Field 1 back as a string: fine against v2 (which has no field 1), not against v1.
  auto candidate =
      normalize_schema(proto("syntax = \"proto3\";\nmessage M { string a = 1; int32 b = 2; }\n"), {});
  ASSERT_TRUE(candidate);
  EXPECT_TRUE(check_compatibility(compatibility_level::backward, candidate->resolved, {v1, v2}).compatible);
  auto t = check_compatibility(compatibility_level::backward_transitive, candidate->resolved, {v1, v2});
  EXPECT_FALSE(t.compatible);
  ASSERT_GE(t.messages.size(), 2u);
  EXPECT_EQ(t.messages[1], "{oldSchemaVersion: 1}");
}

TEST(protobuf_registry, avro_version_is_a_different_schema_type) {
  auto avro = normalize_schema(stored_schema{"\"string\"", "AVRO", {}, {}, {}}, {});
  ASSERT_TRUE(avro);
  existing_version v1{schema_version{1}, avro->schema.text, avro->resolved};
  auto candidate = normalize_schema(proto("syntax = \"proto3\";\nmessage M { int32 a = 1; }\n"), {});
  ASSERT_TRUE(candidate);
  auto r = check_compatibility(compatibility_level::backward, candidate->resolved, {v1});
  EXPECT_EQ(r.messages, (std::vector<std::string>{"Incompatible because of different schema type",
                                                  "{validateFields: 'false', compatibility: 'BACKWARD'}"}));
}

}  // namespace
}  // namespace kavro::registry_server
