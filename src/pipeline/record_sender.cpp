// record_sender: serializer + producer, each failed delivery handed to the caller with its reason.
#include "kavro/pipeline/record_sender.hpp"

#include <span>

namespace kavro::pipeline {

namespace {
std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

record_sender::record_sender(kafka::producer_config config,
                             std::shared_ptr<registry::schema_registry> registry, std::string topic,
                             avro::schema schema, std::string subject,
                             std::function<void(const kafka::delivery_report&)> on_failure)
    : topic_(std::move(topic)), serializer_(std::move(registry), std::move(subject), std::move(schema)) {
  producer_ = std::make_unique<kafka::producer>(
      std::move(config), [on_failure = std::move(on_failure)](const kafka::delivery_report& r) {
        if (r.failure && on_failure) on_failure(r);
      });
}

result<void> record_sender::send(const avro::value& record, const std::string& key) {
  return send(record, key, {}, -1);
}

result<void> record_sender::send(const avro::value& record, const std::string& key,
                                 const std::vector<kafka::header>& headers, std::int32_t partition) {
  buffer_.clear();
  if (auto ok = serializer_.serialize(record, buffer_); !ok) return ok;
  auto queued = producer_->produce(topic_, as_bytes(key), buffer_, headers, producer_->counts().produced + 1,
                                   partition);
  if (queued) queued_bytes_.fetch_add(key.size() + buffer_.size(), std::memory_order_relaxed);
  return queued;
}

result<void> record_sender::send_raw(const std::string& bytes, const std::string& key) {
  auto queued =
      producer_->produce(topic_, as_bytes(key), as_bytes(bytes), {}, producer_->counts().produced + 1);
  if (queued) queued_bytes_.fetch_add(key.size() + bytes.size(), std::memory_order_relaxed);
  return queued;
}

result<void> record_sender::finish(std::chrono::milliseconds timeout) {
  // Flushes within the bound; what is still without an outcome is reported failed, so counts() adds up.
  const std::size_t left = producer_->close(timeout);
  if (left == 0) return {};
  return fail(errc::unavailable, std::to_string(left) + " message(s) not delivered within " +
                                     std::to_string(timeout.count()) + " ms, reported failed");
}

}  // namespace kavro::pipeline
