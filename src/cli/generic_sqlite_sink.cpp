// The generic SQLite sink: one table per record type, its columns grown (ALTER TABLE ADD COLUMN) when a
// newer schema brings a field, rows upserted so a message handled twice is stored once.
#include "generic_sqlite_sink.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <stdexcept>

#include "kavro/avro/json.hpp"

namespace kavro::cli {

namespace {

std::string sql_name(const std::string& identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string table_name_for(const avro::schema& s) {
  std::string name = s.kind() == avro::type::record ? s.name() : "records";
  for (char& c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) c = '_';
  }
  return name;
}

// The column's declared type: a union of null and one type is that type (nullable); other unions get
// none, so each value keeps its own SQLite type; records, arrays and maps are JSON text.
std::string sql_type(const avro::schema& s) {
  const avro::schema* t = &s;
  if (s.kind() == avro::type::union_) {
    const avro::schema* only = nullptr;
    for (const auto& b : s.branches()) {
      if (b.kind() == avro::type::null) continue;
      if (only != nullptr) return "";
      only = &b;
    }
    if (only == nullptr) return "";
    t = only;
  }
  switch (t->kind()) {
    case avro::type::boolean:
    case avro::type::int_:
    case avro::type::long_:
      return "INTEGER";
    case avro::type::float_:
    case avro::type::double_:
      return "REAL";
    case avro::type::bytes:
    case avro::type::fixed:
      return "BLOB";
    default:
      return "TEXT";
  }
}

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

void bind_text(sqlite3_stmt* st, int i, const std::string& text) {
  sqlite3_bind_text(st, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

// Binds one field: scalars as SQLite values, bytes and fixed as blobs, the rest as JSON text.
void bind_value(sqlite3_stmt* st, int i, const avro::schema& type, const avro::value& value) {
  const avro::schema* s = &type;
  const avro::value* v = &value;
  while (v->is<avro::union_value>() && s->kind() == avro::type::union_) {
    const auto& u = v->as<avro::union_value>();
    if (u.branch >= s->branches().size() || !u.inner) break;
    s = &s->branches()[u.branch];
    v = u.inner.get();
  }
  if (v->is<avro::null_t>()) {
    sqlite3_bind_null(st, i);
  } else if (v->is<bool>()) {
    sqlite3_bind_int(st, i, v->as<bool>() ? 1 : 0);
  } else if (v->is<std::int32_t>()) {
    sqlite3_bind_int64(st, i, v->as<std::int32_t>());
  } else if (v->is<std::int64_t>()) {
    sqlite3_bind_int64(st, i, v->as<std::int64_t>());
  } else if (v->is<float>()) {
    sqlite3_bind_double(st, i, static_cast<double>(v->as<float>()));
  } else if (v->is<double>()) {
    sqlite3_bind_double(st, i, v->as<double>());
  } else if (v->is<std::string>()) {
    bind_text(st, i, v->as<std::string>());
  } else if (v->is<avro::bytes>() || v->is<avro::fixed_value>()) {
    const auto& b = v->is<avro::bytes>() ? v->as<avro::bytes>() : v->as<avro::fixed_value>().data;
    sqlite3_bind_blob(st, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
  } else {
    const auto j = avro::to_json(*s, *v);
    bind_text(st, i, j.is_string() ? j.get<std::string>() : j.dump());
  }
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg + " in: " + sql);
  }
}

}  // namespace

generic_sqlite_sink::generic_sqlite_sink(const std::string& path, generic_sqlite_options options)
    : owned_(true), options_(std::move(options)) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("opening SQLite database '" + path + "': " + msg);
  }
  try {
    sqlite3_busy_timeout(db_, 2000);
    exec(db_, "PRAGMA journal_mode=WAL");
    exec(db_, options_.sync == orders::sqlite_sync::full ? "PRAGMA synchronous=FULL"
                                                         : "PRAGMA synchronous=NORMAL");
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

generic_sqlite_sink::generic_sqlite_sink(sqlite3* shared, generic_sqlite_options options)
    : db_(shared), owned_(false), options_(std::move(options)) {
  options_.batched = false;
}

generic_sqlite_sink::~generic_sqlite_sink() {
  rollback_batch();
  forget();
  if (owned_) sqlite3_close(db_);
}

result<void> generic_sqlite_sink::ensure_table(const std::string& table,
                                               const std::vector<std::pair<std::string, std::string>>& cols) {
  auto known = tables_.find(table);
  if (known == tables_.end()) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + sql_name(table) + " (";
    for (const auto& [name, type] : cols) sql += sql_name(name) + (type.empty() ? "" : " " + type) + ", ";
    sql += "source_topic TEXT, source_partition INTEGER, source_offset INTEGER, stored_at TEXT, PRIMARY KEY(";
    sql += options_.key_column.empty() ? "source_topic, source_partition, source_offset"
                                       : sql_name(options_.key_column);
    sql += "))";
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return fail(errc::unavailable, "creating table " + table + ": " + sqlite3_errmsg(db_));
    }
    // The table may have existed (an earlier run, an older schema): take its columns as they are.
    std::vector<std::string> existing;
    sqlite3_stmt* info = nullptr;
    const std::string pragma = "PRAGMA table_info(" + sql_name(table) + ")";
    if (sqlite3_prepare_v2(db_, pragma.c_str(), -1, &info, nullptr) != SQLITE_OK) {
      return fail(errc::unavailable, "reading table " + table + ": " + sqlite3_errmsg(db_));
    }
    while (sqlite3_step(info) == SQLITE_ROW) {
      existing.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(info, 1)));
    }
    sqlite3_finalize(info);
    known = tables_.emplace(table, std::move(existing)).first;
  }
  for (const auto& [name, type] : cols) {
    bool have = false;
    for (const auto& c : known->second) have = have || c == name;
    if (have) continue;
    // A newer writer schema brought a field: older rows get NULL in it.
    const std::string sql =
        "ALTER TABLE " + sql_name(table) + " ADD COLUMN " + sql_name(name) + (type.empty() ? "" : " " + type);
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return fail(errc::unavailable, "adding column " + name + " to " + table + ": " + sqlite3_errmsg(db_));
    }
    known->second.push_back(name);
  }
  return {};
}

