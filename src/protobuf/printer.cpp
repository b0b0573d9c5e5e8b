// Confluent's schema printer (ProtobufSchemaUtils.toString / toNormalizedString), over libprotobuf's
// parsed FileDescriptorProto: statements in Confluent's order and layout, options as written (libprotobuf
// leaves them uninterpreted until linking), and with `normalize` the linked pool to qualify names.
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "schema_impl.hpp"

namespace kavro::protobuf {
namespace gp = google::protobuf;
namespace {

// ---- options as wire's OptionElement models them ----------------------------------------------------

struct map_entry;
struct option_element;

struct opt_value {
  enum kind_t { string, boolean, enum_, number, option, map, list } kind = string;
  std::string text;                        // string (unescaped), boolean, enum, number
  std::shared_ptr<option_element> nested;  // option
  std::vector<map_entry> entries;          // map, in insertion order
  std::vector<opt_value> items;            // list
  friend bool operator==(const opt_value&, const opt_value&);
};

struct map_entry {
  std::string key;
  opt_value value;
};

struct option_element {
  std::string name;
  bool parenthesized = false;
  opt_value value;  // its kind is the option's kind
};

bool operator==(const opt_value& a, const opt_value& b) {
  if (a.kind != b.kind || a.text != b.text || a.items != b.items || a.entries.size() != b.entries.size())
    return false;
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    if (a.entries[i].key != b.entries[i].key || !(a.entries[i].value == b.entries[i].value)) return false;
  }
  if (bool(a.nested) != bool(b.nested)) return false;
  if (a.nested && (a.nested->name != b.nested->name || a.nested->parenthesized != b.nested->parenthesized ||
                   !(a.nested->value == b.nested->value))) {
    return false;
  }
  return true;
}

opt_value primitive(opt_value::kind_t kind, std::string text) {
  opt_value v;
  v.kind = kind;
  v.text = std::move(text);
  return v;
}

std::string format_double(double d) {
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (std::isnan(d)) return "nan";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

// The text of an aggregate option value ({ a: 1 b { c: "x" } }), as wire reads it into a map.
class aggregate_reader {
 public:
  explicit aggregate_reader(const std::string& text)
      : input_(text.data(), static_cast<int>(text.size())), tokenizer_(&input_, &errors_) {
    tokenizer_.Next();
  }

  std::vector<map_entry> read_map_body(const char* close) {
    std::vector<map_entry> out;
    while (!at_end() && !looking_at(close)) {
      std::string key;
      if (looking_at("[")) {
        key = "[";
        next();
        while (!at_end() && !looking_at("]")) key += take();
        next();
        key += "]";
      } else {
        key = take();
      }
      if (looking_at(":")) next();
      opt_value v = read_value();
      add(out, std::move(key), std::move(v));
      if (looking_at(",") || looking_at(";")) next();
    }
    if (looking_at(close)) next();
    return out;
  }

 private:
  struct quiet : gp::io::ErrorCollector {
    void AddError(int, int, const std::string&) override {}
  };

  static void add(std::vector<map_entry>& out, std::string key, opt_value v) {
    for (auto& e : out) {
      if (e.key != key) continue;
      if (e.value.kind != opt_value::list) {
        opt_value list;
        list.kind = opt_value::list;
        list.items.push_back(std::move(e.value));
        e.value = std::move(list);
      }
      if (v.kind == opt_value::list) {
        for (auto& item : v.items) e.value.items.push_back(std::move(item));
      } else {
        e.value.items.push_back(std::move(v));
      }
      return;
    }
    out.push_back({std::move(key), std::move(v)});
  }

  opt_value read_value() {
    using T = gp::io::Tokenizer;
    if (looking_at("{")) {
      next();
      opt_value v;
      v.kind = opt_value::map;
      v.entries = read_map_body("}");
      return v;
    }
    if (looking_at("<")) {
      next();
      opt_value v;
      v.kind = opt_value::map;
      v.entries = read_map_body(">");
      return v;
    }
    if (looking_at("[")) {
      next();
      opt_value v;
      v.kind = opt_value::list;
      while (!at_end() && !looking_at("]")) {
        v.items.push_back(read_value());
        if (looking_at(",")) next();
      }
      next();
      return v;
    }
    if (looking_at("-")) {
      next();
      return primitive(opt_value::number, "-" + take());
    }
    const auto type = tokenizer_.current().type;
    if (type == T::TYPE_STRING) {
      std::string s;
      while (!at_end() && tokenizer_.current().type == T::TYPE_STRING) {
        std::string part;
        T::ParseStringAppend(tokenizer_.current().text, &part);
        s += part;
        next();
      }
      return primitive(opt_value::string, s);
    }
    if (type == T::TYPE_INTEGER || type == T::TYPE_FLOAT) return primitive(opt_value::number, take());
    std::string word = take();
    return primitive(word == "true" || word == "false" ? opt_value::boolean : opt_value::enum_, word);
  }

  bool at_end() { return tokenizer_.current().type == gp::io::Tokenizer::TYPE_END; }
  bool looking_at(const char* text) { return tokenizer_.current().text == text; }
  void next() {
    if (!at_end()) tokenizer_.Next();
  }
  std::string take() {
    std::string t = tokenizer_.current().text;
    next();
    return t;
  }

  quiet errors_;
  gp::io::ArrayInputStream input_;
  gp::io::Tokenizer tokenizer_;
};

option_element from_uninterpreted(const gp::UninterpretedOption& u) {
  opt_value value;
  if (u.has_identifier_value()) {
    value = primitive(u.identifier_value() == "true" || u.identifier_value() == "false" ? opt_value::boolean
                                                                                        : opt_value::enum_,
                      u.identifier_value());
  } else if (u.has_positive_int_value()) {
    value = primitive(opt_value::number, std::to_string(u.positive_int_value()));
  } else if (u.has_negative_int_value()) {
    value = primitive(opt_value::number, std::to_string(u.negative_int_value()));
  } else if (u.has_double_value()) {
    value = primitive(opt_value::number, format_double(u.double_value()));
  } else if (u.has_string_value()) {
    value = primitive(opt_value::string, u.string_value());
  } else if (u.has_aggregate_value()) {
    value.kind = opt_value::map;
    aggregate_reader reader(u.aggregate_value());
    value.entries = reader.read_map_body("}");
  }
  // (a).b.c = v is wire's option a of kind OPTION holding b of kind OPTION holding c = v.
  option_element inner{u.name(u.name_size() - 1).name_part(), u.name(u.name_size() - 1).is_extension(),
                       value};
  for (int i = u.name_size() - 2; i >= 0; --i) {
    opt_value wrap;
    wrap.kind = opt_value::option;
    wrap.nested = std::make_shared<option_element>(std::move(inner));
    inner = option_element{u.name(i).name_part(), u.name(i).is_extension(), std::move(wrap)};
  }
  return inner;
}

template <class Options>
std::vector<option_element> options_of(const Options& o) {
  std::vector<option_element> out;
  for (const auto& u : o.uninterpreted_option()) out.push_back(from_uninterpreted(u));
  return out;
}

// ---- layout helpers -------------------------------------------------------------------------------

// Java's String.split("\n") drops trailing empty strings; each line gets two spaces.
void append_indented(std::string& sb, std::string_view value) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (true) {
    auto nl = value.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(value.substr(start));
      break;
    }
    lines.push_back(value.substr(start, nl - start));
    start = nl + 1;
  }
  while (lines.size() > 1 && lines.back().empty()) lines.pop_back();
  if (lines.size() == 1 && lines[0].empty() && !value.empty()) lines.clear();
  for (auto line : lines) {
    sb += "  ";
    sb += line;
    sb += '\n';
  }
}

