// A Kafka producer that gives every message exactly one reported outcome: delivered, or failed with
// the reason. Idempotent (acks=all) by default, with the orders example's retry budget of 3. A fatal error of
// the underlying librdkafka producer (e.g. idempotence sequence errors after a broker restart) is recovered
// from by recreating it and sending again every message that has no outcome yet.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kavro/kafka/config.hpp"
#include "kavro/kafka/error.hpp"
#include "kavro/kafka/header.hpp"
#include "kavro/result.hpp"

namespace kavro::kafka {

struct producer_config {
  std::string bootstrap_servers;
  // librdkafka's `retries`: how often a failed produce request is sent again before the message
  // is reported failed. Bounded overall by delivery_timeout.
  int retries = 3;
  std::chrono::milliseconds retry_backoff{100};
  std::chrono::milliseconds delivery_timeout{30000};  // delivery.timeout.ms in `extra` overrides it
  bool idempotent = true;
  // How often a message may be carried over into a recreated producer after a fatal error before it is
  // reported failed; 0 disables recovery (a fatal error then fails every message without an outcome).
  int max_recoveries = 3;
  properties extra;                             // any librdkafka property; overrides the above
  std::function<void(const std::string&)> log;  // fatal errors and recoveries; default: stderr
  // Non-empty: a transactional producer with this transactional.id (idempotent; a fatal error is not
  // recovered from, since a recreated producer would lose the transaction: it is reported instead).
  // Messages are produced inside begin_transaction() .. commit_transaction().
  std::string transactional_id;
};

// A consumer position to commit inside a transaction: the next offset to read of one partition.
struct partition_offset {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

// The outcome of a transaction call: kafka_error says whether the transaction must be aborted
// (txn_requires_abort), the producer is lost (fatal), or the call may be repeated (retriable).
using txn_result = tl::expected<void, kafka_error>;

// The one final outcome of one message. The callback's report lives for the call only (the producer
// reuses it for the next one): copy what is kept.
struct delivery_report {
  std::uint64_t token = 0;  // the caller's token given to produce()
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::optional<error> failure;  // empty when delivered
};

struct producer_counts {
  std::uint64_t produced = 0;    // accepted into the local queue
  std::uint64_t delivered = 0;   // acknowledged by the broker
  std::uint64_t failed = 0;      // reported failed
  std::uint64_t recoveries = 0;  // times the librdkafka producer was recreated after a fatal error
  std::uint64_t resent = 0;      // messages sent again by a recreated producer
};

// Used from one thread (the callback runs on it, inside produce/poll/flush/close); counts() may be
// read from any.
class producer {
 public:
  using delivery_callback = std::function<void(const delivery_report&)>;

  // Throws kavro::config_error on a bad configuration.
  explicit producer(producer_config config, delivery_callback on_delivery = {});
  ~producer();
  producer(const producer&) = delete;
  producer& operator=(const producer&) = delete;

  // Queues one message; key, value and headers are copied, so the caller may reuse its buffers. When the
  // local queue is full it serves delivery reports and waits for room instead of failing: every queued
  // message gets its outcome within the delivery timeout (one in flight once its request times out), so
  // even a broker outage longer than that only makes the wait longer. It gives up (errc::unavailable)
  // only when no message got an outcome for the delivery timeout plus request.timeout.ms plus a second.
  // Otherwise it serves reports every 1,024 messages, so a caller that wants its reports sooner calls
  // poll(). partition < 0 lets the key choose the partition.
  result<void> produce(std::string_view topic, std::span<const std::uint8_t> key,
                       std::span<const std::uint8_t> value, const std::vector<header>& headers = {},
                       std::uint64_t token = 0, std::int32_t partition = -1);

  // Serves delivery reports.
  void poll(std::chrono::milliseconds timeout);

  // Waits until every queued message has its outcome; an error says how many are still outstanding.
  result<void> flush(std::chrono::milliseconds timeout);

  // Flushes within the bound, then reports every message still without an outcome as failed
  // ("not delivered before shutdown"); returns how many that were. The destructor does this too.
  std::size_t close(std::chrono::milliseconds timeout);

  std::size_t in_flight() const;
  producer_counts counts() const;

  // --- transactions (producer_config::transactional_id) -------------------------------------------
  // Once, before the first transaction: fences an earlier producer with the same transactional.id and
  // aborts (or completes) what it left open.
  txn_result init_transactions(std::chrono::milliseconds timeout);
  txn_result begin_transaction();
  // Commits the consumer positions with the transaction (KIP-447): `group_metadata` is the consuming
  // group's metadata as rd_kafka_consumer_group_metadata_write serialized it, so a member fenced out of
  // the group by a rebalance cannot commit.
  txn_result send_offsets_to_transaction(const std::vector<partition_offset>& offsets,
                                         std::span<const std::uint8_t> group_metadata,
                                         std::chrono::milliseconds timeout);
  // Flushes, then commits; every message of the transaction has its delivery report when it returns.
  txn_result commit_transaction(std::chrono::milliseconds timeout);
  // Purges what is queued and aborts; readers with isolation.level=read_committed never see the
  // transaction's messages. Messages without an outcome are reported failed.
  txn_result abort_transaction(std::chrono::milliseconds timeout);

 private:
  friend struct producer_test_access;  // fault drills (src/kafka/producer_test_access.hpp), not public API
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kavro::kafka
