// kavro's logger: one for every module and the CLI. Levels trace..error, a UTC timestamp per line,
// text or JSON lines, one whole line per write (thread-safe), to stderr.
//
// Our own rather than spdlog: kavro needs one sink (stderr), one line per event and JSON with
// properly escaped fields; spdlog's patterns do not escape JSON, its async and file sinks would go
// unused, and as a dependency of kavro::core (which every module, kavro::avro included, links) it
// would make each user of the installed package find spdlog and fmt. This is about 200 lines with
// no dependency beyond the standard library.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace kavro::log {

enum class level : int { trace = 0, debug, info, warn, error, off };
enum class format { text, json };

// "trace", "debug", "info", "warn" (or "warning"), "error", "off"; case-insensitive.
std::optional<level> parse_level(std::string_view s);
std::string_view level_name(level l);
// "text" or "json".
std::optional<format> parse_format(std::string_view s);

// The threshold: events below it are dropped before they are formatted. Default info.
void set_level(level l);
level current_level();
namespace detail {
extern std::atomic<int> threshold;
}
inline bool enabled(level l) {
  return static_cast<int>(l) >= detail::threshold.load(std::memory_order_relaxed);
}
void set_format(format f);  // default text
format current_format();

// Where finished lines go (each with its trailing newline); default: written to stderr. For tests and
// embedding applications; an empty function restores stderr.
void set_sink(std::function<void(std::string_view line)> sink);

// A field's value: text, a whole number, a real number or a flag. Text is referred to, not copied:
// a field lives only as long as the write() call it is passed to.
class value {
 public:
  value(std::string_view s) : v_(s) {}
  value(const char* s) : v_(std::string_view(s ? s : "")) {}
  value(const std::string& s) : v_(std::string_view(s)) {}
  value(bool b) : v_(b) {}
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  value(I i) : v_(static_cast<std::int64_t>(i)) {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
      if (i > static_cast<I>(INT64_MAX)) v_ = static_cast<std::uint64_t>(i);
    }
  }
  value(double d) : v_(d) {}
  value(float f) : v_(static_cast<double>(f)) {}
  const std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>& get() const { return v_; }

 private:
  std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool> v_;
};

struct field {
  std::string_view key;
  value val;
};

// One event. Text: `2026-12-02T03:04:05.678Z INFO  message key=value key2="two words"`.
// JSON: `{"time":"2026-12-02T03:04:05.678Z","level":"info","msg":"message","key":"value"}`.
void write(level l, std::string_view message, std::initializer_list<field> fields = {});

// The line write() would emit, without emitting it (for tests).
std::string format_line(level l, std::string_view message, std::initializer_list<field> fields, format f);

inline void trace(std::string_view m, std::initializer_list<field> f = {}) {
  if (enabled(level::trace)) write(level::trace, m, f);
}
inline void debug(std::string_view m, std::initializer_list<field> f = {}) {
  if (enabled(level::debug)) write(level::debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<field> f = {}) {
  if (enabled(level::info)) write(level::info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<field> f = {}) {
  if (enabled(level::warn)) write(level::warn, m, f);
}
inline void error(std::string_view m, std::initializer_list<field> f = {}) {
  if (enabled(level::error)) write(level::error, m, f);
}

// A syslog severity (0 emerg .. 7 debug, as librdkafka's log callback passes it) as a kavro level:
// 0-3 error, 4 warn, 5-6 info, 7 debug; anything else is treated as debug.
level from_syslog(int severity);

}  // namespace kavro::log
