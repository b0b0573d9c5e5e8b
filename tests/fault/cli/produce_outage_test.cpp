// `kavro produce --input -` through a broker outage (SIGSTOP) longer than delivery.timeout.ms (set with -X):
// it keeps reading its input, every line gets exactly one outcome, and the summary accounts for every line
// (delivered + failed + rejected + not sent = lines), with a non-zero exit since some failed.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "cli_process.hpp"
#include "fault_support.hpp"
#include "kavro/registry_server/server.hpp"

namespace {

using namespace std::chrono_literals;

std::string order_lines(int first, int n) {
  std::string out;
  for (int i = first; i < first + n; ++i) {
    out += R"({"order_id": )" + std::to_string(i) + R"(, "product": "Lamp", "price": 9.5})" + "\n";
  }
  return out;
}

// The partition's high watermark: how many messages the broker has.
std::int64_t high_watermark(const std::string& bootstrap, const std::string& topic) {
  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  std::int64_t lo = -1, hi = -1;
  if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), 0, &lo, &hi, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    hi = -1;
  rd_kafka_destroy(rk);
  return hi;
}

TEST(produce_outage, a_broker_outage_longer_than_the_delivery_timeout_accounts_for_every_input_line) {
  const std::string topic = kavro::fault::unique("orders-outage");
  kavro::fault::private_broker broker;
  kavro::registry_server::server registry({"127.0.0.1", 0});
  auto port = registry.start();
  ASSERT_TRUE(port) << port.error().message;

  constexpr int lines = 1000, before = 10;
  kavro::testing::cli_process produce(
      kavro::testing::cli_binary(KAVRO_CLI),
      {"produce", "--bootstrap", broker.bootstrap(), "--registry",
       "http://127.0.0.1:" + std::to_string(*port), "--topic", topic, "--partitions", "1", "--input", "-",
       // a short delivery timeout and a small queue: the outage outlasts the one and fills the other. A
       // request in flight to the paused broker times out after request.timeout.ms, later than the
       // delivery timeout (as librdkafka's 30 s against kavro's 30 s do): the queue-full wait must allow it
       "-X", "delivery.timeout.ms=2000", "-X", "request.timeout.ms=3000", "-X",
       "queue.buffering.max.messages=100", "-X", "linger.ms=0"},
      true);
  ASSERT_TRUE(produce.write_stdin(order_lines(1, before)));
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (high_watermark(broker.bootstrap(), topic) < before) {
    ASSERT_TRUE(produce.running()) << produce.out() << produce.err();
    ASSERT_LT(std::chrono::steady_clock::now(), until)
        << "the first lines were never delivered: " << produce.err();
    std::this_thread::sleep_for(50ms);
  }

  // Paused for several delivery timeouts while the rest of the input arrives; then back.
  broker.pause();
  bool written = false;
  std::thread writer([&] {
    written = produce.write_stdin(order_lines(before + 1, lines - before));
    produce.close_stdin();
  });
  struct joiner {
    std::thread& t;
    ~joiner() { t.join(); }
  } join_writer{writer};
  std::this_thread::sleep_for(8s);
  broker.resume();
  const auto e = produce.wait(180s);
  ASSERT_TRUE(e.exited) << "still running after 180 s: " << produce.err();

  const std::string out = produce.out(), err = produce.err();
  std::smatch m;
  const std::regex summary(
      "lines ([0-9]+): delivered ([0-9]+), failed ([0-9]+), rejected ([0-9]+), not sent ([0-9]+)");
  ASSERT_TRUE(std::regex_search(out, m, summary)) << out << err.substr(0, 4000);
  const long long total = std::stoll(m[1]), delivered = std::stoll(m[2]), failed = std::stoll(m[3]),
                  rejected = std::stoll(m[4]), not_sent = std::stoll(m[5]);
  EXPECT_TRUE(written) << "produce stopped reading its input";
  EXPECT_EQ(total, lines);
  EXPECT_EQ(delivered + failed + rejected + not_sent, total) << out;
  EXPECT_EQ(rejected, 0);
  EXPECT_EQ(not_sent, 0) << "produce stopped instead of going on: " << err.substr(0, 4000);
  EXPECT_GT(failed, 0) << "the outage outlasted the delivery timeout: some lines must have failed";
  EXPECT_GE(delivered, before);
  EXPECT_EQ(e.code, 1) << "lines failed: the exit must say so";
  // Every line reported delivered is on the broker (a failed one may be too: written, its answer lost).
  EXPECT_GE(high_watermark(broker.bootstrap(), topic), delivered);

  // And when it cannot go on (here: the registry is gone, so nothing can be framed), it stops at once,
  // says where, and still accounts for every line: those it did not read are counted as not sent.
  registry.stop();
  const auto input = std::filesystem::temp_directory_path() / kavro::fault::unique("kavro-produce-input");
  {
    std::ofstream f(input);
    f << order_lines(2001, 20) << "\n" << order_lines(2021, 30);  // a blank line is not a line of input
  }
  kavro::testing::cli_process stopped(
      kavro::testing::cli_binary(KAVRO_CLI),
      {"produce", "--bootstrap", broker.bootstrap(), "--registry",
       "http://127.0.0.1:" + std::to_string(*port), "--topic", topic, "--input", input.string(),
       // the start-up check would stop it before the first line; this is about stopping at a line
       "--startup-timeout-ms", "0"});
  const auto e2 = stopped.wait(120s);
  std::filesystem::remove(input);
  ASSERT_TRUE(e2.exited) << stopped.err();
  EXPECT_EQ(e2.code, 1);
  EXPECT_NE(stopped.out().find("lines 50: delivered 0, failed 0, rejected 0, not sent 50"), std::string::npos)
      << stopped.out() << stopped.err();
  EXPECT_NE(
      stopped.err().find("stopped at " + input.string() + ":1; 50 record(s) from there on were not sent"),
      std::string::npos)
      << stopped.err();

  std::cout << "FAULT-RESULT kavro produce: broker SIGSTOPped 8 s, delivery.timeout.ms 2000, " << lines
            << " lines: delivered " << delivered << ", failed " << failed << ", not sent " << not_sent
            << ", exit " << e.code << "; registry gone: 50 of 50 lines not sent, exit 1" << std::endl;
}

}  // namespace
