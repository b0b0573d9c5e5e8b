// The registry server's route table and lifecycle: cpp-httplib (HTTP or HTTPS) on a background
// thread in front of the handlers, with basic auth, a body limit, request logging and health probes.
#include "kavro/registry_server/server.hpp"

#include <httplib.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "handlers.hpp"

namespace kavro::registry_server {
namespace {

constexpr std::string_view v1_type = "application/vnd.schemaregistry.v1+json";
constexpr std::array<std::string_view, 3> media_types{v1_type, "application/vnd.schemaregistry+json",
                                                      "application/json"};

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Confluent answers in the first of its media types the client accepts (the v1 type by default).
std::string response_type(const httplib::Request& req) {
  if (!req.has_header("Accept")) return std::string(v1_type);
  const std::string accept = req.get_header_value("Accept");
  for (auto type : media_types) {
    std::string_view rest = accept;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = trim(rest.substr(0, comma).substr(0, rest.substr(0, comma).find(';')));
      if (iequal(item, type) || item == "*/*" || item == "application/*") return std::string(type);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  return std::string(v1_type);
}

void send(const httplib::Request& req, httplib::Response& res, const response& r) {
  res.status = r.status;
  res.set_content(r.body, response_type(req).c_str());
}

// Confluent accepts its own media types and plain JSON; a missing Content-Type is taken as JSON.
bool acceptable_body_type(const httplib::Request& req) {
  if (!req.has_header("Content-Type")) return true;
  const std::string header = req.get_header_value("Content-Type");
  const std::string_view type = trim(std::string_view(header).substr(0, header.find(';')));
  return std::any_of(media_types.begin(), media_types.end(), [&](auto t) { return iequal(type, t); });
}

std::string base64(std::string_view in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += table[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += table[(buffer << (6 - bits)) & 63];
  while (out.size() % 4) out += '=';
  return out;
}

// Compares without an early exit, so the time taken says nothing about how much matched.
bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.size() ? b.size() : 1)]);
  return diff == 0;
}

std::optional<std::string> subject_or_global(const httplib::Request& req) {
  if (req.matches.size() > 1) return std::string(req.matches[1]);
  return std::nullopt;
}

}  // namespace

struct server::impl {
  server_config config;
  shared_state state;
  std::unique_ptr<storage> log;
  std::unique_ptr<handlers> api;
  std::unique_ptr<httplib::Server> http;
  std::string expected_authorization;
  std::thread listener;
  std::mutex mutex;  // guards listener, finished
  std::condition_variable finished_cv;
  bool finished = false;

  explicit impl(server_config c) : config(std::move(c)) {
    if (!config.tls_cert_file.empty() || !config.tls_key_file.empty()) {
      auto tls =
          std::make_unique<httplib::SSLServer>(config.tls_cert_file.c_str(), config.tls_key_file.c_str());
      if (!tls->is_valid()) {
        throw std::runtime_error("registry server: cannot load TLS certificate '" + config.tls_cert_file +
                                 "' and key '" + config.tls_key_file + "'");
      }
      http = std::move(tls);
    } else {
      http = std::make_unique<httplib::Server>();
    }
    if (!config.basic_auth.empty()) expected_authorization = "Basic " + base64(config.basic_auth);
    log = config.kafka ? make_kafka_storage(state, *config.kafka) : make_memory_storage(state);
    api = std::make_unique<handlers>(state, *log);
    add_routes();
  }

  using handler_fn = std::function<response(const httplib::Request&)>;

  // Writes go to the leader: a follower forwards the request as it came and, once the leader has
  // answered with success, catches up with the log, so the caller reads its write here too.
  handler_fn leader_only(handler_fn fn) {
    return [this, fn = std::move(fn)](const httplib::Request& req) -> response {
      auto target = log->write_target();
      if (!target) return error_response(target.error());
      if (!*target) return fn(req);
      httplib::Client leader(**target);
      leader.set_connection_timeout(std::chrono::seconds(5));
      leader.set_read_timeout(std::chrono::seconds(60));
      httplib::Headers headers;
      for (const char* name : {"Authorization", "Accept"}) {
        if (req.has_header(name)) headers.emplace(name, req.get_header_value(name));
      }
      const std::string type =
          req.has_header("Content-Type") ? req.get_header_value("Content-Type") : std::string(v1_type);
      httplib::Result r =
          req.method == "POST"  ? leader.Post(req.target.c_str(), headers, req.body, type.c_str())
          : req.method == "PUT" ? leader.Put(req.target.c_str(), headers, req.body, type.c_str())
                                : leader.Delete(req.target.c_str(), headers);
      if (!r) {
        return error_response(make_error(error_code::request_forwarding_failed,
                                         **target + ": " + httplib::to_string(r.error())));
      }
      if (r->status / 100 == 2) {
        if (auto synced = log->sync(); !synced) return error_response(synced.error());
      }
      return response{r->status, r->body};
    };
  }

