// Request parsing, decisions and response shaping for each endpoint, following Confluent's JSON
// field names and order, status codes and texts. Reads take the state's shared lock; writes are
// serialised, decide under the shared lock, then append records to the store.
#include "handlers.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "compatibility.hpp"
#include "kavro/json.hpp"
#include "kavro/version.hpp"
#include "protobuf_schema.hpp"
#include "schema_text.hpp"

namespace kavro::registry_server {
namespace {

using json = nlohmann::ordered_json;

response ok(const json& body) {
  // Stored text is UTF-8 (paths are decoded with U+FFFD, bodies parsed as JSON), but a schema read from
  // a `_schemas` topic written by another registry is not checked: never let one make a read a 500.
  return {200, body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

template <class T>
response fail_with(const api_result<T>& r) {
  return error_response(r.error());
}

std::optional<std::string> param(const query_params& q, const std::string& name) {
  auto it = q.find(name);
  if (it == q.end()) return std::nullopt;
  return it->second;
}

// Confluent's boolean query parameters: "true" in any case is true, anything else false.
bool flag(const query_params& q, const std::string& name) {
  auto v = param(q, name);
  if (!v) return false;
  std::string lower;
  for (char c : *v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true";
}

api_result<json> parse_json_object(const std::string& body) {
  // Bounded (nesting over 512 is a 400 before it is built); a repeated key: the later wins, as with
  // Jackson's defaults in Confluent's REST layer.
  auto parsed = safe_json::parse_ordered(
      body, safe_json::parse_options{.max_depth = safe_json::default_max_depth,
                                     .duplicates = safe_json::duplicate_keys::last_wins});
  if (!parsed) {
    // Confluent (rest-utils) answers unparsable JSON with 400 and the parser's own message.
    return tl::unexpected(make_error(error_code::bad_request, parsed.error().message()));
  }
  json request = std::move(*parsed);
  if (!request.is_object()) {
    return tl::unexpected(make_error(error_code::unprocessable_entity, "Request body must be a JSON object"));
  }
  return request;
}

api_error wrong_type(const std::string& field, const char* expected) {
  return make_error(error_code::unprocessable_entity, "Field '" + field + "' must be " + expected);
}

// Data contracts in Confluent's serialized form (Metadata, RuleSet, Rule: Jackson, NON_EMPTY): sorted
// tag and property maps, sorted sets, a rule's kind and mode defaulted (TRANSFORM, WRITEREAD) and
// "disabled" always written. A field of the wrong JSON type is refused with 422 naming it; fields
// Confluent does not know are ignored, as its @JsonIgnoreProperties(ignoreUnknown) does.
api_result<json> string_set(const json& v, const std::string& where) {
  if (!v.is_array()) return tl::unexpected(wrong_type(where, "an array of strings"));
  std::set<std::string> sorted;
  for (const auto& e : v) {
    if (!e.is_string()) return tl::unexpected(wrong_type(where, "an array of strings"));
    sorted.insert(e.get<std::string>());
  }
  return json(sorted);
}

api_result<json> string_map(const json& v, const std::string& where) {
  if (!v.is_object()) return tl::unexpected(wrong_type(where, "an object of strings"));
  std::map<std::string, std::string> sorted;
  for (const auto& [k, e] : v.items()) {
    if (!e.is_string()) return tl::unexpected(wrong_type(where, "an object of strings"));
    sorted.emplace(k, e.get<std::string>());
  }
  json out = json::object();
  for (auto& [k, e] : sorted) out[k] = e;
  return out;
}

api_result<json> canonical_metadata(const json& in) {
  if (!in.is_object()) return tl::unexpected(wrong_type("metadata", "an object"));
  json out = json::object();
  if (auto it = in.find("tags"); it != in.end() && !it->is_null()) {
    if (!it->is_object()) return tl::unexpected(wrong_type("metadata.tags", "an object of string arrays"));
    std::map<std::string, json> sorted;
    for (const auto& [path, tags] : it->items()) {
      auto set = string_set(tags, "metadata.tags");
      if (!set) return tl::unexpected(set.error());
      sorted.emplace(path, std::move(*set));
    }
    json tags = json::object();
    for (auto& [path, set] : sorted) tags[path] = std::move(set);
    if (!tags.empty()) out["tags"] = std::move(tags);
  }
  if (auto it = in.find("properties"); it != in.end() && !it->is_null()) {
    auto map = string_map(*it, "metadata.properties");
    if (!map) return tl::unexpected(map.error());
    if (!map->empty()) out["properties"] = std::move(*map);
  }
  if (auto it = in.find("sensitive"); it != in.end() && !it->is_null()) {
    auto set = string_set(*it, "metadata.sensitive");
    if (!set) return tl::unexpected(set.error());
    if (!set->empty()) out["sensitive"] = std::move(*set);
  }
  return out;
}

api_result<json> canonical_rule(const json& in, const std::string& where) {
  if (!in.is_object()) return tl::unexpected(wrong_type(where, "an array of rule objects"));
  static const std::set<std::string> kinds{"TRANSFORM", "CONDITION"};
  static const std::set<std::string> modes{"UPGRADE", "DOWNGRADE", "UPDOWN", "WRITE", "READ", "WRITEREAD"};
  json out = json::object();
  const auto text = [&](const char* name) -> api_result<std::optional<std::string>> {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string()) return tl::unexpected(wrong_type(where + "." + name, "a string"));
    return std::optional<std::string>{it->get<std::string>()};
  };
  for (const char* name : {"name", "doc", "kind", "mode", "type"}) {
    auto v = text(name);
    if (!v) return tl::unexpected(v.error());
    const std::string given = v->value_or("");
    std::string value = given;
    const std::string field = name;
    if (field == "kind" || field == "mode") {
      if (value.empty()) value = field == "kind" ? "TRANSFORM" : "WRITEREAD";
      for (auto& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (!(field == "kind" ? kinds : modes).contains(value)) {
        return tl::unexpected(make_error(error_code::unprocessable_entity,
                                         "Field '" + where + "." + field + "' has no value '" + given + "'"));
      }
    }
    if (!value.empty()) out[field] = value;
  }
  if (auto it = in.find("tags"); it != in.end() && !it->is_null()) {
    auto set = string_set(*it, where + ".tags");
    if (!set) return tl::unexpected(set.error());
    if (!set->empty()) out["tags"] = std::move(*set);
  }
  if (auto it = in.find("params"); it != in.end() && !it->is_null()) {
    auto map = string_map(*it, where + ".params");
    if (!map) return tl::unexpected(map.error());
    if (!map->empty()) out["params"] = std::move(*map);
  }
  for (const char* name : {"expr", "onSuccess", "onFailure"}) {
    auto v = text(name);
    if (!v) return tl::unexpected(v.error());
    if (*v && !(*v)->empty()) out[name] = **v;
  }
  bool disabled = false;
  if (auto it = in.find("disabled"); it != in.end() && !it->is_null()) {
    if (!it->is_boolean()) return tl::unexpected(wrong_type(where + ".disabled", "a boolean"));
    disabled = it->get<bool>();
  }
  out["disabled"] = disabled;
  return out;
}

api_result<json> canonical_rule_set(const json& in) {
  if (!in.is_object()) return tl::unexpected(wrong_type("ruleSet", "an object"));
  // Newer clients can schedule a rule set (enableAt); kavro does not keep that yet.
  if (auto it = in.find("enableAt"); it != in.end() && !it->is_null()) {
    return tl::unexpected(make_error(error_code::unprocessable_entity,
                                     "Field 'ruleSet.enableAt' is not supported by this registry (kavro)"));
  }
  json out = json::object();
  for (const char* list : {"migrationRules", "domainRules", "encodingRules"}) {
    auto it = in.find(list);
    if (it == in.end() || it->is_null()) continue;
    const std::string where = std::string("ruleSet.") + list;
    if (!it->is_array()) return tl::unexpected(wrong_type(where, "an array of rule objects"));
    json rules = json::array();
    for (const auto& r : *it) {
      auto rule = canonical_rule(r, where);
      if (!rule) return tl::unexpected(rule.error());
      rules.push_back(std::move(*rule));
    }
    if (!rules.empty()) out[list] = std::move(rules);
  }
  return out;
}

// The body of a POST that carries a schema: {"schema":"...","schemaType":"AVRO","references":[...],
// "id":N,"version":N} (id and version only mean something in IMPORT mode).
struct schema_request {
  stored_schema schema;
  std::optional<std::int32_t> id;
  std::optional<std::int32_t> version;
};

api_result<schema_request> parse_schema_request(const std::string& body) {
  auto parsed = parse_json_object(body);
  if (!parsed) return tl::unexpected(parsed.error());
  const json& request = *parsed;
  schema_request out;
  out.schema.schema_type.clear();
  if (auto it = request.find("schemaType"); it != request.end() && !it->is_null()) {
    if (!it->is_string()) return tl::unexpected(wrong_type("schemaType", "a string"));
    out.schema.schema_type = it->get<std::string>();
  }
  if (auto it = request.find("references"); it != request.end() && !it->is_null()) {
    if (!it->is_array()) return tl::unexpected(wrong_type("references", "an array"));
    for (const auto& ref : *it) {
      if (!ref.is_object() || !ref.contains("name") || !ref["name"].is_string() || !ref.contains("subject") ||
          !ref["subject"].is_string() || !ref.contains("version") || !ref["version"].is_number_integer()) {
        return tl::unexpected(wrong_type("references", "an array of {name, subject, version}"));
      }
      out.schema.references.push_back({ref["name"].get<std::string>(), ref["subject"].get<std::string>(),
                                       ref["version"].get<std::int32_t>()});
    }
  }
  for (const char* name : {"id", "version"}) {
    if (auto it = request.find(name); it != request.end() && !it->is_null()) {
      if (!it->is_number_integer()) return tl::unexpected(wrong_type(name, "an integer"));
      (std::string_view(name) == "id" ? out.id : out.version) = it->get<std::int32_t>();
    }
  }
  // Schema tags (TagSchemaRequest) edit the schema text's inline tags: not implemented, refused.
  for (const char* name : {"schemaTagsToAdd", "schemaTagsToRemove"}) {
    if (auto it = request.find(name); it != request.end() && !it->is_null() && !it->empty()) {
      return tl::unexpected(
          make_error(error_code::unprocessable_entity,
                     std::string("Field '") + name + "' is not supported by this registry (kavro)"));
    }
  }
  if (auto it = request.find("metadata"); it != request.end() && !it->is_null()) {
    auto m = canonical_metadata(*it);
    if (!m) return tl::unexpected(m.error());
    out.schema.metadata = m->dump();
  }
  if (auto it = request.find("ruleSet"); it != request.end() && !it->is_null()) {
    auto r = canonical_rule_set(*it);
    if (!r) return tl::unexpected(r.error());
    out.schema.rule_set = r->dump();
  }
  auto schema = request.find("schema");
  if (schema != request.end() && !schema->is_null()) {
    if (!schema->is_string()) return tl::unexpected(wrong_type("schema", "a string"));
    out.schema.text = schema->get<std::string>();
  }
  return out;
}

// Confluent's VersionId: "latest" or -1 is the latest version, 1..2^31-1 a version, else 42202.
api_result<std::optional<schema_version>> parse_version(const std::string& text) {
  if (text == "latest") return std::optional<schema_version>{};
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) {
    return tl::unexpected(make_error(error_code::invalid_version, text));
  }
  if (value == -1) return std::optional<schema_version>{};
  if (value < 1 || value > std::numeric_limits<std::int32_t>::max()) {
    return tl::unexpected(make_error(error_code::invalid_version, text));
  }
  return std::optional<schema_version>{schema_version{static_cast<std::int32_t>(value)}};
}

// A path id that is not an integer does not match Confluent's route: Jersey answers 404.
api_result<schema_id> parse_id(const std::string& text) {
  std::int32_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty())
    return tl::unexpected(make_error(error_code::not_found));
  return schema_id{value};
}

// Confluent's paging parameters (offset, limit). Both are Jersey int query parameters, so a value
// that is not an int matches no resource method: 404. A limit that is not positive, or above the
// maximum, takes the default (KafkaSchemaRegistry.normalizeLimit); an offset past the end gives an
// empty page, so a client that pages until it gets an empty page stops. A negative offset is taken
// as 0 (Java's Stream.skip throws on it, which Confluent answers with a 500).
struct page_limits {
  std::size_t default_limit;
  std::size_t max_limit;
};
// GET /schemas: schema.search.default.limit and schema.search.max.limit, both 1000 by default.
constexpr page_limits schema_search_limits{1000, 1000};
// Every other list: kavro does not cap it.
constexpr page_limits no_limit{std::numeric_limits<std::size_t>::max(),
                               std::numeric_limits<std::size_t>::max()};

struct page {
  std::size_t offset = 0;
  std::size_t limit = std::numeric_limits<std::size_t>::max();
};

std::optional<std::int32_t> java_int(std::string_view text) {
  if (text.starts_with('+') && text.size() > 1 && text[1] != '-') text.remove_prefix(1);
  std::int32_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
  return value;
}

api_result<page> parse_page(const query_params& q, page_limits limits) {
  page p;
  p.limit = limits.default_limit;
  if (auto text = param(q, "offset")) {
    auto v = java_int(*text);
    if (!v) return tl::unexpected(make_error(error_code::not_found));
    p.offset = *v > 0 ? static_cast<std::size_t>(*v) : 0;
  }
  if (auto text = param(q, "limit")) {
    auto v = java_int(*text);
    if (!v) return tl::unexpected(make_error(error_code::not_found));
    if (*v > 0 && static_cast<std::size_t>(*v) <= limits.max_limit) p.limit = static_cast<std::size_t>(*v);
  }
  return p;
}

json paged(const json& all, page p) {
  json out = json::array();
  for (std::size_t i = p.offset; i < all.size() && out.size() < p.limit; ++i) out.push_back(all[i]);
  return out;
}

// Confluent's qualified subjects: ":.ctx:name" names `name` in context `ctx`; ":.:name" is the
// default context, the only one kavro serves, so it is the plain name. Other contexts are refused.
api_result<std::string> qualify(const std::string& subject) {
  if (!subject.starts_with(":.")) return subject;
  const auto colon = subject.find(':', 2);
  if (colon == std::string::npos) return subject;
  const std::string context = subject.substr(2, colon - 2);
  if (context.empty() || context == ".") return subject.substr(colon + 1);
  return tl::unexpected(
      make_error(error_code::unprocessable_entity,
                 "Context '." + context + "' of subject '" + subject +
                     "' is not supported by this registry (kavro): only the default context"));
}

api_result<std::optional<std::string>> qualify(const std::optional<std::string>& subject) {
  if (!subject) return std::optional<std::string>{};
  auto q = qualify(*subject);
  if (!q) return tl::unexpected(q.error());
  // ":.:" alone names the default context itself: its scope is the global one.
  if (q->empty()) return std::optional<std::string>{};
  return std::optional<std::string>{*q};
}

// subjectPrefix: ":*:" (Confluent's default) matches every context; ":.:" the default one.
std::string subject_prefix(const query_params& q) {
  std::string prefix = param(q, "subjectPrefix").value_or("");
  if (prefix == ":*:") return "";
  if (prefix.starts_with(":.:")) return prefix.substr(3);
  return prefix;
}

json references_json(const std::vector<schema_reference>& refs) {
  json out = json::array();
  for (const auto& r : refs)
    out.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  return out;
}

json schema_json(const std::string& subject, const version_entry& v, const schema_entry& s) {
  json body;
  body["subject"] = subject;
  body["version"] = v.version.value;
  body["id"] = v.id.value;
  // Confluent leaves schemaType and references out for AVRO and none.
  if (s.schema.schema_type != "AVRO") body["schemaType"] = s.schema.schema_type;
  if (!s.schema.references.empty()) body["references"] = references_json(s.schema.references);
  if (s.schema.metadata) body["metadata"] = json::parse(*s.schema.metadata);
  if (s.schema.rule_set) body["ruleSet"] = json::parse(*s.schema.rule_set);
  body["schema"] = s.schema.text;
  return body;
}

// Query parameters of Confluent's read endpoints that change the answer in ways kavro does not
// implement: refused with 422 naming them rather than ignored. (format=default and unknown formats
// are the canonical text, as Confluent answers them.)
std::optional<api_error> unsupported_query(const query_params& q) {
  const auto refuse = [](const std::string& what) {
    return make_error(error_code::unprocessable_entity,
                      "Query parameter " + what + " is not supported by this registry (kavro)");
  };
  if (auto f = param(q, "format")) {
    std::string lower;
    for (char c : *f) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "resolved") return refuse("'format=resolved'");
    // Served by schema_by_id and get_version for PROTOBUF only (serialized_request); elsewhere refused
    // rather than answered with the schema text, which a client asking for it could not read.
    if (lower == "serialized") return refuse("'format=serialized'");
  }
  if (auto t = param(q, "findTags"); t && !t->empty()) return refuse("'findTags'");
  if (flag(q, "aliases")) return refuse("'aliases=true'");
  if (auto t = param(q, "ruleType"); t && !t->empty()) return refuse("'ruleType'");
  return std::nullopt;
}

// `?format=serialized` (ProtobufSchema.formattedString): a PROTOBUF schema's text becomes its
// FileDescriptorProto in base64, what Confluent's Protobuf deserializers fetch; the other types keep
// refusing it. Returns the query with the format taken out when it asked for that form.
std::optional<query_params> serialized_request(const query_params& q) {
  auto f = param(q, "format");
  if (!f) return std::nullopt;
  std::string lower;
  for (char c : *f) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower != "serialized") return std::nullopt;
  query_params rest = q;
  rest.erase("format");
  return rest;
}

std::optional<api_error> serve_serialized(const schema_entry& s, json& body) {
  auto serialized = s.schema.schema_type == "PROTOBUF" ? protobuf_serialized(s.resolved) : std::nullopt;
  if (!serialized) {
    return make_error(error_code::unprocessable_entity,
                      "Query parameter 'format=serialized' is not supported by this registry (kavro)");
  }
  body["schema"] = std::move(*serialized);
  return std::nullopt;
}

// Stored metadata and rule sets are compact JSON written by a registry, but one read from another
// registry's `_schemas` topic is not checked: parsed with the bounded parser, never with a throw.
std::optional<json> parse_stored(const std::string& text) {
  auto parsed = safe_json::parse_ordered(text, safe_json::parse_options{});
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

// Merges an older and a newer metadata or rule set: either alone is the result, and so is the newer
// one when the older does not parse (the older one when only the newer does not).
template <class Merge>
std::optional<std::string> merge_stored(const std::optional<std::string>& older,
                                        const std::optional<std::string>& newer, Merge merge) {
  if (!older) return newer;
  if (!newer) return older;
  const auto a = parse_stored(*older);
  const auto b = parse_stored(*newer);
  if (!a) return newer;
  if (!b) return older;
  return merge(*a, *b).dump();
}

// Metadata.mergeMetadata: the newer one's properties and tag paths replace the older one's, the
// sensitive sets are joined.
std::optional<std::string> merge_metadata(const std::optional<std::string>& older,
                                          const std::optional<std::string>& newer) {
  return merge_stored(older, newer, [](const json& a, const json& b) {
    json out = json::object();
    for (const char* field : {"tags", "properties"}) {
      std::map<std::string, json> merged;
      for (const json* m : {&a, &b}) {
        if (auto it = m->find(field); it != m->end() && it->is_object()) {
          for (const auto& [k, v] : it->items()) merged[k] = v;
        }
      }
      if (merged.empty()) continue;
      json o = json::object();
      for (auto& [k, v] : merged) o[k] = std::move(v);
      out[field] = std::move(o);
    }
    std::set<std::string> sensitive;
    for (const json* m : {&a, &b}) {
      if (auto it = m->find("sensitive"); it != m->end() && it->is_array()) {
        for (const auto& e : *it) {
          if (e.is_string()) sensitive.insert(e.get<std::string>());
        }
      }
    }
    if (!sensitive.empty()) out["sensitive"] = sensitive;
    return out;
  });
}

// RuleSet.mergeRuleSets: per list, the older rules not named in the newer list, then the newer ones.
std::optional<std::string> merge_rule_sets(const std::optional<std::string>& older,
                                           const std::optional<std::string>& newer) {
  return merge_stored(older, newer, [](const json& a, const json& b) {
    json out = json::object();
    for (const char* list : {"migrationRules", "domainRules", "encodingRules"}) {
      const auto rules = [&](const json& set) {
        auto it = set.find(list);
        return it != set.end() && it->is_array() ? *it : json::array();
      };
      const json old_rules = rules(a);
      const json new_rules = rules(b);
      json merged = json::array();
      if (old_rules.empty()) {
        merged = new_rules;
      } else if (new_rules.empty()) {
        merged = old_rules;
      } else {
        std::set<std::string> names;
        for (const auto& r : new_rules) names.insert(r.value("name", ""));
        for (const auto& r : old_rules) {
          if (!names.contains(r.value("name", ""))) merged.push_back(r);
        }
        for (const auto& r : new_rules) merged.push_back(r);
      }
      if (!merged.empty()) out[list] = std::move(merged);
    }
    return out;
  });
}

// A metadata property's value (compatibilityGroup, confluent:reserved), nullopt when not set.
std::optional<std::string> metadata_property(const std::optional<std::string>& metadata,
                                             const std::string& key) {
  if (!metadata) return std::nullopt;
  const auto parsed = parse_stored(*metadata);
  if (!parsed) return std::nullopt;
  const json& m = *parsed;
  auto p = m.find("properties");
  if (p == m.end() || !p->is_object()) return std::nullopt;
  auto it = p->find(key);
  if (it == p->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// ParsedSchema.getReservedFields: the comma-separated, trimmed names of "confluent:reserved".
std::set<std::string> reserved_fields(const std::optional<std::string>& metadata) {
  std::set<std::string> out;
  const auto value = metadata_property(metadata, "confluent:reserved");
  if (!value) return out;
  std::size_t start = 0;
  while (start <= value->size()) {
    std::size_t end = value->find(',', start);
    if (end == std::string::npos) end = value->size();
    std::string name = value->substr(start, end - start);
    const auto first = name.find_first_not_of(" \t\r\n");
    const auto last = name.find_last_not_of(" \t\r\n");
    if (first != std::string::npos) out.insert(name.substr(first, last - first + 1));
    start = end + 1;
  }
  return out;
}

// AvroSchema.hasTopLevelField: a field of the schema's top-level record.
bool has_top_level_field(const std::string& resolved, const std::string& field) {
  auto parsed = safe_json::parse_ordered(resolved, safe_json::parse_options{});
  if (!parsed || !parsed->is_object() || parsed->value("type", json()) != json("record")) return false;
  auto fields = parsed->find("fields");
  if (fields == parsed->end() || !fields->is_array()) return false;
  return std::any_of(fields->begin(), fields->end(),
                     [&](const json& f) { return f.is_object() && f.value("name", json()) == json(field); });
}

// KafkaSchemaRegistry.validateReservedFields (with validateFields): a reserved field of the previous
// version may not be dropped from the metadata, and no top-level field may use a reserved name.
std::vector<std::string> reserved_field_errors(const std::optional<std::string>& candidate_metadata,
                                               const std::string& candidate_resolved,
                                               const std::optional<std::string>* previous_metadata) {
  std::vector<std::string> out;
  const auto reserved = reserved_fields(candidate_metadata);
  if (previous_metadata) {
    for (const auto& field : reserved_fields(*previous_metadata)) {
      if (!reserved.contains(field)) {
        out.push_back("The new schema has reserved field " + field +
                      " removed from its metadata which is present in the old schema's metadata.");
      }
    }
  }
  for (const auto& field : reserved) {
    if (has_top_level_field(candidate_resolved, field)) {
      out.push_back("The new schema has field that conflicts with the reserved field " + field + ".");
    }
  }
  return out;
}

// KafkaSchemaRegistry.maybeSetMetadataRuleSet: the request's metadata and rule set (else the
// previous version's) between the config's defaults and its overrides.
void set_metadata_rule_set(const config_settings& config, stored_schema& schema,
                           const stored_schema* previous) {
  const auto specific_metadata = schema.metadata ? schema.metadata
                                 : previous      ? previous->metadata
                                                 : std::nullopt;
  const auto specific_rules = schema.rule_set ? schema.rule_set
                              : previous      ? previous->rule_set
                                              : std::nullopt;
  schema.metadata =
      merge_metadata(merge_metadata(config.default_metadata, specific_metadata), config.override_metadata);
  schema.rule_set =
      merge_rule_sets(merge_rule_sets(config.default_rule_set, specific_rules), config.override_rule_set);
}

api_error read_only_error(const std::string& subject) {
  return make_error(error_code::operation_not_permitted, "Subject " + subject + " is in read-only mode");
}

bool has_live_version(const std::vector<version_entry>& versions) {
  return std::any_of(versions.begin(), versions.end(), [](const version_entry& e) { return !e.deleted; });
}

// Ids of live schemas that reference subject/version.
std::vector<std::int32_t> referencing_ids(const state& st, const std::string& subject,
                                          schema_version version) {
  std::set<std::int32_t> ids;
  for (const auto& [name, versions] : st.subjects()) {
    for (const auto& v : versions) {
      if (v.deleted) continue;
      const auto* s = st.schema(v.id);
      if (!s) continue;
      for (const auto& r : s->schema.references) {
        if (r.subject == subject && r.version == version.value) ids.insert(v.id.value);
      }
    }
  }
  return {ids.begin(), ids.end()};
}

api_error reference_exists(const std::string& subject, schema_version version) {
  return make_error(error_code::reference_exists,
                    "One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=" + subject +
                        ",version=" + std::to_string(version.value) + "}.");
}

reference_resolver resolver_for(const state& st) {
  return [&st](const std::string& subject, std::int32_t version) { return st.reference(subject, version); };
}

std::vector<existing_version> live_versions(const state& st, const std::string& subject) {
  std::vector<existing_version> out;
  if (const auto* versions = st.versions(subject)) {
    for (const auto& v : *versions) {
      if (v.deleted) continue;
      if (const auto* s = st.schema(v.id)) out.push_back({v.version, s->schema.text, s->resolved});
    }
  }
  return out;
}

// The stored schema of one of the subject's versions (live ones are always bound).
const stored_schema* stored_version(const state& st, const std::string& subject, schema_version version) {
  const auto* v = st.find(subject, version);
  const auto* s = v ? st.schema(v->id) : nullptr;
  return s ? &s->schema : nullptr;
}

// KafkaSchemaRegistry.isCompatibleWithPrevious: with validateFields, the reserved-field errors
// (against the last of `against`) come first; with a compatibilityGroup, only versions whose
// metadata has the candidate's value of that property (possibly none) are checked; any error ends
// with the settings line.
compatibility_result check_in_scope(const state& st, const std::string& subject,
                                    const config_settings& config, const stored_schema& candidate,
                                    const std::string& candidate_resolved,
                                    std::vector<existing_version> against,
                                    const compatibility_settings& compat,
                                    const compatibility_result* precomputed = nullptr) {
  std::vector<std::string> errors;
  const bool validate_fields = config.validate_fields.value_or(false);
  if (validate_fields) {
    const stored_schema* previous =
        against.empty() ? nullptr : stored_version(st, subject, against.back().version);
    errors = reserved_field_errors(candidate.metadata, candidate_resolved,
                                   previous ? &previous->metadata : nullptr);
  }
  if (config.compatibility_group) {
    const auto value = metadata_property(candidate.metadata, *config.compatibility_group);
    std::erase_if(against, [&](const existing_version& e) {
      const stored_schema* s = stored_version(st, subject, e.version);
      return !s || metadata_property(s->metadata, *config.compatibility_group) != value;
    });
  }
  compatibility_result result =
      precomputed ? *precomputed
                  : registry_server::check_compatibility(*config.level, candidate_resolved, against, compat);
  // check_compatibility closes its messages with the settings line; it is written once, last.
  if (!result.compatible && !result.messages.empty()) result.messages.pop_back();
  errors.insert(errors.end(), result.messages.begin(), result.messages.end());
  compatibility_result out{errors.empty(), std::move(errors)};
  if (!out.compatible) {
    out.messages.push_back(std::string("{validateFields: '") + (validate_fields ? "true" : "false") +
                           "', compatibility: '" + to_string(*config.level) + "'}");
  }
  return out;
}

std::string incompatible_message(const std::string& subject, const std::vector<std::string>& details) {
  std::string message = "Schema being registered is incompatible with an earlier schema for subject \"";
  message += subject;
  message += "\", details: [";
  for (std::size_t i = 0; i < details.size(); ++i) {
    if (i) message += ", ";
    message += details[i];
  }
  message += ']';
  return message;
}

}  // namespace

response error_response(const api_error& e) {
  return {e.http_status(), e.to_json()};
}

response handlers::write(const std::function<write_plan(const state&)>& decide) {
  std::lock_guard serial(write_mutex_);
  if (auto synced = log_.sync(); !synced) return fail_with(synced);
  write_plan plan = [&] {
    std::shared_lock lock(state_.mutex);
    return decide(state_.data);
  }();
  if (plan.records.empty()) return std::move(plan.reply);
  if (auto appended = log_.append(plan.records); !appended) return fail_with(appended);
  return std::move(plan.reply);
}

response handlers::root() const {
  return ok(json::object());
}

response handlers::root_post(const std::string& body) const {
  if (body.empty()) return ok(json::object());
  auto request = parse_json_object(body);
  if (!request) return fail_with(request);
  return ok(json::object());
}

response handlers::schema_types() const {
  // Confluent lists its providers map's keys: Java HashMap order of the three names.
  return ok(json::array({"JSON", "PROTOBUF", "AVRO"}));
}

response handlers::list_schemas(const query_params& q) const {
  if (auto refused = unsupported_query(q)) return error_response(*refused);
  const std::string prefix = subject_prefix(q);
  const bool deleted = flag(q, "deleted");
  const bool latest_only = flag(q, "latestOnly");
  auto page = parse_page(q, schema_search_limits);
  if (!page) return fail_with(page);
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  json out = json::array();
  for (const auto& [subject, versions] : st.subjects()) {
    if (!subject.starts_with(prefix)) continue;
    std::vector<const version_entry*> chosen;
    for (const auto& v : versions) {
      if (v.deleted && !deleted) continue;
      chosen.push_back(&v);
    }
    if (latest_only && chosen.size() > 1) chosen.erase(chosen.begin(), chosen.end() - 1);
    for (const auto* v : chosen) {
      if (const auto* s = st.schema(v->id)) out.push_back(schema_json(subject, *v, *s));
    }
  }
  return ok(paged(out, *page));
}

response handlers::schema_by_id(const std::string& id_text, const query_params& q_in) const {
  const auto serialized = serialized_request(q_in);
  const query_params& q = serialized ? *serialized : q_in;
  if (auto refused = unsupported_query(q)) return error_response(*refused);
  auto id = parse_id(id_text);
  if (!id) return fail_with(id);
  std::shared_lock lock(state_.mutex);
  const auto* s = state_.data.schema(*id);
  if (!s) return error_response(make_error(error_code::schema_not_found, std::to_string(id->value)));
  json body;
  if (s->schema.schema_type != "AVRO") body["schemaType"] = s->schema.schema_type;
  body["schema"] = s->schema.text;
  if (!s->schema.references.empty()) body["references"] = references_json(s->schema.references);
  if (s->schema.metadata) body["metadata"] = json::parse(*s->schema.metadata);
  if (s->schema.rule_set) body["ruleSet"] = json::parse(*s->schema.rule_set);
  // SchemaString's last property: the highest id assigned (idGenerator.getMaxId).
  if (flag(q, "fetchMaxId")) body["maxId"] = state_.data.max_id();
  if (serialized)
    if (auto refused = serve_serialized(*s, body)) return error_response(*refused);
  return ok(body);
}

response handlers::raw_schema_by_id(const std::string& id_text, const query_params& q) const {
  if (auto refused = unsupported_query(q)) return error_response(*refused);
  auto id = parse_id(id_text);
  if (!id) return fail_with(id);
  std::shared_lock lock(state_.mutex);
  const auto* s = state_.data.schema(*id);
  if (!s) return error_response(make_error(error_code::schema_not_found, std::to_string(id->value)));
  return {200, s->schema.text};
}

response handlers::subjects_by_id(const std::string& id_text, const query_params& q) const {
  auto id = parse_id(id_text);
  if (!id) return fail_with(id);
  const bool deleted = flag(q, "deleted");
  auto page = parse_page(q, no_limit);
  if (!page) return fail_with(page);
  std::shared_lock lock(state_.mutex);
  json out = json::array();
  for (const auto& [subject, versions] : state_.data.subjects()) {
    if (std::any_of(versions.begin(), versions.end(),
                    [&](const version_entry& v) { return v.id == *id && (deleted || !v.deleted); })) {
      out.push_back(subject);
    }
  }
  // SchemasResource: an id bound to no schema is 40403 without the id; a schema whose versions are
  // all soft-deleted lists nothing.
  if (!state_.data.schema(*id)) return error_response(make_error(error_code::schema_not_found));
  return ok(paged(out, *page));
}

response handlers::versions_by_id(const std::string& id_text, const query_params& q) const {
  auto id = parse_id(id_text);
  if (!id) return fail_with(id);
  const bool deleted = flag(q, "deleted");
  auto page = parse_page(q, no_limit);
  if (!page) return fail_with(page);
  std::shared_lock lock(state_.mutex);
  json out = json::array();
  for (const auto& [subject, versions] : state_.data.subjects()) {
    for (const auto& v : versions) {
      if (v.id == *id && (deleted || !v.deleted))
        out.push_back({{"subject", subject}, {"version", v.version.value}});
    }
  }
  // SchemasResource: an id bound to no schema is 40403 without the id; a schema whose versions are
  // all soft-deleted lists nothing.
  if (!state_.data.schema(*id)) return error_response(make_error(error_code::schema_not_found));
  return ok(paged(out, *page));
}

response handlers::list_subjects(const query_params& q) const {
  const std::string prefix = subject_prefix(q);
  const bool deleted = flag(q, "deleted");
  const bool deleted_only = flag(q, "deletedOnly");
  auto page = parse_page(q, no_limit);
  if (!page) return fail_with(page);
  std::shared_lock lock(state_.mutex);
  json out = json::array();
  for (const auto& [subject, versions] : state_.data.subjects()) {
    if (!subject.starts_with(prefix)) continue;
    const bool live = has_live_version(versions);
    if (deleted_only ? !live : (live || deleted)) out.push_back(subject);
  }
  return ok(paged(out, *page));
}

response handlers::lookup_schema(const std::string& subject_in, const std::string& body,
                                 const query_params& q) const {
  if (auto refused = unsupported_query(q)) return error_response(*refused);
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  auto request = parse_schema_request(body);
  if (!request) return fail_with(request);
  const bool deleted = flag(q, "deleted");
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  const std::string subject = resolve_alias(st, *qualified);
  const auto* versions = st.versions(subject);
  if (!versions || (!deleted && !has_live_version(*versions))) {
    return error_response(make_error(error_code::subject_not_found, subject));
  }
  // Confluent finds no match for an empty schema under an existing subject: 40403, not 42201.
  if (request->schema.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return error_response(make_error(error_code::schema_not_found));
  }
  auto schema = normalize_schema(request->schema, resolver_for(st));
  if (!schema) return fail_with(schema);
  // The schema and its references must match; metadata and a rule set only when the lookup names them.
  const bool with_contract = request->schema.metadata || request->schema.rule_set;
  const auto find = [&](const normalized_schema& wanted) -> const version_entry* {
    for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
      if (it->deleted && !deleted) continue;
      const auto* s = st.schema(it->id);
      if (!s) continue;
      if (with_contract ? s->identity == wanted.identity : s->schema_identity == wanted.schema_identity)
        return &*it;
    }
    return nullptr;
  };
  const version_entry* found = find(*schema);
  // KafkaSchemaRegistry.lookUpSchemaUnderSubject: not found as sent, the request is completed as a
  // registration would complete it (the latest version's contract between the config's defaults
  // and overrides) and looked up once more.
  if (!found && with_contract) {
    if (const auto* latest = st.latest(subject); latest && st.schema(latest->id)) {
      stored_schema completed = request->schema;
      set_metadata_rule_set(effective_config(st, subject, default_level_), completed,
                            &st.schema(latest->id)->schema);
      if (completed.metadata != request->schema.metadata || completed.rule_set != request->schema.rule_set) {
        if (auto again = normalize_schema(completed, resolver_for(st))) found = find(*again);
      }
    }
  }
  if (found) return ok(schema_json(subject, *found, *st.schema(found->id)));
  return error_response(make_error(error_code::schema_not_found));
}

response handlers::delete_subject(const std::string& subject_in, const query_params& q) {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  const bool permanent = flag(q, "permanent");
  return write([&](const state& st) -> write_plan {
    std::vector<record> records;
    json out = json::array();
    const std::string subject = resolve_alias(st, *qualified);
    if (read_only(effective_mode(st, subject))) return error_response(read_only_error(subject));
    const auto* versions = st.versions(subject);
    if (!versions) return error_response(make_error(error_code::subject_not_found, subject));
    const bool live = has_live_version(*versions);
    if (!permanent && !live) return error_response(make_error(error_code::subject_soft_deleted, subject));
    if (permanent && live) return error_response(make_error(error_code::subject_not_soft_deleted, subject));
    for (const auto& v : *versions) {
      if (!permanent && v.deleted) continue;
      if (!referencing_ids(st, subject, v.version).empty()) {
        return error_response(reference_exists(subject, v.version));
      }
      out.push_back(v.version.value);
      if (permanent) records.push_back(schema_tombstone{subject, v.version});
    }
    if (!permanent) {
      records.push_back(delete_subject_record{subject, st.latest(subject)->version});
    } else {
      // As Confluent does since its soft delete stopped removing them: the subject's own mode and
      // compatibility level go with its permanent delete (tombstones), so a subject registered again
      // under the same name starts from the global settings.
      if (st.subject_modes.contains(subject)) records.push_back(mode_record{subject, std::nullopt});
      if (st.subject_configs.contains(subject)) records.push_back(config_record{subject, {}});
    }
    return {std::move(records), ok(out)};
  });
}

response handlers::latest_with_metadata(const std::string& subject_in, const query_params& q) const {
  if (auto refused = unsupported_query(q)) return error_response(*refused);
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  const bool deleted = flag(q, "deleted");
  // Pairs of repeated key and value parameters, in order; an unpaired key or value is dropped.
  std::vector<std::string> keys;
  std::vector<std::string> values;
  for (const auto& [name, value] : q) {
    if (name == "key") keys.push_back(value);
    if (name == "value") values.push_back(value);
  }
  std::map<std::string, std::string> wanted;
  for (std::size_t i = 0; i < std::min(keys.size(), values.size()); ++i) wanted[keys[i]] = values[i];
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  const std::string subject = resolve_alias(st, *qualified);
  const auto* versions = st.versions(subject);
  if (!versions || (!deleted && !has_live_version(*versions))) {
    return error_response(make_error(error_code::subject_not_found, subject));
  }
  for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
    if (it->deleted && !deleted) continue;
    const auto* s = st.schema(it->id);
    if (!s || !s->schema.metadata) continue;
    const bool matches = std::all_of(wanted.begin(), wanted.end(), [&](const auto& kv) {
      return metadata_property(s->schema.metadata, kv.first) == kv.second;
    });
    if (matches) return ok(schema_json(subject, *it, *s));
  }
  return error_response(make_error(error_code::schema_not_found));
}

response handlers::list_versions(const std::string& subject_in, const query_params& q) const {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  const bool deleted = flag(q, "deleted");
  const bool deleted_only = flag(q, "deletedOnly");
  auto page = parse_page(q, no_limit);
  if (!page) return fail_with(page);
  std::shared_lock lock(state_.mutex);
  const std::string subject = resolve_alias(state_.data, *qualified);
  const auto* versions = state_.data.versions(subject);
  // As Confluent's listVersions: the subject must exist (with a live version unless deleted or
  // deletedOnly asks for soft-deleted ones); the filtered list may then be empty.
  if (!versions || (!deleted && !deleted_only && !has_live_version(*versions))) {
    return error_response(make_error(error_code::subject_not_found, subject));
  }
  json out = json::array();
  for (const auto& v : *versions) {
    if (deleted_only ? v.deleted : (deleted || !v.deleted)) out.push_back(v.version.value);
  }
  return ok(paged(out, *page));
}

namespace {

// KafkaSchemaRegistry.maybePopulateFromPrevious: outside IMPORT, a registration without a schema
// takes the latest live version's (a metadata-only update); its metadata and rule set are the
// request's (else the latest version's) merged between the config's defaults and overrides; a
// "confluent:version" property is set to the version being written.
void populate_from_previous(const state& st, const std::string& subject, const config_settings& config,
                            schema_version next, stored_schema& schema) {
  const auto* latest = st.latest(subject);
  const auto* previous = latest ? st.schema(latest->id) : nullptr;
  if (previous && schema.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    schema.text = previous->schema.text;
    schema.schema_type = previous->schema.schema_type;
    schema.references = previous->schema.references;
  }
  set_metadata_rule_set(config, schema, previous ? &previous->schema : nullptr);
  if (auto parsed = schema.metadata ? parse_stored(*schema.metadata) : std::nullopt) {
    json& m = *parsed;
    if (auto p = m.find("properties"); p != m.end() && p->contains("confluent:version")) {
      (*p)["confluent:version"] = std::to_string(next.value);
      schema.metadata = m.dump();
    }
  }
}

}  // namespace

response handlers::register_schema(const std::string& subject_in, const std::string& body,
                                   const query_params&) {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  auto request = parse_schema_request(body);
  if (!request) return fail_with(request);
  // The compatibility check is the costly part of a registration: its inputs are copied here and it
  // runs before the write lock, so other writes and the store's reader do not wait for it; under the
  // lock its result is reused when the inputs are still the same (the usual case).
  struct checked {
    std::string subject;
    compatibility_level level;
    std::string candidate;
    std::vector<existing_version> against;
    compatibility_result result;
  };
  std::optional<checked> pre;
  // A producer re-registering a schema the subject already holds (every client cache miss) is
  // answered from the state, without the write lock or a round trip to the log: the id of a live
  // version never changes. Not when anything would be merged into the schema's contract (the
  // previous version's, the config's defaults and overrides: registerOrForward's fast path skips
  // these too) or when the config asks for more than the level's check.
  if (!request->id && !request->version && !request->schema.metadata && !request->schema.rule_set) {
    std::shared_lock lock(state_.mutex);
    const state& st = state_.data;
    const std::string subject = resolve_alias(st, *qualified);
    const config_settings config = effective_config(st, subject, default_level_);
    const auto* latest = st.latest(subject);
    const auto* latest_schema = latest ? st.schema(latest->id) : nullptr;
    const bool inherits = latest_schema && (latest_schema->schema.metadata || latest_schema->schema.rule_set);
    const bool plain = !config.has_defaults_or_overrides() && !config.validate_fields.value_or(false) &&
                       !config.compatibility_group;
    if (!inherits && plain && !read_only(effective_mode(st, subject))) {
      if (auto schema = normalize_schema(request->schema, resolver_for(st))) {
        if (const auto id = st.id_of(schema->identity); id && st.versions(subject)) {
          for (const auto& v : *st.versions(subject)) {
            if (!v.deleted && v.id == *id) return ok(json{{"id", id->value}});
          }
        }
        pre = checked{subject, *config.level, std::move(schema->resolved), live_versions(st, subject), {}};
      }
    }
  }
  if (pre) {
    // Under no lock: the inputs are copies.
    pre->result = registry_server::check_compatibility(pre->level, pre->candidate, pre->against, compat_);
  }
  return write([&](const state& st) -> write_plan {
    const std::string subject = resolve_alias(st, *qualified);
    const registry_mode mode = effective_mode(st, subject);
    if (read_only(mode)) return error_response(read_only_error(subject));
    const config_settings config = effective_config(st, subject, default_level_);
    const auto* latest_any = st.latest(subject, true);
    const schema_version next_version{latest_any ? latest_any->version.value + 1 : 1};
    if (mode != registry_mode::import)
      populate_from_previous(st, subject, config, next_version, request->schema);
    auto schema = normalize_schema(request->schema, resolver_for(st));
    if (!schema) return fail_with(schema);
    const auto existing_id = st.id_of(schema->identity);
    // The same schema already live under the subject: its id, no new version.
    if (existing_id && (!request->id || *request->id == existing_id->value)) {
      if (const auto* versions = st.versions(subject)) {
        for (const auto& v : *versions) {
          if (!v.deleted && v.id == *existing_id) return ok(json{{"id", existing_id->value}});
        }
      }
    }
    schema_version version = next_version;
    schema_id id = existing_id.value_or(schema_id{st.max_id() + 1});
    // KafkaSchemaRegistry.checkRegisterMode: an id needs IMPORT mode, no id needs READWRITE.
    if (mode == registry_mode::import && !request->id) {
      return error_response(make_error(error_code::operation_not_permitted,
                                       "Subject " + subject + " is not in read-write mode"));
    }
    if (mode == registry_mode::import) {
      // checkIfSchemaWithIdExist: an id bound to another schema is refused; a version that exists is
      // overwritten (the import replays another registry's log, last write wins).
      const auto* clash = st.schema(schema_id{*request->id});
      if (clash && clash->identity != schema->identity) {
        return error_response(make_error(
            error_code::operation_not_permitted,
            "Overwrite new schema with id " + std::to_string(*request->id) + " is not permitted."));
      }
      id = schema_id{*request->id};
      if (request->version) version = schema_version{*request->version};
    } else {
      if (request->id && (!existing_id || existing_id->value != *request->id)) {
        return error_response(
            make_error(error_code::operation_not_permitted, "Subject " + subject + " is not in import mode"));
      }
      auto against = live_versions(st, subject);
      const bool reuse = pre && !config.compatibility_group && pre->subject == subject &&
                         pre->level == *config.level && pre->candidate == schema->resolved &&
                         pre->against == against;
      auto compat = check_in_scope(st, subject, config, schema->schema, schema->resolved, std::move(against),
                                   compat_, reuse ? &pre->result : nullptr);
      if (!compat.compatible) {
        return error_response(
            make_error(error_code::incompatible_schema, incompatible_message(subject, compat.messages)));
      }
    }
    return {{schema_record{subject, version, id, schema->schema, false}}, ok(json{{"id", id.value}})};
  });
}

namespace {

// The version a path names, honouring ?deleted=true; the errors Confluent gives otherwise.
api_result<const version_entry*> find_version(const state& st, const std::string& subject,
                                              const std::string& text, bool deleted) {
  auto version = parse_version(text);
  if (!version) return tl::unexpected(version.error());
  const auto* versions = st.versions(subject);
  if (!versions || (!deleted && !has_live_version(*versions))) {
    return tl::unexpected(make_error(error_code::subject_not_found, subject));
  }
  if (!*version) return st.latest(subject, deleted);
  const auto* v = st.find(subject, **version);
  if (!v || (v->deleted && !deleted)) {
    return tl::unexpected(make_error(error_code::version_not_found, std::to_string((*version)->value)));
  }
  return v;
}

}  // namespace

response handlers::get_version(const std::string& subject_in, const std::string& version,
                               const query_params& q_in) const {
  const auto serialized = serialized_request(q_in);
  const query_params& q = serialized ? *serialized : q_in;
  if (auto refused = unsupported_query(q)) return error_response(*refused);
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  std::shared_lock lock(state_.mutex);
  const std::string subject = resolve_alias(state_.data, *qualified);
  auto v = find_version(state_.data, subject, version, flag(q, "deleted"));
  if (!v) return fail_with(v);
  json body = schema_json(subject, **v, *state_.data.schema((*v)->id));
  if (serialized)
    if (auto refused = serve_serialized(*state_.data.schema((*v)->id), body)) return error_response(*refused);
  return ok(body);
}

response handlers::raw_schema_by_version(const std::string& subject_in, const std::string& version,
                                         const query_params& q) const {
  if (auto refused = unsupported_query(q)) return error_response(*refused);
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  std::shared_lock lock(state_.mutex);
  const std::string subject = resolve_alias(state_.data, *qualified);
  auto v = find_version(state_.data, subject, version, flag(q, "deleted"));
  if (!v) return fail_with(v);
  return {200, state_.data.schema((*v)->id)->schema.text};
}

response handlers::referenced_by(const std::string& subject_in, const std::string& version) const {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  std::shared_lock lock(state_.mutex);
  const std::string subject = resolve_alias(state_.data, *qualified);
  auto v = find_version(state_.data, subject, version, false);
  if (!v) return fail_with(v);
  return ok(json(referencing_ids(state_.data, subject, (*v)->version)));
}

response handlers::delete_version(const std::string& subject_in, const std::string& version_text,
                                  const query_params& q) {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  const bool permanent = flag(q, "permanent");
  auto version = parse_version(version_text);
  if (!version) return fail_with(version);
  return write([&](const state& st) -> write_plan {
    const std::string subject = resolve_alias(st, *qualified);
    if (read_only(effective_mode(st, subject))) return error_response(read_only_error(subject));
    const auto* versions = st.versions(subject);
    if (!versions) return error_response(make_error(error_code::subject_not_found, subject));
    const version_entry* v = *version ? st.find(subject, **version) : st.latest(subject, permanent);
    if (!v) {
      if (!*version) return error_response(make_error(error_code::subject_not_found, subject));
      return error_response(make_error(error_code::version_not_found, std::to_string((*version)->value)));
    }
    const std::string vtext = std::to_string(v->version.value);
    if (!permanent && v->deleted) {
      return error_response(make_error(error_code::schema_version_soft_deleted, subject, vtext));
    }
    if (permanent && !v->deleted) {
      return error_response(make_error(error_code::schema_version_not_soft_deleted, subject, vtext));
    }
    if (!referencing_ids(st, subject, v->version).empty())
      return error_response(reference_exists(subject, v->version));
    record r = permanent ? record{schema_tombstone{subject, v->version}}
                         : record{schema_record{subject, v->version, v->id, st.schema(v->id)->schema, true}};
    return {{std::move(r)}, ok(json(v->version.value))};
  });
}

response handlers::check_compatibility(const std::string& subject_in,
                                       const std::optional<std::string>& version, const std::string& body,
                                       const query_params& q) const {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  auto request = parse_schema_request(body);
  if (!request) return fail_with(request);
  const bool verbose = flag(q, "verbose");
  std::optional<std::optional<schema_version>> wanted;
  if (version) {
    auto parsed = parse_version(*version);
    if (!parsed) return fail_with(parsed);
    wanted = *parsed;
  }
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  const std::string subject = resolve_alias(st, *qualified);
  // As Confluent's CompatibilityResource: the version is looked up first, among live versions only.
  // "latest" of a subject with no live version (new, or every version soft-deleted) leaves nothing
  // to be incompatible with; a numbered version that is not there is 40402, whether or not the
  // subject exists. Without a version: every live version the level asks for (none: compatible).
  std::vector<existing_version> against = live_versions(st, subject);
  if (wanted && *wanted) {
    const auto* v = st.find(subject, **wanted);
    if (!v || v->deleted) {
      return error_response(make_error(error_code::version_not_found, std::to_string((*wanted)->value)));
    }
    std::erase_if(against, [&](const existing_version& e) { return e.version != v->version; });
  } else if (wanted && !against.empty()) {
    against.erase(against.begin(), against.end() - 1);
  }
  auto schema = normalize_schema(request->schema, resolver_for(st));
  if (!schema) {
    // Confluent answers an invalid schema with its message in a verbose result, else 42201.
    if (!verbose) return fail_with(schema);
    return ok(json{{"is_compatible", false}, {"messages", json::array({schema.error().message})}});
  }
  auto result = check_in_scope(st, subject, effective_config(st, subject, default_level_), schema->schema,
                               schema->resolved, std::move(against), compat_);
  json out{{"is_compatible", result.compatible}};
  if (verbose) out["messages"] = result.messages;
  return ok(out);
}

namespace {

// Confluent's Config (GET, DELETE answers: "compatibilityLevel") and the PUT answer (the level as
// "compatibility"), with Config's property order and NON_EMPTY.
json config_json(const config_settings& c, const char* level_key) {
  json out = json::object();
  if (c.alias) out["alias"] = *c.alias;
  if (c.normalize) out["normalize"] = *c.normalize;
  if (c.validate_fields) out["validateFields"] = *c.validate_fields;
  if (c.level) out[level_key] = to_string(*c.level);
  if (c.compatibility_group) out["compatibilityGroup"] = *c.compatibility_group;
  if (c.default_metadata) out["defaultMetadata"] = json::parse(*c.default_metadata);
  if (c.override_metadata) out["overrideMetadata"] = json::parse(*c.override_metadata);
  if (c.default_rule_set) out["defaultRuleSet"] = json::parse(*c.default_rule_set);
  if (c.override_rule_set) out["overrideRuleSet"] = json::parse(*c.override_rule_set);
  return out;
}

// The fields of a PUT /config body (ConfigUpdateRequest); each nullopt when the body leaves it out.
api_result<config_settings> parse_config_update(const json& request) {
  config_settings update;
  // Confluent's ConfigUpdateRequest takes "compatibility"; newer clients may send "compatibilityLevel".
  for (const char* name : {"compatibility", "compatibilityLevel"}) {
    auto it = request.find(name);
    if (update.level || it == request.end() || it->is_null()) continue;
    if (!it->is_string()) return tl::unexpected(make_error(error_code::invalid_compatibility_level));
    update.level = parse_compatibility_level(it->get<std::string>());
    if (!update.level) return tl::unexpected(make_error(error_code::invalid_compatibility_level));
  }
  const auto field = [&](const char* name) -> const json* {
    auto it = request.find(name);
    return it == request.end() || it->is_null() ? nullptr : &*it;
  };
  for (auto [name, target] :
       {std::pair{"normalize", &update.normalize}, std::pair{"validateFields", &update.validate_fields}}) {
    if (const json* v = field(name)) {
      if (!v->is_boolean()) return tl::unexpected(wrong_type(name, "a boolean"));
      *target = v->get<bool>();
    }
  }
  for (auto [name, target] :
       {std::pair{"alias", &update.alias}, std::pair{"compatibilityGroup", &update.compatibility_group}}) {
    if (const json* v = field(name)) {
      if (!v->is_string()) return tl::unexpected(wrong_type(name, "a string"));
      *target = v->get<std::string>();
    }
  }
  if (update.alias && !update.alias->empty()) {
    // The alias is a subject; one in another context would name a namespace kavro does not serve.
    auto target = qualify(*update.alias);
    if (!target) return tl::unexpected(target.error());
  }
  for (auto [name, target] : {std::pair{"defaultMetadata", &update.default_metadata},
                              std::pair{"overrideMetadata", &update.override_metadata}}) {
    if (const json* v = field(name)) {
      auto m = canonical_metadata(*v);
      if (!m) {
        return tl::unexpected(make_error(error_code::unprocessable_entity,
                                         std::string("Config field '") + name + "': " + m.error().message));
      }
      *target = m->dump();
    }
  }
  for (auto [name, target] : {std::pair{"defaultRuleSet", &update.default_rule_set},
                              std::pair{"overrideRuleSet", &update.override_rule_set}}) {
    if (const json* v = field(name)) {
      auto r = canonical_rule_set(*v);
      if (!r) {
        return tl::unexpected(make_error(error_code::unprocessable_entity,
                                         std::string("Config field '") + name + "': " + r.error().message));
      }
      *target = r->dump();
    }
  }
  return update;
}

// ConfigValue.update: each field the request sets replaces the stored one; the others are kept.
config_settings updated(config_settings stored, const config_settings& update) {
  const auto take = [](auto& mine, const auto& newer) {
    if (newer) mine = newer;
  };
  take(stored.alias, update.alias);
  take(stored.normalize, update.normalize);
  take(stored.validate_fields, update.validate_fields);
  take(stored.level, update.level);
  take(stored.compatibility_group, update.compatibility_group);
  take(stored.default_metadata, update.default_metadata);
  take(stored.override_metadata, update.override_metadata);
  take(stored.default_rule_set, update.default_rule_set);
  take(stored.override_rule_set, update.override_rule_set);
  return stored;
}

// KafkaSchemaRegistry.updateConfig / deleteSubjectConfig refuse in a read-only scope; the context of
// a subject in the default context is empty, and the global scope's subject prints as "null".
api_error config_read_only(const std::optional<std::string>& subject) {
  return make_error(error_code::operation_not_permitted,
                    "Subject " + subject.value_or("null") + " in context  is in read-only mode");
}

// Config fields of newer Confluent releases kavro does not implement: refused rather than stored
// without effect.
constexpr std::array unsupported_config_fields{"validateRules", "validateNewSchemas", "compatibilityPolicy"};

}  // namespace

response handlers::get_config(const std::optional<std::string>& subject_in, const query_params& q) const {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  const std::optional<std::string>& subject = *qualified;
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  config_settings global = own_config(st, std::nullopt);
  if (!global.level) global.level = default_level_;  // the server's default
  if (!subject) return ok(config_json(global, "compatibilityLevel"));
  const config_settings own = own_config(st, subject);
  if (!own.empty()) return ok(config_json(own, "compatibilityLevel"));
  if (flag(q, "defaultToGlobal")) return ok(config_json(global, "compatibilityLevel"));
  return error_response(make_error(error_code::subject_compatibility_not_configured, *subject));
}

response handlers::put_config(const std::optional<std::string>& subject_in, const std::string& body) {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  const std::optional<std::string>& subject = *qualified;
  auto request = parse_json_object(body);
  if (!request) return fail_with(request);
  for (const char* name : unsupported_config_fields) {
    if (auto it = request->find(name); it != request->end() && !it->is_null()) {
      return error_response(
          make_error(error_code::unprocessable_entity,
                     std::string("Config field '") + name +
                         "' is not supported by this registry (kavro); it was not applied"));
    }
  }
  auto update = parse_config_update(*request);
  if (!update) return fail_with(update);
  return write([&](const state& st) -> write_plan {
    if (read_only(effective_mode(st, subject))) return error_response(config_read_only(subject));
    // A field the request leaves out keeps its stored value, so {} changes nothing.
    const config_settings merged = updated(own_config(st, subject), *update);
    if (update->empty()) return ok(config_json(merged, "compatibility"));
    return {{config_record{subject, merged}}, ok(config_json(merged, "compatibility"))};
  });
}

response handlers::delete_config(const std::optional<std::string>& subject_in) {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  const std::optional<std::string>& subject = *qualified;
  return write([&](const state& st) -> write_plan {
    config_settings previous = own_config(st, subject);
    if (!subject) {
      if (!previous.level) previous.level = default_level_;
    } else if (previous.empty()) {
      // Confluent answers "subject not found" when the subject has no config of its own, whether or
      // not it has versions; a config set on a subject without versions can be deleted.
      return error_response(make_error(error_code::subject_not_found, *subject));
    }
    if (read_only(effective_mode(st, subject))) return error_response(config_read_only(subject));
    return {{config_record{subject, {}}}, ok(config_json(previous, "compatibilityLevel"))};
  });
}

response handlers::get_mode(const std::optional<std::string>& subject_in, const query_params& q) const {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  const std::optional<std::string>& subject = *qualified;
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  const auto global = st.global_mode.value_or(registry_mode::readwrite);
  if (!subject) return ok(json{{"mode", to_string(global)}});
  // As Confluent's getMode: a global READONLY_OVERRIDE is every subject's mode.
  if (global == registry_mode::readonly_override) return ok(json{{"mode", to_string(global)}});
  if (auto it = st.subject_modes.find(*subject); it != st.subject_modes.end()) {
    return ok(json{{"mode", to_string(it->second)}});
  }
  if (flag(q, "defaultToGlobal")) return ok(json{{"mode", to_string(global)}});
  return error_response(make_error(error_code::subject_mode_not_configured, *subject));
}

response handlers::put_mode(const std::optional<std::string>& subject_in, const std::string& body,
                            const query_params& q) {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  const std::optional<std::string>& subject = *qualified;
  auto request = parse_json_object(body);
  if (!request) return fail_with(request);
  std::optional<registry_mode> mode;
  if (auto it = request->find("mode"); it != request->end() && it->is_string()) {
    mode = parse_registry_mode(it->get<std::string>());
  }
  if (!mode) return error_response(make_error(error_code::invalid_mode));
  return write([&](const state& st) -> write_plan {
    std::vector<record> records;
    const registry_mode scope = effective_mode(st, subject);
    // As Confluent: entering IMPORT (unless forced or already there) needs no live version under the
    // subject (or any subject, for the global mode); soft-deleted versions left there are deleted
    // for good (SCHEMA tombstones) and a CLEAR_SUBJECT record follows.
    if (*mode == registry_mode::import && scope != registry_mode::import && !flag(q, "force")) {
      const auto matches = [&](const std::string& name) { return !subject || name == *subject; };
      for (const auto& [name, versions] : st.subjects()) {
        if (matches(name) && has_live_version(versions)) {
          return error_response(
              make_error(error_code::operation_not_permitted, "Cannot import since found existing subjects"));
        }
      }
      for (const auto& [name, versions] : st.subjects()) {
        if (!matches(name)) continue;
        for (const auto& v : versions) {
          if (!referencing_ids(st, name, v.version).empty())
            return error_response(reference_exists(name, v.version));
          records.push_back(schema_tombstone{name, v.version});
        }
      }
      records.push_back(clear_subject_record{subject});
    }
    records.push_back(mode_record{subject, mode});
    return {std::move(records), ok(json{{"mode", to_string(*mode)}})};
  });
}

response handlers::delete_mode(const std::optional<std::string>& subject_in) {
  auto qualified = qualify(subject_in);
  if (!qualified) return fail_with(qualified);
  const std::optional<std::string>& subject = *qualified;
  return write([&](const state& st) -> write_plan {
    registry_mode previous;
    if (!subject) {
      previous = st.global_mode.value_or(registry_mode::readwrite);
    } else {
      // Confluent reads the subject's mode as its getMode does (a global READONLY_OVERRIDE wins) and
      // answers "subject not found" when there is none.
      auto it = st.subject_modes.find(*subject);
      if (st.global_mode == registry_mode::readonly_override) {
        previous = registry_mode::readonly_override;
      } else if (it == st.subject_modes.end()) {
        return error_response(make_error(error_code::subject_not_found, *subject));
      } else {
        previous = it->second;
      }
    }
    return {{mode_record{subject, std::nullopt}}, ok(json{{"mode", to_string(previous)}})};
  });
}

response handlers::list_contexts(const query_params& q) const {
  auto page = parse_page(q, no_limit);
  if (!page) return fail_with(page);
  return ok(paged(json::array({"."}), *page));
}

response handlers::metadata_id() const {
  // ServerClusterId, serialized NON_EMPTY (its empty "id" is left out), its maps in HashMap order.
  json clusters = json::object();
  clusters["kafka-cluster"] = kafka_cluster_;
  clusters["schema-registry-cluster"] = registry_cluster_;
  json scope = json::object();
  scope["path"] = json::array();
  scope["clusters"] = std::move(clusters);
  return ok(json{{"scope", std::move(scope)}});
}

response handlers::metadata_version() const {
  return ok(json{{"version", std::string(kavro::version())}, {"commitId", ""}});
}

}  // namespace kavro::registry_server
