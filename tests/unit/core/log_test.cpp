// kavro::log: the text and JSON line formats, level filtering and the syslog mapping.
#include "kavro/log.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace log = kavro::log;

// Lines with their timestamp replaced by "T", so they can be compared exactly.
std::string untimed(std::string line) {
  static const std::regex ts(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  return std::regex_replace(line, ts, "T");
}

TEST(log, text_line) {
  EXPECT_EQ(
      untimed(log::format_line(log::level::info, "request",
                               {{"method", "GET"},
                                {"path", "/subjects/{subject}"},
                                {"status", 200},
                                {"latency_ms", 1.25},
                                {"ok", true},
                                {"who", "a b"},
                                {"empty", ""}},
                               log::format::text)),
      "T INFO  request method=GET path=/subjects/{subject} status=200 latency_ms=1.25 ok=true who=\"a b\" "
      "empty=\"\"\n");
  EXPECT_EQ(
      untimed(log::format_line(log::level::warn, "two\nlines", {{"q", "say \"x\"=1"}}, log::format::text)),
      "T WARN  two\\nlines q=\"say \\\"x\\\"=1\"\n");
}

TEST(log, json_line_escapes_everything) {
  EXPECT_EQ(
      untimed(log::format_line(log::level::error, "bad \"thing\"\n",
                               {{"path", "/a\\b"},
                                {"n", -3},
                                {"big", 18446744073709551615ull},
                                {"ctl", "\x01"},
                                {"inf", std::numeric_limits<double>::infinity()},
                                {"f", false}},
                               log::format::json)),
      "{\"time\":\"T\",\"level\":\"error\",\"msg\":\"bad \\\"thing\\\"\\n\",\"path\":\"/a\\\\b\",\"n\":-3,"
      "\"big\":18446744073709551615,\"ctl\":\"\\u0001\",\"inf\":\"Inf\",\"f\":false}\n");
}

TEST(log, levels_filter_and_parse) {
  std::vector<std::string> lines;
  log::set_sink([&](std::string_view l) { lines.emplace_back(l); });
  log::set_level(log::level::warn);
  log::info("dropped");
  log::warn("kept");
  log::error("kept too");
  log::set_level(log::level::off);
  log::error("dropped too");
  log::set_level(log::level::info);
  log::set_sink({});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("WARN  kept"), std::string::npos);

  EXPECT_EQ(log::parse_level("DEBUG"), log::level::debug);
  EXPECT_EQ(log::parse_level("warning"), log::level::warn);
  EXPECT_EQ(log::parse_level("verbose"), std::nullopt);
  EXPECT_EQ(log::parse_format("json"), log::format::json);
  EXPECT_EQ(log::parse_format("xml"), std::nullopt);
}

TEST(log, concurrent_writers_never_interleave_a_line) {
  std::vector<std::string> lines;
  log::set_sink([&](std::string_view l) { lines.emplace_back(l); });  // called under the logger's lock
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 500; ++i) log::info("event", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& th : threads) th.join();
  log::set_sink({});
  ASSERT_EQ(lines.size(), 2000u);
  const std::regex shape(R"(^\S+ INFO  event thread=\d i=\d+\n$)");
  for (const auto& l : lines) ASSERT_TRUE(std::regex_match(l, shape)) << l;
}

TEST(log, syslog_severities) {
  EXPECT_EQ(log::from_syslog(0), log::level::error);
  EXPECT_EQ(log::from_syslog(3), log::level::error);
  EXPECT_EQ(log::from_syslog(4), log::level::warn);
  EXPECT_EQ(log::from_syslog(5), log::level::info);
  EXPECT_EQ(log::from_syslog(6), log::level::info);
  EXPECT_EQ(log::from_syslog(7), log::level::debug);
  EXPECT_EQ(log::from_syslog(42), log::level::debug);
}

}  // namespace
