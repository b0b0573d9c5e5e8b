// Object container files per the specification: "Obj\x01", metadata map, sync marker, then blocks
// of (count, size, data, sync); deflate is raw RFC 1951 (zlib with negative window bits).
#include "kavro/avro/container.hpp"

#include <zlib.h>

#include <random>

#include "kavro/avro/codec.hpp"

namespace kavro::avro {

namespace {

constexpr std::uint8_t magic[4] = {'O', 'b', 'j', 1};

void put_long(std::vector<std::uint8_t>& out, std::int64_t n) {
  std::uint64_t z = (static_cast<std::uint64_t>(n) << 1) ^ static_cast<std::uint64_t>(n >> 63);
  while (z >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(z | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(z));
}

void put_bytes(std::vector<std::uint8_t>& out, const void* p, std::size_t n) {
  put_long(out, static_cast<std::int64_t>(n));
  const auto* b = static_cast<const std::uint8_t*>(p);
  out.insert(out.end(), b, b + n);
}

result<std::vector<std::uint8_t>> deflate_raw(std::span<const std::uint8_t> in) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return fail(errc::internal, "deflateInit2 failed");
  std::vector<std::uint8_t> out(deflateBound(&z, static_cast<uLong>(in.size())));
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return fail(errc::internal, "deflate failed");
  return out;
}

result<std::vector<std::uint8_t>> inflate_raw(std::span<const std::uint8_t> in, std::size_t limit) {
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return fail(errc::internal, "inflateInit2 failed");
  std::vector<std::uint8_t> out;
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  std::uint8_t buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = buf;
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return fail(errc::invalid_data, "deflate block is corrupt");
    }
    out.insert(out.end(), buf, buf + (sizeof buf - z.avail_out));
    if (out.size() > limit) {
      inflateEnd(&z);
      return fail(errc::invalid_data, "deflate block inflates beyond " + std::to_string(limit) + " bytes");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      return fail(errc::invalid_data, "deflate block is truncated");
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace

container_writer::container_writer(schema s, container_options options)
    : schema_(std::move(s)), options_(std::move(options)) {
  if (options_.sync == std::array<std::uint8_t, 16>{}) {
    std::random_device rd;
    for (auto& b : options_.sync) b = static_cast<std::uint8_t>(rd());
  }
  if (options_.block_records == 0) options_.block_records = 1;
}

result<void> container_writer::append(const value& v) {
  if (auto r = encode(schema_, v, block_); !r) return r;
  ++block_count_;
  if (block_count_ >= options_.block_records) return flush_block();
  return {};
}

result<void> container_writer::append_encoded(std::span<const std::uint8_t> datum) {
  // Checked, so a file never holds bytes its own schema cannot read.
  if (auto v = decode(schema_, datum); !v) return tl::unexpected(v.error());
  block_.insert(block_.end(), datum.begin(), datum.end());
  ++block_count_;
  if (block_count_ >= options_.block_records) return flush_block();
  return {};
}

result<void> container_writer::flush_block() {
  if (out_.empty()) {
    // push_back, not insert: GCC 12 -O3 warns falsely (-Wstringop-overflow) on inserting the array.
    for (std::uint8_t b : magic) out_.push_back(b);
    std::map<std::string, std::vector<std::uint8_t>> meta = options_.metadata;
    std::string text = schema_.text();
    meta["avro.schema"] = std::vector<std::uint8_t>(text.begin(), text.end());
    std::string codec = options_.codec == container_codec::deflate ? "deflate" : "null";
    meta["avro.codec"] = std::vector<std::uint8_t>(codec.begin(), codec.end());
    put_long(out_, static_cast<std::int64_t>(meta.size()));
    for (const auto& [k, v] : meta) {
      put_bytes(out_, k.data(), k.size());
      put_bytes(out_, v.data(), v.size());
    }
    put_long(out_, 0);
    out_.insert(out_.end(), options_.sync.begin(), options_.sync.end());
  }
  if (block_count_ == 0) return {};
  std::vector<std::uint8_t> data;
  if (options_.codec == container_codec::deflate) {
    auto d = deflate_raw(block_);
    if (!d) return tl::unexpected(d.error());
    data = std::move(*d);
  } else {
    data = std::move(block_);
  }
  put_long(out_, static_cast<std::int64_t>(block_count_));
  put_bytes(out_, data.data(), data.size());
  out_.insert(out_.end(), options_.sync.begin(), options_.sync.end());
  block_.clear();
  block_count_ = 0;
  return {};
}

result<std::vector<std::uint8_t>> container_writer::finish() {
  if (auto r = flush_block(); !r) return tl::unexpected(r.error());
  return std::exchange(out_, {});
}

result<container> read_container(std::span<const std::uint8_t> file, std::size_t max_block_bytes) {
  // The header is itself Avro: a map of bytes, then the fixed(16) sync marker.
  if (file.size() < 4 || !std::equal(magic, magic + 4, file.begin()))
    return fail(errc::invalid_data, "not an Avro object container file (no \"Obj\\x01\" magic)");
  static const schema header_schema = *schema::parse(R"({"type":"map","values":"bytes"})");
  static const schema long_schema = *schema::parse(R"("long")");
  std::size_t pos = 4, used = 0;
  auto meta_v = decode_prefix(header_schema, file.subspan(pos), used);
  if (!meta_v) return fail(errc::invalid_data, "container header: " + meta_v.error().message);
  pos += used;
  if (file.size() - pos < 16) return fail(errc::invalid_data, "container header: truncated sync marker");
  auto sync = file.subspan(pos, 16);
  pos += 16;
  container c{*schema::parse(R"("null")"), container_codec::null, {}, {}};
  for (const auto& [k, v] : meta_v->as<map_value>().entries) c.metadata[k] = v.as<bytes>();
  auto sit = c.metadata.find("avro.schema");
  if (sit == c.metadata.end()) return fail(errc::invalid_data, "container header has no avro.schema");
  auto s = schema::parse(std::string(sit->second.begin(), sit->second.end()));
  if (!s) return fail(errc::invalid_schema, "container schema: " + s.error().message);
  c.writer_schema = *s;
  if (auto cit = c.metadata.find("avro.codec"); cit != c.metadata.end()) {
    std::string codec(cit->second.begin(), cit->second.end());
    if (codec == "deflate")
      c.codec = container_codec::deflate;
    else if (codec != "null")
      return fail(errc::invalid_data, "container codec '" + codec + "' is not supported (null, deflate)");
  }
  for (std::size_t block = 0; pos < file.size(); ++block) {
    std::string where = "block " + std::to_string(block) + " at offset " + std::to_string(pos) + ": ";
    auto count = decode_prefix(long_schema, file.subspan(pos), used);
    if (!count) return fail(errc::invalid_data, where + count.error().message);
    pos += used;
    auto size = decode_prefix(long_schema, file.subspan(pos), used);
    if (!size) return fail(errc::invalid_data, where + size.error().message);
    pos += used;
    auto n = count->as<std::int64_t>();
    auto len = size->as<std::int64_t>();
    if (n < 0 || len < 0 || static_cast<std::uint64_t>(len) > file.size() - pos ||
        file.size() - pos - len < 16)
      return fail(errc::invalid_data, where + "count or size out of range");
    auto data = file.subspan(pos, static_cast<std::size_t>(len));
    pos += static_cast<std::size_t>(len);
    if (!std::equal(sync.begin(), sync.end(), file.begin() + static_cast<std::ptrdiff_t>(pos)))
      return fail(errc::invalid_data, where + "sync marker does not match the header's");
    pos += 16;
    std::vector<std::uint8_t> inflated;
    if (c.codec == container_codec::deflate) {
      auto d = inflate_raw(data, max_block_bytes);
      if (!d) return fail(errc::invalid_data, where + d.error().message);
      inflated = std::move(*d);
      data = inflated;
    }
    if (static_cast<std::uint64_t>(n) > data.size() + (1u << 16))
      return fail(errc::invalid_data, where + "record count exceeds what the block can hold");
    for (std::int64_t i = 0; i < n; ++i) {
      auto v = decode_prefix(c.writer_schema, data, used);
      if (!v)
        return fail(errc::invalid_data, where + "record " + std::to_string(i) + ": " + v.error().message);
      data = data.subspan(used);
      c.records.push_back(std::move(*v));
    }
    if (!data.empty())
      return fail(errc::invalid_data, where + std::to_string(data.size()) + " bytes left after its records");
  }
  return c;
}

}  // namespace kavro::avro
