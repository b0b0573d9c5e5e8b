// Topic creation through librdkafka's Admin API and header copying: the one definition kavro's kafka
// module (ensure_topics) and the registry server's Kafka store (its `_schemas` topic) share.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kavro/kafka/header.hpp"
#include "kavro/result.hpp"
#include "rdkafka_handles.hpp"

namespace kavro::rdk {

struct new_topic_deleter {
  void operator()(rd_kafka_NewTopic_t* t) const noexcept { rd_kafka_NewTopic_destroy(t); }
};
struct admin_options_deleter {
  void operator()(rd_kafka_AdminOptions_t* o) const noexcept { rd_kafka_AdminOptions_destroy(o); }
};
using new_topic_ptr = std::unique_ptr<rd_kafka_NewTopic_t, new_topic_deleter>;
using admin_options_ptr = std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_deleter>;

struct topic_spec {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  std::map<std::string, std::string> config;  // topic-level settings, e.g. cleanup.policy=compact
};

// Admin options with the request (and, for topic creation, the operation) timeout; a refused setting is
// an error naming it.
inline result<admin_options_ptr> admin_options(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                               std::chrono::milliseconds timeout) {
  admin_options_ptr options(rd_kafka_AdminOptions_new(rk, op));
  if (!options) return fail(errc::internal, "admin options: not supported for this operation");
  char errstr[512];
  const int ms = static_cast<int>(timeout.count());
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, errstr, sizeof errstr)) {
    return fail(errc::invalid_argument, std::string("admin request timeout: ") + errstr);
  }
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS &&
      rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, errstr, sizeof errstr)) {
    return fail(errc::invalid_argument, std::string("admin operation timeout: ") + errstr);
  }
  return options;
}

// Creates the topics that do not exist yet (an existing one is not an error and is left as it is).
// Errors name the topic; `unavailable` when the cluster did not answer (then *timed_out is set, for a
// caller with its own text for that) or refused for a reason that may pass, `invalid_argument` for a spec
// librdkafka refuses.
// `cancelled`, when given, is asked every 100 ms while the answer is awaited: true gives up at once
// (errc::unavailable, "cancelled"), so a command being stopped is not held by a silent broker.
inline result<void> create_topics(rd_kafka_t* rk, const std::vector<topic_spec>& specs,
                                  std::chrono::milliseconds timeout, bool* timed_out = nullptr,
                                  const std::function<bool()>& cancelled = {}) {
  if (specs.empty()) return {};
  std::vector<new_topic_ptr> owned;
  std::vector<rd_kafka_NewTopic_t*> topics;
  char errstr[512];
  for (const auto& spec : specs) {
    new_topic_ptr nt(rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication_factor,
                                           errstr, sizeof errstr));
    if (!nt) return fail(errc::invalid_argument, "topic '" + spec.name + "': " + errstr);
    for (const auto& [key, value] : spec.config) {
      if (rd_kafka_resp_err_t err = rd_kafka_NewTopic_set_config(nt.get(), key.c_str(), value.c_str())) {
        return fail(errc::invalid_argument,
                    "topic '" + spec.name + "' setting '" + key + "': " + err_text(err));
      }
    }
    topics.push_back(nt.get());
    owned.push_back(std::move(nt));
  }
  auto options = admin_options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout);
  if (!options) return tl::unexpected(options.error());
  queue_ptr queue(rd_kafka_queue_new(rk));
  rd_kafka_CreateTopics(rk, topics.data(), topics.size(), options->get(), queue.get());
  const auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(5);
  event_ptr ev;
  while (!ev && std::chrono::steady_clock::now() < deadline) {
    if (cancelled && cancelled()) return fail(errc::unavailable, "creating topics: cancelled");
    ev.reset(rd_kafka_queue_poll(queue.get(), cancelled ? 100 : static_cast<int>(timeout.count() + 5000)));
  }
  if (!ev) {
    if (timed_out) *timed_out = true;
    return fail(errc::unavailable,
                "creating topics: no answer within " + std::to_string(timeout.count()) + " ms");
  }
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev.get());
  if (!res || rd_kafka_event_error(ev.get())) {
    return fail(errc::unavailable, std::string("creating topics: ") + rd_kafka_event_error_string(ev.get()));
  }
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      return fail(errc::unavailable, std::string("creating topic '") +
                                         rd_kafka_topic_result_name(results[i]) +
                                         "': " + (msg ? msg : rd_kafka_err2str(err)));
    }
  }
  return {};
}

// A consumed message's headers, in order (a header without a value has an empty one).
inline std::vector<kafka::header> headers_of(const rd_kafka_message_t* m) {
  std::vector<kafka::header> out;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name;
  const void* val;
  size_t size;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    out.push_back({name, val ? std::string(static_cast<const char*>(val), size) : std::string()});
  }
  return out;
}

}  // namespace kavro::rdk
