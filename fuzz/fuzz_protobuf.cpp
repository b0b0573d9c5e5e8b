// libFuzzer target for kavro::protobuf: `.proto` text through the bounded parser, both printers and the
// compatibility diff (a schema compared with itself has no differences); inputs starting with a 0 byte
// also go through the wire-frame decoder.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "kavro/protobuf/compatibility.hpp"
#include "kavro/protobuf/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 0 && data[0] == 0) {
    auto frame = kavro::protobuf::parse_protobuf_frame(std::span<const std::uint8_t>(data, size));
    if (frame && frame->message_indexes.empty()) __builtin_trap();
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto schema = kavro::protobuf::schema::parse(text);
  if (!schema) return 0;
  (void)schema->canonical();
  (void)schema->normalized();
  (void)schema->serialized();
  if (!kavro::protobuf::compare(*schema, *schema).empty()) __builtin_trap();
  return 0;
}
