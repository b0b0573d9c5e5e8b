// The Schema Registry HTTP client (libcurl): the schema_registry interface against any
// Confluent-compatible registry, with caching, retries and failover across URLs.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kavro/registry/registry.hpp"

namespace kavro::registry {

struct client_config {
  std::vector<std::string> urls;  // e.g. http://127.0.0.1:8081; tried in order on transport errors
  std::chrono::milliseconds request_timeout{10000};
  int max_retries = 3;  // extra attempts after the first, on retriable failures only
  std::chrono::milliseconds retry_backoff{100};
};

class client final : public schema_registry {
 public:
  // Throws std::invalid_argument if urls is empty or one is not an http(s) URL.
  explicit client(client_config config);
  ~client() override;

  result<std::int32_t> register_schema(const std::string& subject, const std::string& schema) override;
  result<registered_schema> lookup_schema(const std::string& subject, const std::string& schema) override;
  result<std::string> schema_by_id(std::int32_t id) override;

  result<std::vector<std::string>> subjects();
  result<std::vector<std::int32_t>> versions(const std::string& subject);
  // version: "latest" or a number.
  result<registered_schema> get_version(const std::string& subject, const std::string& version);

 private:
  struct http_reply;
  result<http_reply> request(const char* method, const std::string& path, const std::string* body);

  client_config config_;
  std::mutex cache_mutex_;
  std::map<std::int32_t, std::string> schemas_by_id_;
  std::map<std::pair<std::string, std::string>, std::int32_t> ids_by_subject_schema_;
};

}  // namespace kavro::registry
