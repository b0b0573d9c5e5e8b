// Parsing: every error names its file, line and column; limits hold before libprotobuf runs; imports
// resolve through references or as Confluent's known dependencies.
#include "kavro/protobuf/schema.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

namespace kavro::protobuf {
namespace {

std::string error_of(std::string_view text, std::span<const reference> refs = {},
                     const parse_limits& limits = {}) {
  auto s = schema::parse(text, refs, limits);
  if (s) return "(parsed)";
  EXPECT_EQ(s.error().code, errc::invalid_schema);
  return s.error().message;
}

TEST(protobuf_parse, syntax_error_names_line_and_column) {
  EXPECT_EQ(error_of("syntax = \"proto3\";\nmessage M {\n  int32 a = ;\n}\n"),
            "schema:3:13: Expected field number.");
}

// Confluent's own invalid example (ProtobufSchemaTest.invalidSchemaString): a fractional field number.
TEST(protobuf_parse, fractional_field_number) {
  EXPECT_EQ(error_of("syntax = \"proto3\";\n\nmessage TestMessage {\n    string test_string = 1 [json_name = "
                     "\"test_str\"];\n    int32 test_int32 = 8.01;\n}\n"),
            "schema:5:24: Expected field number.");
}

TEST(protobuf_parse, proto3_label_required_is_refused_with_its_place) {
  EXPECT_EQ(error_of("syntax = \"proto3\";\nmessage M {\n  required int32 a = 1;\n}\n"),
            "schema:3:12: 'M.a': Required fields are not allowed in proto3.");
}

TEST(protobuf_parse, unknown_type_names_the_field_and_line) {
  EXPECT_EQ(error_of("syntax = \"proto3\";\nmessage M {\n  Missing a = 1;\n}\n"),
            "schema:3:3: 'M.a': \"Missing\" is not defined.");
}

// Confluent's parser lets a constant use a reserved number; libprotobuf does not. libprotobuf reports
// this one without a source position, so the message names the constant instead.
TEST(protobuf_parse, enum_value_in_reserved_range) {
  EXPECT_EQ(error_of("syntax = \"proto3\";\nenum E {\n  reserved 1 to 3;\n  A = 0;\n  B = 1;\n}\n"),
            "schema: 'B': Enum value \"B\" uses reserved number 1.");
}

TEST(protobuf_parse, duplicate_field_number) {
  EXPECT_EQ(error_of("syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  int32 b = 1;\n}\n"),
            "schema:4:13: 'M.b': Field number 1 has already been used in \"M\" by field \"a\".");
}

TEST(protobuf_parse, missing_import_is_named_with_its_line) {
  EXPECT_EQ(error_of("syntax = \"proto3\";\nimport \"other.proto\";\nmessage M { Other o = 1; }\n"),
            "schema:2:1: import \"other.proto\" is neither a reference of the schema nor a known dependency");
}

TEST(protobuf_parse, error_in_a_reference_names_the_reference) {
  reference r{"other.proto", "syntax = \"proto3\";\nmessage Other {\n  int32 x = ;\n}\n", "other", 1};
  EXPECT_EQ(error_of("syntax = \"proto3\";\nimport \"other.proto\";\nmessage M { Other o = 1; }\n", {&r, 1}),
            "other.proto:3:13: Expected field number.");
}

TEST(protobuf_parse, import_cycle_is_refused) {
  reference refs[] = {{"a.proto", "syntax = \"proto3\";\nimport \"b.proto\";\n", "a", 1},
                      {"b.proto", "syntax = \"proto3\";\nimport \"a.proto\";\n", "b", 1}};
  EXPECT_EQ(error_of("syntax = \"proto3\";\nimport \"a.proto\";\n", refs),
            "b.proto: import cycle through \"a.proto\"");
}

TEST(protobuf_parse, size_is_bounded_before_parsing) {
  parse_limits limits;
  limits.max_bytes = 10;
  EXPECT_EQ(error_of("syntax = \"proto3\";", {}, limits), "schema: 18 bytes, more than the 10 allowed");
}

TEST(protobuf_parse, nesting_is_bounded_before_parsing) {
  std::string deep = "syntax = \"proto3\";\n";
  for (int i = 0; i < 100; ++i) deep += "message M" + std::to_string(i) + " {\n";
  for (int i = 0; i < 100; ++i) deep += "}\n";
  EXPECT_EQ(error_of(deep), "schema:66: nested deeper than 64 levels");
  // Brackets inside strings and comments do not count.
  std::string quoted =
      "syntax = \"proto3\";\n// {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\n"
      "option java_package = \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\";\n"
      "message M { int32 a = 1; }\n";
  EXPECT_TRUE(schema::parse(quoted));
}

TEST(protobuf_parse, aggregate_option_nesting_is_bounded) {
  std::string deep =
      "syntax = \"proto3\";\nimport \"google/protobuf/descriptor.proto\";\n"
      "message M { option (x) = ";
  for (int i = 0; i < 200; ++i) deep += "{ a: ";
  EXPECT_EQ(error_of(deep), "schema:3: nested deeper than 64 levels");
}

TEST(protobuf_parse, well_known_and_confluent_imports_need_no_reference) {
  auto s = schema::parse(R"(syntax = "proto3";
package acme;
import "google/protobuf/timestamp.proto";
import "google/type/date.proto";
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
message Order {
  google.protobuf.Timestamp at = 1 [(confluent.field_meta).doc = "when"];
  google.type.Date day = 2;
  confluent.type.Decimal amount = 3;
}
)");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->name(), "acme.Order");
  const auto* order = s->file().FindMessageTypeByName("Order");
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->FindFieldByName("at")->message_type()->full_name(), "google.protobuf.Timestamp");
  EXPECT_EQ(order->FindFieldByName("day")->message_type()->full_name(), "google.type.Date");
  EXPECT_EQ(order->FindFieldByName("amount")->message_type()->full_name(), "confluent.type.Decimal");
  EXPECT_TRUE(is_known_dependency("google/type/money.proto"));
  EXPECT_FALSE(is_known_dependency("google/type/nothing.proto"));
}

TEST(protobuf_parse, references_resolve_imports) {
  reference r{"customer.proto", "syntax = \"proto3\";\npackage crm;\nmessage Customer { string id = 1; }\n",
              "customer", 2};
  auto s = schema::parse(
      "syntax = \"proto3\";\nimport \"customer.proto\";\nmessage Order { crm.Customer c = 1; }\n", {&r, 1});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->file().message_type(0)->field(0)->message_type()->full_name(), "crm.Customer");
  ASSERT_EQ(s->references().size(), 1u);
  EXPECT_EQ(s->references()[0].subject, "customer");
}

