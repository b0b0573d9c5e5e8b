// Schema validation and identity for the registry server. A schema must parse as Avro once every
// reference is inlined; its identity is the resolved schema in the shape of Avro Java's
// Schema.toString() (Confluent's canonical string), as key-sorted compact JSON, followed by its
// references: a changed doc or default makes a new schema, as with Confluent.
#include "schema_text.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "jsonschema_schema.hpp"
#include "kavro/avro/schema.hpp"
#include "kavro/json.hpp"
#include "protobuf_schema.hpp"

namespace kavro::registry_server {
namespace {

using ordered = nlohmann::ordered_json;
constexpr int max_reference_depth = 32;
// Schema text is parsed with Jackson's rule for repeated keys (the later wins), as Confluent does.
constexpr kavro::safe_json::parse_options schema_json{
    .max_depth = kavro::safe_json::default_max_depth,
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
  if (!parsed)
    return tl::unexpected(
        invalid("Invalid schema " + schema.text + ", details: " + parsed.error().message()));
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

// Confluent's identity of an Avro schema is Avro Java's Schema.toString() of the parsed schema. These
// rewrite a schema document (already accepted by the Avro parser, so its depth is bounded) into the
// same shape before it is compared: a named type's "name" is its simple name and "namespace" is
// written only where it differs from the enclosing one (so an inherited, an explicit and a
// dotted-full-name namespace are one schema); a reference to a named type is relative to the
// enclosing namespace; a primitive without properties is its bare name ({"type":"string"} is
// "string"); a field's "order":"ascending" (the default) and an empty namespace at the top are
// dropped; aliases are written relative to their type's namespace. Key order and whitespace do not
// matter either (keys are sorted when the identity is dumped).
bool is_primitive(const std::string& name) {
  static const std::set<std::string> primitives{"null",  "boolean", "int",   "long",
                                                "float", "double",  "bytes", "string"};
  return primitives.contains(name);
}

std::string full_name(const std::string& name, const std::string& ns) {
  if (name.find('.') != std::string::npos || ns.empty()) return name;
  return ns + "." + name;
}

std::string namespace_of(const std::string& full) {
  const auto dot = full.rfind('.');
  return dot == std::string::npos ? std::string() : full.substr(0, dot);
}

// Name.getQualified(space): the simple name when the namespace is `space`, else the full name.
std::string qualified(const std::string& full, const std::string& space) {
  const auto dot = full.rfind('.');
  if (dot == std::string::npos) return full;
  return full.substr(0, dot) == space ? full.substr(dot + 1) : full;
}

nlohmann::json canonical(const nlohmann::json& node, const std::string& ns);

nlohmann::json canonical_named(const nlohmann::json& node, const std::string& ns) {
  nlohmann::json out = node;
  std::string space = ns;
  if (auto nsp = node.find("namespace"); nsp != node.end() && nsp->is_string())
    space = nsp->get<std::string>();
  const std::string full = full_name(node.at("name").get<std::string>(), space);
  const std::string own = namespace_of(full);
  out["name"] = full.substr(own.empty() ? 0 : own.size() + 1);
  out.erase("namespace");
  if (own != ns) out["namespace"] = own;  // Java's writeName: "" when a type leaves a namespace
  if (auto aliases = node.find("aliases"); aliases != node.end() && aliases->is_array()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& a : *aliases) {
      list.push_back(a.is_string() ? nlohmann::json(qualified(full_name(a.get<std::string>(), own), own))
                                   : a);
    }
    out["aliases"] = std::move(list);
  }
  if (auto fields = node.find("fields"); fields != node.end() && fields->is_array()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : *fields) {
      nlohmann::json field = f;
      if (f.is_object()) {
        if (auto t = f.find("type"); t != f.end()) field["type"] = canonical(*t, own);
        if (auto o = f.find("order"); o != f.end() && *o == "ascending") field.erase("order");
      }
      list.push_back(std::move(field));
    }
    out["fields"] = std::move(list);
  }
  return out;
}

nlohmann::json canonical(const nlohmann::json& node, const std::string& ns) {
  if (node.is_string()) {
    const std::string name = node.get<std::string>();
    if (is_primitive(name)) return name;
    return qualified(full_name(name, ns), ns);
  }
  if (node.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& branch : node) out.push_back(canonical(branch, ns));
    return out;
  }
  if (!node.is_object()) return node;
  auto type = node.find("type");
  if (type == node.end()) return node;
  if (type->is_string()) {
    const std::string t = type->get<std::string>();
    if (t == "record" || t == "error" || t == "enum" || t == "fixed") {
      if (node.contains("name") && node["name"].is_string()) return canonical_named(node, ns);
      return node;
    }
    nlohmann::json out = node;
    if (t == "array" && node.contains("items")) out["items"] = canonical(node["items"], ns);
    if (t == "map" && node.contains("values")) out["values"] = canonical(node["values"], ns);
    if (t != "array" && t != "map") {
      if (node.size() == 1) return canonical(*type, ns);  // {"type":"string"} is "string"
    }
    return out;
  }
  // {"type": {...}} or {"type": [...]}: the schema is the inner one.
  if (node.size() == 1) return canonical(*type, ns);
  return node;
}

}  // namespace

api_result<normalized_schema> normalize_schema(stored_schema schema, const reference_resolver& resolver) {
  if (schema.schema_type.empty()) schema.schema_type = "AVRO";
  if (schema.schema_type == "PROTOBUF") return normalize_protobuf_schema(std::move(schema), resolver);
  if (schema.schema_type == "JSON") return normalize_json_schema(std::move(schema), resolver);
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
  // Both parsed before (the text by resolve(), the resolved document by the Avro parser, which bounds
  // its depth), so they parse, and canonical() recurses no deeper than the Avro parser allowed.
  schema.text = kavro::safe_json::parse_ordered(schema.text, schema_json)->dump();
  std::string identity = canonical(*kavro::safe_json::parse(resolved, schema_json), "").dump();
  for (const auto& r : schema.references) {
    identity += '|';
    identity += r.name;
    identity += '|';
    identity += r.subject;
    identity += '|';
    identity += std::to_string(r.version);
  }
  // Confluent's schema hash covers the metadata and the rule set too (Metadata/RuleSet.updateHash).
  std::string schema_identity = identity;
  identity += "|metadata:" + schema.metadata.value_or("") + "|ruleSet:" + schema.rule_set.value_or("");
  return normalized_schema{std::move(schema), std::move(identity), resolved, std::move(schema_identity)};
}

}  // namespace kavro::registry_server
