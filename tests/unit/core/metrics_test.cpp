// kavro::metrics: exact Prometheus text exposition (format 0.0.4) and concurrent increments.
#include "kavro/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using kavro::metrics::metric_type;
using kavro::metrics::registry;

TEST(metrics, counter_without_labels_shows_zero_before_first_increment) {
  registry r;
  r.counter("kavro_things_total", "Things seen.");
  EXPECT_EQ(r.expose(),
            "# HELP kavro_things_total Things seen.\n"
            "# TYPE kavro_things_total counter\n"
            "kavro_things_total 0\n");
}

TEST(metrics, labelled_children_in_label_order_with_escaping) {
  registry r;
  auto& f =
      r.counter("kavro_requests_total", "Requests by endpoint.\nSecond \\ line.", {"endpoint", "status"});
  f.with({"/subjects", "200"}).inc(3);
  f.with({"/a\"b\\c\nd", "404"}).inc();
  f.with({"/subjects", "200"}).inc();
  EXPECT_EQ(r.expose(),
            "# HELP kavro_requests_total Requests by endpoint.\\nSecond \\\\ line.\n"
            "# TYPE kavro_requests_total counter\n"
            "kavro_requests_total{endpoint=\"/a\\\"b\\\\c\\nd\",status=\"404\"} 1\n"
            "kavro_requests_total{endpoint=\"/subjects\",status=\"200\"} 4\n");
}

TEST(metrics, gauge_set_inc_dec_and_special_values) {
  registry r;
  auto& g = r.gauge("kavro_open", "Open things.", {"kind"});
  g.with({"a"}).set(2.5);
  g.with({"a"}).inc(2);
  g.with({"a"}).dec();
  g.with({"b"}).set(std::numeric_limits<double>::infinity());
  g.with({"c"}).set(-std::numeric_limits<double>::infinity());
  g.with({"d"}).set(std::nan(""));
  g.with({"e"}).set(1e21);
  EXPECT_EQ(r.expose(),
            "# HELP kavro_open Open things.\n"
            "# TYPE kavro_open gauge\n"
            "kavro_open{kind=\"a\"} 3.5\n"
            "kavro_open{kind=\"b\"} +Inf\n"
            "kavro_open{kind=\"c\"} -Inf\n"
            "kavro_open{kind=\"d\"} NaN\n"
            "kavro_open{kind=\"e\"} 1e+21\n");
}

TEST(metrics, histogram_buckets_are_cumulative_with_inclusive_bounds) {
  registry r;
  auto& h = r.histogram("kavro_latency_seconds", "Latency.", {0.1, 1, 2.5}, {"endpoint"});
  auto& child = h.with({"/x"});
  for (double v : {0.05, 0.1, 0.5, 1.0, 3.0}) child.observe(v);
  EXPECT_EQ(r.expose(),
            "# HELP kavro_latency_seconds Latency.\n"
            "# TYPE kavro_latency_seconds histogram\n"
            "kavro_latency_seconds_bucket{endpoint=\"/x\",le=\"0.1\"} 2\n"
            "kavro_latency_seconds_bucket{endpoint=\"/x\",le=\"1\"} 4\n"
            "kavro_latency_seconds_bucket{endpoint=\"/x\",le=\"2.5\"} 4\n"
            "kavro_latency_seconds_bucket{endpoint=\"/x\",le=\"+Inf\"} 5\n"
            "kavro_latency_seconds_sum{endpoint=\"/x\"} 4.65\n"
            "kavro_latency_seconds_count{endpoint=\"/x\"} 5\n");
}

TEST(metrics, unlabelled_histogram_has_only_le) {
  registry r;
  r.histogram("h", "H.", {1}).get().observe(7);
  EXPECT_EQ(r.expose(),
            "# HELP h H.\n# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_sum 7\nh_count 1\n");
}

