// The `_schemas` topic on a real broker with auto-creation on (Kafka's default and the fixture's): the
// registry creates it compacted with one partition before anything can auto-create it, refuses to
// start on a topic that would lose schemas, keeps the right state through compaction, and refuses a
// schema larger than the topic's record limit with a 4xx that says so.
#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kafka_fixture.hpp"
#include "kavro/registry_server/server.hpp"

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace rs = kavro::registry_server;

constexpr const char* sr_type = "application/vnd.schemaregistry.v1+json";

std::string bootstrap() {
  return kavro::testing::fixture_bootstrap();
}

std::string unique_topic(const std::string& prefix = "_schemas-topic-") {
  std::random_device rd;
  return prefix + std::to_string(rd()) + std::to_string(rd());
}

std::string record_schema(const std::string& name) {
  return R"({"type":"record","name":")" + name + R"(","fields":[{"name":"x","type":"int"}]})";
}

rs::server_config config_for(const std::string& topic) {
  rs::server_config config{"127.0.0.1", 0};
  rs::kafka_store_config k;
  k.bootstrap = bootstrap();
  k.topic = topic;
  k.timeout = 60s;
  config.kafka = k;
  return config;
}

struct instance {
  explicit instance(const std::string& topic) {
    srv = std::make_unique<rs::server>(config_for(topic));
    auto bound = srv->start();
    if (!bound) throw std::runtime_error(bound.error().message);
    http = std::make_unique<httplib::Client>("127.0.0.1", *bound);
    http->set_read_timeout(60, 0);
  }
  json call(const httplib::Result& res, int status) const {
    EXPECT_TRUE(res) << "no response";
    if (!res) return nullptr;
    EXPECT_EQ(res->status, status) << res->body;
    return json::parse(res->body, nullptr, false);
  }
  json get(const std::string& path, int status = 200) const { return call(http->Get(path), status); }
  json post(const std::string& path, const json& body, int status = 200) const {
    return call(http->Post(path, body.dump(), sr_type), status);
  }
  json put(const std::string& path, const json& body, int status = 200) const {
    return call(http->Put(path, body.dump(), sr_type), status);
  }
  json del(const std::string& path, int status = 200) const { return call(http->Delete(path), status); }
  int register_schema(const std::string& subject, const std::string& schema) const {
    return post("/subjects/" + subject + "/versions", {{"schema", schema}})["id"].get<int>();
  }
  std::unique_ptr<rs::server> srv;
  std::unique_ptr<httplib::Client> http;
};

