// The kavro command as a child process in tests: arguments as given, stdout and stderr to files, stdin
// from a pipe the test writes to (or /dev/null), and an exit awaited within a bound that detects a hang.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace kavro::testing {

// The kavro binary under test: the one the build made, unless KAVRO_TEST_CLI names another (e.g. an older
// build, to see a test fail before a fix).
inline std::string cli_binary(const char* built) {
  const char* other = std::getenv("KAVRO_TEST_CLI");
  return other != nullptr && *other != '\0' ? other : built;
}

struct cli_exit {
  bool exited = false;  // false: still running at the bound (then killed) or killed by a signal
  int code = -1;        // the exit status when exited
  int signal = 0;       // the signal that ended it, if one did
};

class cli_process {
 public:
  // Starts `binary args...`; with_stdin: the test writes the child's stdin through write_stdin().
  cli_process(const std::string& binary, const std::vector<std::string>& args, bool with_stdin = false) {
    static std::mt19937_64 rng{std::random_device{}()};
    const auto base =
        std::filesystem::temp_directory_path() / ("kavro-cli-" + std::to_string(rng() % 1000000000));
    out_path_ = base.string() + ".out";
    err_path_ = base.string() + ".err";
    int in[2] = {-1, -1};
    if (with_stdin && pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    // A child that stops reading must make write_stdin() fail, not kill the test.
    if (with_stdin) ::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> argv_text{binary};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      const int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int null_in = open("/dev/null", O_RDONLY);
      dup2(with_stdin ? in[0] : null_in, 0);
      dup2(out, 1);
      dup2(err, 2);
      ::signal(SIGPIPE, SIG_DFL);  // an ignored signal stays ignored across exec
      if (with_stdin) {
        close(in[0]);
        close(in[1]);
      }
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    if (with_stdin) {
      close(in[0]);
      stdin_ = in[1];
    }
  }
  ~cli_process() {
    close_stdin();
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove(out_path_, ec);
    std::filesystem::remove(err_path_, ec);
  }
  cli_process(const cli_process&) = delete;
  cli_process& operator=(const cli_process&) = delete;

  pid_t pid() const { return pid_; }

  // Writes all of text to the child's stdin (blocks while the child does not read); false if it cannot.
  bool write_stdin(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(stdin_, text.data() + done, text.size() - done);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  void close_stdin() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
  }

  void signal(int sig) const { ::kill(pid_, sig); }

  // Whether it is still running (reaps it when it is not).
  bool running() {
    if (reaped_) return false;
    return !reap(WNOHANG);
  }

  // Waits for the exit up to `bound`; past it the child is killed and `exited` is false.
  cli_exit wait(std::chrono::milliseconds bound) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (!reaped_ && std::chrono::steady_clock::now() < until) {
      if (reap(WNOHANG)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      reap(0);
      result_.exited = false;
    }
    return result_;
  }

  std::string out() const { return slurp(out_path_); }
  std::string err() const { return slurp(err_path_); }

 private:
  bool reap(int flags) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, flags);
    if (r != pid_) return false;
    reaped_ = true;
    result_.exited = WIFEXITED(status);
    result_.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result_.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return true;
  }
  static std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  bool reaped_ = false;
  cli_exit result_;
  std::string out_path_, err_path_;
};

}  // namespace kavro::testing
