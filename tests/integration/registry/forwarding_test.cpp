// Forwarding between registry instances on one `_schemas` topic: an instance never forwards a write
// to its own URL (the group may still name a dead predecessor on the same address as leader), and a
// forwarded write that reaches a non-leader is refused rather than forwarded again.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>

#include "kafka_fixture.hpp"
#include "kavro/registry_server/server.hpp"

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace rs = kavro::registry_server;
const std::string schema_body =
    json{{"schema", R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})"}}.dump();

std::string unique_topic() {
  std::random_device rd;
  return "_schemas-fwd-" + std::to_string(rd()) + std::to_string(rd());
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::unique_ptr<rs::server> start(const std::string& topic, std::uint16_t port, const std::string& advertised,
                                  std::uint16_t& bound) {
  rs::server_config config{"127.0.0.1", port};
  rs::kafka_store_config k;
  k.bootstrap = kavro::testing::fixture_bootstrap();
  k.topic = topic;
  k.timeout = 60s;
  config.kafka = k;
  config.advertised_url = advertised;
  auto srv = std::make_unique<rs::server>(config);
  auto p = srv->start();
  if (!p) throw std::runtime_error(p.error().message);
  bound = *p;
  return srv;
}

httplib::Result post(std::uint16_t port, const httplib::Headers& headers = {}) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(120, 0);
  return c.Post("/subjects/s/versions", headers, schema_body, "application/vnd.schemaregistry.v1+json");
}

TEST(registry_forwarding, never_forwards_to_its_own_url) {
  // Both instances go by the same URL, as a restarted process on the same address does while the
  // group still remembers its predecessor: the leader writes, the follower must not forward.
  const std::string topic = unique_topic();
  const std::uint16_t p = free_port();
  std::uint16_t a_port = 0, b_port = 0;
  auto a = start(topic, 0, "http://127.0.0.1:" + std::to_string(p), a_port);
  auto b = start(topic, p, "", b_port);
  ASSERT_EQ(b_port, p);
  // b's start() returns once it sees a leader, possibly while the group is still rebalancing; the
  // partition (the leadership) may then move to b. Let the election settle first, so "the other one"
  // is well defined: a leader that changes mid-test legitimately answers both writes itself.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  auto ra = post(a_port);
  auto rb = post(b_port);
  ASSERT_TRUE(ra);
  ASSERT_TRUE(rb);
  const auto& leader = ra->status == 200 ? ra : rb;
  const auto& follower = ra->status == 200 ? rb : ra;
  EXPECT_EQ(leader->status, 200) << leader->body;
  EXPECT_EQ(follower->status, 500) << follower->body;
  const auto body = json::parse(follower->body, nullptr, false);
  EXPECT_EQ(body["error_code"], 50004);
  EXPECT_TRUE(body["message"].get<std::string>().starts_with("Request failed since leader is unknown"))
      << body;
}

TEST(registry_forwarding, a_forwarded_write_is_not_forwarded_again) {
  const std::string topic = unique_topic();
  std::uint16_t a_port = 0, b_port = 0;
  auto a = start(topic, 0, "", a_port);
  auto b = start(topic, 0, "", b_port);
  const httplib::Headers hop{{"X-Kavro-Forwarded-By", "http://elsewhere:8081"}};
  auto ra = post(a_port, hop);
  auto rb = post(b_port, hop);
  ASSERT_TRUE(ra);
  ASSERT_TRUE(rb);
  const auto& leader = ra->status == 200 ? ra : rb;
  const auto& follower = ra->status == 200 ? rb : ra;
  EXPECT_EQ(leader->status, 200) << leader->body;
  EXPECT_EQ(follower->status, 500) << follower->body;
  const auto body = json::parse(follower->body, nullptr, false);
  EXPECT_EQ(body["error_code"], 50003);
  EXPECT_TRUE(body["message"].get<std::string>().starts_with(
      "Error while forwarding the request to the leader: the request was already forwarded by "
      "http://elsewhere:8081"))
      << body;
  // Without the header the follower forwards as before.
  auto plain = post(ra->status == 200 ? b_port : a_port);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200) << plain->body;
}

}  // namespace
