// The single place that validates a posted schema, inlines its references and decides its identity.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "kavro/registry_server/errors.hpp"
#include "kavro/registry_server/types.hpp"

namespace kavro::registry_server {

// The stored schema of subject/version, for resolving references; nullopt when absent.
using reference_resolver = std::function<std::optional<stored_schema>(const std::string&, std::int32_t)>;

// 42201 if the schema is not acceptable (not JSON, not valid Avro, a reference that cannot be
// resolved); `schema.schema_type` is "" when the request named none.
api_result<normalized_schema> normalize_schema(stored_schema schema, const reference_resolver& resolve);

}  // namespace kavro::registry_server
