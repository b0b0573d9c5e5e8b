// Dead letters: the original key and value bytes unchanged, the original headers, and these headers
// saying where the message came from and why it could not be handled.
#pragma once

namespace kavro::kafka::dlq {

inline constexpr const char* original_topic = "kavro.dlq.original.topic";
inline constexpr const char* original_partition = "kavro.dlq.original.partition";
inline constexpr const char* original_offset = "kavro.dlq.original.offset";
inline constexpr const char* original_timestamp = "kavro.dlq.original.timestamp";  // ms since epoch
inline constexpr const char* consumer_group = "kavro.dlq.consumer.group";
inline constexpr const char* attempts = "kavro.dlq.attempts";  // handler calls made (0: never decoded)
// One of: decode (bytes that are not valid Confluent-framed Avro), unknown_schema (the registry does
// not know the schema id), handler_permanent, handler_exhausted (transient failures past the budget).
inline constexpr const char* error_class = "kavro.dlq.error.class";
inline constexpr const char* error_message = "kavro.dlq.error.message";

}  // namespace kavro::kafka::dlq
