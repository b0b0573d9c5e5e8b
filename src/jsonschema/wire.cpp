// Framing of JSON Schema messages as Confluent's serializers write them, with bounds and optional
// validation on both sides.
#include "kavro/jsonschema/wire.hpp"

#include "kavro/json.hpp"

namespace kavro::jsonschema {
namespace {

std::vector<std::uint8_t> frame(std::int32_t schema_id, std::string_view body) {
  std::vector<std::uint8_t> out;
  out.reserve(wire_header_size + body.size());
  out.push_back(wire_magic_byte);
  const auto id = static_cast<std::uint32_t>(schema_id);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(id >> shift));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

result<nlohmann::json> parse_body(std::string_view text, const wire_options& options) {
  safe_json::parse_options parse;
  parse.max_depth = options.max_depth;
  parse.duplicates = safe_json::duplicate_keys::refuse;  // a value that says two things loses one
  auto value = safe_json::parse(text, parse);
  if (!value)
    return fail(errc::invalid_data,
                "JSON Schema message: the body is not valid JSON: " + value.error().message());
  return std::move(*value);
}

result<void> check(const nlohmann::json& value, const wire_options& options) {
  if (options.validate_with == nullptr) return {};
  return options.validate_with->validate(value);
}

}  // namespace

result<std::vector<std::uint8_t>> encode(std::int32_t schema_id, const nlohmann::json& value,
                                         const wire_options& options) {
  if (auto ok = check(value, options); !ok) return tl::unexpected(ok.error());
  std::string text;
  try {
    text = value.dump();
  } catch (const nlohmann::json::exception& e) {  // invalid UTF-8 in a string
    return fail(errc::invalid_data,
                std::string("JSON Schema message: the value cannot be printed: ") + e.what());
  }
  if (text.size() + wire_header_size > options.max_message_bytes)
    return fail(errc::invalid_data, "JSON Schema message: " + std::to_string(text.size() + wire_header_size) +
                                        " bytes, more than the limit of " +
                                        std::to_string(options.max_message_bytes));
  return frame(schema_id, text);
}

result<std::vector<std::uint8_t>> encode_text(std::int32_t schema_id, std::string_view json_text,
                                              const wire_options& options) {
  if (json_text.size() + wire_header_size > options.max_message_bytes)
    return fail(errc::invalid_data,
                "JSON Schema message: " + std::to_string(json_text.size() + wire_header_size) +
                    " bytes, more than the limit of " + std::to_string(options.max_message_bytes));
  auto value = parse_body(json_text, options);
  if (!value) return tl::unexpected(value.error());
  if (auto ok = check(*value, options); !ok) return tl::unexpected(ok.error());
  return frame(schema_id, json_text);
}

result<decoded> decode(std::span<const std::uint8_t> message, const wire_options& options) {
  if (message.size() < wire_header_size)
    return fail(errc::invalid_data, "JSON Schema message: " + std::to_string(message.size()) +
                                        " bytes, shorter than the 5-byte header");
  if (message[0] != wire_magic_byte)
    return fail(errc::invalid_data, "JSON Schema message: unknown magic byte " + std::to_string(message[0]) +
                                        " at offset 0 (expected 0)");
  if (message.size() > options.max_message_bytes)
    return fail(errc::invalid_data, "JSON Schema message: " + std::to_string(message.size()) +
                                        " bytes, more than the limit of " +
                                        std::to_string(options.max_message_bytes));
  std::uint32_t id = 0;
  for (std::size_t i = 1; i < wire_header_size; ++i) id = (id << 8) | message[i];
  decoded out;
  out.schema_id = static_cast<std::int32_t>(id);
  const std::string_view body(reinterpret_cast<const char*>(message.data()) + wire_header_size,
                              message.size() - wire_header_size);
  auto value = parse_body(body, options);
  if (!value) return tl::unexpected(value.error());
  if (auto ok = check(*value, options); !ok) return tl::unexpected(ok.error());
  out.value = std::move(*value);
  return out;
}

}  // namespace kavro::jsonschema
