// The pipeline consumer: decodes each message through the registry, hands it to a handler, retries
// transient failures with backoff, dead-letters what cannot be handled, and stores an offset only once
// its message was handled or its dead letter acknowledged (at-least-once, nothing skipped).
// A message waiting for its next attempt (or for the registry) holds up only its own partition (pausing
// its fetching when the wait is long, see pause_threshold): the consumer keeps polling, so it keeps its
// group membership and serves the other partitions. The handler runs on the consumer's thread; once a
// call has run 250 ms, a keeper thread polls meanwhile, so even a handler slower than
// max.poll.interval.ms does not cost the group membership. With commit batching, a handler's effects
// are made durable in batches and offsets are stored only after the batch that covers them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kavro/avro/schema.hpp"
#include "kavro/avro/value.hpp"
#include "kavro/kafka/config.hpp"
#include "kavro/kafka/producer.hpp"
#include "kavro/pipeline/dead_letter.hpp"
#include "kavro/result.hpp"
#include "kavro/serde/deserializer.hpp"

namespace kavro::pipeline {

using kafka::properties;

struct retry_policy {
  // The orders example's "consumer retries = 5": after the first attempt, up to 5 more (6 handler calls in
  // all), then the dead-letter topic.
  int max_retries = 5;
  std::chrono::milliseconds initial_backoff{100};
  double multiplier = 2.0;
  std::chrono::milliseconds max_backoff{5000};
  double jitter = 0.2;  // each delay is drawn uniformly within ±20% of its nominal value

  // The delay before retry number `retry` (1-based).
  std::chrono::milliseconds delay(int retry, double unit_random) const;
};

enum class failure_kind {
  transient,  // may succeed later: retried within the budget, then dead-lettered
  permanent,  // will never succeed: dead-lettered at once
};

struct handler_error {
  failure_kind kind = failure_kind::transient;
  std::string message;
};

// What a handler is given; valid during the call only (the topic, key, payload and decoded value
// belong to the consumer, which reuses them for the next message).
struct consumed_message {
  std::string_view topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::int64_t timestamp = -1;
  std::span<const std::uint8_t> key;
  std::span<const std::uint8_t> payload;  // the framed bytes as they were on the topic
  const serde::decoded* decoded = nullptr;
  int attempt = 1;  // 1 for the first call
};

// Returns nothing when the message was handled.
using message_handler = std::function<std::optional<handler_error>(const consumed_message&)>;

// Commit batching, for handlers whose effects become durable in batches (e.g. rows written into one
// open database transaction): the consumer calls `flush` to make the effects of every message handled
// since the previous flush durable, and stores those messages' offsets only after it succeeded. It
// flushes when max_messages are waiting, max_delay after the first of them, when no message is ready,
// before any wait (a retry's backoff, a registry outage, sending a dead letter), before partitions are
// revoked, and before run() returns. When `flush` fails (it must then have undone the batch), the
// consumer seeks every partition of the batch back to its first message and handles them all again,
// after a backoff: nothing is skipped, and a handler that upserts makes the replay harmless.
struct commit_batching {
  std::function<result<void>()> flush;
  std::size_t max_messages = 1000;
  std::chrono::milliseconds max_delay{100};
};

struct consumer_config {
  std::string bootstrap_servers;
  std::string group_id = "kavro";
  std::vector<std::string> topics;
  std::string dead_letter_topic;  // empty: "<first topic>.dlq"
  retry_policy retry;
  // How long to wait before decoding again while the registry is unreachable (never dead-lettered).
  std::chrono::milliseconds registry_retry_backoff{1000};
  dead_letter_headers header_style = dead_letter_headers::kavro;  // see dead_letter.hpp
  // Non-blocking retries: a transient failure moves the message to "<first topic>.retry-<n>" (n = 1 ..
  // retry.max_retries), where it is handled again once retry.delay(n) has passed, instead of waiting in
  // place. Its partition is never blocked, but the message loses its order relative to the ones behind
  // it. The consumer also subscribes to the retry topics; they must exist (retry_topic_names()).
  bool retry_topics = false;
  // A partition whose received-but-unhandled backlog reaches this many messages is paused until it drains.
  std::size_t max_backlog = 1000;
  // A message waiting at least this long for its next attempt pauses its partition's fetching; shorter
  // waits only hold the messages behind it (up to max_backlog). Either way the consumer keeps polling.
  std::chrono::milliseconds pause_threshold{1000};
  std::optional<commit_batching> batching;  // empty: every handled message's offset is stored at once
  // Non-empty: exactly-once for what the consumer writes to Kafka. The dead letters and retry-topic sends
  // of a stretch of messages and the offsets that finish them are committed in one Kafka transaction of
  // the dead-letter producer (this transactional.id), the offsets through the group's metadata (KIP-447),
  // so a member fenced out of the group by a rebalance cannot commit. Readers with
  // isolation.level=read_committed see each dead letter once. A failed or fenced transaction is aborted
  // and its partitions are sought back to their committed offsets; a fatal producer error ends run().
  // Auto-commit is off, and the consumer reads with isolation.level=read_committed. A handler's own
  // effects (a database) stay outside: committed before the transaction (with commit batching), so a
  // crash between the two hands those messages over again, and the handler must be idempotent.
  // One id per process: a restarted process that reuses it aborts at once what its predecessor left open.
  std::string transactional_id;
  properties extra;                             // librdkafka consumer properties; override kavro's
  properties dead_letter_producer;              // librdkafka properties for the dead-letter producer
  std::function<void(const std::string&)> log;  // default: stderr
};

struct consumer_counts {
  std::uint64_t received = 0;        // messages taken from the topic
  std::uint64_t received_bytes = 0;  // ... their key and value bytes
  std::uint64_t handled = 0;         // handler succeeded (with batching: and its batch was flushed)
  std::uint64_t retries = 0;         // handler calls after a first failed one
  std::uint64_t dead_lettered = 0;   // dead letters acknowledged by the broker
  std::uint64_t dead_decode = 0;     // ... of which: could not be decoded
  std::uint64_t dead_unknown_schema = 0;
  std::uint64_t dead_permanent = 0;
  std::uint64_t dead_exhausted = 0;
  std::uint64_t registry_waits = 0;       // decode attempts postponed because the registry was unreachable
  std::uint64_t assignments = 0;          // rebalances that assigned partitions to this consumer
  std::uint64_t revocations = 0;          // rebalances that took partitions away
  std::uint64_t dropped_on_revoke = 0;    // unfinished messages let go at a revocation or a rolled-back batch
                                          // (not stored: received again)
  std::uint64_t batches = 0;              // commit batching: flushes that made a batch durable
  std::uint64_t batch_failures = 0;       // ... flushes that failed (the batch was handled again)
  std::uint64_t rolled_back = 0;          // handled messages whose batch failed, handled again
  std::uint64_t pauses = 0;               // times a partition was paused (waiting retry, registry, backlog)
  std::uint64_t sent_to_retry_topic = 0;  // non-blocking retries: messages moved to a retry topic
  // Transactional: handled, dead-lettered and sent-to-retry-topic count what was committed; an aborted
  // transaction's outcomes are taken back and counted when its messages are handled again.
  std::uint64_t transactions = 0;          // transactional: transactions committed
  std::uint64_t aborted_transactions = 0;  // ... aborted (their messages handled again)

