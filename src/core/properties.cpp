// java.util.Properties#load's grammar (its LineReader, then load0's key/value split, then
// loadConvert's escapes), bounded, with errors that name the file and line.
#include "kavro/properties.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace kavro {
namespace {

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\f';
}

struct logical_line {
  std::string text;  // raw: escapes still in, the continuation backslashes and newlines removed
  std::size_t line_no = 0;
};

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Reads the four hex digits after `\u` at s[i..]; -1 when they are not four hex digits.
long read_hex4(std::string_view s, std::size_t i) {
  if (i + 4 > s.size()) return -1;
  long v = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    const char c = s[k];
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return -1;
    v = v * 16 + d;
  }
  return v;
}

// loadConvert: the escapes of a key or a value.
result<std::string> unescape(std::string_view s, const std::string& where) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i++];
    if (c != '\\' || i == s.size()) {  // a trailing lone backslash cannot reach here; keep it if it does
      out += c;
      continue;
    }
    const char e = s[i++];
    switch (e) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        const long unit = read_hex4(s, i);
        if (unit < 0)
          return fail(errc::invalid_argument,
                      where + ": malformed \\uxxxx escape (four hex digits expected)");
        i += 4;
        std::uint32_t cp = static_cast<std::uint32_t>(unit);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          // Java strings are UTF-16: a character beyond the BMP is written as two \u escapes.
          const long low = (i + 1 < s.size() && s[i] == '\\' && s[i + 1] == 'u') ? read_hex4(s, i + 2) : -1;
          if (low < 0xDC00 || low > 0xDFFF) {
            return fail(errc::invalid_argument, where + ": \\u escape of a lone UTF-16 high surrogate");
          }
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return fail(errc::invalid_argument, where + ": \\u escape of a lone UTF-16 low surrogate");
        }
        append_utf8(out, cp);
        break;
      }
      default:
        out += e;  // `\=`, `\:`, `\ `, `\#`, `\\` and any other: the character itself
    }
  }
  return out;
}

// Odd number of backslashes at the end: the line continues.
bool continues(std::string_view line) {
  std::size_t n = 0;
  for (auto it = line.rbegin(); it != line.rend() && *it == '\\'; ++it) ++n;
  return n % 2 == 1;
}

}  // namespace

result<std::vector<property>> parse_properties(std::string_view text, const std::string& source,
                                               const properties_limits& limits) {
  if (text.size() > limits.max_file_bytes) {
    return fail(errc::invalid_argument, source + ": larger than " + std::to_string(limits.max_file_bytes) +
                                            " bytes; not a properties file?");
  }
  // Natural lines, ended by \n, \r or \r\n.
  std::vector<std::string_view> natural;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t end = text.find_first_of("\r\n", i);
    if (end == std::string_view::npos) {
      natural.push_back(text.substr(i));
      break;
    }
    natural.push_back(text.substr(i, end - i));
    i = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
  }

  std::vector<property> out;
  for (std::size_t n = 0; n < natural.size(); ++n) {
    std::string_view first = natural[n];
    const std::size_t start = std::find_if_not(first.begin(), first.end(), blank) - first.begin();
    first.remove_prefix(start);
    if (first.empty() || first[0] == '#' || first[0] == '!') continue;  // blank or comment: no continuation

    logical_line line{"", n + 1};
    const std::string where = source + ":" + std::to_string(line.line_no);
    std::string_view part = first;
    for (;;) {
      const bool more = continues(part);
      if (more) part.remove_suffix(1);
      if (line.text.size() + part.size() > limits.max_line_bytes) {
        return fail(errc::invalid_argument,
                    where + ": line longer than " + std::to_string(limits.max_line_bytes) + " bytes");
      }
      line.text += part;
      if (!more || n + 1 >= natural.size()) break;
      part = natural[++n];
      part.remove_prefix(std::find_if_not(part.begin(), part.end(), blank) - part.begin());
      if (part.empty()) break;  // an empty continuation line ends the logical line, as in Java
    }

    // load0: the key ends at the first unescaped '=', ':' or blank; then blanks, at most one '=' or
    // ':', and blanks again precede the value.
    const std::string_view s = line.text;
    std::size_t key_len = 0;
    std::size_t value_start = s.size();
    bool has_separator = false;
    bool escaped = false;
    for (; key_len < s.size(); ++key_len) {
      const char c = s[key_len];
      if ((c == '=' || c == ':') && !escaped) {
        value_start = key_len + 1;
        has_separator = true;
        break;
      }
      if (blank(c) && !escaped) {
        value_start = key_len + 1;
        break;
      }
      escaped = c == '\\' ? !escaped : false;
    }
    for (; value_start < s.size(); ++value_start) {
      const char c = s[value_start];
      if (blank(c)) continue;
      if (!has_separator && (c == '=' || c == ':')) {
        has_separator = true;
        continue;
      }
      break;
    }
    auto key = unescape(s.substr(0, key_len), where);
    if (!key) return tl::unexpected(key.error());
    auto value = unescape(s.substr(value_start), where);
    if (!value) return tl::unexpected(value.error());
    if (out.size() >= limits.max_entries) {
      return fail(errc::invalid_argument,
                  where + ": more than " + std::to_string(limits.max_entries) + " entries");
    }
    out.push_back(property{std::move(*key), std::move(*value), where});
  }
  return out;
}

