// Leaving the consumer group within a bound: rd_kafka_consumer_close() waits for ever for a group
// coordinator that is gone (every broker down), which would hold a stopping process.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <string>

namespace kavro::pipeline {

enum class close_outcome {
  closed,     // left the group (or the close ended with an error, in `error`)
  timed_out,  // not done within the bound: destroy the handle with RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE
};

// Commits the stored offsets (rd_kafka_commit of all, synchronously) for at most `bound`: a commit waits
// for the group coordinator without limit. Returns librdkafka's error, _NO_OFFSET when nothing was
// stored, or _TIMED_OUT.
rd_kafka_resp_err_t commit_within(rd_kafka_t* rk, std::chrono::milliseconds bound);

// Closes the consumer through a queue of its own and serves it (the rebalance callback runs for the
// revocation, as in rd_kafka_consumer_close()) until the close completes or `bound` passes.
close_outcome close_consumer_within(rd_kafka_t* rk, std::chrono::milliseconds bound, std::string& error);

}  // namespace kavro::pipeline