  // Reads answer from this instance's state. A "not found" may only mean another instance's write
  // has not been read back yet, so before saying it the instance catches up with the log and asks
  // again: a schema registered through any instance can be read from every other one at once.
  handler_fn caught_up(handler_fn fn) {
    return [this, fn = std::move(fn)](const httplib::Request& req) {
      response r = fn(req);
      if (r.status == 404 && config.kafka && log->sync()) r = fn(req);
      return r;
    };
  }

  void get(const char* pattern, handler_fn fn) {
    http->Get(pattern, [fn = caught_up(std::move(fn))](const httplib::Request& req, httplib::Response& res) {
      send(req, res, fn(req));
    });
  }
  void del(const char* pattern, handler_fn fn) {
    http->Delete(pattern, [fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
      send(req, res, fn(req));
    });
  }
  // POST and PUT carry a JSON body in one of Confluent's media types.
  static auto with_body(handler_fn fn) {
    return [fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
      if (!acceptable_body_type(req))
        return send(req, res, error_response(make_error(error_code::unsupported_media_type)));
      send(req, res, fn(req));
    };
  }
  void post(const char* pattern, handler_fn fn) { http->Post(pattern, with_body(std::move(fn))); }
  void put(const char* pattern, handler_fn fn) { http->Put(pattern, with_body(std::move(fn))); }

  void add_routes() {
    handlers& h = *api;
    get("/", [&h](const auto&) { return h.root(); });
    get("/healthz", [](const auto&) { return response{200, "{}"}; });
    get("/readyz", [this](const auto&) {
      if (log->ready()) return response{200, "{}"};
      return error_response(make_error(error_code::store_error, "not caught up with the schemas topic"));
    });
    get("/schemas/types", [&h](const auto&) { return h.schema_types(); });
    get("/schemas", [&h](const auto& r) { return h.list_schemas(r.params); });
    get(R"(/schemas/ids/([^/]+))", [&h](const auto& r) { return h.schema_by_id(r.matches[1], r.params); });
    get(R"(/schemas/ids/([^/]+)/schema)",
        [&h](const auto& r) { return h.raw_schema_by_id(r.matches[1], r.params); });
    get(R"(/schemas/ids/([^/]+)/subjects)",
        [&h](const auto& r) { return h.subjects_by_id(r.matches[1], r.params); });
    get(R"(/schemas/ids/([^/]+)/versions)",
        [&h](const auto& r) { return h.versions_by_id(r.matches[1], r.params); });

    // Subjects may contain '/' (sent as %2F, decoded before matching), so a subject is (.+); httplib
    // takes the first pattern that matches the whole path, so longer suffixes come first.
    get("/subjects", [&h](const auto& r) { return h.list_subjects(r.params); });
    get(R"(/subjects/(.+)/versions/([^/]+)/schema)",
        [&h](const auto& r) { return h.raw_schema_by_version(r.matches[1], r.matches[2], r.params); });
    get(R"(/subjects/(.+)/versions/([^/]+)/referencedby)",
        [&h](const auto& r) { return h.referenced_by(r.matches[1], r.matches[2]); });
    get(R"(/subjects/(.+)/versions/([^/]+))",
        [&h](const auto& r) { return h.get_version(r.matches[1], r.matches[2], r.params); });
    get(R"(/subjects/(.+)/versions)",
        [&h](const auto& r) { return h.list_versions(r.matches[1], r.params); });
    post(R"(/subjects/(.+)/versions)",
         leader_only([&h](const auto& r) { return h.register_schema(r.matches[1], r.body, r.params); }));
    post(R"(/subjects/(.+))",
         caught_up([&h](const auto& r) { return h.lookup_schema(r.matches[1], r.body, r.params); }));
    del(R"(/subjects/(.+)/versions/([^/]+))",
        leader_only([&h](const auto& r) { return h.delete_version(r.matches[1], r.matches[2], r.params); }));
    del(R"(/subjects/(.+))",
        leader_only([&h](const auto& r) { return h.delete_subject(r.matches[1], r.params); }));

    post(R"(/compatibility/subjects/(.+)/versions/([^/]+))", [&h](const auto& r) {
      return h.check_compatibility(r.matches[1], std::string(r.matches[2]), r.body, r.params);
    });
    post(R"(/compatibility/subjects/(.+)/versions)",
         [&h](const auto& r) { return h.check_compatibility(r.matches[1], std::nullopt, r.body, r.params); });

    for (const char* pattern : {"/config", R"(/config/(.+))"}) {
      get(pattern, [&h](const auto& r) { return h.get_config(subject_or_global(r), r.params); });
      put(pattern, leader_only([&h](const auto& r) { return h.put_config(subject_or_global(r), r.body); }));
      del(pattern, leader_only([&h](const auto& r) { return h.delete_config(subject_or_global(r)); }));
    }
    for (const char* pattern : {"/mode", R"(/mode/(.+))"}) {
      get(pattern, [&h](const auto& r) { return h.get_mode(subject_or_global(r), r.params); });
      put(pattern,
          leader_only([&h](const auto& r) { return h.put_mode(subject_or_global(r), r.body, r.params); }));
      del(pattern, leader_only([&h](const auto& r) { return h.delete_mode(subject_or_global(r)); }));
    }

    // httplib serves one connection per pool thread until it closes; clients (and their
    // connection pools) keep connections alive, so the pool must be larger than the usual number of
    // open connections, and a connection may serve many requests.
    http->new_task_queue = [] { return new httplib::ThreadPool(64); };
    http->set_keep_alive_max_count(10000);
    // httplib writes headers and body separately: without TCP_NODELAY, Nagle's algorithm and the
    // client's delayed ACK add ~40 ms to every response.
    http->set_tcp_nodelay(true);
    http->set_payload_max_length(config.max_body_bytes);
    http->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (expected_authorization.empty() || req.path == "/healthz" || req.path == "/readyz") {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      if (constant_time_equal(req.get_header_value("Authorization"), expected_authorization)) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      send(req, res, error_response(make_error(error_code::unauthorized)));
      res.set_header("WWW-Authenticate", "Basic realm=\"kavro-registry\"");
      return httplib::Server::HandlerResponse::Handled;
    });
    // Unmatched routes and httplib's own refusals reach here with an empty body.
    http->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      const int status = res.status;
      api_error e = make_error(error_code::not_found);
      if (status == 413) {
        e = make_error(error_code::payload_too_large, std::to_string(config.max_body_bytes));
      } else if (status != 404) {
        e = api_error{static_cast<error_code>(status), "HTTP " + std::to_string(status)};
      }
      send(req, res, error_response(e));
    });
    http->set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
      send(req, res, error_response(make_error(error_code::internal_server_error)));
    });
    if (config.log_requests) {
      http->set_logger([](const httplib::Request& req, const httplib::Response& res) {
        std::clog << req.remote_addr << ' ' << req.method << ' ' << req.path << ' ' << res.status << ' '
                  << res.body.size() << '\n';
      });
    }
  }
};

