// The Kafka-backed store: the change log is a compacted single-partition topic in Confluent's
// `_schemas` format. A reader thread folds every record into the state; a write produces its records
// (idempotent, acks=all), waits for the broker's acknowledgement and then for the reader to have
// applied them, so the writer reads its own writes. Start-up and every write first catch up with the
// partition's high watermark, so decisions are made on the whole log.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "kavro/config_error.hpp"
#include "rdkafka_admin.hpp"
#include "rdkafka_error.hpp"
#include "rdkafka_handles.hpp"
#include "store.hpp"

namespace kavro::registry_server {
namespace {

using namespace std::chrono_literals;

struct admin_options_deleter {
  void operator()(rd_kafka_AdminOptions_t* o) const noexcept { rd_kafka_AdminOptions_destroy(o); }
};
using admin_options_ptr = std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_deleter>;

// No client of the store may make the broker create the topic (with the broker's defaults, not
// compacted): set on every client, overriding the user's properties.
void no_auto_create(kafka::properties& props) {
  props["allow.auto.create.topics"] = "false";
}

// The producer refuses records above message.max.bytes (librdkafka's default is 1,000,000, below
// the topic's default limit); let the topic's max.message.bytes decide unless the user chose.
constexpr const char* producer_max_message_bytes = "100000000";

// What a record batch of one uncompressed record adds to its key and value (batch header 61 bytes,
// record header and varints at most ~25): enough to refuse before the broker would.
constexpr std::int64_t record_overhead = 96;

// The store is built in a constructor: librdkafka refusing the configuration is kavro's one
// configuration exception, as the kafka module's clients throw it. (kafka::kafka_error is a value that
// classifies a librdkafka code, not an exception; make_conf and make_handle report librdkafka's text.)
template <class T>
T or_config_error(result<T> r) {
  if (!r) throw config_error("registry kafka store: " + r.error().message);
  return std::move(*r);
}

struct delivery {
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::int64_t offset = -1;
  bool done = false;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* d = static_cast<delivery*>(msg->_private);
  if (!d) return;
  d->err = msg->err;
  d->offset = msg->offset;
  d->done = true;
}

std::string random_suffix() {
  std::random_device rd;
  return std::to_string(rd()) + std::to_string(rd());
}

// Leader election through Kafka's group membership: every instance joins one consumer group
// subscribed to the single-partition schemas topic, so the group coordinator assigns the partition
// to exactly one live member — the leader. A member that dies is removed after the session timeout
// and the partition moves to another. Followers find the leader by describing the group
// (DescribeGroups): the member whose assignment holds the partition; its client.id is its URL.
class elector {
 public:
  elector(kafka::properties props, const kafka_store_config& config, std::string url)
      : topic_(config.topic), url_(std::move(url)) {
    group_ = config.group_id.empty() ? "kavro-schema-registry-" + config.topic : config.group_id;
    // These override the user's properties of the same name.
    props["group.id"] = group_;
    props["client.id"] = url_;
    props["enable.auto.commit"] = "false";
    props["enable.auto.offset.store"] = "false";
    props["session.timeout.ms"] = std::to_string(config.session_timeout.count());
    props["heartbeat.interval.ms"] =
        std::to_string(std::max<long long>(config.session_timeout.count() / 3, 100));
    props["partition.assignment.strategy"] = "range";
    no_auto_create(props);
    auto conf = or_config_error(rdk::make_conf(props));
    rd_kafka_conf_set_rebalance_cb(conf.get(), &elector::on_rebalance);
    rd_kafka_conf_set_opaque(conf.get(), this);
    consumer_ = or_config_error(rdk::make_handle(RD_KAFKA_CONSUMER, std::move(conf)));
    rd_kafka_poll_set_consumer(consumer_.get());
    rdk::partition_list_ptr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(consumer_.get(), topics.get())) {
      throw config_error(rdk::error_of(err).to_error("registry leader election: subscribe").message);
    }
    thread_ = std::thread([this] {
      while (!stop_) rdk::message_ptr(rd_kafka_consumer_poll(consumer_.get(), 100));
    });
  }

  ~elector() {
    stop_ = true;
    thread_.join();
    // Leaves the group at once, so another instance takes over without waiting for the session timeout.
    rd_kafka_consumer_close(consumer_.get());
  }

