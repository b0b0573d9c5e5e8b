// HTTP Basic authentication for the registry server: one user from the command line, or users with
// salted, slow password hashes and roles from a file in Karapace's authfile format, re-read when it changes.
#include "kavro/registry_server/auth.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace kavro::registry_server {
namespace {

using json = nlohmann::json;

// An auth file is written by an operator, but a stray multi-megabyte file or deep nesting must not
// cost the server its memory or stack.
constexpr std::size_t max_file_bytes = 4 * 1024 * 1024;
constexpr int max_json_depth = 16;
constexpr std::size_t max_authorization_bytes = 8192;
constexpr std::size_t max_user_bytes = 256;
constexpr std::size_t max_salt_bytes = 1024;
constexpr int karapace_iterations = 5000;
// Below this a PBKDF2 hash is refused; above it every first request of a user would stall the server.
constexpr int min_iterations = 1000;
constexpr int max_iterations = 10'000'000;
// Karapace's scrypt parameters (its hashlib.scrypt call), output 64 bytes as hashlib's default.
constexpr std::uint64_t scrypt_n = 16384, scrypt_r = 8, scrypt_p = 1;
constexpr std::size_t scrypt_length = 64;
constexpr std::size_t verified_cache_limit = 4096;

// Compares without an early exit, so the time taken says nothing about how much matched.
bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
  return diff == 0;
}

constexpr char base64_table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char base64url_table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64(std::string_view in, const char* table = base64_table, bool pad = true) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += table[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += table[(buffer << (6 - bits)) & 63];
  while (pad && out.size() % 4) out += '=';
  return out;
}

