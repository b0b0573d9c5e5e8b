// The schema graph's storage: every node of one parsed schema lives in one arena, so recursive
// types can point at their ancestors without reference-count cycles.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kavro/avro/schema.hpp"

namespace kavro::avro::detail {

struct node {
  const arena* owner = nullptr;
  avro::type kind = avro::type::null;
  bool is_error = false;
  std::string full_name;
  std::string name;
  std::string space;
  std::string doc;
  // The JSON this node was defined by. Nodes of objects and arrays keep only their range of the
  // arena's document and make the string when first asked: a string per node, made eagerly, would
  // cost the size of everything below each node, so a deep schema cost depth x its size.
  mutable std::string text;
  std::size_t text_begin = 0;
  std::size_t text_size = 0;
  bool text_in_document = false;
  mutable std::once_flag text_once;
  std::vector<std::string> aliases;
  nlohmann::json attributes = nlohmann::json::object();
  logical_type logical = logical_type::none;
  int precision = 0;
  int scale = 0;
  std::vector<field> fields;
  std::vector<std::string> symbols;
  // Name -> position, so lookups stay constant-time on records and enums of 100k members.
  std::unordered_map<std::string_view, std::size_t> field_positions;
  std::unordered_map<std::string_view, std::size_t> symbol_positions;
  std::optional<std::string> enum_default;
  std::vector<schema> children;  // array items, map values or union branches; never owning
  std::size_t fixed_size = 0;
};

struct arena : std::enable_shared_from_this<arena> {
  std::deque<node> nodes;
  std::string document;  // the whole schema as compact JSON (what the root's text() shows)
};

// What is wrong with j as a datum of s in Avro's default-value form, or "" when it fits.
std::string default_mismatch(const schema& s, const nlohmann::json& j, std::size_t depth);

}  // namespace kavro::avro::detail
