// kavro's JSON parser for untrusted text: nlohmann's own (iterative) lexer and parser driving a SAX
// handler that builds the same value nlohmann::json::parse would, but refuses nesting and duplicate
// keys before building them, and knows the byte offset of each problem.
#include "kavro/json.hpp"

#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace kavro::safe_json {
namespace {

// A char pointer that publishes how far the lexer has read, so the handler can say where a problem
// is (nlohmann's SAX callbacks are not told positions; only its syntax errors are).
class tracking_iterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  tracking_iterator() = default;
  tracking_iterator(const char* p, const char** cursor) : p_(p), cursor_(cursor) {}

  reference operator*() const { return *p_; }
  tracking_iterator& operator++() {
    *cursor_ = ++p_;
    return *this;
  }
  tracking_iterator operator++(int) {
    auto before = *this;
    ++*this;
    return before;
  }
  bool operator==(const tracking_iterator& o) const { return p_ == o.p_; }

 private:
  const char* p_ = nullptr;
  const char** cursor_ = nullptr;
};

// Objects up to this size find a repeated key by scanning; larger ones get a hash index, so a hostile
// object with many keys costs linear time in ordered_json too (whose own lookup is a scan).
constexpr std::size_t index_from = 16;

template <class Json>
class builder {
 public:
  using number_integer_t = typename Json::number_integer_t;
  using number_unsigned_t = typename Json::number_unsigned_t;
  using number_float_t = typename Json::number_float_t;
  using string_t = typename Json::string_t;
  using binary_t = typename Json::binary_t;

  builder(Json& root, const parse_options& options, const char* begin, const char* const* cursor)
      : root_(root), options_(options), begin_(begin), cursor_(cursor) {}

