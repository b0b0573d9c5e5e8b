// RAII owners for the librdkafka C handles the Kafka-backed storage uses (kept here so the registry
// server does not depend on kavro's kafka module).
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kavro::registry_server::rdk {

struct handle_deleter {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
struct conf_deleter {
  void operator()(rd_kafka_conf_t* c) const noexcept { rd_kafka_conf_destroy(c); }
};
struct message_deleter {
  void operator()(rd_kafka_message_t* m) const noexcept { rd_kafka_message_destroy(m); }
};
struct partitions_deleter {
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
using partitions_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, partitions_deleter>;
using event_ptr = std::unique_ptr<rd_kafka_event_t, event_deleter>;
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;

using property_list = std::vector<std::pair<std::string, std::string>>;

// Throws std::runtime_error naming the property librdkafka rejected.
inline conf_ptr make_conf(const property_list& props) {
  conf_ptr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [key, value] : props) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      throw std::runtime_error("kafka property '" + key + "': " + errstr);
    }
  }
  return conf;
}

// Takes ownership of conf; throws std::runtime_error if librdkafka refuses.
inline handle_ptr make_handle(rd_kafka_type_t type, conf_ptr conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (!rk) throw std::runtime_error(std::string("kafka client: ") + errstr);
  conf.release();  // rd_kafka_new took ownership
  return handle_ptr(rk);
}

inline std::string err_text(rd_kafka_resp_err_t err) {
  std::string out = rd_kafka_err2name(err);
  out += ": ";
  out += rd_kafka_err2str(err);
  return out;
}

}  // namespace kavro::registry_server::rdk
