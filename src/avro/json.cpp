// Plain-JSON conversion of Avro values for the command line and for applying field defaults.
#include "kavro/avro/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <vector>

#include "kavro/json.hpp"

namespace kavro::avro {

namespace {

using nlohmann::json;

// Where a conversion is, as segments kept by reference while it descends; the text ("items[2].name",
// "tags[\"k\"]") is only made for an error, so a deep or wide value costs no string per level.
struct path_segment {
  enum class kind { field, index, key } what;
  std::string_view name;
  std::size_t index = 0;
};
using path_t = std::vector<path_segment>;

std::string to_text(const path_t& path) {
  std::string out;
  for (const auto& p : path) {
    switch (p.what) {
      case path_segment::kind::field:
        if (!out.empty()) out += '.';
        out += p.name;
        break;
      case path_segment::kind::index:
        out += '[';
        out += std::to_string(p.index);
        out += ']';
        break;
      case path_segment::kind::key:
        out += "[\"";
        out += safe_json::excerpt(p.name, 64);
        out += "\"]";
        break;
    }
  }
  return out;
}

tl::unexpected<error> json_error(const path_t& path, const std::string& msg) {
  if (path.empty()) return fail(errc::invalid_data, msg);
  // Appending, not "literal" + string: GCC 12 -O3 warns falsely (-Wrestrict) on the latter.
  std::string text = "field '";
  text += to_text(path);
  text += "': ";
  text += msg;
  return fail(errc::invalid_data, std::move(text));
}

// Pushes a segment for the duration of one nested conversion.
class descend {
 public:
  descend(path_t& p, path_segment s) : p_(p) { p_.push_back(s); }
  ~descend() { p_.pop_back(); }
  descend(const descend&) = delete;
  descend& operator=(const descend&) = delete;

