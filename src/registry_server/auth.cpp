// HTTP Basic authentication for the registry server: one user from the command line, or users with
// hashed passwords and roles from a file.
#include "kavro/registry_server/auth.hpp"

#include <stdexcept>

namespace kavro::registry_server {
namespace {

// Compares without an early exit, so the time taken says nothing about how much matched.
bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.size() ? b.size() : 1)]);
  return diff == 0;
}

std::string base64(std::string_view in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
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
  while (out.size() % 4) out += '=';
  return out;
}

class single_user final : public authenticator {
 public:
  explicit single_user(std::string_view user_password) : expected_("Basic " + base64(user_password)) {}
  std::optional<role> authenticate(std::string_view authorization) const override {
    if (constant_time_equal(authorization, expected_)) return role::read_write;
    return std::nullopt;
  }

 private:
  std::string expected_;
};

}  // namespace

std::shared_ptr<const authenticator> make_single_user_authenticator(std::string_view user_password) {
  if (user_password.find(':') == std::string_view::npos) {
    throw std::invalid_argument("registry auth: expected USER:PASSWORD");
  }
  return std::make_shared<single_user>(user_password);
}

result<std::shared_ptr<const authenticator>> load_auth_file(const std::string& path) {
  return fail(errc::invalid_argument, "registry auth file '" + path + "': not supported yet");
}

bool permits(role r, std::string_view method, const std::vector<std::string>& path) {
  if (r == role::read_write) return true;
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return true;
  if (method != "POST" || path.empty()) return false;
  // POST /subjects/{s} looks a schema up; POST /compatibility/... only checks.
  return (path[0] == "subjects" && path.size() == 2) || path[0] == "compatibility";
}

}  // namespace kavro::registry_server
