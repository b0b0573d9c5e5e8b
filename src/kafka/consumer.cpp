// The pipeline consumer's loop: decode, handle, retry, dead-letter, then store the offset.
#include "kavro/kafka/consumer.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>
#include <stdexcept>
#include <thread>

#include "handles.hpp"
#include "kavro/kafka/dead_letter.hpp"

namespace kavro::kafka {

std::chrono::milliseconds retry_policy::delay(int retry, double unit_random) const {
  double nominal = static_cast<double>(initial_backoff.count()) * std::pow(multiplier, std::max(0, retry - 1));
  nominal = std::min(nominal, static_cast<double>(max_backoff.count()));
  const double factor = 1.0 + jitter * (2.0 * std::clamp(unit_random, 0.0, 1.0) - 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(nominal * factor)));
}

struct pipeline_consumer::impl {
  detail::kafka_ptr rk;
  std::unique_ptr<producer> dead_letters;
  std::shared_ptr<serde::deserializer> deserializer;
  message_handler handler;
  consumer_counts counts;
  std::mt19937_64 rng{std::random_device{}()};
  // Outcome of the dead letter being sent; delivery reports arrive on this thread, inside poll().
  std::optional<delivery_report> last_report;
};

pipeline_consumer::pipeline_consumer(consumer_config config, std::shared_ptr<serde::deserializer> deserializer,
                                     message_handler handler)
    : config_(std::move(config)), impl_(std::make_unique<impl>()) {
  if (config_.bootstrap_servers.empty()) throw std::invalid_argument("consumer: bootstrap servers are empty");
  if (config_.topics.empty()) throw std::invalid_argument("consumer: no topic to consume");
  if (config_.group_id.empty()) throw std::invalid_argument("consumer: group id is empty");
  if (config_.retry.max_retries < 0) throw std::invalid_argument("consumer: retries must be >= 0");
  if (!deserializer) throw std::invalid_argument("consumer: no deserializer");
  if (!handler) throw std::invalid_argument("consumer: no handler");
  if (config_.dead_letter_topic.empty()) config_.dead_letter_topic = config_.topics.front() + ".dlq";
  if (std::find(config_.topics.begin(), config_.topics.end(), config_.dead_letter_topic) != config_.topics.end()) {
    throw std::invalid_argument("consumer: dead-letter topic '" + config_.dead_letter_topic +
                                "' is also a source topic");
  }
  if (!config_.log) config_.log = [](const std::string& line) { std::cerr << line << '\n'; };
  impl_->deserializer = std::move(deserializer);
  impl_->handler = std::move(handler);

  properties props{
      {keys::bootstrap_servers, config_.bootstrap_servers},
      {keys::group_id, config_.group_id},
      {keys::auto_offset_reset, "earliest"},
      {keys::enable_auto_offset_store, "false"},
      {"enable.auto.commit", "true"},
      {"auto.commit.interval.ms", "1000"},
  };
  for (const auto& [k, v] : config_.extra) props[k] = v;
  auto conf = detail::make_conf(props);
  if (!conf) throw std::invalid_argument(conf.error().message);
  auto rk = detail::make_handle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk) throw std::invalid_argument(rk.error().message);
  impl_->rk = std::move(*rk);
  rd_kafka_poll_set_consumer(impl_->rk.get());

  producer_config pc;
  pc.bootstrap_servers = config_.bootstrap_servers;
  pc.extra = config_.dead_letter_producer;
  pc.extra.emplace("linger.ms", "0");
  impl_->dead_letters = std::make_unique<producer>(
      pc, [this](const delivery_report& r) { impl_->last_report = r; });
}

pipeline_consumer::~pipeline_consumer() = default;

consumer_counts pipeline_consumer::counts() const { return impl_->counts; }

