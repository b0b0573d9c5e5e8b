// The registry's /metrics: request counts and latencies by endpoint template, the transport's
// refusals and connections, and gauges read from the state and the store at scrape time. Names
// follow Confluent's JMX metrics in Prometheus form (kafka_schema_registry_*) where Confluent has
// one; the rest are kavro_registry_*. docs/operations-metrics.md lists them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http_server.hpp"
#include "kavro/metrics.hpp"
#include "state.hpp"
#include "store.hpp"

namespace kavro::registry_server {

// A route's template as metrics and logs name it: "/subjects/{subject}/versions/{version}", each
// parameter named after the literal before it ("{}" segments in the route table).
std::string endpoint_template(const std::vector<std::string_view>& segments);

class registry_metrics {
 public:
  // What the state holds, counted once per scrape (one pass under the state's shared lock).
  struct state_counts {
    double subjects = 0;                                       // with at least one live version
    double schemas = 0;                                        // distinct schema ids in use
    double live = 0;                                           // versions not deleted
    double deleted = 0;                                        // soft-deleted versions
    std::map<std::string, std::pair<double, double>> by_type;  // (live + deleted, deleted) per schema type
  };

  registry_metrics();

  // Counts one answer (called by the transport on its I/O thread; cheap, never blocks).
  void record(const http::exchange& x);

  // Gauges read at scrape time from the state, the store and the transport; everything captured
  // must outlive every scrape (the server owns all of them, and this).
  void watch(const shared_state& state, store& log, std::function<std::size_t()> connections_open,
             std::function<std::uint64_t()> connections_refused);

  // The exposition, text format 0.0.4.
  std::string scrape() const { return registry_.expose(); }
  metrics::registry& registry() { return registry_; }

 private:
  metrics::registry registry_;
  metrics::family<metrics::counter>& requests_;
  metrics::family<metrics::histogram>& latency_;
  metrics::family<metrics::counter>& refused_;
  metrics::counter& api_success_;
  metrics::counter& api_failure_;
  metrics::counter& request_bytes_;
  metrics::counter& response_bytes_;

  mutable std::mutex counts_mutex_;
  state_counts counts_;
  double read(double state_counts::*member) const {
    std::lock_guard lock(counts_mutex_);
    return counts_.*member;
  }
  double read_type(const std::string& type, bool deleted) const {
    std::lock_guard lock(counts_mutex_);
    auto it = counts_.by_type.find(type);
    return it == counts_.by_type.end() ? 0 : deleted ? it->second.second : it->second.first;
  }
};

}  // namespace kavro::registry_server
