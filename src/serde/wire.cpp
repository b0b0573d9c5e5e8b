// Confluent framing: the 5-byte header written before and checked on every Avro message.
#include "kavro/serde/wire.hpp"

#include <string>

namespace kavro::serde {

void write_header(std::int32_t schema_id, std::vector<std::uint8_t>& out) {
  auto id = static_cast<std::uint32_t>(schema_id);
  const std::uint8_t header[header_size] = {
      magic_byte, static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
      static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
  out.insert(out.end(), header, header + header_size);
}

result<frame> parse_frame(std::span<const std::uint8_t> message) {
  if (message.empty()) return fail(errc::invalid_data, "empty message: not Confluent-framed Avro");
  if (message[0] != magic_byte) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex = {'0', 'x', digits[message[0] >> 4], digits[message[0] & 15]};
    // '{' or '[' first usually means someone produced plain JSON to the topic.
    std::string hint = message[0] == '{' || message[0] == '[' ? " (JSON?)" : "";
    return fail(errc::invalid_data, "unknown magic byte " + hex + ": not Confluent-framed Avro" + hint);
  }
  if (message.size() < header_size)
    return fail(errc::invalid_data, "message of " + std::to_string(message.size()) +
                                        " bytes is shorter than the 5-byte Confluent header");
  std::uint32_t id = (std::uint32_t{message[1]} << 24) | (std::uint32_t{message[2]} << 16) |
                     (std::uint32_t{message[3]} << 8) | std::uint32_t{message[4]};
  return frame{static_cast<std::int32_t>(id), message.subspan(header_size)};
}

}  // namespace kavro::serde
