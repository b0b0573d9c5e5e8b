// `kavro consume` as a user runs it, against the fixture's real broker: a short --idle-timeout-ms after
// a member of the group was SIGKILLed waits for the assignment and drains the backlog (or, bounded by
// --assignment-timeout-ms, fails saying why), and SIGTERM stops it promptly while the registry accepts
// connections but never answers, with nothing stored or committed that was not handled.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

#include "cli_process.hpp"
#include "kafka_fixture.hpp"
#include "kavro/kafka/admin.hpp"
#include "kavro/kafka/producer.hpp"
#include "kavro/orders/order.hpp"
#include "kavro/orders/sqlite_sink.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/registry_server/server.hpp"
#include "kavro/serde/serializer.hpp"

namespace {

using namespace kavro;
using namespace std::chrono_literals;
using kavro::testing::cli_process;

std::string unique(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  return prefix + "-" + std::to_string(rng() % 1000000000);
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The offsets the group committed on the topic, summed over its partitions (a fresh topic starts at 0).
std::int64_t committed(const std::string& bootstrap, const std::string& group, const std::string& topic,
                       int partitions) {
  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  std::int64_t sum = -1;
  if (rd_kafka_committed(rk, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    sum = 0;
    for (int i = 0; i < list->cnt; ++i) sum += std::max<std::int64_t>(0, list->elems[i].offset);
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return sum;
}

// "received N" from the consumer's summary line; -1 when there is none.
long long received_in(const std::string& out) {
  std::smatch m;
  static const std::regex re("received ([0-9]+), stored ([0-9]+)");
  return std::regex_search(out, m, re) ? std::stoll(m[1]) : -1;
}

class consume_cli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = registry_server_.start();
    ASSERT_TRUE(port) << port.error().message;
    registry_url_ = "http://127.0.0.1:" + std::to_string(*port);
    topic_ = unique("orders");
    ASSERT_TRUE(kafka::ensure_topics(bootstrap_, {topic_}, 3));
    ASSERT_TRUE(kafka::ensure_topics(bootstrap_, {topic_ + ".dlq"}, 1));
    db_ = std::filesystem::temp_directory_path() / (unique("kavro-cli") + ".db");
    group_ = unique("g");
  }
  void TearDown() override {
    registry_server_.stop();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_.string() + suffix, ec);
  }

  void produce(std::int32_t first_id, std::size_t n) {
    auto client = std::make_shared<registry::client>(registry::client_config{{registry_url_}});
    kafka::producer_config pc;
    pc.bootstrap_servers = bootstrap_;
    std::uint64_t failed = 0;
    kafka::producer producer(pc, [&](const kafka::delivery_report& r) { failed += r.failure ? 1 : 0; });
    serde::serializer serializer(client, topic_ + "-value", orders::order_schema());
    orders::order_generator gen(11, first_id);
    std::vector<std::uint8_t> buf;
    for (std::size_t i = 0; i < n; ++i) {
      const auto o = gen.next();
      buf.clear();
      ASSERT_TRUE(serializer.serialize(orders::to_value(o), buf));
      ASSERT_TRUE(producer.produce(topic_, bytes_of(std::to_string(o.order_id)), buf));
    }
    ASSERT_TRUE(producer.flush(60s));
    ASSERT_EQ(failed, 0u);
  }

  std::vector<std::string> consume_args(const std::string& registry, std::vector<std::string> extra) const {
    std::vector<std::string> a{"consume", "--bootstrap", bootstrap_, "--registry", registry,    "--topic",
                               topic_,    "--group",     group_,     "--db",       db_.string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  std::int64_t rows() {
    orders::sqlite_sink reader(db_.string());
    return reader.count().value_or(-1);
  }

  // A member of the group that handled `first` orders and was then SIGKILLed: it never left the group,
  // so the group keeps its partitions until its session (session_ms) expires.
  void kill_a_member_after_it_handled(std::size_t first, int session_ms) {
    cli_process member(
        kavro::testing::cli_binary(KAVRO_CLI),
        consume_args(registry_url_, {"--print", "-X", "session.timeout.ms=" + std::to_string(session_ms),
                                     "-X", "heartbeat.interval.ms=1000"}));
    const auto until = std::chrono::steady_clock::now() + 120s;
    for (std::string out = member.out(); std::count(out.begin(), out.end(), '\n') < static_cast<long>(first);
         out = member.out()) {
      ASSERT_TRUE(member.running()) << "the member exited early: " << member.err();
      ASSERT_LT(std::chrono::steady_clock::now(), until) << "the member handled nothing: " << member.err();
      std::this_thread::sleep_for(50ms);
    }
    member.signal(SIGKILL);
    const auto e = member.wait(30s);
    ASSERT_EQ(e.signal, SIGKILL);
  }

  const std::string bootstrap_ = kavro::testing::fixture_bootstrap();
  registry_server::server registry_server_{{"127.0.0.1", 0}};
  std::string registry_url_, topic_, group_;
  std::filesystem::path db_;
};

TEST_F(consume_cli,
       a_short_idle_timeout_after_a_member_was_killed_waits_for_the_assignment_and_drains_the_backlog) {
  produce(1, 5);
  kill_a_member_after_it_handled(5, 10000);
  produce(6, 300);  // the backlog the next run must not leave behind

  // The group gives the partitions out only once the dead member's 10 s session expired: far longer than
  // the idle timeout, which must not run meanwhile.
  cli_process run(kavro::testing::cli_binary(KAVRO_CLI),
                  consume_args(registry_url_, {"--idle-timeout-ms", "1500"}));
  const auto e = run.wait(120s);
  ASSERT_TRUE(e.exited) << "still running after 120 s: " << run.err();
  EXPECT_EQ(e.code, 0) << run.err();
  EXPECT_GE(received_in(run.out()), 300) << run.out() << run.err();
  EXPECT_EQ(rows(), 305) << run.out() << run.err();
  EXPECT_NE(run.err().find("waiting for a partition assignment"), std::string::npos) << run.err();
  EXPECT_EQ(committed(bootstrap_, group_, topic_, 3), 305);
}

TEST_F(consume_cli, a_run_that_never_gets_an_assignment_fails_after_its_assignment_timeout_saying_why) {
  produce(1, 5);
  kill_a_member_after_it_handled(5, 60000);  // holds the partitions far longer than this run waits
  const auto rows_before = rows();
  produce(6, 50);

  cli_process run(
      kavro::testing::cli_binary(KAVRO_CLI),
      consume_args(registry_url_, {"--idle-timeout-ms", "1000", "--assignment-timeout-ms", "3000"}));
  const auto e = run.wait(120s);
  ASSERT_TRUE(e.exited) << "still running after 120 s: " << run.err();
  EXPECT_EQ(e.code, 1) << run.out() << run.err();
  EXPECT_NE(run.err().find("no partition assignment from group '" + group_ + "' within 3000 ms"),
            std::string::npos)
      << run.err();
  EXPECT_EQ(received_in(run.out()), 0) << run.out();
  EXPECT_EQ(rows(), rows_before);
}

// A registry that accepts connections and never answers (nor reads): every request hangs until the
// client gives up.
class silent_registry {
 public:
  silent_registry() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 64) != 0) {
      throw std::runtime_error("silent registry: bind/listen failed");
    }
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;  // the listening socket was shut down
        std::lock_guard<std::mutex> l(m_);
        held_.push_back(c);
        ++accepted_;
      }
    });
  }
  ~silent_registry() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    for (int c : held_) close(c);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::mutex m_;
  std::vector<int> held_;
  std::thread thread_;
};

