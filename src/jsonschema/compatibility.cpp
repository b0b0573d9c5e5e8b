// Confluent's JSON Schema difference detection. Confluent compares everit's schema objects, so the
// loader below builds the same shapes from the document: one node per kind (string, number,
// object, ...), several kinds in one schema object as a synthetic allOf, a type array as an anyOf,
// and `$ref` resolved to the node it names (shared, so recursion ends where Confluent's does).
#include "kavro/jsonschema/compatibility.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "kavro/json.hpp"

namespace kavro::jsonschema {
namespace {

using json = nlohmann::ordered_json;

enum class kind {
  empty,
  false_schema,
  object,
  array,
  string,
  number,
  boolean,
  null,
  enumeration,
  constant,
  combined,
  negation,
  conditional
};

struct node {
  kind k = kind::empty;
  const json* source = nullptr;  // the schema object this node was built from
  std::string tag;               // tells apart nodes built from the same object (a type array's members)
  const json* id = nullptr;
  const json* title = nullptr;
  const json* description = nullptr;
  const json* default_value = nullptr;
  // string
  std::optional<double> min_length, max_length;
  std::optional<std::string> pattern;
  // number
  std::optional<double> maximum, minimum, exclusive_maximum, exclusive_minimum, multiple_of;
  bool requires_integer = false;
  // object
  std::vector<std::pair<std::string, const node*>> properties;
  std::set<std::string> required;
  bool permits_additional = true;
  const node* additional = nullptr;
  std::vector<std::pair<std::string, const node*>> pattern_properties;
  std::vector<std::pair<std::string, std::set<std::string>>> property_dependencies;
  std::vector<std::pair<std::string, const node*>> schema_dependencies;
  std::optional<double> max_properties, min_properties;
  // array
  const node* all_items = nullptr;
  std::vector<const node*> item_schemas;
  bool permits_additional_items = true;
  const node* additional_items = nullptr;
  std::optional<double> max_items, min_items;
  bool unique_items = false;
  // enum and const: each value printed, compared as a set
  std::set<std::string> values;
  // allOf / anyOf / oneOf
  std::string criterion;
  std::vector<const node*> subschemas;
  // not
  const node* must_not = nullptr;

