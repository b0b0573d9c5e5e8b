// The Schema Registry client: one curl easy handle per request (so calls on any thread are
// independent), caches behind a mutex, retries with jittered exponential backoff, failover.
#include "kavro/registry/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <thread>

#include "kavro/json.hpp"
#include "kavro/registry/mock.hpp"

namespace kavro::registry {
namespace {

using json = nlohmann::json;

// A registry's reply, parsed with kavro's bounded parser: a hostile or broken registry can send any
// nesting, and a consumer must get an error, not a crash. A repeated key: the later wins (Jackson's
// default, what Confluent's own client does). Throws json::exception, as json::parse would.
json reply_json(const std::string& body) {
  auto parsed =
      safe_json::parse(body, safe_json::parse_options{.max_depth = safe_json::default_max_depth,
                                                      .duplicates = safe_json::duplicate_keys::last_wins});
  if (!parsed) throw json::parse_error::create(101, parsed.error().offset, parsed.error().message(), nullptr);
  return std::move(*parsed);
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t collect(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// libcurl's progress callback, called about once a second even while nothing arrives: a non-zero return
// aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
int abort_if_cancelled(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return (*static_cast<const std::function<bool()>*>(cancelled))() ? 1 : 0;
}

bool retriable_status(long status) {
  return status >= 500 || status == 408 || status == 429;
}

// Backoff before retry round `attempt` (0-based): base * 2^attempt capped at `max`, scaled by a
// random factor in [0.5, 1.5) so many clients failing together do not retry in lockstep.
std::chrono::milliseconds backoff(std::chrono::milliseconds base, std::chrono::milliseconds max,
                                  int attempt) {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  const double raw = static_cast<double>(base.count()) * std::pow(2.0, std::min(attempt, 20));
  const double ms = std::min(raw, static_cast<double>(max.count())) * jitter(rng);
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace

std::string url_encode(const std::string& s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

struct client::http_reply {
  long status = 0;
  std::string body;
  std::string context;  // "GET http://host/path", prefixed to error messages
};

namespace {

// Maps a registry's error reply to kavro's error classes, keeping Confluent's code and message.
// Only the registry's own "not found" codes mean not_found: a 404 without one (a proxy, a wrong
// path prefix) and refused credentials say nothing about the schema, so they are `unavailable`, and
// a consumer waits instead of dead-lettering.
error classify(const std::string& context, long status, const std::string& body) {
  int code = static_cast<int>(status);
  bool registry_coded = false;
  std::string message = body;
  json parsed;
  try {
    parsed = reply_json(body);
  } catch (const json::exception&) {
    parsed = nullptr;  // not the registry's JSON: the body itself is the message
  }
  if (parsed.is_object()) {
    if (auto it = parsed.find("error_code"); it != parsed.end() && it->is_number_integer()) {
      code = it->get<int>();
      registry_coded = true;
    }
    if (auto it = parsed.find("message"); it != parsed.end() && it->is_string())
      message = it->get<std::string>();
  }
  if (message.empty()) message = "HTTP " + std::to_string(status);
  errc kind = errc::invalid_argument;
  if (registry_coded && (code == 40401 || code == 40402 || code == 40403)) {
    kind = errc::not_found;
  } else if (status == 409 || status == 422 || code / 100 == 409 || code / 100 == 422) {
    kind = errc::conflict;
  } else if (retriable_status(status) || status == 401 || status == 403 || status == 407 ||
             (status == 404 && !registry_coded)) {
    kind = errc::unavailable;
  }
  return error{kind, context + ": " + message, code};
}

registered_schema to_registered(const json& j) {
  return registered_schema{j.at("subject").get<std::string>(), j.at("id").get<std::int32_t>(),
                           j.at("version").get<std::int32_t>(), j.at("schema").get<std::string>()};
}

std::string schema_body(const std::string& schema) {
  return json{{"schema", schema}}.dump();
}

}  // namespace

client::client(client_config config) : config_(std::move(config)) {
  if (config_.urls.empty()) throw std::invalid_argument("registry client: no URLs");
  for (auto& url : config_.urls) {
    const bool scheme = url.starts_with("http://") || url.starts_with("https://");
    const auto host_at = url.find("://") + 3;
    if (!scheme || url.size() <= host_at || url[host_at] == '/') {
      throw std::invalid_argument("registry client: not an http(s) URL: '" + url + "'");
    }
    while (url.ends_with('/')) url.pop_back();
  }
  if (!config_.basic_auth.empty() && !config_.bearer_token.empty()) {
    throw std::invalid_argument("registry client: basic auth and a bearer token are exclusive; give one");
  }
  if (config_.max_retries < 0) config_.max_retries = 0;
  init_curl_once();
}

client::~client() = default;

result<client::http_reply> client::request(const char* method, const std::string& path,
                                           const std::string* body) {
  error last{errc::unavailable, "", 0};
  const auto cancelled = [&] { return config_.cancelled && config_.cancelled(); };
  const auto cancel_error = [&](const std::string& context) {
    return fail(errc::unavailable, context + ": cancelled (the process is stopping)");
  };
  for (int attempt = 0;; ++attempt) {
    for (const auto& base : config_.urls) {
      http_reply reply;
      const std::string url = base + path;
      reply.context = std::string(method) + " " + url;
      if (cancelled()) return cancel_error(reply.context);

      std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
      if (!curl) return fail(errc::internal, reply.context + ": curl_easy_init failed");
      curl_slist* headers = nullptr;
      headers = curl_slist_append(headers, "Accept: application/vnd.schemaregistry.v1+json");
      headers = curl_slist_append(headers, "Content-Type: application/vnd.schemaregistry.v1+json");
      std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers, &curl_slist_free_all);
      char curl_message[CURL_ERROR_SIZE] = {};
      CURL* h = curl.get();
      curl_easy_setopt(h, CURLOPT_URL, url.c_str());
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
      curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // signals are process-wide; we run on many threads
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.request_timeout.count()));
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout.count()));
      if (config_.cancelled) {
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &abort_if_cancelled);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, &config_.cancelled);
      }
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &collect);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
      curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_message);
      if (!config_.basic_auth.empty()) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERPWD, config_.basic_auth.c_str());
      }
      if (!config_.bearer_token.empty()) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, config_.bearer_token.c_str());
      }
      if (!config_.tls_key_password.empty())
        curl_easy_setopt(h, CURLOPT_KEYPASSWD, config_.tls_key_password.c_str());
      if (!config_.tls_ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config_.tls_ca_file.c_str());
      if (!config_.tls_cert_file.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, config_.tls_cert_file.c_str());
      if (!config_.tls_key_file.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, config_.tls_key_file.c_str());
      if (!config_.tls_verify) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
      }
      if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
      }
      const CURLcode rc = curl_easy_perform(h);
      if (rc == CURLE_ABORTED_BY_CALLBACK) return cancel_error(reply.context);
      if (rc != CURLE_OK) {
        // A transport failure says nothing about the other URLs: try the next one now.
        last = error{errc::unavailable,
                     reply.context + ": " + (curl_message[0] ? curl_message : curl_easy_strerror(rc)), 0};
        continue;
      }
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
      if (!retriable_status(reply.status) || attempt >= config_.max_retries) return reply;
      last = classify(reply.context, reply.status, reply.body);
      break;  // the registry answered but is struggling: back off before asking again
    }
    if (attempt >= config_.max_retries) return tl::unexpected(last);
    // The backoff in slices, so that a cancellation is seen within 50 ms.
    const auto until =
        std::chrono::steady_clock::now() + backoff(config_.retry_backoff, config_.retry_backoff_max, attempt);
    while (std::chrono::steady_clock::now() < until) {
      if (cancelled()) return cancel_error(last.message);
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          until - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
    }
  }
}

