// Schema validation and identity for the registry server. A schema must parse as Avro once every
// reference is inlined; its identity is the resolved schema as key-sorted compact JSON (so key order
// and whitespace do not make a new schema, but a changed default or doc does, as with Confluent),
// followed by its references.
#include "schema_text.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "kavro/avro/schema.hpp"
#include "kavro/json.hpp"

namespace kavro::registry_server {
namespace {

using ordered = nlohmann::ordered_json;
constexpr int max_reference_depth = 32;
// Schema text is parsed with Jackson's rule for repeated keys (the later wins), as Confluent does.
constexpr kavro::safe_json::parse_options schema_json{.max_depth = kavro::safe_json::default_max_depth,
                                                     .duplicates = kavro::safe_json::duplicate_keys::last_wins};

api_error invalid(std::string message) {
  return make_error(error_code::invalid_schema, message);
}

// Replaces the first use of each referenced name, in document order, by its definition; later uses
// stay names, which the Avro parser resolves to that definition.
class inliner {
 public:
  explicit inliner(std::map<std::string, ordered> defs) : defs_(std::move(defs)) {}

  // False when inlining made the document deeper than the JSON limit (the Avro parser would refuse
  // it anyway); checked per level so chains of references cannot make this recurse without bound.
  bool type_position(ordered& node, const std::string& ns, std::size_t depth = 0) {
    if (depth > kavro::safe_json::default_max_depth) return false;
    if (node.is_string()) {
      const std::string name = node.get<std::string>();
      for (const auto& candidate : {name, ns.empty() ? name : ns + "." + name}) {
        auto it = defs_.find(candidate);
        if (it != defs_.end() && done_.insert(candidate).second) {
          node = it->second;
          return type_position(node, ns, depth);  // the definition may use further referenced names
        }
      }
      return true;
    }
    if (node.is_array()) {
      for (auto& branch : node)
        if (!type_position(branch, ns, depth + 1)) return false;
      return true;
    }
    if (!node.is_object()) return true;
    std::string inner_ns = ns;
    if (auto name = node.find("name"); name != node.end() && name->is_string()) {
      const std::string n = name->get<std::string>();
      if (auto dot = n.rfind('.'); dot != std::string::npos) {
        inner_ns = n.substr(0, dot);
      } else if (auto nsp = node.find("namespace"); nsp != node.end() && nsp->is_string()) {
        inner_ns = nsp->get<std::string>();
      }
    }
    if (auto fields = node.find("fields"); fields != node.end() && fields->is_array()) {
      for (auto& f : *fields) {
        if (auto t = f.find("type"); f.is_object() && t != f.end())
          if (!type_position(*t, inner_ns, depth + 3)) return false;
      }
    }
    if (auto items = node.find("items"); items != node.end())
      if (!type_position(*items, inner_ns, depth + 1)) return false;
    if (auto values = node.find("values"); values != node.end())
      if (!type_position(*values, inner_ns, depth + 1)) return false;
    if (auto type = node.find("type"); type != node.end() && (type->is_object() || type->is_array())) {
      return type_position(*type, inner_ns, depth + 1);
    }
    return true;
  }

 private:
  std::map<std::string, ordered> defs_;
  std::set<std::string> done_;
};

api_result<ordered> resolve(const stored_schema& schema, const reference_resolver& resolver, int depth) {
  auto parsed = kavro::safe_json::parse_ordered(schema.text, schema_json);
  if (!parsed) return tl::unexpected(invalid("Invalid schema " + schema.text + ", details: " + parsed.error().message()));
  ordered doc = std::move(*parsed);
  if (schema.references.empty()) return doc;
  if (depth > max_reference_depth) return tl::unexpected(invalid("Schema references are nested too deeply"));
  std::map<std::string, ordered> defs;
  for (const auto& ref : schema.references) {
    auto target = resolver ? resolver(ref.subject, ref.version) : std::nullopt;
    if (!target) {
      std::string message = "Invalid schema ";
      message += schema.text;
      message += " with refs [{name='" + ref.name + "', subject='" + ref.subject +
                 "', version=" + std::to_string(ref.version) + "}] of type AVRO";
      return tl::unexpected(invalid(std::move(message)));
    }
    auto inner = resolve(*target, resolver, depth + 1);
    if (!inner) return inner;
    defs.emplace(ref.name, std::move(*inner));
  }
  if (!inliner(std::move(defs)).type_position(doc, "")) {
    return tl::unexpected(invalid("Invalid schema " + schema.text + ", details: nesting deeper than " +
                                  std::to_string(kavro::safe_json::default_max_depth) +
                                  " levels once its references are inlined"));
  }
  return doc;
}

}  // namespace

api_result<normalized_schema> normalize_schema(stored_schema schema, const reference_resolver& resolver) {
  if (schema.schema_type.empty()) schema.schema_type = "AVRO";
  if (schema.schema_type != "AVRO") {
    return tl::unexpected(invalid("Invalid schema type " + schema.schema_type));
  }
  if (schema.text.empty()) return tl::unexpected(invalid("Empty schema"));
  auto doc = resolve(schema, resolver, 0);
  if (!doc) return tl::unexpected(doc.error());
  const std::string resolved = doc->dump();
  auto parsed = avro::schema::parse(resolved);
  if (!parsed) {
    std::string message = "Invalid schema ";
    message += schema.text;
    message += ", details: ";
    message += parsed.error().message;
    return tl::unexpected(invalid(std::move(message)));
  }
  // Stored compact, the author's key order kept.
  // Both parsed before (the text by resolve(), the resolved document by the Avro parser), so they parse.
  schema.text = kavro::safe_json::parse_ordered(schema.text, schema_json)->dump();
  std::string identity = kavro::safe_json::parse(resolved, schema_json)->dump();
  for (const auto& r : schema.references) {
    identity += '|';
    identity += r.name;
    identity += '|';
    identity += r.subject;
    identity += '|';
    identity += std::to_string(r.version);
  }
  return normalized_schema{std::move(schema), std::move(identity), resolved};
}

}  // namespace kavro::registry_server
