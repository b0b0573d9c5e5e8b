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
#include "kavro/json.hpp"

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

// "<k><JSON line>": the line as plain JSON and as Avro JSON against schema k of a fixed set (so the
// fuzzer spends its time on the JSON, not on finding valid schemas). The bounded parser must agree
// with nlohmann's own parse wherever it accepts, refuse only for nesting or a repeated key, and keep
// its error messages short; what converts must encode and decode back.
inline void json_line_input(std::span<const std::uint8_t> data) {
  static const char* const schemas[] = {
      R"({"type":"record","name":"Order","fields":[{"name":"order_id","type":"int"},
         {"name":"product","type":"string"},{"name":"price","type":"float"}]})",
      R"({"type":"record","name":"Node","fields":[{"name":"v","type":["null","long","string"]},
         {"name":"next","type":["null","Node"],"default":null},{"name":"tags","type":{"type":"map","values":"double"}}]})",
      R"({"type":"array","items":{"type":"array","items":["null","boolean",{"type":"enum","name":"E","symbols":["A","B"]}]}})",
      R"({"type":"record","name":"B","fields":[{"name":"b","type":"bytes"},{"name":"f","type":{"type":"fixed","name":"F","size":2}},
         {"name":"d","type":["double","string"],"default":1.5}]})",
  };
  static const auto parsed = [] {
    std::vector<avro::schema> out;
    for (const char* s : schemas) out.push_back(*avro::schema::parse(s));
    return out;
  }();
  if (data.empty()) return;
  const avro::schema& s = parsed[data[0] % parsed.size()];
  std::string_view text(reinterpret_cast<const char*>(data.data()) + 1, data.size() - 1);

  auto ours = safe_json::parse(text);
  auto theirs = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (ours) {
    if (theirs.is_discarded() || *ours != theirs) __builtin_trap();
    if (safe_json::preview(*ours).size() > 40) __builtin_trap();
  } else {
    if (ours.error().message().size() > 400 || ours.error().offset > text.size()) __builtin_trap();
    if (ours.error().what == safe_json::parse_error::kind::syntax && !theirs.is_discarded()) __builtin_trap();
    if (ours.error().what == safe_json::parse_error::kind::duplicate_key) {
      auto last = safe_json::parse(text, {.duplicates = safe_json::duplicate_keys::last_wins});
      if (last && (theirs.is_discarded() || *last != theirs)) __builtin_trap();
    }
  }
  for (auto style : {avro::json_style::plain, avro::json_style::avro}) {
    auto v = avro::value_from_json_text(s, text, style);
    if (!v) {
      if (v.error().message.size() > 40000) __builtin_trap();  // the path: at most 512 levels of short names
      continue;
    }
    std::vector<std::uint8_t> out;
    if (!avro::encode(s, *v, out)) __builtin_trap();
    if (!avro::decode(s, out)) __builtin_trap();
    (void)avro::write_json(s, *v, style);
  }
}

}  // namespace kavro::fuzz
