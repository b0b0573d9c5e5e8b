// How the registry server keeps its state: in memory (the embedded demo and component tests), or
// durable in a compacted single-partition Kafka topic in Confluent's `_schemas` format.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace kavro::registry_server {

struct kafka_store_config {
  std::string bootstrap;           // bootstrap.servers
  std::string topic = "_schemas";  // created compacted with one partition if missing
  short replication_factor = 1;    // for the topic if it must be created
  // Extra librdkafka properties (security.protocol, sasl.*, ssl.*), applied to every client.
  std::vector<std::pair<std::string, std::string>> properties;
  std::chrono::milliseconds timeout{30000};  // a write or start-up catch-up that takes longer fails
  // Leader election: instances on the same topic join this consumer group; the member assigned the
  // topic's one partition is the leader. Empty: "kavro-schema-registry-" + topic.
  std::string group_id;
  // The URL other instances forward writes to; empty: http://<host>:<port> as the server binds it.
  std::string advertised_url;
  // How soon the group notices a leader that died without leaving (the broker's minimum is 6 s).
  std::chrono::milliseconds session_timeout{6000};
};

}  // namespace kavro::registry_server
