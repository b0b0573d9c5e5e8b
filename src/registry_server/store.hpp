// Where the change log goes: applied in memory only, or written to a Kafka topic and applied when
// read back (so every instance on the topic folds the same log).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kavro/registry_server/errors.hpp"
#include "kavro/registry_server/store.hpp"
#include "records.hpp"
#include "state.hpp"

namespace kavro::registry_server {

class store {
 public:
  virtual ~store() = default;
  // Makes the records durable, in order, and returns once this instance's state has applied them
  // (read-your-writes). The caller serialises appends.
  virtual api_result<void> append(const std::vector<record>& records) = 0;
  // True once the state has caught up with the log as it was at start-up; reads wait for this.
  virtual bool ready() const = 0;
  // Brings the state up to the log's current end: what a write must see before it decides.
  virtual api_result<void> sync() = 0;

  // Where the state stands in the log, for metrics: the next offset to apply and the log's end as
  // last seen (-1 when not known). nullopt: the store has no log (memory).
  struct log_position {
    std::int64_t applied = -1;
    std::int64_t end = -1;
  };
  virtual std::optional<log_position> position() const { return std::nullopt; }

  // Several instances on one log: one leader writes, the others forward their writes to it.
  // Starts taking part in the election, advertising `url` for followers to forward to.
  virtual void advertise(const std::string& url) { (void)url; }
  // nullopt: this instance writes itself; a URL: forward to that leader; 50004 while none is known.
  virtual api_result<std::optional<std::string>> write_target() { return std::optional<std::string>{}; }
};

std::unique_ptr<store> make_memory_store(shared_state& state);
// Throws kavro::config_error if librdkafka refuses the configuration.
std::unique_ptr<store> make_kafka_store(shared_state& state, const kafka_store_config& config);

}  // namespace kavro::registry_server
