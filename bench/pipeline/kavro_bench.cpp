// kavro-bench: runs one contestant of the end-to-end benchmark (scripts/bench.sh) per process, so each
// one's CPU time and peak RSS are its own, and prints one JSON line: what it moved and what it cost.
//
//   kavro-bench list
//   kavro-bench setup   --bootstrap B --topics t1,t2 --partitions P
//   kavro-bench NAME    --bootstrap B --registry URL --topic T --count N [-X k=v]... [-C k=v]...
//
// Every contestant moves the same messages: order i has order_id i+1, one of eight product names
// (padded with --pad bytes) and a price; the Python contestants (bench/python) build the same orders,
// so every contestant's bytes are the same. Timing starts just before the first message is produced,
// or when the first message is received, and stops when the last is acknowledged or handled, so
// start-up (connection, group join, registry registration) is outside every figure.
#include <librdkafka/rdkafka.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "kavro/kafka/admin.hpp"
#include "kavro/kafka/consumer.hpp"
#include "kavro/kafka/producer.hpp"
#include "kavro/orders/order.hpp"
#include "kavro/orders/sqlite_sink.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/serde/deserializer.hpp"
#include "kavro/serde/serializer.hpp"

namespace {

using namespace kavro;
using bytes_view = std::span<const std::uint8_t>;

struct options {
  std::string contestant;
  std::string bootstrap;
  std::string registry = "http://127.0.0.1:8081";
  std::string topic;
  std::string group;  // default: bench-<contestant>-<topic>
  std::string db;     // SQLite file for the sink contestants; default: <contestant>.db in the cwd
  std::uint64_t count = 100000;
  std::size_t pad = 0;  // extra bytes in each order's product name (message-size curves)
  std::size_t batch_rows = 1000;
  int idle_timeout_s = 60;
  std::vector<std::string> producer_props;  // -X key=value: the same for every producer contestant
  std::vector<std::string> consumer_props;  // -C key=value: the same for every consumer contestant
  std::vector<std::string> topics;          // setup
  int partitions = 1;                       // setup
};

// ---- what is measured --------------------------------------------------------------------------

struct sample {
  double wall = 0, user = 0, sys = 0;
  static sample now() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);  // every thread of the process: librdkafka's included
    sample s;
    s.wall = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    s.user = static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6;
    s.sys = static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6;
    return s;
  }
};

struct outcome {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;  // key + value bytes
  sample begin, end;
  std::string note;
};

long max_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// One JSON line on stdout; scripts/bench.sh collects them. Exit status 1 when not every message moved.
int report(const options& o, std::string_view role, const outcome& r) {
  const bool ok = r.messages == o.count;
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                R"({"contestant":"%s","role":"%s","lang":"C++","ok":%s,"expected":%llu,"messages":%llu,)"
                R"("bytes":%llu,"seconds":%.6f,"cpu_user":%.6f,"cpu_sys":%.6f,"max_rss_kb":%ld,"note":"%s"})",
                json_escape(o.contestant).c_str(), std::string(role).c_str(), ok ? "true" : "false",
                static_cast<unsigned long long>(o.count), static_cast<unsigned long long>(r.messages),
                static_cast<unsigned long long>(r.bytes), r.end.wall - r.begin.wall,
                r.end.user - r.begin.user, r.end.sys - r.begin.sys, max_rss_kb(),
                json_escape(r.note).c_str());
  std::cout << buf << std::endl;
  if (!ok) std::cerr << o.contestant << ": moved " << r.messages << " of " << o.count << " messages\n";
  return ok ? 0 : 1;
}

// ---- the messages ------------------------------------------------------------------------------

// Order i, the same in bench/python/bench_python.py.
orders::order sample_order(std::uint64_t i, std::size_t pad) {
  static constexpr std::string_view products[] = {"Phone",   "Laptop",   "Tablet", "Headphones",
                                                  "Monitor", "Keyboard", "Mouse",  "Camera"};
  orders::order o;
  o.order_id = static_cast<std::int32_t>(i + 1);
  o.product.reserve(products[i % 8].size() + pad);
  o.product.append(products[i % 8]);
  o.product.append(pad, 'x');
  o.price = static_cast<float>(static_cast<double>((i * 7919) % 100000) / 100.0);
  return o;
}

bytes_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::shared_ptr<registry::client> registry_client(const options& o) {
  return std::make_shared<registry::client>(registry::client_config{{o.registry}});
}

