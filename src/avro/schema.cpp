// Parses Avro schema JSON into an arena of immutable nodes, validating names, namespaces, logical
// types and field defaults, and writes the Parsing Canonical Form.
#include "kavro/avro/schema.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "kavro/json.hpp"
#include "schema_detail.hpp"

namespace kavro::avro {

const char* to_string(type t) noexcept {
  switch (t) {
    case type::null:
      return "null";
    case type::boolean:
      return "boolean";
    case type::int_:
      return "int";
    case type::long_:
      return "long";
    case type::float_:
      return "float";
    case type::double_:
      return "double";
    case type::bytes:
      return "bytes";
    case type::string:
      return "string";
    case type::record:
      return "record";
    case type::enum_:
      return "enum";
    case type::array:
      return "array";
    case type::map:
      return "map";
    case type::union_:
      return "union";
    case type::fixed:
      return "fixed";
  }
  return "unknown";
}

const char* to_string(logical_type t) noexcept {
  switch (t) {
    case logical_type::none:
      return "";
    case logical_type::decimal:
      return "decimal";
    case logical_type::uuid:
      return "uuid";
    case logical_type::date:
      return "date";
    case logical_type::time_millis:
      return "time-millis";
    case logical_type::time_micros:
      return "time-micros";
    case logical_type::timestamp_millis:
      return "timestamp-millis";
    case logical_type::timestamp_micros:
      return "timestamp-micros";
    case logical_type::timestamp_nanos:
      return "timestamp-nanos";
    case logical_type::local_timestamp_millis:
      return "local-timestamp-millis";
    case logical_type::local_timestamp_micros:
      return "local-timestamp-micros";
    case logical_type::local_timestamp_nanos:
      return "local-timestamp-nanos";
    case logical_type::duration:
      return "duration";
  }
  return "";
}

namespace {

using nlohmann::json;

std::optional<type> primitive_from(std::string_view s) {
  static constexpr type prims[] = {type::null,   type::boolean, type::int_,  type::long_,
                                   type::float_, type::double_, type::bytes, type::string};
  for (type t : prims)
    if (s == to_string(t)) return t;
  return std::nullopt;
}

bool valid_simple_name(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

bool valid_full_name(std::string_view s) {
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    if (!valid_simple_name(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string in_quotes(std::string_view s) {
  std::string out(1, '\'');
  out += s;
  out += '\'';
  return out;
}

std::string qualify(const std::string& name, const std::string& space) {
  if (name.find('.') != std::string::npos || space.empty()) return name;
  std::string out = space;
  out += '.';
  out += name;
  return out;
}

// The decimal digits a two's-complement number of n bytes always holds: floor(log10(2^(8n-1)-1)).
int max_decimal_precision(std::size_t n) {
  if (n == 0) return 0;
  return static_cast<int>(std::floor(std::log10(2.0) * static_cast<double>(8 * n - 1)));
}

bool is_bytes_string(const json& j, std::size_t* size) {
  if (!j.is_string()) return false;
  const auto& s = j.get_ref<const std::string&>();
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i, ++n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) continue;
    if ((c & 0xe0) != 0xc0 || i + 1 >= s.size()) return false;
    unsigned cp = ((c & 0x1fu) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3fu);
    if (cp > 0xff) return false;
  }
  if (size) *size = n;
  return true;
}

// Where each array and object of a document starts and ends in its compact text.
using range_map = std::unordered_map<const json*, std::pair<std::size_t, std::size_t>>;

// root.dump(), byte for byte (compact: no spaces; keys escaped as strings are), written without
// recursion and recording the range of every array and object, so each schema node can point into it.
std::string dump_with_ranges(const json& root, range_map& ranges) {
  std::string out;
  struct frame {
    const json* node;
    json::const_iterator next;
    std::size_t begin;
  };
  std::vector<frame> stack;
  auto enter = [&](const json& v) {
    if (!v.is_structured()) {
      out += v.dump();
      return;
    }
    stack.push_back(frame{&v, v.cbegin(), out.size()});
    out += v.is_array() ? '[' : '{';
  };
  enter(root);
  while (!stack.empty()) {
    frame& f = stack.back();
    if (f.next == f.node->cend()) {
      out += f.node->is_array() ? ']' : '}';
      ranges[f.node] = {f.begin, out.size() - f.begin};
      stack.pop_back();
      continue;
    }
    if (f.next != f.node->cbegin()) out += ',';
    auto it = f.next++;
    if (f.node->is_object()) {
      out += json(it.key()).dump();
      out += ':';
    }
    enter(*it);  // may grow `stack`: `f` is not used after this
  }
  return out;
}

bool is_float_special(const json& j) {
  if (!j.is_string()) return false;
  const auto& s = j.get_ref<const std::string&>();
  return s == "NaN" || s == "Infinity" || s == "-Infinity";
}

}  // namespace

// Checks a default (or any JSON datum in Avro's default form) against a schema; returns what is
// wrong, or an empty string. Union defaults take the first branch, as the specification says.
std::string detail::default_mismatch(const schema& s, const json& j, std::size_t depth) {
  if (depth > 256) return "default nested too deeply";
  auto expected = [&](const char* what) {
    return std::string("expected ") + what + ", got " + safe_json::preview(j, 40);
  };
  switch (s.kind()) {
    case type::null:
      return j.is_null() ? "" : expected("null");
    case type::boolean:
      return j.is_boolean() ? "" : expected("a boolean");
    case type::int_:
      if (!j.is_number_integer()) return expected("an int");
      if (j.is_number_unsigned()
              ? j.get<std::uint64_t>() > 2147483647u
              : (j.get<std::int64_t>() < -2147483648LL || j.get<std::int64_t>() > 2147483647LL))
        return expected("an int in the 32-bit range");
      return "";
    case type::long_:
      if (!j.is_number_integer()) return expected("a long");
      if (j.is_number_unsigned() && j.get<std::uint64_t>() > 9223372036854775807ull)
        return expected("a long in the 64-bit range");
      return "";
    case type::float_:
    case type::double_:
      return j.is_number() || is_float_special(j) ? "" : expected("a number");
    case type::string:
      return j.is_string() ? "" : expected("a string");
    case type::bytes:
      return is_bytes_string(j, nullptr) ? "" : expected("a string of code points 0-255");
    case type::fixed: {
      std::size_t n = 0;
      if (!is_bytes_string(j, &n)) return expected("a string of code points 0-255");
      if (n != s.fixed_size())
        return "expected " + std::to_string(s.fixed_size()) + " bytes for fixed " + in_quotes(s.full_name()) +
               ", got " + std::to_string(n);
      return "";
    }
    case type::enum_:
      if (!j.is_string()) return expected("a symbol");
      if (!s.symbol_index(j.get_ref<const std::string&>()))
        return "unknown symbol " + safe_json::preview(j, 80) + " for enum " + in_quotes(s.full_name());
      return "";
    case type::array:
      if (!j.is_array()) return expected("an array");
      for (std::size_t i = 0; i < j.size(); ++i)
        if (auto m = default_mismatch(s.items(), j[i], depth + 1); !m.empty())
          return "[" + std::to_string(i) + "]: " + m;
      return "";
    case type::map:
      if (!j.is_object()) return expected("an object");
      for (const auto& [k, v] : j.items())
        if (auto m = default_mismatch(s.values(), v, depth + 1); !m.empty()) return "[\"" + k + "\"]: " + m;
      return "";
    case type::record:
      if (!j.is_object()) return expected("an object");
      for (const auto& f : s.fields()) {
        auto it = j.find(f.name);
        if (it == j.end()) {
          if (!f.default_value) return "field " + in_quotes(f.name) + " missing and has no default";
          continue;
        }
        if (auto m = default_mismatch(f.type, *it, depth + 1); !m.empty())
          return "field " + in_quotes(f.name) + ": " + m;
      }
      return "";
    case type::union_:
      if (s.branches().empty()) return "an empty union has no default";
      if (auto m = default_mismatch(s.branches()[0], j, depth + 1); !m.empty())
        return "a union default must match its first branch (" +
               std::string(to_string(s.branches()[0].kind())) + "): " + m;
      return "";
  }
  return "unknown type";
}

// Holds the names defined so far and the context path used in error messages.
class parser {
 public:
  parser(detail::arena& a, const parse_options& o, const range_map& ranges)
      : arena_(a), options_(o), ranges_(ranges) {}

  result<detail::node*> parse_any(const json& j, const std::string& ns, std::size_t depth) {
    if (depth > options_.max_depth)
      return error("schema nested deeper than " + std::to_string(options_.max_depth) + " levels");
    if (j.is_string()) return parse_name(j.get<std::string>(), ns, depth == 0);
    if (j.is_array()) return parse_union(j, ns, depth);
    if (j.is_object()) return parse_object(j, ns, depth);
    return error("a schema must be a string, an object or an array, not " + std::string(j.type_name()));
  }

  // Defaults are checked once every type is complete, so a default may use a type defined later.
  result<void> check_defaults() {
    if (!options_.validate_defaults) return {};
    for (const auto& [where, f] : defaults_) {
      auto m = detail::default_mismatch(f->type, *f->default_value, 0);
      if (!m.empty()) return fail(errc::invalid_schema, where + "invalid default: " + m);
    }
    return {};
  }

  static schema internal(const detail::node* n) { return schema(n); }
  static schema owning(const detail::node* n, std::shared_ptr<const detail::arena> a) {
    return schema(n, std::move(a));
  }

 private:
  detail::arena& arena_;
  parse_options options_;
  const range_map& ranges_;
  std::map<std::string, detail::node*, std::less<>> named_;
  std::vector<std::string> path_;
  std::vector<std::pair<std::string, const field*>> defaults_;
  std::array<detail::node*, 8> primitives_{};  // null .. string, by type

  std::string where() const {
    std::string msg;
    for (const auto& p : path_) msg += p + ": ";
    return msg;
  }

  tl::unexpected<kavro::error> error(const std::string& what) const {
    return fail(errc::invalid_schema, where() + what);
  }

  // j is part of the document whose ranges_ were recorded (arrays and objects always are).
  void set_text(detail::node& n, const json& j) {
    if (auto it = ranges_.find(&j); it != ranges_.end()) {
      n.text_begin = it->second.first;
      n.text_size = it->second.second;
      n.text_in_document = true;
    } else {
      n.text = j.dump();
    }
  }

  detail::node* make(type k) {
    auto& n = arena_.nodes.emplace_back();
    n.owner = &arena_;
    n.kind = k;
    return &n;
  }

  // A primitive named by a bare string is one shared node per parse (a record of 100k "int" fields
  // would otherwise hold 100k identical nodes); the root gets its own, since it keeps the document.
  result<detail::node*> parse_name(const std::string& name, const std::string& ns, bool fresh = false) {
    if (auto p = primitive_from(name)) {
      auto& shared = primitives_[static_cast<std::size_t>(*p)];
      if (shared && !fresh) return shared;
      auto* n = make(*p);
      n->text = json(name).dump();
      if (!fresh) shared = n;
      return n;
    }
    for (const auto& c : {qualify(name, ns), name})
      if (auto it = named_.find(c); it != named_.end()) return it->second;
    return error("unknown type " + in_quotes(name));
  }

  result<detail::node*> parse_union(const json& j, const std::string& ns, std::size_t depth) {
    if (j.empty()) return error("a union needs at least one branch");
    auto* n = make(type::union_);
    set_text(*n, j);
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < j.size(); ++i) {
      // Refused before descending: unions nested in unions are never valid, however deep.
      if (j[i].is_array()) return error("union branch " + std::to_string(i) + " is itself a union");
      path_.push_back("union branch " + std::to_string(i));
      auto b = parse_any(j[i], ns, depth + 1);
      if (!b) return b;
      path_.pop_back();
      if ((*b)->kind == type::union_)
        return error("union branch " + std::to_string(i) + " is itself a union");
      std::string key = (*b)->full_name.empty() ? to_string((*b)->kind) : (*b)->full_name;
      if (!seen.insert(key).second) return error("union contains " + in_quotes(key) + " twice");
      n->children.push_back(internal(*b));
    }
    return n;
  }

  // Sets the full name, namespace and aliases of a named type per the specification's rules.
  result<std::string> name_of(const json& j, const std::string& kind, const std::string& ns,
                              detail::node& n) {
    auto it = j.find("name");
    if (it == j.end()) return error(kind + " without a \"name\"");
    if (!it->is_string()) return error(kind + " \"name\" must be a string");
    std::string name = it->get<std::string>();
    std::string space = ns;
    if (auto nsit = j.find("namespace"); nsit != j.end() && !nsit->is_null()) {
      if (!nsit->is_string()) return error(kind + " " + in_quotes(name) + ": \"namespace\" must be a string");
      space = nsit->get<std::string>();
      if (!space.empty() && !valid_full_name(space))
        return error(kind + " " + in_quotes(name) + ": invalid namespace " + in_quotes(space));
    }
    std::string full;
    if (name.find('.') != std::string::npos) {
      full = name;
      space = name.substr(0, name.rfind('.'));
    } else {
      full = space.empty() ? name : space + "." + name;
    }
    if (!valid_full_name(full)) return error(kind + ": invalid name " + in_quotes(name));
    if (primitive_from(full)) return error(kind + ": name " + in_quotes(full) + " is a primitive type");
    if (named_.count(full)) return error(kind + " " + in_quotes(full) + " is defined twice");
    n.full_name = full;
    n.name = full.substr(full.rfind('.') == std::string::npos ? 0 : full.rfind('.') + 1);
    n.space = space;
    if (auto ait = j.find("aliases"); ait != j.end()) {
      if (!ait->is_array()) return error(kind + " " + in_quotes(full) + ": \"aliases\" must be an array");
      for (const auto& a : *ait) {
        if (!a.is_string() || !valid_full_name(a.get<std::string>()))
          return error(kind + " " + in_quotes(full) + ": invalid alias " + safe_json::preview(a, 80));
        n.aliases.push_back(qualify(a.get<std::string>(), space));
      }
    }
    if (auto dit = j.find("doc"); dit != j.end() && dit->is_string()) n.doc = dit->get<std::string>();
    named_.emplace(full, &n);
    return space;
  }

  // Reads "logicalType" and keeps it only when valid for the base type (else it is an attribute).
  void logical_of(const json& j, detail::node& n, std::unordered_set<std::string>& reserved) {
    auto it = j.find("logicalType");
    if (it == j.end() || !it->is_string()) return;
    const std::string lt = it->get<std::string>();
    auto fixed_of = [&](std::size_t size) { return n.kind == type::fixed && n.fixed_size == size; };
    logical_type t = logical_type::none;
    if (lt == "decimal" && (n.kind == type::bytes || n.kind == type::fixed)) {
      auto p = j.find("precision");
      auto s = j.find("scale");
      if (p == j.end() || !p->is_number_integer() || p->get<std::int64_t>() <= 0) return;
      std::int64_t scale = 0;
      if (s != j.end()) {
        if (!s->is_number_integer() || s->get<std::int64_t>() < 0) return;
        scale = s->get<std::int64_t>();
      }
      std::int64_t precision = p->get<std::int64_t>();
      if (scale > precision || precision > 1000) return;
      if (n.kind == type::fixed && precision > max_decimal_precision(n.fixed_size)) return;
      n.precision = static_cast<int>(precision);
      n.scale = static_cast<int>(scale);
      reserved.insert("precision");
      reserved.insert("scale");
      t = logical_type::decimal;
    } else if (lt == "uuid" && (n.kind == type::string || fixed_of(16))) {
      t = logical_type::uuid;
    } else if (lt == "date" && n.kind == type::int_) {
      t = logical_type::date;
    } else if (lt == "time-millis" && n.kind == type::int_) {
      t = logical_type::time_millis;
    } else if (n.kind == type::long_) {
      static constexpr std::pair<const char*, logical_type> longs[] = {
          {"time-micros", logical_type::time_micros},
          {"timestamp-millis", logical_type::timestamp_millis},
          {"timestamp-micros", logical_type::timestamp_micros},
          {"timestamp-nanos", logical_type::timestamp_nanos},
          {"local-timestamp-millis", logical_type::local_timestamp_millis},
          {"local-timestamp-micros", logical_type::local_timestamp_micros},
          {"local-timestamp-nanos", logical_type::local_timestamp_nanos}};
      for (const auto& [spelling, lt_kind] : longs)
        if (lt == spelling) t = lt_kind;
    } else if (lt == "duration" && fixed_of(12)) {
      t = logical_type::duration;
    }
    if (t == logical_type::none) return;
    n.logical = t;
    reserved.insert("logicalType");
  }

  static void keep_attributes(const json& j, detail::node& n,
                              const std::unordered_set<std::string>& reserved) {
    for (const auto& [k, v] : j.items())
      if (!reserved.count(k)) n.attributes[k] = v;
  }

  result<detail::node*> parse_object(const json& j, const std::string& ns, std::size_t depth) {
    auto tit = j.find("type");
    if (tit == j.end()) return error("schema object without a \"type\"");
    if (!tit->is_string()) {
      // {"type": {...}} or {"type": [...]}: a wrapped schema, as some tools write field types.
      return parse_any(*tit, ns, depth + 1);
    }
    std::string t = tit->get<std::string>();
    std::unordered_set<std::string> reserved{"type"};
    if (auto p = primitive_from(t)) {
      auto* n = make(*p);
      set_text(*n, j);
      logical_of(j, *n, reserved);
      keep_attributes(j, *n, reserved);
      return n;
    }
    if (t == "record" || t == "error") return parse_record(j, ns, t == "error", depth);
    if (t == "enum") return parse_enum(j, ns);
    if (t == "fixed") return parse_fixed(j, ns);
    if (t == "array" || t == "map") {
      const char* key = t == "array" ? "items" : "values";
      auto it = j.find(key);
      if (it == j.end()) return error(t + " without \"" + key + "\"");
      path_.push_back(t + " " + key);
      auto child = parse_any(*it, ns, depth + 1);
      if (!child) return child;
      path_.pop_back();
      auto* n = make(t == "array" ? type::array : type::map);
      set_text(*n, j);
      n->children.push_back(internal(*child));
      reserved.insert(key);
      keep_attributes(j, *n, reserved);
      return n;
    }
    // {"type": "Name"}: a reference to a named type in object form.
    return parse_name(t, ns);
  }

  result<detail::node*> parse_record(const json& j, const std::string& ns, bool is_error, std::size_t depth) {
    auto* n = make(type::record);
    n->is_error = is_error;
    set_text(*n, j);
    auto space = name_of(j, "record", ns, *n);
    if (!space) return tl::unexpected(space.error());
    path_.push_back("record " + in_quotes(n->full_name));
    auto fit = j.find("fields");
    if (fit == j.end() || !fit->is_array()) return error("\"fields\" must be an array");
    // Reserved up front so the fields never move: field_positions keys are views of their names.
    n->fields.reserve(fit->size());
    n->field_positions.reserve(fit->size());
    for (std::size_t i = 0; i < fit->size(); ++i) {
      const auto& f = (*fit)[i];
      if (!f.is_object()) return error("field " + std::to_string(i) + " is not an object");
      auto nit = f.find("name");
      if (nit == f.end() || !nit->is_string())
        return error("field " + std::to_string(i) + " without a \"name\"");
      std::string fname = nit->get<std::string>();
      if (!valid_simple_name(fname)) return error("invalid field name " + in_quotes(fname));
      if (n->field_positions.count(fname)) return error("duplicate field name " + in_quotes(fname));
      path_.push_back("field " + in_quotes(fname));
      auto ftype = f.find("type");
      if (ftype == f.end()) return error("field without a \"type\"");
      auto fs = parse_any(*ftype, *space, depth + 1);
      if (!fs) return fs;
      field fd{std::move(fname), internal(*fs), std::nullopt};
      if (auto d = f.find("default"); d != f.end()) fd.default_value = *d;
      if (auto a = f.find("aliases"); a != f.end()) {
        if (!a->is_array()) return error("\"aliases\" must be an array");
        for (const auto& alias : *a) {
          if (!alias.is_string() || !valid_simple_name(alias.get<std::string>()))
            return error("invalid alias " + safe_json::preview(alias, 80));
          // Field aliases are not names: one may repeat another field's name or alias (Avro Java
          // accepts it); what a reader field alias matches is decided when schemas are resolved.
          fd.aliases.push_back(alias.get<std::string>());
        }
      }
      if (auto d = f.find("doc"); d != f.end() && d->is_string()) fd.doc = d->get<std::string>();
      if (auto o = f.find("order"); o != f.end()) {
        if (*o == "ascending")
          fd.order = field_order::ascending;
        else if (*o == "descending")
          fd.order = field_order::descending;
        else if (*o == "ignore")
          fd.order = field_order::ignore;
        else
          return error("\"order\" must be ascending, descending or ignore, not " +
                       safe_json::preview(*o, 80));
      }
      for (const auto& [k, v] : f.items())
        if (k != "name" && k != "type" && k != "default" && k != "aliases" && k != "doc" && k != "order")
          fd.attributes[k] = v;
      n->fields.push_back(std::move(fd));
      n->field_positions.emplace(n->fields.back().name, n->fields.size() - 1);
      path_.pop_back();
    }
    for (std::size_t i = 0; i < n->fields.size(); ++i)
      if (n->fields[i].default_value)
        defaults_.emplace_back(where() + "field " + in_quotes(n->fields[i].name) + ": ", &n->fields[i]);
    path_.pop_back();
    std::unordered_set<std::string> reserved{"type", "name", "namespace", "doc", "aliases", "fields"};
    keep_attributes(j, *n, reserved);
    return n;
  }

  result<detail::node*> parse_enum(const json& j, const std::string& ns) {
    auto* n = make(type::enum_);
    set_text(*n, j);
    auto space = name_of(j, "enum", ns, *n);
    if (!space) return tl::unexpected(space.error());
    const std::string full = n->full_name;
    auto sit = j.find("symbols");
    if (sit == j.end() || !sit->is_array())
      return error("enum " + in_quotes(full) + ": \"symbols\" must be an array");
    std::unordered_set<std::string> seen;
    for (const auto& s : *sit) {
      if (!s.is_string() || !valid_simple_name(s.get<std::string>()))
        return error("enum " + in_quotes(full) + ": invalid symbol " + safe_json::preview(s, 80));
      if (!seen.insert(s.get<std::string>()).second)
        return error("enum " + in_quotes(full) + ": duplicate symbol " + safe_json::preview(s, 80));
      n->symbols.push_back(s.get<std::string>());
    }
    n->symbol_positions.reserve(n->symbols.size());
    for (std::size_t i = 0; i < n->symbols.size(); ++i) n->symbol_positions.emplace(n->symbols[i], i);
    if (auto d = j.find("default"); d != j.end()) {
      if (!d->is_string() ||
          std::find(n->symbols.begin(), n->symbols.end(), d->get<std::string>()) == n->symbols.end())
        return error("enum " + in_quotes(full) + ": default " + safe_json::preview(*d, 80) +
                     " is not one of its symbols");
      n->enum_default = d->get<std::string>();
    }
    std::unordered_set<std::string> reserved{"type",    "name",    "namespace", "doc",
                                             "aliases", "symbols", "default"};
    keep_attributes(j, *n, reserved);
    return n;
  }

  result<detail::node*> parse_fixed(const json& j, const std::string& ns) {
    auto* n = make(type::fixed);
    set_text(*n, j);
    auto space = name_of(j, "fixed", ns, *n);
    if (!space) return tl::unexpected(space.error());
    auto zit = j.find("size");
    if (zit == j.end() || !zit->is_number_integer() || zit->get<std::int64_t>() < 0 ||
        zit->get<std::int64_t>() > (std::int64_t{1} << 30))
      return error("fixed " + in_quotes(n->full_name) + ": \"size\" must be a non-negative integer");
    n->fixed_size = zit->get<std::size_t>();
    std::unordered_set<std::string> reserved{"type", "name", "namespace", "doc", "aliases", "size"};
    logical_of(j, *n, reserved);
    keep_attributes(j, *n, reserved);
    return n;
  }
};

result<schema> schema::parse(std::string_view json_text) {
  return parse(json_text, parse_options{});
}

result<schema> schema::parse(std::string_view json_text, const parse_options& options) {
  // The JSON's nesting is bounded before anything walks it; a schema level takes at most three JSON
  // levels (record, "fields", field), so this never refuses what max_depth allows. Duplicate keys:
  // the later one wins, as in Avro Java's Schema.Parser (Jackson's default) and so in Confluent's
  // registry, so kavro accepts the same schema texts.
  safe_json::parse_options json_limits{
      .max_depth = std::max(safe_json::default_max_depth, 3 * options.max_depth + 8),
      .duplicates = safe_json::duplicate_keys::last_wins};
  auto parsed = safe_json::parse(json_text, json_limits);
  if (!parsed) return fail(errc::invalid_schema, "schema is not valid JSON: " + parsed.error().message());
  json j = std::move(*parsed);
  auto a = std::make_shared<detail::arena>();
  range_map ranges;
  a->document = dump_with_ranges(j, ranges);
  parser p(*a, options, ranges);
  auto n = p.parse_any(j, "", 0);
  if (!n) return tl::unexpected(n.error());
  if (auto d = p.check_defaults(); !d) return tl::unexpected(d.error());
  // The root keeps the document exactly as given (minus whitespace), for registering it. A bare
  // name at the root refers to a shared node only when it is a primitive, made fresh per use.
  (*n)->text.clear();
  (*n)->text_begin = 0;
  (*n)->text_size = a->document.size();
  (*n)->text_in_document = true;
  return parser::owning(*n, std::move(a));
}

schema::schema(const schema& o)
    : node_(o.node_), owner_(o.owner_ ? o.owner_ : o.node_->owner->shared_from_this()) {}

schema& schema::operator=(const schema& o) {
  if (this != &o) {
    node_ = o.node_;
    owner_ = o.owner_ ? o.owner_ : o.node_->owner->shared_from_this();
  }
  return *this;
}

type schema::kind() const noexcept {
  return node_->kind;
}
const std::string& schema::full_name() const noexcept {
  return node_->full_name;
}
const std::string& schema::name() const noexcept {
  return node_->name;
}
const std::string& schema::name_space() const noexcept {
  return node_->space;
}
const std::vector<std::string>& schema::aliases() const noexcept {
  return node_->aliases;
}
const std::string& schema::doc() const noexcept {
  return node_->doc;
}
const nlohmann::json& schema::attributes() const noexcept {
  return node_->attributes;
}
const std::string& schema::text() const noexcept {
  if (node_->text_in_document)
    std::call_once(node_->text_once,
                   [n = node_] { n->text = n->owner->document.substr(n->text_begin, n->text_size); });
  return node_->text;
}
logical_type schema::logical() const noexcept {
  return node_->logical;
}
int schema::precision() const noexcept {
  return node_->precision;
}
int schema::scale() const noexcept {
  return node_->scale;
}
const std::vector<field>& schema::fields() const noexcept {
  return node_->fields;
}
bool schema::is_error() const noexcept {
  return node_->is_error;
}
const std::vector<std::string>& schema::symbols() const noexcept {
  return node_->symbols;
}
const std::optional<std::string>& schema::enum_default() const noexcept {
  return node_->enum_default;
}
std::size_t schema::fixed_size() const noexcept {
  return node_->fixed_size;
}

std::optional<std::size_t> schema::field_index(std::string_view name) const noexcept {
  auto it = node_->field_positions.find(name);
  if (it == node_->field_positions.end()) return std::nullopt;
  return it->second;
}

std::optional<std::size_t> schema::symbol_index(std::string_view symbol) const noexcept {
  auto it = node_->symbol_positions.find(symbol);
  if (it == node_->symbol_positions.end()) return std::nullopt;
  return it->second;
}

const schema& schema::items() const {
  if (node_->kind != type::array) throw std::logic_error("schema::items() on a non-array schema");
  return node_->children[0];
}

const schema& schema::values() const {
  if (node_->kind != type::map) throw std::logic_error("schema::values() on a non-map schema");
  return node_->children[0];
}

const std::vector<schema>& schema::branches() const noexcept {
  static const std::vector<schema> none;
  return node_->kind == type::union_ ? node_->children : none;
}

namespace {

// Parsing Canonical Form: full names, attributes in the spec's order, named types written once.
void write_canonical(const schema& s, std::unordered_set<std::string>& written, std::string& out) {
  auto str = [&](const std::string& v) { out += json(v).dump(); };
  switch (s.kind()) {
    case type::record:
    case type::enum_:
    case type::fixed:
      if (!written.insert(s.full_name()).second) {
        str(s.full_name());
        return;
      }
      break;
    default:
      break;
  }
  switch (s.kind()) {
    case type::record:
      out += "{\"name\":";
      str(s.full_name());
      // An error is a record in the canonical form, as Avro Java (SchemaNormalization) and fastavro write it.
      out += ",\"type\":\"record\",\"fields\":[";
      for (std::size_t i = 0; i < s.fields().size(); ++i) {
        if (i) out += ',';
        out += "{\"name\":";
        str(s.fields()[i].name);
        out += ",\"type\":";
        write_canonical(s.fields()[i].type, written, out);
        out += '}';
      }
      out += "]}";
      return;
    case type::enum_:
      out += "{\"name\":";
      str(s.full_name());
      out += ",\"type\":\"enum\",\"symbols\":[";
      for (std::size_t i = 0; i < s.symbols().size(); ++i) {
        if (i) out += ',';
        str(s.symbols()[i]);
      }
      out += "]}";
      return;
    case type::fixed:
      out += "{\"name\":";
      str(s.full_name());
      out += ",\"type\":\"fixed\",\"size\":";
      out += std::to_string(s.fixed_size());
      out += '}';
      return;
    case type::array:
      out += "{\"type\":\"array\",\"items\":";
      write_canonical(s.items(), written, out);
      out += '}';
      return;
    case type::map:
      out += "{\"type\":\"map\",\"values\":";
      write_canonical(s.values(), written, out);
      out += '}';
      return;
    case type::union_:
      out += '[';
      for (std::size_t i = 0; i < s.branches().size(); ++i) {
        if (i) out += ',';
        write_canonical(s.branches()[i], written, out);
      }
      out += ']';
      return;
    default:
      out += '"';
      out += to_string(s.kind());
      out += '"';
      return;
  }
}

}  // namespace

std::string schema::canonical_form() const {
  std::unordered_set<std::string> written;
  std::string out;
  write_canonical(*this, written, out);
  return out;
}

}  // namespace kavro::avro
