// The producer: librdkafka with idempotence and bounded retries, a delivery report per message, and
// recovery from fatal errors by recreating the librdkafka producer and sending again what has no outcome.
#include "kavro/kafka/producer.hpp"

#include <atomic>
#include <iostream>
#include <map>
#include <stdexcept>
#include <thread>

#include "handles.hpp"

namespace kavro::kafka {

namespace {

// A message without an outcome yet, kept so that a recreated producer can send it again.
struct retained {
  std::string topic;
  std::string key, value;
  std::vector<header> headers;
  std::int32_t partition = -1;
  std::uint64_t token = 0;
  int sessions = 0;  // recreated producers it was carried into
};

}  // namespace

struct producer::impl {
  producer_config config;
  properties props;
  detail::kafka_ptr rk;
  delivery_callback on_delivery;
  std::atomic<std::uint64_t> produced{0}, delivered{0}, failed{0}, recoveries{0}, resent{0};
  std::map<std::uint64_t, retained> outstanding;  // by sequence number: resent in the original order
  std::uint64_t next_seq = 1;
  bool closing = false;  // purged messages are reported as not delivered before shutdown

  void log(const std::string& line) const {
    if (config.log) config.log(line); else std::cerr << line << '\n';
  }

  void report(std::uint64_t token, const std::string& topic, std::int32_t partition, std::int64_t offset,
              std::optional<error> failure) {
    delivery_report r;
    r.token = token;
    r.topic = topic;
    r.partition = partition;
    r.offset = offset;
    r.failure = std::move(failure);
    (r.failure ? failed : delivered)++;
    if (on_delivery) on_delivery(r);
  }

  bool recoverable() const { return config.max_recoveries > 0 && !closing; }

  static void on_dr(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<impl*>(opaque);
    const auto seq = reinterpret_cast<std::uintptr_t>(m->_private);
    auto it = self->outstanding.find(seq);
    if (it == self->outstanding.end()) return;  // from a producer replaced after a fatal error
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      self->report(it->second.token, it->second.topic, m->partition, m->offset, std::nullopt);
      self->outstanding.erase(it);
      return;
    }
    char reason[256];
    const bool fatal = m->err == RD_KAFKA_RESP_ERR__FATAL ||
                       rd_kafka_fatal_error(rk, reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR;
    if (fatal && self->recoverable()) return;  // kept: the recreated producer sends it again
    std::string why = "delivery to " + it->second.topic + " failed: " + detail::err_text(m->err);
    if (self->closing && (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)) {
      why = "delivery to " + it->second.topic + " failed: not delivered before shutdown (" +
            detail::err_text(m->err) + ")";
    }
    self->report(it->second.token, it->second.topic, m->partition, m->offset, error{errc::unavailable, why});
    self->outstanding.erase(it);
  }

  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) self->log(std::string("producer: fatal error: ") + reason);
  }

  detail::kafka_ptr make() {
    auto conf = detail::make_conf(props);
    if (!conf) throw std::invalid_argument(conf.error().message);
    rd_kafka_conf_set_dr_msg_cb(conf->get(), &impl::on_dr);
    rd_kafka_conf_set_error_cb(conf->get(), &impl::on_error);
    rd_kafka_conf_set_opaque(conf->get(), this);
    auto h = detail::make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
    if (!h) throw std::invalid_argument(h.error().message);
    return std::move(*h);
  }

  bool is_fatal() const {
    char reason[8];
    return rk && rd_kafka_fatal_error(rk.get(), reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR;
  }

  rd_kafka_resp_err_t send(std::uint64_t seq, const retained& m) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!m.headers.empty()) {
      hdrs = rd_kafka_headers_new(m.headers.size());
      for (const auto& h : m.headers) {
        rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                            static_cast<ssize_t>(h.value.size()));
      }
    }
    // librdkafka copies key and value (RD_KAFKA_MSG_F_COPY).
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk.get(), RD_KAFKA_V_TOPIC(m.topic.c_str()),
        RD_KAFKA_V_PARTITION(m.partition < 0 ? RD_KAFKA_PARTITION_UA : m.partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(const_cast<char*>(m.key.data()), m.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()), RD_KAFKA_V_HEADERS(hdrs),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::uintptr_t>(seq))), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) rd_kafka_headers_destroy(hdrs);  // not taken
    return err;
  }

  // Replaces a producer that raised a fatal error; every message without an outcome is sent again by the
  // new one, in its original order (the old session may have persisted some: duplicates across sessions
  // are possible, loss is not).
  void recover() {
    char reason[512] = "";
    const rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk.get(), reason, sizeof reason);
    log("producer: fatal error " + std::string(rd_kafka_err2name(fatal)) + ": " + reason + "; recreating the producer, " +
        std::to_string(outstanding.size()) + " message(s) without an outcome will be sent again");
    rd_kafka_purge(rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (rd_kafka_outq_len(rk.get()) > 0 && std::chrono::steady_clock::now() < deadline) rd_kafka_poll(rk.get(), 50);
    rk.reset();
    rk = make();
    ++recoveries;
    for (auto it = outstanding.begin(); it != outstanding.end();) {
      if (++it->second.sessions > config.max_recoveries) {
        report(it->second.token, it->second.topic, it->second.partition, -1,
               error{errc::unavailable, "delivery to " + it->second.topic + " failed: producer recreated " +
                                            std::to_string(config.max_recoveries) + " time(s) after fatal errors (" +
                                            reason + ")"});
        it = outstanding.erase(it);
        continue;
      }
      rd_kafka_resp_err_t err;
      while ((err = send(it->first, it->second)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(rk.get(), 50);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        report(it->second.token, it->second.topic, it->second.partition, -1,
               error{errc::unavailable, "resending to " + it->second.topic + ": " + detail::err_text(err)});
        it = outstanding.erase(it);
        continue;
      }
      ++resent;
      ++it;
    }
  }

  void poll(int ms) {
    rd_kafka_poll(rk.get(), ms);
    if (recoverable() && is_fatal()) recover();
  }
};

