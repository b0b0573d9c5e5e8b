// Parses Avro schema JSON into immutable nodes, validating names, namespaces and structure, and
// writes the Parsing Canonical Form.
#include "kavro/avro/schema.hpp"

#include <map>
#include <stdexcept>
#include <unordered_set>

namespace kavro::avro {

namespace detail {

struct node {
  avro::type kind = avro::type::null;
  bool is_error = false;
  std::string full_name;
  std::string text;
  std::vector<field> fields;
  std::vector<std::string> symbols;
  std::vector<schema> children;  // array items, map values or union branches
  std::size_t fixed_size = 0;
};

}  // namespace detail

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

namespace {

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

}  // namespace

// Holds the names defined so far and the context path used in error messages.
class parser {
 public:
  result<schema> parse_any(const nlohmann::json& j, const std::string& ns) {
    if (j.is_string()) return parse_name(j.get<std::string>(), ns);
    if (j.is_array()) return parse_union(j, ns);
    if (j.is_object()) return parse_object(j, ns);
    return error("a schema must be a string, an object or an array, not " + std::string(j.type_name()));
  }

 private:
  std::map<std::string, schema, std::less<>> named_;
  std::unordered_set<std::string> in_progress_;
  std::vector<std::string> path_;

  tl::unexpected<kavro::error> error(const std::string& what) const {
    std::string msg;
    for (const auto& p : path_) msg += p + ": ";
    return fail(errc::invalid_schema, msg + what);
  }

  static schema make(detail::node n) { return schema(std::make_shared<const detail::node>(std::move(n))); }

  result<schema> parse_name(const std::string& name, const std::string& ns) {
    if (auto p = primitive_from(name)) {
      detail::node n;
      n.kind = *p;
      n.text = nlohmann::json(name).dump();
      return make(std::move(n));
    }
    std::string candidates[2] = {ns.empty() || name.find('.') != std::string::npos ? name : ns + "." + name,
                                 name};
    for (const auto& c : candidates) {
      if (in_progress_.count(c)) return error("recursive reference to " + in_quotes(c) + " is not supported");
      if (auto it = named_.find(c); it != named_.end()) return it->second;
    }
    return error("unknown type " + in_quotes(name));
  }

  result<schema> parse_union(const nlohmann::json& j, const std::string& ns) {
    if (j.empty()) return error("a union needs at least one branch");
    detail::node n;
    n.kind = type::union_;
    n.text = j.dump();
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < j.size(); ++i) {
      path_.push_back("union branch " + std::to_string(i));
      auto b = parse_any(j[i], ns);
      if (!b) return tl::unexpected(b.error());
      path_.pop_back();
      if (b->kind() == type::union_) return error("union branch " + std::to_string(i) + " is itself a union");
      std::string key = b->full_name().empty() ? to_string(b->kind()) : b->full_name();
      if (!seen.insert(key).second) return error("union contains " + in_quotes(key) + " twice");
      n.children.push_back(std::move(*b));
    }
    return make(std::move(n));
  }

  // Resolves the full name and namespace of a named type per the spec's rules.
  result<std::pair<std::string, std::string>> name_of(const nlohmann::json& j, const std::string& kind,
                                                      const std::string& ns) {
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
    if (named_.count(full) || in_progress_.count(full))
      return error(kind + " " + in_quotes(full) + " is defined twice");
    return std::pair{full, space};
  }

  result<schema> parse_object(const nlohmann::json& j, const std::string& ns) {
    auto tit = j.find("type");
    if (tit == j.end()) return error("schema object without a \"type\"");
    if (!tit->is_string()) {
      // {"type": {...}} or {"type": [...]}: a wrapped schema, as some tools write field types.
      return parse_any(*tit, ns);
    }
    std::string t = tit->get<std::string>();
    if (auto p = primitive_from(t)) {
      detail::node n;
      n.kind = *p;
      n.text = j.dump();
      return make(std::move(n));
    }
    if (t == "record" || t == "error") return parse_record(j, ns, t == "error");
    if (t == "enum") return parse_enum(j, ns);
    if (t == "fixed") return parse_fixed(j, ns);
    if (t == "array" || t == "map") {
      const char* key = t == "array" ? "items" : "values";
      auto it = j.find(key);
      if (it == j.end()) return error(t + " without \"" + key + "\"");
      path_.push_back(t + " " + key);
      auto child = parse_any(*it, ns);
      if (!child) return child;
      path_.pop_back();
      detail::node n;
      n.kind = t == "array" ? type::array : type::map;
      n.text = j.dump();
      n.children.push_back(std::move(*child));
      return make(std::move(n));
    }
    return parse_name(t, ns);
  }