template <class T>
result<T> client::call(const char* method, const std::string& path, const std::string* body,
                       T (*extract)(const std::string&)) {
  auto reply = request(method, path, body);
  if (!reply) return tl::unexpected(reply.error());
  if (reply->status / 100 != 2) return tl::unexpected(classify(reply->context, reply->status, reply->body));
  try {
    return extract(reply->body);
  } catch (const json::exception& e) {
    // A 2xx that is not the registry's JSON: something else answered (a proxy page); try later.
    return fail(errc::unavailable, reply->context + ": unexpected reply from registry: " + e.what());
  }
}

result<std::int32_t> client::register_schema(const std::string& subject, const std::string& schema) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = ids_by_subject_schema_.find({subject, schema}); it != ids_by_subject_schema_.end()) {
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second;
    }
  }
  const std::string body = schema_body(schema);
  auto id =
      call<std::int32_t>("POST", "/subjects/" + url_encode(subject) + "/versions", &body,
                         [](const std::string& b) { return reply_json(b).at("id").get<std::int32_t>(); });
  if (id) {
    std::lock_guard lock(cache_mutex_);
    ids_by_subject_schema_[{subject, schema}] = *id;
    schemas_by_id_.emplace(*id, schema);
  }
  return id;
}

result<registered_schema> client::lookup_schema(const std::string& subject, const std::string& schema) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  const std::string body = schema_body(schema);
  auto found = call<registered_schema>("POST", "/subjects/" + url_encode(subject), &body,
                                       [](const std::string& b) { return to_registered(reply_json(b)); });
  if (found) {
    std::lock_guard lock(cache_mutex_);
    ids_by_subject_schema_[{subject, schema}] = found->id;
    schemas_by_id_.emplace(found->id, found->schema);
  }
  return found;
}

