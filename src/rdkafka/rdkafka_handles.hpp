// RAII owners for librdkafka's C handles, and building a configured client handle: the one definition
// kavro's kafka module and the registry server's Kafka store share. Header-only (CMake target
// kavro::rdkafka_handles), so neither of those depends on the other.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "kavro/kafka/config.hpp"
#include "kavro/kafka/log_bridge.hpp"
#include "kavro/kafka/stats_bridge.hpp"
#include "kavro/result.hpp"

namespace kavro::rdk {

struct handle_deleter {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
struct conf_deleter {
  void operator()(rd_kafka_conf_t* c) const noexcept { rd_kafka_conf_destroy(c); }
};
struct message_deleter {
  void operator()(rd_kafka_message_t* m) const noexcept { rd_kafka_message_destroy(m); }
};
struct headers_deleter {
  void operator()(rd_kafka_headers_t* h) const noexcept { rd_kafka_headers_destroy(h); }
};
struct partition_list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const noexcept {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
struct event_deleter {
  void operator()(rd_kafka_event_t* e) const noexcept { rd_kafka_event_destroy(e); }
};
struct queue_deleter {
  void operator()(rd_kafka_queue_t* q) const noexcept { rd_kafka_queue_destroy(q); }
};

using handle_ptr = std::unique_ptr<rd_kafka_t, handle_deleter>;
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;
using message_ptr = std::unique_ptr<rd_kafka_message_t, message_deleter>;
using headers_ptr = std::unique_ptr<rd_kafka_headers_t, headers_deleter>;
using partition_list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter>;
using event_ptr = std::unique_ptr<rd_kafka_event_t, event_deleter>;
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;

// True for properties whose values are credentials (sasl.password, ssl.key.password, ...): an error
// names such a property but never prints its value.
inline bool is_secret_property(const std::string& key) {
  return key.find("password") != std::string::npos || key.find("secret") != std::string::npos ||
         key.find("sasl.oauthbearer.config") != std::string::npos || key == "ssl.key.pem" || key == "ssl_key";
}

// A librdkafka configuration from the property map; a rejected key or value is an error naming it.
inline result<conf_ptr> make_conf(const kafka::properties& props) {
  conf_ptr conf(rd_kafka_conf_new());
  kafka::route_logs(conf.get());        // librdkafka's lines through kavro's levelled logger, never raw
  kafka::route_statistics(conf.get());  // to kavro::metrics' sink, when statistics.interval.ms is set
  char errstr[512];
  for (const auto& [key, value] : props) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      std::string shown = is_secret_property(key) ? "(hidden)" : "'" + value + "'";
      return fail(errc::invalid_argument, "kafka property '" + key + "'=" + shown + ": " + errstr);
    }
  }
  return conf;
}

// A client handle of the given kind; takes ownership of conf on success.
inline result<handle_ptr> make_handle(rd_kafka_type_t type, conf_ptr conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) {
    return fail(errc::invalid_argument, std::string("creating kafka client: ") + errstr);
  }
  conf.release();  // rd_kafka_new took ownership
  return handle_ptr(rk);
}

inline std::string err_text(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2name(err)) + ": " + rd_kafka_err2str(err);
}

}  // namespace kavro::rdk
