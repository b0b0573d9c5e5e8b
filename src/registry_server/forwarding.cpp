// Forwarding writes to the leader over HTTP (cpp-httplib's client), with the guards that keep a stale
// view of the election from bouncing a request between instances or back to this one.
#include "forwarding.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <thread>

#include "http_util.hpp"

namespace kavro::registry_server {
namespace {

// Set on a write forwarded to the leader, naming the forwarding instance: an instance that receives
// a forwarded write and is not the leader either refuses it instead of forwarding again, so a stale
// view of the election can never bounce a request between instances (or back to itself).
constexpr std::string_view forwarded_header = "X-Kavro-Forwarded-By";

// A URL as compared for "is this me": scheme and host in lower case, no trailing '/'.
std::string normal_url(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  const auto authority_end = url.find('/', url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  std::transform(
      url.begin(),
      authority_end == std::string::npos ? url.end() : url.begin() + static_cast<long>(authority_end),
      url.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return url;
}

}  // namespace

void forwarding::set_own_url(std::string url) {
  std::lock_guard lock(url_mutex_);
  own_url_ = std::move(url);
}

std::string forwarding::own_url() const {
  std::lock_guard lock(url_mutex_);
  return own_url_;
}

handler_fn forwarding::leader_only(handler_fn fn) {
  return [this, fn = std::move(fn)](const call& req, const path_params& p) -> response {
    auto target = log_.write_target();
    if (!target) return error_response(target.error());
    if (!*target) return fn(req, p);
    const std::string self_url = own_url();
    // The group names this instance's own URL as leader while this process does not lead. Either
    // the coordinator has just assigned this process the partition and its rebalance callback has
    // not run yet (it will within a poll), or an earlier process on the same address died
    // without leaving the group and holds the partition until its session expires. Forwarding
    // would reach ourselves (the 64 nested forwards): wait a moment for the first case,
    // then say the leader is, in truth, unknown.
    for (int i = 0; i < 40 && normal_url(**target) == normal_url(self_url); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      target = log_.write_target();
      if (!target) return error_response(target.error());
      if (!*target) return fn(req, p);
    }
    if (normal_url(**target) == normal_url(self_url)) {
      return error_response(make_error(
          error_code::unknown_leader,
          "Request failed since leader is unknown: the group still names this instance's URL " + self_url +
              " as leader (an earlier process on this address that has not left the group yet); retry "
              "after the session timeout"));
    }
    if (const auto* by = req.http.headers.find(forwarded_header)) {
      return error_response(make_error(error_code::request_forwarding_failed,
                                       "the request was already forwarded by " + *by +
                                           " and this instance (" + self_url +
                                           ") is not the leader either; leadership is changing, retry"));
    }
    return forward(req, **target, self_url);
  };
}

response forwarding::forward(const call& req, const std::string& leader_url,
                             const std::string& self_url) const {
  httplib::Client leader(leader_url);
  // Bounded: a leader that accepts and never answers costs a worker for at most the store's own
  // timeout and a margin, not forever.
  leader.set_connection_timeout(std::chrono::seconds(5));
  leader.set_read_timeout(store_timeout_ + std::chrono::seconds(10));
  leader.set_write_timeout(std::chrono::seconds(10));
  httplib::Headers headers;
  for (const char* name : {"Authorization", "Accept"}) {
    if (const auto* v = req.http.headers.find(name)) headers.emplace(name, *v);
  }
  headers.emplace(std::string(forwarded_header), self_url);
  const std::string type =
      req.http.headers.contains("Content-Type") ? req.http.headers.get("Content-Type") : std::string(v1_type);
  const std::string& path = req.http.target;
  httplib::Result r = req.http.method == "POST"  ? leader.Post(path.c_str(), headers, req.body, type.c_str())
                      : req.http.method == "PUT" ? leader.Put(path.c_str(), headers, req.body, type.c_str())
                                                 : leader.Delete(path.c_str(), headers);
  if (!r) {
    return error_response(
        make_error(error_code::request_forwarding_failed, leader_url + ": " + httplib::to_string(r.error())));
  }
  if (r->status / 100 == 2) {
    if (auto synced = log_.sync(); !synced) return error_response(synced.error());
  }
  return response{r->status, r->body};
}

handler_fn forwarding::caught_up(handler_fn fn) {
  return [this, fn = std::move(fn)](const call& req, const path_params& p) {
    response r = fn(req, p);
    if (r.status == 404 && shared_log_ && log_.sync()) r = fn(req, p);
    return r;
  };
}

}  // namespace kavro::registry_server