TEST(metrics, callbacks_are_read_at_scrape_time_and_families_keep_registration_order) {
  registry r;
  double open = 1;
  r.callback(metric_type::gauge, "z_open", "Open.", {}, {}, [&] { return open; });
  r.callback(metric_type::counter, "a_seen", "Seen.", {"type"}, {"AVRO"}, [] { return 7.0; });
  r.callback(metric_type::counter, "a_seen", "Seen.", {"type"}, {"JSON"}, [] { return 0.0; });
  r.callback(metric_type::gauge, "failing", "Fails.", {}, {},
             []() -> double { throw std::runtime_error("x"); });
  open = 4;
  EXPECT_EQ(r.expose(),
            "# HELP z_open Open.\n# TYPE z_open gauge\nz_open 4\n"
            "# HELP a_seen Seen.\n# TYPE a_seen counter\na_seen{type=\"AVRO\"} 7\na_seen{type=\"JSON\"} 0\n"
            "# HELP failing Fails.\n# TYPE failing gauge\nfailing NaN\n");
}

TEST(metrics, same_family_twice_is_the_same_and_conflicts_are_refused) {
  registry r;
  auto& a = r.counter("c_total", "C.", {"x"});
  auto& b = r.counter("c_total", "C.", {"x"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.with({"1"}), &b.with({"1"}));
  EXPECT_THROW(r.gauge("c_total", "C.", {"x"}), std::invalid_argument);
  EXPECT_THROW(r.counter("c_total", "C.", {"y"}), std::invalid_argument);
  EXPECT_THROW(a.with({"1", "2"}), std::invalid_argument);
  EXPECT_THROW(r.counter("1bad", "B."), std::invalid_argument);
  EXPECT_THROW(r.counter("bad-name", "B."), std::invalid_argument);
  EXPECT_THROW(r.counter("ok", "B.", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.counter("ok", "B.", {"a:b"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "H.", {1}, {"le"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "H.", {2, 1}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "H.", {1, std::numeric_limits<double>::infinity()}), std::invalid_argument);
  EXPECT_THROW(r.callback(metric_type::histogram, "hc", "H.", {}, {}, [] { return 0.0; }),
               std::invalid_argument);
  EXPECT_NO_THROW(r.counter("ns:sub_total", "Colons are allowed in names."));
}

TEST(metrics, concurrent_increments_lose_nothing) {
  registry r;
  auto& c = r.counter("n_total", "N.").get();
  auto& h = r.histogram("d", "D.", {0.5}).get();
  std::vector<std::thread> threads;
  constexpr int per_thread = 20000;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        c.inc();
        h.observe(i % 2 ? 1.0 : 0.0);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 8u * per_thread);
  const auto snap = h.read();
  EXPECT_EQ(snap.count, 8u * per_thread);
  EXPECT_EQ(snap.cumulative[0], 4u * per_thread);
  EXPECT_EQ(snap.sum, 4.0 * per_thread);
}

TEST(metrics, values_are_written_as_prometheus_clients_write_them) {
  using kavro::metrics::format_value;
  EXPECT_EQ(format_value(0.0005), "0.0005");
  EXPECT_EQ(format_value(0.00005), "5e-05");
  EXPECT_EQ(format_value(123456), "123456");
  EXPECT_EQ(format_value(1e6), "1e+06");
  EXPECT_EQ(format_value(-2.5), "-2.5");
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(0.1 + 0.2), "0.30000000000000004");
}

TEST(metrics, bucket_helpers) {
  EXPECT_EQ(kavro::metrics::exponential_buckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_THROW(kavro::metrics::exponential_buckets(0, 2, 4), std::invalid_argument);
  EXPECT_THROW(kavro::metrics::exponential_buckets(1, 1, 4), std::invalid_argument);
  EXPECT_NO_THROW(kavro::metrics::histogram(kavro::metrics::latency_buckets()));
}

}  // namespace

namespace {

TEST(metrics, before_scrape_runs_once_per_scrape_before_the_callbacks) {
  registry r;
  int reads = 0;
  int snapshot = 0;
  r.before_scrape([&] { snapshot = ++reads * 10; });
  r.callback(metric_type::gauge, "a", "A.", {}, {}, [&] { return static_cast<double>(snapshot); });
  r.callback(metric_type::gauge, "b", "B.", {}, {}, [&] { return static_cast<double>(snapshot + 1); });
  EXPECT_EQ(r.expose(), "# HELP a A.\n# TYPE a gauge\na 10\n# HELP b B.\n# TYPE b gauge\nb 11\n");
  EXPECT_EQ(reads, 1);
  r.expose();
  EXPECT_EQ(reads, 2);
}

}  // namespace
