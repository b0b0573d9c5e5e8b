// The registry's HTTP helpers: media types, path and query decoding as Jersey does it (http_util.hpp).
#include "http_util.hpp"

#include <algorithm>
#include <cctype>

namespace kavro::registry_server {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Replaces each ill-formed sequence with U+FFFD (the "maximal subpart" practice of Unicode and of
// Java's decoder, which Confluent's Jersey uses for path and query parameters), so a subject is
// always valid UTF-8 — and the JSON that lists it can always be written.
std::string valid_utf8(std::string_view in) {
  static constexpr std::string_view replacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    std::size_t good = 0;  // bytes of a valid prefix, the lead byte included
    if (len > 0) {
      good = 1;
      while (good < len && i + good < in.size()) {
        const auto b = static_cast<unsigned char>(in[i + good]);
        const bool ok = good == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
        if (!ok) break;
        ++good;
      }
    }
    if (len > 0 && good == len) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out += replacement;
      i += std::max<std::size_t>(good, 1);
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes (and, in a query, '+' as a space); an invalid escape stays as it is.
std::string percent_decode(std::string_view raw, bool plus_is_space) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size() && hex_digit(raw[i + 1]) >= 0 && hex_digit(raw[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(raw[i + 1]) * 16 + hex_digit(raw[i + 2]));
      i += 2;
    } else if (plus_is_space && raw[i] == '+') {
      out += ' ';
    } else {
      out += raw[i];
    }
  }
  return valid_utf8(out);
}

}  // namespace

std::string response_type(const http::request& req) {
  const auto* accept = req.headers.find("Accept");
  if (!accept) return std::string(v1_type);
  for (auto type : media_types) {
    std::string_view rest = *accept;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = trim(rest.substr(0, comma).substr(0, rest.substr(0, comma).find(';')));
      if (iequal(item, type) || item == "*/*" || item == "application/*") return std::string(type);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  return std::string(v1_type);
}

http::response send(const http::request& req, const response& r) {
  http::response res;
  res.status = r.status;
  res.headers.set("Content-Type", response_type(req));
  res.body = r.body;
  return res;
}

bool acceptable_body_type(const http::request& req) {
  const auto* header = req.headers.find("Content-Type");
  if (!header) return true;
  const std::string_view type = trim(std::string_view(*header).substr(0, header->find(';')));
  return std::any_of(media_types.begin(), media_types.end(), [&](auto t) { return iequal(type, t); });
}

std::vector<std::string> path_segments(std::string_view target) {
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  std::vector<std::string> out;
  if (path.empty()) return out;
  while (true) {
    const auto slash = path.find('/');
    out.push_back(percent_decode(path.substr(0, slash), false));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

query_params parse_query(std::string_view target) {
  query_params out;
  const auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      out.emplace(percent_decode(pair.substr(0, eq), true),
                  eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace kavro::registry_server
