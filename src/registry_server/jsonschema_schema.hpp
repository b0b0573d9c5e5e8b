// The registry's JSON schema type: validation and identity of a posted JSON Schema with its references
// (a `$ref` names another subject's schema by the reference's name), and the compatibility check with
// Confluent's verbose messages. schema_text.cpp and compatibility.cpp dispatch here by schema type.
#pragma once

#include <string>
#include <vector>

#include "compatibility.hpp"
#include "schema_text.hpp"

namespace kavro::registry_server {

// 42201 naming what is wrong (not JSON, not an object, a `$ref` no reference provides, a reference
// that cannot be resolved). The stored text becomes Confluent's canonical string (compact, the
// author's key order); the identity is the normalized form (keys sorted), so a schema posted again
// with its keys in another order keeps its id.
api_result<normalized_schema> normalize_json_schema(stored_schema schema, const reference_resolver& resolve);

// Whether a `resolved` string came from normalize_json_schema.
bool is_json_resolved(const std::string& resolved);

compatibility_result check_json_compatibility(compatibility_level level,
                                              const std::string& candidate_resolved,
                                              const std::vector<existing_version>& existing);

}  // namespace kavro::registry_server