 private:
  path_t& p_;
};

// The value's type and a bounded excerpt of it: the value may be as large and as deep as its input.
std::string describe(const json& j) {
  return std::string(j.type_name()) + " " + safe_json::preview(j, 40);
}

// Bytes travel as strings whose code points 0-255 are the byte values (Avro's JSON convention).
std::optional<bytes> latin1_bytes(const std::string& s) {
  bytes out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c);
    } else if ((c & 0xe0) == 0xc0 && i + 1 < s.size()) {
      unsigned cp = ((c & 0x1fu) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3fu);
      if (cp > 0xff) return std::nullopt;
      out.push_back(static_cast<std::uint8_t>(cp));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string latin1_string(const bytes& b) {
  std::string out;
  out.reserve(b.size());
  for (std::uint8_t c : b) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

// A float shown with its shortest round-trip digits, so 899.99f prints as 899.99.
double float_as_double(float f) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf - 1, f);
  *res.ptr = '\0';
  return std::strtod(buf, nullptr);
}

std::string branch_name(const schema& s) {
  return s.full_name().empty() ? to_string(s.kind()) : s.full_name();
}

enum class mode { plain, avro_json, default_form };

std::optional<double> special_float(const json& j) {
  if (!j.is_string()) return std::nullopt;
  const auto& t = j.get_ref<const std::string&>();
  if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (t == "Infinity") return std::numeric_limits<double>::infinity();
  if (t == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

result<value> convert(const schema& s, const json& j, path_t& path, mode m, std::size_t depth) {
  if (depth > 512) return json_error(path, "JSON nested too deeply");
  auto mismatch = [&] {
    return json_error(path, std::string("expected ") + to_string(s.kind()) + ", got " + describe(j));
  };
  switch (s.kind()) {
    case type::null:
      if (!j.is_null()) return mismatch();
      return value();
    case type::boolean:
      if (!j.is_boolean()) return mismatch();
      return value(j.get<bool>());
    case type::int_:
    case type::long_: {
      if (!j.is_number_integer()) return mismatch();
      bool is_int = s.kind() == type::int_;
      std::int64_t max =
          is_int ? std::numeric_limits<std::int32_t>::max() : std::numeric_limits<std::int64_t>::max();
      std::int64_t min =
          is_int ? std::numeric_limits<std::int32_t>::min() : std::numeric_limits<std::int64_t>::min();
      if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
        return json_error(path, "value " + j.dump() + " is out of the " + to_string(s.kind()) + " range");
      std::int64_t n = j.get<std::int64_t>();
      if (n < min || n > max)
        return json_error(path, "value " + j.dump() + " is out of the " + to_string(s.kind()) + " range");
      return is_int ? value(static_cast<std::int32_t>(n)) : value(n);
    }
    case type::float_: {
      if (m != mode::plain)
        if (auto sp = special_float(j)) return value(static_cast<float>(*sp));
      if (!j.is_number()) return mismatch();
      // Narrowing an out-of-range double to float is undefined behaviour, not just imprecision.
      double d = j.get<double>();
      if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max())
        return json_error(path, "value " + j.dump() + " is out of the float range");
      return value(static_cast<float>(d));
    }
    case type::double_:
      if (m != mode::plain)
        if (auto sp = special_float(j)) return value(*sp);
      if (!j.is_number()) return mismatch();
      return value(j.get<double>());
    case type::string:
      if (!j.is_string()) return mismatch();
      return value(j.get<std::string>());
    case type::bytes:
    case type::fixed: {
      if (!j.is_string()) return mismatch();
      auto b = latin1_bytes(j.get_ref<const std::string&>());
      if (!b) return json_error(path, "bytes must be a string of code points 0-255");
      if (s.kind() == type::bytes) return value(std::move(*b));
      if (b->size() != s.fixed_size())
        return json_error(path, "fixed '" + s.full_name() + "' needs " + std::to_string(s.fixed_size()) +
                                    " bytes, got " + std::to_string(b->size()));
      return value::fixed_of(std::move(*b));
    }
    case type::enum_: {
      if (!j.is_string()) return mismatch();
      auto i = s.symbol_index(j.get_ref<const std::string&>());
      if (!i)
        return json_error(
            path, "unknown symbol " + safe_json::preview(j, 80) + " for enum '" + s.full_name() + "'");
      return value::enum_of(*i);
    }
    case type::array: {
      if (!j.is_array()) return mismatch();
      std::vector<value> items;
      items.reserve(j.size());
      for (std::size_t i = 0; i < j.size(); ++i) {
        descend in(path, {path_segment::kind::index, {}, i});
        auto v = convert(s.items(), j[i], path, m, depth + 1);
        if (!v) return v;
        items.push_back(std::move(*v));
      }
      return value::array_of(std::move(items));
    }
    case type::map: {
      if (!j.is_object()) return mismatch();
      std::vector<std::pair<std::string, value>> entries;
      entries.reserve(j.size());
      for (const auto& [k, item] : j.items()) {
        descend in(path, {path_segment::kind::key, k, 0});
        auto v = convert(s.values(), item, path, m, depth + 1);
        if (!v) return v;
        entries.emplace_back(k, std::move(*v));
      }
      return value::map_of(std::move(entries));
    }
    case type::record: {
      if (!j.is_object()) return mismatch();
      for (const auto& [k, item] : j.items())
        if (!s.field_index(k))
          return json_error(
              path, "unknown field '" + safe_json::excerpt(k, 64) + "' for record '" + s.full_name() + "'");
      std::vector<value> fields;
      fields.reserve(s.fields().size());
      for (const auto& f : s.fields()) {
        descend in(path, {path_segment::kind::field, f.name, 0});
        const json* src = nullptr;
        mode fm = m;
        if (auto it = j.find(f.name); it != j.end()) {
          src = &*it;
        } else if (f.default_value) {
          src = &*f.default_value;
          fm = mode::default_form;
        } else {
          return json_error(path, "missing, and the field has no default");
        }
        auto v = convert(f.type, *src, path, fm, depth + 1);
        if (!v) return v;
        fields.push_back(std::move(*v));
      }
      return value::record_of(std::move(fields));
    }
    case type::union_: {
      const auto& branches = s.branches();
      if (m == mode::default_form) {
        if (branches.empty()) return json_error(path, "an empty union has no value");
        auto v = convert(branches[0], j, path, m, depth + 1);
        if (!v) return v;
        return value::union_of(0, std::move(*v));
      }
      if (m == mode::avro_json) {
        if (j.is_null()) {
          for (std::size_t i = 0; i < branches.size(); ++i)
            if (branches[i].kind() == type::null) return value::union_of(i, value());
        } else if (j.is_object() && j.size() == 1) {
          for (std::size_t i = 0; i < branches.size(); ++i) {
            if (j.begin().key() != branch_name(branches[i])) continue;
            auto v = convert(branches[i], j.begin().value(), path, m, depth + 1);
            if (!v) return v;
            return value::union_of(i, std::move(*v));
          }
        }
        std::string names;
        for (const auto& b : branches) {
          if (!names.empty()) names += ',';
          names += branch_name(b);
        }
        return json_error(
            path, "expected null or {\"<branch>\": value} for union [" + names + "], got " + describe(j));
      }
      for (std::size_t i = 0; i < branches.size(); ++i) {
        if (j.is_null() != (branches[i].kind() == type::null)) continue;
        if (auto v = convert(branches[i], j, path, m, depth + 1)) return value::union_of(i, std::move(*v));
      }
      if (j.is_object() && j.size() == 1) {
        for (std::size_t i = 0; i < branches.size(); ++i) {
          if (j.begin().key() != branch_name(branches[i])) continue;
          auto v = convert(branches[i], j.begin().value(), path, m, depth + 1);
          if (!v) return v;
          return value::union_of(i, std::move(*v));
        }
      }
      std::string names;
      for (const auto& b : branches) {
        if (!names.empty()) names += ',';
        names += branch_name(b);
      }
      return json_error(path, "no branch of union [" + names + "] accepts " + describe(j));
    }
  }
  return fail(errc::internal, "unknown schema type");
}

}  // namespace

result<value> from_json(const schema& s, const nlohmann::json& j) {
  path_t path;
  return convert(s, j, path, mode::plain, 0);
}

result<value> from_avro_json(const schema& s, const nlohmann::json& j) {
  path_t path;
  return convert(s, j, path, mode::avro_json, 0);
}

result<value> value_from_default(const schema& s, const nlohmann::json& j) {
  path_t path;
  return convert(s, j, path, mode::default_form, 0);
}

result<value> value_from_json_text(const schema& s, std::string_view text, json_style style) {
  // Data lines refuse duplicate keys: "last wins" would silently drop what the writer meant.
  auto j = safe_json::parse(text, safe_json::parse_options{.max_depth = safe_json::default_max_depth,
                                                           .duplicates = safe_json::duplicate_keys::refuse});
  if (!j) return fail(errc::invalid_data, "invalid JSON: " + j.error().message());
  return style == json_style::plain ? from_json(s, *j) : from_avro_json(s, *j);
}

namespace {

template <class J>
J float_json(double d, bool avro) {
  if (avro && std::isnan(d)) return "NaN";
  if (avro && std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

template <class J>
J to_json_impl(const schema& s, const value& v, bool avro);

}  // namespace

nlohmann::json to_json(const schema& s, const value& v) {
  return to_json_impl<json>(s, v, false);
}

nlohmann::json to_avro_json(const schema& s, const value& v) {
  return to_json_impl<json>(s, v, true);
}

std::string write_json(const schema& s, const value& v, json_style style) {
  // Avro strings should be UTF-8 but bytes promoted to strings need not be: show U+FFFD, never throw.
  return to_json_impl<nlohmann::ordered_json>(s, v, style == json_style::avro)
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

template <class J>
J to_json_impl(const schema& s, const value& v, bool avro) {
  switch (s.kind()) {
    case type::null:
      return nullptr;
    case type::boolean:
      if (auto* b = v.get_if<bool>()) return *b;
      return nullptr;
    case type::int_:
      if (auto* i = v.get_if<std::int32_t>()) return *i;
      return nullptr;
    case type::long_:
      if (auto* l = v.get_if<std::int64_t>()) return *l;
      if (auto* i = v.get_if<std::int32_t>()) return *i;
      return nullptr;
    case type::float_:
      if (auto* f = v.get_if<float>())
        return float_json<J>(std::isfinite(*f) ? float_as_double(*f) : static_cast<double>(*f), avro);
      return nullptr;
    case type::double_:
      if (auto* d = v.get_if<double>()) return float_json<J>(*d, avro);
      if (auto* f = v.get_if<float>())
        return float_json<J>(std::isfinite(*f) ? float_as_double(*f) : static_cast<double>(*f), avro);
      return nullptr;
    case type::string:
      if (auto* str = v.get_if<std::string>()) return *str;
      return nullptr;
    case type::bytes:
      if (auto* b = v.get_if<bytes>()) return latin1_string(*b);
      return nullptr;
    case type::fixed:
      if (auto* f = v.get_if<fixed_value>()) return latin1_string(f->data);
      return nullptr;
    case type::enum_:
      if (auto* e = v.get_if<enum_value>(); e && e->index < s.symbols().size()) return s.symbols()[e->index];
      return nullptr;
    case type::array: {
      auto* a = v.get_if<array_value>();
      if (!a) return nullptr;
      J out = J::array();
      for (const auto& item : a->items) out.push_back(to_json_impl<J>(s.items(), item, avro));
      return out;
    }
    case type::map: {
      auto* m = v.get_if<map_value>();
      if (!m) return nullptr;
      J out = J::object();
      for (const auto& [k, item] : m->entries) out[k] = to_json_impl<J>(s.values(), item, avro);
      return out;
    }
    case type::record: {
      auto* r = v.get_if<record_value>();
      if (!r) return nullptr;
      J out = J::object();
      for (std::size_t i = 0; i < s.fields().size() && i < r->fields.size(); ++i)
        out[s.fields()[i].name] = to_json_impl<J>(s.fields()[i].type, r->fields[i], avro);
      return out;
    }
    case type::union_: {
      const auto& branches = s.branches();
      auto wrap = [&](const schema& b, J inner) -> J {
        if (!avro || b.kind() == type::null) return inner;
        J o = J::object();
        o[branch_name(b)] = std::move(inner);
        return o;
      };
      if (auto* u = v.get_if<union_value>()) {
        if (u->branch < branches.size() && u->inner)
          return wrap(branches[u->branch], to_json_impl<J>(branches[u->branch], *u->inner, avro));
        return nullptr;
      }
      for (const auto& b : branches) {
        auto out = to_json_impl<J>(b, v, avro);
        if (!out.is_null()) return wrap(b, std::move(out));
      }
      return nullptr;
    }
  }
  return nullptr;
}

}  // namespace

}  // namespace kavro::avro
