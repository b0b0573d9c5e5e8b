// The registry's state: what folding the change log (records.hpp) yields. Every instance, whatever
// its store, holds one and changes it only through apply().
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "records.hpp"

namespace kavro::registry_server {

struct version_entry {
  schema_version version;
  schema_id id;
  bool deleted = false;
};

struct schema_entry {
  stored_schema schema;
  std::string identity;
  std::string resolved;         // references inlined; what compatibility checks read
  std::string schema_identity;  // without metadata and rule set
};

class state {
 public:
  void apply(const record& r);

  // Versions ascending, soft-deleted ones included.
  const std::vector<version_entry>* versions(const std::string& subject) const;
  const version_entry* find(const std::string& subject, schema_version v) const;
  // The latest version that is not soft-deleted (or, with `deleted`, the latest of all).
  const version_entry* latest(const std::string& subject, bool deleted = false) const;
  const schema_entry* schema(schema_id id) const;
  std::optional<schema_id> id_of(const std::string& identity) const;
  std::optional<stored_schema> reference(const std::string& subject, std::int32_t version) const;

  const std::map<std::string, std::vector<version_entry>>& subjects() const { return subjects_; }
  std::int32_t max_id() const { return max_id_; }

  // Each scope's own settings (the global one empty when never set).
  config_settings global_config;
  std::map<std::string, config_settings> subject_configs;
  std::optional<registry_mode> global_mode;
  std::map<std::string, registry_mode> subject_modes;

 private:
  void apply_schema(const schema_record& r);
  // A schema id stays bound to its schema while some version (live or soft-deleted) uses it; when
  // the last one is deleted for good the id is released, as Confluent's lookup cache does.
  void use(schema_id id);
  void release(schema_id id);
  std::map<std::string, std::vector<version_entry>> subjects_;
  std::unordered_map<std::int32_t, int> uses_;
  std::map<std::int32_t, schema_entry> schemas_;
  std::unordered_map<std::string, schema_id> ids_by_identity_;
  std::int32_t max_id_ = 0;
};

// The state and its lock, shared by the HTTP handlers (readers) and the store (the one writer).
struct shared_state {
  mutable std::shared_mutex mutex;
  registry_server::state data;
};

}  // namespace kavro::registry_server
