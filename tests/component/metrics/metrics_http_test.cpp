// The consume/produce /metrics endpoint on a real loopback socket: the page, 404 and 400 answers, an
// oversize request head refused with 431, a silent client dropped with 408 after the read timeout,
// and librdkafka's statistics reaching the sink from a real client handle.
#include "kavro/metrics_http.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "kavro/client_statistics.hpp"
#include "kavro/config_error.hpp"
#include "rdkafka_handles.hpp"

namespace {

using namespace std::chrono_literals;

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// Sends `request` (possibly nothing) and reads the whole answer until the server closes.
std::string exchange(std::uint16_t port, const std::string& request) {
  const int fd = connect_to(port);
  if (!request.empty()) ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

std::string status_line(const std::string& answer) {
  return answer.substr(0, answer.find("\r\n"));
}

TEST(metrics_http_endpoint, serves_the_page_and_refuses_the_rest) {
  std::atomic<int> scrapes{0};
  kavro::metrics::http_endpoint ep({.host = "127.0.0.1", .port = 0},
                                   [&] { return "kavro_scrapes_total " + std::to_string(++scrapes) + "\n"; });
  ASSERT_NE(ep.port(), 0);
  EXPECT_EQ(ep.url(), "http://127.0.0.1:" + std::to_string(ep.port()) + "/metrics");

  const auto ok = exchange(ep.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_line(ok), "HTTP/1.1 200 OK");
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), std::string::npos);
  EXPECT_TRUE(ok.ends_with("\r\n\r\nkavro_scrapes_total 1\n")) << ok;

  const auto missing = exchange(ep.port(), "GET /other HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_line(missing), "HTTP/1.1 404 Not Found");
  EXPECT_TRUE(missing.ends_with("not found: only /metrics is served\n")) << missing;
  EXPECT_EQ(status_line(exchange(ep.port(), "BREW /metrics\r\n\r\n")), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(scrapes.load(), 1) << "only the one GET /metrics built the page";

  const auto head = exchange(ep.port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_line(head), "HTTP/1.1 200 OK");
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << "HEAD answers without the body: " << head;
}

TEST(metrics_http_endpoint, an_oversize_request_head_is_refused_unread) {
  kavro::metrics::http_endpoint ep({.host = "127.0.0.1", .port = 0, .max_request_bytes = 1024},
                                   [] { return std::string("x 1\n"); });
  const std::string huge = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  const auto answer = exchange(ep.port(), huge);
  EXPECT_EQ(status_line(answer), "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_TRUE(answer.ends_with("request head longer than 1024 bytes\n")) << answer;
  // and the endpoint still serves the next client
  EXPECT_EQ(status_line(exchange(ep.port(), "GET /metrics HTTP/1.1\r\n\r\n")), "HTTP/1.1 200 OK");
}

TEST(metrics_http_endpoint, a_silent_client_is_dropped_after_the_read_timeout) {
  kavro::metrics::http_endpoint ep({.host = "127.0.0.1", .port = 0, .read_timeout = 200ms},
                                   [] { return std::string("x 1\n"); });
  const int silent = connect_to(ep.port());  // sends nothing
  std::string out;
  char buf[1024];
  for (ssize_t n; (n = ::recv(silent, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(silent);
  EXPECT_EQ(status_line(out), "HTTP/1.1 408 Request Timeout");
  EXPECT_EQ(status_line(exchange(ep.port(), "GET /metrics HTTP/1.1\r\n\r\n")), "HTTP/1.1 200 OK");
}

TEST(metrics_http_endpoint, a_bad_address_or_busy_port_is_a_config_error_naming_it) {
  EXPECT_THROW(kavro::metrics::http_endpoint({.host = "not-an-ip", .port = 0}, [] { return std::string(); }),
               kavro::config_error);
  kavro::metrics::http_endpoint first({.host = "127.0.0.1", .port = 0}, [] { return std::string(); });
  try {
    kavro::metrics::http_endpoint second({.host = "127.0.0.1", .port = first.port()},
                                         [] { return std::string(); });
    FAIL() << "a second endpoint on a busy port";
  } catch (const kavro::config_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port()) + ": cannot listen"),
              std::string::npos)
        << e.what();
  }
}

// A real producer handle (its broker never answers) reports its queue through the sink.
TEST(statistics_bridge, a_client_made_by_make_conf_delivers_parsed_statistics) {
  std::mutex m;
  std::optional<kavro::metrics::client_statistics> last;
  kavro::metrics::set_statistics_sink([&](std::string_view json) {
    auto s = kavro::metrics::parse_client_statistics(json);
    ASSERT_TRUE(s) << s.error().message;
    std::lock_guard lock(m);
    last = *s;
  });
  auto conf = kavro::rdk::make_conf(
      {{"bootstrap.servers", "127.0.0.1:1"}, {"statistics.interval.ms", "100"}, {"log_level", "0"}});
  ASSERT_TRUE(conf) << conf.error().message;
  auto rk = kavro::rdk::make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  ASSERT_TRUE(rk) << rk.error().message;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(rd_kafka_producev(rk->get(), RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_VALUE(const_cast<char*>("v"), 1),
                                RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  std::int64_t queued = -1;
  for (int i = 0; i < 100 && queued != 3; ++i) {
    rd_kafka_poll(rk->get(), 50);  // statistics are served by poll, on this thread
    std::lock_guard lock(m);
    if (last) queued = last->queued_messages;
  }
  kavro::metrics::set_statistics_sink(nullptr);
  EXPECT_EQ(queued, 3);
  std::lock_guard lock(m);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->type, "producer");
  rd_kafka_purge(rk->get(), RD_KAFKA_PURGE_F_QUEUE);
}

}  // namespace
