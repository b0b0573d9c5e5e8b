// The registry's authentication: auth file parsing and its error messages, password hashes checked
// against vectors computed by Python's hashlib, Basic headers, reloads, and the read-only role's table.
#include "kavro/registry_server/auth.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kavro::registry_server {
namespace {

namespace fs = std::filesystem;

// Written here rather than shared with the code under test, so a bug in one does not hide in both.
std::string base64(std::string_view in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {table[v >> 18], table[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
  }
  return out;
}

std::string basic(std::string_view user, std::string_view password) {
  return "Basic " + base64(std::string(user) + ":" + std::string(password));
}

// Vectors from Python 3 (independent of OpenSSL's C API as called here):
//   base64.b64encode(hashlib.pbkdf2_hmac(alg, b"s3cret:with colon", b"NaCl-salt", iterations))
//   base64.b64encode(hashlib.scrypt(b"s3cret:with colon", salt=b"NaCl-salt", n=16384, r=8, p=1))
//   base64.b64encode(hashlib.pbkdf2_hmac("sha256", "pässwörd".encode(), "sälz".encode(), 5000))
constexpr const char* password = "s3cret:with colon";
constexpr const char* sha1_5000 = "bE0XxGgOukKxmw/qYGz9kJBlgGA=";
constexpr const char* sha256_5000 = "EyzCJdACz0mJwkPwUBCZ/5U79CRDDOxw4CGHGSwLaE8=";
constexpr const char* sha512_5000 =
    "6+H2lc86OlT0fkqnkh6gucGBbbL4+KtOvEDJ64Di2Ay9q6MKfiNM4M9xM3PAuS/OYwgrssfMHcr+LnvagezC4Q==";
constexpr const char* sha256_1000 = "0Pej8neA43dkKUqY6RTTtsxHvtpRGk6zDhM49ee6crs=";
constexpr const char* scrypt_karapace =
    "VkLyQcqzHtdv3fvzp90IJYzLpbgcy8Rweuyd9DhkChzSgiP1ejw2Qd9qgsSc6wJf53fRwtsbczC//+5Z534qOQ==";
constexpr const char* utf8_sha256_5000 = "/Eqx8nT2hFHXrbLXftbJB4OHUdv3L7o+zoKlSSFuxEI=";

std::string user_json(const std::string& name, const std::string& algorithm, const std::string& hash,
                      const std::string& role = "read-write", const std::string& extra = "",
                      const std::string& salt = "NaCl-salt") {
  return "    {\"username\": \"" + name + "\", \"algorithm\": \"" + algorithm + "\", \"salt\": \"" + salt +
         "\",\n     \"password_hash\": \"" + hash + "\", \"role\": \"" + role + "\"" + extra + "}";
}

std::string file_of(const std::vector<std::string>& users) {
  std::string out = "{\n  \"users\": [\n";
  for (std::size_t i = 0; i < users.size(); ++i) out += users[i] + (i + 1 < users.size() ? ",\n" : "\n");
  return out + "  ]\n}\n";
}

class auth_file_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "kavro-auth-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    path_ = (dir_ / "users.json").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Written beside and renamed over, as an editor or a config manager does, so no reader sees half.
  void write(const std::string& text, mode_t mode = 0600) {
    const auto tmp = path_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << text;
    }
    ASSERT_EQ(chmod(tmp.c_str(), mode), 0);
    fs::rename(tmp, path_);
  }

  auth_file_options watching(std::chrono::milliseconds interval = std::chrono::milliseconds(0)) {
    auth_file_options o;
    o.check_interval = interval;
    o.warn = [this](const std::string& m) {
      std::lock_guard lock(warnings_mutex_);
      warnings_.push_back(m);
    };
    return o;
  }

  std::string load_error(const std::string& text) {
    write(text);
    auto a = load_auth_file(path_, watching());
    if (a) return "(loaded)";
    return a.error().message;
  }

  std::vector<std::string> warnings() {
    std::lock_guard lock(warnings_mutex_);
    return warnings_;
  }
  std::size_t warnings_containing(const std::string& s) {
    std::size_t n = 0;
    for (const auto& w : warnings()) n += w.find(s) != std::string::npos;
    return n;
  }

