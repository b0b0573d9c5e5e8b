// Schema resolution per the specification: compatibility findings for a writer/reader pair, and
// conversion of writer-shaped values (decoded by the generic codec) into the reader's shape.
#include "kavro/avro/resolution.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <utility>

#include "kavro/avro/codec.hpp"
#include "kavro/avro/json.hpp"

namespace kavro::avro {

const char* to_string(incompatibility k) noexcept {
  switch (k) {
    case incompatibility::name_mismatch:
      return "NAME_MISMATCH";
    case incompatibility::fixed_size_mismatch:
      return "FIXED_SIZE_MISMATCH";
    case incompatibility::missing_enum_symbols:
      return "MISSING_ENUM_SYMBOLS";
    case incompatibility::reader_field_missing_default_value:
      return "READER_FIELD_MISSING_DEFAULT_VALUE";
    case incompatibility::type_mismatch:
      return "TYPE_MISMATCH";
    case incompatibility::missing_union_branch:
      return "MISSING_UNION_BRANCH";
    case incompatibility::reader_field_matches_several_writer_fields:
      return "READER_FIELD_MATCHES_SEVERAL_WRITER_FIELDS";
  }
  return "UNKNOWN";
}

namespace {

bool is_named(type t) {
  return t == type::record || t == type::enum_ || t == type::fixed;
}

// Avro Java 1.12's SchemaCompatibility.schemaNameEquals: the unqualified names are equal, or a reader
// alias — a full name, qualified at parse time in the reader type's own namespace — is the writer's
// full name. An alias is never compared without its namespace.
bool names_match(const schema& reader, const schema& writer) {
  if (reader.name() == writer.name()) return true;
  for (const auto& a : reader.aliases())
    if (a == writer.full_name()) return true;
  return false;
}

bool has_alias(const schema& reader, const std::string& full_name) {
  return std::find(reader.aliases().begin(), reader.aliases().end(), full_name) != reader.aliases().end();
}

bool promotes(type w, type r) {
  switch (w) {
    case type::int_:
      return r == type::long_ || r == type::float_ || r == type::double_;
    case type::long_:
      return r == type::float_ || r == type::double_;
    case type::float_:
      return r == type::double_;
    case type::string:
      return r == type::bytes;
    case type::bytes:
      return r == type::string;
    default:
      return false;
  }
}

std::string describe(const schema& s) {
  return s.full_name().empty() ? to_string(s.kind())
                               : std::string(to_string(s.kind())) + " '" + s.full_name() + "'";
}

// The reader union branch a writer (non-union) type decodes into. Avro Java first renames writer
// types after the reader's aliases (Schema.applyAliases), so a branch aliasing the writer's full name
// wins; then an exact match; then the first branch reachable by promotion or by name.
std::optional<std::size_t> pick_branch(const schema& reader_union, const schema& writer) {
  const auto& bs = reader_union.branches();
  if (is_named(writer.kind())) {
    for (std::size_t i = 0; i < bs.size(); ++i)
      if (bs[i].kind() == writer.kind() && has_alias(bs[i], writer.full_name())) return i;
  }
  for (std::size_t i = 0; i < bs.size(); ++i) {
    if (bs[i].kind() != writer.kind()) continue;
    if (!is_named(writer.kind()) || bs[i].full_name() == writer.full_name()) return i;
  }
  for (std::size_t i = 0; i < bs.size(); ++i) {
    if (promotes(writer.kind(), bs[i].kind())) return i;
    if (bs[i].kind() == writer.kind() && is_named(writer.kind()) && names_match(bs[i], writer)) return i;
  }
  return std::nullopt;
}

// The writer field a reader field reads, by name then by each alias (Avro Java's lookupWriterField).
// `matches` counts every hit, the same field twice included: Java refuses more than one.
struct writer_field_match {
  const field* found = nullptr;
  int matches = 0;
};

writer_field_match find_writer_field(const schema& w, const field& rf) {
  writer_field_match m;
  auto hit = [&](std::optional<std::size_t> i) {
    if (!i) return;
    if (!m.found) m.found = &w.fields()[*i];
    ++m.matches;
  };
  hit(w.field_index(rf.name));
  for (const auto& a : rf.aliases) hit(w.field_index(a));
  return m;
}

class checker {
 public:
  explicit checker(const compatibility_options& options) : options_(options) {}

  compatibility_findings out;