server::server(server_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

server::~server() {
  stop();
}

result<std::uint16_t> server::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->listener.joinable()) return fail(errc::invalid_argument, "registry server already started");
  if (auto caught_up = impl_->log->sync(); !caught_up) {
    return fail(errc::unavailable, "registry server: " + caught_up.error().message);
  }
  int port = impl_->config.port;
  if (port == 0) {
    port = impl_->http->bind_to_any_port(impl_->config.host);
  } else if (!impl_->http->bind_to_port(impl_->config.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return fail(errc::unavailable, "registry server: cannot bind " + impl_->config.host + ":" +
                                       std::to_string(impl_->config.port));
  }
  if (impl_->config.kafka) {
    const bool tls = !impl_->config.tls_cert_file.empty();
    std::string host = impl_->config.host;
    if (host == "0.0.0.0" || host == "::" || host.empty()) {
      char name[256] = {};
      host = ::gethostname(name, sizeof name - 1) == 0 ? name : "localhost";
    }
    impl_->log->advertise(std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(port));
    // Serve once the election has an outcome, so the first write neither fails nor forwards nowhere.
    const auto deadline = std::chrono::steady_clock::now() + impl_->config.kafka->timeout;
    while (!impl_->log->write_target()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return fail(errc::unavailable, "registry server: no leader elected within the store timeout");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  impl_->finished = false;
  impl_->listener = std::thread([this] {
    impl_->http->listen_after_bind();
    std::lock_guard done(impl_->mutex);
    impl_->finished = true;
    impl_->finished_cv.notify_all();
  });
  // httplib's stop() does nothing until the accept loop runs, so don't hand out a server that could
  // not be stopped.
  while (!impl_->http->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return static_cast<std::uint16_t>(port);
}

void server::stop() {
  std::thread listener;
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->listener.joinable()) return;
    listener = std::move(impl_->listener);
  }
  impl_->http->stop();
  listener.join();
}

void server::wait() {
  std::unique_lock lock(impl_->mutex);
  impl_->finished_cv.wait(lock, [this] { return impl_->finished || !impl_->listener.joinable(); });
}

}  // namespace kavro::registry_server