  std::string identity() const { return tag + (source ? source->dump() : std::string("{}")); }
  bool has_default() const { return default_value != nullptr; }
};

std::optional<double> number_at(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

const json* member(const json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// --- Loading ---------------------------------------------------------------------------------------------

struct part {
  kind k;
  std::string type;  // for kinds from "type" or sniffed keywords
  std::string criterion;
  std::vector<std::string> types;  // a type array of two or more
};

kind kind_of_type(const std::string& t) {
  if (t == "string") return kind::string;
  if (t == "number" || t == "integer") return kind::number;
  if (t == "object") return kind::object;
  if (t == "array") return kind::array;
  if (t == "boolean") return kind::boolean;
  if (t == "null") return kind::null;
  return kind::empty;
}

class loader {
 public:
  explicit loader(const schema& s) : schema_(s) {}

  const node* root() { return load(&schema_.document(), &schema_.document(), 0); }

 private:
  node* make(kind k, const json* source, std::string tag = {}) {
    auto& n = arena_.emplace_back();
    n.k = k;
    n.source = source;
    n.tag = std::move(tag);
    return &n;
  }

  // A `$ref` as (document, target): local pointers in the document it appears in, others in the
  // named references (matched as the schema's fetcher matches them).
  std::pair<const json*, const json*> resolve(const std::string& ref, const json* doc) const {
    const auto hash = ref.find('#');
    const std::string target_doc = hash == std::string::npos ? ref : ref.substr(0, hash);
    const std::string pointer = hash == std::string::npos ? std::string("#") : ref.substr(hash);
    const json* in = doc;
    if (!target_doc.empty()) {
      in = nullptr;
      for (const auto& [name, d] : schema_.references()) {
        const std::string n = name.substr(0, name.find('#'));
        if (n == target_doc || (target_doc.size() > n.size() && target_doc.ends_with(n) &&
                                target_doc[target_doc.size() - n.size() - 1] == '/')) {
          in = &d;
          break;
        }
      }
      if (in == nullptr) return {nullptr, nullptr};
    }
    const json* at = in;
    std::string_view rest = std::string_view(pointer).substr(1);
    while (!rest.empty()) {
      if (rest[0] != '/') return {nullptr, nullptr};
      rest.remove_prefix(1);
      const auto end = rest.find('/');
      std::string token(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
      for (std::size_t p; (p = token.find("~1")) != std::string::npos;) token.replace(p, 2, "/");
      for (std::size_t p; (p = token.find("~0")) != std::string::npos;) token.replace(p, 2, "~");
      if (at->is_object()) {
        const auto it = at->find(token);
        if (it == at->end()) return {nullptr, nullptr};
        at = &*it;
      } else if (at->is_array() && !token.empty() && token.size() < 10 &&
                 token.find_first_not_of("0123456789") == std::string::npos) {
        const auto i = std::stoul(token);
        if (i >= at->size()) return {nullptr, nullptr};
        at = &(*at)[i];
      } else {
        return {nullptr, nullptr};
      }
    }
    return {in, at};
  }

  static std::vector<part> plan(const json& j) {
    std::vector<part> parts;
    if (const auto* e = member(j, "enum"); e && e->is_array())
      parts.push_back({kind::enumeration, {}, {}, {}});
    for (const char* c : {"allOf", "anyOf", "oneOf"})
      if (const auto* a = member(j, c); a && a->is_array()) parts.push_back({kind::combined, {}, c, {}});
    if (member(j, "not") != nullptr) parts.push_back({kind::negation, {}, {}, {}});
    if (member(j, "const") != nullptr) parts.push_back({kind::constant, {}, {}, {}});
    if (const auto* t = member(j, "type")) {
      if (t->is_string()) {
        parts.push_back({kind_of_type(t->get<std::string>()), t->get<std::string>(), {}, {}});
      } else if (t->is_array() && t->size() == 1 && (*t)[0].is_string()) {
        parts.push_back({kind_of_type((*t)[0].get<std::string>()), (*t)[0].get<std::string>(), {}, {}});
      } else if (t->is_array() && t->size() > 1) {
        part p{kind::combined, {}, "anyOf", {}};
        for (const auto& v : *t)
          if (v.is_string()) p.types.push_back(v.get<std::string>());
        parts.push_back(std::move(p));
      }
    } else {
      // Without "type", the keywords of a kind make a schema of that kind that accepts other types too.
      auto any = [&](std::initializer_list<const char*> keys) {
        return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return j.contains(k); });
      };
      if (any({"properties", "required", "additionalProperties", "patternProperties", "dependencies",
               "dependentRequired", "dependentSchemas", "minProperties", "maxProperties", "propertyNames"}))
        parts.push_back({kind::object, "object", {}, {}});
      if (any({"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains"}))
        parts.push_back({kind::array, "array", {}, {}});
      if (any({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}))
        parts.push_back({kind::number, "number", {}, {}});
      if (any({"minLength", "maxLength", "pattern", "format"}))
        parts.push_back({kind::string, "string", {}, {}});
    }
    if (member(j, "if") != nullptr) parts.push_back({kind::conditional, {}, {}, {}});
    return parts;
  }

  const node* load(const json* j, const json* doc, std::size_t depth) {
    if (const auto it = memo_.find(j); it != memo_.end()) return it->second;
    if (depth > 512) return make(kind::empty, nullptr);  // parse bounds nesting; this only guards
    if (j->is_boolean()) {
      const node* n = make(j->get<bool>() ? kind::empty : kind::false_schema, j);
      memo_[j] = n;
      return n;
    }
    if (!j->is_object()) return make(kind::empty, j);
    if (const auto* ref = member(*j, "$ref"); ref && ref->is_string()) {
      const auto [target_doc, target] = resolve(ref->get<std::string>(), doc);
      // Parsing refused cycles of bare references, so this ends.
      const node* n = target ? load(target, target_doc, depth + 1) : make(kind::empty, j);
      memo_[j] = n;
      return n;
    }
    const auto parts = plan(*j);
    node* result = nullptr;
    if (parts.size() == 1) {
      result = make(parts[0].k, j);
      memo_[j] = result;
      fill(*result, parts[0], *j, doc, depth);
    } else {
      result = make(parts.empty() ? kind::empty : kind::combined, j);
      memo_[j] = result;
      if (!parts.empty()) {
        result->criterion = "allOf";
        for (const auto& p : parts) {
          node* sub = make(p.k, j, "part:" + std::to_string(result->subschemas.size()) + ":");
          fill(*sub, p, *j, doc, depth);
          result->subschemas.push_back(sub);
        }
      }
    }
    result->id = member(*j, "$id") ? member(*j, "$id") : member(*j, "id");
    result->title = member(*j, "title");
    result->description = member(*j, "description");
    result->default_value = member(*j, "default");
    return result;
  }

  void fill(node& n, const part& p, const json& j, const json* doc, std::size_t depth) {
    switch (p.k) {
      case kind::enumeration:
        for (const auto& v : j.at("enum")) n.values.insert(v.dump());
        break;
      case kind::constant:
        n.values.insert(j.at("const").dump());
        break;
      case kind::negation:
        n.must_not = load(&j.at("not"), doc, depth + 1);
        break;
      case kind::combined:
        n.criterion = p.criterion;
        if (!p.types.empty()) {
          for (const auto& t : p.types) {
            node* sub = make(kind_of_type(t), &j, "type:" + t + ":");
            fill_typed(*sub, t, j, doc, depth);
            n.subschemas.push_back(sub);
          }
        } else {
          for (const auto& s : j.at(p.criterion)) n.subschemas.push_back(load(&s, doc, depth + 1));
        }
        break;
      default:
        fill_typed(n, p.type, j, doc, depth);
    }
  }

  void fill_typed(node& n, const std::string& type, const json& j, const json* doc, std::size_t depth) {
    const bool draft2020 = schema_.spec() == draft::draft2020_12;
    switch (kind_of_type(type)) {
      case kind::string:
        n.min_length = number_at(j, "minLength");
        n.max_length = number_at(j, "maxLength");
        if (const auto* pat = member(j, "pattern"); pat && pat->is_string())
          n.pattern = pat->get<std::string>();
        break;
      case kind::number:
        n.requires_integer = type == "integer";
        n.maximum = number_at(j, "maximum");
        n.minimum = number_at(j, "minimum");
        n.exclusive_maximum = number_at(j, "exclusiveMaximum");  // draft 4's boolean form has no limit
        n.exclusive_minimum = number_at(j, "exclusiveMinimum");
        n.multiple_of = number_at(j, "multipleOf");
        break;
      case kind::object: {
        if (const auto* props = member(j, "properties"); props && props->is_object())
          for (const auto& [k, v] : props->items()) n.properties.emplace_back(k, load(&v, doc, depth + 1));
        if (const auto* req = member(j, "required"); req && req->is_array())
          for (const auto& r : *req)
            if (r.is_string()) n.required.insert(r.get<std::string>());
        if (const auto* ap = member(j, "additionalProperties")) {
          if (ap->is_boolean())
            n.permits_additional = ap->get<bool>();
          else
            n.additional = load(ap, doc, depth + 1);
        }
        if (const auto* pp = member(j, "patternProperties"); pp && pp->is_object())
          for (const auto& [k, v] : pp->items())
            n.pattern_properties.emplace_back(k, load(&v, doc, depth + 1));
        auto dependencies = [&](const json* deps) {
          if (deps == nullptr || !deps->is_object()) return;
          for (const auto& [k, v] : deps->items()) {
            if (v.is_array()) {
              std::set<std::string> names;
              for (const auto& s : v)
                if (s.is_string()) names.insert(s.get<std::string>());
              n.property_dependencies.emplace_back(k, std::move(names));
            } else {
              n.schema_dependencies.emplace_back(k, load(&v, doc, depth + 1));
            }
          }
        };
        dependencies(member(j, "dependencies"));
        dependencies(member(j, "dependentRequired"));
        dependencies(member(j, "dependentSchemas"));
        n.max_properties = number_at(j, "maxProperties");
        n.min_properties = number_at(j, "minProperties");
        break;
      }
      case kind::array: {
        const json* tuple = draft2020 ? member(j, "prefixItems") : nullptr;
        const json* items = member(j, "items");
        const json* extra = draft2020 ? (tuple ? items : nullptr) : member(j, "additionalItems");
        if (tuple == nullptr && items != nullptr && items->is_array()) tuple = items;
        if (tuple != nullptr && tuple->is_array()) {
          for (const auto& s : *tuple) n.item_schemas.push_back(load(&s, doc, depth + 1));
        } else if (items != nullptr && !(draft2020 && tuple)) {
          n.all_items = load(items, doc, depth + 1);
        }
        if (extra != nullptr && !extra->is_array()) {
          if (extra->is_boolean())
            n.permits_additional_items = extra->get<bool>();
          else
            n.additional_items = load(extra, doc, depth + 1);
        }
        n.max_items = number_at(j, "maxItems");
        n.min_items = number_at(j, "minItems");
        if (const auto* u = member(j, "uniqueItems"); u && u->is_boolean()) n.unique_items = u->get<bool>();
        break;
      }
      default:
        break;
    }
  }

  const schema& schema_;
  std::deque<node> arena_;  // stable addresses
  std::map<const json*, const node*> memo_;
};

// --- Java's HashSet iteration order ------------------------------------------------------------------

// Confluent walks property names through java.util.HashSet/HashMap, so its differences come out in
// bucket order. Reproducing it keeps kavro's messages in Confluent's order.
std::uint32_t java_hash(const std::string& utf8) {
  std::uint32_t h = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xF0 && i + 3 < utf8.size() + 0) {
      cp = ((c & 0x07u) << 18) | ((utf8[i + 1] & 0x3Fu) << 12) | ((utf8[i + 2] & 0x3Fu) << 6) |
           (utf8[i + 3] & 0x3Fu);
      len = 4;
    } else if (c >= 0xE0 && i + 2 < utf8.size()) {
      cp = ((c & 0x0Fu) << 12) | ((utf8[i + 1] & 0x3Fu) << 6) | (utf8[i + 2] & 0x3Fu);
      len = 3;
    } else if (c >= 0xC0 && i + 1 < utf8.size()) {
      cp = ((c & 0x1Fu) << 6) | (utf8[i + 1] & 0x3Fu);
      len = 2;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      h = 31 * h + (0xD800 + (cp >> 10));
      h = 31 * h + (0xDC00 + (cp & 0x3FF));
    } else {
      h = 31 * h + cp;
    }
  }
  return h ^ (h >> 16);
}

// Iteration order of a HashMap/HashSet after inserting `keys` in this order into a table that starts
// with `capacity` buckets (a power of two) and doubles past 3/4 full.
std::vector<std::string> java_order(const std::vector<std::string>& keys, std::size_t capacity) {
  std::vector<std::string> distinct;
  std::set<std::string> seen;
  for (const auto& k : keys) {
    if (!seen.insert(k).second) continue;
    distinct.push_back(k);
    if (distinct.size() > capacity * 3 / 4) capacity *= 2;
  }
  std::vector<std::pair<std::size_t, std::size_t>> order;  // (bucket, insertion index)
  for (std::size_t i = 0; i < distinct.size(); ++i)
    order.emplace_back(java_hash(distinct[i]) & (capacity - 1), i);
  std::stable_sort(order.begin(), order.end());
  std::vector<std::string> out;
  for (const auto& [bucket, i] : order) out.push_back(distinct[i]);
  return out;
}

std::size_t java_capacity_for(std::size_t n) {  // new HashSet<>(collection)
  std::size_t want = std::max<std::size_t>(static_cast<std::size_t>(static_cast<float>(n) / .75f) + 1, 16);
  std::size_t cap = 1;
  while (cap < want) cap <<= 1;
  return cap;
}

template <class Pairs>
std::vector<std::string> map_order(const Pairs& pairs) {  // a HashMap filled by put, in document order
  std::vector<std::string> keys;
  for (const auto& p : pairs) keys.push_back(p.first);
  return java_order(keys, 16);
}

// new HashSet<>(a.keySet()) then addAll(b.keySet())
template <class Pairs>
std::vector<std::string> union_order(const Pairs& a, const Pairs& b) {
  auto keys = map_order(a);
  const auto first = keys.size();
  for (const auto& k : map_order(b)) keys.push_back(k);
  return java_order(keys, java_capacity_for(first));
}

template <class Pairs>
auto find_in(const Pairs& pairs, const std::string& key) -> decltype(pairs.begin()->second) {
  for (const auto& p : pairs)
    if (p.first == key) return p.second;
  return {};
}

template <class Pairs>
bool has_key(const Pairs& pairs, const std::string& key) {
  return std::any_of(pairs.begin(), pairs.end(), [&](const auto& p) { return p.first == key; });
}

// --- Comparing ---------------------------------------------------------------------------------------

struct context {
  std::vector<const node*> scope;  // originals being compared: recursion stops where it revisits one
  std::vector<std::string> path;
  std::vector<difference> diffs;

