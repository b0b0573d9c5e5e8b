// The bounded consumer close (consumer_close.hpp).
#include "consumer_close.hpp"

#include "rdkafka_handles.hpp"

namespace kavro::pipeline {

rd_kafka_resp_err_t commit_within(rd_kafka_t* rk, std::chrono::milliseconds bound) {
  rdk::queue_ptr queue(rd_kafka_queue_new(rk));
  if (rd_kafka_resp_err_t err = rd_kafka_commit_queue(rk, nullptr, queue.get(), nullptr, nullptr)) return err;
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    rdk::event_ptr ev(rd_kafka_queue_poll(queue.get(), 100));
    if (ev && rd_kafka_event_type(ev.get()) == RD_KAFKA_EVENT_OFFSET_COMMIT)
      return rd_kafka_event_error(ev.get());
  }
  return RD_KAFKA_RESP_ERR__TIMED_OUT;
}

close_outcome close_consumer_within(rd_kafka_t* rk, std::chrono::milliseconds bound, std::string& error) {
  rdk::queue_ptr queue(rd_kafka_queue_new(rk));
  if (rd_kafka_error_t* e = rd_kafka_consumer_close_queue(rk, queue.get())) {
    error = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
    return close_outcome::closed;
  }
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!rd_kafka_consumer_closed(rk)) {
    if (std::chrono::steady_clock::now() >= deadline) return close_outcome::timed_out;
    // Callbacks (the rebalance callback's revocation) are served; any other event is only let go.
    if (rd_kafka_event_t* ev = rd_kafka_queue_poll(queue.get(), 100)) {
      if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
        // Not expected with a rebalance callback set; handled as rd_kafka_consumer_close() would.
        if (rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
          if (std::string(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE") {
            if (rd_kafka_error_t* e =
                    rd_kafka_incremental_unassign(rk, rd_kafka_event_topic_partition_list(ev))) {
              rd_kafka_error_destroy(e);
            }
          } else {
            rd_kafka_assign(rk, nullptr);
          }
        }
      } else if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_ERROR) {
        error = rd_kafka_event_error_string(ev);
      }
      rd_kafka_event_destroy(ev);
    }
  }
  return close_outcome::closed;
}

}  // namespace kavro::pipeline
