// kavro's metrics: counters, gauges and histograms with labels, kept in a registry and exposed in the
// Prometheus text format 0.0.4. One implementation for every kavro process (the registry's /metrics,
// the consumer's and producer's --metrics-port); no dependency beyond the standard library.
//
// Hot paths pay one relaxed atomic add on a per-thread shard: counters and histograms spread their
// cells over cache-line-aligned shards picked by thread, so concurrent increments do not bounce one
// line between cores; a scrape sums the shards. Looking a labelled child up takes a shared lock, so a
// caller on a hot path looks it up once and keeps the reference (children live as long as their
// registry and never move).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kavro::metrics {

namespace detail {
inline constexpr std::size_t shards = 8;
// The shard of the calling thread: threads are spread round-robin as they first touch a metric.
std::size_t shard_index() noexcept;

struct alignas(64) counter_cell {
  std::atomic<std::uint64_t> value{0};
};
}  // namespace detail

// A count that only goes up (requests, bytes). Whole numbers: every kavro counter counts things.
class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept {
    cells_[detail::shard_index()].value.fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t value() const noexcept;

 private:
  std::array<detail::counter_cell, detail::shards> cells_{};
};

// A value that goes up and down (connections open, queue depth).
class gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void inc(double v = 1) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  void dec(double v = 1) noexcept { value_.fetch_add(-v, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is implicit), with their sum.
class histogram {
 public:
  // Throws std::invalid_argument unless `bounds` are finite and strictly ascending.
  explicit histogram(std::vector<double> bounds);
  void observe(double v) noexcept;

  struct snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  // The count is the +Inf bucket, so _count and _bucket agree within one scrape; the sum may miss
  // an observation that lands while the shards are read.
  snapshot read() const;
  const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
  struct alignas(64) shard {
    std::atomic<double> sum{0};
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets;  // bounds + 1 (+Inf)
  };
  std::vector<double> bounds_;
  std::array<shard, detail::shards> shards_;
};

// Bucket bounds for request latencies in seconds: 0.5 ms to 10 s.
std::vector<double> latency_buckets();
// `count` bounds from `start`, each `factor` times the last (start > 0, factor > 1, count >= 1).
std::vector<double> exponential_buckets(double start, double factor, std::size_t count);

enum class metric_type { counter, gauge, histogram };

// Label values of one child, in the order of the family's label names.
using label_values = std::vector<std::string>;

// One metric name: its help text, label names and a child per distinct label-value tuple. Children
// are created on first use; a callback child is asked its value at each scrape.
template <class T>
class family {
 public:
  using child_type = T;
  // The child for these label values (as many as the family has names; else std::invalid_argument).
  T& with(const label_values& values);
  T& with(std::initializer_list<std::string_view> values) {
    return with(label_values(values.begin(), values.end()));
  }
  // The child without labels (a family with no label names).
  T& get() { return with(label_values{}); }

  const std::string& name() const noexcept { return name_; }

 private:
  friend class registry;
  family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;  // histograms only
  mutable std::shared_mutex mutex_;
  std::map<label_values, std::unique_ptr<T>> children_;
  std::map<label_values, std::function<double()>> callbacks_;
};

// The metrics of one process or component, and their exposition.
class registry {
 public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // Each returns the family of that name, creating it on first call; asking again with the same
  // type and label names returns the same family. Throws std::invalid_argument for a name or label
  // name Prometheus does not accept, a reserved label (`__*`, or `le` on a histogram), or a name
  // already registered with another type or other labels.
  family<metrics::counter>& counter(std::string name, std::string help,
                                    std::vector<std::string> label_names = {});
  family<metrics::gauge>& gauge(std::string name, std::string help,
                                std::vector<std::string> label_names = {});
  family<metrics::histogram>& histogram(std::string name, std::string help, std::vector<double> bounds,
                                        std::vector<std::string> label_names = {});

  // A child whose value is read at scrape time (state held elsewhere: schema counts, connections
  // open). `type` is counter or gauge. The callback runs on the scraping thread and must be
  // thread-safe; it is kept as long as the registry, so what it captures must outlive every scrape.
  // A second callback for the same labels replaces the first.
  void callback(metric_type type, std::string name, std::string help, std::vector<std::string> label_names,
                label_values values, std::function<double()> read);

  // Runs at the start of every expose(), before any callback: for a collector that reads a costly
  // source once per scrape and lets several callbacks report parts of that one reading.
  void before_scrape(std::function<void()> fn);

  // Every family in registration order, children ordered by label values, in the text format 0.0.4.
  std::string expose() const;

 private:
  struct entry;
  entry& find_or_add(metric_type type, std::string name, std::string help,
                     std::vector<std::string> label_names, std::vector<double> bounds);
  mutable std::mutex mutex_;  // guards entries_ (not the families' children)
  std::vector<std::unique_ptr<entry>> entries_;
  std::vector<std::function<void()>> before_scrape_;
};

// The media type of expose()'s output, for a Content-Type header.
inline constexpr std::string_view exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

// Text-format escaping: label values escape \, " and newline; help text escapes \ and newline.
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);
// A sample value as Prometheus writes it: shortest round-trip decimal, +Inf, -Inf, NaN.
std::string format_value(double v);

}  // namespace kavro::metrics
