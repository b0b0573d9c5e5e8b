// Storing orders in SQLite: an idempotent upsert per order, so re-delivery never duplicates a row;
// one transaction per row, or (batched) one per batch, committed when the consumer says so.
#include "kavro/orders/sqlite_sink.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <random>
#include <stdexcept>

namespace kavro::orders {

namespace {

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(std::string("sqlite: ") + msg + " in: " + sql);
  }
}

// Now as the column's default writes it (strftime('%Y-%m-%dT%H:%M:%fZ','now')). Formatted here once per
// transaction rather than by SQLite once per row: in a batch every row shares its commit's time.
std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis));
  return buf;
}

}  // namespace

sqlite_sink::sqlite_sink(const std::string& path, sink_options options) : options_(options) {
  // The destructor does not run for a constructor that throws: until the end, this owns the connection
  // and the statement, so a failing step (a file that is not a database, a read-only one) leaks neither.
  struct close_on_throw {
    sqlite3*& db;
    sqlite3_stmt*& upsert;
    bool armed = true;
    ~close_on_throw() {
      if (!armed) return;
      sqlite3_finalize(upsert);
      upsert = nullptr;
      sqlite3_close(db);
      db = nullptr;
    }
  } guard{db_, upsert_};
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    throw std::runtime_error("opening SQLite database '" + path + "': " + msg);
  }
  sqlite3_busy_timeout(db_, 2000);
  exec(db_, "PRAGMA journal_mode=WAL");
  exec(db_, options_.sync == sqlite_sync::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec(db_,
       "CREATE TABLE IF NOT EXISTS orders ("
       " order_id INTEGER PRIMARY KEY, product TEXT NOT NULL, price REAL NOT NULL,"
       " source_topic TEXT, source_partition INTEGER, source_offset INTEGER,"
       " stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))");
  const char* sql =
      "INSERT INTO orders(order_id, product, price, source_topic, source_partition, source_offset, stored_at)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
      " ON CONFLICT(order_id) DO UPDATE SET product=excluded.product, price=excluded.price,"
      " source_topic=excluded.source_topic, source_partition=excluded.source_partition,"
      " source_offset=excluded.source_offset";
  if (sqlite3_prepare_v2(db_, sql, -1, &upsert_, nullptr) != SQLITE_OK) {
    throw std::runtime_error("preparing order upsert: " + std::string(sqlite3_errmsg(db_)));
  }
  guard.armed = false;
}

sqlite_sink::~sqlite_sink() {
  // An uncommitted batch was never acknowledged to the consumer: dropping it is what the contract expects.
  rollback_batch();
  sqlite3_finalize(upsert_);
  sqlite3_close(db_);
}

std::optional<kafka::handler_error> sqlite_sink::store(const order& o, const kafka::consumed_message& from) {
  if (options_.batched && !in_batch_) {
    // IMMEDIATE takes the write lock now, so a busy database fails here (transient, nothing written)
    // rather than in the middle of a batch.
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return kafka::handler_error{kafka::failure_kind::transient,
                                  std::string("storing order ") + std::to_string(o.order_id) +
                                      ": starting a batch: " + sqlite3_errmsg(db_)};
    }
    in_batch_ = true;
    batch_lost_ = false;
    pending_rows_ = 0;
    stored_at_ = utc_now();
  } else if (!options_.batched) {
    stored_at_ = utc_now();
  }
  sqlite3_reset(upsert_);
  sqlite3_bind_int(upsert_, 1, o.order_id);
  sqlite3_bind_text(upsert_, 2, o.product.data(), static_cast<int>(o.product.size()), SQLITE_STATIC);
  sqlite3_bind_double(upsert_, 3, static_cast<double>(o.price));
  sqlite3_bind_text(upsert_, 4, from.topic.data(), static_cast<int>(from.topic.size()), SQLITE_STATIC);
  sqlite3_bind_int(upsert_, 5, from.partition);
  sqlite3_bind_int64(upsert_, 6, from.offset);
  sqlite3_bind_text(upsert_, 7, stored_at_.data(), static_cast<int>(stored_at_.size()), SQLITE_STATIC);
  const int rc = sqlite3_step(upsert_);
  sqlite3_reset(upsert_);
  if (rc == SQLITE_DONE) {
    if (in_batch_) ++pending_rows_;
    return std::nullopt;
  }
  // Some errors (I/O, full disk, out of memory) make SQLite roll the whole transaction back: the rows
  // already acknowledged to the consumer in this batch are gone, so commit_batch() must fail.
  if (in_batch_ && sqlite3_get_autocommit(db_) != 0) batch_lost_ = true;
  const auto kind =
      (rc & 0xff) == SQLITE_CONSTRAINT ? kafka::failure_kind::permanent : kafka::failure_kind::transient;
  return kafka::handler_error{
      kind, std::string("storing order ") + std::to_string(o.order_id) + ": " + sqlite3_errmsg(db_)};
}