TEST_F(consume_cli, sigterm_stops_a_consume_waiting_on_a_registry_that_never_answers) {
  produce(1, 20);
  silent_registry silent;
  // No start-up check: it would meet the silent registry first; this is about the wait inside the run.
  cli_process run(kavro::testing::cli_binary(KAVRO_CLI),
                  consume_args(silent.url(), {"--startup-timeout-ms", "0"}));
  // The consumer asks the registry for the first message's schema and waits for the answer.
  const auto until = std::chrono::steady_clock::now() + 120s;
  while (silent.accepted() == 0) {
    ASSERT_TRUE(run.running()) << run.err();
    ASSERT_LT(std::chrono::steady_clock::now(), until)
        << "the consumer never asked the registry: " << run.err();
    std::this_thread::sleep_for(50ms);
  }
  std::this_thread::sleep_for(500ms);  // well inside the request: its connection is open, no answer
  run.signal(SIGTERM);
  // A hang detector, not a timing measurement: the registry client's request timeout and retries alone
  // would take about 40 s.
  const auto e = run.wait(10s);
  ASSERT_TRUE(e.exited) << "did not stop within 10 s of SIGTERM: " << run.err();
  EXPECT_EQ(e.code, 0) << run.err();
  EXPECT_NE(run.out().find(", stored 0,"), std::string::npos) << run.out();
  EXPECT_EQ(rows(), 0);
  EXPECT_EQ(committed(bootstrap_, group_, topic_, 3), 0)
      << "an offset was committed for an unhandled message";
}

}  // namespace
