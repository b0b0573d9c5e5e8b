// Dead letters and retry-topic hand-offs: the header names kavro, Spring Kafka and kavro's retry topics
// carry, and the one codec that writes them (the consumer) and reads them (`kavro dlq`, `kavro demo`).
// A dead letter is the original key and value bytes unchanged, the original headers, and these headers
// saying where the message came from and why it could not be handled.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kavro/kafka/producer.hpp"

namespace kavro::pipeline {

namespace dlq {

inline constexpr const char* prefix = "kavro.dlq.";
inline constexpr const char* original_topic = "kavro.dlq.original.topic";
inline constexpr const char* original_partition = "kavro.dlq.original.partition";
inline constexpr const char* original_offset = "kavro.dlq.original.offset";
inline constexpr const char* original_timestamp = "kavro.dlq.original.timestamp";  // ms since epoch
inline constexpr const char* consumer_group = "kavro.dlq.consumer.group";
inline constexpr const char* attempts = "kavro.dlq.attempts";  // handler calls made (0: never decoded)
// One of error_class's names: decode, unknown_schema, handler_permanent, handler_exhausted.
inline constexpr const char* error_class = "kavro.dlq.error.class";
inline constexpr const char* error_message = "kavro.dlq.error.message";
// Written by `kavro dlq replay` on a replayed message: "<dead-letter topic>[partition]@offset".
inline constexpr const char* replayed_from = "kavro.dlq.replayed.from";

// Non-blocking retries (consumer_config::retry_topics): what a message moved to a retry topic carries.
// A dead letter of such a message names its first topic, partition and offset in the headers above.
namespace retry {
inline constexpr const char* prefix = "kavro.retry.";
inline constexpr const char* attempts = "kavro.retry.attempts";  // handler calls made so far
inline constexpr const char* due = "kavro.retry.due";            // ms since epoch: not handled before then
inline constexpr const char* original_topic = "kavro.retry.original.topic";
inline constexpr const char* original_partition = "kavro.retry.original.partition";
inline constexpr const char* original_offset = "kavro.retry.original.offset";
inline constexpr const char* original_timestamp = "kavro.retry.original.timestamp";
inline constexpr const char* error_message = "kavro.retry.error.message";  // the last failure
}  // namespace retry

// Spring Kafka's DeadLetterPublishingRecoverer names (KafkaHeaders.DLT_*), written with
// dead_letter_headers::spring or both. As Spring writes them: partition a 4-byte and offset and
// timestamp 8-byte big-endian integers, the rest UTF-8 text.
namespace spring {
inline constexpr const char* prefix = "kafka_dlt-";
inline constexpr const char* original_topic = "kafka_dlt-original-topic";
inline constexpr const char* original_partition = "kafka_dlt-original-partition";
inline constexpr const char* original_offset = "kafka_dlt-original-offset";
inline constexpr const char* original_timestamp = "kafka_dlt-original-timestamp";
inline constexpr const char* original_timestamp_type = "kafka_dlt-original-timestamp-type";
inline constexpr const char* original_consumer_group = "kafka_dlt-original-consumer-group";
inline constexpr const char* exception_fqcn = "kafka_dlt-exception-fqcn";  // kavro writes kavro.<error class>
inline constexpr const char* exception_message = "kafka_dlt-exception-message";
}  // namespace spring

}  // namespace dlq

// Why a message was dead-lettered.
enum class error_class {
  decode,             // bytes that are not valid Confluent-framed Avro
  unknown_schema,     // the registry does not know the schema id
  handler_permanent,  // the handler said it will never succeed
  handler_exhausted,  // transient failures past the retry budget
};

// The header value: "decode", "unknown_schema", "handler_permanent", "handler_exhausted".
const char* to_string(error_class c) noexcept;
// The class a header value names (Spring's "kavro.<class>" too); empty for anything else.
std::optional<error_class> parse_error_class(std::string_view text) noexcept;

// Which header names dead letters carry (the values are the same facts).
enum class dead_letter_headers {
  kavro,   // kavro.dlq.* (text values)
  spring,  // Spring Kafka's kafka_dlt-* (binary partition, offset and timestamp, as Spring writes them)
  both,
};

// Where a message was first consumed from.
struct origin {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::int64_t timestamp = -1;   // ms since epoch, -1 when unknown
  bool log_append_time = false;  // the timestamp is the broker's (LogAppendTime), not the producer's
};

struct dead_letter {
  origin from;
  std::string group;
  int attempts = 0;  // handler calls made (0: never decoded)
  error_class why = error_class::decode;
  std::string message;
};

// The headers of a dead letter of a message that carried `original`: its own headers (a retry topic's
// kavro.retry.* ones dropped) followed by the dead-letter headers in the given style.
std::vector<kafka::header> encode(const dead_letter& d, dead_letter_headers style,
                                  std::vector<kafka::header> original = {});

// What a dead letter's headers say, read from kavro's headers or else Spring's. Fields the headers do
// not carry stay empty; `error_class_text` keeps a class kavro does not know (another writer's).
struct decoded_dead_letter {
  std::optional<origin> from;  // empty: neither kavro's nor Spring's headers name the original topic
  std::string group;
  std::optional<int> attempts;
  std::optional<error_class> why;
  std::string error_class_text;
  std::string message;
};
decoded_dead_letter decode_dead_letter(const std::vector<kafka::header>& headers);

// The original headers without any dead-letter ones (kavro's or Spring's), for sending a dead letter
// back to its topic.
std::vector<kafka::header> strip_dead_letter_headers(const std::vector<kafka::header>& headers);

// A message's state on its way through the retry topics.
struct retry_hop {
  origin first;             // where it was first consumed
  int attempts = 0;         // handler calls made so far
  std::int64_t due_ms = 0;  // ms since epoch: not to be handled before
  std::string last_error;
};

// The headers of a message moved to a retry topic: its own headers without earlier kavro.retry.* ones,
// then the hop's.
std::vector<kafka::header> encode(const retry_hop& hop, std::vector<kafka::header> original = {});

// The retry state a message carries; empty when it carries none (it has not been through a retry
// topic). `self` fills what the headers leave out (e.g. an unreadable partition).
std::optional<retry_hop> decode_retry(const std::vector<kafka::header>& headers, const origin& self);

// The value of the last header with this name, if any (librdkafka's get_last semantics).
std::optional<std::string> last_header(const std::vector<kafka::header>& headers, std::string_view name);

}  // namespace kavro::pipeline