result<generic_sqlite_sink::plan*> generic_sqlite_sink::plan_for(const avro::schema& s) {
  if (auto it = plans_.find(s.text()); it != plans_.end()) return &it->second;
  plan p;
  p.table = options_.table.empty() ? table_name_for(s) : options_.table;
  std::vector<std::pair<std::string, std::string>> cols;
  if (s.kind() == avro::type::record) {
    for (const auto& f : s.fields()) cols.emplace_back(f.name, sql_type(f.type));
  } else {
    cols.emplace_back("value", sql_type(s));
  }
  if (!options_.key_column.empty()) {
    bool found = false;
    for (const auto& c : cols) found = found || c.first == options_.key_column;
    if (!found) {
      return fail(errc::invalid_data, "--key-column '" + options_.key_column + "': the record " +
                                          s.full_name() + " has no such field");
    }
  }
  if (auto ok = ensure_table(p.table, cols); !ok) return tl::unexpected(ok.error());
  std::string names, params, updates;
  int n = 0;
  for (const auto& [name, type] : cols) {
    p.columns.push_back(name);
    names += sql_name(name) + ", ";
    params += "?" + std::to_string(++n) + ", ";
    if (name != options_.key_column) updates += sql_name(name) + "=excluded." + sql_name(name) + ", ";
  }
  std::string sql = "INSERT INTO " + sql_name(p.table) + "(" + names +
                    "source_topic, source_partition, source_offset, stored_at) VALUES(" + params + "?" +
                    std::to_string(n + 1) + ", ?" + std::to_string(n + 2) + ", ?" + std::to_string(n + 3) +
                    ", ?" + std::to_string(n + 4) + ") ON CONFLICT(" +
                    (options_.key_column.empty() ? "source_topic, source_partition, source_offset"
                                                 : sql_name(options_.key_column)) +
                    ") DO UPDATE SET " + updates +
                    "source_topic=excluded.source_topic, source_partition=excluded.source_partition, "
                    "source_offset=excluded.source_offset, stored_at=excluded.stored_at";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &p.upsert, nullptr) != SQLITE_OK) {
    return fail(errc::unavailable, "preparing the upsert into " + p.table + ": " + sqlite3_errmsg(db_));
  }
  return &plans_.emplace(s.text(), std::move(p)).first->second;
}

std::optional<kafka::handler_error> generic_sqlite_sink::store(const avro::schema& s, const avro::value& v,
                                                               const kafka::consumed_message& from) {
  const std::string where =
      std::string(from.topic) + "/" + std::to_string(from.partition) + "@" + std::to_string(from.offset);
  if (options_.batched && !in_batch_) {
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return kafka::handler_error{kafka::failure_kind::transient,
                                  "storing " + where + ": starting a batch: " + sqlite3_errmsg(db_)};
    }
    in_batch_ = true;
  }
  auto p = plan_for(s);
  if (!p) {
    forget();
    const auto kind = p.error().code == errc::invalid_data ? kafka::failure_kind::permanent
                                                           : kafka::failure_kind::transient;
    return kafka::handler_error{kind, "storing " + where + ": " + p.error().message};
  }
  sqlite3_stmt* st = (*p)->upsert;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  int i = 1;
  if (s.kind() == avro::type::record) {
    const auto& fields = s.fields();
    const auto& values = v.fields();
    for (std::size_t f = 0; f < fields.size() && f < values.size(); ++f)
      bind_value(st, i++, fields[f].type, values[f]);
  } else {
    bind_value(st, i++, s, v);
  }
  const std::string topic(from.topic);
  bind_text(st, i++, topic);
  sqlite3_bind_int(st, i++, from.partition);
  sqlite3_bind_int64(st, i++, from.offset);
  bind_text(st, i++, utc_now());
  const int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return std::nullopt;
  std::string why = sqlite3_errmsg(db_);
  const std::string table = (*p)->table;
  forget();
  const auto kind =
      (rc & 0xff) == SQLITE_CONSTRAINT ? kafka::failure_kind::permanent : kafka::failure_kind::transient;
  return kafka::handler_error{kind, "storing " + where + " in " + table + ": " + why};
}

result<void> generic_sqlite_sink::commit_batch() {
  if (!in_batch_) return {};
  if (sqlite3_get_autocommit(db_) != 0) {
    in_batch_ = false;
    forget();
    return fail(errc::unavailable, "committing a batch: SQLite rolled the transaction back after an error");
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(db_);
    rollback_batch();
    return fail(errc::unavailable, "committing a batch: " + why);
  }
  in_batch_ = false;
  return {};
}

void generic_sqlite_sink::rollback_batch() noexcept {
  if (!in_batch_) return;
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  in_batch_ = false;
  forget();
}

void generic_sqlite_sink::forget() noexcept {
  for (auto& [text, p] : plans_) sqlite3_finalize(p.upsert);
  plans_.clear();
  tables_.clear();
}

}  // namespace kavro::cli
