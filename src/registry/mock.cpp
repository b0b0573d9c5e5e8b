// The in-process `mock://` registry: scopes of shared state behind one mutex each.
#include "kavro/registry/mock.hpp"

#include <algorithm>

namespace kavro::registry {
namespace {

std::mutex scopes_mutex;
std::map<std::string, std::shared_ptr<mock_registry>>& scopes() {
  static std::map<std::string, std::shared_ptr<mock_registry>> all;
  return all;
}

}  // namespace

std::shared_ptr<mock_registry> mock_registry::scope(const std::string& name) {
  std::lock_guard lock(scopes_mutex);
  auto& slot = scopes()[name];
  if (!slot) slot = std::make_shared<mock_registry>();
  return slot;
}

void mock_registry::drop_scopes() {
  std::lock_guard lock(scopes_mutex);
  scopes().clear();
}

result<std::int32_t> mock_registry::register_schema(const std::string& subject, const std::string& schema) {
  if (schema.empty()) return fail(errc::conflict, "mock registry: Empty schema", 42201);
  std::lock_guard lock(mutex_);
  auto it = std::find(schemas_.begin(), schemas_.end(), schema);
  const auto id = static_cast<std::int32_t>(it - schemas_.begin()) + 1;
  if (it == schemas_.end()) schemas_.push_back(schema);
  auto& versions = subjects_[subject];
  if (std::find(versions.begin(), versions.end(), id) == versions.end()) versions.push_back(id);
  return id;
}

result<registered_schema> mock_registry::lookup_schema(const std::string& subject,
                                                       const std::string& schema) {
  std::lock_guard lock(mutex_);
  auto sub = subjects_.find(subject);
  if (sub == subjects_.end())
    return fail(errc::not_found, "mock registry: Subject '" + subject + "' not found.", 40401);
  for (std::size_t i = 0; i < sub->second.size(); ++i) {
    const auto id = sub->second[i];
    if (schemas_[static_cast<std::size_t>(id) - 1] == schema) {
      return registered_schema{subject, id, static_cast<std::int32_t>(i + 1), schema};
    }
  }
  return fail(errc::not_found, "mock registry: Schema not found", 40403);
}

result<std::string> mock_registry::schema_by_id(std::int32_t id) {
  std::lock_guard lock(mutex_);
  if (id < 1 || static_cast<std::size_t>(id) > schemas_.size()) {
    return fail(errc::not_found, "mock registry: Schema " + std::to_string(id) + " not found", 40403);
  }
  return schemas_[static_cast<std::size_t>(id) - 1];
}

result<registered_schema> mock_registry::latest_version(const std::string& subject) {
  std::lock_guard lock(mutex_);
  auto sub = subjects_.find(subject);
  if (sub == subjects_.end() || sub->second.empty()) {
    return fail(errc::not_found, "mock registry: Subject '" + subject + "' not found.", 40401);
  }
  const auto id = sub->second.back();
  return registered_schema{subject, id, static_cast<std::int32_t>(sub->second.size()),
                           schemas_[static_cast<std::size_t>(id) - 1]};
}

std::vector<std::string> mock_registry::subjects() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, versions] : subjects_) out.push_back(name);
  return out;
}

}  // namespace kavro::registry
