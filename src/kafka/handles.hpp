// RAII owners for librdkafka's C handles, and building a handle from kavro's property map.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "kavro/kafka/config.hpp"
#include "kavro/result.hpp"

namespace kavro::kafka::detail {

struct kafka_deleter {
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

using kafka_ptr = std::unique_ptr<rd_kafka_t, kafka_deleter>;
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;
using message_ptr = std::unique_ptr<rd_kafka_message_t, message_deleter>;
using headers_ptr = std::unique_ptr<rd_kafka_headers_t, headers_deleter>;
using partition_list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter>;

// A librdkafka configuration from the property map; a rejected key or value is an error naming it.
result<conf_ptr> make_conf(const properties& props);

// A client handle of the given kind; takes ownership of conf on success.
result<kafka_ptr> make_handle(rd_kafka_type_t type, conf_ptr conf);

inline std::string err_text(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2name(err)) + ": " + rd_kafka_err2str(err);
}

}  // namespace kavro::kafka::detail