// Strict standard base64 (RFC 4648 section 4, padded): anything else is not a credential or a hash.
std::optional<std::string> decode_base64(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (in.back() == '=') padding = in[in.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < in.size() - padding; ++i) {
    const char* at = std::strchr(base64_table, in[i]);
    if (in[i] == '\0' || at == nullptr) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(at - base64_table);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  // The bits left over must be zero, or two different texts would decode to the same bytes.
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

struct credentials {
  std::string user;
  std::string password;
};

// `Basic <token68>` (RFC 7617; the scheme is case-insensitive), the token decoding to "user:password".
std::optional<credentials> parse_basic(std::string_view header) {
  if (header.size() > max_authorization_bytes) return std::nullopt;
  const auto space = header.find(' ');
  if (space == std::string_view::npos || !iequals(header.substr(0, space), "basic")) return std::nullopt;
  auto token = header.substr(space);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  auto decoded = decode_base64(token);
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::size_t digest_length(hash_algorithm a) {
  switch (a) {
    case hash_algorithm::sha1:
      return 20;
    case hash_algorithm::sha256:
      return 32;
    case hash_algorithm::sha512:
      return 64;
    case hash_algorithm::scrypt:
      return scrypt_length;
  }
  return 0;
}

// The key that `password` derives under `salt`, `length` bytes; nullopt if OpenSSL fails (out of memory).
std::optional<std::string> derive(hash_algorithm a, std::string_view salt, std::string_view password,
                                  int iterations, std::size_t length) {
  std::string out(length, '\0');
  auto* key = reinterpret_cast<unsigned char*>(out.data());
  const auto* salt_bytes = reinterpret_cast<const unsigned char*>(salt.data());
  int ok = 0;
  if (a == hash_algorithm::scrypt) {
    ok = EVP_PBE_scrypt(password.data(), password.size(), salt_bytes, salt.size(), scrypt_n, scrypt_r,
                        scrypt_p, 64 * 1024 * 1024, key, length);
  } else {
    const EVP_MD* md = a == hash_algorithm::sha1     ? EVP_sha1()
                       : a == hash_algorithm::sha256 ? EVP_sha256()
                                                     : EVP_sha512();
    ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt_bytes,
                           static_cast<int>(salt.size()), iterations, md, static_cast<int>(length), key);
  }
  if (ok != 1) return std::nullopt;
  return out;
}

std::string sha256(std::string_view data) {
  std::array<unsigned char, 32> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("registry auth: OpenSSL could not produce random bytes");
  return out;
}

// What is wrong with a user name, or empty: it travels in a Basic credential, where a ':' would end it.
std::string check_user_name(std::string_view user) {
  if (user.empty()) return "the user name is empty";
  if (user.size() > max_user_bytes) return "the user name is longer than 256 bytes";
  if (user.find(':') != std::string_view::npos)
    return "the user name contains ':' (HTTP Basic cannot carry it)";
  for (unsigned char c : user) {
    if (c < 0x20 || c == 0x7f) return "the user name contains a control character";
  }
  return {};
}

struct user_entry {
  hash_algorithm algorithm = hash_algorithm::sha256;
  int iterations = karapace_iterations;
  std::string salt;
  std::string hash;  // decoded
  registry_server::role role = role::read_only;
};

// The users of one successful load, with the credentials checked since (as salted digests, never the
// passwords): a slow hash on every request would cost each one up to a second of CPU.
class user_table {
 public:
  explicit user_table(std::unordered_map<std::string, user_entry> users)
      : users_(std::move(users)), cache_salt_(random_bytes(32)) {
    // An unknown user is checked against a real entry's parameters, so that it costs what a known
    // user with a wrong password costs, and the time taken does not tell which names exist.
    decoy_ = users_.begin()->second;
  }

  std::size_t size() const { return users_.size(); }

  std::optional<role> verify(const credentials& c) const {
    // The user's length goes in too: user "a\0b" with password "c" must not collide with "a" and "b\0c".
    std::string cache_key = cache_salt_;
    cache_key += std::to_string(c.user.size());
    cache_key += ':';
    cache_key += c.user;
    cache_key += c.password;
    cache_key = sha256(cache_key);
    {
      std::lock_guard lock(cache_mutex_);
      if (auto it = verified_.find(cache_key); it != verified_.end()) return it->second;
      if (refused_.count(cache_key)) return std::nullopt;
    }
    const auto it = users_.find(c.user);
    const user_entry& entry = it == users_.end() ? decoy_ : it->second;
    auto derived = derive(entry.algorithm, entry.salt, c.password, entry.iterations, entry.hash.size());
    const bool match = derived && CRYPTO_memcmp(derived->data(), entry.hash.data(), entry.hash.size()) == 0;
    std::lock_guard lock(cache_mutex_);
    // Refusals are kept apart from successes, so guesses that fill their set never push a user's login
    // out; a client retrying an old password after a rotation then costs one hash, not one per retry.
    // A full set starts again rather than tracking ages.
    auto& cache = match && it != users_.end() ? verified_ : refused_;
    if (cache.size() >= verified_cache_limit) cache.clear();
    if (&cache == &refused_) {
      refused_.emplace(std::move(cache_key), role::read_only);
      return std::nullopt;
    }
    verified_.emplace(std::move(cache_key), entry.role);
    return entry.role;
  }

 private:
  std::unordered_map<std::string, user_entry> users_;
  user_entry decoy_;
  std::string cache_salt_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, role> verified_;
  mutable std::unordered_map<std::string, role> refused_;  // the role is unused
};

// Where the JSON parser will not tell: the line of each element of the top-level "users" array, and a
// refusal of deep nesting and of duplicate keys (which nlohmann::json would resolve silently, last wins)
// before the recursive parser runs.
struct json_layout {
  std::vector<int> user_lines;
};

result<json_layout> scan_layout(std::string_view text, const std::string& where) {
  struct frame {
    bool object;
    bool expect_key;
    bool users_array;
    std::string last_key;
    std::set<std::string> keys;
  };
  std::vector<frame> stack;
  json_layout layout;
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '"') {
      std::string content;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) content += text[i++];
        if (text[i] == '\n') break;  // invalid JSON; the parser names it
        content += text[i];
      }
      if (!stack.empty() && stack.back().object && stack.back().expect_key) {
        auto& top = stack.back();
        if (!top.keys.insert(content).second)
          return fail(errc::invalid_argument, where + " line " + std::to_string(line) + ": key \"" + content +
                                                  "\" appears twice in one object");
        top.last_key = content;
        top.expect_key = false;
      }
    } else if (c == '{' || c == '[') {
      if (stack.size() >= max_json_depth)
        return fail(errc::invalid_argument, where + " line " + std::to_string(line) +
                                                ": nested deeper than " + std::to_string(max_json_depth) +
                                                " levels");
      const bool users_array = c == '[' && stack.size() == 1 && stack.back().last_key == "users";
      if (c == '{' && stack.size() == 2 && stack.back().users_array) layout.user_lines.push_back(line);
      stack.push_back(frame{c == '{', c == '{', users_array, {}, {}});
    } else if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
    } else if (c == ',' && !stack.empty() && stack.back().object) {
      stack.back().expect_key = true;
    }
  }
  return layout;
}

