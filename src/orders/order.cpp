// The Order record: schema, generic-value conversions, validation, and a sample generator.
#include "kavro/orders/order.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "order_schema.hpp"

namespace kavro::orders {

std::string_view order_schema_text() {
  return detail::order_avsc;
}

const avro::schema& order_schema() {
  static const avro::schema s = [] {
    auto parsed = avro::schema::parse(order_schema_text());
    if (!parsed) throw std::logic_error("built-in order schema: " + parsed.error().message);
    return *parsed;
  }();
  return s;
}

avro::value to_value(const order& o) {
  return avro::value::record_of({avro::value(o.order_id), avro::value(o.product), avro::value(o.price)});
}

namespace {

const avro::value* field_of(const avro::schema& writer, const avro::value& v, std::string_view name) {
  auto idx = writer.field_index(name);
  if (!idx || !v.is<avro::record_value>() || *idx >= v.fields().size()) return nullptr;
  const avro::value* f = &v.fields()[*idx];
  // A nullable field written as a union: look through to the branch's datum.
  if (const auto* u = f->get_if<avro::union_value>()) f = u->inner.get();
  return f;
}

}  // namespace

result<order> from_value(const avro::schema& writer, const avro::value& v) {
  if (writer.kind() != avro::type::record) {
    return fail(errc::invalid_data,
                std::string("expected an Order record, got ") + avro::to_string(writer.kind()));
  }
  order o;
  const avro::value* id = field_of(writer, v, "order_id");
  if (id == nullptr)
    return fail(errc::invalid_data, "record '" + writer.full_name() + "' has no field 'order_id'");
  if (const auto* i = id->get_if<std::int32_t>()) {
    o.order_id = *i;
  } else if (const auto* l = id->get_if<std::int64_t>(); l &&
                                                         *l >= std::numeric_limits<std::int32_t>::min() &&
                                                         *l <= std::numeric_limits<std::int32_t>::max()) {
    o.order_id = static_cast<std::int32_t>(*l);
  } else {
    return fail(errc::invalid_data, "field 'order_id': expected an int");
  }
  const avro::value* product = field_of(writer, v, "product");
  if (product == nullptr)
    return fail(errc::invalid_data, "record '" + writer.full_name() + "' has no field 'product'");
  if (const auto* s = product->get_if<std::string>()) {
    o.product = *s;
  } else {
    return fail(errc::invalid_data, "field 'product': expected a string");
  }
  const avro::value* price = field_of(writer, v, "price");
  if (price == nullptr)
    return fail(errc::invalid_data, "record '" + writer.full_name() + "' has no field 'price'");
  if (const auto* f = price->get_if<float>()) {
    o.price = *f;
  } else if (const auto* d = price->get_if<double>()) {
    o.price = static_cast<float>(*d);
  } else {
    return fail(errc::invalid_data, "field 'price': expected a float");
  }
  return o;
}

result<void> validate(const order& o) {
  if (o.product.empty())
    return fail(errc::invalid_data, "order " + std::to_string(o.order_id) + ": empty product");
  if (!std::isfinite(o.price) || o.price < 0) {
    return fail(errc::invalid_data,
                "order " + std::to_string(o.order_id) + ": invalid price " + std::to_string(o.price));
  }
  return {};
}

order order_generator::next() {
  static constexpr std::array<const char*, 8> products{"Phone",    "Laptop", "Headphones", "Monitor",
                                                       "Keyboard", "Mouse",  "Tablet",     "Camera"};
  order o;
  o.order_id = next_id_++;
  o.product = products[rng_() % products.size()];
  o.price = static_cast<float>(rng_() % 200000) / 100.0f + 0.99f;  // 0.99 .. 2000.98
  return o;
}

}  // namespace kavro::orders
