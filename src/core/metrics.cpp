// kavro's metrics registry and its Prometheus text exposition (format 0.0.4).
#include "kavro/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace kavro::metrics {

namespace detail {
std::size_t shard_index() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed) % shards;
  return index;
}
}  // namespace detail

std::uint64_t counter::value() const noexcept {
  std::uint64_t sum = 0;
  for (const auto& c : cells_) sum += c.value.load(std::memory_order_relaxed);
  return sum;
}

histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i]))) {
      throw std::invalid_argument("histogram bounds must be finite and strictly ascending (bound " +
                                  std::to_string(i) + ")");
    }
  }
  for (auto& s : shards_) {
    s.buckets = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
  }
}

void histogram::observe(double v) noexcept {
  // le is inclusive: v lands in the first bucket whose bound is >= v; NaN and values above every
  // bound land in +Inf only.
  std::size_t i = bounds_.size();
  if (!std::isnan(v)) {
    i = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  }
  auto& s = shards_[detail::shard_index()];
  s.buckets[i].fetch_add(1, std::memory_order_relaxed);
  s.sum.fetch_add(v, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
  snapshot out;
  out.bounds = bounds_;
  std::vector<std::uint64_t> counts(bounds_.size() + 1, 0);
  for (const auto& s : shards_) {
    for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += s.buckets[i].load(std::memory_order_relaxed);
    out.sum += s.sum.load(std::memory_order_relaxed);
  }
  std::uint64_t running = 0;
  out.cumulative.reserve(counts.size());
  for (auto c : counts) {
    running += c;
    out.cumulative.push_back(running);
  }
  out.count = running;
  return out;
}

std::vector<double> exponential_buckets(double start, double factor, std::size_t count) {
  if (!(start > 0) || !(factor > 1) || count == 0) {
    throw std::invalid_argument("exponential_buckets: need start > 0, factor > 1 and count >= 1");
  }
  std::vector<double> out;
  out.reserve(count);
  double b = start;
  for (std::size_t i = 0; i < count; ++i, b *= factor) out.push_back(b);
  return out;
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// --- families ------------------------------------------------------------------------------------------

namespace {

template <class T>
std::unique_ptr<T> make_child(const std::vector<double>& bounds) {
  if constexpr (std::is_same_v<T, histogram>) {
    return std::make_unique<histogram>(bounds);
  } else {
    (void)bounds;
    return std::make_unique<T>();
  }
}

bool valid_name(std::string_view n, bool allow_colon) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

std::string_view type_name(metric_type t) {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

template <class T>
T& family<T>::with(const label_values& values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("metric " + name_ + ": " + std::to_string(label_names_.size()) +
                                " label values expected, got " + std::to_string(values.size()));
  }
  {
    std::shared_lock lock(mutex_);
    if (auto it = children_.find(values); it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = children_[values];
  if (!slot) slot = make_child<T>(bounds_);
  return *slot;
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

struct registry::entry {
  metric_type type;
  std::variant<std::unique_ptr<family<metrics::counter>>, std::unique_ptr<family<metrics::gauge>>,
               std::unique_ptr<family<metrics::histogram>>>
      fam;
};

registry::registry() = default;
registry::~registry() = default;

registry::entry& registry::find_or_add(metric_type type, std::string name, std::string help,
                                       std::vector<std::string> label_names, std::vector<double> bounds) {
  if (!valid_name(name, true))
    throw std::invalid_argument("metric name '" + name + "' is not a valid Prometheus name");
  for (const auto& l : label_names) {
    if (!valid_name(l, false) || l.starts_with("__") || (type == metric_type::histogram && l == "le")) {
      throw std::invalid_argument("metric " + name + ": label name '" + l + "' is not allowed");
    }
  }
  std::lock_guard lock(mutex_);
  for (auto& e : entries_) {
    const auto& existing = std::visit([](const auto& f) -> const std::string& { return f->name(); }, e->fam);
    if (existing != name) continue;
    const bool same_labels = std::visit(
        [&](const auto& f) { return f->label_names_ == label_names && f->bounds_ == bounds; }, e->fam);
    if (e->type != type || !same_labels) {
      throw std::invalid_argument("metric " + name +
                                  " is already registered with another type, labels or buckets");
    }
    return *e;
  }
  auto e = std::make_unique<entry>();
  e->type = type;
  switch (type) {
    case metric_type::counter:
      e->fam = std::unique_ptr<family<metrics::counter>>(
          new family<metrics::counter>(std::move(name), std::move(help), std::move(label_names), {}));
      break;
    case metric_type::gauge:
      e->fam = std::unique_ptr<family<metrics::gauge>>(
          new family<metrics::gauge>(std::move(name), std::move(help), std::move(label_names), {}));
      break;
    case metric_type::histogram:
      metrics::histogram check(bounds);  // refuses bad bounds before the family exists
      e->fam = std::unique_ptr<family<metrics::histogram>>(new family<metrics::histogram>(
          std::move(name), std::move(help), std::move(label_names), std::move(bounds)));
      break;
  }
  entries_.push_back(std::move(e));
  return *entries_.back();
}

family<metrics::counter>& registry::counter(std::string name, std::string help,
                                            std::vector<std::string> label_names) {
  auto& e = find_or_add(metric_type::counter, std::move(name), std::move(help), std::move(label_names), {});
  auto& f = *std::get<0>(e.fam);
  if (f.label_names_.empty()) f.get();  // an unlabelled metric shows 0 before its first increment
  return f;
}

family<metrics::gauge>& registry::gauge(std::string name, std::string help,
                                        std::vector<std::string> label_names) {
  auto& e = find_or_add(metric_type::gauge, std::move(name), std::move(help), std::move(label_names), {});
  auto& f = *std::get<1>(e.fam);
  if (f.label_names_.empty()) f.get();
  return f;
}

family<metrics::histogram>& registry::histogram(std::string name, std::string help,
                                                std::vector<double> bounds,
                                                std::vector<std::string> label_names) {
  auto& e = find_or_add(metric_type::histogram, std::move(name), std::move(help), std::move(label_names),
                        std::move(bounds));
  auto& f = *std::get<2>(e.fam);
  if (f.label_names_.empty()) f.get();
  return f;
}

void registry::callback(metric_type type, std::string name, std::string help,
                        std::vector<std::string> label_names, label_values values,
                        std::function<double()> read) {
  if (type == metric_type::histogram)
    throw std::invalid_argument("metric " + name + ": a histogram cannot be a callback");
  if (values.size() != label_names.size()) {
    throw std::invalid_argument("metric " + name + ": " + std::to_string(label_names.size()) +
                                " label values expected, got " + std::to_string(values.size()));
  }
  auto& e = find_or_add(type, std::move(name), std::move(help), std::move(label_names), {});
  std::visit(
      [&](auto& f) {
        std::unique_lock lock(f->mutex_);
        f->callbacks_[std::move(values)] = std::move(read);
      },
      e.fam);
}

// --- exposition ----------------------------------------------------------------------------------------

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// As Prometheus's own clients write a float (Go's %g with the shortest digits): plain decimals for
// exponents -4..5, else d.ddde±XX; so a bucket bound reads le="0.0005", not le="5e-04".
std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  if (ec != std::errc{}) return "NaN";
  const std::string_view sci(buf, static_cast<std::size_t>(end - buf));
  const auto e = sci.find('e');
  int exponent = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exponent);
  if (exponent < -4 || exponent >= 6) return std::string(sci);
  const std::string scientific(sci);
  const auto fixed = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return fixed.ec == std::errc{} ? std::string(buf, fixed.ptr) : scientific;
}

namespace {

// `{a="x",b="y"}` (with `extra` appended as the last label, for le), or "" when there are none.
std::string label_text(const std::vector<std::string>& names, const label_values& values,
                       std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

void registry::before_scrape(std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  before_scrape_.push_back(std::move(fn));
}

std::string registry::expose() const {
  std::vector<const entry*> entries;
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(mutex_);
    for (const auto& e : entries_) entries.push_back(e.get());
    hooks = before_scrape_;
  }
  for (const auto& h : hooks) {
    try {
      h();
    } catch (...) {
      // the callbacks that depend on it report what they have
    }
  }
  std::string out;
  for (const entry* e : entries) {
    std::visit(
        [&](const auto& fp) {
          const auto& f = *fp;
          using child = typename std::decay_t<decltype(f)>::child_type;
          out += "# HELP " + f.name_ + ' ' + escape_help(f.help_) + '\n';
          out += "# TYPE " + f.name_ + ' ' + std::string(type_name(e->type)) + '\n';
          // Callbacks run outside the family's lock: one may take locks of its own (the registry
          // state's), and must not wait behind a writer of this family.
          std::vector<std::pair<label_values, std::function<double()>>> callbacks;
          std::vector<std::pair<label_values, const void*>> children;
          {
            std::shared_lock lock(f.mutex_);
            for (const auto& [labels, fn] : f.callbacks_) callbacks.emplace_back(labels, fn);
            for (const auto& [labels, c] : f.children_) {
              if (!f.callbacks_.contains(labels)) children.emplace_back(labels, c.get());
            }
          }
          std::map<label_values, std::string> lines;  // ordered by label values across both kinds
          for (const auto& [labels, ptr] : children) {
            std::string text;
            if constexpr (std::is_same_v<child, metrics::histogram>) {
              const auto snap = static_cast<const metrics::histogram*>(ptr)->read();
              for (std::size_t i = 0; i <= snap.bounds.size(); ++i) {
                const std::string le = i < snap.bounds.size() ? format_value(snap.bounds[i]) : "+Inf";
                text += f.name_ + "_bucket" + label_text(f.label_names_, labels, "le", le) + ' ' +
                        std::to_string(snap.cumulative[i]) + '\n';
              }
              text +=
                  f.name_ + "_sum" + label_text(f.label_names_, labels) + ' ' + format_value(snap.sum) + '\n';
              text += f.name_ + "_count" + label_text(f.label_names_, labels) + ' ' +
                      std::to_string(snap.count) + '\n';
            } else if constexpr (std::is_same_v<child, metrics::counter>) {
              text = f.name_ + label_text(f.label_names_, labels) + ' ' +
                     std::to_string(static_cast<const metrics::counter*>(ptr)->value()) + '\n';
            } else {
              text = f.name_ + label_text(f.label_names_, labels) + ' ' +
                     format_value(static_cast<const metrics::gauge*>(ptr)->value()) + '\n';
            }
            lines.emplace(labels, std::move(text));
          }
          for (const auto& [labels, fn] : callbacks) {
            double v = 0;
            try {
              v = fn();
            } catch (...) {
              v = std::nan("");  // a failing reader shows as NaN rather than failing the scrape
            }
            lines[labels] = f.name_ + label_text(f.label_names_, labels) + ' ' + format_value(v) + '\n';
          }
          for (const auto& [labels, text] : lines) out += text;
        },
        e->fam);
  }
  return out;
}

}  // namespace kavro::metrics
