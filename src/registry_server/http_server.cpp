// The registry's HTTP transport on Boost.Asio and Boost.Beast. Event-driven rather than a thread per
// connection (cpp-httplib's fixed pool, which 64 slow clients starved): a slow or idle client costs a
// socket, a small buffer and a timer, never a thread, so health checks and ordinary clients are
// answered while thousands of connections are held. Handlers run on a bounded worker pool, so a
// blocking one (a Kafka append, a forward to the leader) never stalls I/O. Beast's parser enforces
// the body limit for every framing (Content-Length and chunked alike) without buffering past it; the
// header section is validated first by our own strict RFC 9112 pass, which Beast alone is laxer than
// (it accepts obs-fold and any Transfer-Encoding).
#include "http_server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "kavro/log.hpp"

namespace kavro::registry_server::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 tchar.
bool is_tchar(unsigned char c) {
  if (std::isalnum(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

// Splits a comma-separated list, trimming each element and skipping empty ones (RFC 9110 5.6.1).
std::vector<std::string_view> split_list(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const auto comma = s.find(',');
    const auto item = trim_ows(s.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

bool has_token(const header_map& h, std::string_view name, std::string_view token) {
  for (const auto& [n, v] : h.fields()) {
    if (!iequal(n, name)) continue;
    for (auto item : split_list(v)) {
      if (iequal(item, token)) return true;
    }
  }
  return false;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string_view reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Entity";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

// The Date header, formatted once a second per thread.
const std::string& http_date() {
  thread_local std::time_t last = 0;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != last) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
    last = now;
  }
  return text;
}

response default_error_response(int status, const std::string& message) {
  response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = "{\"error_code\":" + std::to_string(status) + ",\"message\":\"" + json_escape(message) + "\"}";
  return r;
}

// Serialises a response. The transport owns the framing headers; a handler's header that contains
// CR or LF is dropped rather than allowed to split the response.
std::string serialize(const response& r, bool head_only, bool keep_alive, int minor_version) {
  std::string out;
  out.reserve(256 + r.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += reason(r.status);
  out += "\r\n";
  for (const auto& [name, value] : r.headers.fields()) {
    if (iequal(name, "Content-Length") || iequal(name, "Connection") || iequal(name, "Date") ||
        iequal(name, "Transfer-Encoding")) {
      continue;
    }
    if (name.find_first_of("\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
      continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "Date: ";
  out += http_date();
  out += "\r\n";
  const bool no_body = r.status < 200 || r.status == 204 || r.status == 304;
  if (!no_body) {
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (minor_version == 0) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  if (!head_only && !no_body) out += r.body;
  return out;
}

}  // namespace

// ---- header_map

const std::string* header_map::find(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (iequal(n, name)) return &v;
  }
  return nullptr;
}

std::string header_map::get(std::string_view name) const {
  const auto* v = find(name);
  return v ? *v : std::string();
}

std::size_t header_map::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(fields_.begin(), fields_.end(), [&](const auto& f) { return iequal(f.first, name); }));
}

void header_map::set(std::string_view name, std::string value) {
  std::erase_if(fields_, [&](const auto& f) { return iequal(f.first, name); });
  fields_.emplace_back(std::string(name), std::move(value));
}

// ---- request_parser

struct request_parser::impl {
  using body_parser = beast::http::request_parser<beast::http::string_body>;
  // A chunk-size line or trailer section may not exceed this much unconsumed input.
  static constexpr std::size_t max_pending = 16 * 1024;
  static constexpr int max_leading_empty_lines = 8;

  limits lim;
  state st = state::need_more;
  request req;
  parse_error err;
  bool any_byte = false;
  // Header section parsing: `head` holds the bytes up to the end of the header section, scanned
  // line by line from `line_start` (so each byte is looked at once, however the input is split).
  std::string head;
  std::size_t line_start = 0;
  std::size_t scan_from = 0;
  std::size_t fields_start = 0;
  bool have_request_line = false;
  int leading_empty_lines = 0;
  bool expect_continue = false;
  bool keep_alive = true;
  // The body, once the head asks for one.
  std::optional<body_parser> body;
  std::string pending;

  void fail(int status, std::string message) {
    st = state::failed;
    err = {status, std::move(message)};
  }

  bool parse_request_line(std::string_view line) {
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) {
      fail(400, "malformed request line: expected METHOD SP TARGET SP HTTP-VERSION");
      return false;
    }
    const auto method = line.substr(0, sp1);
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (!is_token(method)) {
      fail(400, "malformed request line: the method is not a token");
      return false;
    }
    if (target.empty() || version.find(' ') != std::string_view::npos) {
      fail(400, "malformed request line: expected single spaces between method, target and version");
      return false;
    }
    for (unsigned char c : target) {
      if (c <= 0x20 || c >= 0x7f) {
        fail(400, "malformed request line: invalid character in the request target");
        return false;
      }
    }
    if (version == "HTTP/1.1") {
      req.minor_version = 1;
    } else if (version == "HTTP/1.0") {
      req.minor_version = 0;
    } else if (version.size() == 8 && version.starts_with("HTTP/") &&
               std::isdigit(static_cast<unsigned char>(version[5])) && version[6] == '.' &&
               std::isdigit(static_cast<unsigned char>(version[7]))) {
      fail(505, "HTTP version " + std::string(version.substr(5)) + " is not supported; use HTTP/1.1");
      return false;
    } else {
      fail(400, "malformed request line: invalid HTTP version");
      return false;
    }
    req.method = std::string(method);
    if (target.front() == '/') {
      req.target = std::string(target);
    } else if (target == "*" && method == "OPTIONS") {
      req.target = "*";
    } else if (target.size() > 8 &&
               (iequal(target.substr(0, 7), "http://") || iequal(target.substr(0, 8), "https://"))) {
      // absolute-form: the server's own authority is not checked, only the path is kept.
      const auto authority = target.find("://") + 3;
      const auto path = target.find_first_of("/?", authority);
      req.target = path == std::string_view::npos ? "/" : std::string(target.substr(path));
      if (req.target.front() == '?') req.target.insert(0, "/");
    } else if (method == "CONNECT") {
      req.target = std::string(target);
    } else {
      fail(400, "malformed request line: the request target must start with '/'");
      return false;
    }
    return true;
  }

  bool parse_field_line(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') {
      fail(400, "obsolete line folding (obs-fold) in the header section");
      return false;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      fail(400, "header line without a colon");
      return false;
    }
    const auto name = line.substr(0, colon);
    if (name.empty()) {
      fail(400, "header line with an empty field name");
      return false;
    }
    if (name.back() == ' ' || name.back() == '\t') {
      fail(400, "whitespace between field name and colon");
      return false;
    }
    if (!is_token(name)) {
      fail(400, "invalid character in a field name");
      return false;
    }
    const auto value = trim_ows(line.substr(colon + 1));
    for (unsigned char c : value) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        fail(400, "control character in the value of field '" + std::string(name) + "'");
        return false;
      }
    }
    req.headers.add(std::string(name), std::string(value));
    return true;
  }

  // The header section is complete and each line valid: decide the framing.
  void finish_head() {
    const auto& h = req.headers;
    const std::size_t hosts = h.count("Host");
    if (hosts > 1) return fail(400, "more than one Host header");
    if (hosts == 0 && req.minor_version == 1) return fail(400, "missing Host header");
    keep_alive = req.minor_version == 1 ? !has_token(h, "Connection", "close")
                                        : has_token(h, "Connection", "keep-alive");

    bool chunked = false;
    std::uint64_t length = 0;
    std::vector<std::string_view> codings;
    std::vector<std::string_view> lengths;
    for (const auto& [n, v] : h.fields()) {
      if (iequal(n, "Transfer-Encoding")) {
        for (auto c : split_list(v)) codings.push_back(c);
        if (split_list(v).empty()) return fail(400, "empty Transfer-Encoding");
      } else if (iequal(n, "Content-Length")) {
        const auto items = split_list(v);
        if (items.empty()) return fail(400, "empty Content-Length");
        lengths.insert(lengths.end(), items.begin(), items.end());
      }
    }
    if (!codings.empty()) {
      if (req.minor_version == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
      if (!lengths.empty()) return fail(400, "both Content-Length and Transfer-Encoding");
      if (!iequal(codings.back(), "chunked")) return fail(400, "the final transfer coding is not chunked");
      for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
        if (iequal(codings[i], "chunked")) return fail(400, "chunked applied more than once");
        return fail(501, "transfer coding '" + std::string(codings[i]) + "' is not implemented");
      }
      chunked = true;
    } else if (!lengths.empty()) {
      for (auto l : lengths) {
        if (l != lengths.front()) return fail(400, "different Content-Length values");
      }
      const auto l = lengths.front();
      if (!std::all_of(l.begin(), l.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return fail(400, "invalid Content-Length");
      }
      // Past 19 digits the value cannot be held, and is certainly over the limit.
      if (l.size() > 19)
        return fail(413, "Request body is larger than " + std::to_string(lim.max_body_bytes) + " bytes");
      length = std::stoull(std::string(l));
      if (length > lim.max_body_bytes) {
        return fail(413, "Request body is larger than " + std::to_string(lim.max_body_bytes) + " bytes");
      }
    }
    const bool has_body = chunked || length > 0;
    if (const auto* expect = h.find("Expect"); expect && req.minor_version == 1) {
      if (!iequal(*expect, "100-continue")) return fail(417, "unsupported expectation '" + *expect + "'");
      expect_continue = has_body;
    }
    if (!has_body) {
      st = state::complete;
      head.clear();
      head.shrink_to_fit();
      return;
    }
    body.emplace();
    body->header_limit(static_cast<std::uint32_t>(head.size() + 1));
    body->body_limit(static_cast<std::uint64_t>(lim.max_body_bytes));
    body->eager(true);
    beast::error_code ec;
    body->put(asio::buffer(head), ec);
    head.clear();
    head.shrink_to_fit();
    if (ec && ec != beast::http::error::need_more)
      return fail(400, "malformed header section: " + ec.message());
    if (body->is_done()) {
      st = state::complete;
      return;
    }
    st = state::head_done;
  }

  std::size_t feed_head(std::string_view bytes) {
    const std::size_t cap = 2 * max_leading_empty_lines + lim.max_request_line + 2 + lim.max_header_bytes;
    const std::size_t take = std::min(bytes.size(), cap + 1 - std::min(cap + 1, head.size()));
    const std::size_t before = head.size();
    head.append(bytes.substr(0, take));
    while (true) {
      const auto nl = head.find('\n', scan_from);
      if (nl == std::string::npos) {
        scan_from = head.size();
        if (!have_request_line && head.size() - line_start > lim.max_request_line + 1) {
          fail(414, "request line longer than " + std::to_string(lim.max_request_line) + " bytes");
        } else if (have_request_line && head.size() - fields_start > lim.max_header_bytes) {
          fail(431, "header section larger than " + std::to_string(lim.max_header_bytes) + " bytes");
        } else if (head.size() > cap) {
          fail(400, "header section too large");
        }
        return take;
      }
      if (nl == line_start || head[nl - 1] != '\r') {
        fail(400, "line ends in LF without CR");
        return take;
      }
      const std::string_view line(head.data() + line_start, nl - 1 - line_start);
      if (!have_request_line) {
        if (line.empty()) {
          if (++leading_empty_lines > max_leading_empty_lines) {
            fail(400, "too many empty lines before the request line");
            return take;
          }
        } else {
          if (line.size() > lim.max_request_line) {
            fail(414, "request line longer than " + std::to_string(lim.max_request_line) + " bytes");
            return take;
          }
          if (!parse_request_line(line)) return take;
          have_request_line = true;
          fields_start = nl + 1;
        }
      } else {
        if (nl + 1 - fields_start > lim.max_header_bytes) {
          fail(431, "header section larger than " + std::to_string(lim.max_header_bytes) + " bytes");
          return take;
        }
        if (line.empty()) {
          const std::size_t end = nl + 1;
          head.resize(end);
          finish_head();
          return end - before;
        }
        if (!parse_field_line(line)) return take;
      }
      line_start = scan_from = nl + 1;
    }
  }

  std::size_t feed_body(std::string_view bytes) {
    pending.append(bytes);
    while (!pending.empty()) {
      beast::error_code ec;
      const auto used = body->put(asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == beast::http::error::need_more) break;
      if (ec == beast::http::error::body_limit) {
        fail(413, "Request body is larger than " + std::to_string(lim.max_body_bytes) + " bytes");
        return bytes.size();
      }
      if (ec) {
        fail(400, "malformed chunked body: " + ec.message());
        return bytes.size();
      }
      if (body->is_done() || used == 0) break;
    }
    if (body->is_done()) {
      st = state::complete;
      req.body = std::move(body->get().body());
      body.reset();
      const std::size_t rest = pending.size();
      pending.clear();
      return bytes.size() - rest;
    }
    if (pending.size() > max_pending) {
      fail(400, "chunk-size line or trailer section longer than " + std::to_string(max_pending) + " bytes");
    }
    return bytes.size();
  }
};

request_parser::request_parser(limits l) : impl_(std::make_unique<impl>()) {
  impl_->lim = l;
}
request_parser::~request_parser() = default;
request_parser::request_parser(request_parser&&) noexcept = default;
request_parser& request_parser::operator=(request_parser&&) noexcept = default;

std::size_t request_parser::feed(std::string_view bytes) {
  auto& p = *impl_;
  if (bytes.empty()) return 0;
  p.any_byte = true;
  switch (p.st) {
    case state::need_more: {
      const auto used = p.feed_head(bytes);
      if (p.st == state::head_done && used < bytes.size()) return used + p.feed_body(bytes.substr(used));
      return used;
    }
    case state::head_done:
      return p.feed_body(bytes);
    case state::complete:
    case state::failed:
      return 0;
  }
  return 0;
}

request_parser::state request_parser::current() const {
  return impl_->st;
}
bool request_parser::started() const {
  return impl_->any_byte;
}
request& request_parser::get() {
  return impl_->req;
}
const parse_error& request_parser::error() const {
  return impl_->err;
}
bool request_parser::expects_continue() const {
  return impl_->expect_continue;
}
bool request_parser::keep_alive() const {
  return impl_->keep_alive;
}
std::size_t request_parser::body_received() const {
  if (impl_->body) return impl_->body->get().body().size();
  return impl_->req.body.size();
}

tl::expected<request, parse_error> parse_request(std::string_view bytes, const limits& l,
                                                 std::size_t* consumed) {
  request_parser p(l);
  std::size_t used = 0;
  while (used < bytes.size() && (p.current() == request_parser::state::need_more ||
                                 p.current() == request_parser::state::head_done)) {
    const auto n = p.feed(bytes.substr(used));
    if (n == 0) break;
    used += n;
  }
  if (consumed) *consumed = used;
  if (p.current() == request_parser::state::complete) return std::move(p.get());
  if (p.current() == request_parser::state::failed) return tl::unexpected(p.error());
  return tl::unexpected(parse_error{0, "incomplete request"});
}

// ---- the server

namespace {

// A fixed set of threads taking tasks from an unbounded queue. The queue holds at most one task per
// open connection (a connection reads its next request only after answering this one), so it is
// bounded by the connection limit.
class worker_pool {
 public:
  void start(unsigned n) {
    for (unsigned i = 0; i < std::max(1u, n); ++i) threads_.emplace_back([this] { run(); });
  }
  void submit(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }
  // Runs what is queued, then joins.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void run() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

// What the server needs of a connection of either kind (plain or TLS).
class connection_base {
 public:
  virtual ~connection_base() = default;
  // On server stop: close now unless a request is being answered (then close after it).
  virtual void shut() = 0;
};

}  // namespace

struct transport {
  server_options opt;
  handler on_request;
  io_handler on_io;
  worker_pool pool;
  std::vector<std::thread> io_threads;
  std::atomic<std::size_t> open{0};
  std::atomic<std::uint64_t> over_limit{0};  // connections closed at accept (max_connections)
  std::atomic<bool> stopping{false};
  bool running = false;
  std::mutex lifecycle;  // start/stop
  std::mutex registry_mutex;
  std::unordered_map<connection_base*, std::weak_ptr<connection_base>> live;
  std::optional<asio::ssl::context> tls;
  // Connections still queued as handlers in the I/O context refer to the members above (and a TLS
  // one to `tls`), so the context goes first, explicitly, in ~impl.
  std::unique_ptr<asio::io_context> ioc = std::make_unique<asio::io_context>();
  std::unique_ptr<tcp::acceptor> acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(*ioc));
  std::unique_ptr<asio::steady_timer> accept_retry =
      std::make_unique<asio::steady_timer>(acceptor->get_executor());

  ~transport() {
    accept_retry.reset();
    acceptor.reset();
    ioc.reset();
  }

  response refusal(int status, const std::string& message) const {
    return opt.error_response ? opt.error_response(status, message) : default_error_response(status, message);
  }

  void log(const request& r, const response& res, clock::duration latency) {
    const double ms = std::chrono::duration<double, std::milli>(latency).count();
    const std::string_view target = r.target;
    kavro::log::info("request",
                     {{"remote", r.remote.empty() ? std::string_view("-") : std::string_view(r.remote)},
                      {"method", r.method.empty() ? std::string_view("-") : std::string_view(r.method)},
                      {"path", target.empty() ? std::string_view("-") : target.substr(0, target.find('?'))},
                      {"route", res.route.empty() ? std::string_view("-") : std::string_view(res.route)},
                      {"status", res.status},
                      {"bytes", res.body.size()},
                      {"latency_ms", std::round(ms * 100) / 100}});
  }

  void do_accept();
};

namespace {

template <class Stream>
class connection final : public connection_base, public std::enable_shared_from_this<connection<Stream>> {
  static constexpr bool is_tls = !std::is_same_v<Stream, tcp::socket>;
  enum class phase { handshake, idle, header, body, handler, write, closing };

 public:
  template <class... Args>
  connection(transport& srv, std::string remote, Args&&... args)
      : srv_(srv),
        stream_(std::forward<Args>(args)...),
        timer_(stream_.get_executor()),
        remote_(std::move(remote)),
        parser_(srv.opt.limit) {}

  ~connection() override {
    {
      std::lock_guard lock(srv_.registry_mutex);
      srv_.live.erase(this);
    }
    srv_.open.fetch_sub(1);
  }

  void start() {
    if constexpr (is_tls) {
      phase_ = phase::handshake;
      arm(clock::now() + srv_.opt.tls_handshake_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close_now();
                                self->begin_request();
                              });
    } else {
      begin_request();
    }
  }

  void shut() override {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->phase_ != phase::handler && self->phase_ != phase::write) self->close_now();
    });
  }

 private:
  // A new request on this connection: bytes already read past the last one come first.
  void begin_request() {
    parser_ = request_parser(srv_.opt.limit);
    continue_sent_ = false;
    if (srv_.stopping) return close_now();
    if (!leftover_.empty()) {
      phase_ = phase::header;
      request_start_ = clock::now();
      arm(request_start_ + srv_.opt.header_timeout);
      std::string bytes = std::move(leftover_);
      leftover_.clear();
      return on_bytes(bytes);
    }
    phase_ = phase::idle;
    arm(clock::now() + srv_.opt.idle_timeout);
    do_read();
  }

  void do_read() {
    stream_.async_read_some(
        asio::buffer(buffer_),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(beast::error_code ec, std::size_t n) {
    if (ec) {
      if (timed_out_ && (phase_ == phase::header || phase_ == phase::body) && parser_.started()) {
        return refuse({408, "request not received in time"});
      }
      return close_now();
    }
    if (phase_ == phase::idle) {
      // The header deadline runs from the first byte, however slowly the rest comes.
      phase_ = phase::header;
      request_start_ = clock::now();
      arm(request_start_ + srv_.opt.header_timeout);
    }
    on_bytes(std::string_view(buffer_.data(), n));
  }

  void on_bytes(std::string_view data) {
    while (true) {
      const auto used = parser_.feed(data);
      data.remove_prefix(used);
      switch (parser_.current()) {
        case request_parser::state::failed:
          return refuse(parser_.error());
        case request_parser::state::complete:
          leftover_.assign(data);
          return dispatch();
        case request_parser::state::head_done:
          if (phase_ != phase::body) {
            phase_ = phase::body;
            body_start_ = clock::now();
            arm(body_deadline());
            // A client that already sent body bytes is not waiting for 100 Continue.
            if (parser_.expects_continue() && data.empty() && !continue_sent_) return send_continue();
          }
          if (!data.empty() && used > 0) continue;
          rearm_body();
          return do_read();
        case request_parser::state::need_more:
          if (!data.empty() && used == 0) return refuse({400, "unparsable input"});
          if (!data.empty()) continue;
          if (phase_ == phase::body) rearm_body();
          return do_read();
      }
    }
  }

  clock::time_point body_deadline() const {
    const auto rate = std::max<std::size_t>(1, srv_.opt.body_min_rate);
    return body_start_ + srv_.opt.body_timeout + std::chrono::seconds(parser_.body_received() / rate);
  }

  void rearm_body() {
    const auto deadline = body_deadline();
    if (deadline > timer_.expiry() + std::chrono::seconds(1)) arm(deadline);
  }

  void send_continue() {
    continue_sent_ = true;
    static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(interim.data(), interim.size()),
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close_now();
                        self->do_read();
                      });
  }

  void dispatch() {
    disarm();
    phase_ = phase::handler;
    request& r = parser_.get();
    r.remote = remote_;
    if (srv_.on_io) {
      std::optional<response> fast;
      try {
        fast = srv_.on_io(r);
      } catch (const std::exception&) {
        fast = srv_.refusal(500, "Internal Server Error");
      }
      if (fast) return respond(std::move(*fast), parser_.keep_alive());
    }
    srv_.pool.submit([self = this->shared_from_this()] {
      response res;
      try {
        res = self->srv_.on_request(self->parser_.get());
      } catch (const std::exception&) {
        res = self->srv_.refusal(500, "Internal Server Error");
      }
      asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->respond(std::move(res), self->parser_.keep_alive());
      });
    });
  }

  void refuse(const parse_error& e) {
    timed_out_ = false;
    respond(srv_.refusal(e.status, e.message), false, true);
  }

  void respond(response res, bool keep_alive, bool refused = false) {
    keep_alive = keep_alive && !srv_.stopping;
    request& r = parser_.get();
    if (srv_.opt.log_requests || srv_.opt.on_response) {
      r.remote = remote_;
      const auto latency = phase_ == phase::idle ? clock::duration::zero() : clock::now() - request_start_;
      if (srv_.opt.log_requests) srv_.log(r, res, latency);
      if (srv_.opt.on_response) {
        try {
          srv_.opt.on_response(
              exchange{r, res, std::chrono::duration_cast<std::chrono::nanoseconds>(latency), refused});
        } catch (const std::exception&) {
          // Metrics must never cost a client its answer.
        }
      }
    }
    out_ = serialize(res, r.method == "HEAD", keep_alive, r.minor_version);
    phase_ = phase::write;
    arm(clock::now() + srv_.opt.write_timeout);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (ec) return self->close_now();
                        self->out_.clear();
                        if (!keep_alive) return self->graceful_close();
                        self->begin_request();
                      });
  }

  // Closes after a final answer without resetting the connection: unread request bytes would make
  // the kernel send RST, and the client could lose the answer. So: stop sending, then read and
  // discard what the client still sends, for a short time and a bounded amount.
  void graceful_close() {
    phase_ = phase::closing;
    arm(clock::now() + std::chrono::seconds(1));
    if constexpr (is_tls) {
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
    } else {
      beast::error_code ec;
      stream_.shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return close_now();
      drain(0);
    }
  }

  void drain(std::size_t so_far) {
    static constexpr std::size_t budget = 256 * 1024;
    stream_.async_read_some(asio::buffer(buffer_),
                            [self = this->shared_from_this(), so_far](beast::error_code ec, std::size_t n) {
                              if (ec || so_far + n > budget) return self->close_now();
                              self->drain(so_far + n);
                            });
  }

  void close_now() {
    phase_ = phase::closing;
    timer_.cancel();
    beast::error_code ec;
    stream_.lowest_layer().close(ec);
  }

  void arm(clock::time_point deadline) {
    timed_out_ = false;
    timer_.expires_at(deadline);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      // Re-armed after this wait completed but before it ran: not a timeout.
      if (self->timer_.expiry() > clock::now()) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.lowest_layer().cancel(ignored);
    });
  }

  void disarm() { timer_.cancel(); }

  transport& srv_;
  Stream stream_;
  asio::steady_timer timer_;
  std::string remote_;
  request_parser parser_;
  std::array<char, 8192> buffer_{};
  std::string leftover_;
  std::string out_;
  phase phase_ = phase::idle;
  bool timed_out_ = false;
  bool continue_sent_ = false;
  clock::time_point request_start_ = clock::now();
  clock::time_point body_start_ = clock::now();
};

}  // namespace

