// Who may use the registry: HTTP Basic credentials checked against one user (`--auth USER:PASSWORD`)
// or against a file of users with hashed passwords and roles, re-read when it changes.
#pragma once

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
  // missing, malformed or wrong. Safe to call from many threads at once.
  virtual std::optional<role> authenticate(std::string_view authorization) const = 0;
};

// One read-write user from "USER:PASSWORD"; throws std::invalid_argument without a ':'.
std::shared_ptr<const authenticator> make_single_user_authenticator(std::string_view user_password);

// Users from a file (format in docs/security.md); the file is checked for changes at most once a
// second and re-read without a restart. A file that fails to load at start is an error; one that
// becomes invalid later keeps the users last loaded (and says so on stderr).
result<std::shared_ptr<const authenticator>> load_auth_file(const std::string& path);

// Whether `r` may send `method` to the decoded path segments `path` (e.g. {"subjects","x","versions"}).
bool permits(role r, std::string_view method, const std::vector<std::string>& path);

}  // namespace kavro::registry_server
