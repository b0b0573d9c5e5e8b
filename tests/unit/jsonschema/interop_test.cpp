// Messages framed by confluent-kafka's Python JSONSerializer (2.16.1, extra `json`) decode with kavro's
// decoder, validated against the schema they were written with. The golden files in data/ come from
// tests/interop/jsonschema/make_confluent_bytes.py; rerun it to refresh them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kavro/jsonschema/wire.hpp"

namespace kavro::jsonschema {
namespace {

std::string read(const std::string& name) {
  std::ifstream in(std::filesystem::path(KAVRO_JSONSCHEMA_TEST_DATA) / name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(jsonschema_interop, confluent_python_json_serializer_bytes_decode_and_validate) {
  auto s = schema::parse(read("order.schema.json"));
  ASSERT_TRUE(s) << s.error().message;
  wire_options options;
  options.validate_with = &*s;
  for (const char* name : {"order_simple", "order_unicode"}) {
    const std::string bin = read(std::string(name) + ".bin");
    ASSERT_GT(bin.size(), wire_header_size) << name;
    const std::vector<std::uint8_t> message(bin.begin(), bin.end());
    auto d = decode(message, options);
    ASSERT_TRUE(d) << name << ": " << d.error().message;
    EXPECT_EQ(d->schema_id, 1) << name;  // the first id Confluent's mock registry hands out
    EXPECT_EQ(d->value, nlohmann::json::parse(read(std::string(name) + ".json"))) << name;
    // kavro's encoder writes the same bytes for the same value and id.
    auto again = encode(d->schema_id, d->value, options);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(std::string(again->begin(), again->end()), bin) << name;
  }
}

}  // namespace
}  // namespace kavro::jsonschema
