// Avro binary encoding: zig-zag varints, little-endian IEEE floats, length-prefixed bytes, blocked
// arrays and maps. Decoding trusts nothing in the input: each length is checked before use.
#include "kavro/avro/codec.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace kavro::avro {

// Types whose encoding can take zero bytes; a huge count of them costs memory but no input, so
// they draw from a fixed budget instead of the bytes left. A record met again on the way down is a
// recursive type: counting it as non-empty keeps the walk finite, and the depth limit covers it.
namespace {
bool can_be_empty(const schema& s, std::vector<const void*>& seen) {
  switch (s.kind()) {
    case type::null:
      return true;
    case type::fixed:
      return s.fixed_size() == 0;
    case type::record:
      if (std::find(seen.begin(), seen.end(), s.id()) != seen.end()) return false;
      seen.push_back(s.id());
      for (const auto& f : s.fields())
        if (!can_be_empty(f.type, seen)) return false;
      return true;
    default:
      return false;
  }
}

}  // namespace

bool can_be_empty(const schema& s) {
  std::vector<const void*> seen;
  return can_be_empty(s, seen);
}

namespace {

// A stack-allocated breadcrumb, turned into text only when an error is reported, so the happy
// path never builds strings.
struct path_frame {
  const path_frame* parent = nullptr;
  const std::string* name = nullptr;  // record field
  const std::string* key = nullptr;   // map key
  std::size_t index = 0;              // array index, when name and key are null
};

std::string path_text(const path_frame* p) {
  std::vector<const path_frame*> frames;
  for (; p; p = p->parent) frames.push_back(p);
  std::string out;
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    const path_frame& f = **it;
    if (f.name) {
      if (!out.empty()) out += '.';
      out += *f.name;
    } else if (f.key) {
      out += "[\"";
      out += *f.key;
      out += "\"]";
    } else {
      out += '[';
      out += std::to_string(f.index);
      out += ']';
    }
  }
  return out;
}

tl::unexpected<error> data_error(const path_frame* p, const std::string& msg) {
  if (!p) return fail(errc::invalid_data, msg);
  // Appending, not "literal" + string: GCC 12 -O3 warns falsely (-Wrestrict) on the latter.
  std::string text = "field '";
  text += path_text(p);
  text += "': ";
  text += msg;
  return fail(errc::invalid_data, std::move(text));
}

const char* value_kind(const value& v) {
  static constexpr const char* names[] = {"null",  "boolean", "int",  "long",  "float", "double", "string",
                                          "bytes", "record",  "enum", "array", "map",   "union",  "fixed"};
  return names[v.data().index()];
}

// Whether v can be written with schema s, without looking inside; picks a branch for bare values.
bool fits(const schema& s, const value& v) {
  switch (s.kind()) {
    case type::null:
      return v.is<null_t>();
    case type::boolean:
      return v.is<bool>();
    case type::int_:
      return v.is<std::int32_t>();
    case type::long_:
      return v.is<std::int64_t>() || v.is<std::int32_t>();
    case type::float_:
      return v.is<float>();
    case type::double_:
      return v.is<double>() || v.is<float>();
    case type::bytes:
      return v.is<bytes>();
    case type::string:
      return v.is<std::string>();
    case type::record:
      return v.is<record_value>() && v.fields().size() == s.fields().size();
    case type::enum_:
      return v.is<enum_value>();
    case type::array:
      return v.is<array_value>();
    case type::map:
      return v.is<map_value>();
    case type::fixed:
      return v.is<fixed_value>() && v.as<fixed_value>().data.size() == s.fixed_size();
    case type::union_:
      return false;
  }
  return false;
}

// 64Ki per message: legitimate data rarely has long arrays of nulls, and each item costs ~40 bytes.
constexpr std::int64_t empty_item_budget = 1 << 16;

// Recursive schemas make nesting depth a property of the data; this bounds the decoder's stack.
constexpr std::size_t max_decode_depth = 512;

class encoder {
 public:
  explicit encoder(std::vector<std::uint8_t>& out) : out_(out) {}

  result<void> run(const schema& s, const value& v, const path_frame* path) {
    if (++depth_ > max_decode_depth)
      return data_error(path, "value nested deeper than " + std::to_string(max_decode_depth) + " levels");
    auto res = run_inner(s, v, path);
    --depth_;
    return res;
  }

