// The schema-registry operations that serializers and deserializers need, as an interface: the HTTP
// client implements it against any Confluent-compatible registry; the `mock://` registry
// (kavro/registry/mock.hpp) implements it in process for tests.
#pragma once

#include <cstdint>
#include <string>

#include "kavro/result.hpp"

namespace kavro::registry {

// A schema as the registry holds it under a subject.
struct registered_schema {
  std::string subject;
  std::int32_t id = 0;
  std::int32_t version = 0;
  std::string schema;  // the schema text as the registry returns it
};

// Errors: errc::not_found (Confluent 40401/40402/40403), errc::conflict (409, 422xx),
// errc::unavailable (transport failure, timeout, 5xx, 408, 429, or an answer that is not the
// registry's own — a proxy's 404, a refused credential; retrying may help, and a consumer must wait
// rather than skip), errc::invalid_argument for anything else the registry refused.
// Implementations are thread-safe.
class schema_registry {
 public:
  virtual ~schema_registry() = default;

  // POST /subjects/{subject}/versions: registers (or finds) the schema, returns its global id.
  virtual result<std::int32_t> register_schema(const std::string& subject, const std::string& schema) = 0;

  // POST /subjects/{subject}: the id and version of a schema already registered under the subject.
  virtual result<registered_schema> lookup_schema(const std::string& subject, const std::string& schema) = 0;

  // GET /schemas/ids/{id}: the schema text for a global id.
  virtual result<std::string> schema_by_id(std::int32_t id) = 0;

  // GET /subjects/{subject}/versions/latest (for use.latest.version). Implementations that predate it
  // answer errc::invalid_argument.
  virtual result<registered_schema> latest_version(const std::string& subject) {
    return fail(errc::invalid_argument,
                "latest_version is not supported by this registry (subject '" + subject + "')");
  }
};

}  // namespace kavro::registry