  result<schema> parse_record(const nlohmann::json& j, const std::string& ns, bool is_error) {
    auto names = name_of(j, "record", ns);
    if (!names) return tl::unexpected(names.error());
    auto& [full, space] = *names;
    path_.push_back("record " + in_quotes(full));
    auto fit = j.find("fields");
    if (fit == j.end() || !fit->is_array()) return error("\"fields\" must be an array");
    detail::node n;
    n.kind = type::record;
    n.is_error = is_error;
    n.full_name = full;
    n.text = j.dump();
    in_progress_.insert(full);
    for (std::size_t i = 0; i < fit->size(); ++i) {
      const auto& f = (*fit)[i];
      if (!f.is_object()) return error("field " + std::to_string(i) + " is not an object");
      auto nit = f.find("name");
      if (nit == f.end() || !nit->is_string())
        return error("field " + std::to_string(i) + " without a \"name\"");
      std::string fname = nit->get<std::string>();
      if (!valid_simple_name(fname)) return error("invalid field name " + in_quotes(fname));
      for (const auto& prev : n.fields)
        if (prev.name == fname) return error("duplicate field name " + in_quotes(fname));
      path_.push_back("field " + in_quotes(fname));
      auto ftype = f.find("type");
      if (ftype == f.end()) return error("field without a \"type\"");
      auto fs = parse_any(*ftype, space);
      if (!fs) return fs;
      path_.pop_back();
      std::optional<nlohmann::json> def;
      if (auto d = f.find("default"); d != f.end()) def = *d;
      n.fields.push_back(field{std::move(fname), std::move(*fs), std::move(def)});
    }
    in_progress_.erase(full);
    path_.pop_back();
    auto s = make(std::move(n));
    named_.emplace(full, s);
    return s;
  }

  result<schema> parse_enum(const nlohmann::json& j, const std::string& ns) {
    auto names = name_of(j, "enum", ns);
    if (!names) return tl::unexpected(names.error());
    const std::string& full = names->first;
    auto sit = j.find("symbols");
    if (sit == j.end() || !sit->is_array())
      return error("enum " + in_quotes(full) + ": \"symbols\" must be an array");
    detail::node n;
    n.kind = type::enum_;
    n.full_name = full;
    n.text = j.dump();
    for (const auto& s : *sit) {
      if (!s.is_string() || !valid_simple_name(s.get<std::string>()))
        return error("enum " + in_quotes(full) + ": invalid symbol " + s.dump());
      for (const auto& prev : n.symbols)
        if (prev == s.get<std::string>())
          return error("enum " + in_quotes(full) + ": duplicate symbol " + s.dump());
      n.symbols.push_back(s.get<std::string>());
    }
    auto s = make(std::move(n));
    named_.emplace(full, s);
    return s;
  }

  result<schema> parse_fixed(const nlohmann::json& j, const std::string& ns) {
    auto names = name_of(j, "fixed", ns);
    if (!names) return tl::unexpected(names.error());
    const std::string& full = names->first;
    auto zit = j.find("size");
    if (zit == j.end() || !zit->is_number_integer() || zit->get<std::int64_t>() < 0)
      return error("fixed " + in_quotes(full) + ": \"size\" must be a non-negative integer");
    detail::node n;
    n.kind = type::fixed;
    n.full_name = full;
    n.text = j.dump();
    n.fixed_size = zit->get<std::size_t>();
    auto s = make(std::move(n));
    named_.emplace(full, s);
    return s;
  }
};

result<schema> schema::parse(std::string_view json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(errc::invalid_schema, "schema is not valid JSON");
  parser p;
  auto s = p.parse_any(j, "");
  if (!s) return s;
  // The root keeps the document exactly as given (minus whitespace), for registering it.
  auto root = std::make_shared<detail::node>(*s->node_);
  root->text = j.dump();
  return schema(std::move(root));
}

type schema::kind() const noexcept {
  return node_->kind;
}
const std::string& schema::full_name() const noexcept {
  return node_->full_name;
}
const std::string& schema::text() const noexcept {
  return node_->text;
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
std::size_t schema::fixed_size() const noexcept {
  return node_->fixed_size;
}

std::optional<std::size_t> schema::field_index(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < node_->fields.size(); ++i)
    if (node_->fields[i].name == name) return i;
  return std::nullopt;
}

std::optional<std::size_t> schema::symbol_index(std::string_view symbol) const noexcept {
  for (std::size_t i = 0; i < node_->symbols.size(); ++i)
    if (node_->symbols[i] == symbol) return i;
  return std::nullopt;
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
  auto str = [&](const std::string& v) { out += nlohmann::json(v).dump(); };
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
      out += s.is_error() ? ",\"type\":\"error\",\"fields\":[" : ",\"type\":\"record\",\"fields\":[";
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
      out += ",\"type\":\"fixed\",\"size\":" + std::to_string(s.fixed_size()) + "}";
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