  std::uint64_t finished() const { return handled + dead_lettered; }
};

struct run_options {
  std::uint64_t max_messages = 0;  // stop once this many have a final outcome; 0: no limit
  // Stop after this long without a message (or a retry due); 0: never. The clock runs only while the
  // group has given this consumer an assignment: the wait to join (up to a dead member's session
  // timeout) is bounded by assignment_timeout instead, so a short idle timeout never ends a run before
  // it could see its backlog.
  std::chrono::milliseconds idle_timeout{0};
  // Give up, with an errc::unavailable error, when the group has not given this consumer an assignment
  // (possibly empty) this long after run() started or after its assignment was taken away; 0: wait for
  // ever. The wait is logged when it starts and every 10 s.
  std::chrono::milliseconds assignment_timeout{0};
};

class pipeline_consumer {
 public:
  // Throws kavro::config_error on a bad configuration.
  pipeline_consumer(consumer_config config, std::shared_ptr<serde::deserializer> deserializer,
                    message_handler handler);
  ~pipeline_consumer();
  pipeline_consumer(const pipeline_consumer&) = delete;
  pipeline_consumer& operator=(const pipeline_consumer&) = delete;

  // Consumes until stop(), max_messages, idle_timeout or assignment_timeout (an error); then commits what
  // is done and leaves the group.
  result<void> run(const run_options& options = {});

  // Safe from another thread or a signal handler: the current message is finished or abandoned
  // (its offset not stored, so it is delivered again), and run() returns.
  void stop() noexcept { stop_.store(true, std::memory_order_relaxed); }

  // Safe from any thread: as of the consumer's last pass through its loop (exact once run() returned).
  // On the consumer's own thread (inside a handler or a batch flush) they are live.
  consumer_counts counts() const;
  const std::string& dead_letter_topic() const { return config_.dead_letter_topic; }
  // The retry topics used with consumer_config::retry_topics, in order; empty without it.
  std::vector<std::string> retry_topic_names() const;

 private:
  struct impl;
  consumer_config config_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<impl> impl_;
};

}  // namespace kavro::pipeline