void transport::do_accept() {
  acceptor->async_accept(asio::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping) return;
    if (ec) {
      // Out of descriptors or memory: try again shortly rather than spin.
      accept_retry->expires_after(std::chrono::milliseconds(50));
      accept_retry->async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && !stopping) do_accept();
      });
      return;
    }
    if (open.load() >= opt.max_connections) {
      over_limit.fetch_add(1, std::memory_order_relaxed);
      beast::error_code ignored;
      socket.close(ignored);
      return do_accept();
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::string remote;
    if (auto ep = socket.remote_endpoint(ignored); !ignored) {
      remote = ep.address().to_string() + ':' + std::to_string(ep.port());
    }
    open.fetch_add(1);
    std::shared_ptr<connection_base> c;
    if (tls) {
      auto tc = std::make_shared<connection<asio::ssl::stream<tcp::socket>>>(*this, std::move(remote),
                                                                             std::move(socket), *tls);
      c = tc;
      {
        std::lock_guard lock(registry_mutex);
        live.emplace(c.get(), c);
      }
      tc->start();
    } else {
      auto pc = std::make_shared<connection<tcp::socket>>(*this, std::move(remote), std::move(socket));
      c = pc;
      {
        std::lock_guard lock(registry_mutex);
        live.emplace(c.get(), c);
      }
      pc->start();
    }
    do_accept();
  });
}

