// Confluent's canonical string (ProtobufSchema.canonicalString) and normalized form
// (ProtobufSchema.normalize): exact texts, including examples from Confluent's ProtobufSchemaTest.
#include <gtest/gtest.h>

#include "kavro/protobuf/schema.hpp"

namespace kavro::protobuf {
namespace {

schema parse(std::string_view text, std::span<const reference> refs = {}) {
  auto s = schema::parse(text, refs);
  if (!s) {
    ADD_FAILURE() << s.error().message;
    return *schema::parse("syntax = \"proto3\";\n");
  }
  return std::move(*s);
}

// ProtobufSchemaTest.testEnumReserved: the canonical string is the input; normalizing qualifies the type
// and splits and sorts the reserved statements. Confluent's example gives NUMBER = 1 inside the reserved
// 1 to 3, which Confluent's parser lets pass and libprotobuf refuses; here the constants are 4 and 5.
TEST(protobuf_canonical, confluent_enum_reserved_example) {
  const std::string text =
      "\nimport \"google/protobuf/descriptor.proto\";\n"
      "\n"
      "message FooOptions {\n"
      "  optional string name = 1;\n"
      "  optional FooParameterType type = 2;\n"
      "}\n"
      "enum FooParameterType {\n"
      "  reserved 20, 100 to max;\n"
      "  reserved 10;\n"
      "  reserved 1 to 3;\n"
      "  reserved \"BAD\", \"OLD\";\n"
      "  NUMBER = 4;\n"
      "  STRING = 5;\n"
      "}\n";
  const std::string normalized =
      "\nimport \"google/protobuf/descriptor.proto\";\n"
      "\n"
      "message FooOptions {\n"
      "  optional string name = 1;\n"
      "  optional .FooParameterType type = 2;\n"
      "}\n"
      "enum FooParameterType {\n"
      "  reserved 1 to 3;\n"
      "  reserved 10;\n"
      "  reserved 20;\n"
      "  reserved 100 to max;\n"
      "  reserved \"BAD\";\n"
      "  reserved \"OLD\";\n"
      "  NUMBER = 4;\n"
      "  STRING = 5;\n"
      "}\n";
  auto s = parse(text);
  EXPECT_EQ(s.canonical(), text);
  EXPECT_EQ(s.normalized(), normalized);
  // Normalizing is idempotent.
  EXPECT_EQ(parse(s.normalized()).normalized(), normalized);
}

TEST(protobuf_canonical, layout_of_a_typical_schema) {
  auto s = parse(R"(syntax = "proto3";
option java_package = "com.acme";
package acme.orders;

import "google/protobuf/timestamp.proto";

enum Status { UNKNOWN = 0; PAID = 1 [deprecated = true]; }

message Order {
  option deprecated = false;
  reserved 9, 11 to 14;
  reserved "legacy";
  message Line { string sku = 1; int32 qty = 2; }
  string id = 1 [json_name = "orderId", deprecated = true];
  repeated Line lines = 2;
  map<string,string> tags = 3;
  oneof payment { string card = 4; string iban = 5; }
  optional double discount = 6;
  google.protobuf.Timestamp at = 7;
  Status status = 8;
}
)");
  EXPECT_EQ(s.canonical(), R"(syntax = "proto3";
package acme.orders;

import "google/protobuf/timestamp.proto";

option java_package = "com.acme";

message Order {
  reserved 9, 11 to 14;
  reserved "legacy";

  option deprecated = false;

  string id = 1 [
    deprecated = true,
    json_name = "orderId"
  ];
  repeated Line lines = 2;
  map<string, string> tags = 3;
  optional double discount = 6;
  google.protobuf.Timestamp at = 7;
  Status status = 8;

  oneof payment {
    string card = 4;
    string iban = 5;
  }

  message Line {
    string sku = 1;
    int32 qty = 2;
  }
}
enum Status {
  UNKNOWN = 0;
  PAID = 1 [deprecated = true];
}
)");
  EXPECT_EQ(s.normalized(), R"(syntax = "proto3";
package acme.orders;

import "google/protobuf/timestamp.proto";

option java_package = "com.acme";

message Order {
  reserved 9;
  reserved 11 to 14;
  reserved "legacy";

  option deprecated = false;

  string id = 1 [
    deprecated = true,
    json_name = "orderId"
  ];
  repeated .acme.orders.Order.Line lines = 2;
  map<string, string> tags = 3;
  optional double discount = 6;
  .google.protobuf.Timestamp at = 7;
  .acme.orders.Status status = 8;

  oneof payment {
    string card = 4;
    string iban = 5;
  }

  message Line {
    string sku = 1;
    int32 qty = 2;
  }
}
enum Status {
  UNKNOWN = 0;
  PAID = 1 [deprecated = true];
}
)");
}

// The same schema written in a different order and with relative names normalizes to one text, so the
// registry gives it one id.
TEST(protobuf_canonical, normalize_makes_equivalent_texts_equal) {
  auto a = parse(R"(syntax = "proto3";
package p;
import "google/protobuf/wrappers.proto";
import "google/protobuf/any.proto";
message M {
  int32 b = 2;
  oneof o { string y = 5; string x = 4; }
  map<string, N> m = 3;
  string a = 1;
  message N { int32 v = 1; }
}
)");
  auto b = parse(R"(syntax = "proto3";
package p;
import "google/protobuf/any.proto";
import "google/protobuf/wrappers.proto";
message M {
  message N { int32 v = 1; }
  string a = 1;
  int32 b = 2;
  map<string, .p.M.N> m = 3;
  oneof o { string x = 4; string y = 5; }
}
)");
  EXPECT_NE(a.canonical(), b.canonical());
  EXPECT_EQ(a.normalized(), b.normalized());
  EXPECT_EQ(a.normalized(), R"(syntax = "proto3";
package p;

import "google/protobuf/any.proto";
import "google/protobuf/wrappers.proto";

message M {
  string a = 1;
  int32 b = 2;
  map<string, .p.M.N> m = 3;

  oneof o {
    string x = 4;
    string y = 5;
  }

  message N {
    int32 v = 1;
  }
}
)");
}

TEST(protobuf_canonical, proto2_syntax_is_dropped_when_normalizing) {
  auto s = parse(
      "syntax = \"proto2\";\nmessage M { required int32 a = 1; optional string b = 2 [default = \"x\"]; }\n");
  EXPECT_EQ(s.canonical(),
            "syntax = \"proto2\";\n\nmessage M {\n  required int32 a = 1;\n  optional string b = 2 [default "
            "= \"x\"];\n}\n");
  EXPECT_EQ(s.normalized(),
            "\nmessage M {\n  required int32 a = 1;\n  optional string b = 2 [default = \"x\"];\n}\n");
}

TEST(protobuf_canonical, options_and_escapes) {
  auto s = parse(R"(syntax = "proto3";
import "confluent/meta.proto";
option (confluent.file_meta).doc = "a \"quoted\"\tdoc";
message M {
  option (confluent.message_meta) = { doc: "m" tags: "PII" tags: "X" };
  int32 a = 1 [(confluent.field_meta).tags = "PII"];
}
service S {
  rpc Get (M) returns (stream M) { option deprecated = true; }
}
)");
  EXPECT_EQ(s.canonical(), R"(syntax = "proto3";

import "confluent/meta.proto";

option (confluent.file_meta).doc = "a \"quoted\"\tdoc";

message M {
  option (confluent.message_meta) = {
    doc: "m",
    tags: [
      "PII",
      "X"
    ]
  };

  int32 a = 1 [(confluent.field_meta).tags = "PII"];
}

service S {
  rpc Get (M) returns (stream M) {
    option deprecated = true;
  };
}
)");
  EXPECT_EQ(s.normalized(), R"(syntax = "proto3";

import "confluent/meta.proto";

option (confluent.file_meta) = {
  doc: "a \"quoted\"\tdoc"
};

message M {
  option (confluent.message_meta) = {
    doc: "m",
    tags: [
      "PII",
      "X"
    ]
  };

  int32 a = 1 [(confluent.field_meta) = {
    tags: "PII"
  }];
}

service S {
  rpc Get (.M) returns (stream .M) {
    option deprecated = true;
  };
}
)");
}

TEST(protobuf_canonical, extend_and_extensions) {
  auto s = parse(R"(syntax = "proto2";
package p;
message Base { extensions 100 to 199, 300; optional int32 a = 1; }
extend Base { optional string note = 100; optional int32 n = 101; }
)");
  EXPECT_EQ(s.canonical(), R"(syntax = "proto2";
package p;

message Base {
  optional int32 a = 1;

  extensions 100 to 199, 300;
}

extend Base {
  optional string note = 100;
  optional int32 n = 101;
}
)");
}

}  // namespace
}  // namespace kavro::protobuf
