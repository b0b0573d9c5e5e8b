// Confluent's Protobuf framing: the message-index array (zig-zag varints, the single-0 shortcut) and the
// bounds of the decoder.
#include "kavro/protobuf/wire.hpp"

#include <gtest/gtest.h>

namespace kavro::protobuf {
namespace {

using bytes = std::vector<std::uint8_t>;

bytes indexes(std::vector<int> idx) {
  bytes out;
  write_message_indexes(idx, out);
  return out;
}

// Confluent's MessageIndexes.toByteArray and confluent-kafka-python's _encode_varints.
TEST(protobuf_wire, index_encoding_matches_confluent) {
  EXPECT_EQ(indexes({0}), (bytes{0x00}));        // the first message: one 0 byte
  EXPECT_EQ(indexes({1}), (bytes{0x02, 0x02}));  // count 1, index 1, both zig-zag
  EXPECT_EQ(indexes({1, 0}), (bytes{0x04, 0x02, 0x00}));
  EXPECT_EQ(indexes({0, 0}), (bytes{0x04, 0x00, 0x00}));  // only [0] takes the shortcut
  EXPECT_EQ(indexes({64}), (bytes{0x02, 0x80, 0x01}));    // 64 zig-zags to 128, two varint bytes
}

TEST(protobuf_wire, frame_round_trip) {
  bytes body{0x08, 0x96, 0x01};
  std::vector<int> idx{2, 0, 1};
  bytes msg;
  write_protobuf_frame(0x01020304, idx, body, msg);
  EXPECT_EQ(msg, (bytes{0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x04, 0x00, 0x02, 0x08, 0x96, 0x01}));
  auto f = parse_protobuf_frame(msg);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->schema_id, 0x01020304);
  EXPECT_EQ(f->message_indexes, idx);
  EXPECT_EQ(bytes(f->body.begin(), f->body.end()), body);
  EXPECT_EQ(f->body.data(), msg.data() + 9);
}

TEST(protobuf_wire, zero_count_reads_as_the_first_message) {
  bytes msg{0, 0, 0, 0, 7, 0x00};  // an empty message body is valid: every field at its default
  auto f = parse_protobuf_frame(msg);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->schema_id, 7);
  EXPECT_EQ(f->message_indexes, (std::vector<int>{0}));
  EXPECT_TRUE(f->body.empty());
}

TEST(protobuf_wire, malformed_frames_are_named) {
  auto error = [](bytes msg) {
    auto f = parse_protobuf_frame(msg);
    return f ? std::string("(parsed)") : f.error().message;
  };
  EXPECT_EQ(error({0, 0, 0, 0, 1}),
            "protobuf frame: 5 bytes, shorter than the 6 of a header and an index array");
  EXPECT_EQ(error({1, 0, 0, 0, 1, 0}), "protobuf frame: unknown magic byte 1 at offset 0");
  EXPECT_EQ(error({0, 0, 0, 0, 1, 0x80}),
            "protobuf frame: the message-index count at offset 5 is cut off at the end of the message");
  EXPECT_EQ(error({0, 0, 0, 0, 1, 0x01}),
            "protobuf frame: message-index count -1 at offset 5 is outside 0..256");
  EXPECT_EQ(error({0, 0, 0, 0, 1, 0x80, 0x08}),  // 1024 zig-zag-decoded is 512
            "protobuf frame: message-index count 512 at offset 5 is outside 0..256");
  EXPECT_EQ(error({0, 0, 0, 0, 1, 0x04, 0x02}),
            "protobuf frame: a message index at offset 7 is cut off at the end of the message");
  EXPECT_EQ(error({0, 0, 0, 0, 1, 0x02, 0x03}), "protobuf frame: negative message index -2 at offset 6");
  EXPECT_EQ(error({0, 0, 0, 0, 1, 0x02, 0xff, 0xff, 0xff, 0xff, 0x7f}),
            "protobuf frame: a message index at offset 6 is longer than a 32-bit varint");
  EXPECT_EQ(error({0, 0, 0, 0, 1, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f}),
            "protobuf frame: negative message index -2147483648 at offset 6");
  EXPECT_EQ(error({0, 0, 0, 0, 1, 0x02, 0xfe, 0xff, 0xff, 0xff, 0x0f}), "(parsed)");
}

}  // namespace
}  // namespace kavro::protobuf
