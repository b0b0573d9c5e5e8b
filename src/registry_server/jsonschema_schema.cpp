// JSON in the registry: kavro::jsonschema parses, prints and compares; this file adapts it to the
// registry's stored/normalized schema and its compatibility result.
#include "jsonschema_schema.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "kavro/jsonschema/compatibility.hpp"
#include "kavro/jsonschema/schema.hpp"

namespace kavro::registry_server {
namespace {

// `resolved` for a JSON schema: this prefix, then JSON with the text and every reference's text by name.
constexpr std::string_view marker = "kavro-jsonschema:";
constexpr int max_reference_depth = 32;
// SchemaValidatorBuilder.MAX_SCHEMA_SIZE_FOR_LOGGING: a longer old schema is cut in the message.
constexpr std::size_t max_schema_in_message = 10 * 1024;

api_error invalid(std::string message) {
  return make_error(error_code::invalid_schema, std::move(message));
}

std::string refs_text(const std::vector<schema_reference>& refs) {
  std::string out = "[";
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (i) out += ", ";
    out += "{name='" + refs[i].name + "', subject='" + refs[i].subject +
           "', version=" + std::to_string(refs[i].version) + "}";
  }
  return out + "]";
}

// Every schema the schema reaches through references, transitively and by name, as Confluent's
// resolveReferences hands them to JsonSchema (a referenced schema's own `$ref`s resolve in the same map).
api_result<std::monostate> collect(const stored_schema& schema, const reference_resolver& resolver, int depth,
                                   jsonschema::reference_map& out) {
  if (depth > max_reference_depth) return tl::unexpected(invalid("Schema references are nested too deeply"));
  for (const auto& ref : schema.references) {
    if (out.contains(ref.name)) continue;
    auto target = resolver ? resolver(ref.subject, ref.version) : std::nullopt;
    if (!target) {
      return tl::unexpected(invalid("Invalid schema " + schema.text + " with refs " +
                                    refs_text(schema.references) + " of type JSON"));
    }
    out.emplace(ref.name, target->text);
    auto inner = collect(*target, resolver, depth + 1, out);
    if (!inner) return inner;
  }
  return std::monostate{};
}

std::string pack(const std::string& text, const jsonschema::reference_map& refs) {
  nlohmann::json j{{"text", text}, {"references", nlohmann::json::object()}};
  for (const auto& [name, ref_text] : refs) j["references"][name] = ref_text;
  return std::string(marker) + j.dump();
}

std::optional<jsonschema::schema> parse_resolved(const std::string& resolved) {
  if (!is_json_resolved(resolved)) return std::nullopt;
  // Made by pack() from texts that parsed with bounds, so this parse is bounded too.
  auto j = nlohmann::json::parse(resolved.substr(marker.size()), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  jsonschema::reference_map refs;
  const nlohmann::json listed = j.value("references", nlohmann::json::object());
  for (const auto& [name, text] : listed.items())
    if (text.is_string()) refs.emplace(name, text.get<std::string>());
  auto s = jsonschema::schema::parse(j.value("text", ""), refs);
  if (!s) return std::nullopt;
  return std::move(*s);
}

std::string old_schema_message(const std::string& text) {
  if (text.size() <= max_schema_in_message) return "{oldSchema: '" + text + "'}";
  return "{oldSchema: <truncated to " + std::to_string(max_schema_in_message) + " characters> '" +
         text.substr(0, max_schema_in_message) + "'}";
}

}  // namespace

bool is_json_resolved(const std::string& resolved) {
  return resolved.rfind(marker, 0) == 0;
}

api_result<normalized_schema> normalize_json_schema(stored_schema schema,
                                                    const reference_resolver& resolver) {
  if (schema.text.find_first_not_of(" \t\r\n") == std::string::npos)
    return tl::unexpected(invalid("Empty schema"));
  jsonschema::reference_map refs;
  if (auto collected = collect(schema, resolver, 0, refs); !collected)
    return tl::unexpected(collected.error());
  auto parsed = jsonschema::schema::parse(schema.text, refs);
  if (!parsed) {
    std::string message = "Invalid schema " + schema.text;
    if (!schema.references.empty()) message += " with refs " + refs_text(schema.references) + " of type JSON";
    return tl::unexpected(invalid(message + ", details: " + parsed.error().message));
  }
  // Confluent stores and prints JsonSchema.canonicalString(): compact, in the author's key order.
  schema.text = parsed->canonical();
  // Identity: JsonSchema.normalize() (keys sorted), whether or not the request asked for normalize.
  std::string identity = "JSON|" + nlohmann::json(parsed->document()).dump();
  for (const auto& r : schema.references)
    identity += '|' + r.name + '|' + r.subject + '|' + std::to_string(r.version);
  std::string schema_identity = identity;
  identity += "|metadata:" + schema.metadata.value_or("") + "|ruleSet:" + schema.rule_set.value_or("");
  std::string resolved = pack(schema.text, refs);
  return normalized_schema{std::move(schema), std::move(identity), std::move(resolved),
                           std::move(schema_identity)};
}

compatibility_result check_json_compatibility(compatibility_level level,
                                              const std::string& candidate_resolved,
                                              const std::vector<existing_version>& existing) {
  compatibility_result out;
  if (level == compatibility_level::none || existing.empty()) return out;
  auto candidate = parse_resolved(candidate_resolved);
  if (!candidate) {
    out.compatible = false;
    out.messages.push_back(
        "{errorType:'SCHEMA_PARSE_ERROR', description:'the candidate JSON schema does not parse'}");
    return out;
  }
  const bool transitive = level == compatibility_level::backward_transitive ||
                          level == compatibility_level::forward_transitive ||
                          level == compatibility_level::full_transitive;
  const bool backward =
      level != compatibility_level::forward && level != compatibility_level::forward_transitive;
  const bool forward =
      level != compatibility_level::backward && level != compatibility_level::backward_transitive;
  // JsonSchema.isBackwardCompatible(previous), with SchemaValidatorBuilder's role names filled in;
  // a comparison beyond kavro's bounds is reported rather than guessed.
  const auto can_read = [](const jsonschema::schema& reader, const jsonschema::schema& writer,
                           const char* reader_role, const char* writer_role) {
    auto found = jsonschema::backward_incompatibilities(reader, writer, reader_role, writer_role);
    if (found) return std::move(*found);
    return std::vector<std::string>{"{errorType:'SCHEMA_COMPARISON_LIMIT', description:'" +
                                    found.error().message + "'}"};
  };
  // Newest first, as Confluent's validators walk them; a transitive level stops at the first failure.
  for (auto it = existing.rbegin(); it != existing.rend(); ++it) {
    std::vector<std::string> messages;
    // Another type's version: JsonSchema.isBackwardCompatible answers one message, in each direction.
    const bool other_type = !is_json_resolved(it->resolved);
    auto old = other_type ? std::nullopt : parse_resolved(it->resolved);
    if (!other_type && !old) continue;  // a stored schema this parser rejects cannot be checked against
    const auto check = [&](bool candidate_reads) {
      if (other_type) return std::vector<std::string>{"Incompatible because of different schema type"};
      return candidate_reads ? can_read(*candidate, *old, "new", "old")
                             : can_read(*old, *candidate, "old", "new");
    };
    // SchemaValidatorBuilder.formatErrorMessages: the old version and schema follow the messages of
    // the strategy that appends them (for FULL, the backward half, and only when it found something).
    auto append_old = [&](std::vector<std::string> found) {
      if (found.empty()) return;
      messages.insert(messages.end(), found.begin(), found.end());
      messages.push_back("{oldSchemaVersion: " + std::to_string(it->version.value) + "}");
      messages.push_back(old_schema_message(it->text));
    };
    if (forward && backward) {
      auto f = check(false);
      messages.insert(messages.end(), f.begin(), f.end());
      append_old(check(true));
    } else {
      append_old(check(backward));
    }
    if (!messages.empty()) {
      out.compatible = false;
      out.messages.insert(out.messages.end(), messages.begin(), messages.end());
      break;
    }
    if (!transitive) break;
  }
  if (!out.compatible) {
    out.messages.push_back(std::string("{validateFields: 'false', compatibility: '") + to_string(level) +
                           "'}");
  }
  return out;
}

}  // namespace kavro::registry_server