result<void> sqlite_sink::commit_batch() {
  if (!in_batch_) return {};
  if (batch_lost_) {
    const std::size_t lost = pending_rows_;
    rollback_batch();
    return fail(errc::unavailable, "committing " + std::to_string(lost) +
                                       " order(s): the transaction was rolled back by SQLite after an error");
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(db_);
    const std::size_t lost = pending_rows_;
    rollback_batch();
    return fail(errc::unavailable, "committing " + std::to_string(lost) + " order(s): " + why);
  }
  in_batch_ = false;
  pending_rows_ = 0;
  return {};
}

void sqlite_sink::rollback_batch() noexcept {
  if (!in_batch_) return;
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  in_batch_ = false;
  batch_lost_ = false;
  pending_rows_ = 0;
}

result<std::int64_t> sqlite_sink::count() {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM orders", -1, &st, nullptr) != SQLITE_OK) {
    return fail(errc::internal, sqlite3_errmsg(db_));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
  if (sqlite3_step(st) != SQLITE_ROW) return fail(errc::internal, sqlite3_errmsg(db_));
  return sqlite3_column_int64(st, 0);
}

result<std::optional<order>> sqlite_sink::find(std::int32_t order_id) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT product, price FROM orders WHERE order_id = ?1", -1, &st, nullptr) !=
      SQLITE_OK) {
    return fail(errc::internal, sqlite3_errmsg(db_));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
  sqlite3_bind_int(st, 1, order_id);
  const int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) return std::optional<order>{};
  if (rc != SQLITE_ROW) return fail(errc::internal, sqlite3_errmsg(db_));
  order o;
  o.order_id = order_id;
  o.product = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  o.price = static_cast<float>(sqlite3_column_double(st, 1));
  return std::optional<order>{o};
}

kafka::message_handler sqlite_sink::handler() {
  return [this](const kafka::consumed_message& m) -> std::optional<kafka::handler_error> {
    auto o = from_value(m.decoded->writer_schema, m.decoded->value);
    if (!o) return kafka::handler_error{kafka::failure_kind::permanent, o.error().message};
    if (auto ok = validate(*o); !ok)
      return kafka::handler_error{kafka::failure_kind::permanent, ok.error().message};
    return store(*o, m);
  };
}

kafka::message_handler with_faults(kafka::message_handler inner, fault_injection faults) {
  auto rng = std::make_shared<std::mt19937_64>(faults.seed);
  return [inner = std::move(inner), faults = std::move(faults),
          rng](const kafka::consumed_message& m) -> std::optional<kafka::handler_error> {
    if (!faults.stuck_product.empty()) {
      auto o = from_value(m.decoded->writer_schema, m.decoded->value);
      if (o && o->product == faults.stuck_product) {
        return kafka::handler_error{
            kafka::failure_kind::transient,
            "injected: downstream never accepts product '" + faults.stuck_product + "'"};
      }
    }
    if (faults.fail_rate > 0 && std::uniform_real_distribution<double>(0, 1)(*rng) < faults.fail_rate) {
      return kafka::handler_error{kafka::failure_kind::transient, "injected transient handler failure"};
    }
    return inner(m);
  };
}

}  // namespace kavro::orders
