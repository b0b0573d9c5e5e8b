// Turns values into Confluent-framed Avro messages, registering or looking up the schema once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kavro/avro/schema.hpp"
#include "kavro/avro/value.hpp"
#include "kavro/registry/registry.hpp"
#include "kavro/result.hpp"
#include "kavro/serde/wire.hpp"

namespace kavro::serde {

// Thread-safe. The schema id is fetched on first use (registered when auto_register, else looked
// up) and cached; a failed fetch is returned and retried on the next call, never cached.
class serializer {
 public:
  serializer(std::shared_ptr<registry::schema_registry> registry, std::string subject, avro::schema schema,
             bool auto_register = true);

  // Appends header + Avro body to out; on error out keeps its previous contents.
  result<void> serialize(const avro::value& v, std::vector<std::uint8_t>& out);
  result<std::int32_t> schema_id();
  // Writes with this id from now on, without asking the registry (Confluent's use.schema.id, or an id
  // the caller already resolved, e.g. for use.latest.version). The caller vouches that it is schema()'s.
  void use_schema_id(std::int32_t id) noexcept { cached_id_.store(id, std::memory_order_release); }

  // Appends header + the bytes that encode(out) appends: for kavro-gen types, whose encoders need no
  // generic value (e.g. `serialize_with(out, [&](auto& o) { avro::gen::encode_to(order, o); })`).
  // The caller vouches that encode writes data of schema().
  template <class Encode>
  result<void> serialize_with(std::vector<std::uint8_t>& out, Encode&& encode) {
    auto id = schema_id();
    if (!id) return tl::unexpected(id.error());
    write_header(*id, out);
    encode(out);
    return {};
  }

  const avro::schema& schema() const noexcept { return schema_; }
  const std::string& subject() const noexcept { return subject_; }

 private:
  std::shared_ptr<registry::schema_registry> registry_;
  std::string subject_;
  avro::schema schema_;
  bool auto_register_;
  std::atomic<std::int64_t> cached_id_{-1};  // -1: not fetched yet; read lock-free on the hot path
  std::mutex fetch_mutex_;
};

}  // namespace kavro::serde