producer::producer(producer_config config, delivery_callback on_delivery) : impl_(std::make_unique<impl>()) {
  if (config.bootstrap_servers.empty()) throw std::invalid_argument("producer: bootstrap servers are empty");
  if (config.retries < 0) throw std::invalid_argument("producer: retries must be >= 0");
  if (config.max_recoveries < 0) throw std::invalid_argument("producer: max_recoveries must be >= 0");
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
  impl_->props = std::move(props);
  impl_->config = std::move(config);
  impl_->on_delivery = std::move(on_delivery);
  impl_->rk = impl_->make();
}

producer::~producer() {
  if (impl_ && impl_->rk) close(std::chrono::seconds(10));
}

result<void> producer::produce(std::string_view topic, std::span<const std::uint8_t> key,
                               std::span<const std::uint8_t> value, const std::vector<header>& headers,
                               std::uint64_t token, std::int32_t partition) {
  retained m{std::string(topic), std::string(reinterpret_cast<const char*>(key.data()), key.size()),
             std::string(reinterpret_cast<const char*>(value.data()), value.size()), headers, partition, token, 0};
  const std::uint64_t seq = impl_->next_seq++;
  const auto deadline = std::chrono::steady_clock::now() + impl_->config.delivery_timeout;
  int recovered_here = 0;
  for (;;) {
    rd_kafka_resp_err_t err = impl_->send(seq, m);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++impl_->produced;
      impl_->outstanding.emplace(seq, std::move(m));
      impl_->poll(0);
      return {};
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && std::chrono::steady_clock::now() < deadline) {
      impl_->poll(50);  // backpressure: let deliveries drain the queue
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      if (impl_->recoverable() && recovered_here++ < impl_->config.max_recoveries) {
        impl_->recover();
        continue;
      }
      char reason[512];
      rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(impl_->rk.get(), reason, sizeof reason);
      return fail(errc::internal, "fatal producer error " + std::string(rd_kafka_err2name(fatal)) + ": " + reason);
    }
    const errc code = err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? errc::unavailable : errc::invalid_argument;
    return fail(code, "producing to " + m.topic + ": " + detail::err_text(err));
  }
}

void producer::poll(std::chrono::milliseconds timeout) { impl_->poll(static_cast<int>(timeout.count())); }

result<void> producer::flush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->outstanding.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    rd_kafka_flush(impl_->rk.get(), static_cast<int>(std::min<std::int64_t>(left.count(), 100)));
    impl_->poll(0);
  }
  if (!impl_->outstanding.empty()) {
    return fail(errc::unavailable, std::to_string(impl_->outstanding.size()) + " message(s) not delivered within " +
                                       std::to_string(timeout.count()) + " ms");
  }
  return {};
}

std::size_t producer::close(std::chrono::milliseconds timeout) {
  (void)flush(timeout);
  const std::size_t left = impl_->outstanding.size();
  if (left == 0) return 0;
  impl_->closing = true;
  rd_kafka_purge(impl_->rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!impl_->outstanding.empty() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_poll(impl_->rk.get(), 50);
  }
  // Whatever librdkafka did not report is reported here: every message gets its one outcome.
  for (auto& [seq, m] : impl_->outstanding) {
    impl_->report(m.token, m.topic, m.partition, -1,
                  error{errc::unavailable, "delivery to " + m.topic + " failed: not delivered before shutdown"});
  }
  impl_->outstanding.clear();
  impl_->closing = false;
  return left;
}

void producer::inject_fatal_error(const std::string& reason) {
  rd_kafka_test_fatal_error(impl_->rk.get(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, reason.c_str());
}

std::size_t producer::in_flight() const { return impl_->outstanding.size(); }

producer_counts producer::counts() const {
  return {impl_->produced.load(), impl_->delivered.load(), impl_->failed.load(), impl_->recoveries.load(),
          impl_->resent.load()};
}

}  // namespace kavro::kafka
