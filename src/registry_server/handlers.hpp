// The registry's REST operations, independent of the HTTP library: each takes the decoded path
// parameters, query parameters and body, and returns the status and JSON body to send.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "compatibility.hpp"
#include "kavro/registry_server/errors.hpp"
#include "state.hpp"
#include "store.hpp"

namespace kavro::registry_server {

struct response {
  int status = 200;
  std::string body;
};

using query_params = std::multimap<std::string, std::string>;

response error_response(const api_error& e);

class handlers {
 public:
  handlers(shared_state& s, store& log, compatibility_settings compat = {},
           compatibility_level default_level = compatibility_level::backward)
      : state_(s), log_(log), compat_(compat), default_level_(default_level) {}

  response root() const;
  // Confluent's POST / (for testing with a body): {} for an empty body or any JSON object.
  response root_post(const std::string& body) const;
  response schema_types() const;
  response list_schemas(const query_params& q) const;
  response schema_by_id(const std::string& id, const query_params& q) const;
  response raw_schema_by_id(const std::string& id, const query_params& q) const;
  response subjects_by_id(const std::string& id, const query_params& q) const;
  response versions_by_id(const std::string& id, const query_params& q) const;

  response list_subjects(const query_params& q) const;
  response lookup_schema(const std::string& subject, const std::string& body, const query_params& q) const;
  response delete_subject(const std::string& subject, const query_params& q);

  // GET /subjects/{s}/metadata?key=&value=&deleted=: the newest version whose metadata has every
  // given property (SubjectsResource.getLatestWithMetadata).
  response latest_with_metadata(const std::string& subject, const query_params& q) const;

  response list_versions(const std::string& subject, const query_params& q) const;
  response register_schema(const std::string& subject, const std::string& body, const query_params& q);
  response get_version(const std::string& subject, const std::string& version, const query_params& q) const;
  response raw_schema_by_version(const std::string& subject, const std::string& version,
                                 const query_params& q) const;
  response referenced_by(const std::string& subject, const std::string& version) const;
  response delete_version(const std::string& subject, const std::string& version, const query_params& q);

  // version: nullopt checks against every version the level asks for.
  response check_compatibility(const std::string& subject, const std::optional<std::string>& version,
                               const std::string& body, const query_params& q) const;

  // subject: nullopt for the global setting.
  response get_config(const std::optional<std::string>& subject, const query_params& q) const;
  response put_config(const std::optional<std::string>& subject, const std::string& body);
  response delete_config(const std::optional<std::string>& subject);
  response get_mode(const std::optional<std::string>& subject, const query_params& q) const;
  response put_mode(const std::optional<std::string>& subject, const std::string& body,
                    const query_params& q);
  response delete_mode(const std::optional<std::string>& subject);

  // GET /contexts: kavro serves the default context "." only.
  response list_contexts(const query_params& q) const;
  // GET /v1/metadata/id and /v1/metadata/version (ServerMetadataResource).
  response metadata_id() const;
  response metadata_version() const;
  // What /v1/metadata/id reports: the Kafka cluster id (empty when unknown) and the registry's
  // cluster id (Confluent: its election group id).
  void set_cluster_ids(std::string kafka_cluster, std::string registry_cluster) {
    kafka_cluster_ = std::move(kafka_cluster);
    registry_cluster_ = std::move(registry_cluster);
  }

 private:
  // What a write decides: the records to append (none: nothing is written) and the reply to send once
  // they are durable. A refusal is just its reply, so a decision returns error_response(...) as it is.
  struct write_plan {
    write_plan(response r) : reply(std::move(r)) {}  // NOLINT(google-explicit-constructor)
    write_plan(std::vector<record> rs, response r) : records(std::move(rs)), reply(std::move(r)) {}
    std::vector<record> records;
    response reply;
  };
  // Every write's one sequence: take the write lock, sync (the state catches up with the log, so the
  // decision sees every instance's writes), decide under the state's shared lock, append.
  response write(const std::function<write_plan(const state&)>& decide);

  shared_state& state_;
  store& log_;
  std::mutex write_mutex_;  // one write decides and appends at a time
  std::string kafka_cluster_;
  std::string registry_cluster_;
  compatibility_settings compat_;
  compatibility_level default_level_;  // the global level while none is stored
};

}  // namespace kavro::registry_server
