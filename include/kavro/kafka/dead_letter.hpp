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


// Non-blocking retries (consumer_config::retry_topics): what a message moved to a retry topic carries.
// A dead letter of such a message names its first topic, partition and offset in the headers above.
namespace retry {
inline constexpr const char* attempts = "kavro.retry.attempts";  // handler calls made so far
inline constexpr const char* due = "kavro.retry.due";            // ms since epoch: not handled before then
inline constexpr const char* original_topic = "kavro.retry.original.topic";
inline constexpr const char* original_partition = "kavro.retry.original.partition";
inline constexpr const char* original_offset = "kavro.retry.original.offset";
inline constexpr const char* original_timestamp = "kavro.retry.original.timestamp";
inline constexpr const char* error_message = "kavro.retry.error.message";  // the last failure
}  // namespace retry

// Spring Kafka's DeadLetterPublishingRecoverer names (KafkaHeaders.DLT_*), written with
// consumer_config::header_style = spring or both. As Spring writes them: partition a 4-byte and offset and
// timestamp 8-byte big-endian integers, the rest UTF-8 text.
namespace spring {
inline constexpr const char* original_topic = "kafka_dlt-original-topic";
inline constexpr const char* original_partition = "kafka_dlt-original-partition";
inline constexpr const char* original_offset = "kafka_dlt-original-offset";
inline constexpr const char* original_timestamp = "kafka_dlt-original-timestamp";
inline constexpr const char* original_timestamp_type = "kafka_dlt-original-timestamp-type";
inline constexpr const char* original_consumer_group = "kafka_dlt-original-consumer-group";
inline constexpr const char* exception_fqcn = "kafka_dlt-exception-fqcn";  // kavro writes kavro.<error class>
inline constexpr const char* exception_message = "kafka_dlt-exception-message";
}  // namespace spring

}  // namespace kavro::kafka::dlq
