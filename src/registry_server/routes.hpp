// The registry's route table: Confluent's paths and methods mapped to the handlers, matched as Jersey
// routes Confluent's resources (the most literal template wins; 404 for an unknown path, 405 for a
// method the path does not serve), behind authentication.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "handlers.hpp"
#include "http_server.hpp"
#include "kavro/registry_server/auth.hpp"

namespace kavro::registry_server {

class forwarding;
class registry_metrics;

// What a route's handler sees of a request: the decoded query parameters and the body.
struct call {
  const http::request& http;
  query_params params;
  const std::string& body;
};

// Path parameters in the order the route's template names them.
using path_params = std::vector<std::string>;
using handler_fn = std::function<response(const call&, const path_params&)>;

class route_table {
 public:
  // One path template of the API: literal segments, and "{}" for a path parameter.
  struct route {
    std::vector<std::string_view> segments;  // string literals
    std::map<std::string, handler_fn, std::less<>> methods;
  };

  void add(std::initializer_list<std::string_view> path, std::string_view method, handler_fn fn);
  // The route whose template matches the path (the most literal one, as Jersey prefers), filling
  // `params`; nullptr if none does.
  const route* match(const std::vector<std::string>& path, path_params& params) const;
  // Authentication first (the probes excepted; auth null: open), then routing: an unknown path is 404
  // and a known path with a method it does not serve 405, each with Confluent's (Jersey's) error body;
  // OPTIONS on a known path is answered as Jersey answers it by default: 200 with the Allow header.
  http::response answer(const http::request& req, const authenticator* auth) const;

 private:
  std::vector<route> routes_;
};

// Confluent's API on `table`: reads answered from this instance's state (caught up with the log before
// a 404), writes through `links` to the leader; /readyz from the store, /metrics from `metrics`.
void add_api_routes(route_table& table, handlers& h, store& log, forwarding& links,
                    const registry_metrics& metrics);

}  // namespace kavro::registry_server