  result<void> run_inner(const schema& s, const value& v, const path_frame* path) {
    auto mismatch = [&] {
      return data_error(path, std::string("expected ") + to_string(s.kind()) + ", got " + value_kind(v));
    };
    switch (s.kind()) {
      case type::null:
        if (!v.is<null_t>()) return mismatch();
        return {};
      case type::boolean:
        if (!v.is<bool>()) return mismatch();
        out_.push_back(v.as<bool>() ? 1 : 0);
        return {};
      case type::int_:
        if (!v.is<std::int32_t>()) return mismatch();
        put_long(v.as<std::int32_t>());
        return {};
      case type::long_:
        if (auto* l = v.get_if<std::int64_t>())
          put_long(*l);
        else if (auto* i = v.get_if<std::int32_t>())
          put_long(*i);
        else
          return mismatch();
        return {};
      case type::float_:
        if (!v.is<float>()) return mismatch();
        put_fixed_le(std::bit_cast<std::uint32_t>(v.as<float>()));
        return {};
      case type::double_:
        if (auto* d = v.get_if<double>())
          put_fixed_le(std::bit_cast<std::uint64_t>(*d));
        else if (auto* f = v.get_if<float>())
          put_fixed_le(std::bit_cast<std::uint64_t>(static_cast<double>(*f)));
        else
          return mismatch();
        return {};
      case type::string:
        if (auto* str = v.get_if<std::string>()) {
          put_long(static_cast<std::int64_t>(str->size()));
          out_.insert(out_.end(), str->begin(), str->end());
          return {};
        }
        return mismatch();
      case type::bytes:
        if (auto* b = v.get_if<bytes>()) {
          put_long(static_cast<std::int64_t>(b->size()));
          out_.insert(out_.end(), b->begin(), b->end());
          return {};
        }
        return mismatch();
      case type::fixed: {
        auto* f = v.get_if<fixed_value>();
        if (!f) return mismatch();
        if (f->data.size() != s.fixed_size())
          return data_error(path, "fixed of size " + std::to_string(s.fixed_size()) + " given " +
                                      std::to_string(f->data.size()) + " bytes");
        out_.insert(out_.end(), f->data.begin(), f->data.end());
        return {};
      }
      case type::enum_: {
        auto* e = v.get_if<enum_value>();
        if (!e) return mismatch();
        if (e->index >= s.symbols().size())
          return data_error(path, "enum index " + std::to_string(e->index) + " out of range (" +
                                      std::to_string(s.symbols().size()) + " symbols)");
        put_long(static_cast<std::int64_t>(e->index));
        return {};
      }
      case type::record: {
        auto* r = v.get_if<record_value>();
        if (!r) return mismatch();
        const auto& fields = s.fields();
        if (r->fields.size() != fields.size())
          return data_error(path, "record '" + s.full_name() + "' has " + std::to_string(fields.size()) +
                                      " fields, value has " + std::to_string(r->fields.size()));
        for (std::size_t i = 0; i < fields.size(); ++i) {
          path_frame f{path, &fields[i].name, nullptr, 0};
          if (auto res = run(fields[i].type, r->fields[i], &f); !res) return res;
        }
        return {};
      }
      case type::array: {
        auto* a = v.get_if<array_value>();
        if (!a) return mismatch();
        if (!a->items.empty()) {
          put_long(static_cast<std::int64_t>(a->items.size()));
          for (std::size_t i = 0; i < a->items.size(); ++i) {
            path_frame f{path, nullptr, nullptr, i};
            if (auto res = run(s.items(), a->items[i], &f); !res) return res;
          }
        }
        out_.push_back(0);
        return {};
      }
      case type::map: {
        auto* m = v.get_if<map_value>();
        if (!m) return mismatch();
        if (!m->entries.empty()) {
          put_long(static_cast<std::int64_t>(m->entries.size()));
          for (const auto& [k, item] : m->entries) {
            path_frame f{path, nullptr, &k, 0};
            put_long(static_cast<std::int64_t>(k.size()));
            out_.insert(out_.end(), k.begin(), k.end());
            if (auto res = run(s.values(), item, &f); !res) return res;
          }
        }
        out_.push_back(0);
        return {};
      }
      case type::union_: {
        const auto& branches = s.branches();
        if (auto* u = v.get_if<union_value>()) {
          if (u->branch >= branches.size() || !u->inner)
            return data_error(path, "union branch " + std::to_string(u->branch) + " out of range (" +
                                        std::to_string(branches.size()) + " branches)");
          put_long(static_cast<std::int64_t>(u->branch));
          return run(branches[u->branch], *u->inner, path);
        }
        for (std::size_t i = 0; i < branches.size(); ++i) {
          if (fits(branches[i], v)) {
            put_long(static_cast<std::int64_t>(i));
            return run(branches[i], v, path);
          }
        }
        return data_error(path, std::string("no union branch accepts a ") + value_kind(v));
      }
    }
    return fail(errc::internal, "unknown schema type");
  }

