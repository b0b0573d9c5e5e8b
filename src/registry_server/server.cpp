// The registry server's route table and lifecycle on kavro's own HTTP transport (http_server.hpp):
// routed as Jersey routes Confluent's resources (404 for an unknown path, 405 for a method the path
// does not serve), with authentication, leader forwarding, request logging and health probes.
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
#include "http_server.hpp"
#include "kavro/registry_server/auth.hpp"
#include "registry_metrics.hpp"

namespace kavro::registry_server {
namespace {

constexpr std::string_view v1_type = "application/vnd.schemaregistry.v1+json";
constexpr std::array<std::string_view, 3> media_types{v1_type, "application/vnd.schemaregistry+json",
                                                      "application/json"};
// Set on a write forwarded to the leader, naming the forwarding instance: an instance that receives
// a forwarded write and is not the leader either refuses it instead of forwarding again, so a stale
// view of the election can never bounce a request between instances (or back to itself).
constexpr std::string_view forwarded_header = "X-Kavro-Forwarded-By";

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
std::string response_type(const http::request& req) {
  const auto* accept = req.headers.find("Accept");
  if (!accept) return std::string(v1_type);
  for (auto type : media_types) {
    std::string_view rest = *accept;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = trim(rest.substr(0, comma).substr(0, rest.substr(0, comma).find(';')));
      if (iequal(item, type) || item == "*/*" || item == "application/*") return std::string(type);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  return std::string(v1_type);
}

http::response send(const http::request& req, const response& r) {
  http::response res;
  res.status = r.status;
  res.headers.set("Content-Type", response_type(req));
  res.body = r.body;
  return res;
}

// Confluent accepts its own media types and plain JSON; a missing Content-Type is taken as JSON.
bool acceptable_body_type(const http::request& req) {
  const auto* header = req.headers.find("Content-Type");
  if (!header) return true;
  const std::string_view type = trim(std::string_view(*header).substr(0, header->find(';')));
  return std::any_of(media_types.begin(), media_types.end(), [&](auto t) { return iequal(type, t); });
}

// Replaces each ill-formed sequence with U+FFFD (the "maximal subpart" practice of Unicode and of
// Java's decoder, which Confluent's Jersey uses for path and query parameters), so a subject is
// always valid UTF-8 — and the JSON that lists it can always be written.
std::string valid_utf8(std::string_view in) {
  static constexpr std::string_view replacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    std::size_t good = 0;  // bytes of a valid prefix, the lead byte included
    if (len > 0) {
      good = 1;
      while (good < len && i + good < in.size()) {
        const auto b = static_cast<unsigned char>(in[i + good]);
        const bool ok = good == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
        if (!ok) break;
        ++good;
      }
    }
    if (len > 0 && good == len) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out += replacement;
      i += std::max<std::size_t>(good, 1);
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes (and, in a query, '+' as a space); an invalid escape stays as it is.
std::string percent_decode(std::string_view raw, bool plus_is_space) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size() && hex_digit(raw[i + 1]) >= 0 && hex_digit(raw[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(raw[i + 1]) * 16 + hex_digit(raw[i + 2]));
      i += 2;
    } else if (plus_is_space && raw[i] == '+') {
      out += ' ';
    } else {
      out += raw[i];
    }
  }
  return valid_utf8(out);
}

// A request path as Jersey matches it: the raw path (before '?') split at '/', each segment then
// percent-decoded, so a subject may contain '/' (sent as %2F) and still fill exactly one segment. A
// trailing '/' is ignored; an empty segment elsewhere matches no route.
std::vector<std::string> path_segments(std::string_view target) {
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  std::vector<std::string> out;
  if (path.empty()) return out;
  while (true) {
    const auto slash = path.find('/');
    out.push_back(percent_decode(path.substr(0, slash), false));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

query_params parse_query(std::string_view target) {
  query_params out;
  const auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      out.emplace(percent_decode(pair.substr(0, eq), true),
                  eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

// What a route's handler sees of a request: the decoded query parameters and the body.
struct call {
  const http::request& http;
  query_params params;
  const std::string& body;
};

// Path parameters in the order the route's template names them.
using path_params = std::vector<std::string>;

std::optional<std::string> subject_or_global(const path_params& p) {
  if (!p.empty()) return p[0];
  return std::nullopt;
}

// A URL as compared for "is this me": scheme and host in lower case, no trailing '/'.
std::string normal_url(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  const auto authority_end = url.find('/', url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  std::transform(
      url.begin(),
      authority_end == std::string::npos ? url.end() : url.begin() + static_cast<long>(authority_end),
      url.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return url;
}

}  // namespace

struct server::impl {
  server_config config;
  shared_state state;
  std::unique_ptr<store> log;
  std::unique_ptr<handlers> api;
  std::shared_ptr<const authenticator> auth;  // null: open
  registry_metrics metrics;                   // before http: the transport reports to it until it stops
  std::unique_ptr<http::server> http;
  mutable std::mutex url_mutex;  // own_url is set in start(), after the transport may serve
  std::string own_url;           // what this instance advertises to the others
  std::mutex mutex;              // guards running, finished
  std::condition_variable finished_cv;
  bool running = false;
  bool finished = false;

  explicit impl(server_config c) : config(std::move(c)) {
    if (!config.auth_file.empty()) {
      auto loaded = load_auth_file(config.auth_file);
      if (!loaded) throw std::runtime_error("registry server: " + loaded.error().message);
      auth = *loaded;
    } else if (!config.basic_auth.empty()) {
      auth = make_single_user_authenticator(config.basic_auth);
    }
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
    log = config.kafka ? make_kafka_store(state, *config.kafka) : make_memory_store(state);
    api = std::make_unique<handlers>(
        state, *log, compatibility_settings{config.decimals == decimal_compatibility::precision_and_scale},
        config.default_compatibility);
    add_routes();
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

  using handler_fn = std::function<response(const call&, const path_params&)>;

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

  // Every request comes here (on a worker thread). /metrics without authentication when configured
  // so; the answer is labelled with its route's template, for metrics and the request log.
  http::response dispatch(const http::request& req) const {
    const std::vector<std::string> segments = path_segments(req.target);
    const bool scrape = segments.size() == 1 && segments[0] == "metrics";
    http::response res =
        scrape && config.metrics_without_auth && (req.method == "GET" || req.method == "HEAD")
            ? scrape_metrics()
            : route_request(req);
    path_params ignored;
    if (const route* r = match(segments, ignored)) res.route = endpoint_template(r->segments);
    if (scrape && res.status == 200)
      res.headers.set("Content-Type", std::string(kavro::metrics::exposition_content_type));
    return res;
  }

  http::response scrape_metrics() const {
    http::response res;
    res.body = metrics.scrape();
    return res;
  }

  // Authentication first (the probes excepted), then routing: an unknown path is 404 and a known path
  // with a method it does not serve 405, each with Confluent's (Jersey's) error body; OPTIONS on a
  // known path is answered as Jersey answers it by default: 200 with the Allow header.
  http::response route_request(const http::request& req) const {
    const std::vector<std::string> segments = path_segments(req.target);
    const bool probe = segments.size() == 1 && (segments[0] == "healthz" || segments[0] == "readyz");
    if (auth && !probe) {
      const auto role = auth->authenticate(req.headers.get("Authorization"));
      if (!role) {
        auto res = send(req, error_response(make_error(error_code::unauthorized)));
        res.headers.set("WWW-Authenticate", "Basic realm=\"kavro-registry\"");
        return res;
      }
      if (!permits(*role, req.method, segments)) {
        return send(req, error_response(make_error(error_code::forbidden)));
      }
    }
    path_params params;
    const route* r = match(segments, params);
    if (!r) return send(req, error_response(make_error(error_code::not_found)));
    const std::string_view method =
        req.method == "HEAD" ? std::string_view("GET") : std::string_view(req.method);
    auto it = r->methods.find(method);
    if (it == r->methods.end()) {
      http::response res;
      if (req.method == "OPTIONS") {
        res.status = 200;
      } else {
        res = send(req, error_response(make_error(error_code::method_not_allowed)));
      }
      res.headers.set("Allow", allowed(*r));
      return res;
    }
    // POST and PUT carry a JSON body in one of Confluent's media types.
    if ((method == "POST" || method == "PUT") && !acceptable_body_type(req)) {
      return send(req, error_response(make_error(error_code::unsupported_media_type)));
    }
    const call c{req, parse_query(req.target), req.body};
    return send(req, it->second(c, params));
  }

  // Writes go to the leader: a follower forwards the request as it came and, once the leader has
  // answered with success, catches up with the log, so the caller reads its write here too.
  handler_fn leader_only(handler_fn fn) {
    return [this, fn = std::move(fn)](const call& req, const path_params& p) -> response {
      auto target = log->write_target();
      if (!target) return error_response(target.error());
      if (!*target) return fn(req, p);
      const std::string self_url = [this] {
        std::lock_guard lock(url_mutex);
        return own_url;
      }();
      // The group names this instance's own URL as leader while this process does not lead. Either
      // the coordinator has just assigned this process the partition and its rebalance callback has
      // not run yet (it will within a poll), or an earlier process on the same address died
      // without leaving the group and holds the partition until its session expires. Forwarding
      // would reach ourselves (the issue's 64 nested forwards): wait a moment for the first case,
      // then say the leader is, in truth, unknown.
      for (int i = 0; i < 40 && normal_url(**target) == normal_url(self_url); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        target = log->write_target();
        if (!target) return error_response(target.error());
        if (!*target) return fn(req, p);
      }
      if (normal_url(**target) == normal_url(self_url)) {
        return error_response(make_error(
            error_code::unknown_leader,
            "Request failed since leader is unknown: the group still names this instance's URL " + self_url +
                " as leader (an earlier process on this address that has not left the group yet); retry "
                "after the session timeout"));
      }
      if (const auto* by = req.http.headers.find(forwarded_header)) {
        return error_response(make_error(error_code::request_forwarding_failed,
                                         "the request was already forwarded by " + *by +
                                             " and this instance (" + self_url +
                                             ") is not the leader either; leadership is changing, retry"));
      }
      httplib::Client leader(**target);
      // Bounded: a leader that accepts and never answers costs a worker for at most the store's own
      // timeout and a margin, not forever.
      const auto store_timeout = config.kafka ? config.kafka->timeout : std::chrono::milliseconds(30000);
      leader.set_connection_timeout(std::chrono::seconds(5));
      leader.set_read_timeout(store_timeout + std::chrono::seconds(10));
      leader.set_write_timeout(std::chrono::seconds(10));
      httplib::Headers headers;
      for (const char* name : {"Authorization", "Accept"}) {
        if (const auto* v = req.http.headers.find(name)) headers.emplace(name, *v);
      }
      headers.emplace(std::string(forwarded_header), self_url);
      const std::string type = req.http.headers.contains("Content-Type")
                                   ? req.http.headers.get("Content-Type")
                                   : std::string(v1_type);
      const std::string& path = req.http.target;
      httplib::Result r =
          req.http.method == "POST"  ? leader.Post(path.c_str(), headers, req.body, type.c_str())
          : req.http.method == "PUT" ? leader.Put(path.c_str(), headers, req.body, type.c_str())
                                     : leader.Delete(path.c_str(), headers);
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
    return [this, fn = std::move(fn)](const call& req, const path_params& p) {
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
    // Prometheus text; dispatch() sets its media type. Behind authentication unless
    // config.metrics_without_auth (then dispatch() answers it before authentication).
    add({"metrics"}, "GET", [this](const auto&, const auto&) { return response{200, metrics.scrape()}; });
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
    get({"subjects", "{}", "metadata"},
        [&h](const auto& r, const auto& p) { return h.latest_with_metadata(p[0], r.params); });
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
  {
    std::lock_guard url_lock(impl_->url_mutex);
    impl_->own_url = url;
  }
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
