// Where the registry server keeps subjects and schemas: an interface, so a Kafka-backed store
// (_schemas topic) can replace the in-memory one without touching the HTTP handlers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kavro/registry_server/errors.hpp"
#include "kavro/registry_server/types.hpp"

namespace kavro::registry_server {

// Implementations are thread-safe. Global ids start at 1 and are never reused; a schema with the
// same identity gets the same id under every subject.
class store {
 public:
  virtual ~store() = default;

  // Returns the existing version if the subject already holds the schema, else appends one.
  virtual api_result<subject_schema> register_schema(const std::string& subject,
                                                     const normalized_schema& schema) = 0;
  // 40401 if the subject is unknown, 40403 if it does not hold the schema.
  virtual api_result<subject_schema> lookup_schema(const std::string& subject,
                                                   const std::string& identity) const = 0;
  // 40403 if no schema has the id.
  virtual api_result<std::string> schema_by_id(schema_id id) const = 0;
  virtual std::vector<std::string> subjects() const = 0;
  // 40401 if the subject is unknown.
  virtual api_result<std::vector<schema_version>> versions(const std::string& subject) const = 0;
  // nullopt means the latest version; 40401 / 40402 when absent.
  virtual api_result<subject_schema> get_version(const std::string& subject,
                                                 std::optional<schema_version> version) const = 0;
};

std::unique_ptr<store> make_memory_store();

}  // namespace kavro::registry_server
