// The one table of Confluent error codes and texts (from Confluent's Errors.java and the
// Rest*Exception classes, and rest-utils/Jersey for the plain HTTP ones).
#include "kavro/registry_server/errors.hpp"

#include <array>
#include <nlohmann/json.hpp>

namespace kavro::registry_server {
namespace {

struct error_entry {
  error_code code;
  std::string_view format;  // "{}" is replaced by the argument
};

constexpr std::array error_table{
    error_entry{error_code::bad_request, "{}"},
    error_entry{error_code::not_found, "HTTP 404 Not Found"},
    error_entry{error_code::unsupported_media_type, "HTTP 415 Unsupported Media Type"},
    error_entry{error_code::internal_server_error, "Internal Server Error"},
    error_entry{error_code::subject_not_found, "Subject '{}' not found."},
    error_entry{error_code::version_not_found, "Version {} not found."},
    // Confluent says "Schema not found" without an id (lookup under a subject), else "Schema 7 not found".
    error_entry{error_code::schema_not_found, "Schema {} not found"},
    error_entry{error_code::invalid_schema, "{}"},
    error_entry{error_code::invalid_version,
                "The specified version '{}' is not a valid version id. "
                "Allowed values are between [1, 2^31-1] and the string \"latest\""},
    error_entry{error_code::store_error, "Error in the backend data store - {}"},
};

}  // namespace

int api_error::http_status() const noexcept {
  const int c = static_cast<int>(code);
  return c >= 10000 ? c / 100 : c;
}

std::string api_error::to_json() const {
  nlohmann::ordered_json body;
  body["error_code"] = static_cast<int>(code);
  body["message"] = message;
  return body.dump();
}

api_error make_error(error_code code, std::string_view arg) {
  for (const auto& entry : error_table) {
    if (entry.code != code) continue;
    std::string message(entry.format);
    if (const auto at = message.find("{}"); at != std::string::npos) {
      if (code == error_code::schema_not_found && arg.empty()) {
        return {code, "Schema not found"};
      }
      message.replace(at, 2, arg);
    }
    return {code, std::move(message)};
  }
  return {error_code::internal_server_error, "Internal Server Error"};
}

}  // namespace kavro::registry_server
