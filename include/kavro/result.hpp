// The result type used on every data path (codec, framing, registry, pipeline): a value or an error
// that says what failed, where, and whether trying again can help.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace kavro {

// What kind of failure an error is; the pipeline decides retry, dead-letter or wait from this alone.
enum class errc {
  invalid_argument,  // bad configuration or command-line input
  invalid_schema,    // a schema that does not parse or is not valid Avro
  invalid_data,      // bytes or values that do not match the schema or the wire format
  not_found,         // the registry answered: no such subject, version or schema id
  conflict,          // the registry refused: incompatible schema or similar (HTTP 409/422)
  unavailable,       // transport failure, timeout, 5xx/408/429: the same request may succeed later
  internal,          // a bug or an unexpected state
};

const char* to_string(errc c) noexcept;

struct error {
  errc code = errc::internal;
  std::string message;
  int registry_code = 0;  // Confluent's error_code when the error came from a registry, else 0

  bool retriable() const noexcept { return code == errc::unavailable; }
};

template <class T>
using result = tl::expected<T, error>;

inline tl::unexpected<error> fail(errc code, std::string message, int registry_code = 0) {
  return tl::unexpected<error>(error{code, std::move(message), registry_code});
}

}  // namespace kavro
