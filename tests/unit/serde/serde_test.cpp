// Serializer and deserializer against an in-test registry: round trip, id caching, and error classes
// passing through unchanged (and uncached) so the consumer can pick retry or dead-letter.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "kavro/avro/codec.hpp"
#include "kavro/serde/deserializer.hpp"
#include "kavro/serde/serializer.hpp"
#include "kavro/serde/wire.hpp"

namespace kavro::serde {
namespace {

using bytes = std::vector<std::uint8_t>;

const std::string order_schema =
    R"({"type":"record","name":"Order","fields":[{"name":"order_id","type":"int"},)"
    R"({"name":"product","type":"string"},{"name":"price","type":"float"}]})";

// Counts calls and can be switched to fail with a chosen error class.
class fake_registry : public registry::schema_registry {
 public:
  std::atomic<int> register_calls{0}, lookup_calls{0}, by_id_calls{0};
  std::optional<errc> failing;  // set before use; not changed concurrently with calls

  result<std::int32_t> register_schema(const std::string& subject, const std::string& schema) override {
    ++register_calls;
    if (failing) return fail(*failing, "registry says no", 50001);
    std::lock_guard lock(mutex_);
    for (auto& [id, text] : by_id_)
      if (text == schema) {
        subjects_[subject] = id;
        return id;
      }
    std::int32_t id = next_id_++;
    by_id_[id] = schema;
    subjects_[subject] = id;
    return id;
  }

  result<registry::registered_schema> lookup_schema(const std::string& subject,
                                                    const std::string& schema) override {
    ++lookup_calls;
    if (failing) return fail(*failing, "registry says no");
    std::lock_guard lock(mutex_);
    auto it = subjects_.find(subject);
    if (it == subjects_.end() || by_id_[it->second] != schema)
      return fail(errc::not_found, "Subject not found.", 40401);
    return registry::registered_schema{subject, it->second, 1, schema};
  }

  result<std::string> schema_by_id(std::int32_t id) override {
    ++by_id_calls;
    if (failing) return fail(*failing, "registry says no");
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return fail(errc::not_found, "Schema not found", 40403);
    return it->second;
  }

  void put(std::int32_t id, std::string text) {
    std::lock_guard lock(mutex_);
    by_id_[id] = std::move(text);
  }

 private:
  std::mutex mutex_;
  std::int32_t next_id_ = 7;
  std::map<std::int32_t, std::string> by_id_;
  std::map<std::string, std::int32_t> subjects_;
};

avro::schema order() {
  return avro::schema::parse(order_schema).value();
}

TEST(serde, round_trip_with_exact_bytes) {
  auto reg = std::make_shared<fake_registry>();
  serializer ser(reg, "orders-value", order());
  bytes out;
  ASSERT_TRUE(ser.serialize(avro::value::record_of({1, "Phone", 899.99f}), out));
  EXPECT_EQ(out, (bytes{0, 0, 0, 0, 7, 0x02, 0x0a, 'P', 'h', 'o', 'n', 'e', 0x5c, 0xff, 0x60, 0x44}));

  deserializer de(reg);
  auto d = de.deserialize(out);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->schema_id, 7);
  EXPECT_EQ(d->writer_schema.full_name(), "Order");
  EXPECT_EQ(d->value, avro::value::record_of({1, "Phone", 899.99f}));
}

TEST(serde, schema_id_and_writer_schema_are_cached) {
  auto reg = std::make_shared<fake_registry>();
  serializer ser(reg, "orders-value", order());
  deserializer de(reg);
  bytes out;
  for (int i = 0; i < 3; ++i) {
    out.clear();
    ASSERT_TRUE(ser.serialize(avro::value::record_of({i, "x", 1.0f}), out));
    ASSERT_TRUE(de.deserialize(out));
  }
  EXPECT_EQ(reg->register_calls, 1);
  EXPECT_EQ(reg->by_id_calls, 1);
}

TEST(serde, concurrent_first_calls_register_once) {
  auto reg = std::make_shared<fake_registry>();
  serializer ser(reg, "orders-value", order());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      bytes out;
      if (ser.serialize(avro::value::record_of({1, "x", 1.0f}), out)) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(reg->register_calls, 1);
}

TEST(serde, lookup_mode_does_not_register) {
  auto reg = std::make_shared<fake_registry>();
  serializer ser(reg, "orders-value", order(), /*auto_register=*/false);
  bytes out;
  auto r = ser.serialize(avro::value::record_of({1, "x", 1.0f}), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::not_found);
  EXPECT_EQ(r.error().registry_code, 40401);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(reg->register_calls, 0);

  ASSERT_TRUE(reg->register_schema("orders-value", order().text()));
  ASSERT_TRUE(ser.serialize(avro::value::record_of({1, "x", 1.0f}), out));
  EXPECT_EQ(ser.schema_id().value(), 7);
}

TEST(serde, unavailable_passes_through_and_is_not_cached) {
  auto reg = std::make_shared<fake_registry>();
  serializer ser(reg, "orders-value", order());
  reg->failing = errc::unavailable;
  bytes out = {0xaa};
  auto r = ser.serialize(avro::value::record_of({1, "x", 1.0f}), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unavailable);
  EXPECT_EQ(r.error().registry_code, 50001);
  EXPECT_EQ(r.error().message, "subject 'orders-value': registering the schema: registry says no");
  EXPECT_EQ(out, bytes{0xaa});

  reg->failing.reset();
  ASSERT_TRUE(ser.serialize(avro::value::record_of({1, "x", 1.0f}), out));
  EXPECT_EQ(reg->register_calls, 2);

  deserializer de(reg);
  reg->failing = errc::unavailable;
  bytes msg(out.begin() + 1, out.end());
  auto d = de.deserialize(msg);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, errc::unavailable);
  EXPECT_EQ(d.error().message, "schema id 7: registry says no");
  reg->failing.reset();
  ASSERT_TRUE(de.deserialize(msg));
  EXPECT_EQ(reg->by_id_calls, 2);
}

