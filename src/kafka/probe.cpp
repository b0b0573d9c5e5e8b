// The start-up probe of a Kafka cluster: a throw-away producer handle, its error callback read for the
// causes librdkafka reports only there (authentication, TLS, refused connections), and metadata.
#include "kavro/kafka/probe.hpp"

#include <algorithm>
#include <mutex>

#include "handles.hpp"

namespace kavro::kafka {

namespace {

// What the error callback saw; written on librdkafka's thread that serves the callback (inside
// rd_kafka_poll on ours, in fact), read by the probe loop.
struct seen_errors {
  std::mutex mutex;
  probe_outcome worst = probe_outcome::ok;
  std::string detail;

  void note(probe_outcome o, const char* reason) {
    const std::lock_guard lock(mutex);
    // The lower the enumerator, the better it explains the failure.
    if (worst == probe_outcome::ok || static_cast<int>(o) <= static_cast<int>(worst)) {
      worst = o;
      detail = reason ? reason : "";
    }
  }
};

bool contains(const std::string& text, const char* what) {
  auto lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find(what) != std::string::npos;
}

probe_outcome classify(int err, const std::string& reason) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
      return probe_outcome::authentication;
    case RD_KAFKA_RESP_ERR__SSL:
      return probe_outcome::tls;
    case RD_KAFKA_RESP_ERR__RESOLVE:
      return probe_outcome::resolve;
    default:
      break;
  }
  // Refused connections and failed handshakes come as _TRANSPORT (or _ALL_BROKERS_DOWN); the text
  // tells them apart.
  if (contains(reason, "ssl handshake") || contains(reason, "certificate")) return probe_outcome::tls;
  if (contains(reason, "connection refused")) return probe_outcome::refused;
  if (contains(reason, "resolve")) return probe_outcome::resolve;
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) return probe_outcome::timed_out;  // says nothing new
  return probe_outcome::transport;
}

void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  const std::string text = reason ? reason : "";
  static_cast<seen_errors*>(opaque)->note(classify(err, text), reason);
}

}  // namespace

probe_result probe_cluster(const properties& props, std::chrono::milliseconds timeout,
                           const std::function<bool()>& cancelled) {
  // The probe's own findings are its report: librdkafka's lines about them would only repeat it.
  properties quiet = props;
  quiet["log_level"] = "0";
  auto conf = detail::make_conf(quiet);
  if (!conf) return {probe_outcome::config, conf.error().message, 0};
  seen_errors seen;
  rd_kafka_conf_set_error_cb(conf->get(), &on_error);
  rd_kafka_conf_set_opaque(conf->get(), &seen);
  auto rk = detail::make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) return {probe_outcome::config, rk.error().message, 0};

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cancelled && cancelled()) return {probe_outcome::cancelled, {}, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    const struct rd_kafka_metadata* md = nullptr;
    // Short slices, so a cancel or an authentication failure is seen within one.
    const int slice = static_cast<int>(std::clamp<std::int64_t>(left.count(), 1, 100));
    if (rd_kafka_metadata(rk->get(), 0, nullptr, &md, slice) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const int brokers = md->broker_cnt;
      rd_kafka_metadata_destroy(md);
      return {probe_outcome::ok, {}, brokers};
    }
    rd_kafka_poll(rk->get(), 0);  // serves the error callback
    const std::lock_guard lock(seen.mutex);
    if (seen.worst == probe_outcome::authentication || seen.worst == probe_outcome::tls ||
        seen.worst == probe_outcome::config) {
      return {seen.worst, seen.detail, 0};
    }
  }
  rd_kafka_poll(rk->get(), 0);
  const std::lock_guard lock(seen.mutex);
  if (seen.worst == probe_outcome::ok) return {probe_outcome::timed_out, {}, 0};
  return {seen.worst, seen.detail, 0};
}

}  // namespace kavro::kafka