  fs::path dir_;
  std::string path_;
  std::mutex warnings_mutex_;
  std::vector<std::string> warnings_;
};

TEST_F(auth_file_test, each_karapace_algorithm_verifies_the_python_vectors) {
  write(
      file_of({user_json("sha1", "sha1", sha1_5000), user_json("sha256", "sha256", sha256_5000, "read-only"),
               user_json("sha512", "sha512", sha512_5000),
               user_json("fewer", "sha256", sha256_1000, "read-write", ", \"iterations\": 1000"),
               user_json("scrypt", "scrypt", scrypt_karapace, "read-only"),
               user_json("ünï", "sha256", utf8_sha256_5000, "read-write", "", "sälz")}));
  auto a = load_auth_file(path_, watching());
  ASSERT_TRUE(a) << a.error().message;
  const auth_file_options o;
  EXPECT_EQ((*a)->authenticate(basic("sha1", password)), role::read_write);
  EXPECT_EQ((*a)->authenticate(basic("sha256", password)), role::read_only);
  EXPECT_EQ((*a)->authenticate(basic("sha512", password)), role::read_write);
  EXPECT_EQ((*a)->authenticate(basic("fewer", password)), role::read_write);
  EXPECT_EQ((*a)->authenticate(basic("scrypt", password)), role::read_only);
  EXPECT_EQ((*a)->authenticate(basic("ünï", "pässwörd")), role::read_write);
  for (const char* user : {"sha1", "sha256", "sha512", "fewer", "scrypt"}) {
    EXPECT_EQ((*a)->authenticate(basic(user, "s3cret:with colo")), std::nullopt) << user;
    EXPECT_EQ((*a)->authenticate(basic(user, "")), std::nullopt) << user;
  }
  // A second, cached success answers the same; a wrong password after it still fails.
  EXPECT_EQ((*a)->authenticate(basic("sha256", password)), role::read_only);
  EXPECT_EQ((*a)->authenticate(basic("sha256", "wrong")), std::nullopt);
}

TEST_F(auth_file_test, a_cached_login_does_not_open_the_door_to_a_shifted_user_name) {
  // alice's password contains a NUL; "alice\0x" with the rest must not hit her cached login.
  const std::string pw = std::string("x\0", 2) + "y";
  password_hash_options o{hash_algorithm::sha256, 1000};
  auto entry = make_auth_file_entry("alice", pw, role::read_write, o);
  ASSERT_TRUE(entry) << entry.error().message;
  write("{\"users\": [" + *entry + "]}");
  auto a = load_auth_file(path_, watching());
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ((*a)->authenticate(basic("alice", pw)), role::read_write);
  EXPECT_EQ((*a)->authenticate(basic(std::string("alice\0x", 7), "y")), std::nullopt);
}

TEST_F(auth_file_test, the_iteration_count_is_part_of_the_hash) {
  // The 1000-iteration hash under Karapace's default of 5000 must not verify.
  write(file_of({user_json("alice", "sha256", sha256_1000)}));
  auto a = load_auth_file(path_, watching());
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ((*a)->authenticate(basic("alice", password)), std::nullopt);
}

TEST_F(auth_file_test, unknown_users_and_malformed_headers_are_refused) {
  write(file_of({user_json("alice", "sha256", sha256_1000, "read-write", ", \"iterations\": 1000")}));
  auto a = load_auth_file(path_, watching());
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ((*a)->authenticate(basic("alice", password)), role::read_write);
  // The scheme is case-insensitive (RFC 7235).
  EXPECT_EQ((*a)->authenticate("basic " + base64(std::string("alice:") + password)), role::read_write);
  EXPECT_EQ((*a)->authenticate("BASIC  " + base64(std::string("alice:") + password) + " "), role::read_write);
  const std::string token = base64(std::string("alice:") + password);
  const std::vector<std::string> refused{
      basic("bob", password),
      basic("Alice", password),
      "",
      "Basic",
      "Basic ",
      "Bearer " + token,
      "Basic" + token,
      token,
      "Basic " + token.substr(1),                          // not a multiple of 4
      "Basic " + token.substr(0, token.size() - 1) + "!",  // not base64
      "Basic " + base64("alice" + std::string(password)),  // no colon
      "Basic " + base64(":" + std::string(password)),      // empty user
      "Basic YWxpY2U6eA=",                                 // bad padding
      "Basic YWxpY2U6eB==",                                // non-zero trailing bits
      "Basic " + token + std::string(9000, 'A'),           // oversized
      "Basic " + std::string(token).insert(4, " "),
  };
  for (const auto& header : refused) EXPECT_EQ((*a)->authenticate(header), std::nullopt) << header;
}

