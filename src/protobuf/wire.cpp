// Confluent's Protobuf framing: header, zig-zag varint message indexes, body; every read bounds-checked.
#include "kavro/protobuf/wire.hpp"

#include <string>

namespace kavro::protobuf {
namespace {

void write_varint(std::int64_t value, std::vector<std::uint8_t>& out) {
  auto v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);  // zig-zag
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

// A zig-zag varint of at most 32 bits (5 bytes), as Java's ByteUtils.readVarint reads it.
result<std::int32_t> read_varint(std::span<const std::uint8_t> in, std::size_t& pos, const char* what) {
  std::uint32_t v = 0;
  const std::size_t start = pos;
  for (int shift = 0;; shift += 7) {
    if (pos >= in.size()) {
      return fail(errc::invalid_data, std::string("protobuf frame: ") + what + " at offset " +
                                          std::to_string(start) + " is cut off at the end of the message");
    }
    std::uint8_t b = in[pos++];
    if (shift == 28 && (b & 0xF0) != 0) {
      return fail(errc::invalid_data, std::string("protobuf frame: ") + what + " at offset " +
                                          std::to_string(start) + " is longer than a 32-bit varint");
    }
    v |= static_cast<std::uint32_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) break;
  }
  return static_cast<std::int32_t>((v >> 1) ^ (~(v & 1) + 1));
}

}  // namespace

void write_message_indexes(std::span<const int> indexes, std::vector<std::uint8_t>& out) {
  if (indexes.size() == 1 && indexes[0] == 0) {
    out.push_back(0);
    return;
  }
  write_varint(static_cast<std::int64_t>(indexes.size()), out);
  for (int i : indexes) write_varint(i, out);
}

void write_protobuf_frame(std::int32_t schema_id, std::span<const int> indexes,
                          std::span<const std::uint8_t> body, std::vector<std::uint8_t>& out) {
  out.push_back(0);
  auto id = static_cast<std::uint32_t>(schema_id);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(id >> shift));
  write_message_indexes(indexes, out);
  out.insert(out.end(), body.begin(), body.end());
}

result<protobuf_frame> parse_protobuf_frame(std::span<const std::uint8_t> message) {
  if (message.size() < 6) {
    return fail(errc::invalid_data, "protobuf frame: " + std::to_string(message.size()) +
                                        " bytes, shorter than the 6 of a header and an index array");
  }
  if (message[0] != 0) {
    return fail(errc::invalid_data,
                "protobuf frame: unknown magic byte " + std::to_string(message[0]) + " at offset 0");
  }
  protobuf_frame f;
  f.schema_id =
      static_cast<std::int32_t>((std::uint32_t(message[1]) << 24) | (std::uint32_t(message[2]) << 16) |
                                (std::uint32_t(message[3]) << 8) | std::uint32_t(message[4]));
  std::size_t pos = 5;
  auto count = read_varint(message, pos, "the message-index count");
  if (!count) return tl::unexpected(count.error());
  if (*count < 0 || static_cast<std::size_t>(*count) > max_message_indexes) {
    return fail(errc::invalid_data, "protobuf frame: message-index count " + std::to_string(*count) +
                                        " at offset 5 is outside 0.." + std::to_string(max_message_indexes));
  }
  if (*count == 0) {
    f.message_indexes = {0};
  } else {
    f.message_indexes.reserve(static_cast<std::size_t>(*count));
    for (std::int32_t i = 0; i < *count; ++i) {
      const std::size_t at = pos;
      auto index = read_varint(message, pos, "a message index");
      if (!index) return tl::unexpected(index.error());
      if (*index < 0) {
        return fail(errc::invalid_data, "protobuf frame: negative message index " + std::to_string(*index) +
                                            " at offset " + std::to_string(at));
      }
      f.message_indexes.push_back(*index);
    }
  }
  f.body = message.subspan(pos);
  return f;
}

}  // namespace kavro::protobuf