  // Memoised per (reader node, writer node), as Avro Java does: a named type referenced from many
  // places is checked once (its findings repeated with the first path), and a pair met again while
  // it is being checked — recursion — counts as compatible.
  void check(const schema& r, const schema& w, const std::string& path, const std::string& where) {
    // Only named types are shared between places (and recursive); other nodes — primitives named
    // by a bare string are one node per parse — are checked where they stand, with their own path.
    if (!is_named(r.kind())) {
      run(r, w, path, where);
      return;
    }
    const auto key = std::make_pair(r.id(), w.id());
    if (auto it = memo_.find(key); it != memo_.end()) {
      if (it->second) out.findings.insert(out.findings.end(), it->second->begin(), it->second->end());
      return;
    }
    memo_.emplace(key, std::nullopt);
    const std::size_t before = out.findings.size();
    run(r, w, path, where);
    memo_[key].emplace(out.findings.begin() + static_cast<std::ptrdiff_t>(before), out.findings.end());
  }

 private:
  compatibility_options options_;
  std::map<std::pair<const void*, const void*>, std::optional<std::vector<compatibility_finding>>> memo_;
  int writer_union_depth_ = 0;

  void add(incompatibility k, const std::string& path, const std::string& where, std::string msg,
           std::string detail) {
    std::string text = where.empty() ? std::string() : where + ": ";
    text += msg;
    bool partial = writer_union_depth_ > 0 || k == incompatibility::missing_union_branch ||
                   k == incompatibility::missing_enum_symbols;
    out.findings.push_back({k, path, std::move(text), std::move(detail), partial});
  }

  // A reader union reads a writer (non-union) type when any branch does (Java's checker): the
  // branches are tried in order, preferring the one decoding would pick; the findings of failed
  // tries are dropped.
  bool readable_by_union(const schema& r, const schema& w, const std::string& path,
                         const std::string& where) {
    const auto& bs = r.branches();
    std::vector<std::size_t> order;
    if (auto preferred = pick_branch(r, w)) order.push_back(*preferred);
    for (std::size_t i = 0; i < bs.size(); ++i)
      if (order.empty() || i != order.front()) order.push_back(i);
    for (std::size_t i : order) {
      const bool plausible = bs[i].kind() == w.kind() || promotes(w.kind(), bs[i].kind());
      if (!plausible) continue;
      const std::size_t before = out.findings.size();
      check(bs[i], w, path + "/" + std::to_string(i), where);
      if (out.findings.size() == before) return true;
      out.findings.resize(before);
    }
    return false;
  }

  void run(const schema& r, const schema& w, const std::string& path, const std::string& where) {
    if (w.kind() == type::union_) {
      // Every branch the writer may use must be readable.
      if (r.kind() == type::union_) {
        for (std::size_t i = 0; i < w.branches().size(); ++i) {
          const auto& wb = w.branches()[i];
          // Java reports it at the writer branch's index.
          if (!readable_by_union(r, wb, path, where))
            add(incompatibility::missing_union_branch, path + "/" + std::to_string(i), where,
                "reader union lacks a branch for writer branch " + std::to_string(i) + " (" + describe(wb) +
                    ")",
                "reader union lacking writer type: " + std::string(to_string(wb.kind())));
        }
      } else {
        ++writer_union_depth_;
        for (const auto& wb : w.branches()) check(r, wb, path, where);
        --writer_union_depth_;
      }
      return;
    }
    if (r.kind() == type::union_) {
      if (!readable_by_union(r, w, path, where))
        add(incompatibility::missing_union_branch, path, where,
            "reader union has no branch for writer " + describe(w),
            "reader union lacking writer type: " + std::string(to_string(w.kind())));
      return;
    }
    if (r.kind() != w.kind()) {
      if (!promotes(w.kind(), r.kind()))
        add(incompatibility::type_mismatch, path, where,
            "writer type " + describe(w) + " cannot be read as " + describe(r),
            std::string("reader type: ") + to_string(r.kind()) +
                " not compatible with writer type: " + to_string(w.kind()));
      return;
    }
    if (is_named(r.kind()) && !names_match(r, w)) {
      add(incompatibility::name_mismatch, path + "/name", where,
          "writer " + describe(w) + " does not match reader name '" + r.full_name() + "' or its aliases",
          "expected: " + w.full_name());
      return;
    }
    switch (r.kind()) {
      case type::fixed:
        if (r.fixed_size() != w.fixed_size())
          add(incompatibility::fixed_size_mismatch, path + "/size", where,
              "fixed '" + r.full_name() + "' has size " + std::to_string(r.fixed_size()) + ", the writer's " +
                  std::to_string(w.fixed_size()),
              "expected: " + std::to_string(w.fixed_size()) + ", found: " + std::to_string(r.fixed_size()));
        check_decimal(r, w, path, where);
        return;
      case type::bytes:
        check_decimal(r, w, path, where);
        return;
      case type::enum_: {
        if (r.enum_default()) return;
        std::string missing;
        for (const auto& sym : w.symbols())
          if (!r.symbol_index(sym)) missing += (missing.empty() ? "" : ", ") + sym;
        if (!missing.empty())
          add(incompatibility::missing_enum_symbols, path + "/symbols", where,
              "enum '" + r.full_name() + "' lacks the writer's symbols [" + missing + "] and has no default",
              "[" + missing + "]");
        return;
      }
      case type::array:
        check(r.items(), w.items(), path + "/items", where.empty() ? "array items" : where + " items");
        return;
      case type::map:
        check(r.values(), w.values(), path + "/values", where.empty() ? "map values" : where + " values");
        return;
      case type::record:
        for (std::size_t i = 0; i < r.fields().size(); ++i) {
          const auto& rf = r.fields()[i];
          std::string fwhere = where.empty() ? "field '" + rf.name + "'" : where + ".'" + rf.name + "'";
          const auto match = find_writer_field(w, rf);
          if (match.matches > 1) {
            add(incompatibility::reader_field_matches_several_writer_fields,
                path + "/fields/" + std::to_string(i), fwhere,
                "its name and aliases match several fields of the writer's record '" + w.full_name() + "'",
                "Reader record field " + rf.name + " type:" + upper(to_string(rf.type.kind())) + " pos:" +
                    std::to_string(i) + " matches multiple fields in writer record schema " + w.text());
            continue;
          }
          if (!match.found) {
            if (!rf.default_value)
              add(incompatibility::reader_field_missing_default_value, path + "/fields/" + std::to_string(i),
                  fwhere, "missing from the writer and has no default", rf.name);
            continue;
          }
          check(rf.type, match.found->type, path + "/fields/" + std::to_string(i) + "/type", fwhere);
        }
        return;
      default:
        return;
    }
  }

