// Subject name strategies and the serializer's schema-id policy (auto.register.schemas,
// use.latest.version), as Confluent's serializers define them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kavro/registry/registry.hpp"

namespace kavro::registry {

enum class subject_name_strategy {
  topic_name,         // "<topic>-key" / "<topic>-value" (the default)
  record_name,        // "<record full name>"
  topic_record_name,  // "<topic>-<record full name>"
};

// The subject for a message of `topic`; record_full_name is the schema's full name ("" for
// non-record schemas, which RecordName strategies refuse with errc::invalid_argument).
result<std::string> subject_name(subject_name_strategy strategy, std::string_view topic, bool is_key,
                                 std::string_view record_full_name);
// "TopicNameStrategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy", "record_name", ...
result<subject_name_strategy> parse_subject_name_strategy(std::string_view name);

struct serializer_policy {
  bool auto_register_schemas = true;  // register the writer schema (POST .../versions)
  bool use_latest_version = false;    // with auto-registration off: the subject's latest schema
};

// The schema a serializer writes with, and its id, as Confluent's AbstractKafkaAvroSerializer
// decides: auto-registration registers `schema`; else use.latest.version takes the subject's latest
// version (whose text the caller must then encode with); else `schema` is looked up under the subject.
result<registered_schema> schema_for(schema_registry& registry, const serializer_policy& policy,
                                     const std::string& subject, const std::string& schema);

}  // namespace kavro::registry
