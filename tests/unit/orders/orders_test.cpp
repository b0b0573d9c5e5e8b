// The Order record: the generated encoder writes the same bytes as the generic codec, conversions
// from any compatible writer record, validation, and the SQLite sink's idempotence and batching.
#include <gtest/gtest.h>

#include "kavro/avro/codec.hpp"
#include "kavro/orders/order.hpp"
#include "kavro/orders/sqlite_sink.hpp"

namespace {

using namespace kavro;

TEST(order, generated_encoder_writes_the_generic_codecs_bytes) {
  orders::order_generator gen(3);
  std::vector<orders::order> samples{{1, "Phone", 899.99f}, {-7, "", 0.0f}, {2147483647, "Café ✓", -1.5f}};
  for (int i = 0; i < 50; ++i) samples.push_back(gen.next());
  for (const auto& o : samples) {
    std::vector<std::uint8_t> generic, generated;
    ASSERT_TRUE(avro::encode(orders::order_schema(), orders::to_value(o), generic));
    orders::encode(o, generated);
    EXPECT_EQ(generated, generic) << "order " << o.order_id;
  }
  std::vector<std::uint8_t> phone;
  orders::encode({1, "Phone", 899.99f}, phone);
  EXPECT_EQ(phone, (std::vector<std::uint8_t>{0x02, 0x0a, 'P', 'h', 'o', 'n', 'e', 0x5c, 0xff, 0x60, 0x44}));
}

TEST(order, reads_any_writer_record_with_the_three_fields) {
  auto v2 = avro::schema::parse(R"({"type":"record","name":"Order","namespace":"shop","fields":[
      {"name":"note","type":["null","string"],"default":null},
      {"name":"price","type":"double"},{"name":"order_id","type":"long"},{"name":"product","type":"string"}]})");
  ASSERT_TRUE(v2) << v2.error().message;
  auto v = avro::value::record_of({avro::value::union_of(0, avro::value()), avro::value(12.5),
                                   avro::value(std::int64_t{42}), avro::value("Lamp")});
  auto o = orders::from_value(*v2, v);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(*o, (orders::order{42, "Lamp", 12.5f}));

  auto too_big = avro::value::record_of({avro::value::union_of(0, avro::value()), avro::value(1.0),
                                         avro::value(std::int64_t{1} << 40), avro::value("Lamp")});
  auto e = orders::from_value(*v2, too_big);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "field 'order_id': expected an int");

  auto other =
      avro::schema::parse(R"({"type":"record","name":"Refund","fields":[{"name":"order_id","type":"int"}]})");
  auto missing = orders::from_value(*other, avro::value::record_of({avro::value(std::int32_t{1})}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "record 'Refund' has no field 'product'");
}

TEST(order, validation_rejects_an_empty_product_and_a_bad_price) {
  EXPECT_TRUE(orders::validate({1, "Phone", 1.0f}));
  EXPECT_FALSE(orders::validate({1, "", 1.0f}));
  EXPECT_FALSE(orders::validate({1, "Phone", -0.01f}));
  EXPECT_FALSE(orders::validate({1, "Phone", std::numeric_limits<float>::quiet_NaN()}));
}

kafka::consumed_message from(std::int64_t offset) {
  kafka::consumed_message m;
  m.topic = "orders";
  m.partition = 0;
  m.offset = offset;
  return m;
}

TEST(sqlite_sink, storing_an_order_twice_keeps_one_row_with_the_latest_values) {
  orders::sqlite_sink sink(":memory:");
  ASSERT_FALSE(sink.store({7, "Phone", 1.0f}, from(1)));
  ASSERT_FALSE(sink.store({7, "Phone", 2.0f}, from(2)));
  ASSERT_FALSE(sink.store({8, "Lamp", 3.0f}, from(3)));
  EXPECT_EQ(sink.count().value(), 2);
  EXPECT_EQ(*sink.find(7).value(), (orders::order{7, "Phone", 2.0f}));
  EXPECT_FALSE(sink.find(9).value());
}

TEST(sqlite_sink, a_batch_is_stored_only_when_committed) {
  orders::sqlite_sink sink(":memory:", {.batched = true});
  ASSERT_FALSE(sink.store({1, "A", 1.0f}, from(1)));
  ASSERT_FALSE(sink.store({2, "B", 1.0f}, from(2)));
  EXPECT_EQ(sink.pending_rows(), 2u);
  sink.rollback_batch();
  EXPECT_EQ(sink.count().value(), 0);
  ASSERT_FALSE(sink.store({3, "C", 1.0f}, from(3)));
  ASSERT_TRUE(sink.commit_batch());
  EXPECT_EQ(sink.pending_rows(), 0u);
  EXPECT_EQ(sink.count().value(), 1);
}

}  // namespace
