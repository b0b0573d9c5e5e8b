// librdkafka's log lines arrive through kavro::log with their level mapped (a real client handle).
#include "kavro/kafka/log_bridge.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

namespace {

TEST(log_bridge, librdkafka_lines_come_through_kavro_log) {
  std::mutex m;
  std::vector<std::string> lines;
  kavro::log::set_level(kavro::log::level::debug);
  kavro::log::set_sink([&](std::string_view l) {
    std::lock_guard lock(m);
    lines.emplace_back(l);
  });
  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  kavro::kafka::route_logs(conf);
  ASSERT_EQ(rd_kafka_conf_set(conf, "client.id", "bridge-test", errstr, sizeof errstr), RD_KAFKA_CONF_OK);
  // "generic" debug lines are logged (severity 7) while the handle is created, with no broker needed.
  ASSERT_EQ(rd_kafka_conf_set(conf, "debug", "generic", errstr, sizeof errstr), RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  ASSERT_NE(rk, nullptr) << errstr;
  rd_kafka_destroy(rk);
  kavro::log::set_sink({});
  kavro::log::set_level(kavro::log::level::info);
  ASSERT_FALSE(lines.empty());
  std::size_t debug = 0;
  for (const auto& l : lines) {
    if (l.find(" DEBUG ") != std::string::npos) ++debug;
    // No bootstrap.servers: librdkafka warns at severity 5 (notice), which is info.
    if (l.find("facility=CONFWARN") != std::string::npos) {
      EXPECT_NE(l.find(" INFO  "), std::string::npos) << l;
    }
    EXPECT_NE(l.find(" source=librdkafka client=bridge-test#producer-"), std::string::npos) << l;
    EXPECT_NE(l.find(" facility="), std::string::npos) << l;
  }
  EXPECT_GT(debug, 0u) << "severity 7 (debug) lines map to DEBUG";
}

TEST(log_bridge, below_the_threshold_nothing_is_formatted) {
  std::vector<std::string> lines;
  kavro::log::set_sink([&](std::string_view l) { lines.emplace_back(l); });
  kavro::kafka::rdkafka_log_callback(nullptr, 7, "FAC", "debug line");  // info threshold: dropped
  kavro::kafka::rdkafka_log_callback(nullptr, 3, "FAC", "an error");
  kavro::log::set_sink({});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" ERROR an error source=librdkafka client=\"\" facility=FAC"), std::string::npos)
      << lines[0];
}

}  // namespace