TEST_F(auth_file_test, every_bad_line_is_named_with_what_is_wrong) {
  const std::string f = "auth file '" + path_ + "'";
  const std::string good_hash = sha256_5000;
  struct row {
    const char* name;
    std::string text;
    std::string message;
  };
  const std::vector<row> rows{
      {"not json", "{\n  \"users\": [\n  }\n", f + ": not valid JSON at line 3, column 3: "},
      {"array", "[]", f + ": expected a JSON object with a \"users\" array, got array"},
      {"no users", "{}", f + ": expected a \"users\" array"},
      {"users not array", "{\"users\": {}}", f + ": expected a \"users\" array"},
      {"empty users", "{\"users\": []}", f + ": \"users\" is empty: every request would be refused"},
      {"permissions",
       "{\"users\": [], \"permissions\": [{\"username\": \"a\", \"operation\": \"Read\", "
       "\"resource\": \"Subject:.*\"}]}",
       f + ": \"permissions\" (Karapace's per-subject ACLs) is not supported; give each user a \"role\""},
      {"unknown top key", "{\"users\": [], \"user\": []}", f + ": unknown top-level key \"user\""},
      {"duplicate key", "{\n\"users\": [\n{\"username\": \"a\",\n \"username\": \"b\"}]}",
       f + " line 4: key \"username\" appears twice in one object"},
      {"too deep", "{\"users\": [[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}",
       f + " line 1: nested deeper than 16 levels"},
      {"not an object", file_of({"    \"alice\""}), f + " (users[0]): expected an object, got string"},
      {"unknown key", file_of({"    {\"username\": \"a\", \"pasword_hash\": \"x\"}"}),
       f + " line 3 (users[0]): unknown key \"pasword_hash\""},
      {"no username", file_of({"    {\"algorithm\": \"sha256\"}"}),
       f + " line 3 (users[0]): no \"username\""},
      {"username not string", file_of({"    {\"username\": 7}"}),
       f + " line 3 (users[0]): \"username\" must be a string, got number"},
      {"colon in name", file_of({user_json("a:b", "sha256", good_hash)}),
       f + " line 3 (users[0]) user 'a:b': the user name contains ':'"},
      {"empty name", file_of({user_json("", "sha256", good_hash)}),
       f + " line 3 (users[0]) user '': the user name is empty"},
      {"duplicate user", file_of({user_json("a", "sha256", good_hash), user_json("a", "sha1", sha1_5000)}),
       f + " line 5 (users[1]) user 'a': defined twice (first at line 3)"},
      {"unknown algorithm", file_of({user_json("a", "md5", good_hash)}),
       f + " line 3 (users[0]) user 'a': unknown algorithm \"md5\" (expected sha1, sha256, sha512 or "
           "scrypt)"},
      {"empty salt", file_of({user_json("a", "sha256", good_hash, "read-write", "", "")}),
       f + " line 3 (users[0]) user 'a': \"salt\" is empty"},
      {"iterations on scrypt",
       file_of({user_json("a", "scrypt", scrypt_karapace, "read-write", ", \"iterations\": 5000")}),
       f + " line 3 (users[0]) user 'a': \"iterations\" applies to sha1, sha256 and sha512 only"},
      {"too few iterations",
       file_of({user_json("a", "sha256", good_hash, "read-write", ", \"iterations\": 10")}),
       f + " line 3 (users[0]) user 'a': \"iterations\" must be an integer from 1000 to 10000000, got 10"},
      {"iterations text",
       file_of({user_json("a", "sha256", good_hash, "read-write", ", \"iterations\": \"5000\"")}),
       f + " line 3 (users[0]) user 'a': \"iterations\" must be an integer from 1000 to 10000000, got "
           "\"5000\""},
      {"hash not base64", file_of({user_json("a", "sha256", "not base64!")}),
       f + " line 3 (users[0]) user 'a': \"password_hash\" is not standard padded base64"},
      {"hash wrong length", file_of({user_json("a", "sha512", good_hash)}),
       f + " line 3 (users[0]) user 'a': \"password_hash\" holds 32 bytes; sha512 gives 64"},
      {"unknown role", file_of({user_json("a", "sha256", good_hash, "admin")}),
       f + " line 3 (users[0]) user 'a': unknown role \"admin\" (expected \"read-only\" or \"read-write\")"},
      {"underscore role", file_of({user_json("a", "sha256", good_hash, "read_only")}),
       f + " line 3 (users[0]) user 'a': unknown role \"read_only\""},
      {"no role",
       file_of(
           {"    {\"username\": \"a\", \"algorithm\": \"sha256\", \"salt\": \"s\", \"password_hash\": \"" +
            good_hash + "\"}"}),
       f + " line 3 (users[0]) user 'a': no \"role\": give \"read-only\" or \"read-write\""},
      {"second entry",
       file_of({user_json("a", "sha256", good_hash), user_json("b", "sha256", good_hash, "root")}),
       f + " line 5 (users[1]) user 'b': unknown role \"root\""},
  };
  for (const auto& r : rows) {
    const auto message = load_error(r.text);
    EXPECT_EQ(message.rfind(r.message, 0), 0u)
        << r.name << "\n  got:      " << message << "\n  expected: " << r.message;
  }
}

