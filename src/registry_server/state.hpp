// The registry's state: what folding the change log (records.hpp) yields. Every instance, whatever
// its store, holds one and changes it only through apply(); the domain rules that read it (effective
// compatibility settings and mode, aliases) are pure functions declared here.
//
// The server's layers, one word each, every one depending only on those above it:
//   records   the `_schemas` record types and their key/value codec (records.hpp)
//   state     the records folded in memory, and the domain rules over it (this file)
//   store     the append/sync backend the state is fed from: memory_store, kafka_store (store.hpp)
//   handlers  one function per endpoint: parse, decide on the state, write through the store
//   routes    the route table that maps paths and methods to handlers (routes.hpp), with forwarding
//             of writes to the leader (forwarding.hpp) and HTTP helpers (http_util.hpp)
//   server    lifecycle: builds the layers, starts and stops the transport (server.cpp)
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

// A scope's own settings (the subject's; nullopt: the global ones), each unset field left unset: what
// GET /config shows.
config_settings own_config(const state& st, const std::optional<std::string>& subject);
// The settings a subject's operations use: each field the subject's own, else the global one; the
// compatibility level subject, then global, then `default_level` (the server's schema.compatibility.level).
config_settings effective_config(const state& st, const std::string& subject,
                                 compatibility_level default_level);
// The mode a scope's writes obey: a global READONLY_OVERRIDE wins, then the subject's own mode, then
// the global mode, then READWRITE. nullopt: the global scope.
registry_mode effective_mode(const state& st, const std::optional<std::string>& subject);
bool read_only(registry_mode m);
// Confluent's AliasFilter: the subject named in a /subjects/{s}... path is replaced by the alias its
// own config names (one hop; the alias target's own alias is not followed).
std::string resolve_alias(const state& st, const std::string& subject);

// The state and its lock, shared by the HTTP handlers (readers) and the store (the one writer).
struct shared_state {
  mutable std::shared_mutex mutex;
  registry_server::state data;
};

}  // namespace kavro::registry_server