 private:
  std::vector<std::uint8_t>& out_;
  std::size_t depth_ = 0;

  void put_long(std::int64_t n) {
    std::uint64_t z = (static_cast<std::uint64_t>(n) << 1) ^ static_cast<std::uint64_t>(n >> 63);
    std::uint8_t buf[10];
    std::size_t len = 0;
    while (z >= 0x80) {
      buf[len++] = static_cast<std::uint8_t>(z | 0x80);
      z >>= 7;
    }
    buf[len++] = static_cast<std::uint8_t>(z);
    out_.insert(out_.end(), buf, buf + len);
  }

  template <class U>
  void put_fixed_le(U bits) {
    std::uint8_t buf[sizeof(U)];
    for (std::size_t i = 0; i < sizeof(U); ++i) buf[i] = static_cast<std::uint8_t>(bits >> (8 * i));
    out_.insert(out_.end(), buf, buf + sizeof(U));
  }
};

class decoder {
 public:
  explicit decoder(std::span<const std::uint8_t> data)
      : begin_(data.data()), pos_(data.data()), end_(data.data() + data.size()) {}

  std::size_t offset() const { return static_cast<std::size_t>(pos_ - begin_); }
  std::size_t left() const { return static_cast<std::size_t>(end_ - pos_); }

  result<void> run(const schema& s, value& out, const path_frame* path) {
    if (++depth_ > max_decode_depth)
      return data_error(path, "value nested deeper than " + std::to_string(max_decode_depth) + " levels");
    auto res = run_inner(s, out, path);
    --depth_;
    return res;
  }

