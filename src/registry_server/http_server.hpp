// The registry's HTTP/1.1 transport (HTTP or HTTPS): a strict, bounded request parser and an
// event-driven server that hands complete requests to a handler on a worker pool. It knows nothing of
// the registry; Boost.Beast and Asio stay inside http_server.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

#include "kavro/result.hpp"

namespace kavro::registry_server::http {

// Header fields in the order received; names compare case-insensitively.
class header_map {
 public:
  // The first value of `name`, or nullptr.
  const std::string* find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // The first value of `name`, or "".
  std::string get(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  // Replaces every field of that name with one.
  void set(std::string_view name, std::string value);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct request {
  std::string method;
  std::string target;     // origin-form ("/path?query"); an absolute-form target is reduced to it
  int minor_version = 1;  // HTTP/1.x
  header_map headers;
  std::string body;    // chunked bodies arrive de-chunked
  std::string remote;  // "address:port" of the peer
};

struct response {
  int status = 200;
  header_map headers;  // Content-Length, Connection and Date are the transport's
  std::string body;
  // The endpoint template that answered (e.g. "/subjects/{subject}/versions"), for metrics and the
  // request log, where raw paths would make one label value per subject; never sent. Empty for the
  // transport's own refusals.
  std::string route = {};  // a default initializer, so {status, headers, body} stays a complete aggregate
};

// One answered request, as the transport reports it to server_options::on_response.
struct exchange {
  const request& req;  // a refusal's request may be partial (no method or target yet)
  const response& res;
  std::chrono::nanoseconds latency;  // from the request's first byte to its answer
  bool refused;                      // by the transport itself: a parse error, a limit or a timeout
};

struct limits {
  std::size_t max_request_line = 8 * 1024;       // request line, without CRLF; over it: 414
  std::size_t max_header_bytes = 16 * 1024;      // field lines and the final CRLF; over it: 431
  std::size_t max_body_bytes = 8 * 1024 * 1024;  // Content-Length or de-chunked; over it: 413
};

// A refusal of the transport's: the status to answer, and why (the JSON body's message).
struct parse_error {
  int status = 400;
  std::string message;
};

// The parse-and-validate step of the server, without I/O: bytes in, a request or a refusal out. It
// buffers at most the header section and, for chunked bodies, one chunk-size line or trailer section
// of up to 16 KiB beyond the body itself, and never more body than the limit. Strict RFC 9112
// framing: conflicting or combined Content-Length and Transfer-Encoding, obs-fold, control
// characters, malformed lines and chunk sizes are 400 (an unknown transfer coding 501), after which
// the connection must be closed.
class request_parser {
 public:
  enum class state {
    need_more,  // feed more bytes
    head_done,  // the header section is valid and a body follows (see expects_continue)
    complete,   // request() is complete; bytes after it belong to the next request
    failed,     // error() says what to answer; then close
  };

  explicit request_parser(limits l = {});
  ~request_parser();
  request_parser(request_parser&&) noexcept;
  request_parser& operator=(request_parser&&) noexcept;

  // Consumes a prefix of `bytes` and returns its length; stops at the end of a request, so the
  // rest belongs to the next one. After head_done, feeding more bytes continues with the body.
  std::size_t feed(std::string_view bytes);
  state current() const;
  // True once any byte of this request was fed (so a timeout may answer 408 rather than close).
  bool started() const;
  // The request; its head is valid from head_done on, its body once complete.
  request& get();
  const parse_error& error() const;
  // Whether the client waits for "100 Continue" before sending the body (valid at head_done).
  bool expects_continue() const;
  // Whether the connection may serve another request after this one (valid from head_done).
  bool keep_alive() const;
  // Body bytes received so far.
  std::size_t body_received() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// The whole of one request from `bytes`, as the server parses it: the request, or the refusal; a
// refusal with status 0 means `bytes` ends before the request does. `consumed` gets the request's
// length when given.
tl::expected<request, parse_error> parse_request(std::string_view bytes, const limits& l,
                                                 std::size_t* consumed = nullptr);

struct server_options {
  std::string host = "0.0.0.0";
  std::uint16_t port = 0;  // 0: any free port
  limits limit;
  // From the first byte of a request to the end of its header section (slow-header clients).
  std::chrono::milliseconds header_timeout{10000};
  // The body must arrive within this time after the header, plus one second per body_min_rate
  // bytes received (slow-body clients).
  std::chrono::milliseconds body_timeout{30000};
  std::size_t body_min_rate = 16 * 1024;
  // A kept-alive connection waiting for its next request is closed after this long.
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds tls_handshake_timeout{10000};
  // Writing one response (a client that does not read).
  std::chrono::milliseconds write_timeout{30000};
  // Connections past this are closed as soon as they are accepted.
  std::size_t max_connections = 10000;
  unsigned io_threads = 2;
  unsigned worker_threads = 16;
  // Both set: TLS with this PEM certificate chain and key.
  std::string tls_cert_file;
  std::string tls_key_file;
  // One line per request through kavro::log at info level: remote, method, path, route, status,
  // bytes, latency.
  bool log_requests = false;
  // Called on the I/O thread for every answer, before it is written (metrics); must not block.
  std::function<void(const exchange&)> on_response;
  // The response for a refusal of the transport's (parse errors, timeouts); default: a JSON body
  // {"error_code":status,"message":...} as application/json.
  std::function<response(int status, const std::string& message)> error_response;
};

// Runs on a worker thread; may block (a store write, a forward to another instance).
using handler = std::function<response(request&)>;
// Runs on the I/O thread before the worker pool, for answers that must come even when every worker
// is busy (health); nullopt passes the request on to the handler. Must not block.
using io_handler = std::function<std::optional<response>(const request&)>;

class server {
 public:
  // Throws std::runtime_error if the TLS files cannot be loaded.
  server(server_options options, handler h, io_handler io = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds (SO_REUSEADDR, never SO_REUSEPORT), raises the open-file limit, starts the I/O threads
  // and the workers, and returns the bound port.
  result<std::uint16_t> start();
  // Stops accepting and closes idle connections; requests in flight get their answers (for up to
  // a few seconds); joins every thread. Safe to call more than once.
  void stop();
  // Open connections right now (for tests, benchmarks and metrics).
  std::size_t connections() const;
  // Connections closed at accept because max_connections were open, since start.
  std::uint64_t connections_refused() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kavro::registry_server::http
