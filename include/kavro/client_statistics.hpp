// librdkafka's statistics (the JSON it emits every statistics.interval.ms) reduced to what kavro's
// metrics and progress lines show: consumer lag per partition and the producer's queue depth. The
// parser is pure (unit-tested without a broker); the process-wide sink is where every client made by
// rdk::make_conf delivers its statistics (kavro/kafka/stats_bridge.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kavro/result.hpp"

namespace kavro::metrics {

struct partition_lag {
  std::string topic;
  std::int32_t partition = -1;
  // Messages between the committed offset and the end of the partition (the high watermark, or the
  // last stable offset under read_committed): librdkafka's consumer_lag.
  std::int64_t lag = 0;
};

struct client_statistics {
  std::string name;                  // the client's name ("rdkafka#consumer-1")
  std::string type;                  // "consumer" or "producer"
  std::int64_t queued_messages = 0;  // msg_cnt: messages in the producer's queues, not yet acknowledged
  std::int64_t queued_bytes = 0;     // msg_size
  // Partitions with a known lag (librdkafka's -1 "unknown" and its internal partition -1 left out),
  // ordered by topic and partition.
  std::vector<partition_lag> lags;
};

// Parses one statistics document. Refuses (errc::invalid_data, naming the field) what is not JSON, is
// nested deeper than librdkafka ever writes, or lacks the top-level "name" and "type"; fields kavro
// does not use are ignored.
result<client_statistics> parse_client_statistics(std::string_view json);

// The latest statistics of every client in the process, keyed by client name; read at scrape time.
class statistics_store {
 public:
  void update(client_statistics s);
  std::vector<client_statistics> snapshot() const;
  // Total lag over the consumers' partitions; -1 when no consumer reported one yet.
  std::int64_t total_lag() const;
  // Messages queued in the producers; -1 when no producer reported yet.
  std::int64_t total_queued() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, client_statistics> by_client_;
};

// The process-wide receiver of raw statistics documents: librdkafka calls it from its threads.
// Installing a sink does not enable statistics: a client emits them only with statistics.interval.ms.
void set_statistics_sink(std::function<void(std::string_view json)> sink);
void deliver_statistics(std::string_view json);

}  // namespace kavro::metrics
