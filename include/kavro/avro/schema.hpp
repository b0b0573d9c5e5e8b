// Avro schemas: parsing from JSON text into an immutable, cheaply copied graph (recursive types
// included), and the Parsing Canonical Form used to compare schemas and to talk to a schema registry.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
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

// A logical type annotation that is valid for its base type. An invalid or unknown one is kept as a
// plain attribute and the schema behaves as its base type, as the specification requires.
enum class logical_type {
  none,
  decimal,  // bytes or fixed; precision() and scale()
  uuid,     // string or fixed(16)
  date,     // int: days since 1970-01-01
  time_millis,
  time_micros,
  timestamp_millis,
  timestamp_micros,
  timestamp_nanos,
  local_timestamp_millis,
  local_timestamp_micros,
  local_timestamp_nanos,
  duration,  // fixed(12): months, days, milliseconds as little-endian uint32
};

// The Avro spelling ("timestamp-millis", ...); "" for none.
const char* to_string(logical_type t) noexcept;

enum class field_order { ascending, descending, ignore };

namespace detail {
struct node;
struct arena;
}  // namespace detail

struct field;

struct parse_options {
  // Nesting of schema JSON beyond this is rejected, so hostile schemas cannot exhaust the stack.
  std::size_t max_depth = 128;
  // Field defaults are checked against the field's type (the spec's rule); off only to accept
  // schemas that other tools registered without checking.
  bool validate_defaults = true;
};

// A parsed schema. Copies share one immutable graph, so passing schemas by value is cheap and
// thread-safe. There is no empty state: the only way to get one is a successful parse().
// Recursive types (a record referring to itself) are supported: the graph has cycles, but every
// node lives in one arena owned by the schemas handed out, so nothing leaks.
class schema {
 public:
  static result<schema> parse(std::string_view json_text);
  static result<schema> parse(std::string_view json_text, const parse_options& options);

  schema(const schema& o);
  schema(schema&& o) noexcept = default;
  schema& operator=(const schema& o);
  schema& operator=(schema&& o) noexcept = default;
  ~schema() = default;

  type kind() const noexcept;
  // Named types (record, enum, fixed) only; empty for the others.
  const std::string& full_name() const noexcept;
  const std::string& name() const noexcept;                  // the last component of full_name()
  const std::string& name_space() const noexcept;            // full_name() without the name
  const std::vector<std::string>& aliases() const noexcept;  // full names
  const std::string& doc() const noexcept;
  // Attributes the specification does not define (kept for tools), as a JSON object.
  const nlohmann::json& attributes() const noexcept;
  // The JSON this schema was defined by, compact (for the root: the whole document as given).
  const std::string& text() const noexcept;
  std::string canonical_form() const;

  // Logical type annotation (none when absent or invalid), and decimal's precision and scale.
  logical_type logical() const noexcept;
  int precision() const noexcept;
  int scale() const noexcept;

  // Records (empty otherwise).
  const std::vector<field>& fields() const noexcept;
  std::optional<std::size_t> field_index(std::string_view name) const noexcept;
  bool is_error() const noexcept;  // declared with "type":"error"

  // Enums (empty otherwise); the default symbol readers use for unknown symbols.
  const std::vector<std::string>& symbols() const noexcept;
  std::optional<std::size_t> symbol_index(std::string_view symbol) const noexcept;
  const std::optional<std::string>& enum_default() const noexcept;

  // Precondition: kind() == type::array / type::map; throws std::logic_error otherwise.
  const schema& items() const;
  const schema& values() const;

  // Unions (empty otherwise).
  const std::vector<schema>& branches() const noexcept;

  // Fixed (0 otherwise).
  std::size_t fixed_size() const noexcept;

  // Same node (cheap identity, not structural equality; compare canonical_form() for that).
  bool same_as(const schema& other) const noexcept { return node_ == other.node_; }

  // An opaque identity of the node, stable while any copy lives (for caches keyed by node).
  const void* id() const noexcept { return node_; }

 private:
  friend class parser;
  explicit schema(const detail::node* n) noexcept : node_(n) {}  // inside the arena: not owning
  schema(const detail::node* n, std::shared_ptr<const detail::arena> owner) noexcept
      : node_(n), owner_(std::move(owner)) {}
  const detail::node* node_ = nullptr;
  std::shared_ptr<const detail::arena> owner_;  // empty for schemas stored inside the arena
};

struct field {
  std::string name;
  schema type;
  std::optional<nlohmann::json> default_value;
  std::vector<std::string> aliases = {};
  std::string doc = {};
  field_order order = field_order::ascending;
  nlohmann::json attributes = nlohmann::json::object();
};

// Fingerprints of a schema's Parsing Canonical Form, as the specification defines them.
std::uint64_t fingerprint_crc64(std::string_view canonical);  // CRC-64-AVRO (Rabin)
std::array<std::uint8_t, 16> fingerprint_md5(std::string_view canonical);
std::array<std::uint8_t, 32> fingerprint_sha256(std::string_view canonical);

}  // namespace kavro::avro