  static std::string upper(const char* s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  }

  void check_decimal(const schema& r, const schema& w, const std::string& path, const std::string& where) {
    if (!options_.decimal_precision_and_scale) return;
    if (r.logical() != logical_type::decimal || w.logical() != logical_type::decimal) return;
    if (r.precision() != w.precision() || r.scale() != w.scale())
      add(incompatibility::type_mismatch, path, where,
          "decimal(" + std::to_string(w.precision()) + "," + std::to_string(w.scale()) +
              ") cannot be read as decimal(" + std::to_string(r.precision()) + "," +
              std::to_string(r.scale()) + ")",
          "decimal precision or scale differ");
  }
};

tl::unexpected<error> convert_error(const std::string& path, const std::string& msg) {
  std::string text;
  if (!path.empty()) {
    text = "field '";
    text += path;
    text += "': ";
  }
  text += msg;
  return fail(errc::invalid_data, std::move(text));
}

std::string join(const std::string& path, const std::string& part) {
  if (path.empty()) return part;
  if (!part.empty() && part[0] == '[') return path + part;
  return path + "." + part;
}

result<value> project(const schema& w, const schema& r, const value& v, const std::string& path,
                      std::size_t depth) {
  if (depth > 600) return convert_error(path, "value nested too deeply");
  if (w.kind() == type::union_) {
    const auto* u = v.get_if<union_value>();
    if (!u || u->branch >= w.branches().size() || !u->inner)
      return convert_error(path, "expected a union value");
    return project(w.branches()[u->branch], r, *u->inner, path, depth + 1);
  }
  if (r.kind() == type::union_) {
    auto b = pick_branch(r, w);
    if (!b) return convert_error(path, "the reader's union has no branch for writer " + describe(w));
    auto inner = project(w, r.branches()[*b], v, path, depth + 1);
    if (!inner) return inner;
    return value::union_of(*b, std::move(*inner));
  }
  if (r.kind() != w.kind()) {
    if (!promotes(w.kind(), r.kind()))
      return convert_error(path, "writer type " + describe(w) + " cannot be read as " + describe(r));
    if (const auto* i = v.get_if<std::int32_t>()) {
      if (r.kind() == type::long_) return value(static_cast<std::int64_t>(*i));
      if (r.kind() == type::float_) return value(static_cast<float>(*i));
      return value(static_cast<double>(*i));
    }
    if (const auto* l = v.get_if<std::int64_t>()) {
      if (r.kind() == type::float_) return value(static_cast<float>(*l));
      return value(static_cast<double>(*l));
    }
    if (const auto* f = v.get_if<float>()) return value(static_cast<double>(*f));
    if (const auto* s = v.get_if<std::string>()) return value(bytes(s->begin(), s->end()));
    if (const auto* b = v.get_if<bytes>()) return value(std::string(b->begin(), b->end()));
    return convert_error(path, "value does not match the writer schema");
  }
  if (is_named(r.kind()) && !names_match(r, w))
    return convert_error(path, "writer " + describe(w) + " does not match reader '" + r.full_name() + "'");
  switch (r.kind()) {
    case type::fixed:
      if (r.fixed_size() != w.fixed_size())
        return convert_error(path, "fixed '" + r.full_name() + "' size differs from the writer's");
      return v;
    case type::enum_: {
      const auto* e = v.get_if<enum_value>();
      if (!e || e->index >= w.symbols().size()) return convert_error(path, "expected an enum value");
      const auto& sym = w.symbols()[e->index];
      if (auto i = r.symbol_index(sym)) return value::enum_of(*i);
      if (r.enum_default()) return value::enum_of(*r.symbol_index(*r.enum_default()));
      return convert_error(path, "symbol '" + sym + "' is not in the reader's enum '" + r.full_name() +
                                     "', which has no default");
    }
    case type::array: {
      const auto* a = v.get_if<array_value>();
      if (!a) return convert_error(path, "expected an array value");
      std::vector<value> items;
      items.reserve(a->items.size());
      for (std::size_t i = 0; i < a->items.size(); ++i) {
        auto item =
            project(w.items(), r.items(), a->items[i], join(path, "[" + std::to_string(i) + "]"), depth + 1);
        if (!item) return item;
        items.push_back(std::move(*item));
      }
      return value::array_of(std::move(items));
    }
    case type::map: {
      const auto* m = v.get_if<map_value>();
      if (!m) return convert_error(path, "expected a map value");
      std::vector<std::pair<std::string, value>> entries;
      entries.reserve(m->entries.size());
      for (const auto& [k, item] : m->entries) {
        auto x = project(w.values(), r.values(), item, join(path, "[\"" + k + "\"]"), depth + 1);
        if (!x) return x;
        entries.emplace_back(k, std::move(*x));
      }
      return value::map_of(std::move(entries));
    }
    case type::record: {
      const auto* rec = v.get_if<record_value>();
      if (!rec || rec->fields.size() != w.fields().size())
        return convert_error(path, "expected a record value");
      std::vector<value> fields;
      fields.reserve(r.fields().size());
      for (const auto& rf : r.fields()) {
        std::string fpath = join(path, rf.name);
        const field* wf = find_writer_field(w, rf).found;
        if (!wf) {
          if (!rf.default_value) return convert_error(fpath, "missing from the writer and has no default");
          auto d = value_from_default(rf.type, *rf.default_value);
          if (!d) return convert_error(fpath, "default: " + d.error().message);
          fields.push_back(std::move(*d));
          continue;
        }
        auto idx = static_cast<std::size_t>(wf - w.fields().data());
        auto x = project(wf->type, rf.type, rec->fields[idx], fpath, depth + 1);
        if (!x) return x;
        fields.push_back(std::move(*x));
      }
      return value::record_of(std::move(fields));
    }
    default:
      return v;
  }
}

}  // namespace

compatibility_findings check_can_read(const schema& reader, const schema& writer,
                                      const compatibility_options& options) {
  checker c(options);
  c.check(reader, writer, "", "");
  return std::move(c.out);
}

result<resolver> resolve(const schema& writer, const schema& reader) {
  auto f = check_can_read(reader, writer);
  // Union branches and enum symbols can fail per datum; everything else must hold for all data.
  std::string msg;
  for (const auto& x : f.findings) {
    if (x.data_dependent) continue;
    if (!msg.empty()) msg += "; ";
    msg += x.message;
    msg += " (at ";
    msg += x.path.empty() ? "/" : x.path;
    msg += ')';
  }
  if (!msg.empty())
    return fail(errc::invalid_schema, "the reader schema cannot read the writer's data: " + msg);
  return resolver(writer, reader);
}

result<value> resolver::convert(const value& v) const {
  return project(writer_, reader_, v, "", 0);
}

result<value> resolver::decode(std::span<const std::uint8_t> data) const {
  auto v = avro::decode(writer_, data);
  if (!v) return v;
  return convert(*v);
}

result<value> decode(const schema& writer, const schema& reader, std::span<const std::uint8_t> data) {
  auto r = resolve(writer, reader);
  if (!r) return tl::unexpected(r.error());
  return r->decode(data);
}

}  // namespace kavro::avro
