// librdkafka's own log lines through kavro::log: its syslog severity mapped to a kavro level (see
// kavro::log::from_syslog), the client's name and librdkafka's facility as fields. Header-only, so the
// registry's Kafka store and kavro::kafka can both use it.
#pragma once

#include <librdkafka/rdkafka.h>

#include "kavro/log.hpp"

namespace kavro::kafka {

// A log callback for rd_kafka_conf_set_log_cb. librdkafka calls it from its own threads; kavro::log
// writes each event as one line under its lock, so no line is torn.
inline void rdkafka_log_callback(const rd_kafka_t* rk, int severity, const char* facility,
                                 const char* message) {
  const auto level = kavro::log::from_syslog(severity);
  if (!kavro::log::enabled(level)) return;
  kavro::log::write(level, message ? message : "",
                    {{"source", "librdkafka"},
                     {"client", rk ? rd_kafka_name(rk) : ""},
                     {"facility", facility ? facility : ""}});
}

// Routes the log lines of every client made from `conf` through kavro::log; call before rd_kafka_new.
inline void route_logs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, &rdkafka_log_callback);
}

}  // namespace kavro::kafka
