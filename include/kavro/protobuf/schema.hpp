// A Protobuf schema as kavro's registry keeps it: `.proto` text (proto2 or proto3) parsed and linked by
// libprotobuf, with its references, printed in Confluent's canonical and normalized forms.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kavro/result.hpp"

namespace google::protobuf {
class FileDescriptor;
class Descriptor;
}  // namespace google::protobuf

namespace kavro::protobuf {

// One import of the schema, resolved by the caller: `name` is the path the schema imports
// ("other.proto"), `text` that file's `.proto` text. subject/version say which registry entry it came
// from; the compatibility check compares a referenced type again only when they differ, as Confluent does.
struct reference {
  std::string name;
  std::string text;
  std::string subject;
  int version = -1;
};

// Bounds applied before libprotobuf sees the text: it recurses per nesting level.
struct parse_limits {
  std::size_t max_bytes = 1u << 20;   // per file (the schema and each reference)
  std::size_t max_depth = 64;         // nesting of { } [ ] < > outside strings and comments
  std::size_t max_references = 256;   // files supplied as references
  std::size_t max_import_depth = 32;  // length of an import chain
};

// The files a schema may import without a reference, as Confluent resolves them: the well-known types
// (google/protobuf/*.proto), google/type/*.proto and confluent/meta.proto, confluent/type/decimal.proto.
bool is_known_dependency(std::string_view import_name);

struct schema_impl;  // libprotobuf's pool and the parsed files; defined in src/protobuf

// A linked schema: every import resolved and every type known. No empty state: the only way to get one
// is a successful parse.
class schema {
 public:
  // errc::invalid_schema with a message naming the file, line and column (1-based) of the first error.
  static result<schema> parse(std::string_view text, std::span<const reference> references = {},
                              const parse_limits& limits = {});

  // Confluent's ProtobufSchema.canonicalString(): the text re-printed by its schema printer (messages
  // before enums at each level, options as written, fields in written order).
  std::string canonical() const;
  // Confluent's ProtobufSchema.normalize(): fields by number, types fully qualified, options sorted,
  // imports sorted, map entries as map<K, V>; the same schema written two ways prints the same.
  std::string normalized() const;
  // `?format=serialized`: the FileDescriptorProto of the linked file, base64 (standard alphabet).
  std::string serialized() const;

  // The full name of the first message (or enum) in the file, as Confluent's ProtobufSchema.name().
  std::string name() const;
  const std::string& package() const;
  const google::protobuf::FileDescriptor& file() const;
  const std::vector<reference>& references() const;

  // The index path of a message in this file (Confluent's message indexes): position among the
  // messages of the file, then among the nested messages of each enclosing message.
  // `full_name` is package-qualified ("pkg.Outer.Inner"); errc::not_found when there is no such message.
  result<std::vector<int>> message_indexes(std::string_view full_name) const;
  // The reverse: the message at an index path; errc::invalid_data when the path leads nowhere.
  result<const google::protobuf::Descriptor*> message_at(std::span<const int> indexes) const;

  std::shared_ptr<const schema_impl> impl() const { return impl_; }

 private:
  explicit schema(std::shared_ptr<const schema_impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const schema_impl> impl_;
};

}  // namespace kavro::protobuf