// How message i becomes Confluent-framed bytes (the key is always the decimal order_id). A producer
// contestant is a name plus one of these: the generated Order type (kavro-gen) is one more encoder.
using encoder = std::function<result<void>(std::uint64_t i, std::vector<std::uint8_t>& out)>;
using encoder_factory = encoder (*)(const options&);

encoder generic_record_encoder(const options& o) {
  auto ser =
      std::make_shared<serde::serializer>(registry_client(o), o.topic + "-value", orders::order_schema());
  return [ser, pad = o.pad](std::uint64_t i, std::vector<std::uint8_t>& out) {
    return ser->serialize(orders::to_value(sample_order(i, pad)), out);
  };
}

// The generated Order type (kavro-gen) encodes itself: no generic record in between.
encoder generated_order_encoder(const options& o) {
  auto ser =
      std::make_shared<serde::serializer>(registry_client(o), o.topic + "-value", orders::order_schema());
  return [ser, pad = o.pad](std::uint64_t i, std::vector<std::uint8_t>& out) {
    const orders::order order = sample_order(i, pad);
    return ser->serialize_with(out, [&](std::vector<std::uint8_t>& body) { orders::encode(order, body); });
  };
}

// ---- librdkafka plumbing (the raw contestants use the C API directly, as the ceiling) ---------

kafka::properties parse_props(const std::vector<std::string>& kvs) {
  kafka::properties p;
  for (const auto& kv : kvs) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("expected key=value, got '" + kv + "'");
    p[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return p;
}

rd_kafka_conf_t* make_conf(const kafka::properties& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::invalid_argument(std::string("librdkafka property ") + k + ": " + err);
    }
  }
  return conf;
}

struct rk_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using rk_ptr = std::unique_ptr<rd_kafka_t, rk_deleter>;

rk_ptr make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("rd_kafka_new: ") + err);
  }
  return rk_ptr(rk);
}

// ---- producers ---------------------------------------------------------------------------------

struct raw_delivery {
  std::atomic<std::uint64_t> delivered{0}, failed{0};
  static void on_dr(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<raw_delivery*>(opaque);
    if (m->err) {
      if (self->failed++ == 0) std::cerr << "delivery failed: " << rd_kafka_err2str(m->err) << '\n';
    } else {
      ++self->delivered;
    }
  }
};

// The ceiling: the same framed bytes, encoded before the clock starts, handed to librdkafka the way a
// tuned C program would (a topic handle, a poll every 1,024 messages).
int raw_produce(const options& o) {
  encoder encode = generic_record_encoder(o);
  std::vector<std::uint8_t> values;
  std::vector<std::size_t> ends;
  ends.reserve(o.count);
  // Orders 0 .. count-1 are measured; order `count` is the warm-up message, so every order id on the
  // topic is distinct and the SQLite contestants can check that every message became a row.
  for (std::uint64_t i = 0; i <= o.count; ++i) {
    if (auto ok = encode(i, values); !ok) throw std::runtime_error(ok.error().message);
    ends.push_back(values.size());
  }
  std::vector<std::string> keys;
  keys.reserve(o.count + 1);
  for (std::uint64_t i = 0; i <= o.count; ++i) keys.push_back(std::to_string(i + 1));

  kafka::properties props = parse_props(o.producer_props);
  props["bootstrap.servers"] = o.bootstrap;
  rd_kafka_conf_t* conf = make_conf(props);
  raw_delivery dr;
  rd_kafka_conf_set_dr_msg_cb(conf, &raw_delivery::on_dr);
  rd_kafka_conf_set_opaque(conf, &dr);
  rk_ptr rk = make_handle(RD_KAFKA_PRODUCER, conf);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), o.topic.c_str(), nullptr);
  // One acknowledged message before the clock: connection, metadata and the idempotent producer id
  // are start-up. Every producer contestant does the same (the consumers read N of N + 1).
  const std::size_t warm_begin = o.count == 0 ? 0 : ends[o.count - 1];
  rd_kafka_producev(
      rk.get(), RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(keys[o.count].data(), keys[o.count].size()),
      RD_KAFKA_V_VALUE(static_cast<void*>(values.data() + warm_begin), ends[o.count] - warm_begin),
      RD_KAFKA_V_END);
  rd_kafka_flush(rk.get(), 60000);
  dr.delivered = 0;

  outcome r;
  r.begin = sample::now();
  std::size_t start = 0;
  for (std::uint64_t i = 0; i < o.count; ++i) {
    const std::size_t end = ends[i];
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk.get(), RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(keys[i].data(), keys[i].size()),
          RD_KAFKA_V_VALUE(static_cast<void*>(values.data() + start), end - start), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw std::runtime_error(rd_kafka_err2str(err));
      rd_kafka_poll(rk.get(), 10);
    }
    r.bytes += keys[i].size() + (end - start);
    start = end;
    if ((i & 1023) == 0) rd_kafka_poll(rk.get(), 0);
  }
  rd_kafka_flush(rk.get(), 120000);
  r.end = sample::now();
  r.messages = dr.delivered.load();
  rd_kafka_topic_destroy(rkt);
  return report(o, "produce", r);
}