std::string describe_type(const json& j) {
  return j.type_name();
}

// The users of an auth file's text; `where` is "auth file 'PATH'" for messages.
result<std::unordered_map<std::string, user_entry>> parse_users(std::string_view text,
                                                                const std::string& where) {
  auto layout = scan_layout(text, where);
  if (!layout) return tl::unexpected(layout.error());
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string detail = e.what();
    // "[json.exception.parse_error.101] parse error at line 2, column 3: ..." -> "at line 2, column 3: ..."
    if (const auto at = detail.find(" at line "); at != std::string::npos) detail = detail.substr(at + 1);
    return fail(errc::invalid_argument, where + ": not valid JSON " + detail);
  }
  if (!doc.is_object())
    return fail(errc::invalid_argument,
                where + ": expected a JSON object with a \"users\" array, got " + describe_type(doc));
  for (const auto& [key, value] : doc.items()) {
    if (key == "users") continue;
    if (key == "permissions") {
      // Karapace's per-subject ACLs: kavro has two roles and no per-resource rules, and accepting the
      // section while ignoring it would grant more than the file says.
      if (value.is_array() && value.empty()) continue;
      return fail(errc::invalid_argument,
                  where +
                      ": \"permissions\" (Karapace's per-subject ACLs) is not supported; give each user a "
                      "\"role\" of \"read-only\" or \"read-write\" and leave \"permissions\" out or empty "
                      "(docs/security.md)");
    }
    return fail(errc::invalid_argument, where + ": unknown top-level key \"" + key +
                                            "\" (expected \"users\" and optionally \"permissions\")");
  }
  const auto users = doc.find("users");
  if (users == doc.end() || !users->is_array())
    return fail(errc::invalid_argument, where +
                                            ": expected a \"users\" array of {\"username\", \"algorithm\", "
                                            "\"salt\", \"password_hash\", \"role\"} objects");
  if (users->empty())
    return fail(errc::invalid_argument, where + ": \"users\" is empty: every request would be refused");

  const bool lines_known = layout->user_lines.size() == users->size();
  std::unordered_map<std::string, user_entry> out;
  std::unordered_map<std::string, std::string> first_seen;  // user -> where it was defined
  for (std::size_t index = 0; index < users->size(); ++index) {
    const json& u = (*users)[index];
    std::string at = where +
                     (lines_known ? " line " + std::to_string(layout->user_lines[index]) : std::string()) +
                     " (users[" + std::to_string(index) + "])";
    auto bad = [&](const std::string& what) { return fail(errc::invalid_argument, at + ": " + what); };
    if (!u.is_object()) return bad("expected an object, got " + describe_type(u));
    for (const auto& [key, value] : u.items()) {
      static const std::set<std::string> known{"username",      "algorithm",  "salt",
                                               "password_hash", "iterations", "role"};
      if (!known.count(key))
        return bad("unknown key \"" + key +
                   "\" (expected username, algorithm, salt, password_hash, role and, for sha1/sha256/sha512, "
                   "iterations)");
    }
    auto text_field = [&](const char* name) -> result<std::string> {
      const auto f = u.find(name);
      if (f == u.end()) return bad(std::string("no \"") + name + "\"");
      if (!f->is_string())
        return bad(std::string("\"") + name + "\" must be a string, got " + describe_type(*f));
      return f->get<std::string>();
    };
    auto user = text_field("username");
    if (!user) return tl::unexpected(user.error());
    at += " user '" + *user + "'";
    if (auto why = check_user_name(*user); !why.empty()) return bad(why);
    if (auto seen = first_seen.find(*user); seen != first_seen.end())
      return bad("defined twice (first at " + seen->second + ")");

    user_entry entry;
    auto algorithm = text_field("algorithm");
    if (!algorithm) return tl::unexpected(algorithm.error());
    auto parsed_algorithm = parse_hash_algorithm(*algorithm);
    if (!parsed_algorithm)
      return bad("unknown algorithm \"" + *algorithm + "\" (expected sha1, sha256, sha512 or scrypt)");
    entry.algorithm = *parsed_algorithm;

    auto salt = text_field("salt");
    if (!salt) return tl::unexpected(salt.error());
    if (salt->empty()) return bad("\"salt\" is empty");
    if (salt->size() > max_salt_bytes) return bad("\"salt\" is longer than 1024 bytes");
    entry.salt = std::move(*salt);

    if (const auto f = u.find("iterations"); f != u.end()) {
      if (entry.algorithm == hash_algorithm::scrypt)
        return bad("\"iterations\" applies to sha1, sha256 and sha512 only (scrypt uses N=16384, r=8, p=1)");
      if (!f->is_number_integer() || f->get<long long>() < min_iterations ||
          f->get<long long>() > max_iterations)
        return bad("\"iterations\" must be an integer from " + std::to_string(min_iterations) + " to " +
                   std::to_string(max_iterations) + ", got " + f->dump());
      entry.iterations = f->get<int>();
    }

    auto hash = text_field("password_hash");
    if (!hash) return tl::unexpected(hash.error());
    auto decoded = decode_base64(*hash);
    if (!decoded) return bad("\"password_hash\" is not standard padded base64");
    if (decoded->size() != digest_length(entry.algorithm))
      return bad("\"password_hash\" holds " + std::to_string(decoded->size()) + " bytes; " + *algorithm +
                 " gives " + std::to_string(digest_length(entry.algorithm)));
    entry.hash = std::move(*decoded);

    const auto r = u.find("role");
    if (r == u.end()) return bad("no \"role\": give \"read-only\" or \"read-write\"");
    if (!r->is_string()) return bad("\"role\" must be a string, got " + describe_type(*r));
    auto parsed_role = parse_role(r->get<std::string>());
    if (!parsed_role)
      return bad("unknown role \"" + r->get<std::string>() + "\" (expected \"read-only\" or \"read-write\")");
    entry.role = *parsed_role;

    first_seen.emplace(*user, lines_known ? "line " + std::to_string(layout->user_lines[index])
                                          : "users[" + std::to_string(index) + "]");
    out.emplace(std::move(*user), std::move(entry));
  }
  return out;
}

