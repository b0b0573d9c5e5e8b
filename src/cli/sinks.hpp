// Where `kavro consume` puts what it decodes (--sink): the orders table (the default for Order
// records), a table derived from any schema, JSON lines on stdout, or nowhere; and --reader-schema,
// which resolves every record to one schema first.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "kavro/kafka/consumer.hpp"
#include "kavro/orders/sqlite_sink.hpp"
#include "kavro/result.hpp"

namespace kavro::cli {

struct sink_options {
  // auto: Order records (any record with order_id, product and price) into the orders table as
  // always, every other record into a table derived from its schema; orders: the orders table only
  // (other records are dead-lettered as permanent failures); sqlite: every record into a derived table;
  // print: a JSON line per record on stdout; none: decode, count and commit only.
  std::string sink = "auto";
  std::string table;          // --table
  std::string key_column;     // --key-column
  std::string reader_schema;  // --reader-schema FILE.avsc
};

void add_sink_options(CLI::App& cmd, sink_options& o);

class consume_sink {
 public:
  virtual ~consume_sink() = default;
  virtual kafka::message_handler handler() = 0;
  // Makes the batch durable (commit batching); nullptr when the sink has nothing to batch.
  virtual std::function<result<void>()> flush() { return nullptr; }
  // "orders.db", "stdout", ...: for the start-up line.
  virtual std::string describe() const = 0;
  // Whether stdout carries the records (so summaries must go to stderr).
  virtual bool uses_stdout() const { return false; }
};

// Errors (errc::invalid_argument / invalid_schema) name a bad option or reader schema file; a database
// that does not open throws std::runtime_error. `batched`: rows are committed in batches via flush().
result<std::unique_ptr<consume_sink>> make_consume_sink(const sink_options& o, const std::string& db,
                                                        bool batched, orders::sqlite_sync sync);

}  // namespace kavro::cli
