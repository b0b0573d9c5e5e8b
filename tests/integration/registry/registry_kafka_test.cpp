// The registry on a `_schemas` topic of a real broker: everything survives a restart, the topic holds
// Confluent's key and value formats (and kavro serves a topic written in them), and two instances
// share one log through an elected leader.
#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "kafka_fixture.hpp"
#include "kavro/registry_server/server.hpp"

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace rs = kavro::registry_server;

constexpr const char* sr_type = "application/vnd.schemaregistry.v1+json";
const std::string user_v1 = R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";
const std::string user_v2 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":"string","default":""}]})";
const std::string other = R"({"type":"record","name":"Other","fields":[{"name":"x","type":"int"}]})";

std::string bootstrap() {
  return kavro::testing::fixture_bootstrap();
}

std::string unique_topic() {
  std::random_device rd;
  return "_schemas-test-" + std::to_string(rd()) + std::to_string(rd());
}

// One registry instance on the topic, and an HTTP client to it.
struct instance {
  explicit instance(const std::string& topic) {
    rs::server_config config{"127.0.0.1", 0};
    rs::kafka_store_config k;
    k.bootstrap = bootstrap();
    k.topic = topic;
    k.timeout = 60s;
    config.kafka = k;
    srv = std::make_unique<rs::server>(config);
    auto bound = srv->start();
    if (!bound) throw std::runtime_error(bound.error().message);
    port = *bound;
    http = std::make_unique<httplib::Client>("127.0.0.1", port);
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
  std::uint16_t port = 0;
  std::unique_ptr<httplib::Client> http;
};

struct rd_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using rd_ptr = std::unique_ptr<rd_kafka_t, rd_deleter>;

rd_ptr make_client(rd_kafka_type_t type, std::vector<std::pair<std::string, std::string>> props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  props.emplace_back("bootstrap.servers", bootstrap());
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      throw std::runtime_error(err);
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) throw std::runtime_error(err);
  return rd_ptr(rk);
}

// Every record of the topic's partition 0, as (key, value or "null").
std::vector<std::pair<std::string, std::string>> read_topic(const std::string& topic) {
  auto consumer = make_client(
      RD_KAFKA_CONSUMER,
      {{"group.id", "reader-" + topic}, {"enable.partition.eof", "true"}, {"enable.auto.commit", "false"}});
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(consumer.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<std::pair<std::string, std::string>> out;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.get(), 200);
    if (!m) continue;
    const bool eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
    if (!m->err) {
      out.emplace_back(std::string(static_cast<const char*>(m->key), m->key_len),
                       m->payload ? std::string(static_cast<const char*>(m->payload), m->len) : "null");
    }
    rd_kafka_message_destroy(m);
    if (eof) break;
  }
  rd_kafka_consumer_close(consumer.get());
  return out;
}

