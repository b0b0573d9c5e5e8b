// Avro binary encoding and decoding of generic values: the producer/consumer hot path.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kavro/avro/schema.hpp"
#include "kavro/avro/value.hpp"
#include "kavro/result.hpp"

namespace kavro::avro {

// Appends the Avro binary encoding of v to out. A value that does not match the schema gives
// errc::invalid_data naming the field; out is then restored to its size before the call.
// For a union, v may be a union_value or a bare value: the first branch whose type fits is used.
result<void> encode(const schema& s, const value& v, std::vector<std::uint8_t>& out);

// Decodes exactly one datum that must use all of data. Every length and count is checked against
// the bytes left before anything is allocated; malformed input gives errc::invalid_data naming the
// field path and byte offset.
result<value> decode(const schema& s, std::span<const std::uint8_t> data);

// As decode, into an existing value: records and strings already in `out` keep their storage, so a
// consumer decoding one message after another into the same value allocates only when a message
// outgrows the previous ones. On error `out` holds a partial value.
result<void> decode_into(const schema& s, std::span<const std::uint8_t> data, value& out);

// True when a value of the schema can encode to no bytes (null, fixed(0), records of only such
// fields). Decoders bound counts of such items by a fixed budget instead of the bytes left.
bool can_be_empty(const schema& s);

// Decodes one datum from the front of data and sets consumed to the bytes it used, for streams of
// datums written back to back.
result<value> decode_prefix(const schema& s, std::span<const std::uint8_t> data, std::size_t& consumed);

}  // namespace kavro::avro
