// The dead-letter and retry-topic header codec: one writer and one reader for kavro's, Spring's and the
// retry topics' headers.
#include "kavro/pipeline/dead_letter.hpp"

#include <array>
#include <charconv>

namespace kavro::pipeline {

namespace {

constexpr std::array<std::pair<error_class, const char*>, 4> class_names{{
    {error_class::decode, "decode"},
    {error_class::unknown_schema, "unknown_schema"},
    {error_class::handler_permanent, "handler_permanent"},
    {error_class::handler_exhausted, "handler_exhausted"},
}};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::optional<std::int64_t> number(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::int64_t v = 0;
  const char* end = text->data() + text->size();
  auto [p, ec] = std::from_chars(text->data(), end, v);
  if (ec != std::errc() || p != end) return std::nullopt;
  return v;
}

// Spring writes partition as a 4-byte and offset and timestamp as 8-byte big-endian integers.
std::string big_endian(std::uint64_t v, int n) {
  std::string out(static_cast<std::size_t>(n), '\0');
  for (int i = n - 1; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

std::optional<std::int64_t> from_big_endian(const std::optional<std::string>& bytes) {
  if (!bytes || (bytes->size() != 4 && bytes->size() != 8)) return std::nullopt;
  std::uint64_t v = 0;
  for (unsigned char c : *bytes) v = (v << 8) | c;
  if (bytes->size() == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

void drop_prefixed(std::vector<kafka::header>& headers, std::string_view prefix) {
  std::erase_if(headers, [&](const kafka::header& h) { return starts_with(h.name, prefix); });
}

}  // namespace

const char* to_string(error_class c) noexcept {
  for (const auto& [cls, name] : class_names) {
    if (cls == c) return name;
  }
  return "unknown";
}

std::optional<error_class> parse_error_class(std::string_view text) noexcept {
  if (starts_with(text, "kavro.")) text.remove_prefix(6);
  for (const auto& [cls, name] : class_names) {
    if (text == name) return cls;
  }
  return std::nullopt;
}

std::optional<std::string> last_header(const std::vector<kafka::header>& headers, std::string_view name) {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->name == name) return it->value;
  }
  return std::nullopt;
}

std::vector<kafka::header> encode(const dead_letter& d, dead_letter_headers style,
                                  std::vector<kafka::header> original) {
  std::vector<kafka::header> headers = std::move(original);
  drop_prefixed(headers, dlq::retry::prefix);
  const std::string cls = to_string(d.why);
  const origin& o = d.from;
  if (style != dead_letter_headers::spring) {
    headers.push_back({dlq::original_topic, o.topic});
    headers.push_back({dlq::original_partition, std::to_string(o.partition)});
    headers.push_back({dlq::original_offset, std::to_string(o.offset)});
    headers.push_back({dlq::original_timestamp, std::to_string(o.timestamp)});
    headers.push_back({dlq::consumer_group, d.group});
    headers.push_back({dlq::attempts, std::to_string(d.attempts)});
    headers.push_back({dlq::error_class, cls});
    headers.push_back({dlq::error_message, d.message});
  }
  if (style != dead_letter_headers::kavro) {
    headers.push_back({dlq::spring::original_topic, o.topic});
    headers.push_back(
        {dlq::spring::original_partition, big_endian(static_cast<std::uint32_t>(o.partition), 4)});
    headers.push_back({dlq::spring::original_offset, big_endian(static_cast<std::uint64_t>(o.offset), 8)});
    headers.push_back(
        {dlq::spring::original_timestamp, big_endian(static_cast<std::uint64_t>(o.timestamp), 8)});
    headers.push_back(
        {dlq::spring::original_timestamp_type, o.log_append_time ? "LogAppendTime" : "CreateTime"});
    headers.push_back({dlq::spring::original_consumer_group, d.group});
    headers.push_back({dlq::spring::exception_fqcn, "kavro." + cls});
    headers.push_back({dlq::spring::exception_message, d.message});
  }
  return headers;
}

decoded_dead_letter decode_dead_letter(const std::vector<kafka::header>& headers) {
  decoded_dead_letter out;
  if (auto topic = last_header(headers, dlq::original_topic)) {
    origin o;
    o.topic = *topic;
    o.partition =
        static_cast<std::int32_t>(number(last_header(headers, dlq::original_partition)).value_or(-1));
    o.offset = number(last_header(headers, dlq::original_offset)).value_or(-1);
    o.timestamp = number(last_header(headers, dlq::original_timestamp)).value_or(-1);
    out.from = std::move(o);
    out.group = last_header(headers, dlq::consumer_group).value_or("");
    if (auto n = number(last_header(headers, dlq::attempts))) out.attempts = static_cast<int>(*n);
    out.error_class_text = last_header(headers, dlq::error_class).value_or("");
    out.message = last_header(headers, dlq::error_message).value_or("");
  } else if (auto spring_topic = last_header(headers, dlq::spring::original_topic)) {
    origin o;
    o.topic = *spring_topic;
    o.partition = static_cast<std::int32_t>(
        from_big_endian(last_header(headers, dlq::spring::original_partition)).value_or(-1));
    o.offset = from_big_endian(last_header(headers, dlq::spring::original_offset)).value_or(-1);
    o.timestamp = from_big_endian(last_header(headers, dlq::spring::original_timestamp)).value_or(-1);
    o.log_append_time = last_header(headers, dlq::spring::original_timestamp_type) ==
                        std::optional<std::string>("LogAppendTime");
    out.from = std::move(o);
    out.group = last_header(headers, dlq::spring::original_consumer_group).value_or("");
    out.error_class_text = last_header(headers, dlq::spring::exception_fqcn).value_or("");
    if (starts_with(out.error_class_text, "kavro.")) out.error_class_text.erase(0, 6);
    out.message = last_header(headers, dlq::spring::exception_message).value_or("");
  }
  out.why = parse_error_class(out.error_class_text);
  return out;
}

std::vector<kafka::header> strip_dead_letter_headers(const std::vector<kafka::header>& headers) {
  std::vector<kafka::header> out = headers;
  drop_prefixed(out, dlq::prefix);
  drop_prefixed(out, dlq::spring::prefix);
  return out;
}

std::vector<kafka::header> encode(const retry_hop& hop, std::vector<kafka::header> original) {
  std::vector<kafka::header> headers = std::move(original);
  drop_prefixed(headers, dlq::retry::prefix);
  headers.push_back({dlq::retry::original_topic, hop.first.topic});
  headers.push_back({dlq::retry::original_partition, std::to_string(hop.first.partition)});
  headers.push_back({dlq::retry::original_offset, std::to_string(hop.first.offset)});
  headers.push_back({dlq::retry::original_timestamp, std::to_string(hop.first.timestamp)});
  headers.push_back({dlq::retry::attempts, std::to_string(hop.attempts)});
  headers.push_back({dlq::retry::due, std::to_string(hop.due_ms)});
  headers.push_back({dlq::retry::error_message, hop.last_error});
  return headers;
}

std::optional<retry_hop> decode_retry(const std::vector<kafka::header>& headers, const origin& self) {
  const bool any = std::any_of(headers.begin(), headers.end(), [](const kafka::header& h) {
    return starts_with(h.name, dlq::retry::prefix);
  });
  if (!any) return std::nullopt;
  retry_hop hop;
  hop.first = self;
  if (auto topic = last_header(headers, dlq::retry::original_topic)) {
    hop.first.topic = *topic;
    hop.first.partition = static_cast<std::int32_t>(
        number(last_header(headers, dlq::retry::original_partition)).value_or(self.partition));
    hop.first.offset = number(last_header(headers, dlq::retry::original_offset)).value_or(self.offset);
    hop.first.timestamp =
        number(last_header(headers, dlq::retry::original_timestamp)).value_or(self.timestamp);
  }
  hop.attempts = static_cast<int>(number(last_header(headers, dlq::retry::attempts)).value_or(0));
  hop.due_ms = number(last_header(headers, dlq::retry::due)).value_or(0);
  hop.last_error = last_header(headers, dlq::retry::error_message).value_or("");
  return hop;
}

}  // namespace kavro::pipeline
