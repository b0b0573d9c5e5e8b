// The single place that validates a posted schema and decides its identity, so switching from
// JSON-only checks to full Avro parsing touches one file.
#pragma once

#include <string_view>

#include "kavro/registry_server/errors.hpp"
#include "kavro/registry_server/types.hpp"

namespace kavro::registry_server {

// 42201 if the schema is not acceptable; `schema_type` is "" when the request named none.
api_result<normalized_schema> normalize_schema(std::string_view text, std::string_view schema_type);

}  // namespace kavro::registry_server
