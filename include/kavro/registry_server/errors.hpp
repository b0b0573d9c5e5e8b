// Confluent Schema Registry error codes and texts, so clients that match on error_code or message
// behave against this server as against Confluent's.
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace kavro::registry_server {

// Codes from Confluent's Errors.java; plain HTTP codes come from rest-utils / Jersey.
enum class error_code : int {
  bad_request = 400,  // malformed JSON body (rest-utils JsonParseExceptionMapper)
  unauthorized = 401,
  forbidden = 403,  // authenticated, but the role does not allow it (Jersey's ForbiddenException)
  not_found = 404,  // no such route (Jersey's NotFoundException)
  method_not_allowed = 405,
  incompatible_schema = 409,  // Confluent answers error_code 409 (Errors.java names 40901 too)
  payload_too_large = 413,
  unsupported_media_type = 415,
  unprocessable_entity = 422,  // a field of the wrong JSON type (Jackson mapping error)
  internal_server_error = 500,
  subject_not_found = 40401,
  version_not_found = 40402,
  schema_not_found = 40403,
  subject_soft_deleted = 40404,
  subject_not_soft_deleted = 40405,
  schema_version_soft_deleted = 40406,
  schema_version_not_soft_deleted = 40407,
  subject_compatibility_not_configured = 40408,
  subject_mode_not_configured = 40409,
  invalid_schema = 42201,
  invalid_version = 42202,
  invalid_compatibility_level = 42203,
  invalid_mode = 42204,
  operation_not_permitted = 42205,
  reference_exists = 42206,
  id_does_not_match = 42207,
  invalid_subject = 42208,
  store_error = 50001,
  operation_timeout = 50002,
  request_forwarding_failed = 50003,
  unknown_leader = 50004,
};

// The error body Confluent sends: {"error_code":N,"message":"..."}.
struct api_error {
  error_code code = error_code::internal_server_error;
  std::string message;

  // Confluent's five-digit codes carry the HTTP status in their first three digits.
  int http_status() const noexcept;
  std::string to_json() const;
};

template <class T>
using api_result = tl::expected<T, api_error>;

// Builds the error with Confluent's text for `code`; `arg` and `arg2` fill the placeholders in order.
api_error make_error(error_code code, std::string_view arg = {}, std::string_view arg2 = {});

}  // namespace kavro::registry_server
