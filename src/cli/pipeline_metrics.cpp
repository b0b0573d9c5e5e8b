// The consume/produce metrics: names, where each value is read, and the statistics sink.
#include "pipeline_metrics.hpp"

#include <chrono>
#include <iostream>
#include <thread>

#include "common.hpp"
#include "kavro/registry/client.hpp"

namespace kavro::cli {

void add_metrics_options(CLI::App* cmd, metrics_options& o) {
  cmd->add_option("--metrics-port", o.port,
                  "Serve Prometheus metrics at http://HOST:PORT/metrics during the run (0: any free port, "
                  "printed on stderr)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--metrics-host", o.host, "Address the metrics endpoint listens on (IPv4)")
      ->capture_default_str();
  cmd->add_option("--metrics-linger-ms", o.linger_ms,
                  "Keep serving metrics this long after the run ends, for a final scrape")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000));
}

pipeline_metrics::pipeline_metrics(const metrics_options& o, std::string command, bool statistics)
    : options_(o),
      command_(std::move(command)),
      prefix_(command_ == "consume" ? "kavro_consumer_" : "kavro_producer_"),
      statistics_(statistics || o.port >= 0) {
  if (statistics_) {
    metrics::set_statistics_sink([this](std::string_view json) {
      if (auto s = metrics::parse_client_statistics(json)) stats_.update(std::move(*s));
    });
  }
}

pipeline_metrics::~pipeline_metrics() {
  endpoint_.reset();
  if (statistics_) metrics::set_statistics_sink(nullptr);
}

void pipeline_metrics::enable_statistics(kafka::properties& props) const {
  if (statistics_) props.emplace("statistics.interval.ms", "1000");
}

std::unique_ptr<pipeline_metrics::watch> pipeline_metrics::watch_consumer(
    const pipeline::pipeline_consumer& c) {
  {
    std::lock_guard lock(source_mutex_);
    consumer_ = [&c] { return c.counts(); };
  }
  using counts = pipeline::consumer_counts;
  auto field = [this](std::uint64_t counts::*member) {
    return [this, member] {
      std::lock_guard lock(source_mutex_);
      return consumer_ ? static_cast<double>(consumer_().*member) : 0.0;
    };
  };
  using metrics::metric_type;
  const auto counter = metric_type::counter;
  registry_.callback(counter, prefix_ + "messages_received_total", "Messages taken from the topics", {}, {},
                     field(&counts::received));
  registry_.callback(counter, prefix_ + "received_bytes_total",
                     "Key and value bytes of the messages received", {}, {}, field(&counts::received_bytes));
  registry_.callback(counter, prefix_ + "messages_handled_total",
                     "Messages the handler finished (with batching: once their batch was committed)", {}, {},
                     field(&counts::handled));
  registry_.callback(counter, prefix_ + "retries_total", "Handler calls after a first failed one", {}, {},
                     field(&counts::retries));
  const std::pair<const char*, std::uint64_t counts::*> classes[] = {
      {"decode", &counts::dead_decode},
      {"unknown_schema", &counts::dead_unknown_schema},
      {"handler_permanent", &counts::dead_permanent},
      {"handler_exhausted", &counts::dead_exhausted}};
  for (const auto& [name, member] : classes) {
    registry_.callback(
        counter, prefix_ + "dead_letters_total",
        "Dead letters acknowledged by the broker, by error class (the kavro.dlq.error.class header)",
        {"class"}, {name}, field(member));
  }
  registry_.callback(counter, prefix_ + "batch_commits_total", "Commit batches made durable", {}, {},
                     field(&counts::batches));
  registry_.callback(counter, prefix_ + "batch_commit_failures_total",
                     "Commit batches that failed (their messages handled again)", {}, {},
                     field(&counts::batch_failures));
  registry_.callback(counter, prefix_ + "rebalances_total", "Rebalances, by what they did to this consumer",
                     {"event"}, {"assigned"}, field(&counts::assignments));
  registry_.callback(counter, prefix_ + "rebalances_total", "", {"event"}, {"revoked"},
                     field(&counts::revocations));
  registry_.callback(counter, prefix_ + "registry_waits_total",
                     "Decode attempts postponed because the registry was unreachable", {}, {},
                     field(&counts::registry_waits));
  registry_.callback(counter, prefix_ + "retry_topic_sends_total",
                     "Messages moved to a retry topic (--retry-topics)", {}, {},
                     field(&counts::sent_to_retry_topic));
  registry_.callback(counter, prefix_ + "partition_pauses_total",
                     "Times a partition's fetching was paused (waiting retry, registry, backlog)", {}, {},
                     field(&counts::pauses));
  return std::make_unique<watch>([this] {
    std::lock_guard lock(source_mutex_);
    if (consumer_) consumer_ = [last = consumer_()] { return last; };
  });
}

