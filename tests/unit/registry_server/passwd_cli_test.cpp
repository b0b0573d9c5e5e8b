// `kavro registry passwd` run as a user runs it: the password on stdin, the entry on stdout, which then
// loads as an auth file and verifies; and `registry serve`'s refusals of conflicting auth settings.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "kavro/registry_server/auth.hpp"

namespace kavro::registry_server {
namespace {

namespace fs = std::filesystem;

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class passwd_cli_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "kavro-passwd-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the CLI through the shell with `input` on stdin (a file, so stdin is not a terminal).
  run_result run(const std::string& args, const std::string& input, const std::string& env = "") {
    {
      std::ofstream in(dir_ / "stdin");
      in << input;
    }
    const std::string command = env + " '" KAVRO_CLI "' " + args + " <'" + (dir_ / "stdin").string() +
                                "' >'" + (dir_ / "stdout").string() + "' 2>'" + (dir_ / "stderr").string() +
                                "'";
    const int status = std::system(command.c_str());
    run_result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(dir_ / "stdout");
    r.err = slurp(dir_ / "stderr");
    return r;
  }

  // Starts `registry serve` in the background and stops it once its "listening on" line is out (or after
  // 60 s): a fixed sleep would kill a slow, sanitized build on a loaded machine before it said anything.
  run_result serve_until_listening(const std::string& args, const std::string& env = "") {
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    fs::remove(out);
    fs::remove(err);
    // `exec` makes the forked child the server's own `timeout`, so waitpid reaps exactly it.
    const std::string command = env + " exec timeout -s TERM 60 '" KAVRO_CLI "' " + args + " </dev/null >'" +
                                out.string() + "' 2>'" + err.string() + "'";
    run_result r;
    const pid_t pid = ::fork();
    if (pid < 0) return r;
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 600 && slurp(out).find("listening on") == std::string::npos; ++i) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      ::usleep(100'000);
    }
    if (!exited) {
      ::kill(pid, SIGTERM);  // timeout passes it on to the server
      ::waitpid(pid, &status, 0);
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  fs::path dir_;
};

std::string basic(const std::string& user_password) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : user_password) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += table[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += table[(buffer << (6 - bits)) & 63];
  while (out.size() % 4) out += '=';
  return "Basic " + out;
}

TEST_F(passwd_cli_test, the_printed_entry_loads_and_verifies) {
  const auto r = run("registry passwd ci-bot --role read-only --iterations 1000", "correct horse:battery\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"iterations\": 1000"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("Add this entry to the \"users\" array"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("correct horse"), std::string::npos) << "the password itself is never printed";
  const auto file = dir_ / "users.json";
  {
    std::ofstream out(file);
    out << "{\"users\": [\n" << r.out << "]}\n";
  }
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  auto a = load_auth_file(file.string());
  ASSERT_TRUE(a) << a.error().message << "\n" << r.out;
  EXPECT_EQ((*a)->authenticate(basic("ci-bot:correct horse:battery")), role::read_only);
  EXPECT_EQ((*a)->authenticate(basic("ci-bot:correct horse")), std::nullopt);
}

TEST_F(passwd_cli_test, the_default_is_a_read_write_pbkdf2_sha256_entry_and_scrypt_is_offered) {
  const auto r = run("registry passwd alice", "pw\r\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"algorithm\": \"sha256\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"iterations\": 600000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"role\": \"read-write\""), std::string::npos) << r.out;
  const auto s = run("registry passwd alice --algorithm scrypt", "pw\n");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("\"algorithm\": \"scrypt\""), std::string::npos) << s.out;
  EXPECT_EQ(s.out.find("iterations"), std::string::npos) << s.out;
}

TEST_F(passwd_cli_test, bad_input_is_refused_with_the_reason) {
  auto r = run("registry passwd alice", "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("registry passwd: no password on stdin"), std::string::npos) << r.err;
  r = run("registry passwd alice", "\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("registry passwd: the password is empty"), std::string::npos) << r.err;
  r = run("registry passwd a:b", "pw\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("registry passwd: the user name contains ':'"), std::string::npos) << r.err;
  r = run("registry passwd alice --algorithm scrypt --iterations 5000", "pw\n");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("applies to sha1, sha256 and sha512"), std::string::npos) << r.err;
  r = run("registry passwd alice --role admin", "pw\n");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(passwd_cli_test, serve_refuses_auth_and_auth_file_together_even_from_the_environment) {
  const auto file = dir_ / "users.json";
  std::ofstream(file) << "{}";
  auto r = run("registry serve --port 0 --auth a:b --auth-file '" + file.string() + "'", "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("give one: --auth (or KAVRO_REGISTRY_AUTH) or --auth-file, not both"),
            std::string::npos)
      << r.err;
  r = run("registry serve --port 0 --auth-file '" + file.string() + "'", "", "KAVRO_REGISTRY_AUTH=a:b");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not both"), std::string::npos) << r.err;
  r = run("registry serve --port 0 --auth nocolon", "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("expected USER:PASSWORD, neither empty"), std::string::npos) << r.err;
  r = run("registry serve --port 0", "", "KAVRO_REGISTRY_AUTH=admin:");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("expected USER:PASSWORD, neither empty"), std::string::npos) << r.err;
}

TEST_F(passwd_cli_test, serve_warns_when_it_listens_beyond_loopback_without_auth) {
  // The warning comes before the server listens; stopping it once it says so loses nothing checked.
  auto r = serve_until_listening("registry serve --host 0.0.0.0 --port 0");
  EXPECT_NE(r.out.find("listening on"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("kavro registry: warning: listening on 0.0.0.0 without authentication"),
            std::string::npos)
      << r.err;
  r = serve_until_listening("registry serve --host 127.0.0.1 --port 0");
  EXPECT_NE(r.out.find("listening on"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(r.err.find("without authentication"), std::string::npos) << r.err;
  r = serve_until_listening("registry serve --host 0.0.0.0 --port 0", "KAVRO_REGISTRY_AUTH=a:b");
  EXPECT_NE(r.out.find("listening on"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(r.err.find("without authentication"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace kavro::registry_server