// The identity of one version of the file: a rename over it changes the inode, an edit the size or mtime.
struct file_signature {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = -1;
  std::int64_t mtime_ns = 0;
  bool operator==(const file_signature&) const = default;
};

// One version of the file as read: what it is, whether other users may read it, and its text.
struct file_version {
  file_signature signature;
  bool world_readable = false;
  bool fresh = false;  // modified within the last two seconds: another write may share its mtime
  std::string text;
};

std::string errno_text(int e) {
  return std::strerror(e);
}

file_signature signature_of(const struct stat& st) {
  return {st.st_dev, st.st_ino, st.st_size,
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

result<file_version> read_file(const std::string& path) {
  const std::string where = "auth file '" + path + "'";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errc::invalid_argument, where + ": cannot open: " + errno_text(errno));
  struct fd_closer {
    int fd;
    ~fd_closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return fail(errc::invalid_argument, where + ": cannot stat: " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return fail(errc::invalid_argument, where + ": not a regular file");
  if (static_cast<std::size_t>(st.st_size) > max_file_bytes)
    return fail(errc::invalid_argument, where + ": " + std::to_string(st.st_size) + " bytes, more than the " +
                                            std::to_string(max_file_bytes) + "-byte limit");
  file_version out;
  out.signature = signature_of(st);
  out.world_readable = (st.st_mode & S_IROTH) != 0;
  // File times are kept at the kernel's clock tick, so two writes of one size within a tick look alike.
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  out.fresh = now_ns - out.signature.mtime_ns < 2'000'000'000;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errc::invalid_argument, where + ": cannot read: " + errno_text(errno));
    if (n == 0) break;
    out.text.append(buffer, static_cast<std::size_t>(n));
    if (out.text.size() > max_file_bytes)
      return fail(errc::invalid_argument, where + ": grew past the " + std::to_string(max_file_bytes) +
                                              "-byte limit while being read");
  }
  return out;
}

std::string world_readable_warning(const std::string& path) {
  return "kavro registry: warning: auth file '" + path +
         "' is readable by every local user; its hashes can be attacked offline: chmod 600 it";
}

class file_authenticator final : public authenticator {
 public:
  file_authenticator(std::string path, auth_file_options options, const file_version& first,
                     std::shared_ptr<const user_table> users)
      : path_(std::move(path)),
        options_(std::move(options)),
        signature_(first.signature),
        settled_(!first.fresh),
        digest_(sha256(first.text)),
        table_(std::move(users)) {
    if (!options_.warn) options_.warn = [](const std::string& m) { std::cerr << m << std::endl; };
    if (first.world_readable) options_.warn(world_readable_warning(path_));
    next_check_ns_.store(now_ns() + interval_ns(), std::memory_order_relaxed);
  }

  std::optional<role> authenticate(std::string_view authorization) const override {
    maybe_reload();
    auto creds = parse_basic(authorization);
    if (!creds) return std::nullopt;
    return current()->verify(*creds);
  }

 private:
  static std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t interval_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(options_.check_interval).count();
  }

  std::shared_ptr<const user_table> current() const {
    std::lock_guard lock(table_mutex_);
    return table_;
  }

  // One thread at a time looks at the file; the others go on with the table they have rather than wait.
  void maybe_reload() const {
    const auto now = now_ns();
    if (now < next_check_ns_.load(std::memory_order_relaxed)) return;
    std::unique_lock lock(reload_mutex_, std::try_to_lock);
    if (!lock.owns_lock() || now < next_check_ns_.load(std::memory_order_relaxed)) return;
    next_check_ns_.store(now + interval_ns(), std::memory_order_relaxed);

    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      const int e = errno;
      if (!missing_reported_) {
        options_.warn("kavro registry: auth file '" + path_ + "' cannot be read (" + errno_text(e) +
                      "): keeping the " + std::to_string(current()->size()) + " users last loaded");
        missing_reported_ = true;
        reported_.clear();
      }
      return;
    }
    missing_reported_ = false;
    if (signature_of(st) == signature_ && settled_) return;

    auto version = read_file(path_);
    if (!version) {
      report_once(version.error().message);
      return;
    }
    signature_ = version->signature;
    settled_ = !version->fresh;
    auto digest = sha256(version->text);
    if (digest == digest_) return;
    digest_ = std::move(digest);
    auto users = parse_users(version->text, "auth file '" + path_ + "'");
    if (!users) {
      report_once(users.error().message);
      return;
    }
    reported_.clear();
    auto table = std::make_shared<const user_table>(std::move(*users));
    const auto count = table->size();
    {
      std::lock_guard table_lock(table_mutex_);
      table_ = std::move(table);
    }
    options_.warn("kavro registry: auth file '" + path_ + "' reloaded: " + std::to_string(count) + " users");
    if (version->world_readable) options_.warn(world_readable_warning(path_));
  }

  // A bad version is reported when it appears, not on every later look at it.
  void report_once(const std::string& message) const {
    if (message == reported_) return;
    reported_ = message;
    options_.warn("kavro registry: " + message + "; keeping the " + std::to_string(current()->size()) +
                  " users last loaded");
  }

  std::string path_;
  auth_file_options options_;
  mutable std::atomic<std::int64_t> next_check_ns_{0};
  mutable std::mutex reload_mutex_;  // guards the members up to table_mutex_
  mutable file_signature signature_;
  mutable bool settled_;        // the version read is old enough that its signature identifies it
  mutable std::string digest_;  // of the text last read, valid or not
  mutable std::string reported_;
  mutable bool missing_reported_ = false;
  mutable std::mutex table_mutex_;  // held only to copy or swap the pointer
  mutable std::shared_ptr<const user_table> table_;
};

