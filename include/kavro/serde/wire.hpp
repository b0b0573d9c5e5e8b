// Confluent's wire format: magic byte 0, the schema id as a big-endian int32, then the Avro body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kavro/result.hpp"

namespace kavro::serde {

inline constexpr std::uint8_t magic_byte = 0;
inline constexpr std::size_t header_size = 5;

// Appends the 5-byte header to out.
void write_header(std::int32_t schema_id, std::vector<std::uint8_t>& out);

struct frame {
  std::int32_t schema_id = 0;
  std::span<const std::uint8_t> body;  // views into the message passed to parse_frame
};

// errc::invalid_data for an empty or short message or a wrong magic byte.
result<frame> parse_frame(std::span<const std::uint8_t> message);

}  // namespace kavro::serde
