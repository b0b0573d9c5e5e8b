// Test-only access to the producer's internals, for fault drills; not installed and not public API
// (the fault tests add src/kafka to their include path).
#pragma once

#include <string>

#include "kavro/kafka/producer.hpp"

namespace kavro::kafka {

struct producer_test_access {
  // Raises a fatal error in the underlying librdkafka producer (rd_kafka_test_fatal_error), for drills
  // that prove the recovery; the next produce/poll/flush recovers from it.
  static void inject_fatal_error(producer& p, const std::string& reason);
};

}  // namespace kavro::kafka
