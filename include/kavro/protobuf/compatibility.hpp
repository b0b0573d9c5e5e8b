// Confluent's Protobuf compatibility rules (its diff package: SchemaDiff, MessageSchemaDiff,
// FieldSchemaDiff, OneOfDiff, EnumSchemaDiff): the differences between two schemas, which of them break
// compatibility, and the verbose messages Confluent's registry prints for them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kavro/protobuf/schema.hpp"

namespace kavro::protobuf {

// Confluent's Difference.Type, in its order.
enum class difference_type {
  package_changed,
  message_added,
  message_removed,
  message_moved,
  enum_added,
  enum_removed,
  enum_const_added,
  enum_const_changed,
  enum_const_removed,
  field_added,
  field_removed,
  field_name_changed,
  field_kind_changed,
  field_scalar_kind_changed,
  field_named_type_changed,
  field_numeric_label_changed,
  field_string_or_bytes_label_changed,
  required_field_added,
  required_field_removed,
  oneof_added,
  oneof_removed,
  oneof_field_added,
  oneof_field_removed,
  multiple_fields_moved_to_oneof,
  field_moved_to_existing_oneof,
};

// "FIELD_KIND_CHANGED" and so on.
const char* to_string(difference_type t) noexcept;
// Whether Confluent counts the change as compatible (SchemaDiff.COMPATIBLE_CHANGES).
bool is_compatible_change(difference_type t) noexcept;

struct difference {
  difference_type type;
  std::string path;  // "#/Message/3", "#/Outer/Inner/oneof_name/7", as Confluent's Context builds it

  // Confluent's Difference.toString() with its two %s filled: `reader`, `writer` are "new" or "old".
  // {errorType:"FIELD_KIND_CHANGED", description:"The type of a field at path '#/M/1' in the new schema
  // does not match the old schema"}
  std::string message(std::string_view reader, std::string_view writer) const;
  friend bool operator==(const difference&, const difference&) = default;
};

// Every difference from `original` to `update`, compatible or not, in Confluent's order (it walks
// Java hash sets; kavro reproduces their iteration order so the messages come out in the same order).
std::vector<difference> compare(const schema& original, const schema& update);

// The messages for a backward check: can `reader` read what `writer` wrote? Empty when compatible.
// BACKWARD is can_read(new, old) with prefixes ("new", "old"); FORWARD is can_read(old, new) with
// ("old", "new"); FULL is both, forward first, as Confluent's mutualReadStrategy. Transitive levels
// repeat the check over each earlier version; the caller walks that list.
std::vector<std::string> check_can_read(const schema& reader, const schema& writer,
                                        std::string_view reader_label, std::string_view writer_label);

enum class check_level { backward, forward, full };
// Confluent's messages for one existing schema under `level` (no oldSchemaVersion/oldSchema lines: the
// registry appends those).
std::vector<std::string> check(check_level level, const schema& candidate, const schema& existing);

}  // namespace kavro::protobuf
