// The fuzzed entry points, shared by the libFuzzer targets and by the unit test that replays
// fuzz/regressions/ (so every crash once found stays a test under GCC and the sanitizers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "kavro/avro/codec.hpp"
#include "kavro/avro/container.hpp"
#include "kavro/avro/json.hpp"
#include "kavro/avro/resolution.hpp"

namespace kavro::fuzz {

// Schema text: parse it; when it parses, the canonical form must parse to the same canonical form,
// and resolving it against itself must find nothing.
inline void schema_input(std::span<const std::uint8_t> data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  auto s = avro::schema::parse(text);
  if (!s) return;
  auto pcf = s->canonical_form();
  auto again = avro::schema::parse(pcf, avro::parse_options{.max_depth = 1024, .validate_defaults = false});
  if (!again || again->canonical_form() != pcf) __builtin_trap();
  if (!avro::check_can_read(*s, *s).compatible()) __builtin_trap();
}

// "<schema JSON>\0<datum bytes>": decode the datum; what decodes must re-encode to the same bytes
// (the binary encoding is canonical for what this decoder accepts, except block forms of arrays and
// maps), convert to Avro JSON and back, and resolve against the same schema.
inline void decode_input(std::span<const std::uint8_t> data) {
  const auto* nul = static_cast<const std::uint8_t*>(std::memchr(data.data(), 0, data.size()));
  if (!nul) return;
  std::size_t cut = static_cast<std::size_t>(nul - data.data());
  auto s = avro::schema::parse(std::string_view(reinterpret_cast<const char*>(data.data()), cut));
  if (!s) return;
  auto body = data.subspan(cut + 1);
  auto v = avro::decode(*s, body);
  if (!v) return;
  std::vector<std::uint8_t> out;
  if (!avro::encode(*s, *v, out)) __builtin_trap();
  auto v2 = avro::decode(*s, out);
  if (!v2) __builtin_trap();
  auto j = avro::to_avro_json(*s, *v);
  auto v3 = avro::from_avro_json(*s, j);
  if (!v3) __builtin_trap();
  auto r = avro::resolve(*s, *s);
  if (!r || !r->decode(body)) __builtin_trap();
}

// A whole object container file.
inline void container_input(std::span<const std::uint8_t> data) {
  auto c = avro::read_container(data, 1u << 20);
  (void)c;
}

}  // namespace kavro::fuzz
