// The Schema Registry HTTP client (libcurl): the schema_registry interface against any
// Confluent-compatible registry (Confluent, Karapace, Redpanda, kavro), with caches, jittered
// retries, failover across URLs, basic auth and TLS.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kavro/registry/registry.hpp"

namespace kavro::registry {

struct client_config {
  // A constructor so `client_config{{url}}` and `{urls, timeout, retries, backoff}` stay valid as
  // options are added.
  client_config(std::vector<std::string> registry_urls = {},
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10000), int retries = 3,
                std::chrono::milliseconds backoff = std::chrono::milliseconds(100))
      : urls(std::move(registry_urls)),
        request_timeout(timeout),
        max_retries(retries),
        retry_backoff(backoff) {}

  // e.g. http://127.0.0.1:8081; on a transport error the next one is tried at once. A URL may carry
  // credentials (https://user:pass@host) as Confluent's clients allow.
  std::vector<std::string> urls;
  std::chrono::milliseconds request_timeout;  // one whole request, connecting included
  // Connecting (and the TLS handshake) to one URL; a registry host that drops packets fails over to the
  // next URL after this, not after request_timeout.
  std::chrono::milliseconds connect_timeout{3000};
  int max_retries;  // extra rounds over the URLs after the first, on retriable failures only
  std::chrono::milliseconds retry_backoff;  // doubled each round, jittered ×[0.5, 1.5)
  std::chrono::milliseconds retry_backoff_max{5000};

  // basic.auth.user.info: "user:password"; empty for none.
  std::string basic_auth;
  // bearer.auth.token: sent as `Authorization: Bearer <token>`; empty for none. Not with basic_auth.
  std::string bearer_token;
  // TLS (https URLs): CA bundle to trust (empty: the system's), client certificate and key for
  // mutual TLS, and whether to verify the server (never turn off outside tests).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_key_password;  // for an encrypted tls_key_file
  bool tls_verify = true;

  // How long GET .../versions/latest answers are reused (Confluent's latest.cache.ttl.sec); 0: never.
  std::chrono::milliseconds latest_cache_ttl{std::chrono::seconds(60)};

  // Asked during a request (about once a second while it waits for the registry, more often while data
  // flows) and between retries: once it returns true, the call gives up at once with errc::unavailable
  // ("cancelled"), so a process that is stopping is not held by a registry that does not answer. Called
  // from whichever thread makes the request; empty: never cancelled.
  std::function<bool()> cancelled;
};

class client final : public schema_registry {
 public:
  // Throws std::invalid_argument if urls is empty or one is not an http(s) URL.
  explicit client(client_config config);
  ~client() override;

  result<std::int32_t> register_schema(const std::string& subject, const std::string& schema) override;
  result<registered_schema> lookup_schema(const std::string& subject, const std::string& schema) override;
  result<std::string> schema_by_id(std::int32_t id) override;
  // Cached for latest_cache_ttl.
  result<registered_schema> latest_version(const std::string& subject) override;

  result<std::vector<std::string>> subjects();
  result<std::vector<std::int32_t>> versions(const std::string& subject);
  // version: "latest" or a number (not cached: see latest_version).
  result<registered_schema> get_version(const std::string& subject, const std::string& version);
  // POST /compatibility/subjects/{subject}/versions/latest.
  result<bool> is_compatible(const std::string& subject, const std::string& schema);
  // PUT /config[/subject]; subject empty for the global level.
  result<void> set_compatibility(const std::string& subject, const std::string& level);
  // DELETE /subjects/{subject}[?permanent=true]: the versions deleted.
  result<std::vector<std::int32_t>> delete_subject(const std::string& subject, bool permanent = false);

  // Any request, with this client's URLs, credentials, TLS and retries, for the endpoints without a
  // call above (kavro schema's admin commands). path includes the query. A non-2xx answer is a
  // value here; only a transport failure (or retries exhausted) is an error.
  struct raw_reply {
    long status = 0;
    std::string body;
    std::string context;  // "GET http://host/path"
  };
  result<raw_reply> raw_request(const char* method, const std::string& path, const std::string* body);

  // Calls of the four schema_registry methods and how many of them the caches answered (no request
  // sent); read from any thread, for metrics.
  struct usage {
    std::uint64_t calls = 0;
    std::uint64_t cache_hits = 0;
  };
  usage counts() const;

 private:
  struct http_reply;
  result<http_reply> request(const char* method, const std::string& path, const std::string* body);
  template <class T>
  result<T> call(const char* method, const std::string& path, const std::string* body,
                 T (*extract)(const std::string&));

  client_config config_;
  std::mutex cache_mutex_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
  std::map<std::int32_t, std::string> schemas_by_id_;
  std::map<std::pair<std::string, std::string>, std::int32_t> ids_by_subject_schema_;
  std::map<std::string, std::pair<std::chrono::steady_clock::time_point, registered_schema>>
      latest_by_subject_;
};

// Percent-encodes a path segment (a subject, a version) as every request of the client does: all but
// RFC 3986's unreserved characters, so a subject with '/' or ':' stays one segment.
std::string url_encode(const std::string& segment);

// A registry for the first URL's scheme: `mock://scope` gives the in-process mock registry of that
// scope (shared by every caller naming it), anything else the HTTP client.
std::shared_ptr<schema_registry> make_registry(const client_config& config);

}  // namespace kavro::registry