  context sub() const { return context{scope, path, {}}; }
  bool compatible() const {
    return std::all_of(diffs.begin(), diffs.end(),
                       [](const difference& d) { return is_compatible_change(d.type); });
  }
  std::string path_string() const {
    std::string s = "#/";
    for (std::size_t i = 0; i < path.size(); ++i) s += (i ? "/" : "") + path[i];
    return s;
  }
  void add(difference_type t) { diffs.push_back({t, path_string()}); }
  void add(const std::string& attribute, difference_type t) {
    path.push_back(attribute);
    add(t);
    path.pop_back();
  }
  void append(const std::vector<difference>& more) { diffs.insert(diffs.end(), more.begin(), more.end()); }
};

struct path_scope {
  path_scope(context& c, std::string p) : c_(c) { c_.path.push_back(std::move(p)); }
  ~path_scope() { c_.path.pop_back(); }
  path_scope(const path_scope&) = delete;
  path_scope& operator=(const path_scope&) = delete;
  context& c_;
};

bool same(const json* a, const json* b) {
  return a == nullptr ? b == nullptr : (b != nullptr && *a == *b);
}

template <class T>
void compare_limit(context& c, const char* attribute, const std::optional<T>& o, const std::optional<T>& u,
                   difference_type added, difference_type removed, difference_type increased,
                   difference_type decreased) {
  if (o == u) return;
  if (!o)
    c.add(attribute, added);
  else if (!u)
    c.add(attribute, removed);
  else if (*o < *u)
    c.add(attribute, increased);
  else if (*o > *u)
    c.add(attribute, decreased);
}

bool regex_finds(const std::string& pattern, const std::string& text) {
  try {
    return std::regex_search(text, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return false;
  }
}

class differ {
 public:
  explicit differ(const compare_limits& bounds) : bounds_(bounds) {}

  bool exhausted() const { return exhausted_; }

  void compare(context& c, const node* o, const node* u) {
    if (exhausted_) return;
    if (++steps_ > bounds_.max_steps || depth_ >= bounds_.max_depth) {
      exhausted_ = true;
      return;
    }
    ++depth_;
    compare_bounded(c, o, u);
    --depth_;
  }

 private:
  void compare_bounded(context& c, const node* o, const node* u) {
    using T = difference_type;
    if (o == nullptr && u == nullptr) return;
    if (o == nullptr) return c.add(T::schema_added);
    if (u == nullptr) return c.add(T::schema_removed);

    const bool oc = o->k == kind::combined, uc = u->k == kind::combined;
    if (!oc && uc) {
      if (u->subschemas.size() == 1) {
        auto sub = c.sub();
        compare(sub, o, u->subschemas[0]);
        if (sub.compatible()) return c.append(sub.diffs);
      } else if (u->criterion == "anyOf" || u->criterion == "oneOf") {
        for (const node* s : u->subschemas) {
          auto sub = c.sub();
          compare(sub, o, s);
          if (sub.compatible()) {
            c.append(sub.diffs);
            return c.add(T::sum_type_extended);
          }
        }
      }
    } else if (oc && !uc) {
      if (o->subschemas.size() == 1) {
        auto sub = c.sub();
        compare(sub, o->subschemas[0], u);
        if (sub.compatible()) return c.append(sub.diffs);
      } else if (o->criterion == "allOf") {
        for (const node* s : o->subschemas) {
          auto sub = c.sub();
          compare(sub, s, u);
          if (sub.compatible()) {
            c.append(sub.diffs);
            return c.add(T::product_type_narrowed);
          }
        }
      }
    }

    if (o->k != u->k) {
      if (o->k != kind::false_schema && u->k != kind::empty) c.add(T::type_changed);
      return;
    }
    if (std::find(c.scope.begin(), c.scope.end(), o) != c.scope.end()) return;
    c.scope.push_back(o);
    if (!same(o->id, u->id)) c.add(T::id_changed);
    if (!same(o->title, u->title)) c.add(T::title_changed);
    if (!same(o->description, u->description)) c.add(T::description_changed);
    if (!same(o->default_value, u->default_value)) c.add(T::default_changed);
    switch (o->k) {
      case kind::string:
        compare_string(c, *o, *u);
        break;
      case kind::number:
        compare_number(c, *o, *u);
        break;
      case kind::constant:
        if (o->values != u->values) c.add("const", T::enum_array_changed);
        break;
      case kind::enumeration:
        compare_enum(c, *o, *u);
        break;
      case kind::combined:
        compare_combined(c, *o, *u);
        break;
      case kind::negation: {
        path_scope p(c, "not");
        auto sub = c.sub();
        compare(sub, u->must_not, o->must_not);  // reversed: what the new schema forbids must shrink
        c.add(sub.compatible() ? T::not_type_narrowed : T::not_type_extended);
        break;
      }
      case kind::object:
        compare_object(c, *o, *u);
        break;
      case kind::array:
        compare_array(c, *o, *u);
        break;
      default:
        break;
    }
    c.scope.pop_back();
  }

  static void compare_string(context& c, const node& o, const node& u) {
    using T = difference_type;
    compare_limit(c, "maxLength", o.max_length, u.max_length, T::max_length_added, T::max_length_removed,
                  T::max_length_increased, T::max_length_decreased);
    compare_limit(c, "minLength", o.min_length, u.min_length, T::min_length_added, T::min_length_removed,
                  T::min_length_increased, T::min_length_decreased);
    if (!o.pattern && u.pattern)
      c.add("pattern", T::pattern_added);
    else if (o.pattern && !u.pattern)
      c.add("pattern", T::pattern_removed);
    else if (o.pattern && *o.pattern != *u.pattern)
      c.add("pattern", T::pattern_changed);
  }

  static void compare_number(context& c, const node& o, const node& u) {
    using T = difference_type;
    compare_limit(c, "maximum", o.maximum, u.maximum, T::maximum_added, T::maximum_removed,
                  T::maximum_increased, T::maximum_decreased);
    compare_limit(c, "minimum", o.minimum, u.minimum, T::minimum_added, T::minimum_removed,
                  T::minimum_increased, T::minimum_decreased);
    compare_limit(c, "exclusiveMaximum", o.exclusive_maximum, u.exclusive_maximum, T::exclusive_maximum_added,
                  T::exclusive_maximum_removed, T::exclusive_maximum_increased,
                  T::exclusive_maximum_decreased);
    compare_limit(c, "exclusiveMinimum", o.exclusive_minimum, u.exclusive_minimum, T::exclusive_minimum_added,
                  T::exclusive_minimum_removed, T::exclusive_minimum_increased,
                  T::exclusive_minimum_decreased);
    if (o.multiple_of != u.multiple_of) {
      // Confluent compares the integer parts (Number.intValue()); a zero one would divide by zero
      // there, and is a change here.
      const auto oi = o.multiple_of ? static_cast<long long>(std::trunc(*o.multiple_of)) : 0;
      const auto ui = u.multiple_of ? static_cast<long long>(std::trunc(*u.multiple_of)) : 0;
      if (!o.multiple_of)
        c.add("multipleOf", T::multiple_of_added);
      else if (!u.multiple_of)
        c.add("multipleOf", T::multiple_of_removed);
      else if (oi != 0 && ui % oi == 0)
        c.add("multipleOf", T::multiple_of_expanded);
      else if (ui != 0 && oi % ui == 0)
        c.add("multipleOf", T::multiple_of_reduced);
      else
        c.add("multipleOf", T::multiple_of_changed);
    }
    if (o.requires_integer != u.requires_integer)
      c.add(o.requires_integer ? T::type_extended : T::type_narrowed);
  }

  static void compare_enum(context& c, const node& o, const node& u) {
    using T = difference_type;
    if (o.values == u.values) return;
    if (std::includes(u.values.begin(), u.values.end(), o.values.begin(), o.values.end()))
      c.add("enum", T::enum_array_extended);
    else if (std::includes(o.values.begin(), o.values.end(), u.values.begin(), u.values.end()))
      c.add("enum", T::enum_array_narrowed);
    else
      c.add("enum", T::enum_array_changed);
  }

  void compare_combined(context& c, const node& o, const node& u) {
    using T = difference_type;
    const bool o_single = o.subschemas.size() == 1, u_single = u.subschemas.size() == 1;
    if (o.criterion != u.criterion) {
      if (u.criterion == "anyOf" || (o_single && u_single) || (o_single && u.criterion == "oneOf") ||
          (u_single && o.criterion == "allOf")) {
        c.add(T::combined_type_extended);
      } else {
        return c.add(T::combined_type_changed);
      }
    }
    // Equal subschemas count once, as in Confluent's sets of JsonSchema.
    auto distinct = [](const std::vector<const node*>& subs) {
      std::vector<const node*> out;
      std::set<std::string> seen;
      for (const node* s : subs)
        if (seen.insert(s->identity()).second) out.push_back(s);
      return out;
    };
    const auto os = distinct(o.subschemas), us = distinct(u.subschemas);
    if (os.size() < us.size())
      c.add(u.criterion == "allOf" ? T::product_type_extended : T::sum_type_extended);
    else if (os.size() > us.size())
      c.add(o.criterion == "anyOf" || o.criterion == "oneOf" ? T::sum_type_narrowed
                                                             : T::product_type_narrowed);

    // Compatible pairs, then a maximum matching of originals to updates (Kuhn's augmenting paths).
    std::vector<std::vector<std::optional<std::vector<difference>>>> edges(
        os.size(), std::vector<std::optional<std::vector<difference>>>(us.size()));
    for (std::size_t i = 0; i < os.size(); ++i) {
      path_scope p(c, o.criterion + "/" + std::to_string(i));
      for (std::size_t k = 0; k < us.size(); ++k) {
        auto sub = c.sub();
        compare(sub, os[i], us[k]);
        if (sub.compatible()) edges[i][k] = std::move(sub.diffs);
      }
    }
    std::vector<int> match_of_update(us.size(), -1);
    for (std::size_t i = 0; i < os.size(); ++i) {
      std::vector<bool> visited(us.size(), false);
      augment(static_cast<int>(i), edges, match_of_update, visited);
    }
    std::vector<int> match_of_original(os.size(), -1);
    std::size_t matched = 0;
    for (std::size_t k = 0; k < us.size(); ++k)
      if (match_of_update[k] >= 0) {
        match_of_original[static_cast<std::size_t>(match_of_update[k])] = static_cast<int>(k);
        ++matched;
      }
    for (std::size_t i = 0; i < os.size(); ++i)
      if (match_of_original[i] >= 0) c.append(*edges[i][static_cast<std::size_t>(match_of_original[i])]);
    if (matched < std::min(os.size(), us.size())) c.add(T::combined_type_subschemas_changed);
  }

  static bool augment(int i, const std::vector<std::vector<std::optional<std::vector<difference>>>>& edges,
                      std::vector<int>& match_of_update, std::vector<bool>& visited) {
    const auto& row = edges[static_cast<std::size_t>(i)];
    for (std::size_t k = 0; k < row.size(); ++k) {
      if (!row[k] || visited[k]) continue;
      visited[k] = true;
      if (match_of_update[k] < 0 || augment(match_of_update[k], edges, match_of_update, visited)) {
        match_of_update[k] = i;
        return true;
      }
    }
    return false;
  }

  static bool open_object(const node& n) {
    return n.pattern_properties.empty() && n.additional == nullptr && n.permits_additional;
  }

  static const node* partially_open_schema(const node& n, const std::string& key) {
    for (const auto& [pattern, s] : n.pattern_properties)
      if (regex_finds(pattern, key)) return s;
    return n.additional;
  }

  void compare_object(context& c, const node& o, const node& u) {
    using T = difference_type;
    {
      path_scope p(c, "required");
      for (const auto& key : map_order(o.properties)) {
        if (!has_key(u.properties, key)) continue;
        path_scope k(c, key);
        const bool o_req = o.required.count(key) > 0, u_req = u.required.count(key) > 0;
        if (o_req && !u_req)
          c.add(T::required_attribute_removed);
        else if (!o_req && u_req)
          c.add(find_in(u.properties, key)->has_default() ? T::required_attribute_with_default_added
                                                          : T::required_attribute_added);
      }
    }
    {
      path_scope p(c, "properties");
      for (const auto& key : union_order(o.properties, u.properties)) {
        path_scope k(c, key);
        const node* os = find_in(o.properties, key);
        const node* us = find_in(u.properties, key);
        if (!has_key(u.properties, key)) {
          if (open_object(u)) {
            c.add(T::property_removed_from_open_content_model);
          } else if (const node* partial = partially_open_schema(u, key)) {
            auto sub = c.sub();
            compare(sub, os, partial);
            c.append(sub.diffs);
            c.add(sub.compatible() ? T::property_removed_is_covered_by_partially_open_content_model
                                   : T::property_removed_not_covered_by_partially_open_content_model);
          } else {
            c.add(os->k == kind::false_schema ? T::property_with_false_removed_from_closed_content_model
                                              : T::property_removed_from_closed_content_model);
          }
        } else if (!has_key(o.properties, key)) {
          if (open_object(o)) {
            c.add(us->k == kind::empty ? T::property_with_empty_schema_added_to_open_content_model
                                       : T::property_added_to_open_content_model);
          } else {
            if (const node* partial = partially_open_schema(o, key)) {
              auto sub = c.sub();
              compare(sub, partial, us);
              c.append(sub.diffs);
              c.add(sub.compatible() ? T::property_added_is_covered_by_partially_open_content_model
                                     : T::property_added_not_covered_by_partially_open_content_model);
            }
            if (u.required.count(key) > 0)
              c.add(us->has_default() ? T::required_property_with_default_added_to_unopen_content_model
                                      : T::required_property_added_to_unopen_content_model);
            else
              c.add(T::optional_property_added_to_unopen_content_model);
          }
        } else {
          compare(c, os, us);
        }
      }
    }
    {
      path_scope p(c, "dependencies");
      for (const auto& key : union_order(o.property_dependencies, u.property_dependencies)) {
        path_scope k(c, key);
        if (!has_key(u.property_dependencies, key)) {
          c.add(T::dependency_array_removed);
        } else if (!has_key(o.property_dependencies, key)) {
          c.add(T::dependency_array_added);
        } else {
          const auto od = find_in(o.property_dependencies, key), ud = find_in(u.property_dependencies, key);
          if (od != ud) {
            if (std::includes(ud.begin(), ud.end(), od.begin(), od.end()))
              c.add(T::dependency_array_extended);
            else if (std::includes(od.begin(), od.end(), ud.begin(), ud.end()))
              c.add(T::dependency_array_narrowed);
            else
              c.add(T::dependency_array_changed);
          }
        }
      }
      for (const auto& key : union_order(o.schema_dependencies, u.schema_dependencies)) {
        path_scope k(c, key);
        if (!has_key(u.schema_dependencies, key))
          c.add(T::dependency_schema_removed);
        else if (!has_key(o.schema_dependencies, key))
          c.add(T::dependency_schema_added);
        else
          compare(c, find_in(o.schema_dependencies, key), find_in(u.schema_dependencies, key));
      }
    }
    {
      path_scope p(c, "additionalProperties");
      if (o.permits_additional != u.permits_additional)
        c.add(u.permits_additional ? T::additional_properties_added : T::additional_properties_removed);
      else if (o.additional == nullptr && u.additional != nullptr)
        c.add(T::additional_properties_narrowed);
      else if (u.additional == nullptr && o.additional != nullptr)
        c.add(T::additional_properties_extended);
      else
        compare(c, o.additional, u.additional);
    }
    compare_limit(c, "maxProperties", o.max_properties, u.max_properties, T::max_properties_added,
                  T::max_properties_removed, T::max_properties_increased, T::max_properties_decreased);
    compare_limit(c, "minProperties", o.min_properties, u.min_properties, T::min_properties_added,
                  T::min_properties_removed, T::min_properties_increased, T::min_properties_decreased);
  }

  static bool open_array(const node& n) {
    return n.additional_items == nullptr && n.permits_additional_items;
  }

  void compare_array(context& c, const node& o, const node& u) {
    using T = difference_type;
    {
      path_scope p(c, "items");
      compare(c, o.all_items, u.all_items);
    }
    const std::size_t common = std::min(o.item_schemas.size(), u.item_schemas.size());
    for (std::size_t i = 0; i < common; ++i) {
      path_scope p(c, "items/" + std::to_string(i));
      compare(c, o.item_schemas[i], u.item_schemas[i]);
    }
    for (std::size_t i = common; i < o.item_schemas.size(); ++i) {
      path_scope p(c, "items/" + std::to_string(i));
      const node* os = o.item_schemas[i];
      if (open_array(u)) {
        c.add(T::item_removed_from_open_content_model);
      } else if (u.additional_items != nullptr) {
        auto sub = c.sub();
        compare(sub, os, u.additional_items);
        c.append(sub.diffs);
        c.add(sub.compatible() ? T::item_removed_is_covered_by_partially_open_content_model
                               : T::item_removed_not_covered_by_partially_open_content_model);
      } else {
        c.add(os->k == kind::false_schema ? T::item_with_false_removed_from_closed_content_model
                                          : T::item_removed_from_closed_content_model);
      }
    }
    for (std::size_t i = common; i < u.item_schemas.size(); ++i) {
      path_scope p(c, "items/" + std::to_string(i));
      const node* us = u.item_schemas[i];
      if (open_array(o)) {
        c.add(us->k == kind::empty ? T::item_with_empty_schema_added_to_open_content_model
                                   : T::item_added_to_open_content_model);
      } else if (o.additional_items != nullptr) {
        auto sub = c.sub();
        compare(sub, o.additional_items, us);
        c.append(sub.diffs);
        c.add(sub.compatible() ? T::item_added_is_covered_by_partially_open_content_model
                               : T::item_added_not_covered_by_partially_open_content_model);
      } else {
        c.add(T::item_added_to_closed_content_model);
      }
    }
    {
      path_scope p(c, "additionalItems");
      if (o.permits_additional_items != u.permits_additional_items)
        c.add(o.permits_additional_items ? T::additional_items_removed : T::additional_items_added);
      else if (o.additional_items == nullptr && u.additional_items != nullptr)
        c.add(T::additional_items_narrowed);
      else if (u.additional_items == nullptr && o.additional_items != nullptr)
        c.add(T::additional_items_extended);
      else
        compare(c, o.additional_items, u.additional_items);
    }
    compare_limit(c, "maxItems", o.max_items, u.max_items, T::max_items_added, T::max_items_removed,
                  T::max_items_increased, T::max_items_decreased);
    compare_limit(c, "minItems", o.min_items, u.min_items, T::min_items_added, T::min_items_removed,
                  T::min_items_increased, T::min_items_decreased);
    if (o.unique_items != u.unique_items)
      c.add("uniqueItems", o.unique_items ? T::unique_items_removed : T::unique_items_added);
  }

  compare_limits bounds_;
  std::size_t steps_ = 0;
  std::size_t depth_ = 0;
  bool exhausted_ = false;
};

// Difference.error()'s groups of types that share a message.
enum class message_group {
  keyword,
  increased,
  decreased,
  value_changed,
  narrowed,
  extended,
  type_changed,
  other
};

message_group group_of(difference_type t) {
  using T = difference_type;
  switch (t) {
    case T::maximum_added:
    case T::minimum_added:
    case T::exclusive_maximum_added:
    case T::exclusive_minimum_added:
    case T::multiple_of_added:
    case T::max_length_added:
    case T::min_length_added:
    case T::pattern_added:
    case T::required_attribute_added:
    case T::max_properties_added:
    case T::min_properties_added:
    case T::dependency_array_added:
    case T::dependency_schema_added:
    case T::max_items_added:
    case T::min_items_added:
    case T::unique_items_added:
    case T::additional_items_removed:
    case T::additional_properties_removed:
      return message_group::keyword;
    case T::min_length_increased:
    case T::minimum_increased:
    case T::exclusive_minimum_increased:
    case T::min_properties_increased:
    case T::multiple_of_expanded:
    case T::min_items_increased:
      return message_group::increased;
    case T::max_length_decreased:
    case T::maximum_decreased:
    case T::max_items_decreased:
    case T::exclusive_maximum_decreased:
    case T::max_properties_decreased:
      return message_group::decreased;
    case T::pattern_changed:
    case T::multiple_of_changed:
    case T::dependency_array_changed:
      return message_group::value_changed;
    case T::additional_items_narrowed:
    case T::enum_array_narrowed:
    case T::sum_type_narrowed:
    case T::additional_properties_narrowed:
      return message_group::narrowed;
    case T::dependency_array_extended:
    case T::product_type_extended:
    case T::sum_type_extended:
    case T::not_type_extended:
      return message_group::extended;
    case T::type_changed:
    case T::type_narrowed:
    case T::combined_type_changed:
    case T::combined_type_subschemas_changed:
    case T::enum_array_changed:
      return message_group::type_changed;
    default:
      return message_group::other;
  }
}

// Confluent's template for t with its two "%s" (the update's role, then the original's).
std::string template_of(difference_type t, const std::string& p) {
  using T = difference_type;
  switch (group_of(t)) {
    case message_group::keyword:
      return "The keyword at path '" + p + "' in the %s schema is not present in the %s schema";
    case message_group::increased:
      return "The value at path '" + p + "' in the %s schema is more than its value in the %s schema";
    case message_group::decreased:
      return "The value at path '" + p + "' in the %s schema is less than its value in the %s schema";
    case message_group::value_changed:
      return "The value at path '" + p + "' is different between the %s and %s schema";
    case message_group::narrowed:
      return "An array or combined type at path '" + p +
             "' has fewer elements in the %s schema than the %s schema";
    case message_group::extended:
      return "An array or combined type at path '" + p +
             "' has more elements in the %s schema than the %s schema";
    case message_group::type_changed:
      return "A type at path '" + p + "' is different between the %s schema and the %s schema";
    case message_group::other:
      break;
  }
  switch (t) {
    case T::property_added_to_open_content_model:
    case T::item_added_to_open_content_model:
      return "The %s schema has an open content model and has a property or item at path '" + p +
             "' which is missing in the %s schema";
    case T::required_property_added_to_unopen_content_model:
      return "The %s schema has an unopen content model and has a required property at path '" + p +
             "' which is missing in the %s schema";
    case T::property_removed_from_closed_content_model:
    case T::item_removed_from_closed_content_model:
      return "The %s has a closed content model and is missing a property or item present at path '" + p +
             "' in the %s schema";
    case T::property_removed_not_covered_by_partially_open_content_model:
    case T::item_removed_not_covered_by_partially_open_content_model:
      return "A property or item is missing in the %s schema but present at path '" + p +
             "' in the %s schema and is not covered by its partially open content model";
    case T::property_added_not_covered_by_partially_open_content_model:
    case T::item_added_not_covered_by_partially_open_content_model:
      return "The %s schema has a property or item at path '" + p +
             "' which is missing in the %s schema and is not covered by its partially open content model";
    case T::reserved_property_removed:
      return "The %s schema has reserved property '" + p +
             "' removed from its metadata which is present in the %s schema.";
    case T::reserved_property_conflicts_with_property:
      return "The %s schema has property at path '" + p +
             "' that conflicts with the reserved properties which is missing in the %s schema.";
    default:
      return "";
  }
}

}  // namespace

const char* to_string(difference_type t) noexcept {
  switch (t) {
#define KAVRO_JSONSCHEMA_NAME(name, text) \
  case difference_type::name:             \
    return #text;
    KAVRO_JSONSCHEMA_DIFFERENCES(KAVRO_JSONSCHEMA_NAME)
#undef KAVRO_JSONSCHEMA_NAME
  }
  return "UNKNOWN";
}

bool is_compatible_change(difference_type t) noexcept {
  using T = difference_type;
  switch (t) {  // Confluent's SchemaDiff.COMPATIBLE_CHANGES
    case T::id_changed:
    case T::description_changed:
    case T::title_changed:
    case T::default_changed:
    case T::schema_removed:
    case T::type_extended:
    case T::max_length_increased:
    case T::max_length_removed:
    case T::min_length_decreased:
    case T::min_length_removed:
    case T::pattern_removed:
    case T::maximum_increased:
    case T::maximum_removed:
    case T::minimum_decreased:
    case T::minimum_removed:
    case T::exclusive_maximum_increased:
    case T::exclusive_maximum_removed:
    case T::exclusive_minimum_decreased:
    case T::exclusive_minimum_removed:
    case T::multiple_of_reduced:
    case T::multiple_of_removed:
    case T::required_attribute_with_default_added:
    case T::required_attribute_removed:
    case T::dependency_array_narrowed:
    case T::dependency_array_removed:
    case T::dependency_schema_removed:
    case T::max_properties_increased:
    case T::max_properties_removed:
    case T::min_properties_decreased:
    case T::min_properties_removed:
    case T::additional_properties_added:
    case T::additional_properties_extended:
    case T::property_with_empty_schema_added_to_open_content_model:
    case T::required_property_with_default_added_to_unopen_content_model:
    case T::optional_property_added_to_unopen_content_model:
    case T::property_with_false_removed_from_closed_content_model:
    case T::property_removed_from_open_content_model:
    case T::property_added_is_covered_by_partially_open_content_model:
    case T::property_removed_is_covered_by_partially_open_content_model:
    case T::max_items_increased:
    case T::max_items_removed:
    case T::min_items_decreased:
    case T::min_items_removed:
    case T::unique_items_removed:
    case T::additional_items_added:
    case T::additional_items_extended:
    case T::item_with_empty_schema_added_to_open_content_model:
    case T::item_added_to_closed_content_model:
    case T::item_with_false_removed_from_closed_content_model:
    case T::item_removed_from_open_content_model:
    case T::item_added_is_covered_by_partially_open_content_model:
    case T::item_removed_is_covered_by_partially_open_content_model:
    case T::enum_array_extended:
    case T::combined_type_extended:
    case T::product_type_narrowed:
    case T::sum_type_extended:
    case T::not_type_narrowed:
      return true;
    default:
      return false;
  }
}

result<std::vector<difference>> compare(const schema& original, const schema& update,
                                        const compare_limits& bounds) {
  loader lo(original), lu(update);
  const node* o = lo.root();
  const node* u = lu.root();
  differ d(bounds);
  context c;
  d.compare(c, o, u);
  if (d.exhausted())
    return fail(errc::invalid_schema, "the schemas are too complex to compare: more than " +
                                          std::to_string(bounds.max_steps) + " subschema comparisons or " +
                                          std::to_string(bounds.max_depth) + " levels");
  return std::move(c.diffs);
}

std::string describe(const difference& d, std::string_view update_role, std::string_view original_role) {
  const std::string t = template_of(d.type, d.path);
  std::string filled;
  int seen = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t.compare(i, 2, "%s") == 0) {
      filled += seen++ == 0 ? update_role : original_role;
      ++i;
    } else {
      filled += t[i];
    }
  }
  return std::string("{errorType:\"") + to_string(d.type) + "\", description:\"" + filled + "'}";
}

result<std::vector<std::string>> backward_incompatibilities(const schema& candidate, const schema& previous,
                                                            std::string_view candidate_role,
                                                            std::string_view previous_role,
                                                            const compare_limits& bounds) {
  auto diffs = compare(previous, candidate, bounds);
  if (!diffs) return tl::unexpected(diffs.error());
  std::vector<std::string> messages;
  for (const auto& d : *diffs)
    if (!is_compatible_change(d.type)) messages.push_back(describe(d, candidate_role, previous_role));
  return messages;
}

}  // namespace kavro::jsonschema