result<std::string> client::schema_by_id(std::int32_t id) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = schemas_by_id_.find(id); it != schemas_by_id_.end()) {
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second;
    }
  }
  auto schema =
      call<std::string>("GET", "/schemas/ids/" + std::to_string(id), nullptr,
                        [](const std::string& b) { return reply_json(b).at("schema").get<std::string>(); });
  if (schema) {
    std::lock_guard lock(cache_mutex_);
    schemas_by_id_.emplace(id, *schema);
  }
  return schema;
}

result<registered_schema> client::latest_version(const std::string& subject) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (config_.latest_cache_ttl.count() > 0) {
    std::lock_guard lock(cache_mutex_);
    if (auto it = latest_by_subject_.find(subject);
        it != latest_by_subject_.end() && now - it->second.first < config_.latest_cache_ttl) {
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second.second;
    }
  }
  auto latest = get_version(subject, "latest");
  if (latest) {
    std::lock_guard lock(cache_mutex_);
    latest_by_subject_[subject] = {now, *latest};
    schemas_by_id_.emplace(latest->id, latest->schema);
  }
  return latest;
}

client::usage client::counts() const {
  return {calls_.load(std::memory_order_relaxed), cache_hits_.load(std::memory_order_relaxed)};
}

result<std::vector<std::string>> client::subjects() {
  return call<std::vector<std::string>>("GET", "/subjects", nullptr, [](const std::string& b) {
    return reply_json(b).get<std::vector<std::string>>();
  });
}

result<std::vector<std::int32_t>> client::versions(const std::string& subject) {
  return call<std::vector<std::int32_t>>(
      "GET", "/subjects/" + url_encode(subject) + "/versions", nullptr,
      [](const std::string& b) { return reply_json(b).get<std::vector<std::int32_t>>(); });
}

result<registered_schema> client::get_version(const std::string& subject, const std::string& version) {
  return call<registered_schema>("GET",
                                 "/subjects/" + url_encode(subject) + "/versions/" + url_encode(version),
                                 nullptr, [](const std::string& b) { return to_registered(reply_json(b)); });
}

result<bool> client::is_compatible(const std::string& subject, const std::string& schema) {
  const std::string body = schema_body(schema);
  return call<bool>("POST", "/compatibility/subjects/" + url_encode(subject) + "/versions/latest", &body,
                    [](const std::string& b) { return reply_json(b).at("is_compatible").get<bool>(); });
}

result<void> client::set_compatibility(const std::string& subject, const std::string& level) {
  const std::string body = json{{"compatibility", level}}.dump();
  auto done = call<bool>("PUT", subject.empty() ? "/config" : "/config/" + url_encode(subject), &body,
                         [](const std::string& b) { return reply_json(b).is_object(); });
  if (!done) return tl::unexpected(done.error());
  return {};
}

result<std::vector<std::int32_t>> client::delete_subject(const std::string& subject, bool permanent) {
  std::string path = "/subjects/" + url_encode(subject);
  if (permanent) path += "?permanent=true";
  auto deleted = call<std::vector<std::int32_t>>("DELETE", path, nullptr, [](const std::string& b) {
    return reply_json(b).get<std::vector<std::int32_t>>();
  });
  if (deleted) {
    std::lock_guard lock(cache_mutex_);
    latest_by_subject_.erase(subject);
    std::erase_if(ids_by_subject_schema_, [&](const auto& e) { return e.first.first == subject; });
  }
  return deleted;
}

result<client::raw_reply> client::raw_request(const char* method, const std::string& path,
                                              const std::string* body) {
  auto reply = request(method, path, body);
  if (!reply) return tl::unexpected(reply.error());
  return raw_reply{reply->status, std::move(reply->body), std::move(reply->context)};
}

std::shared_ptr<schema_registry> make_registry(const client_config& config) {
  if (!config.urls.empty() && config.urls.front().starts_with("mock://")) {
    return mock_registry::scope(config.urls.front().substr(7));
  }
  return std::make_shared<client>(config);
}

}  // namespace kavro::registry
