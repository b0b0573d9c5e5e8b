// Object container files: exact header layout, round trips with both codecs, and corrupt files
// refused with a reason.
#include "kavro/avro/container.hpp"

#include <gtest/gtest.h>

#include "kavro/avro/json.hpp"
#include "test_util.hpp"

namespace kavro::avro {
namespace {

using test::must_parse;

std::vector<value> orders(int n) {
  std::vector<value> out;
  for (int i = 0; i < n; ++i)
    out.push_back(
        value::record_of({value(std::int32_t{i}), value(std::string(static_cast<std::size_t>(i % 7), 'x')),
                          value(static_cast<float>(i) / 4)}));
  return out;
}

class container_rows : public ::testing::TestWithParam<std::tuple<container_codec, int, std::size_t>> {};

TEST_P(container_rows, round_trip) {
  auto [codec, n, block] = GetParam();
  auto s = must_parse(test::order_schema);
  container_options o;
  o.codec = codec;
  o.block_records = block;
  o.metadata["kavro.topic"] = {'o', 'r', 'd', 'e', 'r', 's'};
  container_writer w(s, o);
  auto values = orders(n);
  for (const auto& v : values) ASSERT_TRUE(w.append(v));
  auto file = w.finish();
  ASSERT_TRUE(file);
  ASSERT_GE(file->size(), 4u);
  EXPECT_EQ(std::string(file->begin(), file->begin() + 4), std::string("Obj\x01", 4));
  auto c = read_container(*file);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->codec, codec);
  EXPECT_EQ(c->records, values);
  EXPECT_EQ(c->writer_schema.canonical_form(), s.canonical_form());
  EXPECT_EQ(c->metadata.at("kavro.topic").size(), 6u);
  // Every truncation fails cleanly, or, cut at a block boundary, reads strictly fewer records.
  for (std::size_t cut = 0; cut < file->size(); cut += std::max<std::size_t>(7, file->size() / 40)) {
    auto t = read_container(std::span(file->data(), cut));
    if (t) {
      EXPECT_LT(t->records.size(), values.size());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    all, container_rows,
    ::testing::Combine(::testing::Values(container_codec::null, container_codec::deflate),
                       ::testing::Values(0, 1, 100), ::testing::Values(std::size_t{1}, 1000)));

TEST(container, exact_header_bytes_with_a_fixed_sync_marker) {
  container_options o;
  o.sync.fill(0xab);
  container_writer w(must_parse(R"("int")"), o);
  ASSERT_TRUE(w.append(value(std::int32_t{1})));
  auto file = w.finish().value();
  // magic, map of 2 entries (avro.codec "null", avro.schema "\"int\""), end of map, sync,
  // then one block: count 1, size 1, datum 02, sync.
  std::string expect("Obj\x01", 4);
  expect += "\x04";
  expect +=
      "\x14"
      "avro.codec"
      "\x08"
      "null";
  expect +=
      "\x16"
      "avro.schema"
      "\x0a"
      "\"int\"";
  expect += std::string(1, '\0') + std::string(16, '\xab');
  expect += "\x02\x02\x02" + std::string(16, '\xab');
  EXPECT_EQ(std::string(file.begin(), file.end()), expect);
}

TEST(container, corrupt_files_are_refused_with_a_reason) {
  container_options o;
  o.sync.fill(1);
  container_writer w(must_parse(R"("string")"), o);
  ASSERT_TRUE(w.append(value("abc")));
  auto file = w.finish().value();
  auto bad_sync = file;
  bad_sync.back() ^= 1;
  auto r = read_container(bad_sync);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("sync marker does not match"), std::string::npos) << r.error().message;
  EXPECT_FALSE(read_container(std::vector<std::uint8_t>{'O', 'b', 'j', 2}));
  std::vector<std::uint8_t> not_deflate = file;
  // Claim deflate for a file written with null: the block is not valid deflate data.
  std::string f(file.begin(), file.end());
  auto at = f.find("null");
  ASSERT_NE(at, std::string::npos);
  EXPECT_FALSE(read_container(file).value().records.empty());
  f.replace(at, 4, "zstd");
  auto z = read_container(std::vector<std::uint8_t>(f.begin(), f.end()));
  ASSERT_FALSE(z);
  EXPECT_NE(z.error().message.find("codec 'zstd' is not supported"), std::string::npos);
}

}  // namespace
}  // namespace kavro::avro