result<void> pipeline_consumer::run(const run_options& options) {
  rd_kafka_t* rk = impl_->rk.get();
  auto& counts = impl_->counts;
  const auto& log = config_.log;

  detail::partition_list_ptr topics(rd_kafka_topic_partition_list_new(static_cast<int>(config_.topics.size())));
  for (const auto& t : config_.topics) rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics.get())) {
    return fail(errc::invalid_argument, "subscribing: " + detail::err_text(err));
  }

  // Sleeps in short slices so stop() is honoured promptly; false when stopped.
  auto wait = [this](std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
      if (stop_.load(std::memory_order_relaxed)) return false;
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(20), std::chrono::duration_cast<std::chrono::milliseconds>(
                                             until - std::chrono::steady_clock::now())));
    }
    return !stop_.load(std::memory_order_relaxed);
  };

  auto store_offset = [rk](const rd_kafka_message_t* m) {
    detail::partition_list_ptr l(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(l.get(), rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset + 1;
    rd_kafka_offsets_store(rk, l.get());
  };

  // Sends the dead letter and waits for the broker's acknowledgement; retries until acknowledged or stopped.
  auto dead_letter = [&](const rd_kafka_message_t* m, const char* error_class, const std::string& why,
                         int attempts) -> bool {
    std::vector<header> headers;
    rd_kafka_headers_t* original = nullptr;
    if (rd_kafka_message_headers(m, &original) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* val;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(original, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        headers.push_back({name, val ? std::string(static_cast<const char*>(val), size) : std::string()});
      }
    }
    headers.push_back({dlq::original_topic, rd_kafka_topic_name(m->rkt)});
    headers.push_back({dlq::original_partition, std::to_string(m->partition)});
    headers.push_back({dlq::original_offset, std::to_string(m->offset)});
    headers.push_back({dlq::original_timestamp, std::to_string(rd_kafka_message_timestamp(m, nullptr))});
    headers.push_back({dlq::consumer_group, config_.group_id});
    headers.push_back({dlq::attempts, std::to_string(attempts)});
    headers.push_back({dlq::error_class, error_class});
    headers.push_back({dlq::error_message, why});
    const std::span<const std::uint8_t> key(static_cast<const std::uint8_t*>(m->key), m->key_len);
    const std::span<const std::uint8_t> value(static_cast<const std::uint8_t*>(m->payload), m->len);
    for (int tries = 1;; ++tries) {
      impl_->last_report.reset();
      auto queued = impl_->dead_letters->produce(config_.dead_letter_topic, key, value, headers);
      if (queued) {
        while (!impl_->last_report && !stop_.load(std::memory_order_relaxed)) {
          impl_->dead_letters->poll(std::chrono::milliseconds(50));
        }
        if (impl_->last_report && !impl_->last_report->failure) return true;
        if (!impl_->last_report) {
          // Stopping: give the queued dead letter a bounded chance; the offset stays unstored either way
          // unless it was acknowledged, so the message is seen again.
          impl_->dead_letters->flush(std::chrono::milliseconds(5000));
          return impl_->last_report && !impl_->last_report->failure;
        }
        log("dead letter for " + std::string(rd_kafka_topic_name(m->rkt)) + "[" + std::to_string(m->partition) +
            "]@" + std::to_string(m->offset) + " not acknowledged (try " + std::to_string(tries) +
            "): " + impl_->last_report->failure->message);
      } else {
        log("dead letter could not be queued (try " + std::to_string(tries) + "): " + queued.error().message);
      }
      if (!wait(config_.retry.delay(std::min(tries, 10), 0.5))) return false;
    }
  };

  auto process = [&](const rd_kafka_message_t* m) {
    ++counts.received;
    consumed_message cm;
    cm.topic = rd_kafka_topic_name(m->rkt);
    cm.partition = m->partition;
    cm.offset = m->offset;
    cm.timestamp = rd_kafka_message_timestamp(m, nullptr);
    cm.key = std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(m->key), m->key_len);
    cm.payload = std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(m->payload), m->len);
    const std::string where = cm.topic + "[" + std::to_string(cm.partition) + "]@" + std::to_string(cm.offset);

    result<serde::decoded> decoded = impl_->deserializer->deserialize(cm.payload);
    while (!decoded && decoded.error().code == errc::unavailable) {
      // The registry being down says nothing about the message: wait, never skip or dead-letter it.
      ++counts.registry_waits;
      log(where + ": registry unavailable, will decode again: " + decoded.error().message);
      if (!wait(config_.registry_retry_backoff)) return;
      decoded = impl_->deserializer->deserialize(cm.payload);
    }
    if (!decoded) {
      const bool unknown = decoded.error().code == errc::not_found;
      log(where + ": dead-lettering undecodable message: " + decoded.error().message);
      if (dead_letter(m, unknown ? "unknown_schema" : "decode", decoded.error().message, 0)) {
        ++counts.dead_lettered;
        ++(unknown ? counts.dead_unknown_schema : counts.dead_decode);
        store_offset(m);
      }
      return;
    }
    cm.decoded = &*decoded;

    for (int attempt = 1;; ++attempt) {
      cm.attempt = attempt;
      std::optional<handler_error> failure = impl_->handler(cm);
      if (!failure) {
        ++counts.handled;
        store_offset(m);
        return;
      }
      const bool permanent = failure->kind == failure_kind::permanent;
      if (permanent || attempt > config_.retry.max_retries) {
        const char* error_class = permanent ? "handler_permanent" : "handler_exhausted";
        if (dead_letter(m, error_class, failure->message, attempt)) {
          ++counts.dead_lettered;
          ++(permanent ? counts.dead_permanent : counts.dead_exhausted);
          store_offset(m);
        }
        return;
      }
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      if (!wait(config_.retry.delay(attempt, unit(impl_->rng)))) return;  // stopping: abandoned, not stored
      ++counts.retries;
    }
  };

  auto last_activity = std::chrono::steady_clock::now();
  while (!stop_.load(std::memory_order_relaxed)) {
    if (options.max_messages != 0 && counts.finished() >= options.max_messages) break;
    if (options.idle_timeout.count() > 0 && std::chrono::steady_clock::now() - last_activity > options.idle_timeout) {
      break;
    }
    detail::message_ptr m(rd_kafka_consumer_poll(rk, 100));
    if (!m) continue;
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        log("consumer: " + detail::err_text(m->err) + (m->rkt ? " (" + std::string(rd_kafka_topic_name(m->rkt)) + ")" : ""));
        if (m->err == RD_KAFKA_RESP_ERR__FATAL) return fail(errc::internal, "fatal consumer error");
      }
      continue;
    }
    last_activity = std::chrono::steady_clock::now();
    process(m.get());
  }

  // Commit what is done, then leave the group so partitions move on without waiting for a session timeout.
  rd_kafka_resp_err_t err = rd_kafka_commit(rk, nullptr, 0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    log("consumer: final commit failed: " + detail::err_text(err));
  }
  rd_kafka_consumer_close(rk);
  return {};
}

}  // namespace kavro::kafka