TEST_F(auth_file_test, files_that_cannot_be_read_are_named) {
  auto missing = load_auth_file((dir_ / "nope.json").string(), watching());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "auth file '" + (dir_ / "nope.json").string() + "': cannot open: No such file or directory");
  auto directory = load_auth_file(dir_.string(), watching());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().message, "auth file '" + dir_.string() + "': not a regular file");
  write(std::string(4 * 1024 * 1024 + 1, ' '));
  auto huge = load_auth_file(path_, watching());
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().message,
            "auth file '" + path_ + "': 4194305 bytes, more than the 4194304-byte limit");
}

TEST_F(auth_file_test, a_world_readable_file_loads_with_a_warning) {
  write(file_of({user_json("a", "sha256", sha256_5000)}), 0644);
  auto a = load_auth_file(path_, watching());
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(warnings_containing("is readable by every local user"), 1u);
  EXPECT_EQ(warnings_containing("chmod 600"), 1u);
}

TEST_F(auth_file_test, a_rewrite_is_picked_up_without_a_restart) {
  const std::string fast = ", \"iterations\": 1000";
  write(file_of({user_json("alice", "sha256", sha256_1000, "read-write", fast)}));
  auto a = load_auth_file(path_, watching());
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ((*a)->authenticate(basic("alice", password)), role::read_write);
  ASSERT_EQ((*a)->authenticate(basic("bob", password)), std::nullopt);

  write(file_of({user_json("alice", "sha256", sha256_1000, "read-write", fast),
                 user_json("bob", "sha256", sha256_1000, "read-only", fast)}));
  EXPECT_EQ((*a)->authenticate(basic("bob", password)), role::read_only);
  EXPECT_EQ(warnings_containing("reloaded: 2 users"), 1u);

  // A refused password is remembered only for the version of the file that refused it.
  ASSERT_EQ((*a)->authenticate(basic("bob", "n3w password")), std::nullopt);
  ASSERT_EQ((*a)->authenticate(basic("bob", "n3w password")), std::nullopt);
  password_hash_options o{hash_algorithm::sha256, 1000};
  auto rotated = make_auth_file_entry("bob", "n3w password", role::read_only, o);
  ASSERT_TRUE(rotated) << rotated.error().message;
  write("{\"users\": [" + user_json("alice", "sha256", sha256_1000, "read-write", fast) + ",\n" + *rotated +
        "]}");
  EXPECT_EQ((*a)->authenticate(basic("bob", "n3w password")), role::read_only);
  EXPECT_EQ((*a)->authenticate(basic("bob", password)), std::nullopt);

  // Removing a user or changing a role takes effect although alice's login is cached.
  write(file_of({user_json("bob", "sha256", sha256_1000, "read-write", fast)}));
  EXPECT_EQ((*a)->authenticate(basic("alice", password)), std::nullopt);
  EXPECT_EQ((*a)->authenticate(basic("bob", password)), role::read_write);
}

