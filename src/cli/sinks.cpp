// `kavro consume --sink`: the handlers behind each choice, and the reader schema that resolves every
// record before a sink sees it.
#include "sinks.hpp"

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "generic_sqlite_sink.hpp"
#include "kavro/avro/json.hpp"
#include "kavro/avro/resolution.hpp"

namespace kavro::cli {

namespace {

// A JSON line per record: {"topic", "partition", "offset", "key", "value"}, the value in plain JSON with
// its fields in schema order; a key that is not UTF-8 has its bad bytes replaced (U+FFFD).
class print_sink final : public consume_sink {
 public:
  kafka::message_handler handler() override {
    return [](const kafka::consumed_message& m) -> std::optional<kafka::handler_error> {
      std::string line = "{\"topic\":" + nlohmann::json(std::string(m.topic)).dump() +
                         ",\"partition\":" + std::to_string(m.partition) +
                         ",\"offset\":" + std::to_string(m.offset) + ",\"key\":";
      if (m.key.empty()) {
        line += "null";
      } else {
        const std::string key(reinterpret_cast<const char*>(m.key.data()), m.key.size());
        line += nlohmann::json(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      line += ",\"value\":" +
              avro::write_json(m.decoded->writer_schema, m.decoded->value, avro::json_style::plain);
      line += "}";
      std::cout << line << std::endl;
      return std::nullopt;
    };
  }
  std::string describe() const override { return "stdout"; }
  bool uses_stdout() const override { return true; }
};

class none_sink final : public consume_sink {
 public:
  kafka::message_handler handler() override {
    return [](const kafka::consumed_message&) -> std::optional<kafka::handler_error> { return std::nullopt; };
  }
  std::string describe() const override { return "nowhere (--sink none)"; }
};

class orders_sink : public consume_sink {
 public:
  orders_sink(const std::string& db, bool batched, orders::sqlite_sync sync)
      : db_(db), sink_(db, orders::sink_options{.batched = batched, .sync = sync}), batched_(batched) {}
  kafka::message_handler handler() override { return sink_.handler(); }
  std::function<result<void>()> flush() override {
    if (!batched_) return nullptr;
    return [this] { return sink_.commit_batch(); };
  }
  std::string describe() const override { return db_; }

 protected:
  std::string db_;
  orders::sqlite_sink sink_;
  bool batched_;
};

// The default: Order records as always, anything else into its own table through the same connection
// (so in the orders sink's batch), never dead-lettered for not being an Order.
class auto_sink final : public consume_sink {
 public:
  auto_sink(const std::string& db, bool batched, orders::sqlite_sync sync, generic_sqlite_options g)
      : orders_(db, batched, sync), generic_(orders_sink_handle(), std::move(g)) {}
  kafka::message_handler handler() override {
    return [orders = orders_.handler(), this](const kafka::consumed_message& m) {
      if (orders::from_value(m.decoded->writer_schema, m.decoded->value)) return orders(m);
      return generic_.store(m.decoded->writer_schema, m.decoded->value, m);
    };
  }
  std::function<result<void>()> flush() override { return orders_.flush(); }
  std::string describe() const override { return orders_.describe(); }

 private:
  struct exposed : orders_sink {
    using orders_sink::orders_sink;
    sqlite3* handle() { return sink_.native_handle(); }
  };
  sqlite3* orders_sink_handle() { return orders_.handle(); }
  exposed orders_;
  generic_sqlite_sink generic_;
};

class generic_sink final : public consume_sink {
 public:
  generic_sink(const std::string& db, generic_sqlite_options g)
      : db_(db), sink_(db, g), batched_(g.batched) {}
  kafka::message_handler handler() override {
    return [this](const kafka::consumed_message& m) {
      return sink_.store(m.decoded->writer_schema, m.decoded->value, m);
    };
  }
  std::function<result<void>()> flush() override {
    if (!batched_) return nullptr;
    return [this] { return sink_.commit_batch(); };
  }
  std::string describe() const override { return db_; }

 private:
  std::string db_;
  generic_sqlite_sink sink_;
  bool batched_;
};

// Resolves each record to the reader schema (Avro schema resolution: defaults for fields the writer did
// not have, writer-only fields dropped) and hands the sink the resolved record. A writer schema the reader
// cannot read is the user's choice of reader: those records are dead-lettered (permanent), naming why.
class reader_schema_sink final : public consume_sink {
 public:
  reader_schema_sink(std::unique_ptr<consume_sink> inner, avro::schema reader)
      : inner_(std::move(inner)), reader_(std::move(reader)) {}
  kafka::message_handler handler() override {
    return [inner = inner_->handler(),
            this](const kafka::consumed_message& m) -> std::optional<kafka::handler_error> {
      auto it = resolvers_.find(m.decoded->schema_id);
      if (it == resolvers_.end()) {
        auto r = avro::resolve(m.decoded->writer_schema, reader_);
        if (!r) {
          return kafka::handler_error{kafka::failure_kind::permanent,
                                      "--reader-schema cannot read writer schema id " +
                                          std::to_string(m.decoded->schema_id) + ": " + r.error().message};
        }
        it = resolvers_.emplace(m.decoded->schema_id, std::move(*r)).first;
      }
      auto v = it->second.convert(m.decoded->value);
      if (!v) {
        return kafka::handler_error{kafka::failure_kind::permanent, "--reader-schema: writer schema id " +
                                                                        std::to_string(m.decoded->schema_id) +
                                                                        ": " + v.error().message};
      }
      serde::decoded resolved{m.decoded->schema_id, reader_, std::move(*v)};
      kafka::consumed_message copy = m;
      copy.decoded = &resolved;
      return inner(copy);
    };
  }
  std::function<result<void>()> flush() override { return inner_->flush(); }
  std::string describe() const override { return inner_->describe(); }
  bool uses_stdout() const override { return inner_->uses_stdout(); }

 private:
  std::unique_ptr<consume_sink> inner_;
  avro::schema reader_;
  std::map<std::int32_t, avro::resolver>
      resolvers_;  // by writer schema id; used on the consumer's thread only
};

}  // namespace

void add_sink_options(CLI::App& cmd, sink_options& o) {
  cmd.add_option("--sink", o.sink,
                 "Where records go: auto (Order records into the orders table, any other record into a "
                 "table named after its schema), orders (Order records only; others are dead-lettered), "
                 "sqlite (every record into a table derived from its schema), print (a JSON line per "
                 "record on stdout: topic, partition, offset, key, value), none (decode and commit only)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "orders", "sqlite", "print", "none"}));
  cmd.add_option("--table", o.table, "SQLite table of --sink sqlite (default: the record's name)");
  cmd.add_option("--key-column", o.key_column,
                 "Upsert --sink sqlite rows by this field (default: by topic, partition and offset)");
  cmd.add_option("--reader-schema", o.reader_schema,
                 "Resolve every record to this Avro schema (.avsc) before the sink, as a reader of records "
                 "written under older or newer schemas")
      ->check(CLI::ExistingFile);
}

result<std::unique_ptr<consume_sink>> make_consume_sink(const sink_options& o, const std::string& db,
                                                        bool batched, orders::sqlite_sync sync) {
  if ((!o.table.empty() || !o.key_column.empty()) && o.sink != "sqlite" && o.sink != "auto") {
    return fail(errc::invalid_argument, "--table and --key-column apply to --sink sqlite (or auto)");
  }
  std::optional<avro::schema> reader;
  if (!o.reader_schema.empty()) {
    std::ifstream f(o.reader_schema, std::ios::binary);
    if (!f) return fail(errc::invalid_argument, "--reader-schema: cannot open '" + o.reader_schema + "'");
    std::ostringstream text;
    text << f.rdbuf();
    auto s = avro::schema::parse(text.str());
    if (!s)
      return fail(errc::invalid_schema, "--reader-schema " + o.reader_schema + ": " + s.error().message);
    reader = *s;
  }
  generic_sqlite_options g{o.table, o.key_column, batched, sync};
  std::unique_ptr<consume_sink> sink;
  if (o.sink == "print") {
    sink = std::make_unique<print_sink>();
  } else if (o.sink == "none") {
    sink = std::make_unique<none_sink>();
  } else if (o.sink == "orders") {
    sink = std::make_unique<orders_sink>(db, batched, sync);
  } else if (o.sink == "sqlite") {
    sink = std::make_unique<generic_sink>(db, g);
  } else {
    sink = std::make_unique<auto_sink>(db, batched, sync, g);
  }
  if (reader) sink = std::make_unique<reader_schema_sink>(std::move(sink), *reader);
  return sink;
}

}  // namespace kavro::cli
