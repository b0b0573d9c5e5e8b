// What the fault tests share: a private real Kafka broker that a test may kill, pause and restart
// (never the shared ctest fixture broker), a schema registry that can be switched off, and helpers that
// produce keyed, numbered orders and read them back.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "kavro/kafka/admin.hpp"
#include "kavro/kafka/producer.hpp"
#include "kavro/orders/order.hpp"
#include "kavro/registry/registry.hpp"
#include "kavro/serde/serializer.hpp"

namespace kavro::fault {

inline std::string unique(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  return prefix + "-" + std::to_string(rng() % 1000000000);
}

inline std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Runs a shell command; returns its exit status and captures stdout.
inline int sh(const std::string& command, std::string* out = nullptr) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  std::array<char, 512> buf{};
  std::string text;
  while (fgets(buf.data(), buf.size(), p) != nullptr) text += buf.data();
  const int rc = pclose(p);
  if (out != nullptr) *out = text;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// A real single-node broker on free ports in a private directory, owned by one test process.
class private_broker {
 public:
  private_broker() : dir_(std::filesystem::temp_directory_path() / unique("kavro-fault-kafka")) {
    std::string ports;
    if (sh("bash -c 'source " KAVRO_SOURCE_DIR "/scripts/lib/ports.sh && free_ports'", &ports) != 0) {
      throw std::runtime_error("free_ports failed: " + ports);
    }
    std::istringstream in(ports);
    in >> port_ >> controller_port_;
    try {
      start();
    } catch (...) {
      script("kill");
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      throw;
    }
    // If this test process dies without its destructor (a crash, a ctest timeout), the broker goes too.
    sh("bash -c '(while kill -0 " + std::to_string(getpid()) +
       " 2>/dev/null; do sleep 1; done; bash " KAVRO_SOURCE_DIR "/scripts/kafka.sh kill --dir " +
       dir_.string() + (keep() ? "" : "; rm -rf " + dir_.string()) + ") </dev/null >/dev/null 2>&1 &'");
  }
  ~private_broker() {
    script("kill");
    std::error_code ec;
    if (!keep()) std::filesystem::remove_all(dir_, ec);
  }
  private_broker(const private_broker&) = delete;
  private_broker& operator=(const private_broker&) = delete;

  // KAVRO_FAULT_KEEP=1 keeps the broker's directory (its logs) after the test.
  static bool keep() { return std::getenv("KAVRO_FAULT_KEEP") != nullptr; }

  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  void start() {
    std::string out;
    const std::string cmd =
        "--port " + std::to_string(port_) + " --controller-port " + std::to_string(controller_port_);
    if (script("start " + cmd, &out) != 0) throw std::runtime_error("broker start failed: " + out);
  }
  void kill() { run("kill"); }
  void pause() { run("pause"); }
  void resume() { run("resume"); }

 private:
  int script(const std::string& args, std::string* out = nullptr) const {
    return sh("bash " KAVRO_SOURCE_DIR "/scripts/kafka.sh " + args + " --dir " + dir_.string(), out);
  }
  void run(const std::string& what) {
    std::string out;
    if (script(what, &out) != 0) throw std::runtime_error("broker " + what + " failed: " + out);
  }
  std::filesystem::path dir_;
  int port_ = 0, controller_port_ = 0;
};

// An in-memory schema registry that can be switched to unavailable (as a registry that is down answers:
// errc::unavailable). Each subject gets its own id, so a second subject gives an id no deserializer has
// cached yet.
class switchable_registry : public registry::schema_registry {
 public:
  void set_available(bool up) {
    std::lock_guard<std::mutex> l(m_);
    up_ = up;
  }
  std::uint64_t refused() const {
    std::lock_guard<std::mutex> l(m_);
    return refused_;
  }

  result<std::int32_t> register_schema(const std::string& subject, const std::string& schema) override {
    std::lock_guard<std::mutex> l(m_);
    if (!up_) return down();
    auto it = ids_.find({subject, schema});
    if (it != ids_.end()) return it->second;
    const std::int32_t id = static_cast<std::int32_t>(texts_.size()) + 1;
    texts_[id] = schema;
    ids_[{subject, schema}] = id;
    return id;
  }
  result<registry::registered_schema> lookup_schema(const std::string& subject,
                                                    const std::string& schema) override {
    std::lock_guard<std::mutex> l(m_);
    if (!up_) return down();
    auto it = ids_.find({subject, schema});
    if (it == ids_.end()) return fail(errc::not_found, "Schema not found", 40403);
    return registry::registered_schema{subject, it->second, 1, schema};
  }
  result<std::string> schema_by_id(std::int32_t id) override {
    std::lock_guard<std::mutex> l(m_);
    if (!up_) return down();
    auto it = texts_.find(id);
    if (it == texts_.end())
      return fail(errc::not_found, "Schema " + std::to_string(id) + " not found", 40403);
    return it->second;
  }

 private:
  tl::unexpected<error> down() {
    ++refused_;
    return fail(errc::unavailable, "registry down (test): connection refused");
  }
  mutable std::mutex m_;
  bool up_ = true;
  std::uint64_t refused_ = 0;
  std::map<std::pair<std::string, std::string>, std::int32_t> ids_;
  std::map<std::int32_t, std::string> texts_;
};

inline std::vector<orders::order> numbered_orders(std::size_t n, std::int32_t first_id = 1) {
  orders::order_generator gen(11, first_id);
  std::vector<orders::order> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(gen.next());
  return out;
}

// Produces the orders keyed by order_id (Avro through the registry) and raw messages keyed "raw"; every
// message must be acknowledged.
inline void produce_orders(const std::string& bootstrap, const std::string& topic,
                           std::shared_ptr<registry::schema_registry> registry,
                           const std::vector<orders::order>& list, const std::vector<std::string>& raw = {},
                           const std::string& subject = "") {
  kafka::producer_config pc;
  pc.bootstrap_servers = bootstrap;
  std::uint64_t failed = 0;
  kafka::producer producer(pc, [&](const kafka::delivery_report& r) { failed += r.failure ? 1 : 0; });
  serde::serializer serializer(std::move(registry), subject.empty() ? topic + "-value" : subject,
                               orders::order_schema());
  std::vector<std::uint8_t> buf;
  for (const auto& o : list) {
    buf.clear();
    ASSERT_TRUE(serializer.serialize(orders::to_value(o), buf));
    ASSERT_TRUE(producer.produce(topic, bytes_of(std::to_string(o.order_id)), buf));
  }
  for (const auto& r : raw) ASSERT_TRUE(producer.produce(topic, bytes_of("raw"), bytes_of(r)));
  ASSERT_TRUE(producer.flush(std::chrono::seconds(60)));
  ASSERT_EQ(failed, 0u);
}

// One line per measured outcome, collected by the test log (grep FAULT-RESULT).
inline void report(const std::string& scenario, const std::string& text) {
  std::cout << "FAULT-RESULT " << scenario << ": " << text << std::endl;
}

}  // namespace kavro::fault
