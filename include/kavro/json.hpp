// Bounded parsing and printing of JSON that comes from outside the program (request bodies, schema
// files, input lines, registry replies): nesting is refused before it is built, so nothing that later
// walks the value recursively can exhaust the stack, and error messages never print a whole value.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace kavro::safe_json {

// The Avro codec bounds a datum's nesting at the same depth, so a JSON datum that parses always fits.
inline constexpr std::size_t default_max_depth = 512;

enum class duplicate_keys {
  refuse,     // an object that names a key twice is an error (kavro's choice for data)
  last_wins,  // the later value replaces the earlier one in place (what Jackson, and so Avro Java's
              // Schema.Parser and Confluent's REST layer, do by default)
};

struct parse_options {
  // Arrays and objects nested deeper than this are refused when the one too many opens.
  std::size_t max_depth = default_max_depth;
  duplicate_keys duplicates = duplicate_keys::refuse;
};

struct parse_error {
  enum class kind { syntax, too_deep, duplicate_key };
  kind what = kind::syntax;
  std::size_t offset = 0;  // bytes from the start of the text to where the problem starts
  std::size_t line = 1;    // 1-based, counting '\n'
  std::size_t column = 1;  // 1-based, in bytes
  std::string detail;      // "duplicate key \"id\"", "nesting deeper than 512 levels", the syntax error

  // "<detail> at offset N", with "(line L, column C)" when the text has more than one line there.
  std::string message() const;
};

template <class Json>
tl::expected<Json, parse_error> parse_as(std::string_view text, const parse_options& options = {});

inline tl::expected<nlohmann::json, parse_error> parse(std::string_view text,
                                                       const parse_options& options = {}) {
  return parse_as<nlohmann::json>(text, options);
}

// Keeps object keys in document order.
inline tl::expected<nlohmann::ordered_json, parse_error> parse_ordered(std::string_view text,
                                                                       const parse_options& options = {}) {
  return parse_as<nlohmann::ordered_json>(text, options);
}

// Compact JSON of j cut to at most max_chars bytes ("..." marks a cut), without recursion and without
// writing more than max_chars + a small margin, whatever the size or depth of j. Invalid UTF-8 in
// strings shows as U+FFFD.
template <class Json>
std::string preview(const Json& j, std::size_t max_chars = 40);

// The first max_chars bytes of text ("..." marks a cut), never splitting a UTF-8 sequence.
std::string excerpt(std::string_view text, std::size_t max_chars);

extern template tl::expected<nlohmann::json, parse_error> parse_as<nlohmann::json>(std::string_view,
                                                                                   const parse_options&);
extern template tl::expected<nlohmann::ordered_json, parse_error> parse_as<nlohmann::ordered_json>(
    std::string_view, const parse_options&);
extern template std::string preview<nlohmann::json>(const nlohmann::json&, std::size_t);
extern template std::string preview<nlohmann::ordered_json>(const nlohmann::ordered_json&, std::size_t);

}  // namespace kavro::safe_json
