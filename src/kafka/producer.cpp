// The producer: librdkafka with idempotence and bounded retries, and a delivery report per message.
#include "kavro/kafka/producer.hpp"

#include <atomic>
#include <stdexcept>
#include <thread>

#include "handles.hpp"

namespace kavro::kafka {

struct producer::impl {
  detail::kafka_ptr rk;
  delivery_callback on_delivery;
  std::chrono::milliseconds delivery_timeout;
  std::atomic<std::uint64_t> produced{0}, delivered{0}, failed{0};

  static void on_dr(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<impl*>(opaque);
    delivery_report r;
    r.token = reinterpret_cast<std::uintptr_t>(m->_private);
    r.topic = rd_kafka_topic_name(m->rkt);
    r.partition = m->partition;
    r.offset = m->offset;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++self->failed;
      r.failure = error{errc::unavailable, "delivery to " + r.topic + " failed: " + detail::err_text(m->err)};
    } else {
      ++self->delivered;
    }
    if (self->on_delivery) self->on_delivery(r);
  }
};

producer::producer(producer_config config, delivery_callback on_delivery) : impl_(std::make_unique<impl>()) {
  if (config.bootstrap_servers.empty()) throw std::invalid_argument("producer: bootstrap servers are empty");
  if (config.retries < 0) throw std::invalid_argument("producer: retries must be >= 0");
  properties props{
      {keys::bootstrap_servers, config.bootstrap_servers},
      {keys::retries, std::to_string(config.retries)},
      {keys::retry_backoff_ms, std::to_string(config.retry_backoff.count())},
      {keys::delivery_timeout_ms, std::to_string(config.delivery_timeout.count())},
      {keys::enable_idempotence, config.idempotent ? "true" : "false"},
      {keys::acks, "all"},
      {"linger.ms", "5"},
  };
  for (const auto& [k, v] : config.extra) props[k] = v;
  auto conf = detail::make_conf(props);
  if (!conf) throw std::invalid_argument(conf.error().message);
  impl_->on_delivery = std::move(on_delivery);
  impl_->delivery_timeout = config.delivery_timeout;
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &impl::on_dr);
  rd_kafka_conf_set_opaque(conf->get(), impl_.get());
  auto rk = detail::make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) throw std::invalid_argument(rk.error().message);
  impl_->rk = std::move(*rk);
}

producer::~producer() {
  // Outcomes of what is still queued are reported (as failures if they cannot be delivered in time).
  if (impl_ && impl_->rk) rd_kafka_flush(impl_->rk.get(), 10000);
}

result<void> producer::produce(std::string_view topic, std::span<const std::uint8_t> key,
                               std::span<const std::uint8_t> value, const std::vector<header>& headers,
                               std::uint64_t token, std::int32_t partition) {
  const std::string topic_name(topic);
  const auto deadline = std::chrono::steady_clock::now() + impl_->delivery_timeout;
  for (;;) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& h : headers) {
        rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                            static_cast<ssize_t>(h.value.size()));
      }
    }
    // librdkafka copies key and value (RD_KAFKA_MSG_F_COPY), so the caller may reuse its buffers.
    rd_kafka_resp_err_t err = rd_kafka_producev(
        impl_->rk.get(), RD_KAFKA_V_TOPIC(topic_name.c_str()),
        RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(const_cast<std::uint8_t*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<std::uint8_t*>(value.data()), value.size()),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::uintptr_t>(token))),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++impl_->produced;
      rd_kafka_poll(impl_->rk.get(), 0);
      return {};
    }
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);  // not taken on failure
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_poll(impl_->rk.get(), 50);  // backpressure: let deliveries drain the queue
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512];
      rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(impl_->rk.get(), reason, sizeof reason);
      return fail(errc::internal, "fatal producer error " + std::string(rd_kafka_err2name(fatal)) + ": " + reason);
    }
    const errc code = err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? errc::unavailable : errc::invalid_argument;
    return fail(code, "producing to " + topic_name + ": " + detail::err_text(err));
  }
}

void producer::poll(std::chrono::milliseconds timeout) {
  rd_kafka_poll(impl_->rk.get(), static_cast<int>(timeout.count()));
}

result<void> producer::flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk.get(), static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return fail(errc::unavailable,
                std::to_string(rd_kafka_outq_len(impl_->rk.get())) + " message(s) not delivered within " +
                    std::to_string(timeout.count()) + " ms");
  }
  return {};
}

std::size_t producer::in_flight() const { return static_cast<std::size_t>(rd_kafka_outq_len(impl_->rk.get())); }

producer_counts producer::counts() const {
  return {impl_->produced.load(), impl_->delivered.load(), impl_->failed.load()};
}

}  // namespace kavro::kafka
