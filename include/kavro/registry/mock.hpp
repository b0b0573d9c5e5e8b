// The `mock://` registry: an in-process schema_registry for tests, like Confluent's
// MockSchemaRegistryClient. Registries of the same scope (`mock://orders`) share their state; ids are
// global per scope, the same schema text gets the same id under every subject. No compatibility
// checks, as with Confluent's mock.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kavro/registry/registry.hpp"

namespace kavro::registry {

class mock_registry final : public schema_registry {
 public:
  // The registry of a scope; the same scope gives the same shared state.
  static std::shared_ptr<mock_registry> scope(const std::string& name);
  // Forgets every scope (between tests).
  static void drop_scopes();

  result<std::int32_t> register_schema(const std::string& subject, const std::string& schema) override;
  result<registered_schema> lookup_schema(const std::string& subject, const std::string& schema) override;
  result<std::string> schema_by_id(std::int32_t id) override;
  result<registered_schema> latest_version(const std::string& subject) override;

  std::vector<std::string> subjects() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> schemas_;                           // index = id - 1
  std::map<std::string, std::vector<std::int32_t>> subjects_;  // index = version - 1
};

}  // namespace kavro::registry
