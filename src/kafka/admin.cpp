// Topic creation through the Admin API and bounded whole-topic reads through assign().
#include "kavro/kafka/admin.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "handles.hpp"

namespace kavro::kafka {

std::string record::header_value(const std::string& name) const {
  for (const auto& h : headers) {
    if (h.name == name) return h.value;
  }
  return {};
}

namespace {

struct queue_deleter {
  void operator()(rd_kafka_queue_t* q) const noexcept { rd_kafka_queue_destroy(q); }
};
struct event_deleter {
  void operator()(rd_kafka_event_t* e) const noexcept { rd_kafka_event_destroy(e); }
};

}  // namespace

result<void> ensure_topics(const std::string& bootstrap_servers, const std::vector<std::string>& topics,
                           int partitions, int replication_factor, std::chrono::milliseconds timeout) {
  if (topics.empty()) return {};
  auto conf = detail::make_conf({{keys::bootstrap_servers, bootstrap_servers}});
  if (!conf) return tl::unexpected(conf.error());
  auto rk = detail::make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) return tl::unexpected(rk.error());

  std::vector<rd_kafka_NewTopic_t*> new_topics;
  char errstr[512];
  for (const auto& t : topics) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.c_str(), partitions, replication_factor, errstr, sizeof errstr);
    if (nt == nullptr) {
      for (auto* p : new_topics) rd_kafka_NewTopic_destroy(p);
      return fail(errc::invalid_argument, "topic '" + t + "': " + errstr);
    }
    new_topics.push_back(nt);
  }
  std::unique_ptr<rd_kafka_queue_t, queue_deleter> queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk->get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(timeout.count()), errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout.count()), errstr, sizeof errstr);
  rd_kafka_CreateTopics(rk->get(), new_topics.data(), new_topics.size(), options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  for (auto* p : new_topics) rd_kafka_NewTopic_destroy(p);

  std::unique_ptr<rd_kafka_event_t, event_deleter> ev(
      rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count() + 5000)));
  if (!ev) return fail(errc::unavailable, "creating topics: no answer from " + bootstrap_servers);
  if (rd_kafka_event_error(ev.get())) {
    return fail(errc::unavailable, std::string("creating topics: ") + rd_kafka_event_error_string(ev.get()));
  }
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev.get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      return fail(errc::unavailable, std::string("creating topic '") + rd_kafka_topic_result_name(results[i]) +
                                         "': " + (msg ? msg : rd_kafka_err2str(err)));
    }
  }
  return {};
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
  rd_kafka_poll_set_consumer(h);

  const struct rd_kafka_metadata* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(h, topic.c_str(), nullptr);
  rd_kafka_resp_err_t err = rd_kafka_metadata(h, 0, rkt, &md, static_cast<int>(timeout.count()));
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(errc::unavailable, "metadata for '" + topic + "': " + detail::err_text(err));
  std::vector<std::int32_t> partitions;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  if (md->topic_cnt == 1) {
    topic_err = md->topics[0].err;
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) partitions.push_back(md->topics[0].partitions[i].id);
  }
  rd_kafka_metadata_destroy(md);
  if (topic_err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || partitions.empty()) return std::vector<record>{};
  if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(errc::unavailable, "topic '" + topic + "': " + detail::err_text(topic_err));
  std::sort(partitions.begin(), partitions.end());

  // Read each partition from its low to its high watermark as they are now.
  detail::partition_list_ptr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
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
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(watermark_deadline - std::chrono::steady_clock::now());
      err = rd_kafka_query_watermark_offsets(h, topic.c_str(), partitions[i], &low, &high,
                                             static_cast<int>(std::max<std::int64_t>(left.count(), 1000)));
      if (!err || !transient(err) || std::chrono::steady_clock::now() >= watermark_deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (err) return fail(errc::unavailable, "watermarks of '" + topic + "' [" + std::to_string(partitions[i]) + "]: " + detail::err_text(err));
    ends[i] = high;
    if (high > low) {
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partitions[i])->offset = low;
      ++remaining;
    }
  }
  std::vector<record> out;
  if (remaining == 0) return out;
  if ((err = rd_kafka_assign(h, assignment.get()))) return fail(errc::unavailable, "assign: " + detail::err_text(err));

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<bool> done(partitions.size(), false);
  while (remaining > 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      return fail(errc::unavailable, "reading '" + topic + "': timed out with " + std::to_string(out.size()) + " records read");
    }
    detail::message_ptr m(rd_kafka_consumer_poll(h, 100));
    if (!m) continue;
    const auto idx = static_cast<std::size_t>(
        std::find(partitions.begin(), partitions.end(), m->partition) - partitions.begin());
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
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m.get(), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* val;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        r.headers.push_back({name, val ? std::string(static_cast<const char*>(val), size) : std::string()});
      }
    }
    out.push_back(std::move(r));
    if (idx < done.size() && !done[idx] && m->offset + 1 >= ends[idx]) {
      done[idx] = true;
      --remaining;
    }
  }
  rd_kafka_consumer_close(h);
  std::stable_sort(out.begin(), out.end(), [](const record& a, const record& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  return out;
}

}  // namespace kavro::kafka
