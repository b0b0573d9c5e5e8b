// Parsing librdkafka's statistics JSON (see librdkafka's STATISTICS.md for the fields) and the
// process-wide sink its callback feeds.
#include "kavro/client_statistics.hpp"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <tuple>

#include "kavro/json.hpp"

namespace kavro::metrics {

namespace {

std::int64_t int_field(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace

result<client_statistics> parse_client_statistics(std::string_view json) {
  // librdkafka's document nests 5 levels (topics > partitions > partition > field); 16 leaves room.
  auto doc = safe_json::parse(json, {.max_depth = 16, .duplicates = safe_json::duplicate_keys::last_wins});
  if (!doc) return fail(errc::invalid_data, "librdkafka statistics: " + doc.error().message());
  if (!doc->is_object()) return fail(errc::invalid_data, "librdkafka statistics: not a JSON object");
  client_statistics out;
  auto name = doc->find("name");
  auto type = doc->find("type");
  if (name == doc->end() || !name->is_string())
    return fail(errc::invalid_data, "librdkafka statistics: field 'name' missing or not a string");
  if (type == doc->end() || !type->is_string())
    return fail(errc::invalid_data, "librdkafka statistics: field 'type' missing or not a string");
  out.name = name->get<std::string>();
  out.type = type->get<std::string>();
  out.queued_messages = int_field(*doc, "msg_cnt");
  out.queued_bytes = int_field(*doc, "msg_size");
  if (auto topics = doc->find("topics");
      out.type == "consumer" && topics != doc->end() && topics->is_object()) {
    for (const auto& [topic, t] : topics->items()) {
      auto parts = t.find("partitions");
      if (!t.is_object() || parts == t.end() || !parts->is_object()) continue;
      for (const auto& [pkey, p] : parts->items()) {
        if (!p.is_object()) continue;
        const std::int64_t partition = int_field(p, "partition");
        auto lag = p.find("consumer_lag");
        // -1: librdkafka's internal unassigned partition; a lag of -1: not known (not consumed here)
        if (partition < 0 || lag == p.end() || !lag->is_number_integer() || lag->get<std::int64_t>() < 0)
          continue;
        out.lags.push_back({topic, static_cast<std::int32_t>(partition), lag->get<std::int64_t>()});
      }
    }
  }
  std::sort(out.lags.begin(), out.lags.end(), [](const partition_lag& a, const partition_lag& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

void statistics_store::update(client_statistics s) {
  std::lock_guard lock(mutex_);
  auto name = s.name;
  by_client_[std::move(name)] = std::move(s);
}

std::vector<client_statistics> statistics_store::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<client_statistics> out;
  for (const auto& [name, s] : by_client_) out.push_back(s);
  return out;
}

std::int64_t statistics_store::total_lag() const {
  std::lock_guard lock(mutex_);
  std::int64_t total = -1;
  for (const auto& [name, s] : by_client_) {
    if (s.type != "consumer" || s.lags.empty()) continue;
    if (total < 0) total = 0;
    for (const auto& l : s.lags) total += l.lag;
  }
  return total;
}

std::int64_t statistics_store::total_queued() const {
  std::lock_guard lock(mutex_);
  std::int64_t total = -1;
  for (const auto& [name, s] : by_client_) {
    if (s.type != "producer") continue;
    total = (total < 0 ? 0 : total) + s.queued_messages;
  }
  return total;
}

namespace {
std::mutex sink_mutex;
std::shared_ptr<const std::function<void(std::string_view)>> sink;
}  // namespace

void set_statistics_sink(std::function<void(std::string_view json)> fn) {
  auto next = fn ? std::make_shared<const std::function<void(std::string_view)>>(std::move(fn)) : nullptr;
  std::lock_guard lock(sink_mutex);
  sink = std::move(next);
}

void deliver_statistics(std::string_view json) {
  std::shared_ptr<const std::function<void(std::string_view)>> current;
  {
    std::lock_guard lock(sink_mutex);
    current = sink;
  }
  if (current) (*current)(json);
}

}  // namespace kavro::metrics
