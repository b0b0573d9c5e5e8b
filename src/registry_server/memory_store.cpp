// The in-memory store: one reader-writer lock over the id table and the subject table.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "kavro/registry_server/store.hpp"

namespace kavro::registry_server {
namespace {

class memory_store final : public store {
 public:
  api_result<subject_schema> register_schema(const std::string& subject,
                                             const normalized_schema& schema) override {
    std::unique_lock lock(mutex_);
    schema_id id;
    if (auto it = ids_by_identity_.find(schema.identity); it != ids_by_identity_.end()) {
      id = it->second;
    } else {
      schemas_.push_back(schema.text);
      id = schema_id{static_cast<std::int32_t>(schemas_.size())};
      ids_by_identity_.emplace(schema.identity, id);
    }
    auto& versions = subjects_[subject];
    for (std::size_t i = 0; i < versions.size(); ++i) {
      if (versions[i] == id) return make(subject, i, id);
    }
    versions.push_back(id);
    return make(subject, versions.size() - 1, id);
  }

  api_result<subject_schema> lookup_schema(const std::string& subject,
                                           const std::string& identity) const override {
    std::shared_lock lock(mutex_);
    auto sub = subjects_.find(subject);
    if (sub == subjects_.end()) return tl::unexpected(make_error(error_code::subject_not_found, subject));
    auto id = ids_by_identity_.find(identity);
    if (id != ids_by_identity_.end()) {
      for (std::size_t i = 0; i < sub->second.size(); ++i) {
        if (sub->second[i] == id->second) return make(subject, i, id->second);
      }
    }
    return tl::unexpected(make_error(error_code::schema_not_found));
  }

  api_result<std::string> schema_by_id(schema_id id) const override {
    std::shared_lock lock(mutex_);
    if (id.value < 1 || static_cast<std::size_t>(id.value) > schemas_.size()) {
      return tl::unexpected(make_error(error_code::schema_not_found, std::to_string(id.value)));
    }
    return schemas_[static_cast<std::size_t>(id.value) - 1];
  }

  std::vector<std::string> subjects() const override {
    std::shared_lock lock(mutex_);
    std::vector<std::string> out;
    out.reserve(subjects_.size());
    for (const auto& [name, versions] : subjects_) out.push_back(name);
    return out;
  }

  api_result<std::vector<schema_version>> versions(const std::string& subject) const override {
    std::shared_lock lock(mutex_);
    auto sub = subjects_.find(subject);
    if (sub == subjects_.end()) return tl::unexpected(make_error(error_code::subject_not_found, subject));
    std::vector<schema_version> out;
    for (std::size_t i = 0; i < sub->second.size(); ++i)
      out.push_back(schema_version{static_cast<std::int32_t>(i + 1)});
    return out;
  }

  api_result<subject_schema> get_version(const std::string& subject,
                                         std::optional<schema_version> version) const override {
    std::shared_lock lock(mutex_);
    auto sub = subjects_.find(subject);
    if (sub == subjects_.end()) return tl::unexpected(make_error(error_code::subject_not_found, subject));
    const auto& versions = sub->second;
    const std::size_t index = version ? static_cast<std::size_t>(version->value) - 1 : versions.size() - 1;
    if (version && (version->value < 1 || index >= versions.size())) {
      return tl::unexpected(make_error(error_code::version_not_found, std::to_string(version->value)));
    }
    return make(subject, index, versions[index]);
  }

 private:
  // Callers hold the lock.
  subject_schema make(const std::string& subject, std::size_t index, schema_id id) const {
    return subject_schema{subject, schema_version{static_cast<std::int32_t>(index + 1)}, id,
                          schemas_[static_cast<std::size_t>(id.value) - 1]};
  }

  mutable std::shared_mutex mutex_;
  std::vector<std::string> schemas_;  // index = id - 1
  std::unordered_map<std::string, schema_id> ids_by_identity_;
  std::map<std::string, std::vector<schema_id>>
      subjects_;  // sorted, as GET /subjects lists them; index = version - 1
};

}  // namespace

std::unique_ptr<store> make_memory_store() {
  return std::make_unique<memory_store>();
}

}  // namespace kavro::registry_server
