// Registry-backed serialization: resolve the schema id once, then frame + encode per message.
#include "kavro/serde/serializer.hpp"

#include "kavro/avro/codec.hpp"
#include "kavro/serde/wire.hpp"

namespace kavro::serde {

serializer::serializer(std::shared_ptr<registry::schema_registry> registry, std::string subject,
                       avro::schema schema, bool auto_register)
    : registry_(std::move(registry)),
      subject_(std::move(subject)),
      schema_(std::move(schema)),
      auto_register_(auto_register) {}

result<std::int32_t> serializer::schema_id() {
  if (auto id = cached_id_.load(std::memory_order_acquire); id >= 0) return static_cast<std::int32_t>(id);
  // One fetch at a time, so a burst of first messages makes a single registry call.
  std::lock_guard lock(fetch_mutex_);
  if (auto id = cached_id_.load(std::memory_order_acquire); id >= 0) return static_cast<std::int32_t>(id);
  std::int32_t id = 0;
  if (auto_register_) {
    auto r = registry_->register_schema(subject_, schema_.text());
    if (!r) {
      auto e = r.error();
      e.message = "subject '" + subject_ + "': registering the schema: " + e.message;
      return tl::unexpected(std::move(e));
    }
    id = *r;
  } else {
    auto r = registry_->lookup_schema(subject_, schema_.text());
    if (!r) {
      auto e = r.error();
      e.message = "subject '" + subject_ + "': looking up the schema: " + e.message;
      return tl::unexpected(std::move(e));
    }
    id = r->id;
  }
  if (id < 0) return fail(errc::internal, "subject '" + subject_ + "': registry returned negative schema id");
  cached_id_.store(id, std::memory_order_release);
  return id;
}

result<void> serializer::serialize(const avro::value& v, std::vector<std::uint8_t>& out) {
  auto id = schema_id();
  if (!id) return tl::unexpected(id.error());
  std::size_t before = out.size();
  write_header(*id, out);
  if (auto res = avro::encode(schema_, v, out); !res) {
    out.resize(before);
    return res;
  }
  return {};
}

}  // namespace kavro::serde