  result<void> run_inner(const schema& s, value& out, const path_frame* path) {
    switch (s.kind()) {
      case type::null:
        out = value();
        return {};
      case type::boolean: {
        if (pos_ == end_) return truncated(path, "boolean", 1);
        std::uint8_t b = *pos_;
        if (b > 1)
          return data_error(path, "boolean byte " + hex(b) + " at offset " + std::to_string(offset()) +
                                      " is neither 0 nor 1");
        ++pos_;
        out = value(b == 1);
        return {};
      }
      case type::int_: {
        std::size_t at = offset();
        auto l = read_long(path);
        if (!l) return tl::unexpected(l.error());
        if (*l < std::numeric_limits<std::int32_t>::min() || *l > std::numeric_limits<std::int32_t>::max())
          return data_error(path, "int value " + std::to_string(*l) + " at offset " + std::to_string(at) +
                                      " is out of the 32-bit range");
        out = value(static_cast<std::int32_t>(*l));
        return {};
      }
      case type::long_: {
        auto l = read_long(path);
        if (!l) return tl::unexpected(l.error());
        out = value(*l);
        return {};
      }
      case type::float_: {
        if (left() < 4) return truncated(path, "float", 4);
        out = value(std::bit_cast<float>(read_le<std::uint32_t>()));
        return {};
      }
      case type::double_: {
        if (left() < 8) return truncated(path, "double", 8);
        out = value(std::bit_cast<double>(read_le<std::uint64_t>()));
        return {};
      }
      case type::string: {
        auto n = read_length(path, "string");
        if (!n) return tl::unexpected(n.error());
        // A value decoded into again keeps its string's capacity (decode_into).
        if (auto* str = std::get_if<std::string>(&out.data())) {
          str->assign(reinterpret_cast<const char*>(pos_), *n);
        } else {
          out = value(std::string(reinterpret_cast<const char*>(pos_), *n));
        }
        pos_ += *n;
        return {};
      }
      case type::bytes: {
        auto n = read_length(path, "bytes");
        if (!n) return tl::unexpected(n.error());
        out = value(bytes(pos_, pos_ + *n));
        pos_ += *n;
        return {};
      }
      case type::fixed: {
        if (left() < s.fixed_size()) return truncated(path, "fixed", s.fixed_size());
        out = value::fixed_of(bytes(pos_, pos_ + s.fixed_size()));
        pos_ += s.fixed_size();
        return {};
      }
      case type::enum_: {
        std::size_t at = offset();
        auto l = read_long(path);
        if (!l) return tl::unexpected(l.error());
        if (*l < 0 || static_cast<std::uint64_t>(*l) >= s.symbols().size())
          return data_error(path, "enum index " + std::to_string(*l) + " at offset " + std::to_string(at) +
                                      " out of range (" + std::to_string(s.symbols().size()) + " symbols)");
        out = value::enum_of(static_cast<std::size_t>(*l));
        return {};
      }
      case type::record: {
        const auto& fields = s.fields();
        // Decoded in place: a record decoded into again reuses its field vector and their buffers.
        auto* r = std::get_if<record_value>(&out.data());
        if (r == nullptr) {
          out = value(record_value{});
          r = &std::get<record_value>(out.data());
        }
        r->fields.resize(fields.size());
        for (std::size_t i = 0; i < fields.size(); ++i) {
          path_frame f{path, &fields[i].name, nullptr, 0};
          if (auto res = run(fields[i].type, r->fields[i], &f); !res) return res;
        }
        return {};
      }
      case type::array: {
        array_value a;
        bool empty_items = can_be_empty(s.items());
        while (true) {
          auto count = read_block_count(path, empty_items);
          if (!count) return tl::unexpected(count.error());
          if (*count == 0) break;
          std::size_t first = a.items.size();
          a.items.resize(first + *count);
          for (std::size_t i = first; i < a.items.size(); ++i) {
            path_frame f{path, nullptr, nullptr, i};
            if (auto res = run(s.items(), a.items[i], &f); !res) return res;
          }
        }
        out = value(std::move(a));
        return {};
      }
      case type::map: {
        map_value m;
        while (true) {
          // Every entry has at least its key's length byte, so the bytes left bound the count.
          auto count = read_block_count(path, false);
          if (!count) return tl::unexpected(count.error());
          if (*count == 0) break;
          m.entries.reserve(m.entries.size() + *count);
          for (std::size_t i = 0; i < *count; ++i) {
            auto n = read_length(path, "map key");
            if (!n) return tl::unexpected(n.error());
            auto& entry =
                m.entries.emplace_back(std::string(reinterpret_cast<const char*>(pos_), *n), value());
            pos_ += *n;
            path_frame f{path, nullptr, &entry.first, 0};
            if (auto res = run(s.values(), entry.second, &f); !res) return res;
          }
        }
        out = value(std::move(m));
        return {};
      }
      case type::union_: {
        std::size_t at = offset();
        auto l = read_long(path);
        if (!l) return tl::unexpected(l.error());
        const auto& branches = s.branches();
        if (*l < 0 || static_cast<std::uint64_t>(*l) >= branches.size())
          return data_error(path, "union branch index " + std::to_string(*l) + " at offset " +
                                      std::to_string(at) + " out of range (" +
                                      std::to_string(branches.size()) + " branches)");
        value inner;
        if (auto res = run(branches[static_cast<std::size_t>(*l)], inner, path); !res) return res;
        out = value::union_of(static_cast<std::size_t>(*l), std::move(inner));
        return {};
      }
    }
    return fail(errc::internal, "unknown schema type");
  }

 private:
  const std::uint8_t* begin_;
  const std::uint8_t* pos_;
  const std::uint8_t* end_;
  std::int64_t empty_budget_ = empty_item_budget;
  std::size_t depth_ = 0;

  static std::string hex(std::uint8_t b) {
    static constexpr char digits[] = "0123456789abcdef";
    return std::string("0x") + digits[b >> 4] + digits[b & 15];
  }

  tl::unexpected<error> truncated(const path_frame* path, const char* what, std::size_t need) const {
    return data_error(path, std::string(what) + " needs " + std::to_string(need) + " bytes but only " +
                                std::to_string(left()) + " are left at offset " + std::to_string(offset()));
  }

