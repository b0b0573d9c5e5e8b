// The producer under failure. On a private real broker: SIGKILL + restart and SIGSTOP/SIGCONT while
// producing; every message gets exactly one outcome, none acknowledged is missing, none is duplicated
// within the producer's session. On librdkafka's mock cluster (what one real broker cannot do): injected
// produce errors proving the retry budget is used exactly, and a fatal error recovered from without loss.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <set>

#include "fault_support.hpp"
#include "mock_cluster.hpp"
#include "producer_test_access.hpp"

namespace {

using namespace kavro;
using namespace std::chrono_literals;

struct outcome_tally {
  std::map<std::uint64_t, int> outcomes;  // token -> reports received
  std::set<std::uint64_t> delivered, failed;
  std::vector<std::string> reasons;

  kafka::producer::delivery_callback callback() {
    return [this](const kafka::delivery_report& r) {
      ++outcomes[r.token];
      if (r.failure) {
        failed.insert(r.token);
        if (reasons.size() < 5) reasons.push_back(r.failure->message);
      } else {
        delivered.insert(r.token);
      }
    };
  }
};

// Produces n numbered messages (value "order-<i>", key i), running `fault` once after `fault_at` of them.
void produce_through(const std::string& scenario, fault::private_broker& broker, std::uint64_t n,
                     std::uint64_t fault_at, const std::function<void()>& fault,
                     const kafka::properties& extra, bool expect_all_delivered) {
  const std::string topic = fault::unique("orders");
  ASSERT_TRUE(kafka::ensure_topics(broker.bootstrap(), {topic}, 3));
  outcome_tally tally;
  kafka::producer_config pc;
  pc.bootstrap_servers = broker.bootstrap();
  pc.delivery_timeout = 90s;  // longer than a broker restart; retries stay the orders example's 3
  pc.extra = extra;
  std::uint64_t produce_errors = 0;
  kafka::producer_counts counts;
  {
    kafka::producer producer(pc, tally.callback());
    std::thread fault_thread;
    for (std::uint64_t i = 1; i <= n; ++i) {
      if (i == fault_at) fault_thread = std::thread(fault);
      const std::string key = std::to_string(i), value = "order-" + std::to_string(i);
      if (!producer.produce(topic, fault::bytes_of(key), fault::bytes_of(value), {}, i)) ++produce_errors;
      if (i % 10 == 0) producer.poll(20ms);  // a steady stream over ~12 s: before, during and after the fault
    }
    if (fault_thread.joinable()) fault_thread.join();
    EXPECT_TRUE(producer.flush(120s));
    counts = producer.counts();
  }
  EXPECT_EQ(produce_errors, 0u);

  // Exactly one outcome per message.
  ASSERT_EQ(tally.outcomes.size(), n);
  for (const auto& [token, reports] : tally.outcomes) EXPECT_EQ(reports, 1) << "message " << token;
  if (expect_all_delivered) {
    EXPECT_TRUE(tally.failed.empty()) << tally.reasons.front();
  }

  // Every acknowledged message is on the topic; duplicates only from a recreated producer's resends.
  auto records = kafka::read_topic(broker.bootstrap(), topic, 60s);
  ASSERT_TRUE(records) << records.error().message;
  std::map<std::string, int> seen;
  for (const auto& r : *records) ++seen[r.value];
  std::uint64_t lost = 0, duplicates = 0, failed_but_written = 0;
  for (std::uint64_t t : tally.delivered) lost += seen.count("order-" + std::to_string(t)) == 0 ? 1 : 0;
  for (std::uint64_t t : tally.failed) failed_but_written += seen.count("order-" + std::to_string(t));
  for (const auto& [v, c] : seen) duplicates += static_cast<std::uint64_t>(c - 1);
  EXPECT_EQ(lost, 0u);
  if (counts.recoveries == 0) {
    EXPECT_EQ(duplicates, 0u) << "duplicates within one idempotent producer session";
  } else {
    EXPECT_LE(duplicates, counts.resent);
  }
  fault::report(scenario, std::to_string(n) + " produced, " + std::to_string(tally.delivered.size()) +
                              " delivered, " + std::to_string(tally.failed.size()) + " reported failed (" +
                              std::to_string(failed_but_written) + " of them written anyway), lost " +
                              std::to_string(lost) + ", duplicates on the topic " +
                              std::to_string(duplicates) + ", producer recreated " +
                              std::to_string(counts.recoveries) + " time(s), resent " +
                              std::to_string(counts.resent));
}

TEST(producer_fault, broker_killed_and_restarted_while_producing_loses_nothing) {
  fault::private_broker broker;
  produce_through(
      "producer: broker SIGKILL + restart", broker, 6000, 2000,
      [&] {
        broker.kill();
        std::this_thread::sleep_for(1s);
        broker.start();
      },
      {}, true);
}

TEST(producer_fault, broker_paused_longer_than_the_request_timeout_loses_nothing) {
  fault::private_broker broker;
  produce_through(
      "producer: broker SIGSTOP 8 s (request timeout 3 s) + SIGCONT", broker, 6000, 2000,
      [&] {
        broker.pause();
        std::this_thread::sleep_for(8s);
        broker.resume();
      },
      {{"request.timeout.ms", "3000"}}, false);
}

// --- librdkafka's mock cluster: what a single real broker cannot do ---------------------------------

using kavro::testing::mock_cluster;

// Pushes `errors` failures of the leader's next Produce requests, sends one message with retries = 3, and
// returns (its outcome, the number of Produce requests it took).
std::pair<std::optional<kavro::error>, std::size_t> one_message_against(rd_kafka_resp_err_t err,
                                                                        std::size_t errors) {
  mock_cluster mock{{"t", 1}};
  kafka::producer_config pc;
  pc.bootstrap_servers = mock.bootstrap();
  pc.retries = 3;
  pc.retry_backoff = 10ms;
  pc.extra = {{"log_level", "0"}};
  std::vector<kafka::delivery_report> reports;
  kafka::producer producer(pc, [&](const kafka::delivery_report& r) { reports.push_back(r); });
  // A first message establishes the connection, producer id and metadata, so that only the second one's
  // Produce requests meet the injected errors.
  EXPECT_TRUE(producer.produce("t", fault::bytes_of("k"), fault::bytes_of("warm-up"), {}, 1));
  EXPECT_TRUE(producer.flush(10s));
  for (std::size_t i = 0; i < errors; ++i)
    rd_kafka_mock_broker_push_request_error_rtts(mock.cluster, 1, 0, 1, err, 0);
  const std::size_t before = mock.produce_errors_left();
  EXPECT_TRUE(producer.produce("t", fault::bytes_of("k"), fault::bytes_of("probe"), {}, 2));
  EXPECT_TRUE(producer.flush(30s));
  const std::size_t used = before - mock.produce_errors_left();
  EXPECT_EQ(reports.size(), 2u);
  std::optional<kavro::error> outcome;
  if (reports.size() == 2) outcome = reports[1].failure;
  return {outcome, used + (outcome ? 0 : 1)};  // failed requests, plus the one that succeeded
}

TEST(producer_fault, injected_produce_errors_are_retried_exactly_the_configured_three_times) {
  for (rd_kafka_resp_err_t err :
       {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS}) {
    SCOPED_TRACE(rd_kafka_err2name(err));
    // Three failures: the third retry succeeds (4 Produce requests).
    auto [ok, requests] = one_message_against(err, 3);
    EXPECT_FALSE(ok) << ok->message;
    EXPECT_EQ(requests, 4u);
    // Five queued failures: 1 try + 3 retries fail, the message is reported failed, one error is left unused.
    auto [failed, failed_requests] = one_message_against(err, 5);
    ASSERT_TRUE(failed);
    EXPECT_NE(failed->message.find(rd_kafka_err2name(err)), std::string::npos) << failed->message;
    EXPECT_EQ(failed_requests, 4u);
    fault::report(std::string("producer: mock ") + rd_kafka_err2name(err),
                  "3 errors -> delivered after " + std::to_string(requests) +
                      " Produce requests; 5 errors -> failed after " + std::to_string(failed_requests) +
                      " (" + failed->message + ")");
  }
}

TEST(producer_fault, leader_changes_are_retried_beyond_the_budget_within_the_delivery_timeout) {
  // librdkafka does not count NOT_LEADER_FOR_PARTITION against `retries`: it refreshes metadata and sends
  // again, bounded by delivery.timeout.ms. Eight in a row still deliver the message.
  auto [ok, requests] = one_message_against(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, 8);
  EXPECT_FALSE(ok) << ok->message;
  EXPECT_EQ(requests, 9u);
  fault::report("producer: mock NOT_LEADER_FOR_PARTITION",
                "8 errors -> delivered after " + std::to_string(requests) +
                    " Produce requests (not counted against retries = 3)");
}

TEST(producer_fault, a_fatal_producer_error_is_recovered_by_recreating_the_producer_without_loss) {
  mock_cluster mock{{"t", 1}};
  kafka::producer_config pc;
  pc.bootstrap_servers = mock.bootstrap();
  pc.extra = {{"log_level", "0"}};
  std::vector<std::string> log;
  pc.log = [&](const std::string& line) { log.push_back(line); };
  outcome_tally tally;
  const std::uint64_t n = 3000;
  kafka::producer_counts counts;
  {
    kafka::producer producer(pc, tally.callback());
    for (std::uint64_t i = 1; i <= n; ++i) {
      const std::string v = "order-" + std::to_string(i);
      ASSERT_TRUE(producer.produce("t", fault::bytes_of(std::to_string(i)), fault::bytes_of(v), {}, i));
      if (i == 1500)
        kafka::producer_test_access::inject_fatal_error(producer, "drill: sequence desynchronization");
    }
    ASSERT_TRUE(producer.flush(60s));
    counts = producer.counts();
  }
  EXPECT_GE(counts.recoveries, 1u);
  ASSERT_EQ(tally.outcomes.size(), n);
  for (const auto& [token, reports] : tally.outcomes) EXPECT_EQ(reports, 1) << "message " << token;
  EXPECT_TRUE(tally.failed.empty());
  auto records = kafka::read_topic(mock.bootstrap(), "t", 30s, {{"log_level", "0"}});
  ASSERT_TRUE(records) << records.error().message;
  std::map<std::string, int> seen;
  for (const auto& r : *records) ++seen[r.value];
  std::uint64_t lost = 0, duplicates = 0;
  for (std::uint64_t i = 1; i <= n; ++i) lost += seen.count("order-" + std::to_string(i)) == 0 ? 1 : 0;
  for (const auto& [v, c] : seen) duplicates += static_cast<std::uint64_t>(c - 1);
  EXPECT_EQ(lost, 0u);
  EXPECT_LE(duplicates, counts.resent);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.front().find("fatal"), std::string::npos) << log.front();
  fault::report("producer: injected fatal error (mock)",
                std::to_string(n) + " produced, all delivered, lost " + std::to_string(lost) +
                    ", duplicates " + std::to_string(duplicates) + ", recreated " +
                    std::to_string(counts.recoveries) + ", resent " + std::to_string(counts.resent));
}

}  // namespace