// kavro's producer, as an application uses it: build the record, serialize through the registry
// (a cache hit after the first message), produce.
int kavro_produce(const options& o, encoder_factory make_encoder) {
  encoder encode = make_encoder(o);
  std::vector<std::uint8_t> buf;
  // The warm-up message (order `count`, as in raw_produce) is encoded and sent outside the clock:
  // the schema's registration is start-up, not throughput.
  if (auto ok = encode(o.count, buf); !ok) throw std::runtime_error(ok.error().message);

  kafka::producer_config pc;
  pc.bootstrap_servers = o.bootstrap;
  pc.extra = parse_props(o.producer_props);
  std::atomic<std::uint64_t> delivered{0}, failed{0};
  kafka::producer producer(pc, [&](const kafka::delivery_report& d) {
    if (d.failure) {
      if (failed++ == 0) std::cerr << "delivery failed: " << d.failure->message << '\n';
    } else {
      ++delivered;
    }
  });

  // The warm-up message, as in raw_produce.
  const std::string warm_key = std::to_string(o.count + 1);
  if (auto ok = producer.produce(o.topic, as_bytes(warm_key), buf, {}, 0); !ok) {
    throw std::runtime_error(ok.error().message);
  }
  if (auto ok = producer.flush(std::chrono::minutes(1)); !ok) throw std::runtime_error(ok.error().message);
  delivered = 0;

  outcome r;
  r.begin = sample::now();
  std::string key;
  for (std::uint64_t i = 0; i < o.count; ++i) {
    buf.clear();
    if (auto ok = encode(i, buf); !ok) throw std::runtime_error(ok.error().message);
    key = std::to_string(i + 1);
    if (auto ok = producer.produce(o.topic, as_bytes(key), buf, {}, i); !ok) {
      throw std::runtime_error(ok.error().message);
    }
    r.bytes += key.size() + buf.size();
  }
  if (auto ok = producer.flush(std::chrono::minutes(2)); !ok) std::cerr << ok.error().message << '\n';
  r.end = sample::now();
  r.messages = delivered.load();
  return report(o, "produce", r);
}

// ---- consumers ---------------------------------------------------------------------------------

kafka::properties consumer_props(const options& o) {
  kafka::properties p = parse_props(o.consumer_props);
  p["bootstrap.servers"] = o.bootstrap;
  p["group.id"] = o.group;
  p.emplace("auto.offset.reset", "earliest");
  return p;
}

// The ceiling: librdkafka's consumer, no decoding, with the prefetch settings kavro's consumer uses by
// default (src/kafka/consumer.cpp; with librdkafka 2.0.2's own, a backlog over 100,000 messages stalls
// fetching for a second at a time, which would make the ceiling lower than kavro).
int raw_consume(const options& o) {
  kafka::properties props = consumer_props(o);
  if (rd_kafka_version() >= 0x02020000) {
    props.emplace("fetch.queue.backoff.ms", "10");
  } else {
    props.emplace("queued.min.messages", "1000000");
    props.emplace("queued.max.messages.kbytes", "16384");
  }
  rd_kafka_conf_t* conf = make_conf(props);
  rk_ptr rk = make_handle(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(rk.get());
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, o.topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);

  outcome r;
  auto last = std::chrono::steady_clock::now();
  while (r.messages < o.count &&
         std::chrono::steady_clock::now() - last < std::chrono::seconds(o.idle_timeout_s)) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (r.messages == 0) r.begin = sample::now();
      r.bytes += m->key_len + m->len;
      if (++r.messages == o.count) r.end = sample::now();
      last = std::chrono::steady_clock::now();
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      std::cerr << "consumer: " << rd_kafka_message_errstr(m) << '\n';
    }
    rd_kafka_message_destroy(m);
  }
  if (r.messages < o.count) r.end = sample::now();
  rd_kafka_consumer_close(rk.get());
  return report(o, "consume", r);
}

