// The consumer's default handler: stores each order in a SQLite database keyed by order_id, so a
// message delivered twice is stored once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "kavro/kafka/consumer.hpp"
#include "kavro/orders/order.hpp"
#include "kavro/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace kavro::orders {

// How SQLite makes a commit durable (PRAGMA synchronous, in WAL mode). The consumer commits a message's
// offset right after the commit that stored its row, so only `full` keeps "a committed offset means a
// stored row" through an OS crash or a power loss.
enum class sqlite_sync {
  full,    // every commit waits for the WAL to reach the disk (fsync): a committed row survives a power loss
  normal,  // the WAL is synced only at checkpoints: faster commits, and a process crash still loses nothing,
           // but an OS crash or power loss can lose the last commits, rows whose offsets Kafka already has
           // (those messages are then never delivered again)
};

struct sink_options {
  // false: every store() is its own transaction, durable when store() returns.
  // true: store() writes into one open transaction (BEGIN IMMEDIATE on the first row), and the rows
  // become durable only at commit_batch(). A consumer using this must store a message's offset only
  // after the commit_batch() that covers its row succeeded, and must hand every message of a failed
  // batch to the handler again (the upsert makes that harmless).
  bool batched = false;
  sqlite_sync sync = sqlite_sync::full;
};

class sqlite_sink {
 public:
  // Opens (creating if needed) the database and its `orders` table. Throws std::runtime_error.
  explicit sqlite_sink(const std::string& path, sink_options options = {});
  ~sqlite_sink();
  sqlite_sink(const sqlite_sink&) = delete;
  sqlite_sink& operator=(const sqlite_sink&) = delete;

  // Upserts the order with where it came from. A busy or failing database is a transient failure.
  std::optional<kafka::handler_error> store(const order& o, const kafka::consumed_message& from);

  // Batched mode: makes every row stored since the last commit durable (COMMIT). On failure the
  // batch is rolled back and none of its rows is stored; the error is errc::unavailable (try again).
  // Nothing open: does nothing. In unbatched mode: does nothing.
  result<void> commit_batch();
  // Batched mode: drops the rows stored since the last commit (e.g. when abandoning the batch).
  void rollback_batch() noexcept;
  // Rows written into the open batch and not yet committed.
  std::size_t pending_rows() const noexcept { return pending_rows_; }

  result<std::int64_t> count();
  // The connection, for a sink that writes other tables into the same transactions (the CLI's generic
  // sink for records that are not orders). Owned by this sink.
  sqlite3* native_handle() const noexcept { return db_; }
  result<std::optional<order>> find(std::int32_t order_id);

  // The handler for kafka::pipeline_consumer: decode the order, validate it (a bad order is a
  // permanent failure), store it.
  kafka::message_handler handler();

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sink_options options_;
  bool in_batch_ = false;
  bool batch_lost_ = false;  // SQLite rolled the open transaction back on its own (I/O error, full disk)
  std::size_t pending_rows_ = 0;
  std::string stored_at_;  // the stored_at of the rows being written
};

// Failure injection for demonstrations and tests: wraps a handler so that a fraction of calls fail
// transiently (drawn from a seeded generator), and orders whose product is `stuck_product` always do.
struct fault_injection {
  double fail_rate = 0;
  std::uint64_t seed = 7;
  std::string stuck_product = "stuck";
};
kafka::message_handler with_faults(kafka::message_handler inner, fault_injection faults);

}  // namespace kavro::orders