  bool is_leader() const { return leader_; }

  // This instance's URL when it leads; the leader's from the group's description; nullopt if none yet.
  std::optional<std::string> leader_url() {
    if (leader_) return url_;
    const rd_kafka_group_list* list = nullptr;
    if (rd_kafka_list_groups(consumer_.get(), group_.c_str(), &list, 5000) || !list) return std::nullopt;
    std::unique_ptr<const rd_kafka_group_list, void (*)(const rd_kafka_group_list*)> guard(
        list, &rd_kafka_group_list_destroy);
    for (int g = 0; g < list->group_cnt; ++g) {
      const auto& group = list->groups[g];
      for (int m = 0; m < group.member_cnt; ++m) {
        const auto& member = group.members[m];
        if (assigned_partitions(member.member_assignment, member.member_assignment_size) > 0 &&
            member.client_id) {
          return std::string(member.client_id);
        }
      }
    }
    return std::nullopt;
  }

 private:
  // Partitions of our topic in a ConsumerProtocol assignment: int16 version, int32 topic count, then
  // per topic an int16-length name, an int32 count and that many int32 partitions. Bounds-checked.
  int assigned_partitions(const void* data, int size) const {
    const auto* p = static_cast<const unsigned char*>(data);
    std::size_t at = 0;
    const std::size_t n = size > 0 ? static_cast<std::size_t>(size) : 0;
    auto read = [&](std::size_t bytes, std::int64_t& out) {
      if (!p || at + bytes > n) return false;
      std::int64_t v = 0;
      for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | p[at + i];
      at += bytes;
      out = v;
      return true;
    };
    std::int64_t version = 0, topics = 0;
    if (!read(2, version) || !read(4, topics)) return 0;
    int found = 0;
    for (std::int64_t t = 0; t < topics; ++t) {
      std::int64_t len = 0, parts = 0;
      if (!read(2, len) || at + static_cast<std::size_t>(len) > n) return 0;
      const std::string name(reinterpret_cast<const char*>(p + at), static_cast<std::size_t>(len));
      at += static_cast<std::size_t>(len);
      if (!read(4, parts) || parts < 0 || at + static_cast<std::size_t>(parts) * 4 > n) return 0;
      at += static_cast<std::size_t>(parts) * 4;
      if (name == topic_) found += static_cast<int>(parts);
    }
    return found;
  }

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque) {
    auto* self = static_cast<elector*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(rk, parts);
      // Membership is all we need: never fetch.
      rd_kafka_pause_partitions(rk, parts);
      self->leader_ = parts->cnt > 0;
    } else {
      self->leader_ = false;
      rd_kafka_assign(rk, nullptr);
    }
  }

  std::string topic_;
  std::string url_;
  std::string group_;
  rdk::handle_ptr consumer_;
  std::atomic<bool> leader_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class kafka_store final : public store {
 public:
  kafka_store(shared_state& s, kafka_store_config config) : state_(s), config_(std::move(config)) {
    // The user's properties override bootstrap.servers; the settings below override the user's.
    kafka::properties common{{"bootstrap.servers", config_.bootstrap}};
    for (const auto& [key, value] : config_.properties) common[key] = value;
    common_ = common;

    auto producer_props = common;
    producer_props["enable.idempotence"] = "true";
    producer_props["acks"] = "all";
    producer_props["linger.ms"] = "0";
    producer_props["message.timeout.ms"] = std::to_string(config_.timeout.count());
    if (!producer_props.count("message.max.bytes"))
      producer_props["message.max.bytes"] = producer_max_message_bytes;
    producer_max_bytes_ = std::strtoll(producer_props["message.max.bytes"].c_str(), nullptr, 10);
    no_auto_create(producer_props);
    auto pconf = or_config_error(rdk::make_conf(producer_props));
    rd_kafka_conf_set_dr_msg_cb(pconf.get(), &on_delivery);
    producer_ = or_config_error(rdk::make_handle(RD_KAFKA_PRODUCER, std::move(pconf)));

    auto consumer_props = common;
    // A group id librdkafka wants for a consumer handle; partitions are assigned, never subscribed,
    // and no offset is ever committed, so no group is joined.
    consumer_props["group.id"] = "kavro-registry-reader-" + random_suffix();
    consumer_props["enable.auto.commit"] = "false";
    consumer_props["enable.auto.offset.store"] = "false";
    consumer_props["enable.partition.eof"] = "true";
    consumer_props["auto.offset.reset"] = "earliest";
    no_auto_create(consumer_props);
    consumer_ =
        or_config_error(rdk::make_handle(RD_KAFKA_CONSUMER, or_config_error(rdk::make_conf(consumer_props))));
    rd_kafka_poll_set_consumer(consumer_.get());
  }

  ~kafka_store() override {
    elector_.reset();
    stop_ = true;
    if (reader_.joinable()) reader_.join();
    if (consumer_) rd_kafka_consumer_close(consumer_.get());
    if (producer_) rd_kafka_flush(producer_.get(), 5000);
  }

  api_result<void> append(const std::vector<record>& records) override {
    if (auto started = start(); !started) return started;
    std::vector<encoded_record> encoded;
    encoded.reserve(records.size());
    for (const auto& r : records) {
      encoded.push_back(encode(r));
      const auto& e = encoded.back();
      const auto size = static_cast<std::int64_t>(e.key.size() + (e.value ? e.value->size() : 0));
      if (size + record_overhead > record_limit()) return too_large(size);
    }
    std::vector<delivery> deliveries(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      const encoded_record& e = encoded[i];
      void* value = e.value ? const_cast<char*>(e.value->data()) : nullptr;
      const std::size_t value_size = e.value ? e.value->size() : 0;
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          producer_.get(), RD_KAFKA_V_TOPIC(config_.topic.c_str()), RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(const_cast<char*>(e.key.data()), e.key.size()), RD_KAFKA_V_VALUE(value, value_size),
          RD_KAFKA_V_OPAQUE(&deliveries[i]), RD_KAFKA_V_END);
      if (err) {
        rd_kafka_flush(producer_.get(), static_cast<int>(config_.timeout.count()));
        if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) return too_large(-1);
        return tl::unexpected(make_error(error_code::store_error, rdk::err_text(err)));
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + config_.timeout + 5s;
    while (!std::all_of(deliveries.begin(), deliveries.end(), [](const delivery& d) { return d.done; })) {
      if (std::chrono::steady_clock::now() > deadline) {
        // The messages still reference `deliveries`: purge them before the vector goes away.
        rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(producer_.get(), 1000);
        return tl::unexpected(
            make_error(error_code::operation_timeout, "Write to the Kafka store timed out"));
      }
      rd_kafka_poll(producer_.get(), 50);
    }
    std::int64_t last = -1;
    for (const auto& d : deliveries) {
      if (d.err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) return too_large(-1);
      if (d.err) return tl::unexpected(make_error(error_code::store_error, rdk::err_text(d.err)));
      last = std::max(last, d.offset);
    }
    return wait_applied(last + 1);
  }

  void advertise(const std::string& url) override {
    std::lock_guard lock(start_mutex_);
    if (elector_) return;
    elector_ = std::make_unique<elector>(common_, config_,
                                         config_.advertised_url.empty() ? url : config_.advertised_url);
  }

  api_result<std::optional<std::string>> write_target() override {
    if (!elector_ || elector_->is_leader()) return std::optional<std::string>{};
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(leader_mutex_);
      if (cached_leader_ && now - cached_at_ < 1s) return cached_leader_;
    }
    auto url = elector_->leader_url();
    if (!url)
      return tl::unexpected(
          make_error(error_code::unknown_leader, "Leader is unknown; no leader has been elected yet"));
    if (elector_->is_leader()) return std::optional<std::string>{};
    std::lock_guard lock(leader_mutex_);
    cached_leader_ = url;
    cached_at_ = now;
    return cached_leader_;
  }

  bool ready() const override {
    std::lock_guard lock(progress_mutex_);
    return caught_up_once_ && reader_error_.empty();
  }

  // For /metrics: the end is librdkafka's cached high watermark of the reader (no broker round trip).
  std::optional<log_position> position() const override {
    log_position p;
    {
      std::lock_guard lock(progress_mutex_);
      p.applied = applied_;
    }
    std::int64_t low = -1, high = -1;
    if (consumer_ &&
        rd_kafka_get_watermark_offsets(consumer_.get(), config_.topic.c_str(), 0, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high >= 0) {
      p.end = high;
    }
    return p;
  }

  api_result<void> sync() override {
    if (auto started = start(); !started) return started;
    std::int64_t low = 0, high = 0;
    // Asked through the producer's connections: on the reader's, the request would queue behind its
    // long-polling fetch (a broker answers one connection's requests in order) and take
    // fetch.wait.max.ms.
    // Just after the topic is created, a broker's metadata may not list its partition yet
    // (_UNKNOWN_PARTITION at once, seen on a 4-node cluster under load): refresh and ask again, within
    // the store's timeout.
    const auto deadline = std::chrono::steady_clock::now() + config_.timeout;
    rd_kafka_resp_err_t err;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      err = rd_kafka_query_watermark_offsets(producer_.get(), config_.topic.c_str(), 0, &low, &high,
                                             static_cast<int>(std::max<std::int64_t>(left.count(), 1)));
      const bool not_known_yet =
          err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
          err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
          err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
      if (!not_known_yet || std::chrono::steady_clock::now() + std::chrono::milliseconds(200) >= deadline)
        break;
      const struct rd_kafka_metadata* md = nullptr;
      if (rd_kafka_metadata(producer_.get(), 1, nullptr, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (err)
      return tl::unexpected(make_error(error_code::store_error,
                                       "reading the end of " + config_.topic + ": " + rdk::err_text(err)));
    auto done = wait_applied(high);
    if (done) {
      std::lock_guard lock(progress_mutex_);
      caught_up_once_ = true;
    }
    return done;
  }

 private:
  // Creates the topic if needed and starts the reader, once.
  api_result<void> start() {
    std::lock_guard lock(start_mutex_);
    if (reader_.joinable()) return {};
    if (auto topic = ensure_topic(); !topic) return topic;
    rdk::partition_list_ptr parts(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(parts.get(), config_.topic.c_str(), 0)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    if (auto err = rd_kafka_assign(consumer_.get(), parts.get())) {
      return tl::unexpected(make_error(error_code::store_error, rdk::err_text(err)));
    }
    reader_ = std::thread([this] { read_loop(); });
    return {};
  }

  // Confluent's start-up check (KafkaStore.createOrVerifySchemaTopic), made race-free: the topic is
  // created through the admin API before any client of ours asks for its metadata (none of them may
  // auto-create it), and its settings are verified whether we created it or it already existed — a
  // broker with auto-creation on would otherwise have made it with its defaults (delete after 7 days).
  api_result<void> ensure_topic() {
    auto brokers = live_brokers();
    if (!brokers) return tl::unexpected(brokers.error());
    if (auto created = create_topic(*brokers); !created) return created;
    return verify_topic();
  }

  api_result<int> live_brokers() {
    const rd_kafka_metadata_t* md = nullptr;
    // all_topics=0 without a topic: brokers only, and nothing for a broker to auto-create.
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(producer_.get(), 0, nullptr, &md, static_cast<int>(config_.timeout.count()));
    if (err) return tl::unexpected(make_error(error_code::store_error, "metadata: " + rdk::err_text(err)));
    const int n = md->broker_cnt;
    rd_kafka_metadata_destroy(md);
    if (n <= 0) return tl::unexpected(make_error(error_code::store_error, "No live Kafka brokers"));
    return n;
  }

  admin_options_ptr admin_options(rd_kafka_admin_op_t op) {
    admin_options_ptr options(rd_kafka_AdminOptions_new(producer_.get(), op));
    char errstr[256];
    const int ms = static_cast<int>(config_.timeout.count());
    rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, errstr, sizeof errstr);
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS)
      rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, errstr, sizeof errstr);
    return options;
  }

  api_result<void> create_topic(int brokers) {
    // As Confluent: never more replicas than live brokers, with its warning when that is fewer than asked.
    const int rf = std::min<int>(brokers, config_.replication_factor);
    if (rf < config_.replication_factor) {
      warn("Creating the schema topic " + config_.topic + " using a replication factor of " +
           std::to_string(rf) + ", which is less than the desired one of " +
           std::to_string(config_.replication_factor) +
           ". If this is a production environment, it's crucial to add more brokers and increase the "
           "replication factor of the topic.");
    }
    // Already there (ours from an earlier run, another instance's, or auto-created): verified next.
    bool timed_out = false;
    auto created =
        rdk::create_topics(producer_.get(), {{config_.topic, 1, rf, {{"cleanup.policy", "compact"}}}},
                           config_.timeout, &timed_out);
    if (created) return {};
    if (timed_out) {
      return tl::unexpected(make_error(error_code::store_error,
                                       "Timed out trying to create or validate schema topic configuration"));
    }
    return tl::unexpected(make_error(error_code::store_error, created.error().message));
  }

  // KafkaStore.verifySchemaTopic's checks and texts: one partition, a warning below the desired
  // replication factor, cleanup.policy exactly "compact".
  api_result<void> verify_topic() {
    const int timeout_ms = static_cast<int>(config_.timeout.count());
    int partitions = 0, replicas = 0;
    for (int attempt = 0;; ++attempt) {
      const rd_kafka_metadata_t* md = nullptr;
      rd_kafka_topic_t* topic = rd_kafka_topic_new(producer_.get(), config_.topic.c_str(), nullptr);
      const rd_kafka_resp_err_t err = rd_kafka_metadata(producer_.get(), 0, topic, &md, timeout_ms);
      rd_kafka_topic_destroy(topic);
      if (err) return tl::unexpected(make_error(error_code::store_error, "metadata: " + rdk::err_text(err)));
      std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> guard(
          md, &rd_kafka_metadata_destroy);
      if (md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt > 0) {
        partitions = md->topics[0].partition_cnt;
        replicas = md->topics[0].partitions[0].replica_cnt;
        break;
      }
      // A topic just created can take a moment to appear in every broker's metadata.
      if (attempt == 50)
        return tl::unexpected(
            make_error(error_code::store_error, "topic " + config_.topic + " did not appear"));
      std::this_thread::sleep_for(100ms);
    }
    if (partitions != 1) {
      return tl::unexpected(make_error(error_code::store_error, "The schema topic " + config_.topic +
                                                                    " should have only 1 partition but has " +
                                                                    std::to_string(partitions)));
    }
    if (replicas < config_.replication_factor) {
      warn("The replication factor of the schema topic " + config_.topic +
           " is less than the desired one of " + std::to_string(config_.replication_factor) +
           ". If this is a production environment, it's crucial to add more brokers and increase the "
           "replication factor of the topic.");
    }
    auto configs = describe_topic_configs();
    if (!configs) return tl::unexpected(configs.error());
    const auto policy = configs->find("cleanup.policy");
    const std::string shown = policy == configs->end() ? "null" : policy->second;
    if (policy == configs->end() || policy->second != "compact") {
      return tl::unexpected(make_error(
          error_code::store_error, "The retention policy of the schema topic " + config_.topic +
                                       " is incorrect. Expected cleanup.policy to be 'compact' but it is " +
                                       shown));
    }
    if (auto limit = configs->find("max.message.bytes"); limit != configs->end()) {
      max_message_bytes_ = std::strtoll(limit->second.c_str(), nullptr, 10);
    }
    return {};
  }

  api_result<std::map<std::string, std::string>> describe_topic_configs() {
    rd_kafka_ConfigResource_t* resource =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, config_.topic.c_str());
    rdk::queue_ptr queue(rd_kafka_queue_new(producer_.get()));
    auto options = admin_options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(producer_.get(), &resource, 1, options.get(), queue.get());
    rd_kafka_ConfigResource_destroy(resource);
    rdk::event_ptr ev(rd_kafka_queue_poll(queue.get(), static_cast<int>(config_.timeout.count()) + 5000));
    if (!ev)
      return tl::unexpected(make_error(error_code::store_error,
                                       "Timed out trying to create or validate schema topic configuration"));
    const auto* res = rd_kafka_event_DescribeConfigs_result(ev.get());
    if (!res || rd_kafka_event_error(ev.get()))
      return tl::unexpected(make_error(
          error_code::store_error,
          "describing the configuration of " + config_.topic + ": " + rd_kafka_event_error_string(ev.get())));
    std::size_t n = 0;
    const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(res, &n);
    if (n != 1 || rd_kafka_ConfigResource_error(resources[0])) {
      const char* why = n == 1 ? rd_kafka_ConfigResource_error_string(resources[0]) : "no result";
      return tl::unexpected(make_error(
          error_code::store_error,
          "describing the configuration of " + config_.topic + ": " + (why ? why : "unknown error")));
    }
    std::size_t count = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[0], &count);
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; i < count; ++i) {
      const char* value = rd_kafka_ConfigEntry_value(entries[i]);
      if (value) out[rd_kafka_ConfigEntry_name(entries[i])] = value;
    }
    return out;
  }

  static void warn(const std::string& text) { std::fprintf(stderr, "registry: warning: %s\n", text.c_str()); }

  // The largest record the topic and our producer accept. The topic's limit is re-read when it
  // refuses, so a limit changed since start-up is the one reported.
  std::int64_t record_limit() const {
    const std::int64_t topic = max_message_bytes_ > 0 ? max_message_bytes_.load() : producer_max_bytes_;
    return std::min(topic, producer_max_bytes_);
  }

  // A schema the log cannot hold is the request's fault, not the store's: a 4xx that says why,
  // so clients do not retry it (Confluent answers 500/50001 here; docs/registry.md says why not).
  api_result<void> too_large(std::int64_t size) {
    if (size < 0) {
      if (auto configs = describe_topic_configs(); configs) {
        if (auto limit = configs->find("max.message.bytes"); limit != configs->end())
          max_message_bytes_ = std::strtoll(limit->second.c_str(), nullptr, 10);
      }
    }
    std::string text = "Schema too large for the schemas topic " + config_.topic;
    if (size >= 0) text += ": its record is " + std::to_string(size) + " bytes";
    text += size >= 0 ? ", " : ": ";
    text += "the limit is " + std::to_string(record_limit()) + " bytes";
    text += max_message_bytes_ > 0 && max_message_bytes_ <= producer_max_bytes_
                ? " (the topic's max.message.bytes)"
                : " (the producer's message.max.bytes)";
    return tl::unexpected(make_error(error_code::invalid_schema, text));
  }

  void read_loop() {
    while (!stop_) {
      rdk::message_ptr msg(rd_kafka_consumer_poll(consumer_.get(), 100));
      if (!msg) continue;
      if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        advance(msg->offset);
        continue;
      }
      if (msg->err) {
        std::lock_guard lock(progress_mutex_);
        reader_error_ = rd_kafka_message_errstr(msg.get());
        continue;
      }
      const std::string key(static_cast<const char*>(msg->key), msg->key_len);
      std::optional<std::string> value;
      if (msg->payload) value.emplace(static_cast<const char*>(msg->payload), msg->len);
      if (auto r = decode(key, value)) {
        std::unique_lock lock(state_.mutex);
        state_.data.apply(*r);
      }
      advance(msg->offset + 1);
    }
  }

  void advance(std::int64_t next) {
    std::lock_guard lock(progress_mutex_);
    reader_error_.clear();
    if (next > applied_) applied_ = next;
    progress_cv_.notify_all();
  }

  api_result<void> wait_applied(std::int64_t next) {
    std::unique_lock lock(progress_mutex_);
    if (!progress_cv_.wait_for(lock, config_.timeout, [&] { return applied_ >= next; })) {
      return tl::unexpected(
          make_error(error_code::operation_timeout,
                     "Timed out waiting for the Kafka store to reach offset " + std::to_string(next)));
    }
    return {};
  }

  shared_state& state_;
  kafka_store_config config_;
  kafka::properties common_;
  std::unique_ptr<elector> elector_;
  std::mutex leader_mutex_;
  std::optional<std::string> cached_leader_;
  std::chrono::steady_clock::time_point cached_at_;
  rdk::handle_ptr producer_;
  rdk::handle_ptr consumer_;
  std::mutex start_mutex_;
  std::thread reader_;
  std::atomic<bool> stop_{false};
  mutable std::mutex progress_mutex_;
  std::condition_variable progress_cv_;
  std::int64_t applied_ = 0;  // the next offset to apply
  std::string reader_error_;
  bool caught_up_once_ = false;
  std::atomic<std::int64_t> max_message_bytes_{0};  // the topic's, read at start-up; 0: unknown
  std::int64_t producer_max_bytes_ = 0;
};

}  // namespace

std::unique_ptr<store> make_kafka_store(shared_state& state, const kafka_store_config& config) {
  return std::make_unique<kafka_store>(state, config);
}

}  // namespace kavro::registry_server