TEST(serde, deserializer_error_classes) {
  auto reg = std::make_shared<fake_registry>();
  deserializer de(reg);

  auto unknown = de.deserialize(bytes{0, 0, 0, 0, 42, 0});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, errc::not_found);
  EXPECT_EQ(unknown.error().registry_code, 40403);
  EXPECT_EQ(unknown.error().message, "schema id 42: Schema not found");

  auto framing = de.deserialize(bytes{'{', '}'});
  ASSERT_FALSE(framing);
  EXPECT_EQ(framing.error().code, errc::invalid_data);
  EXPECT_EQ(reg->by_id_calls, 1);

  reg->put(3, order_schema);
  auto body = de.deserialize(bytes{0, 0, 0, 0, 3, 0x02, 0xd0, 0x0f, 'a'});
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, errc::invalid_data);
  EXPECT_EQ(body.error().message,
            "schema id 3: field 'product': string length 1000 exceeds the 1 bytes left at offset 3");

  reg->put(4, R"({"type":"flaot"})");
  auto bad_schema = de.deserialize(bytes{0, 0, 0, 0, 4, 0});
  ASSERT_FALSE(bad_schema);
  EXPECT_EQ(bad_schema.error().code, errc::invalid_schema);
  EXPECT_EQ(bad_schema.error().message, "schema id 4: unknown type 'flaot'");
}

TEST(serde, encode_error_leaves_buffer_untouched) {
  auto reg = std::make_shared<fake_registry>();
  serializer ser(reg, "orders-value", order());
  bytes out = {1};
  auto r = ser.serialize(avro::value::record_of({1, 2, 1.0f}), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_data);
  EXPECT_EQ(r.error().message, "field 'product': expected string, got int");
  EXPECT_EQ(out, bytes{1});
}

TEST(serde, a_writer_schema_with_an_unchecked_default_still_decodes) {
  // Registered by a tool that did not check defaults: the union's default matches its second branch.
  auto reg = std::make_shared<fake_registry>();
  reg->put(
      3,
      R"({"type":"record","name":"Note","fields":[{"name":"text","type":["string","null"],"default":null}]})");
  ASSERT_FALSE(avro::schema::parse(
      R"({"type":"record","name":"Note","fields":[{"name":"text","type":["string","null"],"default":null}]})"));
  deserializer de(reg);
  auto d = de.deserialize(bytes{0, 0, 0, 0, 3, 0x00, 0x02, 'h'});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->value, avro::value::record_of({avro::value::union_of(0, avro::value("h"))}));
}

}  // namespace
}  // namespace kavro::serde
