// The registry's REST operations, independent of the HTTP library: each takes the decoded path
// parameters and body and returns the status and JSON body to send.
#pragma once

#include <string>

#include "kavro/registry_server/store.hpp"

namespace kavro::registry_server {

struct response {
  int status = 200;
  std::string body;
};

class handlers {
 public:
  explicit handlers(store& s) : store_(s) {}

  response root() const;
  response get_config() const;
  response register_schema(const std::string& subject, const std::string& body);
  response lookup_schema(const std::string& subject, const std::string& body) const;
  response schema_by_id(const std::string& id) const;
  response subjects() const;
  response versions(const std::string& subject) const;
  response get_version(const std::string& subject, const std::string& version) const;

 private:
  store& store_;
};

response error_response(const api_error& e);

}  // namespace kavro::registry_server
