// A generic Avro datum: one value of any schema, held in a std::variant so the codec and the JSON
// converter can walk it alongside its schema without virtual dispatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "kavro/avro/schema.hpp"

namespace kavro::avro {

class value;

using bytes = std::vector<std::uint8_t>;
struct null_t {
  bool operator==(const null_t&) const = default;
};

// Field values in the schema's field order.
struct record_value {
  std::vector<value> fields;
  bool operator==(const record_value&) const;
};
struct enum_value {
  std::size_t index = 0;
  bool operator==(const enum_value&) const = default;
};
struct array_value {
  std::vector<value> items;
  bool operator==(const array_value&) const;
};
// Entries in wire order; Avro maps are small and order-preserving here keeps round trips exact.
struct map_value {
  std::vector<std::pair<std::string, value>> entries;
  bool operator==(const map_value&) const;
};
// The branch index selects the union branch; the boxed value is the datum of that branch.
struct union_value {
  std::size_t branch = 0;
  std::unique_ptr<value> inner;

  union_value(std::size_t b, value v);
  union_value(const union_value& o);
  union_value(union_value&&) noexcept = default;
  union_value& operator=(const union_value& o);
  union_value& operator=(union_value&&) noexcept = default;
  ~union_value();
  bool operator==(const union_value&) const;
};
struct fixed_value {
  bytes data;
  bool operator==(const fixed_value&) const = default;
};

class value {
 public:
  using variant = std::variant<null_t, bool, std::int32_t, std::int64_t, float, double, std::string, bytes,
                               record_value, enum_value, array_value, map_value, union_value, fixed_value>;

  value() = default;  // null
  value(null_t) {}
  value(bool b) : v_(b) {}
  value(std::int32_t i) : v_(i) {}
  value(std::int64_t l) : v_(l) {}
  value(float f) : v_(f) {}
  value(double d) : v_(d) {}
  value(std::string s) : v_(std::move(s)) {}
  value(std::string_view s) : v_(std::string(s)) {}
  value(const char* s) : v_(std::string(s)) {}
  value(bytes b) : v_(std::move(b)) {}
  value(record_value r) : v_(std::move(r)) {}
  value(enum_value e) : v_(e) {}
  value(array_value a) : v_(std::move(a)) {}
  value(map_value m) : v_(std::move(m)) {}
  value(union_value u) : v_(std::move(u)) {}
  value(fixed_value f) : v_(std::move(f)) {}

  static value null() { return value(); }
  static value record_of(std::vector<value> fields) { return value(record_value{std::move(fields)}); }
  static value enum_of(std::size_t index) { return value(enum_value{index}); }
  static value array_of(std::vector<value> items) { return value(array_value{std::move(items)}); }
  static value map_of(std::vector<std::pair<std::string, value>> entries) {
    return value(map_value{std::move(entries)});
  }
  static value union_of(std::size_t branch, value v) { return value(union_value(branch, std::move(v))); }
  static value fixed_of(bytes data) { return value(fixed_value{std::move(data)}); }

  template <class T>
  bool is() const noexcept {
    return std::holds_alternative<T>(v_);
  }
  // Throws std::bad_variant_access when the value holds another alternative.
  template <class T>
  const T& as() const {
    return std::get<T>(v_);
  }
  template <class T>
  T& as() {
    return std::get<T>(v_);
  }
  template <class T>
  const T* get_if() const noexcept {
    return std::get_if<T>(&v_);
  }
  bool is_null() const noexcept { return is<null_t>(); }

  // Record fields in schema order; throws std::bad_variant_access on a non-record.
  const std::vector<value>& fields() const { return as<record_value>().fields; }
  // The named field of a record value; throws std::out_of_range for an unknown name.
  const value& field(const schema& s, std::string_view name) const;

  const variant& data() const noexcept { return v_; }
  variant& data() noexcept { return v_; }

  bool operator==(const value& o) const { return v_ == o.v_; }

 private:
  variant v_;
};

}  // namespace kavro::avro
