// A bounded check that a Kafka cluster answers before a command starts its work: one metadata
// request with the command's own connection settings, and what stood in the way when it did not.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "kavro/kafka/config.hpp"

namespace kavro::kafka {

// Why the cluster could not be reached. The order is the precedence when several were seen: a
// refused credential explains a timeout, not the other way round.
enum class probe_outcome {
  ok,
  authentication,  // the broker refused the SASL credentials (or the mechanism)
  tls,             // the TLS handshake failed (certificate, CA, host name)
  resolve,         // a bootstrap host name does not resolve
  refused,         // nothing listens at the address
  transport,       // connected, then the connection failed (wrong protocol for the listener, reset)
  timed_out,       // no answer within the bound
  cancelled,       // the caller gave up (Ctrl-C)
  config,          // librdkafka refused the properties themselves
};

struct probe_result {
  probe_outcome outcome = probe_outcome::ok;
  // librdkafka's own words for the failure (never a property value), empty when ok.
  std::string detail;
  int brokers = 0;  // brokers the metadata named, when ok
};

// Connects with `props` (bootstrap.servers and the security settings, as every client of the command
// gets them) and asks for cluster metadata, for at most `timeout`. An authentication or TLS failure
// ends the probe at once (a retry cannot fix it); refused or failing connections are retried until
// the bound, since a broker may be starting. `cancelled` is asked about every 100 ms.
probe_result probe_cluster(const properties& props, std::chrono::milliseconds timeout,
                           const std::function<bool()>& cancelled = {});

}  // namespace kavro::kafka
