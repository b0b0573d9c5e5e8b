// librdkafka's statistics callback, handing each JSON document to kavro::metrics' process-wide sink
// (kavro/client_statistics.hpp). Header-only like the log bridge, so every client made by
// rdk::make_conf has it; a client emits statistics only when statistics.interval.ms is set.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string_view>

#include "kavro/client_statistics.hpp"

namespace kavro::kafka {

// Returns 0: librdkafka frees the JSON buffer itself.
inline int rdkafka_stats_callback(rd_kafka_t*, char* json, size_t json_len, void*) {
  try {
    metrics::deliver_statistics(std::string_view(json, json_len));
  } catch (...) {
    // a sink that fails loses this one reading, never the client's thread
  }
  return 0;
}

inline void route_statistics(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_stats_cb(conf, &rdkafka_stats_callback);
}

}  // namespace kavro::kafka
