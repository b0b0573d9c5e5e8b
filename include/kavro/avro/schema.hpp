// Avro schemas: parsing from JSON text into an immutable, cheaply copied tree, and the Parsing
// Canonical Form used to compare schemas and to talk to a schema registry.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kavro/result.hpp"

namespace kavro::avro {

enum class type {
  null,
  boolean,
  int_,
  long_,
  float_,
  double_,
  bytes,
  string,
  record,
  enum_,
  array,
  map,
  union_,
  fixed
};

// The Avro spelling ("int", "record", ...).
const char* to_string(type t) noexcept;

namespace detail {
struct node;
}

struct field;

// A parsed schema. Copies share one immutable node, so passing schemas by value is cheap and
// thread-safe. There is no empty state: the only way to get one is a successful parse().
// Recursive types (a record referring to itself) are rejected by parse() for now.
class schema {
 public:
  static result<schema> parse(std::string_view json_text);

  type kind() const noexcept;
  // Named types (record, enum, fixed) only; empty for the others.
  const std::string& full_name() const noexcept;
  // The JSON this schema was defined by, compact (for the root: the whole document as given).
  const std::string& text() const noexcept;
  std::string canonical_form() const;

  // Records (empty otherwise).
  const std::vector<field>& fields() const noexcept;
  std::optional<std::size_t> field_index(std::string_view name) const noexcept;
  bool is_error() const noexcept;  // declared with "type":"error"

  // Enums (empty otherwise).
  const std::vector<std::string>& symbols() const noexcept;
  std::optional<std::size_t> symbol_index(std::string_view symbol) const noexcept;

  // Precondition: kind() == type::array / type::map; throws std::logic_error otherwise.
  const schema& items() const;
  const schema& values() const;

  // Unions (empty otherwise).
  const std::vector<schema>& branches() const noexcept;

  // Fixed (0 otherwise).
  std::size_t fixed_size() const noexcept;

  // Same node (cheap identity, not structural equality; compare canonical_form() for that).
  bool same_as(const schema& other) const noexcept { return node_ == other.node_; }

 private:
  friend class parser;
  explicit schema(std::shared_ptr<const detail::node> n) : node_(std::move(n)) {}
  std::shared_ptr<const detail::node> node_;
};

struct field {
  std::string name;
  schema type;
  std::optional<nlohmann::json> default_value;
};

}  // namespace kavro::avro
