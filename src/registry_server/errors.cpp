// The one table of Confluent error codes and texts (from Confluent's Errors.java and the
// Rest*Exception classes, and rest-utils/Jersey for the plain HTTP ones).
#include "kavro/registry_server/errors.hpp"

#include <array>
#include <nlohmann/json.hpp>

namespace kavro::registry_server {
namespace {

struct error_entry {
  error_code code;
  std::string_view format;  // each "{}" is replaced by the next argument
};

constexpr std::array error_table{
    error_entry{error_code::bad_request, "{}"},
    error_entry{error_code::unauthorized, "Unauthorized"},
    // rest-utils' WebApplicationExceptionMapper answers JAX-RS's ForbiddenException with its message.
    error_entry{error_code::forbidden, "HTTP 403 Forbidden"},
    error_entry{error_code::not_found, "HTTP 404 Not Found"},
    error_entry{error_code::method_not_allowed, "HTTP 405 Method Not Allowed"},
    error_entry{error_code::incompatible_schema, "{}"},
    error_entry{error_code::payload_too_large, "Request body is larger than {} bytes"},
    error_entry{error_code::unsupported_media_type, "HTTP 415 Unsupported Media Type"},
    error_entry{error_code::unprocessable_entity, "{}"},
    error_entry{error_code::internal_server_error, "Internal Server Error"},
    error_entry{error_code::subject_not_found, "Subject '{}' not found."},
    error_entry{error_code::version_not_found, "Version {} not found."},
    // Confluent says "Schema not found" without an id (lookup under a subject), else "Schema 7 not found".
    error_entry{error_code::schema_not_found, "Schema {} not found"},
    error_entry{error_code::subject_soft_deleted,
                "Subject '{}' was soft deleted.Set permanent=true to delete permanently"},
    error_entry{error_code::subject_not_soft_deleted,
                "Subject '{}' was not deleted first before being permanently deleted"},
    error_entry{error_code::schema_version_soft_deleted,
                "Subject '{}' Version {} was soft deleted.Set permanent=true to delete permanently"},
    error_entry{error_code::schema_version_not_soft_deleted,
                "Subject '{}' Version {} was not deleted first before being permanently deleted"},
    error_entry{error_code::subject_compatibility_not_configured,
                "Subject '{}' does not have subject-level compatibility configured"},
    error_entry{error_code::subject_mode_not_configured,
                "Subject '{}' does not have subject-level mode configured"},
    error_entry{error_code::invalid_schema, "{}"},
    error_entry{error_code::invalid_version,
                "The specified version '{}' is not a valid version id. "
                "Allowed values are between [1, 2^31-1] and the string \"latest\""},
    error_entry{error_code::invalid_compatibility_level,
                "Invalid compatibility level. Valid values are none, backward, forward, full, "
                "backward_transitive, forward_transitive, and full_transitive"},
    error_entry{error_code::invalid_mode, "Invalid mode. Valid values are READWRITE, READONLY, and IMPORT."},
    error_entry{error_code::operation_not_permitted, "{}"},
    error_entry{error_code::reference_exists, "{}"},
    error_entry{error_code::id_does_not_match, "{}"},
    error_entry{error_code::invalid_subject, "The specified subject '{}' is not a valid."},
    error_entry{error_code::store_error, "Error in the backend data store - {}"},
    error_entry{error_code::operation_timeout, "{}"},
    error_entry{error_code::request_forwarding_failed,
                "Error while forwarding the request to the leader: {}"},
    error_entry{error_code::unknown_leader, "{}"},
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
  // A message may quote the request (a subject, a schema's text, a parser's view of a bad byte): bytes
  // that are not UTF-8 become U+FFFD, so an error about bad input is never itself a 500.
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

api_error make_error(error_code code, std::string_view arg, std::string_view arg2) {
  if (code == error_code::schema_not_found && arg.empty()) return {code, "Schema not found"};
  for (const auto& entry : error_table) {
    if (entry.code != code) continue;
    std::string message(entry.format);
    const std::string_view args[] = {arg, arg2};
    std::size_t from = 0;
    for (auto a : args) {
      const auto at = message.find("{}", from);
      if (at == std::string::npos) break;
      message.replace(at, 2, a);
      from = at + a.size();
    }
    return {code, std::move(message)};
  }
  return {error_code::internal_server_error, "Internal Server Error"};
}

}  // namespace kavro::registry_server
