// kavro's logger (see kavro/log.hpp for why it is our own): formatting and the one stderr sink.
#include "kavro/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace kavro::log {

namespace detail {
std::atomic<int> threshold{static_cast<int>(level::info)};
}

namespace {

std::atomic<int> current_format_value{static_cast<int>(format::text)};

std::mutex& sink_mutex() {
  static std::mutex m;
  return m;
}
std::function<void(std::string_view)>& sink() {
  static std::function<void(std::string_view)> s;
  return s;
}

// One write(2) per line where the kernel allows, so lines of several processes sharing stderr do
// not interleave either.
void write_stderr(std::string_view line) {
  while (!line.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr closed: nowhere to say so
    line.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - secs).count();
  const std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
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
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string number(double d) {
  if (!std::isfinite(d)) return std::isnan(d) ? "NaN" : (d > 0 ? "Inf" : "-Inf");
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc{} ? std::string(buf, end) : std::string("NaN");
}

// Text values are quoted when they would not read back as one token; control characters are escaped
// so one event stays one line.
void text_value(std::string& out, std::string_view s) {
  bool quote = s.empty();
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) quote = true;
  }
  if (!quote) {
    out += s;
    return;
  }
  json_string(out, s);
}

}  // namespace

std::optional<level> parse_level(std::string_view s) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "trace") return level::trace;
  if (lower == "debug") return level::debug;
  if (lower == "info") return level::info;
  if (lower == "warn" || lower == "warning") return level::warn;
  if (lower == "error") return level::error;
  if (lower == "off") return level::off;
  return std::nullopt;
}

std::string_view level_name(level l) {
  switch (l) {
    case level::trace:
      return "trace";
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
    case level::off:
      return "off";
  }
  return "info";
}

std::optional<format> parse_format(std::string_view s) {
  if (s == "text") return format::text;
  if (s == "json") return format::json;
  return std::nullopt;
}

void set_level(level l) {
  detail::threshold.store(static_cast<int>(l), std::memory_order_relaxed);
}
level current_level() {
  return static_cast<level>(detail::threshold.load(std::memory_order_relaxed));
}
void set_format(format f) {
  current_format_value.store(static_cast<int>(f), std::memory_order_relaxed);
}
format current_format() {
  return static_cast<format>(current_format_value.load(std::memory_order_relaxed));
}

void set_sink(std::function<void(std::string_view)> s) {
  std::lock_guard lock(sink_mutex());
  sink() = std::move(s);
}

std::string format_line(level l, std::string_view message, std::initializer_list<field> fields, format f) {
  std::string out;
  out.reserve(96 + message.size());
  if (f == format::json) {
    out += "{\"time\":\"" + timestamp() + "\",\"level\":\"" + std::string(level_name(l)) + "\",\"msg\":";
    json_string(out, message);
    for (const auto& fd : fields) {
      out += ',';
      json_string(out, fd.key);
      out += ':';
      std::visit(
          [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::string_view>) {
              json_string(out, v);
            } else if constexpr (std::is_same_v<V, bool>) {
              out += v ? "true" : "false";
            } else if constexpr (std::is_same_v<V, double>) {
              if (std::isfinite(v))
                out += number(v);
              else
                json_string(out, number(v));  // JSON has no NaN or Inf
            } else {
              out += std::to_string(v);
            }
          },
          fd.val.get());
    }
    out += "}\n";
    return out;
  }
  std::string name(level_name(l));
  for (auto& c : name) c = static_cast<char>(c - 'a' + 'A');
  name.resize(5, ' ');
  out += timestamp() + ' ' + name + ' ';
  // The message is free text, but a newline in it would split the event.
  for (char c : message) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
  for (const auto& fd : fields) {
    out += ' ';
    out += fd.key;
    out += '=';
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string_view>) {
            text_value(out, v);
          } else if constexpr (std::is_same_v<V, bool>) {
            out += v ? "true" : "false";
          } else if constexpr (std::is_same_v<V, double>) {
            out += number(v);
          } else {
            out += std::to_string(v);
          }
        },
        fd.val.get());
  }
  out += '\n';
  return out;
}

void write(level l, std::string_view message, std::initializer_list<field> fields) {
  if (!enabled(l) || l == level::off) return;
  const std::string line = format_line(l, message, fields, current_format());
  std::lock_guard lock(sink_mutex());
  if (sink()) {
    sink()(line);
  } else {
    write_stderr(line);
  }
}

level from_syslog(int severity) {
  if (severity >= 0 && severity <= 3) return level::error;
  if (severity == 4) return level::warn;
  if (severity == 5 || severity == 6) return level::info;
  return level::debug;
}

}  // namespace kavro::log