TEST_F(auth_file_test, an_invalid_rewrite_keeps_the_last_users_and_says_so_once) {
  const std::string fast = ", \"iterations\": 1000";
  write(file_of({user_json("alice", "sha256", sha256_1000, "read-write", fast)}));
  auto a = load_auth_file(path_, watching());
  ASSERT_TRUE(a) << a.error().message;

  write(file_of({user_json("alice", "sha256", sha256_1000, "superuser", fast)}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ((*a)->authenticate(basic("alice", password)), role::read_write);
  EXPECT_EQ(
      warnings_containing("unknown role \"superuser\" (expected \"read-only\" or \"read-write\"); keeping "
                          "the 1 users last loaded"),
      1u)
      << ::testing::PrintToString(warnings());

  // Deleted: the users stay, said once; back again: loaded.
  std::filesystem::remove(path_);
  for (int i = 0; i < 3; ++i) EXPECT_EQ((*a)->authenticate(basic("alice", password)), role::read_write);
  EXPECT_EQ(
      warnings_containing("cannot be read (No such file or directory): keeping the 1 users last loaded"), 1u);
  write(file_of({user_json("carol", "sha256", sha256_1000, "read-only", fast)}));
  EXPECT_EQ((*a)->authenticate(basic("carol", password)), role::read_only);
  EXPECT_EQ((*a)->authenticate(basic("alice", password)), std::nullopt);
}

TEST_F(auth_file_test, the_file_is_looked_at_no_more_often_than_the_interval) {
  const std::string fast = ", \"iterations\": 1000";
  write(file_of({user_json("alice", "sha256", sha256_1000, "read-write", fast)}));
  auto a = load_auth_file(path_, watching(std::chrono::hours(1)));
  ASSERT_TRUE(a) << a.error().message;
  write(file_of({user_json("bob", "sha256", sha256_1000, "read-write", fast)}));
  EXPECT_EQ((*a)->authenticate(basic("bob", password)), std::nullopt);
  EXPECT_EQ((*a)->authenticate(basic("alice", password)), role::read_write);
}

TEST_F(auth_file_test, readers_keep_answering_while_the_file_is_rewritten) {
  const std::string fast = ", \"iterations\": 1000";
  write(file_of({user_json("alice", "sha256", sha256_1000, "read-write", fast)}));
  auto a = load_auth_file(path_, watching());
  ASSERT_TRUE(a) << a.error().message;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, answers{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        if ((*a)->authenticate(basic("alice", password)) != role::read_write) ++failures;
        ++answers;
      }
    });
  }
  // alice is in every version, with another user coming and going: she must never be refused.
  for (int i = 0; i < 20; ++i) {
    std::vector<std::string> users{user_json("alice", "sha256", sha256_1000, "read-write", fast)};
    if (i % 2 == 0)
      users.push_back(user_json("u" + std::to_string(i), "sha256", sha256_1000, "read-only", fast));
    write(file_of(users));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(answers.load(), 0);
}

TEST_F(auth_file_test, a_made_entry_loads_and_verifies) {
  for (auto algorithm :
       {hash_algorithm::sha1, hash_algorithm::sha256, hash_algorithm::sha512, hash_algorithm::scrypt}) {
    password_hash_options o;
    o.algorithm = algorithm;
    o.iterations = 1000;
    auto entry = make_auth_file_entry("dave", "päss word:x", role::read_only, o);
    ASSERT_TRUE(entry) << entry.error().message;
    write("{\"users\": [" + *entry + "]}");
    auto a = load_auth_file(path_, watching());
    ASSERT_TRUE(a) << to_string(algorithm) << ": " << a.error().message << "\n" << *entry;
    EXPECT_EQ((*a)->authenticate(basic("dave", "päss word:x")), role::read_only) << *entry;
    EXPECT_EQ((*a)->authenticate(basic("dave", "päss word:y")), std::nullopt);
  }
  // Two entries for one password differ: the salt is fresh each time.
  const password_hash_options fast{hash_algorithm::sha256, 1000};
  EXPECT_NE(*make_auth_file_entry("dave", "pw", role::read_write, fast),
            *make_auth_file_entry("dave", "pw", role::read_write, fast));
  EXPECT_FALSE(make_auth_file_entry("a:b", "pw", role::read_write));
  EXPECT_FALSE(make_auth_file_entry("dave", "", role::read_write));
  EXPECT_FALSE(make_auth_file_entry("dave", "pw", role::read_write, {hash_algorithm::sha256, 10}));
}