void produce(const std::string& topic,
             const std::vector<std::pair<std::string, std::optional<std::string>>>& records) {
  auto producer = make_client(RD_KAFKA_PRODUCER, {});
  for (const auto& [key, value] : records) {
    void* payload = value ? const_cast<char*>(value->data()) : nullptr;
    const std::size_t size = value ? value->size() : 0;
    ASSERT_EQ(rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                                RD_KAFKA_V_VALUE(payload, size), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

TEST(registry_kafka, everything_survives_a_restart) {
  const std::string topic = unique_topic();
  int id1 = 0, id2 = 0, id3 = 0;
  {
    instance a(topic);
    id1 = a.register_schema("users-value", user_v1);
    id2 = a.register_schema("users-value", user_v2);
    id3 = a.register_schema("other-value", other);
    a.put("/config/users-value", {{"compatibility", "FULL"}});
    a.put("/mode/other-value", {{"mode", "READONLY"}});
    a.register_schema("gone-value", user_v1);
    a.del("/subjects/gone-value");
    a.register_schema("purged-value", other);
    a.del("/subjects/purged-value");
    a.del("/subjects/purged-value?permanent=true");
  }
  instance b(topic);
  EXPECT_EQ(b.get("/subjects"), json::array({"other-value", "users-value"}));
  EXPECT_EQ(b.get("/subjects?deleted=true"), json::array({"gone-value", "other-value", "users-value"}));
  EXPECT_EQ(b.get("/subjects/users-value/versions"), json::array({1, 2}));
  EXPECT_EQ(b.get("/subjects/users-value/versions/2"),
            (json{{"subject", "users-value"}, {"version", 2}, {"id", id2}, {"schema", user_v2}}));
  EXPECT_EQ(b.get("/schemas/ids/" + std::to_string(id1)), (json{{"schema", user_v1}}));
  EXPECT_EQ(b.get("/config/users-value"), (json{{"compatibilityLevel", "FULL"}}));
  EXPECT_EQ(b.get("/mode/other-value"), (json{{"mode", "READONLY"}}));
  EXPECT_EQ(b.post("/subjects/other-value/versions", {{"schema", user_v1}}, 422)["error_code"], 42205);
  // The same schema keeps its id; a new one continues after the highest id in the log.
  EXPECT_EQ(b.register_schema("again-value", user_v1), id1);
  EXPECT_GT(b.register_schema("new-value", R"({"type":"record","name":"N","fields":[]})"), id3);
}

TEST(registry_kafka, topic_holds_confluents_formats) {
  const std::string topic = unique_topic();
  {
    instance a(topic);
    a.register_schema("s", user_v1);
    a.put("/config", {{"compatibility", "NONE"}, {"normalize", true}});
    a.put("/mode/s", {{"mode", "READWRITE"}});
    a.del("/subjects/s/versions/1");
    a.del("/subjects/s/versions/1?permanent=true");
    // A data contract, given in another order than Confluent writes it.
    a.post("/subjects/m/versions",
           {{"schema", user_v1},
            {"ruleSet", {{"domainRules", {{{"type", "CEL"}, {"name", "r"}, {"mode", "write"}}}}}},
            {"metadata", {{"properties", {{"owner", "x"}}}, {"sensitive", {"b", "a"}}}}});
  }
  const auto records = read_topic(topic);
  const std::vector<std::pair<std::string, std::string>> expected{
      {R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})",
       R"({"subject":"s","version":1,"id":1,"schema":)" + json(user_v1).dump() + R"(,"deleted":false})"},
      {R"({"keytype":"CONFIG","subject":null,"magic":0})",
       R"({"normalize":true,"compatibilityLevel":"NONE"})"},
      {R"({"keytype":"MODE","subject":"s","magic":0})", R"({"mode":"READWRITE"})"},
      {R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})",
       R"({"subject":"s","version":1,"id":1,"schema":)" + json(user_v1).dump() + R"(,"deleted":true})"},
      {R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})", "null"},
      {R"({"keytype":"SCHEMA","subject":"m","version":1,"magic":1})",
       R"({"subject":"m","version":1,"id":2,"metadata":{"properties":{"owner":"x"},"sensitive":["a","b"]},)"
       R"("ruleSet":{"domainRules":[{"name":"r","kind":"TRANSFORM","mode":"WRITE","type":"CEL","disabled":false}]},)"
       R"("schema":)" +
           json(user_v1).dump() + R"(,"deleted":false})"},
  };
  EXPECT_EQ(records, expected);
}