TEST(protobuf_parse, proto2_without_syntax) {
  auto s = schema::parse("message M { optional int32 a = 1 [default = 7]; required string b = 2; }");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->file().syntax(), google::protobuf::FileDescriptor::SYNTAX_PROTO2);
  EXPECT_EQ(s->name(), "M");
}

TEST(protobuf_parse, name_falls_back_to_the_first_enum) {
  auto s = schema::parse("syntax = \"proto3\";\npackage p;\nenum E { A = 0; }\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name(), "p.E");
}

TEST(protobuf_parse, message_indexes_follow_the_file) {
  auto s = schema::parse(R"(syntax = "proto3";
package p;
message A { message A1 { } message A2 { message A21 { } } }
message B { }
)");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->message_indexes("p.A"), (std::vector<int>{0}));
  EXPECT_EQ(*s->message_indexes("p.B"), (std::vector<int>{1}));
  EXPECT_EQ(*s->message_indexes("p.A.A2.A21"), (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(s->message_indexes("p.C").error().code, errc::not_found);
  EXPECT_EQ(s->message_indexes("google.protobuf.Timestamp").error().code, errc::not_found);
  std::vector<int> path{0, 1, 0};
  EXPECT_EQ((*s->message_at(path))->full_name(), "p.A.A2.A21");
  std::vector<int> bad{0, 5};
  EXPECT_EQ(s->message_at(bad).error().message,
            "message index 5 at position 1 is out of range: 2 messages there");
}

TEST(protobuf_parse, serialized_is_the_file_descriptor_in_base64) {
  auto s = schema::parse("syntax = \"proto3\";\npackage p;\nmessage M { int32 a = 1; }\n");
  ASSERT_TRUE(s);
  const std::string b64 = s->serialized();
  // Decode with a tiny reference decoder and compare with the descriptor.
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string bytes;
  int buffer = 0, bits = 0;
  for (char c : b64) {
    if (c == '=') break;
    ASSERT_GE(value(c), 0) << c;
    buffer = (buffer << 6) | value(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  EXPECT_EQ(b64.size() % 4, 0u);
  google::protobuf::FileDescriptorProto proto;
  ASSERT_TRUE(proto.ParseFromString(bytes));
  EXPECT_EQ(proto.package(), "p");
  EXPECT_EQ(proto.syntax(), "proto3");
  ASSERT_EQ(proto.message_type_size(), 1);
  EXPECT_EQ(proto.message_type(0).field(0).name(), "a");
}

TEST(protobuf_parse, garbage_is_an_error_not_a_crash) {
  for (std::string_view text : {std::string_view("\xff\xfe\x00\x01", 4), std::string_view("message {"),
                                std::string_view("}}}}"), std::string_view("option (a).b = { c: [ { d: "),
                                std::string_view("syntax = \"proto4\";"), std::string_view("")}) {
    auto s = schema::parse(text);
    if (!s) {
      EXPECT_FALSE(s.error().message.empty());
    }
  }
}

}  // namespace
}  // namespace kavro::protobuf

namespace kavro::protobuf {
namespace {

// confluent-kafka-python's ProtobufSerializer registers the file's FileDescriptorProto in base64; it
// parses, and normalizes to the same text as the `.proto` it came from.
TEST(protobuf_parse, serialized_form_is_accepted_as_schema_text) {
  const char* text = R"(syntax = "proto3";
package p;
message M {
  string first_name = 1;
  map<string, N> m = 2;
  oneof o { int32 x = 3; }
  message N { int32 v = 1; }
}
enum E { A = 0; }
)";
  auto from_text = schema::parse(text);
  ASSERT_TRUE(from_text);
  auto from_serialized = schema::parse(from_text->serialized());
  ASSERT_TRUE(from_serialized) << from_serialized.error().message;
  EXPECT_EQ(from_serialized->normalized(), from_text->normalized());
  EXPECT_EQ(from_serialized->canonical(), R"(syntax = "proto3";
package p;

message M {
  string first_name = 1;
  map<string, .p.M.N> m = 2;

  oneof o {
    int32 x = 3;
  }

  message N {
    int32 v = 1;
  }
}
enum E {
  A = 0;
}
)");
  // Not base64, not .proto: the .proto parser's error stands.
  EXPECT_EQ(schema::parse("message M {").error().message,
            "schema:1:12: Reached end of input in message definition (missing '}').");
}

}  // namespace
}  // namespace kavro::protobuf