TEST(single_user_authenticator, checks_user_and_password) {
  auto a = make_single_user_authenticator("admin:pa:ss");
  EXPECT_EQ(a->authenticate(basic("admin", "pa:ss")), role::read_write);
  EXPECT_EQ(a->authenticate("basic " + base64("admin:pa:ss")), role::read_write);
  EXPECT_EQ(a->authenticate(basic("admin", "pa:s")), std::nullopt);
  EXPECT_EQ(a->authenticate(basic("admi", "pa:ss")), std::nullopt);
  EXPECT_EQ(a->authenticate(basic("admin:p", "a:ss")), std::nullopt);
  EXPECT_EQ(a->authenticate("Bearer " + base64("admin:pa:ss")), std::nullopt);
  EXPECT_EQ(a->authenticate(""), std::nullopt);
  EXPECT_THROW(make_single_user_authenticator("no-colon"), std::invalid_argument);
  EXPECT_THROW(make_single_user_authenticator("admin:"), std::invalid_argument);
  EXPECT_THROW(make_single_user_authenticator(":pw"), std::invalid_argument);
}

TEST(roles, spellings) {
  EXPECT_EQ(parse_role("read-only"), role::read_only);
  EXPECT_EQ(parse_role("read-write"), role::read_write);
  EXPECT_EQ(parse_role("admin"), std::nullopt);
  EXPECT_STREQ(to_string(role::read_only), "read-only");
  EXPECT_EQ(parse_hash_algorithm("scrypt"), hash_algorithm::scrypt);
  EXPECT_EQ(parse_hash_algorithm("md5"), std::nullopt);
}

TEST(permits, the_read_only_role_reads_and_checks_but_never_writes) {
  struct row {
    const char* method;
    std::vector<std::string> path;
    bool read_only;
  };
  const std::vector<row> rows{
      {"GET", {"subjects"}, true},
      {"GET", {"subjects", "s", "versions", "1"}, true},
      {"GET", {"schemas", "ids", "1"}, true},
      {"GET", {"config"}, true},
      {"GET", {}, true},
      {"HEAD", {"subjects"}, true},
      {"OPTIONS", {"subjects"}, true},
      {"POST", {"subjects", "s"}, true},  // lookup
      {"POST", {"compatibility", "subjects", "s", "versions", "latest"}, true},
      {"POST", {"compatibility", "subjects", "s", "versions"}, true},
      {"POST", {"subjects", "s", "versions"}, false},  // register
      {"POST", {"subjects"}, false},
      {"POST", {}, false},
      {"POST", {"schemas"}, false},
      {"PUT", {"config"}, false},
      {"PUT", {"config", "s"}, false},
      {"PUT", {"mode"}, false},
      {"DELETE", {"subjects", "s"}, false},
      {"DELETE", {"subjects", "s", "versions", "1"}, false},
      {"DELETE", {"config", "s"}, false},
      {"PATCH", {"subjects", "s"}, false},
      {"get", {"subjects"}, false},  // methods are case-sensitive (RFC 9110)
  };
  for (const auto& r : rows) {
    std::string where = std::string(r.method) + " /";
    for (const auto& p : r.path) where += p + "/";
    EXPECT_EQ(permits(role::read_only, r.method, r.path), r.read_only) << where;
    EXPECT_TRUE(permits(role::read_write, r.method, r.path)) << where;
  }
}

}  // namespace
}  // namespace kavro::registry_server
