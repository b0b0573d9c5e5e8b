// `--metrics-port` for `kavro consume` and `kavro produce`: the pipeline's counters, read from the
// consumer, producer and registry client at scrape time, plus handler and batch-commit latencies and
// librdkafka's statistics (lag per partition, producer queue depth), served as Prometheus text.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "kavro/client_statistics.hpp"
#include "kavro/kafka/config.hpp"
#include "kavro/metrics.hpp"
#include "kavro/metrics_http.hpp"
#include "kavro/pipeline/consumer.hpp"
#include "kavro/pipeline/record_sender.hpp"
#include "kavro/registry/registry.hpp"

namespace kavro::cli {

struct metrics_options {
  int port = -1;  // -1: no endpoint; 0: any free port
  std::string host = "127.0.0.1";
  int linger_ms = 0;
};

void add_metrics_options(CLI::App* cmd, metrics_options& o);

class pipeline_metrics {
 public:
  // Ends the watch of a consumer or sender: its last counts stay on show, and it may be destroyed.
  class watch {
   public:
    explicit watch(std::function<void()> end) : end_(std::move(end)) {}
    ~watch() {
      if (end_) end_();
    }
    watch(const watch&) = delete;
    watch& operator=(const watch&) = delete;

   private:
    std::function<void()> end_;
  };

  // `command`: "consume" or "produce" (the names' kavro_consumer_ / kavro_producer_ prefix).
  // `statistics`: collect librdkafka's statistics (for metrics or progress lines) even without an
  // endpoint.
  pipeline_metrics(const metrics_options& o, std::string command, bool statistics);
  ~pipeline_metrics();

  bool serving() const { return options_.port >= 0; }
  // Sets statistics.interval.ms (1 s) in a client's properties unless it is set there already.
  void enable_statistics(kafka::properties& props) const;
  const metrics::statistics_store& statistics() const { return stats_; }

  [[nodiscard]] std::unique_ptr<watch> watch_consumer(const pipeline::pipeline_consumer& c);
  [[nodiscard]] std::unique_ptr<watch> watch_sender(const pipeline::record_sender& s);
  // Calls and cache hits of the registry client (an HTTP client; a mock registry has none).
  void watch_registry(std::shared_ptr<registry::schema_registry> r);
  // Counts and times each handler call (calls, failures, latency).
  pipeline::message_handler wrap_handler(pipeline::message_handler h);
  // Times each batch commit.
  std::function<result<void>()> wrap_flush(std::function<result<void>()> flush);

  // Starts serving (when --metrics-port was given) and says where on stderr:
  // "kavro consume: metrics at http://127.0.0.1:PORT/metrics". Throws config_error if it cannot listen.
  void start();
  // Keeps serving --metrics-linger-ms after the run (a short run's final numbers for a last scrape);
  // a stop signal ends the wait.
  void linger() const;

  std::string page() const;  // the exposition

 private:
  std::string statistics_text() const;

  metrics_options options_;
  std::string command_;
  std::string prefix_;  // kavro_consumer_ or kavro_producer_
  bool statistics_ = false;
  metrics::registry registry_;
  metrics::statistics_store stats_;
  mutable std::mutex source_mutex_;
  std::function<pipeline::consumer_counts()> consumer_;
  std::function<kafka::producer_counts()> producer_;
  std::function<std::uint64_t()> producer_bytes_;
  std::unique_ptr<metrics::http_endpoint> endpoint_;
};

}  // namespace kavro::cli
