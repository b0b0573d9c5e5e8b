// Who may use the registry: HTTP Basic credentials checked against one user (`--auth USER:PASSWORD`)
// or against a file of users with hashed passwords and roles, re-read when it changes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kavro/result.hpp"

namespace kavro::registry_server {

// read_only: every read (GET, HEAD, OPTIONS, and the POSTs that only read: schema lookup and the
// compatibility checks); read_write: everything.
enum class role { read_only, read_write };

class authenticator {
 public:
  virtual ~authenticator() = default;
  // The role that the credentials in an `Authorization` header value carry; nullopt when they are
  // missing, malformed or wrong. Safe to call from many threads at once. With an auth file, each
  // credential's first check after a (re)load costs one slow hash (up to about a second of CPU
  // for 600,000 PBKDF2 iterations): call it where blocking that long is acceptable, not on an event loop.
  virtual std::optional<role> authenticate(std::string_view authorization) const = 0;
};

// One read-write user from "USER:PASSWORD"; throws std::invalid_argument without a ':' or with an
// empty user or password.
std::shared_ptr<const authenticator> make_single_user_authenticator(std::string_view user_password);

// Users from a file (format in docs/security.md); the file is checked for changes at most once a
// second and re-read without a restart. A file that fails to load at start is an error; one that
// becomes invalid later keeps the users last loaded (and says so on stderr).
result<std::shared_ptr<const authenticator>> load_auth_file(const std::string& path);

// How a file of users is watched; the defaults suit a server, tests shorten the interval.
struct auth_file_options {
  // The file's inode, size and mtime are compared at most this often, on the authenticate path; a
  // change re-reads it (by the one thread that noticed; the others keep using the users loaded).
  std::chrono::milliseconds check_interval{1000};
  // Where a reload, a rewrite that does not load or a missing file is reported, once per change;
  // empty: stderr.
  std::function<void(const std::string&)> warn;
};
result<std::shared_ptr<const authenticator>> load_auth_file(const std::string& path,
                                                            const auth_file_options& options);

// "read-only" / "read-write", the spelling of the auth file and of the command line.
const char* to_string(role r) noexcept;
std::optional<role> parse_role(std::string_view text) noexcept;

// How a password is hashed in the auth file: PBKDF2-HMAC with SHA-1/256/512 and a per-user iteration
// count (Karapace's 5000 when none is given), or scrypt with Karapace's N=16384, r=8, p=1.
enum class hash_algorithm { sha1, sha256, sha512, scrypt };
const char* to_string(hash_algorithm a) noexcept;
std::optional<hash_algorithm> parse_hash_algorithm(std::string_view text) noexcept;

struct password_hash_options {
  hash_algorithm algorithm = hash_algorithm::sha256;
  int iterations = 600000;  // PBKDF2 only: OWASP's 2023 figure for PBKDF2-HMAC-SHA256
};

// One entry of the auth file's "users" array (pretty-printed JSON) for `user` with `password` hashed
// under a fresh random salt; fails on a user name the file would refuse or an empty password.
result<std::string> make_auth_file_entry(std::string_view user, std::string_view password, role r,
                                         const password_hash_options& options = {});

// Whether `r` may send `method` to the decoded path segments `path` (e.g. {"subjects","x","versions"}).
bool permits(role r, std::string_view method, const std::vector<std::string>& path);

}  // namespace kavro::registry_server
