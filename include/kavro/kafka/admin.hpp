// Topic administration and whole-topic reads: creating the pipeline's topics, and reading a topic
// back (the dead-letter topic, for `kavro demo` and the tests).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kavro/kafka/config.hpp"
#include "kavro/kafka/producer.hpp"
#include "kavro/result.hpp"

namespace kavro::kafka {

// Creates the topics that do not exist yet; an existing topic is left as it is. `extra` are librdkafka
// properties for the admin client (a secured cluster's security.protocol, sasl.*, ssl.*), applied after
// the bootstrap servers, so they may override them as they do for the command's other clients.
// `cancelled`, when given, is asked every 100 ms while waiting: true ends the wait (errc::unavailable).
result<void> ensure_topics(const std::string& bootstrap_servers, const std::vector<std::string>& topics,
                           int partitions, int replication_factor = 1,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30),
                           const properties& extra = {}, const std::function<bool()>& cancelled = {});

// The connection settings among `props` (bootstrap.servers, security.protocol, sasl.*, ssl.*, socket.*,
// client.dns.lookup, broker.address.family): what every client of a command needs to reach the cluster,
// whatever the client's role, so a consumer's -X can be given to its dead-letter producer and topic admin
// without consumer-only properties.
properties connection_properties(const properties& props);

struct record {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::int64_t timestamp = -1;
  std::string key;
  std::string value;
  std::vector<header> headers;

  // The value of the first header with this name, or empty.
  std::string header_value(const std::string& name) const;
};

// Every record of the topic from the beginning up to its end at the time of the call, in partition
// then offset order. Uses no consumer group.
result<std::vector<record>> read_topic(const std::string& bootstrap_servers, const std::string& topic,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                       const properties& extra = {});

}  // namespace kavro::kafka
