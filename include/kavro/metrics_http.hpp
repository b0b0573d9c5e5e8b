// A small HTTP endpoint that serves one page of metrics (GET /metrics, Prometheus text) for processes
// that are not HTTP servers themselves (`kavro consume`/`produce --metrics-port`). Deliberately
// bounded: one connection at a time, each with a read deadline and a request-head size limit, closed
// after one answer; anything but GET/HEAD /metrics gets a 4xx.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace kavro::metrics {

struct http_endpoint_options {
  std::string host = "127.0.0.1";  // an IPv4 address or "localhost"
  std::uint16_t port = 0;          // 0: any free port (see http_endpoint::port)
  // A client that has not sent its whole request head by then is answered 408 and dropped, so a slow
  // or silent client cannot hold the one connection for long.
  std::chrono::milliseconds read_timeout{5000};
  std::size_t max_request_bytes = 8192;  // a longer request head is answered 431
};

// One answer: status code, reason and body (text/plain unless it is the metrics page).
struct http_answer {
  int status = 200;
  std::string reason = "OK";
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// The answer to one complete request head (through "\r\n\r\n"); `page` gives the metrics text. Pure,
// so the request rules are tested without sockets.
http_answer answer_request(std::string_view head, const std::function<std::string()>& page);

// The whole HTTP/1.1 response for `a` (Connection: close); for HEAD, without the body.
std::string format_answer(const http_answer& a, bool head_only);

class http_endpoint {
 public:
  // Binds and listens at once, then serves from its own thread until destroyed. Throws
  // kavro::config_error naming host:port when the address cannot be used. `page` runs on the
  // endpoint's thread for each scrape and must be thread-safe.
  http_endpoint(http_endpoint_options options, std::function<std::string()> page);
  ~http_endpoint();
  http_endpoint(const http_endpoint&) = delete;
  http_endpoint& operator=(const http_endpoint&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // "http://host:port/metrics", with the port actually bound.
  std::string url() const;

 private:
  void serve();
  void serve_one(int fd);
  static void close_gently(int fd);

  http_endpoint_options options_;
  std::function<std::string()> page_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kavro::metrics
