// Confluent's `_schemas` formats: keys and values are JSON written by Jackson with the property
// order of SchemaKey, ConfigKey, ModeKey, DeleteSubjectKey, ClearSubjectKey and NoopKey.
#include "records.hpp"

#include <nlohmann/json.hpp>

#include "kavro/json.hpp"

namespace kavro::registry_server {
namespace {

using json = nlohmann::ordered_json;

json subject_json(const std::optional<std::string>& subject) {
  return subject ? json(*subject) : json(nullptr);
}

json references_json(const std::vector<schema_reference>& refs) {
  json out = json::array();
  for (const auto& r : refs)
    out.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  return out;
}

struct encoder {
  encoded_record operator()(const schema_record& r) const {
    json key{{"keytype", "SCHEMA"}, {"subject", r.subject}, {"version", r.version.value}, {"magic", 1}};
    json value{{"subject", r.subject}, {"version", r.version.value}, {"id", r.id.value}};
    if (r.schema.schema_type != "AVRO") value["schemaType"] = r.schema.schema_type;
    if (!r.schema.references.empty()) value["references"] = references_json(r.schema.references);
    // SchemaValue's order: metadata and ruleSet between references and schema.
    if (r.schema.metadata) value["metadata"] = json::parse(*r.schema.metadata);
    if (r.schema.rule_set) value["ruleSet"] = json::parse(*r.schema.rule_set);
    value["schema"] = r.schema.text;
    value["deleted"] = r.deleted;
    return {key.dump(), value.dump()};
  }
  encoded_record operator()(const schema_tombstone& r) const {
    json key{{"keytype", "SCHEMA"}, {"subject", r.subject}, {"version", r.version.value}, {"magic", 1}};
    return {key.dump(), std::nullopt};
  }
  encoded_record operator()(const config_record& r) const {
    json key{{"keytype", "CONFIG"}, {"subject", subject_json(r.subject)}, {"magic", 0}};
    if (r.clears()) return {key.dump(), std::nullopt};
    // ConfigValue's property order (Jackson, NON_EMPTY): alias, normalize, validateFields,
    // compatibilityLevel, compatibilityGroup, then the default and override metadata and rule sets.
    const config_settings& c = r.settings;
    json value = json::object();
    if (c.alias) value["alias"] = *c.alias;
    if (c.normalize) value["normalize"] = *c.normalize;
    if (c.validate_fields) value["validateFields"] = *c.validate_fields;
    if (c.level) value["compatibilityLevel"] = to_string(*c.level);
    if (c.compatibility_group) value["compatibilityGroup"] = *c.compatibility_group;
    if (c.default_metadata) value["defaultMetadata"] = json::parse(*c.default_metadata);
    if (c.override_metadata) value["overrideMetadata"] = json::parse(*c.override_metadata);
    if (c.default_rule_set) value["defaultRuleSet"] = json::parse(*c.default_rule_set);
    if (c.override_rule_set) value["overrideRuleSet"] = json::parse(*c.override_rule_set);
    return {key.dump(), value.dump()};
  }
  encoded_record operator()(const mode_record& r) const {
    json key{{"keytype", "MODE"}, {"subject", subject_json(r.subject)}, {"magic", 0}};
    if (!r.mode) return {key.dump(), std::nullopt};
    return {key.dump(), json{{"mode", to_string(*r.mode)}}.dump()};
  }
  encoded_record operator()(const delete_subject_record& r) const {
    json key{{"keytype", "DELETE_SUBJECT"}, {"subject", r.subject}, {"magic", 0}};
    return {key.dump(), json{{"subject", r.subject}, {"version", r.version.value}}.dump()};
  }
  encoded_record operator()(const clear_subject_record& r) const {
    json key{{"keytype", "CLEAR_SUBJECT"}, {"subject", subject_json(r.subject)}, {"magic", 0}};
    return {key.dump(), json{{"subject", subject_json(r.subject)}}.dump()};
  }
};

std::optional<std::string> optional_subject(const json& key) {
  auto it = key.find("subject");
  if (it == key.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

encoded_record encode(const record& r) {
  return std::visit(encoder{}, r);
}

std::string noop_key() {
  return json{{"keytype", "NOOP"}, {"magic", 0}}.dump();
}

std::optional<record> decode(const std::string& key_text, const std::optional<std::string>& value_text) {
  try {
    // Whatever else writes to the topic: bounded parses, a repeated key read as Jackson reads it.
    constexpr safe_json::parse_options lenient{.max_depth = safe_json::default_max_depth,
                                               .duplicates = safe_json::duplicate_keys::last_wins};
    auto parsed_key = safe_json::parse_ordered(key_text, lenient);
    if (!parsed_key) return std::nullopt;
    const json key = std::move(*parsed_key);
    const std::string type = key.at("keytype").get<std::string>();
    json value;
    if (value_text) {
      auto parsed_value = safe_json::parse_ordered(*value_text, lenient);
      if (!parsed_value) return std::nullopt;
      value = std::move(*parsed_value);
    }
    if (type == "SCHEMA") {
      const std::string subject = key.at("subject").get<std::string>();
      const schema_version version{key.at("version").get<std::int32_t>()};
      if (!value_text || value.is_null()) return schema_tombstone{subject, version};
      schema_record r{subject, version, schema_id{value.at("id").get<std::int32_t>()}, {}, false};
      r.schema.text = value.at("schema").get<std::string>();
      if (auto it = value.find("schemaType"); it != value.end() && it->is_string())
        r.schema.schema_type = *it;
      if (auto it = value.find("references"); it != value.end() && it->is_array()) {
        for (const auto& ref : *it) {
          r.schema.references.push_back({ref.at("name").get<std::string>(),
                                         ref.at("subject").get<std::string>(),
                                         ref.at("version").get<std::int32_t>()});
        }
      }
      if (auto it = value.find("deleted"); it != value.end() && it->is_boolean()) r.deleted = *it;
      // Kept as Confluent wrote them (its serializer already orders and sorts them).
      if (auto it = value.find("metadata"); it != value.end() && it->is_object())
        r.schema.metadata = it->dump();
      if (auto it = value.find("ruleSet"); it != value.end() && it->is_object())
        r.schema.rule_set = it->dump();
      return r;
    }
    if (type == "CONFIG") {
      config_record r{optional_subject(key), {}};
      if (value.is_object()) {
        config_settings& c = r.settings;
        const auto text = [&](const char* name) -> std::optional<std::string> {
          auto it = value.find(name);
          if (it == value.end() || !it->is_string()) return std::nullopt;
          return it->get<std::string>();
        };
        const auto flag = [&](const char* name) -> std::optional<bool> {
          auto it = value.find(name);
          if (it == value.end() || !it->is_boolean()) return std::nullopt;
          return it->get<bool>();
        };
        // Kept as the writer serialized them (Confluent's serializer already sorts them).
        const auto object = [&](const char* name) -> std::optional<std::string> {
          auto it = value.find(name);
          if (it == value.end() || !it->is_object()) return std::nullopt;
          return it->dump();
        };
        c.alias = text("alias");
        c.normalize = flag("normalize");
        c.validate_fields = flag("validateFields");
        if (auto level = text("compatibilityLevel")) c.level = parse_compatibility_level(*level);
        c.compatibility_group = text("compatibilityGroup");
        c.default_metadata = object("defaultMetadata");
        c.override_metadata = object("overrideMetadata");
        c.default_rule_set = object("defaultRuleSet");
        c.override_rule_set = object("overrideRuleSet");
      }
      return r;
    }
    if (type == "MODE") {
      mode_record r{optional_subject(key), std::nullopt};
      if (value.is_object()) {
        if (auto it = value.find("mode"); it != value.end() && it->is_string()) {
          r.mode = parse_registry_mode(it->get<std::string>());
        }
      }
      return r;
    }
    if (type == "DELETE_SUBJECT") {
      if (!value.is_object()) return std::nullopt;
      return delete_subject_record{key.at("subject").get<std::string>(),
                                   schema_version{value.at("version").get<std::int32_t>()}};
    }
    if (type == "CLEAR_SUBJECT") return clear_subject_record{optional_subject(key)};
    return std::nullopt;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace kavro::registry_server
