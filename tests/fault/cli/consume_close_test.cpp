// `kavro consume` stopped (SIGTERM) after every broker is gone: it must end, not wait for ever in
// rd_kafka_consumer_close() for a group coordinator that no longer exists.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "cli_process.hpp"
#include "fault_support.hpp"
#include "kavro/registry_server/server.hpp"

namespace {

using namespace std::chrono_literals;

TEST(consume_close, sigterm_after_every_broker_is_gone_ends_the_process) {
  const std::string topic = kavro::fault::unique("orders-close");
  kavro::fault::private_broker broker;
  kavro::registry_server::server registry({"127.0.0.1", 0});
  auto port = registry.start();
  ASSERT_TRUE(port) << port.error().message;
  const std::string url = "http://127.0.0.1:" + std::to_string(*port);
  const auto cli = kavro::testing::cli_binary(KAVRO_CLI);

  kavro::testing::cli_process produce(cli, {"produce", "--bootstrap", broker.bootstrap(), "--registry", url,
                                            "--topic", topic, "--count", "3", "--partitions", "1"});
  const auto p = produce.wait(120s);
  ASSERT_TRUE(p.exited && p.code == 0) << produce.out() << produce.err();

  const auto db = std::filesystem::temp_directory_path() / kavro::fault::unique("kavro-close-db");
  kavro::testing::cli_process consume(
      cli, {"consume", "--bootstrap", broker.bootstrap(), "--registry", url, "--topic", topic, "--group",
            kavro::fault::unique("g-close"), "--db", db.string(), "--batch", "1", "--print"});
  // The printed orders show the member joined, was assigned the partition and talks to the coordinator.
  const auto until = std::chrono::steady_clock::now() + 120s;
  while (consume.out().find("\"order_id\"") == std::string::npos) {
    ASSERT_TRUE(consume.running()) << consume.err();
    ASSERT_LT(std::chrono::steady_clock::now(), until) << "no order consumed: " << consume.err();
    std::this_thread::sleep_for(100ms);
  }

  broker.kill();
  std::this_thread::sleep_for(2s);  // the consumer notices the connections are gone
  consume.signal(SIGTERM);
  const auto e = consume.wait(90s);
  std::filesystem::remove(db);
  ASSERT_TRUE(e.exited) << "still running 90 s after SIGTERM with the broker gone (signal " << e.signal
                        << "): " << consume.err().substr(0, 4000);
  EXPECT_TRUE(e.code == 0 || e.code == 1) << e.code << consume.err().substr(0, 4000);
}

}  // namespace
