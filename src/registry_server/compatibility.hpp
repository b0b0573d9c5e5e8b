// Compatibility of a new schema with a subject's versions, at Confluent's levels, with Confluent's
// verbose messages (findings with the error type and the JSON-pointer path that breaks it).
#pragma once

#include <string>
#include <vector>

#include "kavro/registry_server/types.hpp"

namespace kavro::registry_server {

struct existing_version {
  schema_version version;
  std::string text;      // as stored, for the oldSchema message
  std::string resolved;  // references inlined
  bool operator==(const existing_version&) const = default;
};

struct compatibility_result {
  bool compatible = true;
  std::vector<std::string> messages;
};

// `existing` are the subject's live versions, oldest first. Non-transitive levels check the
// latest only.
// How the registry decides beyond the specification's rules (server_config::compatibility).
struct compatibility_settings {
  // Default: decimals must keep precision and scale (the specification). Off reproduces Confluent,
  // whose checker (Avro Java) ignores logical types and accepts a scale change.
  bool decimal_precision_and_scale = true;
};

// A pure function of its arguments: a result computed earlier stays valid while they are equal
// (registration checks outside the write lock and reuses the result under it).
compatibility_result check_compatibility(compatibility_level level, const std::string& candidate_resolved,
                                         const std::vector<existing_version>& existing,
                                         const compatibility_settings& settings = {});

}  // namespace kavro::registry_server
