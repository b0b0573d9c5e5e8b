// Confluent framing: exact header bytes and the messages for malformed frames.
#include "kavro/serde/wire.hpp"

#include <gtest/gtest.h>

namespace kavro::serde {
namespace {

using bytes = std::vector<std::uint8_t>;

TEST(wire, header_bytes) {
  bytes out = {0xee};
  write_header(1, out);
  EXPECT_EQ(out, (bytes{0xee, 0, 0, 0, 0, 1}));
  out.clear();
  write_header(0x01020304, out);
  EXPECT_EQ(out, (bytes{0, 1, 2, 3, 4}));
}

TEST(wire, parse_frame_round_trip) {
  bytes msg;
  write_header(0x7fffffff, msg);
  msg.push_back(0x42);
  auto f = parse_frame(msg);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->schema_id, 0x7fffffff);
  ASSERT_EQ(f->body.size(), 1u);
  EXPECT_EQ(f->body[0], 0x42);
  EXPECT_EQ(f->body.data(), msg.data() + header_size);

  bytes header_only = {0, 0, 0, 0, 9};
  auto g = parse_frame(header_only);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->schema_id, 9);
  EXPECT_TRUE(g->body.empty());
}

struct frame_error_case {
  bytes message;
  const char* text;
};

// Readable, unique ctest names for the table rows.
void PrintTo(const frame_error_case& c, std::ostream* os) {
  *os << c.text;
}

class frame_errors : public ::testing::TestWithParam<frame_error_case> {};

TEST_P(frame_errors, are_invalid_data) {
  auto f = parse_frame(GetParam().message);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, errc::invalid_data);
  EXPECT_EQ(f.error().message, GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    all, frame_errors,
    ::testing::Values(
        frame_error_case{{}, "empty message: not Confluent-framed Avro"},
        frame_error_case{{0, 0, 0, 1}, "message of 4 bytes is shorter than the 5-byte Confluent header"},
        frame_error_case{{1, 0, 0, 0, 1, 2}, "unknown magic byte 0x01: not Confluent-framed Avro"},
        frame_error_case{{'{', '"', 'a', '"', ':', '1', '}'},
                         "unknown magic byte 0x7b: not Confluent-framed Avro (JSON?)"}));

}  // namespace
}  // namespace kavro::serde