TEST(registry_kafka, serves_a_topic_written_by_confluent) {
  const std::string topic = unique_topic();
  {
    // Creates the topic (compacted, one partition) and leaves it empty.
    instance a(topic);
  }
  // What Confluent's registry writes: NOOP markers, schemas with schemaType/references, configs,
  // modes, a subject deletion, and key types kavro has no use for.
  produce(topic,
          {
              {R"({"keytype":"NOOP","magic":0})", std::nullopt},
              {R"({"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1})",
               R"({"subject":"orders-value","version":1,"id":100,"schemaType":"AVRO","schema":)" +
                   json(user_v1).dump() + R"(,"deleted":false})"},
              {R"({"keytype":"SCHEMA","subject":"orders-value","version":2,"magic":1})",
               R"({"subject":"orders-value","version":2,"id":101,"references":[],"schema":)" +
                   json(user_v2).dump() + R"(,"deleted":false,"metadata":null,"ruleSet":null})"},
              {R"({"keytype":"SCHEMA","subject":"contract-value","version":1,"magic":1})",
               R"({"subject":"contract-value","version":1,"id":104,"metadata":{"tags":{"$.id":["PII"]},)"
               R"("properties":{"owner":"x"}},"ruleSet":{"migrationRules":[{"name":"up","kind":"TRANSFORM",)"
               R"("mode":"UPGRADE","type":"JSONATA","expr":"$","disabled":false}]},"schema":)" +
                   json(user_v1).dump() + R"(,"deleted":false})"},
              {R"({"keytype":"CONFIG","subject":"orders-value","magic":0})",
               R"({"compatibilityLevel":"FORWARD","alias":null})"},
              {R"({"keytype":"MODE","subject":null,"magic":0})", R"({"mode":"READWRITE"})"},
              {R"({"keytype":"SCHEMA","subject":"old-value","version":1,"magic":1})",
               R"({"subject":"old-value","version":1,"id":102,"schema":)" + json(other).dump() +
                   R"(,"deleted":false})"},
              {R"({"keytype":"DELETE_SUBJECT","subject":"old-value","magic":0})",
               R"({"subject":"old-value","version":1})"},
              {R"({"keytype":"CONTEXT","tenant":"default","context":".","magic":0})",
               R"({"tenant":"default","context":"."})"},
              {R"({"keytype":"NOOP","magic":0})", std::nullopt},
          });
  instance b(topic);
  EXPECT_EQ(b.get("/subjects"), json::array({"contract-value", "orders-value"}));
  EXPECT_EQ(b.get("/subjects/contract-value/versions/1"),
            json::parse(
                R"({"subject":"contract-value","version":1,"id":104,"metadata":{"tags":{"$.id":["PII"]},)"
                R"("properties":{"owner":"x"}},"ruleSet":{"migrationRules":[{"name":"up","kind":"TRANSFORM",)"
                R"("mode":"UPGRADE","type":"JSONATA","expr":"$","disabled":false}]},"schema":)" +
                json(user_v1).dump() + "}"));
  EXPECT_EQ(b.get("/subjects/orders-value/versions/latest"),
            (json{{"subject", "orders-value"}, {"version", 2}, {"id", 101}, {"schema", user_v2}}));
  EXPECT_EQ(b.get("/schemas/ids/100"), (json{{"schema", user_v1}}));
  EXPECT_EQ(b.get("/config/orders-value"), (json{{"compatibilityLevel", "FORWARD"}}));
  EXPECT_EQ(b.get("/subjects/old-value/versions?deleted=true"), json::array({1}));
  EXPECT_EQ(b.register_schema("next-value", R"({"type":"record","name":"N","fields":[]})"), 105);
}

TEST(registry_kafka, two_instances_one_leader_writes_through_either) {
  const std::string topic = unique_topic();
  auto a = std::make_unique<instance>(topic);
  instance b(topic);
  // Whichever leads, writes through either succeed and both read them at once afterwards.
  const int id1 = a->register_schema("s", user_v1);
  EXPECT_EQ(b.get("/subjects/s/versions/1")["id"], id1);
  const int id2 = b.register_schema("s", user_v2);
  EXPECT_EQ(a->get("/subjects/s/versions/2")["id"], id2);
  EXPECT_EQ(b.get("/subjects/s/versions/2")["id"], id2);
  EXPECT_NE(id1, id2);
  const int id3 = b.register_schema("t", other);
  const int id4 = a->register_schema("u", R"({"type":"record","name":"U","fields":[]})");
  EXPECT_EQ((std::set<int>{id1, id2, id3, id4}).size(), 4u);
  b.put("/config/s", {{"compatibility", "NONE"}});
  EXPECT_EQ(a->get("/config/s"), (json{{"compatibilityLevel", "NONE"}}));
  // Errors come back from the leader unchanged.
  EXPECT_EQ(b.post("/subjects/t/versions", {{"schema", "{"}}, 422)["error_code"], 42201);
  b.del("/subjects/u");
  EXPECT_EQ(a->get("/subjects"), json::array({"s", "t"}));

  // The first instance goes away; the other leads (or already did) and takes writes.
  a.reset();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  int id5 = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto res = b.http->Post("/subjects/v/versions",
                            json{{"schema", R"({"type":"record","name":"V","fields":[]})"}}.dump(), sr_type);
    if (res && res->status == 200) {
      id5 = json::parse(res->body)["id"];
      break;
    }
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_GT(id5, id4);
  EXPECT_EQ(b.get("/subjects"), json::array({"s", "t", "v"}));
}

}  // namespace
