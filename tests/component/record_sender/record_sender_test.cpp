// record_sender: a record that does not fit the schema is refused before it is queued; one that cannot be
// delivered is reported to the caller's callback and counted, and finish() says how many never made it.
#include "kavro/pipeline/record_sender.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "kavro/registry/client.hpp"
#include "kavro/registry/mock.hpp"

namespace {

using namespace kavro;
using namespace std::chrono_literals;

avro::schema reading_schema() {
  return *avro::schema::parse(
      R"({"type":"record","name":"Reading","fields":[{"name":"sensor","type":"string"},{"name":"value","type":"int"}]})");
}

kafka::producer_config nowhere() {
  kafka::producer_config pc;
  pc.bootstrap_servers = "127.0.0.1:1";  // nothing listens on port 1
  pc.delivery_timeout = 1500ms;
  pc.log = [](const std::string&) {};
  return pc;
}

TEST(record_sender, a_record_that_does_not_fit_the_schema_is_refused_and_not_queued) {
  registry::mock_registry::drop_scopes();
  auto registry = registry::make_registry(registry::client_config{{"mock://sender"}});
  std::vector<std::uint64_t> failed;
  pipeline::record_sender sender(nowhere(), registry, "readings", reading_schema(), "readings-value",
                                 [&](const kafka::delivery_report& r) { failed.push_back(r.token); });
  auto wrong = avro::value::record_of({avro::value(std::string("t1"))});  // a field short
  const auto sent = sender.send(wrong, "k");
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, errc::invalid_data) << sent.error().message;
  EXPECT_EQ(sender.counts().produced, 0u);
  EXPECT_TRUE(sender.finish(1s));
  EXPECT_TRUE(failed.empty());
}

TEST(record_sender, an_undeliverable_record_reaches_the_callback_and_finish_reports_it) {
  registry::mock_registry::drop_scopes();
  auto registry = registry::make_registry(registry::client_config{{"mock://sender"}});
  std::vector<std::uint64_t> failed;
  pipeline::record_sender sender(nowhere(), registry, "readings", reading_schema(), "readings-value",
                                 [&](const kafka::delivery_report& r) { failed.push_back(r.token); });
  auto record = avro::value::record_of({avro::value(std::string("t1")), avro::value(std::int32_t{21})});
  ASSERT_TRUE(sender.send(record, "t1"));
  ASSERT_TRUE(sender.schema_id());  // registered under the subject the caller chose
  const auto finished = sender.finish(5s);
  const auto c = sender.counts();
  EXPECT_EQ(c.produced, 1u);
  EXPECT_EQ(c.delivered, 0u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(failed, std::vector<std::uint64_t>{1});
  // Either the delivery timeout reported it within the bound, or finish() did: never silently lost.
  if (!finished) {
    EXPECT_EQ(finished.error().code, errc::unavailable);
  }
}

}  // namespace
