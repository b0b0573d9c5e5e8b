// Sending Avro records through the registry to one topic: a serializer and a producer, every delivery
// failure reported to the caller's callback and counted.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kavro/avro/schema.hpp"
#include "kavro/avro/value.hpp"
#include "kavro/kafka/producer.hpp"
#include "kavro/registry/registry.hpp"
#include "kavro/serde/serializer.hpp"

namespace kavro::pipeline {

class record_sender {
 public:
  // `on_failure` is called (on the producer's delivery thread) for each message that was not
  // delivered; the counts include it either way. The subject is the caller's choice
  // (registry::subject_name() gives Confluent's strategies).
  record_sender(kafka::producer_config config, std::shared_ptr<registry::schema_registry> registry,
                std::string topic, avro::schema schema, std::string subject,
                std::function<void(const kafka::delivery_report&)> on_failure = {});

  // Serializes and queues one record; the key is sent as its UTF-8 text.
  result<void> send(const avro::value& record, const std::string& key);
  // As send(), with record headers and a target partition (< 0: the key chooses).
  result<void> send(const avro::value& record, const std::string& key,
                    const std::vector<kafka::header>& headers, std::int32_t partition);
  // Queues bytes as they are (for deliberately malformed messages).
  result<void> send_raw(const std::string& bytes, const std::string& key);
  // Waits (within the bound) for every outcome; what did not make it is reported failed and counted.
  result<void> finish(std::chrono::milliseconds timeout);

  kafka::producer_counts counts() const { return producer_->counts(); }
  // Key and value bytes of the messages accepted into the producer's queue; read from any thread.
  std::uint64_t queued_bytes() const { return queued_bytes_.load(std::memory_order_relaxed); }
  result<std::int32_t> schema_id() { return serializer_.schema_id(); }
  // See serde::serializer::use_schema_id.
  void use_schema_id(std::int32_t id) noexcept { serializer_.use_schema_id(id); }
  // The producer itself, for its transactions (producer_config::transactional_id).
  kafka::producer& producer() { return *producer_; }

 private:
  std::string topic_;
  serde::serializer serializer_;
  std::vector<std::uint8_t> buffer_;
  std::unique_ptr<kafka::producer> producer_;
  std::atomic<std::uint64_t> queued_bytes_{0};
};

}  // namespace kavro::pipeline
