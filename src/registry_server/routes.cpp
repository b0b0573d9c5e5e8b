// The route table (routes.hpp) and the registry's routes: Confluent's resources, path by path.
#include "routes.hpp"

#include <algorithm>

#include "forwarding.hpp"
#include "http_util.hpp"
#include "registry_metrics.hpp"

namespace kavro::registry_server {
namespace {

std::optional<std::string> subject_or_global(const path_params& p) {
  if (!p.empty()) return p[0];
  return std::nullopt;
}

// The Allow header for a route: its methods, HEAD with GET, and OPTIONS (answered for every route).
std::string allowed(const route_table::route& r) {
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

}  // namespace

void route_table::add(std::initializer_list<std::string_view> path, std::string_view method, handler_fn fn) {
  const std::vector<std::string_view> segments(path);
  auto it =
      std::find_if(routes_.begin(), routes_.end(), [&](const route& r) { return r.segments == segments; });
  if (it == routes_.end()) it = routes_.insert(routes_.end(), route{segments, {}});
  it->methods.emplace(std::string(method), std::move(fn));
}

const route_table::route* route_table::match(const std::vector<std::string>& path,
                                             path_params& params) const {
  const route* best = nullptr;
  std::size_t best_literals = 0;
  for (const auto& r : routes_) {
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

http::response route_table::answer(const http::request& req, const authenticator* auth) const {
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

void add_api_routes(route_table& table, handlers& h, store& log, forwarding& links,
                    const registry_metrics& metrics) {
  const auto get = [&](std::initializer_list<std::string_view> path, handler_fn fn) {
    table.add(path, "GET", links.caught_up(std::move(fn)));
  };
  const auto post = [&](std::initializer_list<std::string_view> path, handler_fn fn) {
    table.add(path, "POST", std::move(fn));
  };
  const auto put = [&](std::initializer_list<std::string_view> path, handler_fn fn) {
    table.add(path, "PUT", std::move(fn));
  };
  const auto del = [&](std::initializer_list<std::string_view> path, handler_fn fn) {
    table.add(path, "DELETE", std::move(fn));
  };
  const auto leader_only = [&](handler_fn fn) { return links.leader_only(std::move(fn)); };
  const auto caught_up = [&](handler_fn fn) { return links.caught_up(std::move(fn)); };

  // Confluent's RootResource: GET and POST answer {} (POST exists for testing with a body).
  get({}, [&h](const auto&, const auto&) { return h.root(); });
  post({}, [&h](const auto& r, const auto&) { return h.root_post(r.body); });
  get({"healthz"}, [](const auto&, const auto&) { return response{200, "{}"}; });
  get({"readyz"}, [&log](const auto&, const auto&) {
    if (log.ready()) return response{200, "{}"};
    return error_response(make_error(error_code::store_error, "not caught up with the schemas topic"));
  });
  // Prometheus text; the server sets its media type. Behind authentication unless the server is
  // configured to answer it before authentication.
  table.add({"metrics"}, "GET", [&metrics](const auto&, const auto&) {
    return response{200, metrics.scrape()};
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
  get({"subjects", "{}", "metadata"},
      [&h](const auto& r, const auto& p) { return h.latest_with_metadata(p[0], r.params); });
  get({"subjects", "{}", "versions"},
      [&h](const auto& r, const auto& p) { return h.list_versions(p[0], r.params); });
  post({"subjects", "{}", "versions"},
       leader_only([&h](const auto& r, const auto& p) { return h.register_schema(p[0], r.body, r.params); }));
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
    put(path, leader_only(
                  [&h](const auto& r, const auto& p) { return h.put_config(subject_or_global(p), r.body); }));
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
    del(path, leader_only([&h](const auto&, const auto& p) { return h.delete_mode(subject_or_global(p)); }));
  };
  mode_routes({"mode"});
  mode_routes({"mode", "{}"});

  // Confluent 8.x endpoints added for parity (ContextsResource, ServerMetadataResource).
  get({"contexts"}, [&h](const auto& r, const auto&) { return h.list_contexts(r.params); });
  get({"v1", "metadata", "id"}, [&h](const auto&, const auto&) { return h.metadata_id(); });
  get({"v1", "metadata", "version"}, [&h](const auto&, const auto&) { return h.metadata_version(); });
}

}  // namespace kavro::registry_server
