// The registry's PROTOBUF schema type: validation and identity (Confluent's canonical string) of a
// posted `.proto` schema with its references, and the compatibility check with Confluent's messages.
// schema_text.cpp and compatibility.cpp dispatch here by schema type.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compatibility.hpp"
#include "schema_text.hpp"

namespace kavro::registry_server {

// 42201 naming the line and column when the text does not parse or link, or a reference is missing.
// The stored text becomes Confluent's canonical string; `resolved` carries the text and every
// reference's text for the compatibility check.
api_result<normalized_schema> normalize_protobuf_schema(stored_schema schema,
                                                        const reference_resolver& resolve);

// Whether a `resolved` string came from normalize_protobuf_schema.
bool is_protobuf_resolved(const std::string& resolved);

// `GET /schemas/ids/{id}?format=serialized` for a PROTOBUF schema: its FileDescriptorProto in base64,
// from the stored schema's `resolved`; nullopt for another type.
std::optional<std::string> protobuf_serialized(const std::string& resolved);

compatibility_result check_protobuf_compatibility(compatibility_level level,
                                                  const std::string& candidate_resolved,
                                                  const std::vector<existing_version>& existing);

}  // namespace kavro::registry_server
