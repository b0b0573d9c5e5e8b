// Value types shared by the registry server's store and HTTP handlers; strong ids keep a schema id
// from being passed where a subject version is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace kavro::registry_server {

struct schema_id {
  std::int32_t value = 0;
  auto operator<=>(const schema_id&) const = default;
};

struct schema_version {
  std::int32_t value = 0;
  auto operator<=>(const schema_version&) const = default;
};

// A schema after validation: `identity` decides whether two registrations are the same schema,
// `text` is what the registry stores and returns.
struct normalized_schema {
  std::string identity;
  std::string text;
};

// One version of a subject.
struct subject_schema {
  std::string subject;
  schema_version version;
  schema_id id;
  std::string schema;
};

}  // namespace kavro::registry_server
