// The registry's HTTP transport over raw loopback sockets: strict framing (exact status, then the
// connection closed, and the server still serving), size and time limits, slow clients, keep-alive,
// HTTP/1.0, HEAD, 100-continue, a taken port, TLS, authentication and invalid UTF-8 in paths.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http_server.hpp"
#include "kavro/registry_server/server.hpp"

namespace {

using json = nlohmann::json;
namespace rs = kavro::registry_server;
namespace http = kavro::registry_server::http;
const std::string record_schema = R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";

// A blocking loopback socket. The receive timeout only keeps a broken server from hanging the test;
// no assertion depends on it.
class socket_client {
 public:
  explicit socket_client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{20, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~socket_client() { ::close(fd_); }
  socket_client(const socket_client&) = delete;
  socket_client& operator=(const socket_client&) = delete;

  bool connected() const { return connected_; }
  // False once the peer has closed or reset the connection.
  bool send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  struct reply {
    int status = 0;  // 0: no response
    std::string head;
    std::string body;
    std::string header(const std::string& name) const {
      auto lower = [](std::string s) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
      };
      const auto h = lower(head);
      const auto at = h.find("\r\n" + lower(name) + ":");
      if (at == std::string::npos) return {};
      const auto start = head.find_first_not_of(' ', at + name.size() + 3);
      return head.substr(start, head.find("\r\n", start) - start);
    }
    json json_body() const { return json::parse(body, nullptr, false); }
  };

  // Reads one response; a HEAD response or 1xx has no body.
  reply read(bool head_request = false) {
    reply r;
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return r;
    }
    r.head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    if (r.head.size() < 12) return r;
    r.status = std::stoi(r.head.substr(9, 3));
    const std::string length = r.header("Content-Length");
    if (!head_request && r.status >= 200 && !length.empty()) {
      const auto n = std::stoul(length);
      while (buffer_.size() < n) {
        if (!fill()) return r;
      }
      r.body = buffer_.substr(0, n);
      buffer_.erase(0, n);
    }
    return r;
  }