std::unique_ptr<pipeline_metrics::watch> pipeline_metrics::watch_sender(const pipeline::record_sender& s) {
  {
    std::lock_guard lock(source_mutex_);
    producer_ = [&s] { return s.counts(); };
    producer_bytes_ = [&s] { return s.queued_bytes(); };
  }
  using counts = kafka::producer_counts;
  auto field = [this](std::uint64_t counts::*member) {
    return [this, member] {
      std::lock_guard lock(source_mutex_);
      return producer_ ? static_cast<double>(producer_().*member) : 0.0;
    };
  };
  const auto counter = metrics::metric_type::counter;
  registry_.callback(counter, prefix_ + "messages_sent_total", "Messages accepted into the producer's queue",
                     {}, {}, field(&counts::produced));
  registry_.callback(counter, prefix_ + "sent_bytes_total", "Key and value bytes of the messages sent", {},
                     {}, [this] {
                       std::lock_guard lock(source_mutex_);
                       return producer_bytes_ ? static_cast<double>(producer_bytes_()) : 0.0;
                     });
  registry_.callback(counter, prefix_ + "messages_delivered_total", "Messages acknowledged by the broker", {},
                     {}, field(&counts::delivered));
  registry_.callback(counter, prefix_ + "messages_failed_total",
                     "Messages reported failed (not delivered within the delivery timeout, or refused)", {},
                     {}, field(&counts::failed));
  registry_.callback(counter, prefix_ + "recoveries_total",
                     "Times the librdkafka producer was recreated after a fatal error", {}, {},
                     field(&counts::recoveries));
  return std::make_unique<watch>([this] {
    std::lock_guard lock(source_mutex_);
    if (producer_) producer_ = [last = producer_()] { return last; };
    if (producer_bytes_) producer_bytes_ = [last = producer_bytes_()] { return last; };
  });
}

void pipeline_metrics::watch_registry(std::shared_ptr<registry::schema_registry> r) {
  auto http = std::dynamic_pointer_cast<registry::client>(std::move(r));
  if (!http) return;
  const auto counter = metrics::metric_type::counter;
  registry_.callback(counter, prefix_ + "registry_calls_total",
                     "Schema lookups and registrations asked of the registry client", {}, {},
                     [http] { return static_cast<double>(http->counts().calls); });
  registry_.callback(counter, prefix_ + "registry_cache_hits_total",
                     "Registry client calls answered from its cache, without a request", {}, {},
                     [http] { return static_cast<double>(http->counts().cache_hits); });
}

pipeline::message_handler pipeline_metrics::wrap_handler(pipeline::message_handler h) {
  auto& calls = registry_.counter(prefix_ + "handler_calls_total", "Handler calls, retries included").get();
  auto& failures =
      registry_.counter(prefix_ + "handler_failures_total", "Handler calls that returned a failure").get();
  auto& latency = registry_
                      .histogram(prefix_ + "handler_latency_seconds", "Time in one handler call",
                                 metrics::exponential_buckets(0.00001, 4, 10))
                      .get();
  return [h = std::move(h), &calls, &failures, &latency](const pipeline::consumed_message& m) {
    const auto start = std::chrono::steady_clock::now();
    auto failure = h(m);
    latency.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    calls.inc();
    if (failure) failures.inc();
    return failure;
  };
}

std::function<result<void>()> pipeline_metrics::wrap_flush(std::function<result<void>()> flush) {
  auto& latency =
      registry_
          .histogram(prefix_ + "batch_commit_latency_seconds",
                     "Time to make one commit batch durable (successful or not)", metrics::latency_buckets())
          .get();
  return [flush = std::move(flush), &latency] {
    const auto start = std::chrono::steady_clock::now();
    auto ok = flush();
    latency.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return ok;
  };
}

std::string pipeline_metrics::statistics_text() const {
  // Written here rather than kept in the registry: a partition that is no longer this consumer's
  // must drop out of the page, and the registry's children live for ever.
  std::string lag, queue, queue_bytes;
  for (const auto& s : stats_.snapshot()) {
    if (command_ == "consume" && s.type == "consumer") {
      for (const auto& l : s.lags) {
        lag += prefix_ + "lag{topic=\"" + metrics::escape_label_value(l.topic) + "\",partition=\"" +
               std::to_string(l.partition) + "\"} " + std::to_string(l.lag) + '\n';
      }
    } else if (command_ == "produce" && s.type == "producer") {
      queue += prefix_ + "queue_messages{client=\"" + metrics::escape_label_value(s.name) + "\"} " +
               std::to_string(s.queued_messages) + '\n';
      queue_bytes += prefix_ + "queue_bytes{client=\"" + metrics::escape_label_value(s.name) + "\"} " +
                     std::to_string(s.queued_bytes) + '\n';
    }
  }
  std::string out;
  if (command_ == "consume") {
    out += "# HELP " + prefix_ +
           "lag Messages between the committed offset and the end of the partition (librdkafka's "
           "consumer_lag, from its statistics every second)\n";
    out += "# TYPE " + prefix_ + "lag gauge\n" + lag;
  } else {
    out += "# HELP " + prefix_ +
           "queue_messages Messages in the producer's queue not yet acknowledged (librdkafka's msg_cnt)\n";
    out += "# TYPE " + prefix_ + "queue_messages gauge\n" + queue;
    out += "# HELP " + prefix_ + "queue_bytes Bytes of those messages (librdkafka's msg_size)\n";
    out += "# TYPE " + prefix_ + "queue_bytes gauge\n" + queue_bytes;
  }
  return out;
}

std::string pipeline_metrics::page() const {
  return registry_.expose() + statistics_text();
}

void pipeline_metrics::start() {
  if (!serving()) return;
  metrics::http_endpoint_options eo;
  eo.host = options_.host;
  eo.port = static_cast<std::uint16_t>(options_.port);
  endpoint_ = std::make_unique<metrics::http_endpoint>(eo, [this] { return page(); });
  std::cerr << "kavro " << command_ << ": metrics at " << endpoint_->url() << std::endl;
}

void pipeline_metrics::linger() const {
  if (!endpoint_ || options_.linger_ms <= 0) return;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.linger_ms);
  while (!stop_requested && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace kavro::cli
