// Schema validation and identity for the registry server: a schema must parse as Avro; its identity
// is the Avro Parsing Canonical Form; the stored text is the posted JSON made compact, key order kept.
#include "schema_text.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "kavro/avro/schema.hpp"

namespace kavro::registry_server {

api_result<normalized_schema> normalize_schema(std::string_view text, std::string_view schema_type) {
  if (!schema_type.empty() && schema_type != "AVRO") {
    return tl::unexpected(
        make_error(error_code::invalid_schema, "Invalid schema type " + std::string(schema_type)));
  }
  if (text.empty()) {
    return tl::unexpected(make_error(error_code::invalid_schema, "Empty schema"));
  }
  auto parsed = avro::schema::parse(text);
  if (!parsed) {
    return tl::unexpected(make_error(error_code::invalid_schema, "Invalid schema " + std::string(text) +
                                                                     ", details: " + parsed.error().message));
  }
  // The Avro parser accepted it, so it is JSON; ordered_json keeps the author's key order.
  std::string stored = nlohmann::ordered_json::parse(text).dump();
  return normalized_schema{parsed->canonical_form(), std::move(stored)};
}

}  // namespace kavro::registry_server