  bool null() { return put(Json(nullptr)); }
  bool boolean(bool v) { return put(Json(v)); }
  bool number_integer(number_integer_t v) { return put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) { return put(Json(v)); }
  bool number_float(number_float_t v, const string_t&) { return put(Json(v)); }
  bool string(string_t& v) { return put(Json(std::move(v))); }
  bool binary(binary_t& v) { return put(Json::binary(std::move(v))); }

  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(string_t& k) {
    frame& f = stack_.back();
    auto& obj = f.node->template get_ref<typename Json::object_t&>();
    if constexpr (std::is_same_v<typename Json::object_t, nlohmann::ordered_map<string_t, Json>>) {
      // ordered_map is a vector of pairs: find a repeat by scan while small, by index when large.
      std::size_t at = obj.size();
      if (f.index) {
        if (auto it = f.index->find(k); it != f.index->end()) at = it->second;
      } else {
        for (auto it = obj.begin(); it != obj.end(); ++it)
          if (it->first == k) at = static_cast<std::size_t>(it - obj.begin());
      }
      if (at < obj.size()) {
        if (options_.duplicates == duplicate_keys::refuse) return duplicate(k);
        f.slot = &(obj.begin() + static_cast<std::ptrdiff_t>(at))->second;
        return true;
      }
      if (!f.index && obj.size() >= index_from) {
        f.index = std::make_unique<std::unordered_map<string_t, std::size_t>>();
        for (auto it = obj.begin(); it != obj.end(); ++it)
          f.index->emplace(it->first, static_cast<std::size_t>(it - obj.begin()));
      }
      if (f.index) f.index->emplace(k, obj.size());
      obj.emplace_back(std::move(k), nullptr);
      f.slot = &obj.back().second;
    } else {
      auto [it, inserted] = obj.emplace(std::move(k), nullptr);
      if (!inserted && options_.duplicates == duplicate_keys::refuse) return duplicate(it->first);
      f.slot = &it->second;
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    // nlohmann counts the offending character as read; its offset is one less.
    std::string what = ex.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: <detail>": keep <detail>.
    if (auto col = what.find(", column "); col != std::string::npos)
      if (auto colon = what.find(": ", col); colon != std::string::npos) what.erase(0, colon + 2);
    // The detail quotes the token read so far, which can be a whole (huge) string literal.
    fail(parse_error::kind::syntax, position > 0 ? position - 1 : 0, excerpt(what, 200));
    return false;
  }

  std::optional<safe_json::parse_error> error;

 private:
  struct frame {
    Json* node = nullptr;
    Json* slot = nullptr;  // in an object, where the value of the last key goes
    std::unique_ptr<std::unordered_map<string_t, std::size_t>> index;
  };

  Json& root_;
  parse_options options_;
  const char* begin_;
  const char* const* cursor_;
  std::vector<frame> stack_;

  std::size_t read() const { return static_cast<std::size_t>(*cursor_ - begin_); }

  Json* place(Json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    frame& f = stack_.back();
    if (f.node->is_array()) {
      auto& arr = f.node->template get_ref<typename Json::array_t&>();
      arr.push_back(std::move(v));
      return &arr.back();
    }
    *f.slot = std::move(v);
    return f.slot;
  }

  bool put(Json&& v) {
    place(std::move(v));
    return true;
  }

  bool open(Json&& container) {
    if (stack_.size() >= options_.max_depth) {
      // The lexer has just read the bracket that opens one level too many.
      fail(parse_error::kind::too_deep, read() > 0 ? read() - 1 : 0,
           "nesting deeper than " + std::to_string(options_.max_depth) + " levels");
      return false;
    }
    Json* node = place(std::move(container));
    stack_.push_back(frame{node, nullptr, nullptr});
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  bool duplicate(const string_t& k) {
    // The lexer stops just after the key's closing quote: walk back to its opening quote.
    std::size_t end = read();
    std::size_t start = end > 0 ? end - 1 : 0;
    while (start > 0) {
      --start;
      if (begin_[start] != '"') continue;
      std::size_t backslashes = 0;
      while (start > backslashes && begin_[start - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) break;
    }
    fail(parse_error::kind::duplicate_key, start, "duplicate key " + preview(Json(k), 80));
    return false;
  }

  void fail(parse_error::kind k, std::size_t offset, std::string detail) {
    safe_json::parse_error e;
    e.what = k;
    e.offset = offset;
    e.detail = std::move(detail);
    for (std::size_t i = 0; i < offset && begin_ + i < *cursor_; ++i) {
      if (begin_[i] == '\n') {
        ++e.line;
        e.column = 1;
      } else {
        ++e.column;
      }
    }
    error = std::move(e);
  }
};

// Cuts s to at most max bytes, backing off to a UTF-8 sequence boundary, and marks the cut.
void cut(std::string& s, std::size_t max) {
  if (s.size() <= max) return;
  std::size_t keep = max >= 3 ? max - 3 : 0;
  while (keep > 0 && (static_cast<unsigned char>(s[keep]) & 0xc0) == 0x80) --keep;
  s.resize(keep);
  s += "...";
}

}  // namespace

std::string parse_error::message() const {
  std::string out = detail;
  out += " at offset ";
  out += std::to_string(offset);
  if (line > 1) out += " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
  return out;
}

template <class Json>
tl::expected<Json, parse_error> parse_as(std::string_view text, const parse_options& options) {
  Json root;
  const char* cursor = text.data();
  builder<Json> b(root, options, text.data(), &cursor);
  const bool ok = Json::sax_parse(tracking_iterator(text.data(), &cursor),
                                  tracking_iterator(text.data() + text.size(), &cursor), &b);
  if (ok) return root;
  if (b.error) return tl::unexpected(std::move(*b.error));
  parse_error e;
  e.detail = "invalid JSON";
  return tl::unexpected(std::move(e));
}

template <class Json>
std::string preview(const Json& j, std::size_t max_chars) {
  std::string out;
  // Stops as soon as the text is longer than the cut, so the work is bounded by max_chars too.
  const std::size_t stop = max_chars + 1;
  auto str = [&](const typename Json::string_t& s) {
    // Escaping can only grow a string, so its first `stop` bytes are all that can show.
    out += Json(s.size() > stop ? s.substr(0, stop) : s).dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  auto scalar = [&](const Json& v) {
    if (v.is_string()) return str(v.template get_ref<const typename Json::string_t&>());
    out += v.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  struct frame {
    const Json* node;
    typename Json::const_iterator next;
  };
  std::vector<frame> stack;
  auto enter = [&](const Json& v) {
    if (!v.is_structured()) return scalar(v);
    out += v.is_array() ? '[' : '{';
    stack.push_back(frame{&v, v.cbegin()});
  };
  enter(j);
  while (!stack.empty() && out.size() <= stop) {
    frame& f = stack.back();
    if (f.next == f.node->cend()) {
      out += f.node->is_array() ? ']' : '}';
      stack.pop_back();
      continue;
    }
    if (f.next != f.node->cbegin()) out += ',';
    auto it = f.next++;
    if (f.node->is_object()) {
      str(it.key());
      out += ':';
    }
    enter(*it);  // may grow `stack`: `f` is not used after this
  }
  cut(out, max_chars);
  return out;
}

std::string excerpt(std::string_view text, std::size_t max_chars) {
  std::string out(text.substr(0, max_chars + 1));
  cut(out, max_chars);
  return out;
}

template tl::expected<nlohmann::json, parse_error> parse_as<nlohmann::json>(std::string_view,
                                                                            const parse_options&);
template tl::expected<nlohmann::ordered_json, parse_error> parse_as<nlohmann::ordered_json>(
    std::string_view, const parse_options&);
template std::string preview<nlohmann::json>(const nlohmann::json&, std::size_t);
template std::string preview<nlohmann::ordered_json>(const nlohmann::ordered_json&, std::size_t);

}  // namespace kavro::safe_json
