// Conversion between Avro values and plain JSON, for the command line and for field defaults.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "kavro/avro/schema.hpp"
#include "kavro/avro/value.hpp"
#include "kavro/result.hpp"

namespace kavro::avro {

// Plain JSON, not Avro's JSON encoding: a record is an object by field name (a missing field takes
// its default, unknown names are an error), a union takes a bare value of any branch or null (the
// tagged form {"string": "x"} is also accepted), bytes and fixed are strings whose code points
// 0-255 are the bytes, an enum is its symbol. Errors are errc::invalid_data naming the field.
result<value> from_json(const schema& s, const nlohmann::json& j);

// The inverse of from_json; parts of v that do not match the schema become null.
nlohmann::json to_json(const schema& s, const value& v);

// Avro's JSON encoding, as the specification defines it (what Java's JsonEncoder and fastavro's
// json_writer produce): a union is null or {"<branch type name>": value}, bytes and fixed are
// strings of code points 0-255, an enum is its symbol; float and double also accept and write
// "NaN", "Infinity" and "-Infinity", which JSON numbers cannot hold.
result<value> from_avro_json(const schema& s, const nlohmann::json& j);
nlohmann::json to_avro_json(const schema& s, const value& v);

// Compact JSON text with record fields in schema order (the json objects above sort their keys).
enum class json_style { plain, avro };
std::string write_json(const schema& s, const value& v, json_style style);

// One line of JSON input as a value of s, in either form: the text is parsed by kavro's bounded parser
// (kavro/json.hpp), which refuses nesting deeper than 512 levels and any object that repeats a key,
// naming the key and its byte offset. What `kavro produce --input`, `avro encode` and `avro container
// write` read. Errors are errc::invalid_data.
result<value> value_from_json_text(const schema& s, std::string_view text, json_style style);

// A field default (Avro's default-value form: a union default is a datum of the first branch).
result<value> value_from_default(const schema& s, const nlohmann::json& j);

}  // namespace kavro::avro
