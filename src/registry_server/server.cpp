// The registry server's route table and lifecycle: cpp-httplib (HTTP or HTTPS) on a background
// thread in front of the handlers, routed as Jersey routes Confluent's resources (404 for an unknown
// path, 405 for a method the path does not serve), with basic auth, a body limit, request logging
// and health probes.
#include "kavro/registry_server/server.hpp"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

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

// A request path as Jersey matches it: the raw path (before '?') split at '/', each segment then
// percent-decoded, so a subject may contain '/' (sent as %2F) and still fill exactly one segment. A
// trailing '/' is ignored; an empty segment elsewhere matches no route.
std::vector<std::string> path_segments(std::string_view target) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  std::vector<std::string> out;
  if (path.empty()) return out;
  while (true) {
    const auto slash = path.find('/');
    const std::string_view raw = path.substr(0, slash);
    std::string segment;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size() && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
        segment += static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
        i += 2;
      } else {
        segment += raw[i];
      }
    }
    out.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// Path parameters in the order the route's template names them.
using path_params = std::vector<std::string>;

std::optional<std::string> subject_or_global(const path_params& p) {
  if (!p.empty()) return p[0];
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
    api = std::make_unique<handlers>(
        state, *log,
        compatibility_settings{config.decimals == decimal_compatibility::precision_and_scale});
    add_routes();
  }

  using handler_fn = std::function<response(const httplib::Request&, const path_params&)>;

  // One path template of the API: literal segments, and "{}" for a path parameter. Like Jersey, a
  // request whose path matches a template but whose method the template does not serve is 405.
  struct route {
    std::vector<std::string_view> segments;
    std::map<std::string, handler_fn, std::less<>> methods;
  };
  std::vector<route> routes;

  void add(std::initializer_list<std::string_view> path, std::string_view method, handler_fn fn) {
    const std::vector<std::string_view> segments(path);
    auto it =
        std::find_if(routes.begin(), routes.end(), [&](const route& r) { return r.segments == segments; });
    if (it == routes.end()) it = routes.insert(routes.end(), route{segments, {}});
    it->methods.emplace(std::string(method), std::move(fn));
  }

  // The route whose template matches the path (the most literal one, as Jersey prefers), filling
  // `params`; nullptr if none does.
  const route* match(const std::vector<std::string>& path, path_params& params) const {
    const route* best = nullptr;
    std::size_t best_literals = 0;
    for (const auto& r : routes) {
      if (r.segments.size() != path.size()) continue;
      std::size_t literals = 0;
      bool ok = true;
      for (std::size_t i = 0; ok && i < path.size(); ++i) {
        if (r.segments[i] == "{}") {
          ok = !path[i].empty();  // a parameter is one or more characters
          continue;
        }
        ok = r.segments[i] == path[i];
        ++literals;
      }
      if (ok && (!best || literals > best_literals)) {
        best = &r;
        best_literals = literals;
      }
    }
    if (best) {
      params.clear();
      for (std::size_t i = 0; i < path.size(); ++i) {
        if (best->segments[i] == "{}") params.push_back(path[i]);
      }
    }
    return best;
  }

  // The Allow header for a route: its methods, HEAD with GET, and OPTIONS (answered for every route).
  static std::string allowed(const route& r) {
    std::string out;
    for (const char* m : {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}) {
      const std::string_view name = m;
      const bool served = name == "OPTIONS" || r.methods.contains(name == "HEAD" ? "GET" : name);
      if (!served) continue;
      if (!out.empty()) out += ", ";
      out += name;
    }
    return out;
  }

  // Every request that reaches routing comes here. An unknown path is 404 and a known path with a
  // method it does not serve 405, each with Confluent's (Jersey's) error body; OPTIONS on a known
  // path is answered as Jersey answers it by default: 200 with the Allow header.
  void dispatch(const httplib::Request& req, httplib::Response& res) const {
    path_params params;
    const route* r = match(path_segments(req.target), params);
    if (!r) return send(req, res, error_response(make_error(error_code::not_found)));
    const std::string_view method =
        req.method == "HEAD" ? std::string_view("GET") : std::string_view(req.method);
    auto it = r->methods.find(method);
    if (it == r->methods.end()) {
      res.set_header("Allow", allowed(*r));
      if (req.method == "OPTIONS") {
        res.status = 200;
        return;
      }
      return send(req, res, error_response(make_error(error_code::method_not_allowed)));
    }
    // POST and PUT carry a JSON body in one of Confluent's media types.
    if ((method == "POST" || method == "PUT") && !acceptable_body_type(req)) {
      return send(req, res, error_response(make_error(error_code::unsupported_media_type)));
    }
    send(req, res, it->second(req, params));
  }

  // Writes go to the leader: a follower forwards the request as it came and, once the leader has
  // answered with success, catches up with the log, so the caller reads its write here too.
  handler_fn leader_only(handler_fn fn) {
    return [this, fn = std::move(fn)](const httplib::Request& req, const path_params& p) -> response {
      auto target = log->write_target();
      if (!target) return error_response(target.error());
      if (!*target) return fn(req, p);
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
    return [this, fn = std::move(fn)](const httplib::Request& req, const path_params& p) {
      response r = fn(req, p);
      if (r.status == 404 && config.kafka && log->sync()) r = fn(req, p);
      return r;
    };
  }

  void get(std::initializer_list<std::string_view> path, handler_fn fn) {
    add(path, "GET", caught_up(std::move(fn)));
  }
  void post(std::initializer_list<std::string_view> path, handler_fn fn) { add(path, "POST", std::move(fn)); }
  void put(std::initializer_list<std::string_view> path, handler_fn fn) { add(path, "PUT", std::move(fn)); }
  void del(std::initializer_list<std::string_view> path, handler_fn fn) {
    add(path, "DELETE", std::move(fn));
  }

  void add_routes() {
    handlers& h = *api;
    // Confluent's RootResource: GET and POST answer {} (POST exists for testing with a body).
    get({}, [&h](const auto&, const auto&) { return h.root(); });
    post({}, [&h](const auto& r, const auto&) { return h.root_post(r.body); });
    get({"healthz"}, [](const auto&, const auto&) { return response{200, "{}"}; });
    get({"readyz"}, [this](const auto&, const auto&) {
      if (log->ready()) return response{200, "{}"};
      return error_response(make_error(error_code::store_error, "not caught up with the schemas topic"));
    });
    get({"schemas", "types"}, [&h](const auto&, const auto&) { return h.schema_types(); });
    get({"schemas"}, [&h](const auto& r, const auto&) { return h.list_schemas(r.params); });
    get({"schemas", "ids", "{}"},
        [&h](const auto& r, const auto& p) { return h.schema_by_id(p[0], r.params); });
    get({"schemas", "ids", "{}", "schema"},
        [&h](const auto& r, const auto& p) { return h.raw_schema_by_id(p[0], r.params); });
    get({"schemas", "ids", "{}", "subjects"},
        [&h](const auto& r, const auto& p) { return h.subjects_by_id(p[0], r.params); });
    get({"schemas", "ids", "{}", "versions"},
        [&h](const auto& r, const auto& p) { return h.versions_by_id(p[0], r.params); });

    get({"subjects"}, [&h](const auto& r, const auto&) { return h.list_subjects(r.params); });
    post({"subjects", "{}"},
         caught_up([&h](const auto& r, const auto& p) { return h.lookup_schema(p[0], r.body, r.params); }));
    del({"subjects", "{}"},
        leader_only([&h](const auto& r, const auto& p) { return h.delete_subject(p[0], r.params); }));
    get({"subjects", "{}", "versions"},
        [&h](const auto& r, const auto& p) { return h.list_versions(p[0], r.params); });
    post({"subjects", "{}", "versions"}, leader_only([&h](const auto& r, const auto& p) {
           return h.register_schema(p[0], r.body, r.params);
         }));
    get({"subjects", "{}", "versions", "{}"},
        [&h](const auto& r, const auto& p) { return h.get_version(p[0], p[1], r.params); });
    del({"subjects", "{}", "versions", "{}"},
        leader_only([&h](const auto& r, const auto& p) { return h.delete_version(p[0], p[1], r.params); }));
    get({"subjects", "{}", "versions", "{}", "schema"},
        [&h](const auto& r, const auto& p) { return h.raw_schema_by_version(p[0], p[1], r.params); });
    get({"subjects", "{}", "versions", "{}", "referencedby"},
        [&h](const auto&, const auto& p) { return h.referenced_by(p[0], p[1]); });

    post({"compatibility", "subjects", "{}", "versions", "{}"},
         [&h](const auto& r, const auto& p) { return h.check_compatibility(p[0], p[1], r.body, r.params); });
    post({"compatibility", "subjects", "{}", "versions"}, [&h](const auto& r, const auto& p) {
      return h.check_compatibility(p[0], std::nullopt, r.body, r.params);
    });

    // The global setting and the subject's (subject_or_global tells them apart).
    const auto config_routes = [&](std::initializer_list<std::string_view> path) {
      get(path, [&h](const auto& r, const auto& p) { return h.get_config(subject_or_global(p), r.params); });
      put(path, leader_only([&h](const auto& r, const auto& p) {
            return h.put_config(subject_or_global(p), r.body);
          }));
      del(path,
          leader_only([&h](const auto&, const auto& p) { return h.delete_config(subject_or_global(p)); }));
    };
    config_routes({"config"});
    config_routes({"config", "{}"});
    const auto mode_routes = [&](std::initializer_list<std::string_view> path) {
      get(path, [&h](const auto& r, const auto& p) { return h.get_mode(subject_or_global(p), r.params); });
      put(path, leader_only([&h](const auto& r, const auto& p) {
            return h.put_mode(subject_or_global(p), r.body, r.params);
          }));
      del(path,
          leader_only([&h](const auto&, const auto& p) { return h.delete_mode(subject_or_global(p)); }));
    };
    mode_routes({"mode"});
    mode_routes({"mode", "{}"});

    // httplib routes by method and a regex over the decoded path; kavro routes itself (above), so
    // every method httplib dispatches goes to one handler that sees the raw path.
    const auto to_dispatch = [this](const httplib::Request& req, httplib::Response& res) {
      dispatch(req, res);
    };
    const char* any_path = R"([\s\S]*)";
    http->Get(any_path, to_dispatch);  // and HEAD
    http->Post(any_path, to_dispatch);
    http->Put(any_path, to_dispatch);
    http->Delete(any_path, to_dispatch);
    http->Options(any_path, to_dispatch);
    http->Patch(any_path, to_dispatch);

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
    // httplib's own refusals reach here with an empty body: a body over the limit, a malformed
    // request, and the methods it routes nowhere (TRACE, CONNECT: 400), which Jersey answers with
    // 405 on a known path and 404 elsewhere.
    http->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      const int status = res.status;
      api_error e{static_cast<error_code>(status), "HTTP " + std::to_string(status)};
      if (status == 413) {
        e = make_error(error_code::payload_too_large, std::to_string(config.max_body_bytes));
      } else if (status == 404) {
        e = make_error(error_code::not_found);
      } else if (status == 400 && (req.method == "TRACE" || req.method == "CONNECT")) {
        path_params params;
        if (const route* r = match(path_segments(req.target), params)) {
          res.set_header("Allow", allowed(*r));
          e = make_error(error_code::method_not_allowed);
        } else {
          e = make_error(error_code::not_found);
        }
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

    // Confluent 8.x endpoints added for parity (ContextsResource, ServerMetadataResource).
    get({"contexts"}, [&h](const auto& r, const auto&) { return h.list_contexts(r.params); });
    get({"v1", "metadata", "id"}, [&h](const auto&, const auto&) { return h.metadata_id(); });
    get({"v1", "metadata", "version"}, [&h](const auto&, const auto&) { return h.metadata_version(); });
    if (config.kafka) {
      h.set_cluster_ids("", config.kafka->group_id.empty() ? "kavro-schema-registry-" + config.kafka->topic
                                                           : config.kafka->group_id);
    } else {
      h.set_cluster_ids("", "");
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
