// Request parsing and response shaping for each endpoint, following Confluent's JSON field names
// and order; the store decides the outcomes.
#include "handlers.hpp"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "schema_text.hpp"

namespace kavro::registry_server {
namespace {

using json = nlohmann::ordered_json;

response ok(const json& body) {
  return {200, body.dump()};
}

// The body of a POST that carries a schema: {"schema":"...","schemaType":"AVRO",...}.
api_result<normalized_schema> parse_schema_request(const std::string& body) {
  json request;
  try {
    request = json::parse(body);
  } catch (const json::parse_error& e) {
    // Confluent (rest-utils) answers unparsable JSON with 400 and the parser's own message.
    return tl::unexpected(make_error(error_code::bad_request, e.what()));
  }
  if (!request.is_object()) {
    return tl::unexpected(make_error(error_code::bad_request, "Request body must be a JSON object"));
  }
  std::string schema_type;
  if (auto it = request.find("schemaType"); it != request.end() && !it->is_null()) {
    if (!it->is_string())
      return tl::unexpected(make_error(error_code::bad_request, "schemaType must be a string"));
    schema_type = it->get<std::string>();
  }
  if (auto it = request.find("references"); it != request.end() && it->is_array() && !it->empty()) {
    return tl::unexpected(make_error(error_code::invalid_schema, "Schema references are not supported"));
  }
  auto schema = request.find("schema");
  if (schema == request.end() || schema->is_null()) return normalize_schema("", schema_type);
  if (!schema->is_string())
    return tl::unexpected(make_error(error_code::bad_request, "schema must be a string"));
  return normalize_schema(schema->get_ref<const std::string&>(), schema_type);
}

json schema_json(const subject_schema& s) {
  json body;
  body["subject"] = s.subject;
  body["version"] = s.version.value;
  body["id"] = s.id.value;
  body["schema"] = s.schema;
  return body;
}

// Confluent's VersionId: "latest" or -1 is the latest version, 1..2^31-1 a version, else 42202.
api_result<std::optional<schema_version>> parse_version(const std::string& text) {
  if (text == "latest") return std::optional<schema_version>{};
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) {
    return tl::unexpected(make_error(error_code::invalid_version, text));
  }
  if (value == -1) return std::optional<schema_version>{};
  if (value < 1 || value > std::numeric_limits<std::int32_t>::max()) {
    return tl::unexpected(make_error(error_code::invalid_version, text));
  }
  return std::optional<schema_version>{schema_version{static_cast<std::int32_t>(value)}};
}

}  // namespace

response error_response(const api_error& e) {
  return {e.http_status(), e.to_json()};
}

response handlers::root() const {
  return ok(json::object());
}

response handlers::get_config() const {
  return ok(json{{"compatibilityLevel", "BACKWARD"}});
}

response handlers::register_schema(const std::string& subject, const std::string& body) {
  auto schema = parse_schema_request(body);
  if (!schema) return error_response(schema.error());
  auto stored = store_.register_schema(subject, *schema);
  if (!stored) return error_response(stored.error());
  return ok(json{{"id", stored->id.value}});
}

response handlers::lookup_schema(const std::string& subject, const std::string& body) const {
  auto schema = parse_schema_request(body);
  if (!schema) return error_response(schema.error());
  auto found = store_.lookup_schema(subject, schema->identity);
  if (!found) return error_response(found.error());
  return ok(schema_json(*found));
}

response handlers::schema_by_id(const std::string& id) const {
  std::int32_t value = 0;
  const auto* end = id.data() + id.size();
  auto [ptr, ec] = std::from_chars(id.data(), end, value);
  if (ec != std::errc{} || ptr != end) return error_response(make_error(error_code::not_found));
  auto schema = store_.schema_by_id(schema_id{value});
  if (!schema) return error_response(schema.error());
  // Confluent leaves schemaType out for AVRO, the default.
  return ok(json{{"schema", *schema}});
}

response handlers::subjects() const {
  return ok(json(store_.subjects()));
}

response handlers::versions(const std::string& subject) const {
  auto versions = store_.versions(subject);
  if (!versions) return error_response(versions.error());
  json body = json::array();
  for (auto v : *versions) body.push_back(v.value);
  return ok(body);
}

response handlers::get_version(const std::string& subject, const std::string& version) const {
  auto parsed = parse_version(version);
  if (!parsed) return error_response(parsed.error());
  auto found = store_.get_version(subject, *parsed);
  if (!found) return error_response(found.error());
  return ok(schema_json(*found));
}

}  // namespace kavro::registry_server
