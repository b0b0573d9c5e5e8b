// Value types shared by the registry server's state, storage and HTTP handlers; strong ids keep a
// schema id from being passed where a subject version is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kavro::registry_server {

struct schema_id {
  std::int32_t value = 0;
  auto operator<=>(const schema_id&) const = default;
};

struct schema_version {
  std::int32_t value = 0;
  auto operator<=>(const schema_version&) const = default;
};

enum class compatibility_level {
  none,
  backward,
  backward_transitive,
  forward,
  forward_transitive,
  full,
  full_transitive
};

// "BACKWARD", ...; parse is case-insensitive as Confluent's is.
const char* to_string(compatibility_level level) noexcept;
std::optional<compatibility_level> parse_compatibility_level(std::string_view text) noexcept;

enum class registry_mode { readwrite, readonly, readonly_override, import };

const char* to_string(registry_mode mode) noexcept;
std::optional<registry_mode> parse_registry_mode(std::string_view text) noexcept;

// A named type this schema uses, defined by a version of another subject.
struct schema_reference {
  std::string name;  // the Avro full name the schema uses
  std::string subject;
  std::int32_t version = 0;
  auto operator<=>(const schema_reference&) const = default;
};

// A schema as stored: the text returned to clients, its type ("AVRO"), references and data contract
// (metadata and rule set as compact JSON in Confluent's form; nullopt when the version has none).
struct stored_schema {
  std::string text;
  std::string schema_type = "AVRO";
  std::vector<schema_reference> references;
  std::optional<std::string> metadata;
  std::optional<std::string> rule_set;
};

// A schema after validation: `identity` decides whether two registrations are the same schema
// (canonical form of the resolved schema plus the references); `resolved` is the schema text with
// every reference inlined, what compatibility checks read.
struct normalized_schema {
  stored_schema schema;
  std::string identity;  // schema, references, metadata and rule set: what makes a new id
  std::string resolved;
  std::string schema_identity;  // schema and references only: what a lookup without metadata matches
};

// One version of a subject.
struct subject_schema {
  std::string subject;
  schema_version version;
  schema_id id;
  stored_schema schema;
  bool deleted = false;
};

}  // namespace kavro::registry_server