  // True if the server closed the connection (EOF or reset) with nothing more to read.
  bool closed_by_server() {
    if (!buffer_.empty()) return false;
    char c;
    const auto n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  int fd() const { return fd_; }

 private:
  bool fill() {
    char buf[16384];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  std::string buffer_;
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
}

class http_transport_test : public ::testing::Test {
 protected:
  void SetUp() override { start({"127.0.0.1", 0}); }

  void start(rs::server_config config) {
    srv.reset();
    srv = std::make_unique<rs::server>(std::move(config));
    auto bound = srv->start();
    ASSERT_TRUE(bound) << bound.error().message;
    port = *bound;
  }

  // One request on a new connection.
  socket_client::reply once(const std::string& raw) {
    socket_client c(port);
    EXPECT_TRUE(c.connected());
    c.send(raw);
    return c.read(raw.starts_with("HEAD"));
  }

  void expect_healthy() {
    const auto r = once(get("/healthz"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{}");
  }

  std::unique_ptr<rs::server> srv;
  std::uint16_t port = 0;
};

struct framing_case {
  const char* name;
  std::string raw;
  int status;
};

TEST_F(http_transport_test, bad_framing_is_refused_and_the_connection_closed) {
  const std::string post =
      "POST /subjects/s/versions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  const std::vector<framing_case> cases{
      {"two different Content-Length values", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
       400},
      {"Content-Length list with two values", post + "Content-Length: 5, 6\r\n\r\nhello!", 400},
      {"Content-Length and Transfer-Encoding",
       post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"final transfer coding not chunked", post + "Transfer-Encoding: gzip\r\n\r\nabc", 400},
      {"chunked twice", post + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400},
      {"a coding before chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"negative Content-Length", post + "Content-Length: -1\r\n\r\n", 400},
      {"header line without colon", get("/", "X-Broken header\r\n"), 400},
      {"whitespace before colon", get("/", "X-Space : a\r\n"), 400},
      {"NUL in a value", get("/", std::string("X-Nul: a\0b\r\n", 12)), 400},
      {"CR in a value", get("/", "X-Cr: a\rb\r\n"), 400},
      {"control character in a value", get("/", "X-Ctl: a\x01z\r\n"), 400},
      {"obs-fold", get("/", "X-Fold: a\r\n  b\r\n"), 400},
      {"bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400},
      {"request line without version", "GET /\r\nHost: x\r\n\r\n", 400},
      {"double space in request line", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"target not a path", "GET subjects HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"non-ASCII in target", "GET /subjects/\xff HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"missing Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"unknown HTTP version", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
      {"malformed version", "GET / HTTX/1.1\r\nHost: x\r\n\r\n", 400},
      {"bad chunk size", post + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400},
      {"request line over 8 KiB", get("/" + std::string(9000, 'a')), 414},
      {"header section over 16 KiB", get("/", "X-Big: " + std::string(17000, 'b') + "\r\n"), 431},
      {"Content-Length over the body limit", post + "Content-Length: 9000000\r\n\r\n", 413},
      {"Content-Length too large for any integer", post + "Content-Length: 99999999999999999999999\r\n\r\n",
       413},
      {"unknown expectation", post + "Content-Length: 2\r\nExpect: something\r\n\r\n{}", 417},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    socket_client client(port);
    ASSERT_TRUE(client.connected());
    client.send(c.raw);
    const auto r = client.read();
    EXPECT_EQ(r.status, c.status) << r.head << r.body;
    EXPECT_EQ(r.json_body()["error_code"], c.status) << r.body;
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(client.closed_by_server());
  }
  // The 413 says what Confluent says.
  socket_client client(port);
  client.send(post + "Content-Length: 9000000\r\n\r\n");
  EXPECT_EQ(client.read().json_body(),
            (json{{"error_code", 413}, {"message", "Request body is larger than 8388608 bytes"}}));
  expect_healthy();
  // Identical duplicate Content-Lengths are one length.
  const auto r = once("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(r.status, 200);
}

TEST_F(http_transport_test, chunked_bodies_are_decoded_and_bounded) {
  start([] {
    rs::server_config c{"127.0.0.1", 0};
    c.max_body_bytes = 64 * 1024;
    return c;
  }());
  const std::string head =
      "POST /subjects/s/versions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  // A chunked body within the limit, split in chunks with an extension and a trailer.
  const std::string body = json{{"schema", record_schema}}.dump();
  std::string chunked;
  for (std::size_t i = 0; i < body.size(); i += 10) {
    const auto piece = body.substr(i, 10);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    chunked += std::string(size) + (i == 0 ? ";ext=1" : "") + "\r\n" + piece + "\r\n";
  }
  chunked += "0\r\nX-Trailer: t\r\n\r\n";
  auto r = once(head + chunked);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_body(), (json{{"id", 1}}));

  // One chunk declared larger than the limit: refused before any of it is read.
  r = once(head + "100000\r\n" + std::string(100, 'x'));
  EXPECT_EQ(r.status, 413);

  // Many small chunks past the limit: 413, and the server stops reading — the client cannot send
  // 64 MiB into a connection the server has given up on (httplib read it all into memory).
  socket_client client(port);
  ASSERT_TRUE(client.send(head));
  const std::string chunk = "1000\r\n" + std::string(0x1000, 'y') + "\r\n";
  std::size_t sent = 0;
  const std::size_t total = 64u << 20;
  while (sent < total && client.send(chunk)) sent += chunk.size();
  EXPECT_LT(sent, total);
  const auto refused = client.read();
  if (refused.status != 0) {
    EXPECT_EQ(refused.status, 413);  // the answer may be lost to the reset
  }
  expect_healthy();
}

TEST_F(http_transport_test, keep_alive_pipelining_http10_and_head) {
  ASSERT_EQ(once("POST /subjects/k/versions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                 std::to_string(json{{"schema", record_schema}}.dump().size()) + "\r\n\r\n" +
                 json{{"schema", record_schema}}.dump())
                .status,
            200);
  {
    socket_client c(port);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(c.send(get("/subjects")));
      const auto r = c.read();
      EXPECT_EQ(r.status, 200);
      EXPECT_EQ(r.json_body(), json::array({"k"}));
      EXPECT_EQ(r.header("Connection"), "");
    }
    // Two requests in one write are answered in order.
    ASSERT_TRUE(c.send(get("/subjects/k/versions") + get("/schemas/ids/1")));
    EXPECT_EQ(c.read().json_body(), json::array({1}));
    EXPECT_EQ(c.read().json_body(), (json{{"schema", record_schema}}));
    // HEAD: the headers of GET, no body; the next response on the connection is intact.
    ASSERT_TRUE(c.send("HEAD /subjects HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto head = c.read(true);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Length"), "5");
    ASSERT_TRUE(c.send(get("/subjects", "Connection: close\r\n")));
    const auto last = c.read();
    EXPECT_EQ(last.json_body(), json::array({"k"}));
    EXPECT_EQ(last.header("Connection"), "close");
    EXPECT_TRUE(c.closed_by_server());
  }
  {
    // HTTP/1.0: closed after the answer unless keep-alive is asked for.
    socket_client c(port);
    ASSERT_TRUE(c.send("GET /subjects HTTP/1.0\r\n\r\n"));
    EXPECT_EQ(c.read().status, 200);
    EXPECT_TRUE(c.closed_by_server());
  }
  {
    socket_client c(port);
    ASSERT_TRUE(c.send("GET /subjects HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    const auto r = c.read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Connection"), "keep-alive");
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.0\r\n\r\n"));
    EXPECT_EQ(c.read().status, 200);
  }
}

TEST_F(http_transport_test, expect_100_continue) {
  const std::string body = json{{"schema", record_schema}}.dump();
  socket_client c(port);
  ASSERT_TRUE(
      c.send("POST /subjects/e/versions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n"));
  const auto interim = c.read();
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.send(body));
  const auto final_answer = c.read();
  EXPECT_EQ(final_answer.status, 200);
  EXPECT_EQ(final_answer.json_body(), (json{{"id", 1}}));
  // Refused before the body is sent: the final status, no 100.
  socket_client refused(port);
  ASSERT_TRUE(
      refused.send("POST /subjects/e/versions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
                   "99999999\r\n\r\n"));
  EXPECT_EQ(refused.read().status, 413);
  EXPECT_TRUE(refused.closed_by_server());
}

TEST_F(http_transport_test, slow_clients_do_not_starve_the_server) {
  // More slowloris connections than httplib had threads, each sending one header line a second.
  constexpr int slow = 200;
  std::vector<std::unique_ptr<socket_client>> held;
  for (int i = 0; i < slow; ++i) {
    held.push_back(std::make_unique<socket_client>(port));
    ASSERT_TRUE(held.back()->connected());
    ASSERT_TRUE(held.back()->send("GET /subjects HTTP/1.1\r\nHost: x\r\n"));
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    for (int round = 0; round < 3 && !done; ++round) {
      for (auto& c : held) c->send("X-Slow: " + std::to_string(round) + "\r\n");
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  });
  for (int i = 0; i < 5; ++i) {
    expect_healthy();
    EXPECT_EQ(once(get("/subjects")).status, 200);
  }
  done = true;
  trickle.join();
  // The held requests are still served once they complete.
  ASSERT_TRUE(held.front()->send("\r\n"));
  EXPECT_EQ(held.front()->read().status, 200);
}

TEST_F(http_transport_test, slow_header_gets_408_and_idle_connection_is_closed) {
  start([] {
    rs::server_config c{"127.0.0.1", 0};
    c.header_timeout = std::chrono::milliseconds(300);
    c.idle_timeout = std::chrono::milliseconds(300);
    return c;
  }());
  socket_client slow(port);
  ASSERT_TRUE(slow.send("GET /subjects HTTP/1.1\r\nHost: x\r\n"));  // and never the blank line
  const auto r = slow.read();
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(r.json_body()["error_code"], 408);
  EXPECT_TRUE(slow.closed_by_server());

  socket_client idle(port);
  ASSERT_TRUE(idle.send(get("/subjects")));
  EXPECT_EQ(idle.read().status, 200);
  EXPECT_TRUE(idle.closed_by_server());  // after the idle timeout, without a response
  expect_healthy();
}

TEST_F(http_transport_test, connections_past_the_limit_are_closed) {
  start([] {
    rs::server_config c{"127.0.0.1", 0};
    c.max_connections = 4;
    return c;
  }());
  std::vector<std::unique_ptr<socket_client>> open;
  for (int i = 0; i < 4; ++i) {
    open.push_back(std::make_unique<socket_client>(port));
    ASSERT_TRUE(open.back()->send(get("/subjects")));
    ASSERT_EQ(open.back()->read().status, 200);  // accepted and kept alive
  }
  socket_client extra(port);
  extra.send(get("/subjects"));
  EXPECT_EQ(extra.read().status, 0);
  open.clear();
  // Once they are gone, new connections are served again.
  int status = 0;
  for (int attempt = 0; attempt < 200 && status != 200; ++attempt) {
    status = once(get("/healthz")).status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(http_transport_test, a_taken_port_is_refused) {
  rs::server second{{"127.0.0.1", port}};
  const auto bound = second.start();
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().message, "registry server: cannot listen on 127.0.0.1:" + std::to_string(port) +
                                       ": address already in use (is another registry running?)");
  expect_healthy();
}

TEST_F(http_transport_test, invalid_utf8_in_a_subject_becomes_u_fffd) {
  const std::string body = json{{"schema", record_schema}}.dump();
  const auto reg = once("POST /subjects/bad%FF%C3/versions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(reg.status, 200) << reg.body;
  const auto list = once(get("/subjects"));
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.json_body(), json::array({"bad\xEF\xBF\xBD\xEF\xBF\xBD"}));
  EXPECT_EQ(once(get("/schemas")).status, 200);
  EXPECT_EQ(once(get("/subjects?deleted=true&subjectPrefix=%FE")).status, 200);
  // The replaced name is the subject's name from now on.
  EXPECT_EQ(once(get("/subjects/bad%EF%BF%BD%EF%BF%BD/versions")).json_body(), json::array({1}));
}

TEST_F(http_transport_test, authentication_guards_all_but_the_probes) {
  start([] {
    rs::server_config c{"127.0.0.1", 0};
    c.basic_auth = "alice:s3cret";
    return c;
  }());
  auto r = once(get("/subjects"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json_body(), (json{{"error_code", 401}, {"message", "Unauthorized"}}));
  EXPECT_EQ(r.header("WWW-Authenticate"), "Basic realm=\"kavro-registry\"");
  EXPECT_EQ(once(get("/nothing")).status, 401);  // unknown paths too: nothing is revealed
  EXPECT_EQ(once(get("/subjects", "Authorization: Basic YWxpY2U6d3Jvbmc=\r\n")).status, 401);
  EXPECT_EQ(once(get("/subjects", "Authorization: Basic YWxpY2U6czNjcmV0\r\n")).status, 200);
  EXPECT_EQ(once(get("/healthz")).status, 200);
  EXPECT_EQ(once(get("/readyz")).status, 200);
}

TEST_F(http_transport_test, tls_round_trip) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl command";
  const auto dir = std::filesystem::temp_directory_path() / ("kavro-http-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " +
                          key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  start([&] {
    rs::server_config c{"127.0.0.1", 0};
    c.tls_cert_file = cert;
    c.tls_key_file = key;
    return c;
  }());
  httplib::SSLClient client("127.0.0.1", port);
  client.enable_server_certificate_verification(false);
  const std::string body = json{{"schema", record_schema}}.dump();
  auto res = client.Post("/subjects/t/versions", body, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = client.Get("/subjects");
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body), json::array({"t"}));
  // Plain HTTP to the TLS port is not served.
  EXPECT_EQ(once(get("/healthz")).status, 0);
  std::filesystem::remove_all(dir);
}

// The bare transport: health is answered on the I/O thread while every worker is blocked.
TEST(http_transport_bare, health_is_answered_while_every_worker_is_busy) {
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> blocked{0};
  http::server_options o;
  o.host = "127.0.0.1";
  o.worker_threads = 2;
  http::server srv(
      o,
      [&](http::request&) {
        ++blocked;
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return release; });
        return http::response{200, {}, "slow"};
      },
      [](const http::request& r) -> std::optional<http::response> {
        if (r.target == "/healthz") return http::response{200, {}, "ok"};
        return std::nullopt;
      });
  auto port = srv.start();
  ASSERT_TRUE(port);
  std::vector<std::unique_ptr<socket_client>> busy;
  for (int i = 0; i < 3; ++i) {  // two occupy the workers, one waits in the queue
    busy.push_back(std::make_unique<socket_client>(*port));
    ASSERT_TRUE(busy.back()->send(get("/slow")));
  }
  while (blocked < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  socket_client health(*port);
  ASSERT_TRUE(health.send(get("/healthz")));
  const auto r = health.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  for (auto& c : busy) EXPECT_EQ(c->read().body, "slow");
  srv.stop();
}

// The parser gives the same answer however the input is split.
TEST(http_request_parser, byte_at_a_time_equals_all_at_once) {
  const std::vector<std::string> inputs{
      "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n",
      "\r\nPOST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
      "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n2\r\nde\r\n0\r\nT: "
      "1\r\n\r\n",
      "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nX: a\x01\r\n\r\n",
  };
  for (const auto& in : inputs) {
    SCOPED_TRACE(in);
    std::size_t used = 0;
    const auto whole = http::parse_request(in, {}, &used);
    http::request_parser p;
    for (char c : in) {
      if (p.current() != http::request_parser::state::need_more &&
          p.current() != http::request_parser::state::head_done)
        break;
      p.feed(std::string_view(&c, 1));
    }
    if (whole) {
      EXPECT_EQ(used, in.size());
      ASSERT_EQ(p.current(), http::request_parser::state::complete);
      EXPECT_EQ(p.get().method, whole->method);
      EXPECT_EQ(p.get().target, whole->target);
      EXPECT_EQ(p.get().body, whole->body);
    } else {
      ASSERT_EQ(p.current(), http::request_parser::state::failed);
      EXPECT_EQ(p.error().status, whole.error().status);
    }
  }
  auto chunked = http::parse_request(inputs[2], {});
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->body, "abcde");
  EXPECT_FALSE(chunked->headers.contains("T"));  // trailers are not headers
  EXPECT_EQ(http::parse_request(inputs[3], {})->target, "/x?y");
}

// The fuzzer's seeds and any crash it once found (fuzz/regressions/http-*), replayed under GCC and
// the sanitizers: whole and one byte at a time, the parser ends the same way.
TEST(http_request_parser, replays_the_fuzz_corpus) {
  std::size_t n = 0;
  const http::limits small{256, 512, 1024};
  for (const char* sub : {"corpus/http", "regressions"}) {
    const auto dir = std::filesystem::path(KAVRO_FUZZ_DIR) / sub;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (!e.is_regular_file() ||
          (std::string_view(sub) == "regressions" && !e.path().filename().string().starts_with("http-")))
        continue;
      SCOPED_TRACE(e.path().string());
      std::ifstream f(e.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      const std::string_view in =
          std::string_view(bytes).substr(bytes.empty() ? 0 : 1);  // byte 0 picks the cut
      const auto whole = http::parse_request(in, small);
      http::request_parser p(small);
      for (char c : in) {
        if (p.current() != http::request_parser::state::need_more &&
            p.current() != http::request_parser::state::head_done)
          break;
        p.feed(std::string_view(&c, 1));
      }
      EXPECT_EQ(whole.has_value(), p.current() == http::request_parser::state::complete);
      if (whole) {
        EXPECT_LE(whole->body.size(), small.max_body_bytes);
      }
      ++n;
    }
  }
  EXPECT_GE(n, 4u);  // the seeds at least
}

}  // namespace
