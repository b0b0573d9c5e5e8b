// Topic creation through the Admin API and bounded whole-topic reads through assign().
#include "kavro/kafka/admin.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <thread>

#include "handles.hpp"
#include "rdkafka_admin.hpp"

namespace kavro::kafka {

std::string record::header_value(const std::string& name) const {
  for (const auto& h : headers) {
    if (h.name == name) return h.value;
  }
  return {};
}

result<void> ensure_topics(const std::string& bootstrap_servers, const std::vector<std::string>& topics,
                           int partitions, int replication_factor, std::chrono::milliseconds timeout,
                           const properties& extra, const std::function<bool()>& cancelled) {
  if (topics.empty()) return {};
  properties props{{keys::bootstrap_servers, bootstrap_servers}};
  for (const auto& [k, v] : extra) props[k] = v;
  auto conf = detail::make_conf(props);
  if (!conf) return tl::unexpected(conf.error());
  auto rk = detail::make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) return tl::unexpected(rk.error());

  std::vector<rdk::topic_spec> specs;
  for (const auto& t : topics) specs.push_back({t, partitions, replication_factor, {}});
  return rdk::create_topics(rk->get(), specs, timeout, nullptr, cancelled);
}

properties connection_properties(const properties& props) {
  static constexpr std::string_view prefixes[] = {"security.", "sasl.", "ssl.", "socket.", "enable.ssl."};
  static constexpr std::string_view keys[] = {"bootstrap.servers", "client.dns.lookup",
                                              "broker.address.family"};
  properties out;
  for (const auto& [k, v] : props) {
    bool wanted = false;
    for (auto p : prefixes) wanted = wanted || k.starts_with(p);
    for (auto key : keys) wanted = wanted || k == key;
    if (wanted) out.emplace(k, v);
  }
  return out;
}

result<std::vector<record>> read_topic(const std::string& bootstrap_servers, const std::string& topic,
                                       std::chrono::milliseconds timeout, const properties& extra) {
  properties props{{keys::bootstrap_servers, bootstrap_servers},
                   {keys::group_id, "kavro-reader"},  // required by librdkafka; never joined: assign() only
                   {"enable.auto.commit", "false"},
                   {"enable.partition.eof", "true"}};
  for (const auto& [k, v] : extra) props[k] = v;
  auto conf = detail::make_conf(props);
  if (!conf) return tl::unexpected(conf.error());
  auto rk = detail::make_handle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk) return tl::unexpected(rk.error());
  rd_kafka_t* h = rk->get();
  if (rd_kafka_resp_err_t err = rd_kafka_poll_set_consumer(h))
    return fail(errc::internal, "poll_set_consumer: " + detail::err_text(err));

  const struct rd_kafka_metadata* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(h, topic.c_str(), nullptr);
  rd_kafka_resp_err_t err = rd_kafka_metadata(h, 0, rkt, &md, static_cast<int>(timeout.count()));
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return fail(errc::unavailable, "metadata for '" + topic + "': " + detail::err_text(err));
  std::vector<std::int32_t> partitions;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  if (md->topic_cnt == 1) {
    topic_err = md->topics[0].err;
    for (int i = 0; i < md->topics[0].partition_cnt; ++i)
      partitions.push_back(md->topics[0].partitions[i].id);
  }
  rd_kafka_metadata_destroy(md);
  if (topic_err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || partitions.empty())
    return std::vector<record>{};
  if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return fail(errc::unavailable, "topic '" + topic + "': " + detail::err_text(topic_err));
  std::sort(partitions.begin(), partitions.end());

  // Read each partition from its low to its high watermark as they are now.
  detail::partition_list_ptr assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  std::size_t remaining = 0;
  std::vector<std::int64_t> ends(partitions.size());
  // A broker that has just come back (restarted, or resumed after a stall) can answer metadata before it
  // leads its partitions again: such answers are retried until the deadline, not reported.
  const auto watermark_deadline = std::chrono::steady_clock::now() + timeout;
  const auto transient = [](rd_kafka_resp_err_t e) {
    switch (e) {
      case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      case RD_KAFKA_RESP_ERR__TIMED_OUT:
      case RD_KAFKA_RESP_ERR__TRANSPORT:
      case RD_KAFKA_RESP_ERR__WAIT_COORD:
      case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
      case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
      case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
      case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        return true;
      default:
        return false;
    }
  };
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    std::int64_t low = 0, high = 0;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          watermark_deadline - std::chrono::steady_clock::now());
      err = rd_kafka_query_watermark_offsets(h, topic.c_str(), partitions[i], &low, &high,
                                             static_cast<int>(std::max<std::int64_t>(left.count(), 1000)));
      if (!err || !transient(err) || std::chrono::steady_clock::now() >= watermark_deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (err)
      return fail(errc::unavailable, "watermarks of '" + topic + "' [" + std::to_string(partitions[i]) +
                                         "]: " + detail::err_text(err));
    ends[i] = high;
    if (high > low) {
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partitions[i])->offset = low;
      ++remaining;
    }
  }
  std::vector<record> out;
  if (remaining == 0) return out;
  if ((err = rd_kafka_assign(h, assignment.get())))
    return fail(errc::unavailable, "assign: " + detail::err_text(err));

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<bool> done(partitions.size(), false);
  while (remaining > 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      return fail(errc::unavailable,
                  "reading '" + topic + "': timed out with " + std::to_string(out.size()) + " records read");
    }
    detail::message_ptr m(rd_kafka_consumer_poll(h, 100));
    if (!m) continue;
    const auto idx = static_cast<std::size_t>(std::find(partitions.begin(), partitions.end(), m->partition) -
                                              partitions.begin());
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (idx < done.size() && !done[idx] && m->offset >= ends[idx]) {
        done[idx] = true;
        --remaining;
      }
      continue;
    }
    if (m->err) return fail(errc::unavailable, "reading '" + topic + "': " + detail::err_text(m->err));
    record r;
    r.topic = topic;
    r.partition = m->partition;
    r.offset = m->offset;
    r.timestamp = rd_kafka_message_timestamp(m.get(), nullptr);
    if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
    r.headers = rdk::headers_of(m.get());
    out.push_back(std::move(r));
    if (idx < done.size() && !done[idx] && m->offset + 1 >= ends[idx]) {
      done[idx] = true;
      --remaining;
    }
  }
  (void)rd_kafka_consumer_close(h);  // never joined a group (assign only): nothing to leave
  std::stable_sort(out.begin(), out.end(), [](const record& a, const record& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  return out;
}

}  // namespace kavro::kafka
