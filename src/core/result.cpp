// Names for kavro's error kinds, as they appear in logs and dead-letter headers.
#include "kavro/result.hpp"

namespace kavro {

const char* to_string(errc c) noexcept {
  switch (c) {
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::invalid_schema:
      return "invalid_schema";
    case errc::invalid_data:
      return "invalid_data";
    case errc::not_found:
      return "not_found";
    case errc::conflict:
      return "conflict";
    case errc::unavailable:
      return "unavailable";
    case errc::internal:
      return "internal";
  }
  return "unknown";
}

}  // namespace kavro
