// librdkafka's in-process mock cluster for fault tests: what one real broker cannot do (injected
// request errors, slow answers, fatal errors). Never a stand-in for the real broker elsewhere.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>

namespace kavro::testing {

// A one-broker mock cluster holding the given topics (name, partitions), replication 1.
struct mock_cluster {
  rd_kafka_t* rk = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;

  explicit mock_cluster(std::initializer_list<std::pair<const char*, int>> topics) {
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    cluster = rd_kafka_mock_cluster_new(rk, 1);
    for (const auto& [name, partitions] : topics) rd_kafka_mock_topic_create(cluster, name, partitions, 1);
  }
  ~mock_cluster() {
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(rk);
  }
  mock_cluster(const mock_cluster&) = delete;
  mock_cluster& operator=(const mock_cluster&) = delete;

  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster); }
  // Injected errors still waiting for a Produce request to broker 1.
  std::size_t produce_errors_left() const {
    size_t n = 0;
    rd_kafka_mock_broker_error_stack_cnt(cluster, 1, 0 /* Produce */, &n);
    return n;
  }
};

}  // namespace kavro::testing
