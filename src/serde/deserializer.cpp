// Registry-backed deserialization: parse the frame, find the writer schema by id, decode the body.
#include "kavro/serde/deserializer.hpp"

#include <mutex>

#include "kavro/avro/codec.hpp"
#include "kavro/serde/wire.hpp"

namespace kavro::serde {

deserializer::deserializer(std::shared_ptr<registry::schema_registry> registry)
    : registry_(std::move(registry)) {}

result<avro::schema> deserializer::schema_for(std::int32_t id) {
  {
    std::shared_lock lock(mutex_);
    if (auto it = cache_.find(id); it != cache_.end()) return it->second;
  }
  // Fetched without the lock so a slow registry does not stall consumers of cached ids; two
  // threads may fetch the same id once, which is harmless.
  const std::string prefix = "schema id " + std::to_string(id) + ": ";
  auto text = registry_->schema_by_id(id);
  if (!text) {
    auto e = text.error();
    e.message = prefix + e.message;
    return tl::unexpected(std::move(e));
  }
  // A writer schema's defaults are never used to decode, and a registry may hold schemas whose
  // defaults older tools did not check: refusing them here would dead-letter good data.
  avro::parse_options lenient;
  lenient.validate_defaults = false;
  auto parsed = avro::schema::parse(*text, lenient);
  if (!parsed) {
    auto e = parsed.error();
    e.message = prefix + e.message;
    return tl::unexpected(std::move(e));
  }
  std::unique_lock lock(mutex_);
  return cache_.emplace(id, std::move(*parsed)).first->second;
}

result<decoded> deserializer::deserialize(std::span<const std::uint8_t> message) {
  auto f = parse_frame(message);
  if (!f) return tl::unexpected(f.error());
  auto s = schema_for(f->schema_id);
  if (!s) return tl::unexpected(s.error());
  auto v = avro::decode(*s, f->body);
  if (!v) {
    auto e = v.error();
    e.message = "schema id " + std::to_string(f->schema_id) + ": " + e.message;
    return tl::unexpected(std::move(e));
  }
  return decoded{f->schema_id, std::move(*s), std::move(*v)};
}

result<void> deserializer::deserialize_into(std::span<const std::uint8_t> message,
                                            std::optional<decoded>& out) {
  auto f = parse_frame(message);
  if (!f) return tl::unexpected(f.error());
  if (!out || out->schema_id != f->schema_id) {
    auto s = schema_for(f->schema_id);
    if (!s) return tl::unexpected(s.error());
    out.emplace(decoded{f->schema_id, std::move(*s), avro::value()});
  }
  if (auto v = avro::decode_into(out->writer_schema, f->body, out->value); !v) {
    auto e = v.error();
    e.message = "schema id " + std::to_string(f->schema_id) + ": " + e.message;
    return tl::unexpected(std::move(e));
  }
  return {};
}

}  // namespace kavro::serde