result<std::vector<property>> load_properties(const std::string& path, const properties_limits& limits) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return fail(errc::invalid_argument, path + ": cannot read: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return fail(errc::invalid_argument, path + ": not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > limits.max_file_bytes) {
    return fail(errc::invalid_argument, path + ": larger than " + std::to_string(limits.max_file_bytes) +
                                            " bytes; not a properties file?");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(errc::invalid_argument, path + ": cannot open: " + std::strerror(errno));
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) return fail(errc::invalid_argument, path + ": read error");
  return parse_properties(text, path, limits);
}

result<std::vector<property>> parse_property_items(const std::vector<std::string>& items,
                                                   std::string_view option) {
  std::vector<property> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      // The value may be a secret (-X sasl.password=...): only its key part is quoted.
      const std::string shown = eq == 0 ? "=..." : item.substr(0, 64);
      return fail(errc::invalid_argument, std::string(option) + " expects KEY=VALUE, got '" + shown + "'");
    }
    out.push_back({item.substr(0, eq), item.substr(eq + 1), std::string(option) + " " + item.substr(0, eq)});
  }
  return out;
}

bool is_secret_key(std::string_view key) {
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto has = [&](std::string_view part) { return k.find(part) != std::string::npos; };
  // Passwords and secrets by name; user info (user:password); tokens; JAAS lines and OAuth configs
  // (they embed credentials); private key material given inline (ssl.key.pem, ssl_key,
  // ssl.keystore.key) but not the path of a key file (ssl.key.location).
  if (has("password") || has("secret") || has("user.info") || has("userinfo") || has("jaas") ||
      has("token") || has("oauthbearer.config") || has("credentials.json")) {
    return !(k.ends_with("credentials.source") || k.ends_with(".endpoint.url"));
  }
  return k.ends_with("ssl.key.pem") || k.ends_with("ssl_key") || k.ends_with("ssl.keystore.key") ||
         k.ends_with("private.key");
}

std::string redacted(std::string_view key, std::string_view value) {
  std::string out(key);
  out += '=';
  out += is_secret_key(key) ? std::string_view("[redacted]") : value;
  return out;
}

std::string redact_url_credentials(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  for (;;) {
    const std::size_t scheme = text.find("://", i);
    if (scheme == std::string_view::npos) break;
    const std::size_t host = scheme + 3;
    // The authority ends at the first '/', '?', '#' or blank; user info is what precedes its last '@'.
    std::size_t end = host;
    while (end < text.size() && !std::strchr("/?# \t\r\n\"'", text[end])) ++end;
    const std::size_t at = text.substr(host, end - host).rfind('@');
    out.append(text.substr(i, host - i));
    if (at != std::string_view::npos) out += "[redacted]";
    out.append(text.substr(at == std::string_view::npos ? host : host + at,
                           end - (at == std::string_view::npos ? host : host + at)));
    i = end;
  }
  out.append(text.substr(i));
  return out;
}

}  // namespace kavro
