// Confluent's Protobuf wire format: magic byte 0, the schema id as a big-endian int32, the message-index
// array (which message of the schema's file), then the Protobuf message bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kavro/result.hpp"

namespace kavro::protobuf {

// The index array is a zig-zag varint count then zig-zag varint indexes; [0] (the first message of the
// file, the common case) is written as the single byte 0, and a count of 0 reads back as [0].
void write_message_indexes(std::span<const int> indexes, std::vector<std::uint8_t>& out);

// Bounds: at most max_message_indexes entries, each a non-negative 32-bit value.
inline constexpr std::size_t max_message_indexes = 256;

struct protobuf_frame {
  std::int32_t schema_id = 0;
  std::vector<int> message_indexes;
  std::span<const std::uint8_t> body;  // views into the message passed to parse_protobuf_frame
};

// Magic byte, id, indexes, then the body.
void write_protobuf_frame(std::int32_t schema_id, std::span<const int> indexes,
                          std::span<const std::uint8_t> body, std::vector<std::uint8_t>& out);

// errc::invalid_data naming the offset for a short message, a wrong magic byte, a truncated or
// over-long varint, a negative or too large count, or a negative index.
result<protobuf_frame> parse_protobuf_frame(std::span<const std::uint8_t> message);

}  // namespace kavro::protobuf
