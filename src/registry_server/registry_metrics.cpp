// The registry's metric names, what each counts, and the state gauges (see registry_metrics.hpp).
#include "registry_metrics.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <shared_mutex>

namespace kavro::registry_server {

std::string endpoint_template(const std::vector<std::string_view>& segments) {
  if (segments.empty()) return "/";
  std::string out;
  std::string_view previous;
  for (auto s : segments) {
    out += '/';
    if (s != "{}") {
      out += s;
      previous = s;
      continue;
    }
    if (previous == "subjects" || previous == "config" || previous == "mode")
      out += "{subject}";
    else if (previous == "versions")
      out += "{version}";
    else if (previous == "ids")
      out += "{id}";
    else
      out += "{param}";
  }
  return out;
}

namespace {

// Methods are client text: anything outside the ones HTTP defines shares one label value, so a
// client cannot grow the label set.
std::string_view method_label(std::string_view m) {
  static constexpr std::array<std::string_view, 9> known{"GET",     "HEAD",  "POST",    "PUT",  "DELETE",
                                                         "OPTIONS", "PATCH", "CONNECT", "TRACE"};
  for (auto k : known) {
    if (k == m) return k;
  }
  return m.empty() ? std::string_view("-") : std::string_view("OTHER");
}

bool is_probe_or_scrape(std::string_view route) {
  return route == "/metrics" || route == "/healthz" || route == "/readyz";
}

}  // namespace

registry_metrics::registry_metrics()
    : requests_(registry_.counter("kavro_registry_http_requests_total",
                                  "HTTP requests answered, by method, endpoint template and status. Endpoint "
                                  "\"(unmatched)\": no route; \"(transport)\": refused before routing.",
                                  {"method", "endpoint", "status"})),
      latency_(registry_.histogram(
          "kavro_registry_http_request_duration_seconds",
          "Time from a request's first byte to its answer, by method and endpoint template.",
          metrics::latency_buckets(), {"method", "endpoint"})),
      refused_(registry_.counter(
          "kavro_registry_http_refused_total",
          "Requests the transport refused before routing, by status (400 malformed, 408 too "
          "slow, 413 body over the limit, 414 request line over the limit, 431 header section "
          "over the limit).",
          {"status"})),
      api_success_(registry_
                       .counter("kafka_schema_registry_api_success_count",
                                "API calls answered with a status below 400 (Confluent's api-success-count; "
                                "probes and scrapes excluded).")
                       .get()),
      api_failure_(
          registry_
              .counter("kafka_schema_registry_api_failure_count",
                       "API calls answered with a status of 400 or above, unknown paths included "
                       "(Confluent's api-failure-count; probes, scrapes and transport refusals excluded).")
              .get()),
      request_bytes_(
          registry_.counter("kavro_registry_http_request_body_bytes_total", "Request body bytes received.")
              .get()),
      response_bytes_(
          registry_.counter("kavro_registry_http_response_body_bytes_total", "Response body bytes sent.")
              .get()) {}

void registry_metrics::record(const http::exchange& x) {
  const std::string_view method = method_label(x.req.method);
  const std::string endpoint = x.refused             ? std::string("(transport)")
                               : x.res.route.empty() ? std::string("(unmatched)")
                                                     : x.res.route;
  requests_.with({method, endpoint, std::to_string(x.res.status)}).inc();
  latency_.with({method, endpoint}).observe(std::chrono::duration<double>(x.latency).count());
  request_bytes_.inc(x.req.body.size());
  response_bytes_.inc(x.res.body.size());
  if (x.refused) {
    refused_.with({std::to_string(x.res.status)}).inc();
  } else if (!is_probe_or_scrape(x.res.route)) {
    (x.res.status < 400 ? api_success_ : api_failure_).inc();
  }
}

namespace {

registry_metrics::state_counts count(const shared_state& s) {
  registry_metrics::state_counts c;
  for (const char* t : {"AVRO", "JSON", "PROTOBUF"}) c.by_type[t] = {0, 0};
  std::shared_lock lock(s.mutex);
  std::map<std::int32_t, bool> ids;
  for (const auto& [subject, versions] : s.data.subjects()) {
    bool any_live = false;
    for (const auto& v : versions) {
      ids[v.id.value] = true;
      const auto* entry = s.data.schema(v.id);
      auto& t = c.by_type[entry ? entry->schema.schema_type : std::string("AVRO")];
      t.first += 1;
      if (v.deleted) {
        c.deleted += 1;
        t.second += 1;
      } else {
        c.live += 1;
        any_live = true;
      }
    }
    if (any_live) c.subjects += 1;
  }
  c.schemas = static_cast<double>(ids.size());
  return c;
}

}  // namespace

void registry_metrics::watch(const shared_state& state, store& log,
                             std::function<std::size_t()> connections_open,
                             std::function<std::uint64_t()> connections_refused) {
  using metrics::metric_type;
  auto& r = registry_;
  const auto* st = &state;
  r.before_scrape([this, st] {
    auto c = count(*st);
    std::lock_guard lock(counts_mutex_);
    counts_ = std::move(c);
  });
  r.callback(metric_type::gauge, "kafka_schema_registry_master_slave_role",
             "1 when this instance is the leader (it writes; the others forward to it), else 0 (Confluent's "
             "master-slave-role).",
             {}, {}, [&log] {
               auto target = log.write_target();
               return target && !target->has_value() ? 1.0 : 0.0;
             });
  // Confluent counts schema records as its store reads them; kavro derives the same numbers from the
  // folded state: versions registered (live or soft-deleted) and versions soft-deleted. They agree
  // on a log without permanent deletes, which remove versions from both.
  r.callback(
      metric_type::gauge, "kafka_schema_registry_registered_count",
      "Schema versions registered and held, soft-deleted ones included (Confluent's registered-count).", {},
      {}, [this] { return read(&state_counts::live) + read(&state_counts::deleted); });
  r.callback(metric_type::gauge, "kafka_schema_registry_deleted_count",
             "Schema versions soft-deleted and held (Confluent's deleted-count).", {}, {},
             [this] { return read(&state_counts::deleted); });
  for (const auto& [type, prefix] : std::array<std::pair<const char*, const char*>, 3>{
           {{"AVRO", "avro"}, {"JSON", "json"}, {"PROTOBUF", "protobuf"}}}) {
    const std::string t = type;
    r.callback(
        metric_type::gauge, std::string("kafka_schema_registry_") + prefix + "_schemas_created",
        "Versions registered and held of " + t + " schemas (Confluent's " + prefix + "-schemas-created).", {},
        {}, [this, t] { return read_type(t, false); });
    r.callback(metric_type::gauge, std::string("kafka_schema_registry_") + prefix + "_schemas_deleted",
               "Versions soft-deleted of " + t + " schemas (Confluent's " + prefix + "-schemas-deleted).", {},
               {}, [this, t] { return read_type(t, true); });
  }
  r.callback(metric_type::gauge, "kavro_registry_subjects", "Subjects with at least one live version.", {},
             {}, [this] { return read(&state_counts::subjects); });
  r.callback(metric_type::gauge, "kavro_registry_schemas", "Distinct schemas (ids) in use by some version.",
             {}, {}, [this] { return read(&state_counts::schemas); });
  r.callback(metric_type::gauge, "kavro_registry_versions", "Schema versions by state.", {"state"}, {"live"},
             [this] { return read(&state_counts::live); });
  r.callback(metric_type::gauge, "kavro_registry_versions", "Schema versions by state.", {"state"},
             {"deleted"}, [this] { return read(&state_counts::deleted); });
  r.callback(metric_type::gauge, "kavro_registry_max_schema_id", "The highest schema id assigned.", {}, {},
             [st] {
               std::shared_lock lock(st->mutex);
               return static_cast<double>(st->data.max_id());
             });
  r.callback(metric_type::gauge, "kavro_registry_store_ready",
             "1 once the state has caught up with the schemas log as it was at start-up.", {}, {},
             [&log] { return log.ready() ? 1.0 : 0.0; });
  if (log.position()) {
    r.callback(metric_type::gauge, "kavro_registry_store_applied_offset",
               "The next offset of the schemas topic this instance will apply.", {}, {},
               [&log] { return static_cast<double>(log.position()->applied); });
    r.callback(metric_type::gauge, "kavro_registry_store_end_offset",
               "The schemas topic's end (high watermark) as last seen by the reader; -1 unknown.", {}, {},
               [&log] { return static_cast<double>(log.position()->end); });
    r.callback(
        metric_type::gauge, "kavro_registry_store_lag",
        "Records of the schemas topic not yet applied here (end - applied); -1 when the end is unknown.", {},
        {}, [&log] {
          const auto p = log.position();
          return p->end < 0 ? -1.0 : static_cast<double>(std::max<std::int64_t>(0, p->end - p->applied));
        });
  }
  r.callback(metric_type::gauge, "kavro_registry_http_connections_open", "TCP connections open now.", {}, {},
             [f = std::move(connections_open)] { return static_cast<double>(f()); });
  r.callback(metric_type::counter, "kavro_registry_http_connections_refused_total",
             "Connections closed as soon as accepted because max-connections were open.", {}, {},
             [f = std::move(connections_refused)] { return static_cast<double>(f()); });
}

}  // namespace kavro::registry_server
