// The seed's Order record, its schema, and conversions to and from Avro's generic values.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "kavro/avro/schema.hpp"
#include "kavro/avro/value.hpp"
#include "kavro/result.hpp"

namespace kavro::orders {

struct order {
  std::int32_t order_id = 0;
  std::string product;
  float price = 0;

  bool operator==(const order&) const = default;
};

// schemas/order.avsc, compiled in.
std::string_view order_schema_text();
const avro::schema& order_schema();

// A record value of order_schema().
avro::value to_value(const order& o);

// Reads an order from a record written with any schema that has the three fields by name with
// compatible types (int or long in range; string; float or double). Errors are errc::invalid_data
// naming the field.
result<order> from_value(const avro::schema& writer, const avro::value& v);

// Business validation: a product name and a finite, non-negative price.
result<void> validate(const order& o);

// Deterministic sample orders for demos and tests.
class order_generator {
 public:
  explicit order_generator(std::uint64_t seed = 42, std::int32_t first_id = 1) : rng_(seed), next_id_(first_id) {}
  order next();

 private:
  std::mt19937_64 rng_;
  std::int32_t next_id_;
};

}  // namespace kavro::orders