class single_user final : public authenticator {
 public:
  explicit single_user(std::string_view user_password) {
    const auto colon = user_password.find(':');
    user_ = user_password.substr(0, colon);
    password_ = user_password.substr(colon + 1);
  }
  std::optional<role> authenticate(std::string_view authorization) const override {
    const auto creds = parse_basic(authorization);
    if (!creds) return std::nullopt;
    // Both compared whatever the first gives, so the time does not tell a right name from a wrong one.
    const bool user_ok = constant_time_equal(creds->user, user_);
    const bool password_ok = constant_time_equal(creds->password, password_);
    if (user_ok && password_ok) return role::read_write;
    return std::nullopt;
  }

 private:
  std::string user_;
  std::string password_;
};

}  // namespace

std::shared_ptr<const authenticator> make_single_user_authenticator(std::string_view user_password) {
  const auto colon = user_password.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == user_password.size()) {
    throw std::invalid_argument("registry auth: expected USER:PASSWORD, neither empty");
  }
  return std::make_shared<single_user>(user_password);
}

result<std::shared_ptr<const authenticator>> load_auth_file(const std::string& path) {
  return load_auth_file(path, auth_file_options{});
}

result<std::shared_ptr<const authenticator>> load_auth_file(const std::string& path,
                                                            const auth_file_options& options) {
  auto version = read_file(path);
  if (!version) return tl::unexpected(version.error());
  auto users = parse_users(version->text, "auth file '" + path + "'");
  if (!users) return tl::unexpected(users.error());
  return std::make_shared<file_authenticator>(path, options, *version,
                                              std::make_shared<const user_table>(std::move(*users)));
}

