// The bounded /metrics endpoint: a poll()-driven accept loop on one thread, one connection at a time.
#include "kavro/metrics_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kavro/config_error.hpp"
#include "kavro/metrics.hpp"

namespace kavro::metrics {

namespace {

http_answer error_answer(int status, std::string reason, std::string body) {
  return http_answer{status, std::move(reason), "text/plain; charset=utf-8", std::move(body) + "\n"};
}

// Writes all of `data`, giving up once the peer stops reading for `timeout`.
void send_all(int fd, std::string_view data, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return;
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      return;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

http_answer answer_request(std::string_view head, const std::function<std::string()>& page) {
  const auto eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  // request-line = method SP request-target SP HTTP-version (RFC 9112 section 3)
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (eol == std::string_view::npos || sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1 ||
      line.find(' ', sp2 + 1) != std::string_view::npos) {
    return error_answer(400, "Bad Request", "malformed request line");
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return error_answer(400, "Bad Request", "unsupported HTTP version");
  }
  if (target.front() != '/') return error_answer(400, "Bad Request", "request target must be a path");
  if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target != "/metrics") return error_answer(404, "Not Found", "not found: only /metrics is served");
  if (method != "GET" && method != "HEAD") {
    return error_answer(405, "Method Not Allowed", "method not allowed: use GET");
  }
  return http_answer{200, "OK", std::string(exposition_content_type), page()};
}

std::string format_answer(const http_answer& a, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(a.status) + ' ' + a.reason + "\r\n";
  out += "Content-Type: " + a.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(a.body.size()) + "\r\n";
  if (a.status == 405) out += "Allow: GET, HEAD\r\n";
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += a.body;
  return out;
}

http_endpoint::http_endpoint(http_endpoint_options options, std::function<std::string()> page)
    : options_(std::move(options)), page_(std::move(page)) {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options_.port);
  const std::string host = options_.host == "localhost" ? "127.0.0.1" : options_.host;
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    throw config_error("metrics endpoint " + where + ": host must be an IPv4 address or localhost");
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) throw config_error("metrics endpoint " + where + ": socket: " + std::strerror(errno));
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 8) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw config_error("metrics endpoint " + where + ": cannot listen: " + why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

http_endpoint::~http_endpoint() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string http_endpoint::url() const {
  return "http://" + options_.host + ":" + std::to_string(port_) + "/metrics";
}

void http_endpoint::serve() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    // A short wait, so the destructor never waits long for this thread.
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) continue;
    try {
      serve_one(fd);
    } catch (...) {
      // a failing page (out of memory) costs this scrape only
    }
    close_gently(fd);
  }
}

void http_endpoint::serve_one(int fd) {
  const auto deadline = std::chrono::steady_clock::now() + options_.read_timeout;
  std::string head;
  char buf[1024];
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > options_.max_request_bytes) {
      send_all(fd,
               format_answer(error_answer(431, "Request Header Fields Too Large",
                                          "request head longer than " +
                                              std::to_string(options_.max_request_bytes) + " bytes"),
                             false),
               options_.read_timeout);
      return;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0 || stop_.load()) {
      send_all(fd, format_answer(error_answer(408, "Request Timeout", "request not complete in time"), false),
               std::chrono::milliseconds(100));
      return;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;  // the client went away
    head.append(buf, static_cast<std::size_t>(n));
  }
  const bool head_only = head.starts_with("HEAD ");
  send_all(fd, format_answer(answer_request(head, page_), head_only), options_.read_timeout);
}

void http_endpoint::close_gently(int fd) {
  // Closing with unread input makes the kernel send a reset, which can destroy an answer (a 431) the
  // client has not read yet: say we are done, then discard what the client still sends, briefly.
  ::shutdown(fd, SHUT_WR);
  char buf[4096];
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  std::size_t drained = 0;
  while (drained < 1024 * 1024 && std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    drained += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

}  // namespace kavro::metrics
