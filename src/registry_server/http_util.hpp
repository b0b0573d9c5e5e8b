// The registry's HTTP helpers over kavro's transport: Confluent's media types, request paths split and
// decoded as Jersey decodes them, query parameters, and a handler's response as an HTTP response.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "handlers.hpp"
#include "http_server.hpp"

namespace kavro::registry_server {

inline constexpr std::string_view v1_type = "application/vnd.schemaregistry.v1+json";
inline constexpr std::array<std::string_view, 3> media_types{v1_type, "application/vnd.schemaregistry+json",
                                                             "application/json"};

// Confluent answers in the first of its media types the client accepts (the v1 type by default).
std::string response_type(const http::request& req);
// A handler's status and body, in the media type the request accepts.
http::response send(const http::request& req, const response& r);
// Confluent accepts its own media types and plain JSON; a missing Content-Type is taken as JSON.
bool acceptable_body_type(const http::request& req);
// A request path as Jersey matches it: the raw path (before '?') split at '/', each segment then
// percent-decoded (ill-formed UTF-8 replaced by U+FFFD), so a subject may contain '/' (sent as %2F) and
// still fill exactly one segment. A trailing '/' is ignored; an empty segment elsewhere matches no route.
std::vector<std::string> path_segments(std::string_view target);
// The query's parameters, percent-decoded ('+' as a space), repeated names kept in order.
query_params parse_query(std::string_view target);

}  // namespace kavro::registry_server
