// The registry server's lifecycle: builds the layers (state, store, handlers, routes, forwarding; see
// state.hpp) on kavro's own HTTP transport (http_server.hpp), starts and stops it, and answers the
// health probe and the unauthenticated metrics scrape before routing.
#include "kavro/registry_server/server.hpp"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "forwarding.hpp"
#include "handlers.hpp"
#include "http_server.hpp"
#include "http_util.hpp"
#include "kavro/registry_server/auth.hpp"
#include "registry_metrics.hpp"
#include "routes.hpp"

namespace kavro::registry_server {
namespace {

std::shared_ptr<const authenticator> load_auth(const server_config& config) {
  if (!config.auth_file.empty()) {
    auto loaded = load_auth_file(config.auth_file);
    if (!loaded) throw std::runtime_error("registry server: " + loaded.error().message);
    return *loaded;
  }
  if (!config.basic_auth.empty()) return make_single_user_authenticator(config.basic_auth);
  return nullptr;
}

}  // namespace

struct server::impl {
  server_config config;
  shared_state state;
  std::shared_ptr<const authenticator> auth;  // null: open; loaded before the store starts
  std::unique_ptr<store> log;
  std::unique_ptr<handlers> api;
  registry_metrics metrics;  // before http: the transport reports to it until it stops
  forwarding links;
  route_table routes;
  std::unique_ptr<http::server> http;
  std::mutex mutex;  // guards running, finished
  std::condition_variable finished_cv;
  bool running = false;
  bool finished = false;

  explicit impl(server_config c)
      : config(std::move(c)),
        auth(load_auth(config)),
        log(config.kafka ? make_kafka_store(state, *config.kafka) : make_memory_store(state)),
        links(*log, config.kafka.has_value(),
              config.kafka ? config.kafka->timeout : std::chrono::milliseconds(30000)) {
    http::server_options o;
    o.host = config.host;
    o.port = config.port;
    o.limit.max_request_line = config.max_request_line_bytes;
    o.limit.max_header_bytes = config.max_header_bytes;
    o.limit.max_body_bytes = config.max_body_bytes;
    o.header_timeout = config.header_timeout;
    o.body_timeout = config.body_timeout;
    o.body_min_rate = config.body_min_rate;
    o.idle_timeout = config.idle_timeout;
    o.tls_handshake_timeout = config.tls_handshake_timeout;
    o.write_timeout = config.write_timeout;
    o.max_connections = config.max_connections;
    o.io_threads = config.io_threads;
    o.worker_threads = config.worker_threads;
    o.tls_cert_file = config.tls_cert_file;
    o.tls_key_file = config.tls_key_file;
    o.log_requests = config.log_requests;
    o.on_response = [this](const http::exchange& x) { metrics.record(x); };
    // The transport's refusals in Confluent's shape; 413 with Confluent's text.
    o.error_response = [max = config.max_body_bytes](int status, const std::string& message) {
      http::response r;
      r.status = status;
      r.headers.set("Content-Type", std::string(v1_type));
      const api_error e = status == 413 ? make_error(error_code::payload_too_large, std::to_string(max))
                                        : api_error{static_cast<error_code>(status), message};
      r.body = e.to_json();
      return r;
    };
    api = std::make_unique<handlers>(
        state, *log, compatibility_settings{config.decimals == decimal_compatibility::precision_and_scale},
        config.default_compatibility);
    add_api_routes(routes, *api, *log, links, metrics);
    if (config.kafka) {
      api->set_cluster_ids("", config.kafka->group_id.empty() ? "kavro-schema-registry-" + config.kafka->topic
                                                              : config.kafka->group_id);
    } else {
      api->set_cluster_ids("", "");
    }
    try {
      http = std::make_unique<http::server>(
          std::move(o), [this](http::request& req) { return dispatch(req); },
          // Health is answered on the I/O thread, so it is answered even when every worker is busy.
          [](const http::request& req) -> std::optional<http::response> {
            if ((req.method == "GET" || req.method == "HEAD") &&
                (req.target == "/healthz" || req.target.starts_with("/healthz?"))) {
              auto res = send(req, response{200, "{}"});
              res.route = "/healthz";
              return res;
            }
            return std::nullopt;
          });
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("registry server: ") + e.what());
    }
    metrics.watch(
        state, *log, [this] { return http->connections(); }, [this] { return http->connections_refused(); });
  }

  // Every request comes here (on a worker thread). /metrics without authentication when configured
  // so; the answer is labelled with its route's template, for metrics and the request log.
  http::response dispatch(const http::request& req) const {
    const std::vector<std::string> segments = path_segments(req.target);
    const bool scrape = segments.size() == 1 && segments[0] == "metrics";
    http::response res =
        scrape && config.metrics_without_auth && (req.method == "GET" || req.method == "HEAD")
            ? scrape_metrics()
            : routes.answer(req, auth.get());
    path_params ignored;
    if (const auto* r = routes.match(segments, ignored)) res.route = endpoint_template(r->segments);
    if (scrape && res.status == 200)
      res.headers.set("Content-Type", std::string(kavro::metrics::exposition_content_type));
    return res;
  }

  http::response scrape_metrics() const {
    http::response res;
    res.body = metrics.scrape();
    return res;
  }
};

server::server(server_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

server::~server() {
  stop();
}

result<std::uint16_t> server::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->running) return fail(errc::invalid_argument, "registry server already started");
  if (auto caught_up = impl_->log->sync(); !caught_up) {
    return fail(errc::unavailable, "registry server: " + caught_up.error().message);
  }
  auto port = impl_->http->start();
  if (!port) return fail(errc::unavailable, "registry server: " + port.error().message);
  const bool tls = !impl_->config.tls_cert_file.empty();
  std::string host = impl_->config.host;
  if (host == "0.0.0.0" || host == "::" || host.empty()) {
    char name[256] = {};
    host = ::gethostname(name, sizeof name - 1) == 0 ? name : "localhost";
  }
  const auto& kafka = impl_->config.kafka;
  const std::string url =
      !impl_->config.advertised_url.empty() ? impl_->config.advertised_url
      : kafka && !kafka->advertised_url.empty()
          ? kafka->advertised_url
          : std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(*port);
  impl_->links.set_own_url(url);
  if (kafka) {
    impl_->log->advertise(url);
    // Serve once the election has an outcome, so the first write neither fails nor forwards nowhere.
    const auto deadline = std::chrono::steady_clock::now() + impl_->config.kafka->timeout;
    while (!impl_->log->write_target()) {
      if (std::chrono::steady_clock::now() > deadline) {
        impl_->http->stop();
        return fail(errc::unavailable, "registry server: no leader elected within the store timeout");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  impl_->running = true;
  impl_->finished = false;
  return *port;
}

void server::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->running) return;
  }
  impl_->http->stop();
  std::lock_guard lock(impl_->mutex);
  impl_->running = false;
  impl_->finished = true;
  impl_->finished_cv.notify_all();
}

void server::wait() {
  std::unique_lock lock(impl_->mutex);
  impl_->finished_cv.wait(lock, [this] { return impl_->finished || !impl_->running; });
}

}  // namespace kavro::registry_server
