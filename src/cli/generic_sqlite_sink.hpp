// Any Avro record in SQLite: a table derived from the schema (top-level fields as columns, nested values
// as JSON text), upserted by a key column or by where the record came from, so re-delivery never
// duplicates a row. Used by `kavro consume --sink sqlite` and for non-Order records of the default sink.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "kavro/avro/schema.hpp"
#include "kavro/avro/value.hpp"
#include "kavro/kafka/consumer.hpp"
#include "kavro/orders/sqlite_sink.hpp"
#include "kavro/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace kavro::cli {

struct generic_sqlite_options {
  std::string table;       // empty: the record's name (characters other than [A-Za-z0-9_] become '_')
  std::string key_column;  // empty: keyed by (source_topic, source_partition, source_offset)
  // As orders::sink_options::batched: rows become durable at commit_batch() only.
  bool batched = false;
  orders::sqlite_sync sync = orders::sqlite_sync::full;
};

class generic_sqlite_sink {
 public:
  // Opens (creating if needed) its own connection to the database. Throws std::runtime_error.
  generic_sqlite_sink(const std::string& path, generic_sqlite_options options);
  // Writes through a connection someone else owns, inside whatever transaction it has open (the orders
  // sink's batch): batching is then the owner's, and commit_batch() does nothing.
  generic_sqlite_sink(sqlite3* shared, generic_sqlite_options options);
  ~generic_sqlite_sink();
  generic_sqlite_sink(const generic_sqlite_sink&) = delete;
  generic_sqlite_sink& operator=(const generic_sqlite_sink&) = delete;

  // Stores one record of schema s. A busy or failing database is transient; a record without the key
  // column, permanent.
  std::optional<kafka::handler_error> store(const avro::schema& s, const avro::value& v,
                                            const kafka::consumed_message& from);
  result<void> commit_batch();
  void rollback_batch() noexcept;

 private:
  struct plan {
    std::string table;
    std::vector<std::string> columns;  // the record's fields, in schema order
    sqlite3_stmt* upsert = nullptr;
  };
  result<plan*> plan_for(const avro::schema& s);
  // Drops the cached tables and statements: after a rollback a table they describe may be gone.
  void forget() noexcept;
  result<void> ensure_table(const std::string& table,
                            const std::vector<std::pair<std::string, std::string>>& cols);

  sqlite3* db_ = nullptr;
  bool owned_ = false;
  generic_sqlite_options options_;
  bool in_batch_ = false;
  std::unordered_map<std::string, plan> plans_;             // by schema text
  std::map<std::string, std::vector<std::string>> tables_;  // table -> its columns, as created or altered
};

}  // namespace kavro::cli