// An admin client of our own (a producer handle), and the broker-side facts the tests assert.
struct admin {
  admin() {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap().c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "allow.auto.create.topics", "false", err, sizeof err);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) throw std::runtime_error(err);
  }
  ~admin() { rd_kafka_destroy(rk); }

  void create(const std::string& topic, int partitions, const std::map<std::string, std::string>& configs) {
    char err[512];
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
    ASSERT_TRUE(nt) << err;
    for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(options, 30000, err, sizeof err);
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, options, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
    ASSERT_TRUE(ev);
    std::size_t n = 0;
    const auto** results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(rd_kafka_topic_result_error(results[0]), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_NewTopic_destroy(nt);
  }

  std::map<std::string, std::string> configs(const std::string& topic) {
    rd_kafka_ConfigResource_t* r = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_DescribeConfigs(rk, &r, 1, nullptr, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
    std::map<std::string, std::string> out;
    if (ev && rd_kafka_event_DescribeConfigs_result(ev)) {
      std::size_t n = 0;
      const auto** rs =
          rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
      std::size_t count = 0;
      const auto** entries = n == 1 ? rd_kafka_ConfigResource_configs(rs[0], &count) : nullptr;
      for (std::size_t i = 0; i < count; ++i) {
        if (const char* v = rd_kafka_ConfigEntry_value(entries[i]))
          out[rd_kafka_ConfigEntry_name(entries[i])] = v;
      }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(r);
    return out;
  }

  int partitions(const std::string& topic) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    int n = -1;
    if (rd_kafka_metadata(rk, 0, t, &md, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (md->topic_cnt == 1 && !md->topics[0].err) n = md->topics[0].partition_cnt;
      rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(t);
    return n;
  }

  rd_kafka_t* rk = nullptr;
};

// How many records of the topic carry `key` (to see that the log cleaner has run).
std::size_t records_with_key(const std::string& topic, const std::string& key) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap().c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", ("count-" + topic).c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_t* c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(c, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::size_t n = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 200);
    if (!m) continue;
    const bool eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
    if (!m->err && std::string(static_cast<const char*>(m->key), m->key_len) == key) ++n;
    rd_kafka_message_destroy(m);
    if (eof) break;
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return n;
}

std::string start_error(const std::string& topic) {
  rs::server srv(config_for(topic));
  auto bound = srv.start();
  return bound ? std::string("started") : bound.error().message;
}

TEST(registry_schemas_topic,
     a_fresh_store_on_an_auto_creating_broker_creates_it_compacted_with_one_partition) {
  const std::string topic = unique_topic();
  {
    instance a(topic);
    a.register_schema("s", record_schema("A"));
  }
  admin ad;
  const auto configs = ad.configs(topic);
  EXPECT_EQ(configs.at("cleanup.policy"), "compact");
  EXPECT_EQ(ad.partitions(topic), 1);
}

TEST(registry_schemas_topic, refuses_to_start_on_a_topic_with_the_delete_policy) {
  const std::string topic = unique_topic();
  admin ad;
  ad.create(topic, 1, {{"cleanup.policy", "delete"}});
  const std::string error = start_error(topic);
  EXPECT_NE(error.find("The retention policy of the schema topic " + topic +
                       " is incorrect. Expected cleanup.policy to be 'compact' but it is delete"),
            std::string::npos)
      << error;
}

TEST(registry_schemas_topic, refuses_compact_and_delete_too) {
  // Confluent accepts exactly "compact": with delete as well, old schemas still expire.
  const std::string topic = unique_topic();
  admin ad;
  ad.create(topic, 1, {{"cleanup.policy", "compact,delete"}});
  const std::string error = start_error(topic);
  EXPECT_NE(error.find("Expected cleanup.policy to be 'compact' but it is compact,delete"), std::string::npos)
      << error;
}

TEST(registry_schemas_topic, refuses_to_start_on_a_topic_with_three_partitions) {
  const std::string topic = unique_topic();
  admin ad;
  ad.create(topic, 3, {{"cleanup.policy", "compact"}});
  const std::string error = start_error(topic);
  EXPECT_NE(error.find("The schema topic " + topic + " should have only 1 partition but has 3"),
            std::string::npos)
      << error;
}

// What a restarted instance must hold after soft and hard deletes, before and after the log cleaner
// has compacted the topic: what Confluent's fold of the same compacted log gives.
void expect_state_after_deletes(const instance& b, const std::vector<int>& ids, bool compacted) {
  EXPECT_EQ(b.get("/subjects"), json::array({"hardv", "kept", "live"}));
  EXPECT_EQ(b.get("/subjects?deleted=true"), json::array({"hardv", "kept", "live", "soft"}));
  // A soft-deleted version stays soft-deleted: hidden, listed with ?deleted=true, refused a second
  // soft delete.
  EXPECT_EQ(b.get("/subjects/kept/versions"), json::array({2}));
  EXPECT_EQ(b.get("/subjects/kept/versions?deleted=true"), json::array({1, 2}));
  EXPECT_EQ(b.get("/subjects/kept/versions/1", 404)["error_code"], 40402);
  EXPECT_EQ(b.get("/subjects/kept/versions/1?deleted=true")["id"], ids[0]);
  EXPECT_EQ(b.del("/subjects/kept/versions/1", 404)["error_code"], 40406);
  // A soft-deleted subject stays soft-deleted.
  EXPECT_EQ(b.get("/subjects/soft/versions", 404)["error_code"], 40401);
  EXPECT_EQ(b.get("/subjects/soft/versions?deleted=true"), json::array({1}));
  // Hard-deleted versions and subjects are gone.
  EXPECT_EQ(b.get("/subjects/hard/versions?deleted=true", 404)["error_code"], 40401);
  EXPECT_EQ(b.get("/subjects/hardv/versions?deleted=true"), json::array({2}));
  EXPECT_EQ(b.get("/subjects/hardv/versions/1?deleted=true", 404)["error_code"], 40402);
  // Once compacted, the log no longer holds the hard-deleted schema at all (Confluent: 40403).
  if (compacted) {
    EXPECT_EQ(b.get("/schemas/ids/" + std::to_string(ids[2]), 404)["error_code"], 40403);
  }
  EXPECT_EQ(b.get("/schemas/ids/" + std::to_string(ids[5]))["schema"], record_schema("Live"));
}

TEST(registry_schemas_topic, compaction_keeps_soft_deletes_drops_hard_deletes_and_ids_stay_unique) {
  const std::string topic = unique_topic();
  admin ad;
  // Compacted, and eager to compact: segments roll after 100 ms and any dirt is worth cleaning.
  ad.create(topic, 1,
            {{"cleanup.policy", "compact"}, {"segment.ms", "100"}, {"min.cleanable.dirty.ratio", "0.001"}});
  std::vector<int> ids;
  {
    instance a(topic);
    a.put("/config", {{"compatibility", "NONE"}});
    ids.push_back(a.register_schema("kept", record_schema("K1")));    // 0: soft-deleted version
    ids.push_back(a.register_schema("kept", record_schema("K2")));    // 1
    ids.push_back(a.register_schema("hard", record_schema("Hard")));  // 2: hard-deleted subject
    ids.push_back(a.register_schema("soft", record_schema("Soft")));  // 3: soft-deleted subject
    ids.push_back(a.register_schema("hardv", record_schema("H1")));   // 4: hard-deleted version
    a.register_schema("hardv", record_schema("H2"));
    ids.push_back(a.register_schema("live", record_schema("Live")));  // 5: the highest id, live
    a.del("/subjects/kept/versions/1");
    a.del("/subjects/hard");
    a.del("/subjects/hard?permanent=true");
    a.del("/subjects/soft");
    a.del("/subjects/hardv/versions/1");
    a.del("/subjects/hardv/versions/1?permanent=true");
  }
  {
    instance b(topic);
    expect_state_after_deletes(b, ids, false);
  }
  // The active segment is never cleaned: a write after segment.ms rolls it, then the cleaner (every
  // log.cleaner.backoff.ms, 15 s by default) rewrites the older segments.
  const std::string hard_key = R"({"keytype":"SCHEMA","subject":"hard","version":1,"magic":1})";
  // The schema and its tombstone; or the tombstone alone when the cleaner has already run (segments
  // roll every 100 ms, so it may have, on a slow or busy machine).
  const auto before = records_with_key(topic, hard_key);
  ASSERT_TRUE(before == 2u || before == 1u) << before << " records with key " << hard_key;
  bool compacted = before == 1u;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  {
    instance writer(topic);
    for (int i = 0; !compacted && std::chrono::steady_clock::now() < deadline; ++i) {
      std::this_thread::sleep_for(1s);
      writer.put("/config/roll", {{"compatibility", i % 2 ? "FULL" : "BACKWARD"}});
      compacted = records_with_key(topic, hard_key) == 1;
    }
  }
  ASSERT_TRUE(compacted) << "the log cleaner did not compact " << topic;
  instance c(topic);
  expect_state_after_deletes(c, ids, true);
  // New schemas continue after the highest id ever handed out while it is in the log; a schema that
  // was hard-deleted is a new schema with a new id.
  const int next = c.register_schema("new", record_schema("New"));
  EXPECT_GT(next, ids[5]);
  EXPECT_GT(c.register_schema("again", record_schema("Hard")), next);
}

TEST(registry_schemas_topic, a_schema_over_the_topics_record_limit_is_a_422_naming_the_limit) {
  const std::string topic = unique_topic();
  admin ad;
  ad.create(topic, 1, {{"cleanup.policy", "compact"}, {"max.message.bytes", "2000"}});
  instance a(topic);
  std::string fields;
  for (int i = 0; i < 60; ++i) {
    fields +=
        std::string(i ? "," : "") + R"({"name":"field_number_)" + std::to_string(i) + R"(","type":"int"})";
  }
  const std::string big = R"({"type":"record","name":"Big","fields":[)" + fields + "]}";
  ASSERT_GT(big.size(), 2000u);
  const json body = a.post("/subjects/big/versions", {{"schema", big}}, 422);
  EXPECT_EQ(body["error_code"], 42201);
  const std::string message = body["message"];
  EXPECT_NE(message.find("Schema too large for the schemas topic " + topic), std::string::npos) << message;
  EXPECT_NE(message.find("the limit is 2000 bytes (the topic's max.message.bytes)"), std::string::npos)
      << message;
  // Nothing was written: the subject does not exist, and a small schema still registers.
  EXPECT_EQ(a.get("/subjects/big/versions", 404)["error_code"], 40401);
  EXPECT_EQ(a.register_schema("small", record_schema("Small")), 1);
}

}  // namespace
