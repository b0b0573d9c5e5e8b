// The wire format of Confluent's JSON Schema serializer (KafkaJsonSchemaSerializer, Python's
// JSONSerializer): magic byte 0, the schema id as a big-endian int32, then the JSON text itself.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "kavro/jsonschema/schema.hpp"
#include "kavro/result.hpp"

namespace kavro::jsonschema {

inline constexpr std::uint8_t wire_magic_byte = 0;
inline constexpr std::size_t wire_header_size = 5;

struct wire_options {
  const schema* validate_with = nullptr;  // when set, the value must conform, on both sides
  std::size_t max_message_bytes = 16u << 20;
  std::size_t max_depth = 256;  // nesting of the decoded value
};

// The framed message for `value` printed compactly. errc::invalid_data when validation is asked for
// and fails, or the text is longer than max_message_bytes.
result<std::vector<std::uint8_t>> encode(std::int32_t schema_id, const nlohmann::json& value,
                                         const wire_options& options = {});
// Frames JSON text as given (it must parse; nothing is re-printed).
result<std::vector<std::uint8_t>> encode_text(std::int32_t schema_id, std::string_view json_text,
                                              const wire_options& options = {});

struct decoded {
  std::int32_t schema_id = 0;
  nlohmann::json value;
};

// errc::invalid_data for a short message, a wrong magic byte, a body that is not JSON (bounded
// parse), or a value that fails validation when asked.
result<decoded> decode(std::span<const std::uint8_t> message, const wire_options& options = {});

}  // namespace kavro::jsonschema
