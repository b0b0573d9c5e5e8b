// PROTOBUF in the registry: kavro::protobuf parses, prints and compares; this file adapts it to the
// registry's stored/normalized schema and its compatibility result.
#include "protobuf_schema.hpp"

#include <nlohmann/json.hpp>
#include <variant>

#include "kavro/protobuf/compatibility.hpp"
#include "kavro/protobuf/schema.hpp"

namespace kavro::registry_server {
namespace {

// `resolved` for a Protobuf schema: this prefix, then JSON with the text and the references' texts.
constexpr std::string_view marker = "kavro-protobuf:";
constexpr int max_reference_depth = 32;

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

// Every file the schema imports through references, transitively: a referenced schema's own
// references are imports of that file.
api_result<std::monostate> collect(const stored_schema& schema, const reference_resolver& resolver, int depth,
                                   std::vector<protobuf::reference>& out) {
  if (depth > max_reference_depth) return tl::unexpected(invalid("Schema references are nested too deeply"));
  for (const auto& ref : schema.references) {
    bool seen = false;
    for (const auto& r : out) seen = seen || r.name == ref.name;
    if (seen) continue;
    auto target = resolver ? resolver(ref.subject, ref.version) : std::nullopt;
    if (!target) {
      return tl::unexpected(invalid("Invalid schema " + schema.text + " with refs " +
                                    refs_text(schema.references) + " of type PROTOBUF"));
    }
    out.push_back({ref.name, target->text, ref.subject, ref.version});
    auto inner = collect(*target, resolver, depth + 1, out);
    if (!inner) return inner;
  }
  return std::monostate{};
}

struct unpacked {
  std::string text;
  std::vector<protobuf::reference> references;
};

std::string pack(const std::string& text, const std::vector<protobuf::reference>& refs) {
  nlohmann::json j{{"text", text}, {"references", nlohmann::json::array()}};
  for (const auto& r : refs) {
    j["references"].push_back(
        {{"name", r.name}, {"text", r.text}, {"subject", r.subject}, {"version", r.version}});
  }
  return std::string(marker) + j.dump();
}

std::optional<unpacked> unpack(const std::string& resolved) {
  if (!is_protobuf_resolved(resolved)) return std::nullopt;
  auto j = nlohmann::json::parse(resolved.substr(marker.size()), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  unpacked out;
  out.text = j.value("text", "");
  for (const auto& r : j.value("references", nlohmann::json::array())) {
    out.references.push_back(
        {r.value("name", ""), r.value("text", ""), r.value("subject", ""), r.value("version", -1)});
  }
  return out;
}

std::optional<protobuf::schema> parse_resolved(const std::string& resolved) {
  auto u = unpack(resolved);
  if (!u) return std::nullopt;
  auto s = protobuf::schema::parse(u->text, u->references);
  if (!s) return std::nullopt;
  return std::move(*s);
}

}  // namespace

bool is_protobuf_resolved(const std::string& resolved) {
  return resolved.rfind(marker, 0) == 0;
}

std::optional<std::string> protobuf_serialized(const std::string& resolved) {
  auto s = parse_resolved(resolved);
  if (!s) return std::nullopt;
  return s->serialized();
}

api_result<normalized_schema> normalize_protobuf_schema(stored_schema schema,
                                                        const reference_resolver& resolver) {
  if (schema.text.empty()) return tl::unexpected(invalid("Empty schema"));
  std::vector<protobuf::reference> refs;
  if (auto collected = collect(schema, resolver, 0, refs); !collected)
    return tl::unexpected(collected.error());
  auto parsed = protobuf::schema::parse(schema.text, refs);
  if (!parsed)
    return tl::unexpected(invalid("Invalid schema " + schema.text + ", details: " + parsed.error().message));
  // Confluent stores and compares the canonical string (ProtobufSchema.canonicalString()).
  schema.text = parsed->canonical();
  // Identity: ProtobufSchema.normalize() (fields by number, types fully qualified, options sorted),
  // whether or not the request asked for normalize, so one schema laid out another way keeps its id.
  std::string identity = "PROTOBUF|" + parsed->normalized();
  for (const auto& r : schema.references)
    identity += '|' + r.name + '|' + r.subject + '|' + std::to_string(r.version);
  std::string schema_identity = identity;
  identity += "|metadata:" + schema.metadata.value_or("") + "|ruleSet:" + schema.rule_set.value_or("");
  std::string resolved = pack(schema.text, refs);
  return normalized_schema{std::move(schema), std::move(identity), std::move(resolved),
                           std::move(schema_identity)};
}

compatibility_result check_protobuf_compatibility(compatibility_level level,
                                                  const std::string& candidate_resolved,
                                                  const std::vector<existing_version>& existing) {
  compatibility_result out;
  if (level == compatibility_level::none || existing.empty()) return out;
  auto candidate = parse_resolved(candidate_resolved);
  if (!candidate) {
    out.compatible = false;
    out.messages.push_back(
        "{errorType:'SCHEMA_PARSE_ERROR', description:'the candidate Protobuf schema does not parse'}");
    return out;
  }
  const bool transitive = level == compatibility_level::backward_transitive ||
                          level == compatibility_level::forward_transitive ||
                          level == compatibility_level::full_transitive;
  const bool backward =
      level != compatibility_level::forward && level != compatibility_level::forward_transitive;
  const bool forward =
      level != compatibility_level::backward && level != compatibility_level::backward_transitive;
  // Newest first, as Confluent's validators walk them; a transitive level stops at the first failure.
  for (auto it = existing.rbegin(); it != existing.rend(); ++it) {
    std::vector<std::string> messages;
    if (!is_protobuf_resolved(it->resolved)) {
      messages.push_back("Incompatible because of different schema type");
    } else if (auto old = parse_resolved(it->resolved)) {
      // SchemaValidatorBuilder.formatErrorMessages: the old version and schema follow the messages of
      // the last strategy that ran (for FULL, the backward half, and only when it found something).
      auto append_old = [&](std::vector<std::string> found) {
        if (found.empty()) return;
        messages.insert(messages.end(), found.begin(), found.end());
        messages.push_back("{oldSchemaVersion: " + std::to_string(it->version.value) + "}");
        messages.push_back("{oldSchema: '" + it->text + "'}");
      };
      if (forward && backward) {
        auto f = protobuf::check_can_read(*old, *candidate, "old", "new");
        messages.insert(messages.end(), f.begin(), f.end());
        append_old(protobuf::check_can_read(*candidate, *old, "new", "old"));
      } else if (forward) {
        append_old(protobuf::check_can_read(*old, *candidate, "old", "new"));
      } else {
        append_old(protobuf::check_can_read(*candidate, *old, "new", "old"));
      }
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
