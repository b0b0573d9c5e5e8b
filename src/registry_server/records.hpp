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
// CONFIG key {"keytype":"CONFIG","subject":s|null,"magic":0} with a ConfigValue; a record with
// neither field (a null value) clears the setting.
struct config_record {
  std::optional<std::string> subject;
  std::optional<compatibility_level> level;
  std::optional<bool> normalize;

  bool clears() const { return !level && !normalize; }
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
