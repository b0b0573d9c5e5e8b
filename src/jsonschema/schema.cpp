// JSON Schema parsing with bounds, Confluent's draft choice and canonical forms, and validation of
// instances through valijson (Debian's libvalijson-dev, header-only).
#include "kavro/jsonschema/schema.hpp"

#include <set>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>
#include <vector>

#include "kavro/json.hpp"

namespace kavro::jsonschema {

struct schema::impl {
  draft spec = draft::draft7;
  nlohmann::ordered_json document;
  std::map<std::string, nlohmann::ordered_json> references;
  nlohmann::json plain;  // the document as valijson's adapter reads it
  valijson::Schema compiled;
};

namespace {

constexpr std::string_view urn_prefix = "urn:kavro:reference:";

std::string_view without_fragment(std::string_view s) {
  const auto hash = s.find('#');
  return hash == std::string_view::npos ? s : s.substr(0, hash);
}

// Follows a local JSON pointer ("#/definitions/a"); null when it leads nowhere.
const nlohmann::ordered_json* resolve_local(const nlohmann::ordered_json& root, std::string_view ref) {
  if (ref.empty() || ref[0] != '#') return nullptr;
  std::string_view pointer = ref.substr(1);
  const nlohmann::ordered_json* at = &root;
  while (!pointer.empty()) {
    if (pointer[0] != '/') return nullptr;  // an anchor ("#foo"), not a pointer
    pointer.remove_prefix(1);
    const auto end = pointer.find('/');
    std::string token(pointer.substr(0, end));
    pointer = end == std::string_view::npos ? std::string_view{} : pointer.substr(end);
    std::string decoded;
    for (std::size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
        decoded += token[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        decoded += token[i];
      }
    }
    if (at->is_object()) {
      const auto it = at->find(decoded);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      if (decoded.empty() || decoded.find_first_not_of("0123456789") != std::string::npos ||
          decoded.size() > 9)
        return nullptr;
      const auto index = std::stoul(decoded);
      if (index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return at;
}

// valijson parses `$ref` chains recursively and would loop on a cycle of bare references; refuse
// those (and over-long chains) before it sees the document.
result<void> check_ref_chains(const nlohmann::ordered_json& root, const limits& bounds) {
  std::vector<const nlohmann::ordered_json*> stack{&root};
  while (!stack.empty()) {
    const auto* node = stack.back();
    stack.pop_back();
    if (node->is_array()) {
      for (const auto& v : *node) stack.push_back(&v);
      continue;
    }
    if (!node->is_object()) continue;
    for (const auto& [key, value] : node->items()) stack.push_back(&value);
    const auto ref = node->find("$ref");
    if (ref == node->end() || !ref->is_string()) continue;
    std::set<const nlohmann::ordered_json*> seen{node};
    const nlohmann::ordered_json* at = node;
    for (std::size_t hops = 0;; ++hops) {
      const auto next_ref = at->find("$ref");
      if (next_ref == at->end() || !next_ref->is_string()) break;
      const auto& text = next_ref->get_ref<const std::string&>();
      const auto* target = resolve_local(root, text);
      if (target == nullptr || !target->is_object()) break;
      if (!seen.insert(target).second)
        return fail(errc::invalid_schema,
                    "$ref \"" + safe_json::excerpt(text, 80) + "\" is part of a cycle of references");
      if (hops + 1 > bounds.max_ref_chain)
        return fail(errc::invalid_schema, "$ref chain longer than " + std::to_string(bounds.max_ref_chain) +
                                              " references at \"" + safe_json::excerpt(text, 80) + "\"");
      at = target;
    }
  }
  return {};
}

// valijson follows the `$ref` chain that starts at the top of the document with no cycle check, and
// resolves a relative reference there against the current document (a "degenerate" loop it notes as a
// TODO): walk that chain the way it will and refuse cycles and over-long chains first.
result<void> check_top_chain(const nlohmann::ordered_json& root,
                             const std::map<std::string, nlohmann::ordered_json>& references,
                             const limits& bounds) {
  const nlohmann::ordered_json* doc = &root;
  const nlohmann::ordered_json* at = &root;
  std::set<const nlohmann::ordered_json*> seen{at};
  for (std::size_t hops = 0;; ++hops) {
    const auto r = at->find("$ref");
    if (r == at->end() || !r->is_string()) return {};
    const auto& ref = r->get_ref<const std::string&>();
    const std::string_view doc_part = without_fragment(ref);
    const auto hash = ref.find('#');
    const std::string pointer = hash == std::string::npos ? std::string("#") : ref.substr(hash);
    // The top's relative reference was rewritten to a URN: both kinds leave the document.
    if (!doc_part.empty() && (doc_part.find(':') != std::string_view::npos || at == &root)) {
      std::string_view name = doc_part;
      const nlohmann::ordered_json* next = nullptr;
      for (const auto& [n, d] : references) {
        const std::string_view key = without_fragment(n);
        if (key == name ||
            (name.size() > key.size() && name.ends_with(key) && name[name.size() - key.size() - 1] == '/'))
          next = &d;
      }
      if (next == nullptr) return {};  // valijson reports the reference it cannot fetch
      doc = next;
    }
    const auto* target = resolve_local(*doc, pointer);
    if (target == nullptr) return {};
    if (!seen.insert(target).second)
      return fail(errc::invalid_schema,
                  "$ref \"" + safe_json::excerpt(ref, 80) + "\" is part of a cycle of references");
    if (hops + 1 > bounds.max_ref_chain)
      return fail(errc::invalid_schema, "$ref chain longer than " + std::to_string(bounds.max_ref_chain) +
                                            " references at \"" + safe_json::excerpt(ref, 80) + "\"");
    at = target;
  }
}

valijson::SchemaParser::Version validator_version(draft d) {
  // valijson knows drafts 3, 4 and 7; draft 6 is a subset of 7, and 2019-09/2020-12 keep draft 7's
  // keywords (the new ones are ignored, as documented on schema::validate).
  return d == draft::draft4 ? valijson::SchemaParser::kDraft4 : valijson::SchemaParser::kDraft7;
}

result<nlohmann::ordered_json> parse_document(std::string_view text, std::string_view what,
                                              const limits& bounds) {
  if (text.size() > bounds.max_text_bytes)
    return fail(errc::invalid_schema, std::string(what) + " is " + std::to_string(text.size()) +
                                          " bytes, more than the limit of " +
                                          std::to_string(bounds.max_text_bytes));
  safe_json::parse_options options;
  options.max_depth = bounds.max_depth;
  options.duplicates = safe_json::duplicate_keys::last_wins;  // as Jackson reads Confluent's schemas
  auto doc = safe_json::parse_ordered(text, options);
  if (!doc)
    return fail(errc::invalid_schema, std::string(what) + " is not valid JSON: " + doc.error().message());
  if (!doc->is_object())
    return fail(errc::invalid_schema,
                std::string(what) + " must be a JSON object, got " + safe_json::preview(*doc));
  return std::move(*doc);
}

}  // namespace

const char* to_string(draft d) noexcept {
  switch (d) {
    case draft::draft4:
      return "draft-04";
    case draft::draft6:
      return "draft-06";
    case draft::draft7:
      return "draft-07";
    case draft::draft2019_09:
      return "2019-09";
    case draft::draft2020_12:
      return "2020-12";
  }
  return "draft-07";
}

draft draft_of(std::string_view uri) noexcept {
  uri = without_fragment(uri);
  if (uri.starts_with("https://"))
    uri.remove_prefix(8);
  else if (uri.starts_with("http://"))
    uri.remove_prefix(7);
  if (uri == "json-schema.org/draft-04/schema") return draft::draft4;
  if (uri == "json-schema.org/draft-06/schema") return draft::draft6;
  if (uri == "json-schema.org/draft-07/schema") return draft::draft7;
  if (uri == "json-schema.org/draft/2019-09/schema") return draft::draft2019_09;
  if (uri == "json-schema.org/draft/2020-12/schema") return draft::draft2020_12;
  return draft::draft7;
}

result<schema> schema::parse(std::string_view text, const reference_map& references, const limits& bounds) {
  auto out = std::make_shared<impl>();
  auto doc = parse_document(text, "the schema", bounds);
  if (!doc) return tl::unexpected(doc.error());
  out->document = std::move(*doc);
  if (const auto s = out->document.find("$schema"); s != out->document.end() && s->is_string())
    out->spec = draft_of(s->get_ref<const std::string&>());

  if (references.size() > bounds.max_references)
    return fail(errc::invalid_schema, "the schema names " + std::to_string(references.size()) +
                                          " references, more than the limit of " +
                                          std::to_string(bounds.max_references));
  for (const auto& [name, ref_text] : references) {
    auto ref_doc = parse_document(ref_text, "reference \"" + safe_json::excerpt(name, 80) + "\"", bounds);
    if (!ref_doc) return tl::unexpected(ref_doc.error());
    if (auto chains = check_ref_chains(*ref_doc, bounds); !chains)
      return fail(errc::invalid_schema,
                  "reference \"" + safe_json::excerpt(name, 80) + "\": " + chains.error().message);
    out->references.emplace(name, std::move(*ref_doc));
  }
  if (auto chains = check_ref_chains(out->document, bounds); !chains) return tl::unexpected(chains.error());

  out->plain = out->document;
  // valijson resolves a relative `$ref` at the top of the document against the document itself (and
  // loops on it), so one that names a reference is handed over as an absolute URN the fetcher knows.
  if (const auto root_ref = out->plain.find("$ref"); root_ref != out->plain.end() && root_ref->is_string()) {
    const std::string ref = root_ref->get<std::string>();
    if (!ref.empty() && ref[0] != '#' && ref.find(':') == std::string::npos) {
      const std::string name(without_fragment(ref));
      if (out->references.find(name) == out->references.end())
        return fail(errc::invalid_schema,
                    "$ref \"" + safe_json::excerpt(ref, 80) + "\" names no reference of the schema");
      *root_ref = std::string(urn_prefix) + ref;
    }
  }
  if (auto chain = check_top_chain(out->document, out->references, bounds); !chain)
    return tl::unexpected(chain.error());
  const auto* refs = &out->references;
  // A `$ref` to another document names a reference; valijson hands over the URI resolved against
  // the schema's `$id`, so a name also matches as the URI's last path segment.
  auto fetch = [refs](const std::string& uri) -> const nlohmann::json* {
    std::string_view whole = without_fragment(uri);
    if (whole.starts_with(urn_prefix)) whole.remove_prefix(urn_prefix.size());
    for (const auto& [name, referenced] : *refs) {
      const std::string_view n = without_fragment(name);
      if (n == whole ||
          (whole.size() > n.size() && whole.ends_with(n) && whole[whole.size() - n.size() - 1] == '/'))
        return new nlohmann::json(referenced);
    }
    return nullptr;
  };
  auto free_doc = [](const nlohmann::json* d) { delete d; };
  try {
    valijson::SchemaParser parser(validator_version(out->spec));
    valijson::adapters::NlohmannJsonAdapter adapter(out->plain);
    parser.populateSchema(adapter, out->compiled, fetch, free_doc);
  } catch (const std::exception& e) {
    return fail(errc::invalid_schema,
                std::string("invalid JSON Schema (") + to_string(out->spec) + "): " + e.what());
  }
  return schema(std::move(out));
}

draft schema::spec() const noexcept {
  return impl_->spec;
}
const nlohmann::ordered_json& schema::document() const noexcept {
  return impl_->document;
}
const std::map<std::string, nlohmann::ordered_json>& schema::references() const noexcept {
  return impl_->references;
}

std::string schema::canonical() const {
  return impl_->document.dump();
}

std::string schema::normalized() const {
  return impl_->plain.dump();
}  // std::map keys: sorted

result<void> schema::validate(const nlohmann::json& instance) const {
  valijson::ValidationResults results;
  try {
    // The validator caches compiled regexes and so is not shareable between threads; one per call.
    valijson::Validator validator;
    valijson::adapters::NlohmannJsonAdapter target(instance);
    if (validator.validate(impl_->compiled, target, &results)) return {};
  } catch (const std::exception& e) {
    return fail(errc::invalid_data, std::string("the value could not be validated: ") + e.what());
  }
  valijson::ValidationResults::Error first;
  std::string message = "the value does not conform to the schema";
  // valijson reports the outermost failures last; the first one it reports is the most specific.
  if (results.popError(first)) {
    std::string where;
    for (const auto& c : first.context) where += c;
    message += ": " + where + ": " + first.description;
  }
  return fail(errc::invalid_data, std::move(message));
}

result<void> schema::validate_text(std::string_view json_text) const {
  safe_json::parse_options options;
  options.max_depth = 256;  // valijson recurses once per level of the value
  auto value = safe_json::parse(json_text, options);
  if (!value) return fail(errc::invalid_data, "the value is not valid JSON: " + value.error().message());
  return validate(*value);
}

}  // namespace kavro::jsonschema