// A consumer contestant's handler, and what must happen when the last message was handled (a final
// database commit) before the clock stops.
struct sink {
  kafka::message_handler handler;
  std::function<result<void>()> finish = [] { return result<void>{}; };
  std::function<std::uint64_t()> stored;           // rows in the database afterwards, when there is one
  std::optional<kafka::commit_batching> batching;  // the consumer's flush hook, for a batched sink
  std::string note;
};
using sink_factory = sink (*)(const options&);

sink noop_sink(const options&) {
  sink s;
  s.handler = [](const kafka::consumed_message&) -> std::optional<kafka::handler_error> {
    return std::nullopt;
  };
  return s;
}

std::string db_path(const options& o) {
  std::string p = o.db.empty() ? o.contestant + ".db" : o.db;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p + suffix);
  return p;
}

// The sink as `kavro consume` ships it: one transaction per order.
sink sqlite_per_row_sink(const options& o) {
  auto db = std::make_shared<orders::sqlite_sink>(db_path(o));
  sink s;
  s.handler = db->handler();
  s.stored = [db] { return static_cast<std::uint64_t>(db->count().value_or(-1)); };
  return s;
}

// The batched sink as `kavro consume` ships it: one transaction per --batch-rows orders, committed by
// the consumer's flush hook, which stores the batch's offsets only after the commit. Each commit is
// fsynced (synchronous=FULL) unless `sync` says normal (`kavro consume --sqlite-sync normal`).
sink sqlite_batched_sink_with(const options& o, orders::sqlite_sync sync) {
  auto db =
      std::make_shared<orders::sqlite_sink>(db_path(o), orders::sink_options{.batched = true, .sync = sync});
  sink s;
  s.handler = db->handler();
  s.batching = kafka::commit_batching{[db] { return db->commit_batch(); }, o.batch_rows,
                                      std::chrono::milliseconds(100)};
  s.finish = [db] { return db->commit_batch(); };  // the clock stops once the last row is durable
  s.stored = [db] { return static_cast<std::uint64_t>(db->count().value_or(-1)); };
  return s;
}
sink sqlite_batched_sink(const options& o) {
  return sqlite_batched_sink_with(o, orders::sqlite_sync::full);
}
sink sqlite_batched_normal_sink(const options& o) {
  return sqlite_batched_sink_with(o, orders::sqlite_sync::normal);
}

// kavro's pipeline consumer: decode through the registry (a cache hit after the first message), the
// handler, the offset store, and the retry and dead-letter machinery that does nothing when all is well.
int kavro_consume(const options& o, sink_factory make_sink) {
  sink s = make_sink(o);
  outcome r;
  r.note = s.note;
  bool finished = false;
  auto handler = [&, inner =
                         s.handler](const kafka::consumed_message& m) -> std::optional<kafka::handler_error> {
    if (r.messages == 0) r.begin = sample::now();
    auto failure = inner(m);
    if (failure) return failure;
    r.bytes += m.key.size() + m.payload.size();
    if (++r.messages == o.count) {
      if (auto ok = s.finish(); !ok) {
        std::cerr << "final commit: " << ok.error().message << '\n';
      } else {
        finished = true;
      }
      r.end = sample::now();
    }
    return std::nullopt;
  };

  kafka::consumer_config cc;
  cc.bootstrap_servers = o.bootstrap;
  cc.group_id = o.group;
  cc.topics = {o.topic};
  cc.extra = parse_props(o.consumer_props);
  cc.batching = s.batching;
  kafka::pipeline_consumer consumer(cc, std::make_shared<serde::deserializer>(registry_client(o)), handler);
  auto ran = consumer.run({o.count, std::chrono::seconds(o.idle_timeout_s)});
  if (!ran) std::cerr << "consumer: " << ran.error().message << '\n';
  if (r.messages < o.count) r.end = sample::now();
  const auto c = consumer.counts();
  if (c.dead_lettered != 0 || c.retries != 0) {
    std::cerr << "unexpected: " << c.dead_lettered << " dead-lettered, " << c.retries << " retries\n";
  }
  if (!finished) r.messages = std::min<std::uint64_t>(r.messages, o.count - 1);
  if (s.stored) {
    // Every message moved means every order is a row (order ids are distinct).
    const std::uint64_t rows = s.stored();
    if (rows != o.count) {
      std::cerr << "the database holds " << rows << " orders, expected " << o.count << '\n';
      r.messages = std::min(r.messages, rows);
    }
  }
  return report(o, "consume", r);
}