std::string escape_chars(std::string_view in) {
  std::string out;
  for (char c : in) {
    switch (c) {
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* scalar_name(gp::FieldDescriptorProto::Type t) {
  using F = gp::FieldDescriptorProto;
  switch (t) {
    case F::TYPE_DOUBLE:
      return "double";
    case F::TYPE_FLOAT:
      return "float";
    case F::TYPE_INT64:
      return "int64";
    case F::TYPE_UINT64:
      return "uint64";
    case F::TYPE_INT32:
      return "int32";
    case F::TYPE_FIXED64:
      return "fixed64";
    case F::TYPE_FIXED32:
      return "fixed32";
    case F::TYPE_BOOL:
      return "bool";
    case F::TYPE_STRING:
      return "string";
    case F::TYPE_BYTES:
      return "bytes";
    case F::TYPE_UINT32:
      return "uint32";
    case F::TYPE_SFIXED32:
      return "sfixed32";
    case F::TYPE_SFIXED64:
      return "sfixed64";
    case F::TYPE_SINT32:
      return "sint32";
    case F::TYPE_SINT64:
      return "sint64";
    default:
      return nullptr;
  }
}

// The kind Confluent gives a field's `default` option (ProtobufSchemaUtils.toKind).
opt_value::kind_t default_kind(std::string_view type) {
  auto dot = type.rfind('.');
  if (dot != std::string_view::npos) type = type.substr(dot + 1);
  if (type == "bool") return opt_value::boolean;
  if (type == "string") return opt_value::string;
  static constexpr std::string_view numbers[] = {"bytes",  "double", "float",    "fixed32",  "fixed64",
                                                 "int32",  "int64",  "sfixed32", "sfixed64", "sint32",
                                                 "sint64", "uint32", "uint64"};
  for (auto n : numbers) {
    if (type == n) return opt_value::number;
  }
  return opt_value::enum_;
}

// Java's DecimalFormat without grouping, as Confluent formats numbers when normalizing: integers as
// they are, decimals rounded half-even to three places with trailing zeros dropped.
std::string normalize_number(const std::string& text) {
  std::string t = text;
  bool negative = !t.empty() && t[0] == '-';
  std::string digits = negative ? t.substr(1) : t;
  if (digits.empty()) return text;
  unsigned long long u = 0;
  const char* b = digits.data();
  const char* e = digits.data() + digits.size();
  std::from_chars_result r{};
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    r = std::from_chars(b + 2, e, u, 16);
  } else if (digits.size() > 1 && digits[0] == '0' && digits.find_first_of(".eE") == std::string::npos) {
    r = std::from_chars(b + 1, e, u, 8);
  } else if (digits.find_first_of(".eE") == std::string::npos) {
    r = std::from_chars(b, e, u, 10);
  } else {
    double d = 0;
    auto rd = std::from_chars(b, e, d);
    if (rd.ec != std::errc() || rd.ptr != e) return text;
    double scaled = std::nearbyint(d * 1000.0);  // the FPU's default rounding is half-even
    char buf[64];
    auto w = std::to_chars(buf, buf + sizeof buf, scaled / 1000.0, std::chars_format::fixed, 3);
    std::string s(buf, w.ptr);
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    if (s == "0" || s == "-0") return (negative && scaled != 0) ? "-0" : "0";
    return (negative ? "-" : "") + s;
  }
  if (r.ec != std::errc() || r.ptr != e) return text;
  return (negative && u != 0 ? "-" : "") + std::to_string(u);
}

// ---- source locations: which reserved/extensions/extend statement each element came from --------------

struct span {
  int start_line = 0, start_col = 0, end_line = 0, end_col = 0;
  bool contains(const span& s) const {
    auto before = [](int l1, int c1, int l2, int c2) { return l1 < l2 || (l1 == l2 && c1 <= c2); };
    return before(start_line, start_col, s.start_line, s.start_col) &&
           before(s.start_line, s.start_col, end_line, end_col);
  }
};

class locations {
 public:
  explicit locations(const gp::FileDescriptorProto& f) {
    for (const auto& l : f.source_code_info().location()) {
      span s;
      if (l.span_size() == 3) {
        s = {l.span(0), l.span(1), l.span(0), l.span(2)};
      } else if (l.span_size() == 4) {
        s = {l.span(0), l.span(1), l.span(2), l.span(3)};
      } else {
        continue;
      }
      by_path_[std::vector<int>(l.path().begin(), l.path().end())].push_back(s);
    }
  }

  // Indices 0..count-1 of the elements at path+[field], grouped by the statement at path+[field] that
  // holds them, statements in source order; without source information, one statement.
  std::vector<std::vector<int>> statements(std::vector<int> path, int field, int count) const {
    std::vector<std::vector<int>> out;
    if (count == 0) return out;
    path.push_back(field);
    auto it = by_path_.find(path);
    if (it == by_path_.end()) {
      out.emplace_back();
      for (int i = 0; i < count; ++i) out.back().push_back(i);
      return out;
    }
    std::vector<span> stmts = it->second;
    std::stable_sort(stmts.begin(), stmts.end(), [](const span& a, const span& b) {
      return a.start_line < b.start_line || (a.start_line == b.start_line && a.start_col < b.start_col);
    });
    out.resize(stmts.size());
    std::vector<int> orphans;
    for (int i = 0; i < count; ++i) {
      path.push_back(i);
      auto e = by_path_.find(path);
      path.pop_back();
      bool placed = false;
      if (e != by_path_.end()) {
        for (std::size_t s = 0; s < stmts.size() && !placed; ++s) {
          if (stmts[s].contains(e->second.front())) {
            out[s].push_back(i);
            placed = true;
          }
        }
      }
      if (!placed) orphans.push_back(i);
    }
    std::erase_if(out, [](const auto& g) { return g.empty(); });
    if (!orphans.empty()) out.push_back(orphans);
    return out;
  }

 private:
  std::map<std::vector<int>, std::vector<span>> by_path_;
};

// ---- the printer -----------------------------------------------------------------------------------

constexpr int max_tag_value = 536870911;

struct range_item {
  bool is_name = false;
  std::string name;
  int start = 0, last = 0;  // inclusive
  bool single() const { return start == last; }
};

class printer {
 public:
  printer(const schema_impl& s, bool normalize)
      : s_(s),
        f_(s.main().proto),
        fd_(s.file),
        normalize_(normalize),
        serialized_(s.main().serialized),
        loc_(s.main().proto) {}

  // protoc's ToJsonName: underscores dropped, the letter after one upper-cased.
  static std::string default_json_name(const std::string& name) {
    std::string out;
    bool upper = false;
    for (char c : name) {
      if (c == '_') {
        upper = true;
      } else if (upper && c >= 'a' && c <= 'z') {
        out += static_cast<char>(c - 'a' + 'A');
        upper = false;
      } else {
        out += c;
        upper = false;
      }
    }
    return out;
  }

  std::string file() {
    std::string sb;
    if (f_.has_syntax() && (!normalize_ || f_.syntax() == "proto3"))
      sb += "syntax = \"" + f_.syntax() + "\";\n";
    if (f_.has_package()) sb += "package " + f_.package() + ";\n";
    if (f_.dependency_size() > 0) {
      sb += '\n';
      std::set<int> pub(f_.public_dependency().begin(), f_.public_dependency().end());
      std::vector<std::string> imports, public_imports;
      for (int i = 0; i < f_.dependency_size(); ++i)
        (pub.count(i) ? public_imports : imports).push_back(f_.dependency(i));
      if (normalize_) {
        for (auto* list : {&imports, &public_imports}) {
          std::sort(list->begin(), list->end());
          list->erase(std::unique(list->begin(), list->end()), list->end());
        }
      }
      for (const auto& i : imports) sb += "import \"" + i + "\";\n";
      for (const auto& i : public_imports) sb += "import public \"" + i + "\";\n";
    }
    auto options = filter(options_of(f_.options()), {});
    if (!options.empty()) {
      sb += '\n';
      for (const auto& o : options) sb += option_statement(o);
    }
    if (f_.message_type_size() + f_.enum_type_size() > 0) {
      sb += '\n';
      for (int i = 0; i < f_.message_type_size(); ++i) {
        sb += message(f_.message_type(i), fd_->message_type(i), {4, i});
      }
      for (int i = 0; i < f_.enum_type_size(); ++i)
        sb += enumeration(f_.enum_type(i), {5, i}, fd_->package());
    }
    if (f_.extension_size() > 0) {
      sb += '\n';
      for (const auto& block :
           extend_blocks({}, 7, f_.extension(), [&](int i) { return fd_->extension(i); })) {
        sb += block;
      }
    }
    if (f_.service_size() > 0) {
      sb += '\n';
      for (int i = 0; i < f_.service_size(); ++i) sb += service(f_.service(i), fd_->service(i));
    }
    return sb;
  }

 private:
  // ---- options ----

  std::string option_string(const option_element& o) const {
    std::string sb = o.parenthesized ? "(" + o.name + ")" : o.name;
    const auto& v = o.value;
    switch (v.kind) {
      case opt_value::string:
        sb += " = \"" + escape_chars(v.text) + "\"";
        break;
      case opt_value::boolean:
      case opt_value::enum_:
        sb += " = " + v.text;
        break;
      case opt_value::number:
        sb += " = " + number(v.text);
        break;
      case opt_value::option:
        sb += "." + option_string(*v.nested);
        break;
      case opt_value::map:
        sb += " = {\n";
        format_map(sb, v.entries);
        sb += '}';
        break;
      case opt_value::list:
        sb += " = ";
        append_values(sb, v.items);
        break;
    }
    return sb;
  }

  std::string option_statement(const option_element& o) const { return "option " + option_string(o) + ";\n"; }

  std::string number(const std::string& text) const { return normalize_ ? normalize_number(text) : text; }

  void format_map(std::string& sb, std::vector<map_entry> entries) const {
    if (normalize_) {
      std::erase_if(entries, [](const map_entry& e) {
        return e.value.kind == opt_value::list && e.value.items.empty();
      });
      for (auto& e : entries) {
        if (e.key.size() > 2 && e.key.front() == '[' && e.key.back() == ']') {
          if (auto* ext = resolve_extension(e.key.substr(1, e.key.size() - 2), current_scope_)) {
            e.key = "[" + ext->full_name() + "]";
          }
        }
      }
      std::map<std::string, opt_value> sorted;  // TreeMap; the first of equal keys stays
      for (auto& e : entries) sorted.emplace(e.key, e.value);
      entries.clear();
      for (auto& [k, v] : sorted) entries.push_back({k, v});
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      append_indented(
          sb, entries[i].key + ": " + value_string(entries[i].value) + (i + 1 < entries.size() ? "," : ""));
    }
  }

  // ProtobufSchemaUtils.formatOptionMapOrListValue
  std::string value_string(const opt_value& v) const {
    switch (v.kind) {
      case opt_value::string:
        return "\"" + escape_chars(v.text) + "\"";
      case opt_value::boolean:
      case opt_value::enum_:
        return v.text;
      case opt_value::number:
        return number(v.text);
      case opt_value::option:
        return option_string(*v.nested);
      case opt_value::map: {
        std::string sb = "{\n";
        format_map(sb, v.entries);
        sb += '}';
        return sb;
      }
      case opt_value::list: {
        if (normalize_ && v.items.size() == 1) return value_string(v.items[0]);
        std::string sb = "[\n";
        for (std::size_t i = 0; i < v.items.size(); ++i) {
          append_indented(sb, value_string(v.items[i]) + (i + 1 < v.items.size() ? "," : ""));
        }
        sb += "]";
        return sb;
      }
    }
    return {};
  }

  // appendOptions: one item inline in brackets, several one per line.
  void append_values(std::string& sb, const std::vector<opt_value>& items) const {
    if (items.size() == 1) {
      sb += "[" + value_string(items[0]) + "]";
      return;
    }
    sb += "[\n";
    for (std::size_t i = 0; i < items.size(); ++i) {
      append_indented(sb, value_string(items[i]) + (i + 1 < items.size() ? "," : ""));
    }
    sb += ']';
  }

  void append_options(std::string& sb, const std::vector<option_element>& options) const {
    std::vector<opt_value> items;
    for (const auto& o : options) {
      opt_value v;
      v.kind = opt_value::option;
      v.nested = std::make_shared<option_element>(o);
      items.push_back(std::move(v));
    }
    append_values(sb, items);
  }

  // Context.resolve over extension fields: the name as written, looked up from the innermost scope out.
  const gp::FieldDescriptor* resolve_extension(const std::string& name, const std::string& scope) const {
    if (!name.empty() && name[0] == '.') return s_.pool->FindExtensionByName(name.substr(1));
    std::string prefix = scope;
    while (true) {
      const auto* found = s_.pool->FindExtensionByName(prefix.empty() ? name : prefix + "." + name);
      if (found != nullptr) return found;
      if (prefix.empty()) return nullptr;
      auto dot = prefix.rfind('.');
      prefix = dot == std::string::npos ? std::string() : prefix.substr(0, dot);
    }
  }

  static opt_value transform_map(const option_element& o) {
    // (a).b.c = v  ->  {b: {c: v}}
    const option_element& inner = *o.value.nested;
    opt_value value = inner.value.kind == opt_value::option ? transform_map(inner) : inner.value;
    opt_value m;
    m.kind = opt_value::map;
    m.entries.push_back({inner.name, std::move(value)});
    return m;
  }

  static option_element transform(option_element o) {
    if (o.value.kind == opt_value::option) o.value = transform_map(o);
    return o;
  }

  static option_element merge(const option_element& existing, option_element replacement) {
    replacement = transform(std::move(replacement));
    if (existing.value.kind != opt_value::map || replacement.value.kind != opt_value::map) return replacement;
    std::vector<map_entry> merged = existing.value.entries;
    for (auto& e : replacement.value.entries) {
      auto it =
          std::find_if(merged.begin(), merged.end(), [&](const map_entry& m) { return m.key == e.key; });
      if (it == merged.end()) {
        merged.push_back(e);
        continue;
      }
      std::vector<opt_value> set;
      auto add = [&](const opt_value& v) {
        if (std::find(set.begin(), set.end(), v) == set.end()) set.push_back(v);
      };
      for (const auto* v : {&it->value, &e.value}) {
        if (v->kind == opt_value::list) {
          for (const auto& item : v->items) add(item);
        } else {
          add(*v);
        }
      }
      opt_value list;
      list.kind = opt_value::list;
      list.items = std::move(set);
      it->value = std::move(list);
    }
    replacement.value.entries = std::move(merged);
    return replacement;
  }

  // FormatContext.filterOptions
  std::vector<option_element> filter(std::vector<option_element> options, const std::string& scope) const {
    if (!normalize_ || options.empty()) return options;
    std::vector<std::pair<option_element, const gp::FieldDescriptor*>> resolved;
    for (auto& o : options) {
      const gp::FieldDescriptor* ext = nullptr;
      if (o.parenthesized) {
        ext = resolve_extension(o.name, scope);
        if (ext != nullptr) {
          o.name = ext->full_name();
          o = transform(std::move(o));
        }
      }
      resolved.emplace_back(std::move(o), ext);
    }
    std::stable_sort(resolved.begin(), resolved.end(),
                     [](const auto& a, const auto& b) { return a.first.name < b.first.name; });
    std::vector<option_element> out;
    for (std::size_t i = 0; i < resolved.size();) {
      std::size_t j = i;
      while (j < resolved.size() && resolved[j].first.name == resolved[i].first.name) ++j;
      const auto* ext = s_.pool->FindExtensionByName(resolved[i].first.name);
      if (ext != nullptr && !ext->is_repeated()) {
        option_element acc = resolved[i].first;
        for (std::size_t k = i + 1; k < j; ++k) acc = merge(acc, resolved[k].first);
        out.push_back(std::move(acc));
      } else {
        for (std::size_t k = i; k < j; ++k) out.push_back(resolved[k].first);
      }
      i = j;
    }
    return out;
  }

  // ---- types ----

  static bool is_map_entry(const gp::DescriptorProto& m) { return m.options().map_entry(); }

  // The nested type a field names: by its simple name as written, or by its full name (".pkg.M.XEntry")
  // in a file given as a FileDescriptorProto.
  static const gp::DescriptorProto* nested_named(const gp::DescriptorProto& m, const std::string& name) {
    for (const auto& n : m.nested_type()) {
      if (n.name() == name) return &n;
      if (name.size() > n.name().size() + 1 && name[0] == '.' && name.ends_with("." + n.name())) return &n;
    }
    return nullptr;
  }

  static std::string written_type(const gp::FieldDescriptorProto& f) {
    if (f.has_type_name()) return f.type_name();
    const char* s = scalar_name(f.type());
    return s ? s : "";
  }

  // The map entry a field stands for, when it is a map field.
  static const gp::DescriptorProto* map_entry_of(const gp::DescriptorProto& owner,
                                                 const gp::FieldDescriptorProto& f) {
    if (f.label() != gp::FieldDescriptorProto::LABEL_REPEATED || !f.has_type_name()) return nullptr;
    const auto* n = nested_named(owner, f.type_name());
    return n != nullptr && is_map_entry(*n) ? n : nullptr;
  }

  // The label as written, null (empty) when the text had none.
  std::string written_label(const gp::FieldDescriptorProto& f, bool in_oneof) const {
    if (in_oneof) return {};
    if (f.label() == gp::FieldDescriptorProto::LABEL_REPEATED) return "repeated";
    if (f.label() == gp::FieldDescriptorProto::LABEL_REQUIRED) return "required";
    if (f.proto3_optional()) return "optional";
    return syntax_proto3() ? std::string() : "optional";
  }

  bool syntax_proto3() const { return f_.syntax() == "proto3"; }

  std::string field(const gp::DescriptorProto* owner, const gp::FieldDescriptorProto& f,
                    const gp::FieldDescriptor* d, bool in_oneof, const std::string& scope) const {
    std::string label = written_label(f, in_oneof);
    std::string type = written_type(f);
    const gp::DescriptorProto* entry = owner ? map_entry_of(*owner, f) : nullptr;
    if (entry != nullptr) {
      label.clear();
      std::string value_type = written_type(entry->field(1));
      if (normalize_) {
        const auto* vd = d->message_type()->field(1);
        if (vd->message_type() != nullptr) value_type = "." + vd->message_type()->full_name();
        if (vd->enum_type() != nullptr) value_type = "." + vd->enum_type()->full_name();
      }
      type = "map<" + written_type(entry->field(0)) + ", " + value_type + ">";
    } else if (normalize_ && f.has_type_name()) {
      if (d->message_type() != nullptr) type = "." + d->message_type()->full_name();
      if (d->enum_type() != nullptr) type = "." + d->enum_type()->full_name();
    }
    std::string sb;
    if (!label.empty()) sb += label + " ";
    sb += type + " " + f.name() + " = " + std::to_string(f.number());
    auto options = options_of(f.options());
    if (f.has_default_value()) {
      options.push_back(option_element{"default", false, primitive(default_kind(type), f.default_value())});
    }
    // A FileDescriptorProto carries every field's json_name; only one that differs from the default was
    // written in a `.proto` text.
    if (f.has_json_name() && !(serialized_ && f.json_name() == default_json_name(f.name()))) {
      options.push_back(option_element{"json_name", false, primitive(opt_value::string, f.json_name())});
    }
    options = filter(std::move(options), scope);
    if (!options.empty()) {
      sb += " ";
      append_options(sb, options);
    }
    sb += ";\n";
    return sb;
  }

  std::string range_statement(const char* keyword, const std::vector<range_item>& items) const {
    std::string sb = std::string(keyword) + " ";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) sb += ", ";
      const auto& r = items[i];
      if (r.is_name) {
        sb += "\"" + r.name + "\"";
      } else if (r.single()) {
        sb += std::to_string(r.start);
      } else {
        sb += std::to_string(r.start) + " to " + (r.last < max_tag_value ? std::to_string(r.last) : "max");
      }
    }
    sb += ";\n";
    return sb;
  }

  // Reserved (or extensions) statements as written, or one element each, sorted, when normalizing.
  void append_ranges(std::string& sb, const char* keyword,
                     std::vector<std::vector<range_item>> statements) const {
    if (normalize_) {
      std::vector<range_item> all;
      for (auto& s : statements) all.insert(all.end(), s.begin(), s.end());
      auto key = [](const range_item& r) { return r.is_name ? INT32_MAX : r.start; };
      auto text = [](const range_item& r) {
        return r.is_name    ? r.name
               : r.single() ? std::to_string(r.start)
                            : std::to_string(r.start) + ".." + std::to_string(r.last);
      };
      std::stable_sort(all.begin(), all.end(), [&](const range_item& a, const range_item& b) {
        if (key(a) != key(b)) return key(a) < key(b);
        return text(a) < text(b);
      });
      statements.clear();
      for (auto& r : all) statements.push_back({r});
    }
    for (const auto& s : statements) append_indented(sb, range_statement(keyword, s));
  }

  template <class Ranges, class Names>
  std::vector<std::vector<range_item>> reserved(const std::vector<int>& path, int range_field,
                                                const Ranges& rs, int name_field, const Names& names,
                                                bool inclusive_end) const {
    auto range_groups = loc_.statements(path, range_field, rs.size());
    auto name_groups = loc_.statements(path, name_field, names.size());
    // Statements in the order they start; without locations, ranges before names.
    std::vector<std::tuple<int, int, std::vector<range_item>>> stmts;
    auto where = [&](int field, int i) -> std::pair<int, int> {
      std::vector<int> p = path;
      p.push_back(field);
      p.push_back(i);
      auto s = loc_span(p);
      return s ? std::pair<int, int>{s->start_line, s->start_col} : std::pair<int, int>{INT32_MAX, field};
    };
    for (const auto& g : range_groups) {
      std::vector<range_item> items;
      for (int i : g) {
        range_item r;
        r.start = rs.Get(i).start();
        r.last = inclusive_end ? rs.Get(i).end() : rs.Get(i).end() - 1;
        items.push_back(r);
      }
      auto [l, c] = where(range_field, g.front());
      stmts.emplace_back(l, c, std::move(items));
    }
    for (const auto& g : name_groups) {
      std::vector<range_item> items;
      for (int i : g) {
        range_item r;
        r.is_name = true;
        r.name = names.Get(i);
        items.push_back(r);
      }
      auto [l, c] = where(name_field, g.front());
      stmts.emplace_back(l, c, std::move(items));
    }
    std::stable_sort(stmts.begin(), stmts.end(), [](const auto& a, const auto& b) {
      return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
    });
    std::vector<std::vector<range_item>> result;
    for (auto& s : stmts) result.push_back(std::move(std::get<2>(s)));
    return result;
  }

  std::optional<span> loc_span(const std::vector<int>& path) const {
    for (const auto& l : f_.source_code_info().location()) {
      if (l.path_size() == static_cast<int>(path.size()) &&
          std::equal(path.begin(), path.end(), l.path().begin())) {
        if (l.span_size() == 3) return span{l.span(0), l.span(1), l.span(0), l.span(2)};
        if (l.span_size() == 4) return span{l.span(0), l.span(1), l.span(2), l.span(3)};
      }
    }
    return std::nullopt;
  }

  std::string message(const gp::DescriptorProto& m, const gp::Descriptor* d, std::vector<int> path) const {
    const std::string scope = d->full_name();
    current_scope_ = scope;
    std::string sb = "message " + m.name() + " {";
    auto res = reserved(path, 9, m.reserved_range(), 10, m.reserved_name(), false);
    if (!res.empty()) {
      sb += '\n';
      append_ranges(sb, "reserved", res);
    }
    auto options = filter(options_of(m.options()), scope);
    if (!options.empty()) {
      sb += '\n';
      for (const auto& o : options) append_indented(sb, option_statement(o));
    }
    // Fields outside real oneofs (a proto3 `optional` field's synthetic oneof is not one), groups apart.
    auto real_oneof = [&](const gp::FieldDescriptorProto& f) {
      return f.has_oneof_index() && !f.proto3_optional();
    };
    std::vector<int> plain, groups;
    std::set<std::string> group_types;
    for (int i = 0; i < m.field_size(); ++i) {
      const auto& f = m.field(i);
      if (f.type() == gp::FieldDescriptorProto::TYPE_GROUP) group_types.insert(f.type_name());
      if (real_oneof(f)) continue;
      (f.type() == gp::FieldDescriptorProto::TYPE_GROUP ? groups : plain).push_back(i);
    }
    if (!plain.empty()) {
      sb += '\n';
      if (normalize_) {
        std::stable_sort(plain.begin(), plain.end(),
                         [&](int a, int b) { return m.field(a).number() < m.field(b).number(); });
      }
      for (int i : plain) append_indented(sb, field(&m, m.field(i), d->field(i), false, scope));
    }
    std::vector<int> oneofs;
    for (int o = 0; o < m.oneof_decl_size(); ++o) {
      bool synthetic = false, any = false;
      for (const auto& f : m.field()) {
        if (f.has_oneof_index() && f.oneof_index() == o) {
          any = true;
          synthetic = synthetic || f.proto3_optional();
        }
      }
      if (synthetic || (normalize_ && !any)) continue;
      oneofs.push_back(o);
    }
    if (!oneofs.empty()) {
      sb += '\n';
      auto fields_of = [&](int o) {
        std::vector<int> fs;
        for (int i = 0; i < m.field_size(); ++i) {
          if (m.field(i).has_oneof_index() && m.field(i).oneof_index() == o) fs.push_back(i);
        }
        if (normalize_) {
          std::stable_sort(fs.begin(), fs.end(),
                           [&](int a, int b) { return m.field(a).number() < m.field(b).number(); });
        }
        return fs;
      };
      if (normalize_) {
        std::stable_sort(oneofs.begin(), oneofs.end(), [&](int a, int b) {
          return m.field(fields_of(a).front()).number() < m.field(fields_of(b).front()).number();
        });
      }
      for (int o : oneofs) {
        std::string one = "oneof " + m.oneof_decl(o).name() + " {";
        auto oo = filter(options_of(m.oneof_decl(o).options()), scope);
        if (!oo.empty()) {
          one += '\n';
          for (const auto& opt : oo) append_indented(one, option_statement(opt));
        }
        auto fs = fields_of(o);
        if (!fs.empty()) {
          one += '\n';
          for (int i : fs) append_indented(one, field(&m, m.field(i), d->field(i), true, scope));
        }
        one += "}\n";
        append_indented(sb, one);
      }
    }
    if (!groups.empty()) {
      sb += '\n';
      if (normalize_) {
        std::stable_sort(groups.begin(), groups.end(),
                         [&](int a, int b) { return m.field(a).number() < m.field(b).number(); });
      }
      for (int i : groups) {
        const auto& f = m.field(i);
        std::string g;
        std::string label = written_label(f, false);
        if (!label.empty()) g += label + " ";
        g += "group " + f.type_name() + " = " + std::to_string(f.number()) + " {";
        const auto* body = nested_named(m, f.type_name());
        if (body != nullptr && body->field_size() > 0) {
          g += '\n';
          std::vector<int> fs(body->field_size());
          for (int k = 0; k < body->field_size(); ++k) fs[k] = k;
          if (normalize_) {
            std::stable_sort(fs.begin(), fs.end(),
                             [&](int a, int b) { return body->field(a).number() < body->field(b).number(); });
          }
          const auto* bd = d->field(i)->message_type();
          for (int k : fs)
            append_indented(g, field(body, body->field(k), bd->field(k), false, bd->full_name()));
        }
        g += "}\n";
        append_indented(sb, g);
      }
    }
    if (m.extension_range_size() > 0) {
      sb += '\n';
      std::vector<std::vector<range_item>> stmts;
      for (const auto& g : loc_.statements(path, 5, m.extension_range_size())) {
        std::vector<range_item> items;
        for (int i : g) {
          range_item r;
          r.start = m.extension_range(i).start();
          r.last = m.extension_range(i).end() - 1;
          items.push_back(r);
        }
        stmts.push_back(std::move(items));
      }
      append_ranges(sb, "extensions", stmts);
    }
    if (m.extension_size() > 0) {
      sb += '\n';
      for (const auto& block :
           extend_blocks(path, 6, m.extension(), [&](int i) { return d->extension(i); })) {
        append_indented(sb, block);
      }
    }
    bool any_nested = false;
    std::string nested;
    for (int i = 0; i < m.nested_type_size(); ++i) {
      const auto& n = m.nested_type(i);
      if (is_map_entry(n) || group_types.count(n.name())) continue;
      auto p = path;
      p.push_back(3);
      p.push_back(i);
      append_indented(nested, message(n, d->nested_type(i), p));
      any_nested = true;
    }
    for (int i = 0; i < m.enum_type_size(); ++i) {
      auto p = path;
      p.push_back(4);
      p.push_back(i);
      append_indented(nested, enumeration(m.enum_type(i), p, scope));
      any_nested = true;
    }
    if (any_nested) sb += '\n' + nested;
    current_scope_ = d->containing_type() ? d->containing_type()->full_name() : d->file()->package();
    sb += "}\n";
    return sb;
  }

  std::string enumeration(const gp::EnumDescriptorProto& e, const std::vector<int>& path,
                          const std::string& scope) const {
    std::string sb = "enum " + e.name() + " {";
    auto res = reserved(path, 4, e.reserved_range(), 5, e.reserved_name(), true);
    if (!res.empty()) {
      sb += '\n';
      append_ranges(sb, "reserved", res);
    }
    if (res.empty() && (e.options().uninterpreted_option_size() > 0 || e.value_size() > 0)) sb += '\n';
    for (const auto& o : filter(options_of(e.options()), scope)) append_indented(sb, option_statement(o));
    std::vector<int> values(e.value_size());
    for (int i = 0; i < e.value_size(); ++i) values[i] = i;
    if (normalize_) {
      std::stable_sort(values.begin(), values.end(), [&](int a, int b) {
        const auto &x = e.value(a), &y = e.value(b);
        return x.number() != y.number() ? x.number() < y.number() : x.name() < y.name();
      });
    }
    for (int i : values) {
      const auto& v = e.value(i);
      std::string c = v.name() + " = " + std::to_string(v.number());
      auto options = filter(options_of(v.options()), scope);
      if (!options.empty()) {
        c += " ";
        append_options(c, options);
      }
      c += ";\n";
      append_indented(sb, c);
    }
    sb += "}\n";
    return sb;
  }

  template <class Fields, class Built>
  std::vector<std::string> extend_blocks(const std::vector<int>& path, int field_no, const Fields& fields,
                                         Built built) const {
    std::vector<std::vector<int>> groups = loc_.statements(path, field_no, fields.size());
    std::vector<std::pair<std::string, std::vector<int>>> blocks;  // extendee, field indices
    for (const auto& g : groups) {
      bool first = true;
      for (int i : g) {
        std::string extendee =
            normalize_ ? "." + built(i)->containing_type()->full_name() : fields.Get(i).extendee();
        auto same = [&](const auto& b) { return b.first == extendee; };
        if (normalize_) {
          auto it = std::find_if(blocks.begin(), blocks.end(), same);
          if (it != blocks.end()) {
            it->second.push_back(i);
            continue;
          }
        } else if (!first && same(blocks.back())) {
          blocks.back().second.push_back(i);
          continue;
        }
        blocks.push_back({extendee, {i}});
        first = false;
      }
    }
    std::vector<std::string> out;
    for (auto& [extendee, idx] : blocks) {
      std::string sb = "extend " + extendee + " {";
      if (!idx.empty()) {
        sb += '\n';
        if (normalize_) {
          std::stable_sort(idx.begin(), idx.end(),
                           [&](int a, int b) { return fields.Get(a).number() < fields.Get(b).number(); });
        }
        for (int i : idx) {
          const auto* b = built(i);
          std::string scope = b->extension_scope() ? b->extension_scope()->full_name() : b->file()->package();
          append_indented(sb, field(nullptr, fields.Get(i), b, false, scope));
        }
      }
      sb += "}\n";
      out.push_back(std::move(sb));
    }
    return out;
  }

  std::string service(const gp::ServiceDescriptorProto& s, const gp::ServiceDescriptor* d) const {
    std::string sb = "service " + s.name() + " {";
    const std::string scope = d->file()->package();
    auto options = filter(options_of(s.options()), scope);
    if (!options.empty()) {
      sb += '\n';
      for (const auto& o : options) append_indented(sb, option_statement(o));
    }
    if (s.method_size() > 0) {
      sb += '\n';
      for (int i = 0; i < s.method_size(); ++i) {
        const auto& m = s.method(i);
        std::string in = normalize_ ? "." + d->method(i)->input_type()->full_name() : m.input_type();
        std::string out = normalize_ ? "." + d->method(i)->output_type()->full_name() : m.output_type();
        std::string rpc = "rpc " + m.name() + " (" + (m.client_streaming() ? "stream " : "") + in +
                          ") returns (" + (m.server_streaming() ? "stream " : "") + out + ")";
        auto mo = filter(options_of(m.options()), scope);
        if (!mo.empty()) {
          rpc += " {\n";
          for (const auto& o : mo) append_indented(rpc, option_statement(o));
          rpc += '}';
        }
        rpc += ";\n";
        append_indented(sb, rpc);
      }
    }
    sb += "}\n";
    return sb;
  }

  const schema_impl& s_;
  const gp::FileDescriptorProto& f_;
  const gp::FileDescriptor* fd_;
  bool normalize_;
  bool serialized_;
  locations loc_;
  mutable std::string current_scope_;
};

}  // namespace

std::string print_schema(const schema_impl& s, bool normalize) {
  return printer(s, normalize).file();
}

}  // namespace kavro::protobuf
