// Differential test against avro-c (Debian's libavro): seeded random datums of schemas covering
// every type avro-c supports; kavro's bytes must be what avro-c writes after reading them, and
// kavro must decode avro-c's bytes to the same datum.
#include <avro.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kavro/avro/codec.hpp"
#include "kavro/avro/json.hpp"

namespace {

using namespace kavro::avro;

// A random datum of s; depth bounds recursion through unions and containers.
value random_value(const schema& s, std::mt19937_64& rng, int depth) {
  auto pick = [&](std::uint64_t n) { return static_cast<std::size_t>(rng() % n); };
  auto text = [&] {
    static const char* samples[] = {"", "a", "Phone", "ünïcødé 😀", "quote \" \\", "\t\n\x01"};
    std::string out = samples[pick(6)];
    if (pick(4) == 0) out += std::string(pick(300), 'x');
    return out;
  };
  switch (s.kind()) {
    case type::null:
      return value();
    case type::boolean:
      return value(pick(2) == 1);
    case type::int_: {
      static const std::int32_t edge[] = {0, -1, 1, 63, 64, -64, -65, INT32_MIN, INT32_MAX};
      return value(pick(2) ? edge[pick(9)] : static_cast<std::int32_t>(rng()));
    }
    case type::long_: {
      static const std::int64_t edge[] = {0, -1, 1, INT64_MIN, INT64_MAX, 1LL << 35, -(1LL << 35)};
      return value(pick(2) ? edge[pick(7)] : static_cast<std::int64_t>(rng()));
    }
    case type::float_: {
      static const float edge[] = {0.0f, -0.0f, 1.5f, INFINITY, -INFINITY, 1e-45f, 3.4e38f};
      return value(pick(2) ? edge[pick(7)] : static_cast<float>(static_cast<std::int32_t>(rng())) / 7.0f);
    }
    case type::double_: {
      static const double edge[] = {0.0, -0.0, 1.5, INFINITY, -INFINITY, 5e-324, 1.7e308};
      return value(pick(2) ? edge[pick(7)] : static_cast<double>(static_cast<std::int64_t>(rng())) / 3.0);
    }
    case type::string:
      return value(text());
    case type::bytes: {
      bytes b(pick(40));
      for (auto& c : b) c = static_cast<std::uint8_t>(rng());
      return value(std::move(b));
    }
    case type::fixed: {
      bytes b(s.fixed_size());
      for (auto& c : b) c = static_cast<std::uint8_t>(rng());
      return value::fixed_of(std::move(b));
    }
    case type::enum_:
      return value::enum_of(pick(s.symbols().size()));
    case type::record: {
      std::vector<value> fields;
      for (const auto& f : s.fields()) fields.push_back(random_value(f.type, rng, depth + 1));
      return value::record_of(std::move(fields));
    }
    case type::array: {
      std::vector<value> items(depth > 4 ? 0 : pick(6));
      for (auto& i : items) i = random_value(s.items(), rng, depth + 1);
      return value::array_of(std::move(items));
    }
    case type::map: {
      std::vector<std::pair<std::string, value>> entries;
      for (std::size_t i = 0, n = depth > 4 ? 0 : pick(5); i < n; ++i)
        entries.emplace_back(text() + std::to_string(i), random_value(s.values(), rng, depth + 1));
      return value::map_of(std::move(entries));
    }
    case type::union_: {
      std::size_t b = pick(s.branches().size());
      if (depth > 4)  // prefer a branch that ends the recursion
        for (std::size_t i = 0; i < s.branches().size(); ++i)
          if (s.branches()[i].kind() == type::null) b = i;
      return value::union_of(b, random_value(s.branches()[b], rng, depth + 1));
    }
  }
  return value();
}

const char* const schemas[] = {
    R"({"type":"record","name":"Order","fields":[{"name":"order_id","type":"int"},{"name":"product","type":"string"},{"name":"price","type":"float"}]})",
    R"("long")",
    R"(["null","double","string"])",
    R"({"type":"array","items":{"type":"map","values":["null","bytes","boolean"]}})",
    R"({"type":"record","name":"R","namespace":"a.b","fields":[
        {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y","Z"]}},
        {"name":"f","type":{"type":"fixed","name":"F","size":5}},
        {"name":"u","type":["null",{"type":"record","name":"P","fields":[{"name":"x","type":"double"}]},"E","F"]},
        {"name":"ps","type":{"type":"array","items":"P"}},
        {"name":"m","type":{"type":"map","values":{"type":"array","items":"long"}}},
        {"name":"n","type":"null"}]})",
    R"({"type":"record","name":"L","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","L"]}]})",
    R"({"type":"record","name":"T","fields":[{"name":"d","type":{"type":"int","logicalType":"date"}},
        {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},
        {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
        {"name":"id","type":{"type":"string","logicalType":"uuid"}}]})",
};

struct avro_c {
  avro_schema_t schema = nullptr;
  avro_value_iface_t* iface = nullptr;
  avro_value_t value{};
  explicit avro_c(const char* text) {
    if (avro_schema_from_json_length(text, std::strlen(text), &schema) != 0)
      throw std::runtime_error(avro_strerror());
    iface = avro_generic_class_from_schema(schema);
    avro_generic_value_new(iface, &value);
  }
  ~avro_c() {
    avro_value_decref(&value);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
  }
  // Reads bytes into the generic value and writes it back; returns what avro-c wrote.
  std::optional<std::vector<std::uint8_t>> round_trip(const std::vector<std::uint8_t>& in) {
    avro_reader_t r =
        avro_reader_memory(reinterpret_cast<const char*>(in.data()), static_cast<int64_t>(in.size()));
    avro_value_reset(&value);
    int rc = avro_value_read(r, &value);
    avro_reader_free(r);
    if (rc != 0) return std::nullopt;
    std::vector<char> buf(in.size() + 64);
    avro_writer_t w = avro_writer_memory(buf.data(), static_cast<int64_t>(buf.size()));
    rc = avro_value_write(w, &value);
    auto n = avro_writer_tell(w);
    avro_writer_free(w);
    if (rc != 0) return std::nullopt;
    return std::vector<std::uint8_t>(buf.begin(), buf.begin() + n);
  }
};

class avro_c_rows : public ::testing::TestWithParam<const char*> {};

TEST_P(avro_c_rows, bytes_equal_both_ways) {
  auto s = schema::parse(GetParam()).value();
  avro_c c(GetParam());
  std::mt19937_64 rng(20261126);
  int tried = 0;
  for (int i = 0; i < 300; ++i) {
    value v = random_value(s, rng, 0);
    std::vector<std::uint8_t> ours;
    ASSERT_TRUE(encode(s, v, ours));
    auto theirs = c.round_trip(ours);
    ASSERT_TRUE(theirs) << "avro-c could not read kavro's bytes for " << to_avro_json(s, v).dump() << ": "
                        << avro_strerror();
    ASSERT_EQ(*theirs, ours) << to_avro_json(s, v).dump();
    auto back = decode(s, *theirs);
    ASSERT_TRUE(back) << back.error().message;
    std::vector<std::uint8_t> again;
    ASSERT_TRUE(encode(s, *back, again));
    EXPECT_EQ(again, ours);
    ++tried;
  }
  RecordProperty("datums", tried);
}

INSTANTIATE_TEST_SUITE_P(all, avro_c_rows, ::testing::ValuesIn(schemas));

}  // namespace
