// The consumer's default handler: stores each order in a SQLite database keyed by order_id, so a
// message delivered twice is stored once.
#pragma once

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

class sqlite_sink {
 public:
  // Opens (creating if needed) the database and its `orders` table. Throws std::runtime_error.
  explicit sqlite_sink(const std::string& path);
  ~sqlite_sink();
  sqlite_sink(const sqlite_sink&) = delete;
  sqlite_sink& operator=(const sqlite_sink&) = delete;

  // Upserts the order with where it came from. A busy or failing database is a transient failure.
  std::optional<kafka::handler_error> store(const order& o, const kafka::consumed_message& from);

  result<std::int64_t> count();
  result<std::optional<order>> find(std::int32_t order_id);

  // The handler for kafka::pipeline_consumer: decode the order, validate it (a bad order is a
  // permanent failure), store it.
  kafka::message_handler handler();

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
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