  result<std::int64_t> read_long(const path_frame* path) {
    std::size_t at = offset();
    std::uint64_t z = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ == end_) return data_error(path, "truncated varint at offset " + std::to_string(at));
      std::uint8_t b = *pos_++;
      if (shift == 63 && (b & 0x80))
        return data_error(path, "varint at offset " + std::to_string(at) + " is longer than 10 bytes");
      if (shift == 63 && b > 1)
        return data_error(path, "varint at offset " + std::to_string(at) + " overflows 64 bits");
      z |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
    }
    return fail(errc::internal, "unreachable varint state");
  }

  result<std::size_t> read_length(const path_frame* path, const char* what) {
    std::size_t at = offset();
    auto l = read_long(path);
    if (!l) return tl::unexpected(l.error());
    if (*l < 0)
      return data_error(path, std::string("negative ") + what + " length " + std::to_string(*l) +
                                  " at offset " + std::to_string(at));
    if (static_cast<std::uint64_t>(*l) > left())
      return data_error(path, std::string(what) + " length " + std::to_string(*l) + " exceeds the " +
                                  std::to_string(left()) + " bytes left at offset " +
                                  std::to_string(offset()));
    return static_cast<std::size_t>(*l);
  }

  // A block count, made positive (a negative count is followed by the block's byte size).
  result<std::size_t> read_block_count(const path_frame* path, bool empty_items) {
    std::size_t at = offset();
    auto c = read_long(path);
    if (!c) return tl::unexpected(c.error());
    std::int64_t count = *c;
    if (count < 0) {
      if (count == std::numeric_limits<std::int64_t>::min())
        return data_error(path, "block count at offset " + std::to_string(at) + " is out of range");
      count = -count;
      std::size_t size_at = offset();
      auto size = read_long(path);
      if (!size) return tl::unexpected(size.error());
      if (*size < 0 || static_cast<std::uint64_t>(*size) > left())
        return data_error(path, "block size " + std::to_string(*size) + " at offset " +
                                    std::to_string(size_at) + " exceeds the " + std::to_string(left()) +
                                    " bytes left");
    }
    if (empty_items) {
      if (count > empty_budget_)
        return data_error(path, "block count " + std::to_string(count) + " at offset " + std::to_string(at) +
                                    " exceeds the limit for items that take no bytes");
      empty_budget_ -= count;
    } else if (static_cast<std::uint64_t>(count) > left()) {
      return data_error(path, "block count " + std::to_string(count) + " at offset " + std::to_string(at) +
                                  " exceeds the " + std::to_string(left()) + " bytes left");
    }
    return static_cast<std::size_t>(count);
  }

  template <class U>
  U read_le() {
    U bits = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) bits |= static_cast<U>(pos_[i]) << (8 * i);
    pos_ += sizeof(U);
    return bits;
  }
};

}  // namespace

result<void> encode(const schema& s, const value& v, std::vector<std::uint8_t>& out) {
  std::size_t before = out.size();
  encoder e(out);
  auto res = e.run(s, v, nullptr);
  if (!res) out.resize(before);
  return res;
}

result<value> decode(const schema& s, std::span<const std::uint8_t> data) {
  decoder d(data);
  value v;
  if (auto res = d.run(s, v, nullptr); !res) return tl::unexpected(res.error());
  if (d.left() != 0)
    return fail(errc::invalid_data, std::to_string(d.left()) + " trailing bytes after the value at offset " +
                                        std::to_string(d.offset()));
  return v;
}

result<void> decode_into(const schema& s, std::span<const std::uint8_t> data, value& out) {
  decoder d(data);
  if (auto res = d.run(s, out, nullptr); !res) return res;
  if (d.left() != 0)
    return fail(errc::invalid_data, std::to_string(d.left()) + " trailing bytes after the value at offset " +
                                        std::to_string(d.offset()));
  return {};
}

result<value> decode_prefix(const schema& s, std::span<const std::uint8_t> data, std::size_t& consumed) {
  decoder d(data);
  value v;
  if (auto res = d.run(s, v, nullptr); !res) return tl::unexpected(res.error());
  consumed = d.offset();
  return v;
}

}  // namespace kavro::avro
