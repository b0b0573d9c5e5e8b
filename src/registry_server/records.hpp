// The registry's change log: every write is one or more records, in Confluent's `_schemas` key and
// value JSON formats, so the Kafka topic is interchangeable with Confluent's registry.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kavro/registry_server/types.hpp"

namespace kavro::registry_server {

// SCHEMA key {"keytype":"SCHEMA","subject":s,"version":v,"magic":1} with a SchemaValue.
struct schema_record {
  std::string subject;
  schema_version version;
  schema_id id;
  stored_schema schema;
  bool deleted = false;
};
// SCHEMA key with a null value: the version is gone for good (permanent delete).
struct schema_tombstone {
  std::string subject;
  schema_version version;
};
// One scope's settings, as Confluent's ConfigValue holds them: each nullopt when the scope does not
// set it. Metadata and rule sets are compact JSON in Confluent's serialized form.
struct config_settings {
  std::optional<std::string> alias;
  std::optional<bool> normalize;
  std::optional<bool> validate_fields;
  std::optional<compatibility_level> level;
  std::optional<std::string> compatibility_group;
  std::optional<std::string> default_metadata;
  std::optional<std::string> override_metadata;
  std::optional<std::string> default_rule_set;
  std::optional<std::string> override_rule_set;

  bool empty() const {
    return !alias && !normalize && !validate_fields && !level && !compatibility_group && !default_metadata &&
           !override_metadata && !default_rule_set && !override_rule_set;
  }
  bool has_defaults_or_overrides() const {
    return default_metadata || override_metadata || default_rule_set || override_rule_set;
  }
  bool operator==(const config_settings&) const = default;
};
// CONFIG key {"keytype":"CONFIG","subject":s|null,"magic":0} with a ConfigValue; a record with no
// setting (a null value) clears the scope's config.
struct config_record {
  std::optional<std::string> subject;
  config_settings settings;

  bool clears() const { return settings.empty(); }
};
// MODE key {"keytype":"MODE","subject":s|null,"magic":0}; a null value clears the setting.
struct mode_record {
  std::optional<std::string> subject;
  std::optional<registry_mode> mode;
};
// DELETE_SUBJECT: soft-deletes every version up to `version`.
struct delete_subject_record {
  std::string subject;
  schema_version version;
};
// CLEAR_SUBJECT {"keytype":"CLEAR_SUBJECT","subject":s|null,"magic":0}, value {"subject":s|null}:
// written on switching to IMPORT mode, once no live version is left; drops the soft-deleted versions
// of the subject (null: of every subject).
struct clear_subject_record {
  std::optional<std::string> subject;
};

using record = std::variant<schema_record, schema_tombstone, config_record, mode_record,
                            delete_subject_record, clear_subject_record>;

struct encoded_record {
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone
};

encoded_record encode(const record& r);
// The NOOP key Confluent writes to find the end of the log.
std::string noop_key();

// nullopt for NOOP keys and key types kavro does not use (contexts, associations, ...), and for
// records that do not parse: a registry must not stop reading its log over one odd record.
std::optional<record> decode(const std::string& key, const std::optional<std::string>& value);

}  // namespace kavro::registry_server