const char* to_string(role r) noexcept {
  return r == role::read_only ? "read-only" : "read-write";
}

std::optional<role> parse_role(std::string_view text) noexcept {
  if (text == "read-only") return role::read_only;
  if (text == "read-write") return role::read_write;
  return std::nullopt;
}

const char* to_string(hash_algorithm a) noexcept {
  switch (a) {
    case hash_algorithm::sha1:
      return "sha1";
    case hash_algorithm::sha256:
      return "sha256";
    case hash_algorithm::sha512:
      return "sha512";
    case hash_algorithm::scrypt:
      return "scrypt";
  }
  return "?";
}

std::optional<hash_algorithm> parse_hash_algorithm(std::string_view text) noexcept {
  for (auto a :
       {hash_algorithm::sha1, hash_algorithm::sha256, hash_algorithm::sha512, hash_algorithm::scrypt}) {
    if (text == to_string(a)) return a;
  }
  return std::nullopt;
}

result<std::string> make_auth_file_entry(std::string_view user, std::string_view password, role r,
                                         const password_hash_options& options) {
  if (auto why = check_user_name(user); !why.empty()) return fail(errc::invalid_argument, why);
  if (password.empty()) return fail(errc::invalid_argument, "the password is empty");
  const bool pbkdf2 = options.algorithm != hash_algorithm::scrypt;
  if (pbkdf2 && (options.iterations < min_iterations || options.iterations > max_iterations))
    return fail(errc::invalid_argument, "iterations must be from " + std::to_string(min_iterations) + " to " +
                                            std::to_string(max_iterations));
  // Karapace's mkpasswd makes a URL-safe text salt from 16 random bytes and hashes its UTF-8 bytes: the
  // same here, so the entry reads the same in either registry.
  const std::string salt = base64(random_bytes(16), base64url_table, false);
  auto key = derive(options.algorithm, salt, password, options.iterations, digest_length(options.algorithm));
  if (!key) return fail(errc::internal, "OpenSSL could not derive the password hash");
  json entry = json::object();
  entry["username"] = std::string(user);
  entry["algorithm"] = to_string(options.algorithm);
  if (pbkdf2) entry["iterations"] = options.iterations;
  entry["salt"] = salt;
  entry["password_hash"] = base64(*key);
  entry["role"] = to_string(r);
  // nlohmann::json sorts keys; this order reads as Karapace's entries do.
  std::string out = "{\n";
  bool first = true;
  for (const char* k : {"username", "algorithm", "iterations", "salt", "password_hash", "role"}) {
    if (!entry.contains(k)) continue;
    out += first ? "" : ",\n";
    first = false;
    out += "  \"" + std::string(k) + "\": " + entry[k].dump();
  }
  out += "\n}";
  return out;
}

bool permits(role r, std::string_view method, const std::vector<std::string>& path) {
  if (r == role::read_write) return true;
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return true;
  if (method != "POST" || path.empty()) return false;
  // POST /subjects/{s} looks a schema up; POST /compatibility/... only checks.
  return (path[0] == "subjects" && path.size() == 2) || path[0] == "compatibility";
}

}  // namespace kavro::registry_server
