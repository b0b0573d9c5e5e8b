// JSON Schema documents as the registry and the JSON serializers use them: parsed with bounds, the
// draft chosen by `$schema` as Confluent does, references to other subjects resolved by name, and
// instances validated against the schema.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "kavro/result.hpp"

namespace kavro::jsonschema {

enum class draft { draft4, draft6, draft7, draft2019_09, draft2020_12 };

const char* to_string(draft d) noexcept;

// The draft a `$schema` value names; an absent or unknown one is draft 7, Confluent's default
// (JsonSchema.rawSchema falls back to SpecificationVersion.DRAFT_7).
draft draft_of(std::string_view schema_keyword_value) noexcept;

struct limits {
  std::size_t max_text_bytes = 8u << 20;  // a schema text or one reference text
  std::size_t max_depth = 128;            // JSON nesting of a schema document
  std::size_t max_ref_chain = 32;         // `$ref` that lead only to another `$ref`
  std::size_t max_references = 256;       // named references a schema may bring
};

// Reference name (as a `$ref` names it, e.g. "customer.json") -> that subject version's schema text.
using reference_map = std::map<std::string, std::string>;

class schema {
 public:
  // errc::invalid_schema, naming what is wrong and where (offset, JSON pointer or reference name).
  static result<schema> parse(std::string_view text, const reference_map& references = {},
                              const limits& bounds = {});

  draft spec() const noexcept;
  // The document as written, object keys in document order.
  const nlohmann::ordered_json& document() const noexcept;
  // Confluent's JsonSchema.canonicalString(): the document printed compactly in its own key order.
  std::string canonical() const;
  // Confluent's JsonSchema.normalize(): the same with every object's keys sorted.
  std::string normalized() const;
  // The referenced documents, by the name they were given under.
  const std::map<std::string, nlohmann::ordered_json>& references() const noexcept;

  // errc::invalid_data naming the first failing location ("<root> [address]: ...") when the
  // instance does not conform. Keywords of drafts 2019-09 and 2020-12 that the validator does not
  // know (unevaluated*, dependentSchemas, prefixItems, $dynamicRef ...) are not enforced; see
  // docs/jsonschema-support.md.
  result<void> validate(const nlohmann::json& instance) const;
  // Parses `json_text` with kavro::safe_json (bounded) first.
  result<void> validate_text(std::string_view json_text) const;

  struct impl;

 private:
  explicit schema(std::shared_ptr<const impl> p) : impl_(std::move(p)) {}
  std::shared_ptr<const impl> impl_;  // shared: the compiled validator is immutable and large
};

}  // namespace kavro::jsonschema