// ---- the contestants ---------------------------------------------------------------------------

struct contestant {
  std::string_view name;
  std::string_view role;
  std::string_view what;
  std::function<int(const options&)> run;
};

const std::vector<contestant>& contestants() {
  static const std::vector<contestant> all = {
      {"raw-produce", "produce", "librdkafka C API, pre-encoded bytes (ceiling)", raw_produce},
      {"kavro-produce-generic", "produce", "kavro producer, generic record + serializer",
       [](const options& o) { return kavro_produce(o, generic_record_encoder); }},
      {"kavro-produce-generated", "produce", "kavro producer, generated Order type + serializer",
       [](const options& o) { return kavro_produce(o, generated_order_encoder); }},
      {"raw-consume", "consume", "librdkafka C API, no decoding (ceiling)", raw_consume},
      {"kavro-consume-noop", "consume", "kavro pipeline consumer, decode + no-op handler",
       [](const options& o) { return kavro_consume(o, noop_sink); }},
      {"kavro-consume-sqlite", "consume",
       "kavro pipeline consumer, decode + SQLite sink (a transaction per order)",
       [](const options& o) { return kavro_consume(o, sqlite_per_row_sink); }},
      {"kavro-consume-sqlite-batched", "consume", "kavro pipeline consumer, decode + SQLite sink (batched)",
       [](const options& o) { return kavro_consume(o, sqlite_batched_sink); }},
      {"kavro-consume-sqlite-batched-normal", "consume",
       "kavro pipeline consumer, decode + SQLite sink (batched, --sqlite-sync normal: commits not fsynced)",
       [](const options& o) { return kavro_consume(o, sqlite_batched_normal_sink); }},
  };
  return all;
}

int setup(const options& o) {
  auto ok = kafka::ensure_topics(o.bootstrap, o.topics, o.partitions);
  if (!ok) {
    std::cerr << "setup: " << ok.error().message << '\n';
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kavro-bench: one contestant of the end-to-end benchmark (run through scripts/bench.sh)"};
  options o;
  app.add_option("contestant", o.contestant, "list, setup, or a contestant name")->required();
  app.add_option("-b,--bootstrap", o.bootstrap, "Kafka bootstrap servers");
  app.add_option("-r,--registry", o.registry, "Schema Registry URL")->capture_default_str();
  app.add_option("-t,--topic", o.topic, "Topic to produce to or consume from");
  app.add_option("-n,--count", o.count, "Messages to move")->capture_default_str();
  app.add_option("-g,--group", o.group, "Consumer group (default: bench-<contestant>-<topic>)");
  app.add_option("--db", o.db, "SQLite file for the sink contestants (default: <contestant>.db)");
  app.add_option("--pad", o.pad, "Extra bytes per order (the product name is padded)")->capture_default_str();
  app.add_option("--batch-rows", o.batch_rows, "Orders per SQLite transaction (batched sink)")
      ->capture_default_str();
  app.add_option("--idle-timeout", o.idle_timeout_s, "Give up after this many seconds without a message")
      ->capture_default_str();
  app.add_option("-X", o.producer_props,
                 "librdkafka producer property key=value (every producer contestant)");
  app.add_option("-C", o.consumer_props,
                 "librdkafka consumer property key=value (every consumer contestant)");
  app.add_option("--topics", o.topics, "setup: topics to create")->delimiter(',');
  app.add_option("--partitions", o.partitions, "setup: partitions per topic")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    if (o.contestant == "list") {
      for (const auto& c : contestants()) std::cout << c.name << '\t' << c.role << '\t' << c.what << '\n';
      return 0;
    }
    if (o.bootstrap.empty()) throw std::invalid_argument("--bootstrap is required");
    if (o.contestant == "setup") return setup(o);
    for (const auto& c : contestants()) {
      if (c.name != o.contestant) continue;
      if (o.topic.empty()) throw std::invalid_argument("--topic is required");
      if (o.group.empty()) o.group = "bench-" + o.contestant + "-" + o.topic;
      return c.run(o);
    }
    std::cerr << "kavro-bench: unknown contestant '" << o.contestant << "' (see: kavro-bench list)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kavro-bench " << o.contestant << ": " << e.what() << '\n';
    return 1;
  }
}
