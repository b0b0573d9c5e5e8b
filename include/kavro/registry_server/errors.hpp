// Confluent Schema Registry error codes and texts, so clients that match on error_code or message
// behave against this server as against Confluent's.
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace kavro::registry_server {

enum class error_code : int {
  bad_request = 400,  // malformed JSON body (rest-utils JsonParseExceptionMapper)
  not_found = 404,    // no such route (Jersey's NotFoundException)
  unsupported_media_type = 415,
  internal_server_error = 500,
  subject_not_found = 40401,
  version_not_found = 40402,
  schema_not_found = 40403,
  invalid_schema = 42201,
  invalid_version = 42202,
  store_error = 50001,
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

// Builds the error with Confluent's text for `code`; `arg` fills the one placeholder, if any.
api_error make_error(error_code code, std::string_view arg = {});

}  // namespace kavro::registry_server
