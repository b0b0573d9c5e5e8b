// Helpers shared by the avro unit tests: hex byte strings and schema parsing that must succeed.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kavro/avro/schema.hpp"

namespace kavro::avro::test {

inline std::vector<std::uint8_t> hex(const std::string& s) {
  std::vector<std::uint8_t> out;
  std::string digits;
  for (char c : s)
    if (c != ' ') digits += c;
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  return out;
}

inline std::string to_hex(const std::vector<std::uint8_t>& b) {
  static constexpr char d[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i) out += ' ';
    out += d[b[i] >> 4];
    out += d[b[i] & 15];
  }
  return out;
}

inline schema must_parse(const std::string& text) {
  auto s = schema::parse(text);
  if (!s) ADD_FAILURE() << "parse failed: " << s.error().message;
  return s.value();
}

inline const std::string order_schema =
    R"({"type":"record","name":"Order","fields":[{"name":"order_id","type":"int"},)"
    R"({"name":"product","type":"string"},{"name":"price","type":"float"}]})";

}  // namespace kavro::avro::test