struct server::impl {
  transport t;
};

server::server(server_options options, handler h, io_handler io) : impl_(std::make_unique<impl>()) {
  impl_->t.opt = std::move(options);
  impl_->t.on_request = std::move(h);
  impl_->t.on_io = std::move(io);
  if (!impl_->t.opt.tls_cert_file.empty() || !impl_->t.opt.tls_key_file.empty()) {
    impl_->t.tls.emplace(asio::ssl::context::tls_server);
    impl_->t.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                              asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                              asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    try {
      impl_->t.tls->use_certificate_chain_file(impl_->t.opt.tls_cert_file);
      impl_->t.tls->use_private_key_file(impl_->t.opt.tls_key_file, asio::ssl::context::pem);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("cannot load TLS certificate '" + impl_->t.opt.tls_cert_file + "' and key '" +
                               impl_->t.opt.tls_key_file + "': " + e.what());
    }
  }
}

server::~server() {
  stop();
}

result<std::uint16_t> server::start() {
  auto& s = impl_->t;
  std::lock_guard lock(s.lifecycle);
  if (s.running) return fail(errc::invalid_argument, "HTTP server already started");
  if (s.stopping) return fail(errc::invalid_argument, "HTTP server cannot be restarted after stop");
  // Each connection is a descriptor: the usual soft limit of 1024 would cap connections far below
  // max_connections, so take what the hard limit allows.
  if (rlimit rl{}; ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? std::max<rlim_t>(rl.rlim_cur, 1 << 20) : rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  const std::string where = s.opt.host + ":" + std::to_string(s.opt.port);
  beast::error_code ec;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(s.opt.host.empty() ? "0.0.0.0" : s.opt.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, s.opt.port);
  } else {
    tcp::resolver resolver(*s.ioc);
    auto found = resolver.resolve(s.opt.host, std::to_string(s.opt.port), ec);
    if (ec || found.empty())
      return fail(errc::unavailable, "cannot listen on " + where + ": cannot resolve the host");
    endpoint = found.begin()->endpoint();
  }
  s.acceptor->open(endpoint.protocol(), ec);
  // SO_REUSEADDR lets a restart bind while old connections linger in TIME_WAIT; SO_REUSEPORT is
  // never set, so a second registry on the same port is refused instead of sharing its requests.
  if (!ec) s.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    s.acceptor->close(ec);
    return fail(errc::unavailable,
                "cannot listen on " + where + ": address already in use (is another registry running?)");
  }
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    s.acceptor->close(ignored);
    return fail(errc::unavailable, "cannot listen on " + where + ": " + ec.message());
  }
  const auto port = s.acceptor->local_endpoint(ec).port();
  s.pool.start(s.opt.worker_threads);
  s.do_accept();
  for (unsigned i = 0; i < std::max(1u, s.opt.io_threads); ++i)
    s.io_threads.emplace_back([&s] { s.ioc->run(); });
  s.running = true;
  return port;
}

void server::stop() {
  auto& s = impl_->t;
  std::lock_guard lock(s.lifecycle);
  if (!s.running) return;
  s.running = false;
  s.stopping = true;
  asio::post(s.acceptor->get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor->close(ignored);
    s.accept_retry->cancel();
  });
  std::vector<std::shared_ptr<connection_base>> open;
  {
    std::lock_guard reg(s.registry_mutex);
    for (auto& [raw, weak] : s.live) {
      if (auto c = weak.lock()) open.push_back(std::move(c));
    }
  }
  for (auto& c : open) c->shut();
  open.clear();
  // Requests in flight get their answers; a client that never reads them is not waited for long.
  const auto deadline = clock::now() + std::chrono::seconds(5);
  while (s.open.load() > 0 && clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  s.ioc->stop();
  for (auto& t : s.io_threads) t.join();
  s.io_threads.clear();
  s.pool.stop();
}

std::size_t server::connections() const {
  return impl_->t.open.load();
}

std::uint64_t server::connections_refused() const {
  return impl_->t.over_limit.load(std::memory_order_relaxed);
}

}  // namespace kavro::registry_server::http
