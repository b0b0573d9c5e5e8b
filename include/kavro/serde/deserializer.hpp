// Turns Confluent-framed Avro messages back into values, fetching writer schemas by id.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <unordered_map>

#include "kavro/avro/schema.hpp"
#include "kavro/avro/value.hpp"
#include "kavro/registry/registry.hpp"
#include "kavro/result.hpp"

namespace kavro::serde {

struct decoded {
  std::int32_t schema_id = 0;
  avro::schema writer_schema;
  avro::value value;
};

// Thread-safe. Parsed writer schemas are cached per id; failures are not cached. Error classes are
// kept so the consumer can choose: invalid_data (bad frame or body: dead-letter), not_found (as the
// registry said), unavailable (registry down: wait and retry), invalid_schema (the registry's text
// does not parse). Messages carry "schema id N: " once the id is known.
class deserializer {
 public:
  explicit deserializer(std::shared_ptr<registry::schema_registry> registry);

  result<decoded> deserialize(std::span<const std::uint8_t> message);
  // As deserialize, into `out`, for a consumer decoding message after message: when the schema id is
  // the one `out` already holds, the cache is not consulted (no lock, no lookup), and the value is
  // decoded in place, keeping its storage. On success `out` holds the message; on error its value is
  // unspecified until the next success.
  result<void> deserialize_into(std::span<const std::uint8_t> message, std::optional<decoded>& out);
  result<avro::schema> schema_for(std::int32_t id);

 private:
  std::shared_ptr<registry::schema_registry> registry_;
  std::shared_mutex mutex_;
  std::unordered_map<std::int32_t, avro::schema> cache_;
};

}  // namespace kavro::serde
