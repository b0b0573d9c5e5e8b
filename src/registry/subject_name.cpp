// Confluent's subject name strategies and the serializer's choice of schema id.
#include "kavro/registry/subject_name.hpp"

namespace kavro::registry {

result<std::string> subject_name(subject_name_strategy strategy, std::string_view topic, bool is_key,
                                 std::string_view record_full_name) {
  switch (strategy) {
    case subject_name_strategy::topic_name:
      return std::string(topic) + (is_key ? "-key" : "-value");
    case subject_name_strategy::record_name:
    case subject_name_strategy::topic_record_name:
      if (record_full_name.empty()) {
        return fail(errc::invalid_argument, "subject name strategy " +
                                                std::string(strategy == subject_name_strategy::record_name
                                                                ? "RecordNameStrategy"
                                                                : "TopicRecordNameStrategy") +
                                                " needs a record schema");
      }
      if (strategy == subject_name_strategy::record_name) return std::string(record_full_name);
      return std::string(topic) + "-" + std::string(record_full_name);
  }
  return fail(errc::internal, "unknown subject name strategy");
}

result<subject_name_strategy> parse_subject_name_strategy(std::string_view name) {
  if (auto dot = name.rfind('.'); dot != std::string_view::npos) name.remove_prefix(dot + 1);
  if (name == "TopicNameStrategy" || name == "topic_name") return subject_name_strategy::topic_name;
  if (name == "RecordNameStrategy" || name == "record_name") return subject_name_strategy::record_name;
  if (name == "TopicRecordNameStrategy" || name == "topic_record_name")
    return subject_name_strategy::topic_record_name;
  return fail(errc::invalid_argument,
              "unknown subject name strategy '" + std::string(name) +
                  "' (TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy)");
}

result<registered_schema> schema_for(schema_registry& registry, const serializer_policy& policy,
                                     const std::string& subject, const std::string& schema) {
  if (policy.auto_register_schemas) {
    auto id = registry.register_schema(subject, schema);
    if (!id) return tl::unexpected(id.error());
    return registered_schema{subject, *id, 0, schema};
  }
  if (policy.use_latest_version) return registry.latest_version(subject);
  return registry.lookup_schema(subject, schema);
}

}  // namespace kavro::registry
