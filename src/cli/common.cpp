// Connection defaults, error reporting and signal handling for the kavro command.
#include "common.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "kavro/properties.hpp"

namespace kavro::cli {

std::atomic<bool> stop_requested{false};

std::string default_bootstrap() {
  const char* env = std::getenv("KAVRO_BOOTSTRAP");
  return env && *env ? env : "127.0.0.1:9092";
}

std::string default_registry() {
  const char* env = std::getenv("KAVRO_REGISTRY");
  return env && *env ? env : "http://127.0.0.1:8081";
}

void report_error(std::string_view command, std::string_view message) {
  std::cerr << "kavro" << (command.empty() ? "" : " ") << command << ": " << redact_url_credentials(message)
            << std::endl;
}

void fail_command(std::string_view command, std::string_view message, int code) {
  report_error(command, message);
  throw CLI::RuntimeError(code);
}

std::string command_path(const CLI::App& app) {
  std::string path;
  const CLI::App* cur = &app;
  for (;;) {
    const auto subs = cur->get_subcommands();  // those given on the command line
    if (subs.empty()) break;
    cur = subs.front();
    path += (path.empty() ? "" : " ") + cur->get_name();
  }
  return path;
}

namespace {

// The self-pipe a signal writes to, so a stop_on_signal thread can block in read() until one comes.
int signal_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int) {
  if (stop_requested.exchange(true)) _exit(exit_interrupted);  // second Ctrl-C: the user insists
  const int saved = errno;
  if (signal_pipe[1] >= 0 && ::write(signal_pipe[1], "s", 1) < 0) {
    // Nothing to do in a signal handler: the flag is set, polling loops still see it.
  }
  errno = saved;
}

}  // namespace

void install_stop_signals() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (::pipe2(signal_pipe, O_CLOEXEC) != 0) signal_pipe[0] = signal_pipe[1] = -1;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
  });
}

stop_on_signal::stop_on_signal(std::function<void()> on_stop) {
  install_stop_signals();
  thread_ = std::thread([on_stop = std::move(on_stop)] {
    char c = 0;
    for (;;) {
      const auto n = signal_pipe[0] >= 0 ? ::read(signal_pipe[0], &c, 1) : 0;
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    // 's': a signal; 'q': the destructor, the work ended by itself.
    if (c == 's' || stop_requested.load()) on_stop();
  });
}

stop_on_signal::~stop_on_signal() {
  // A one-byte write to a pipe only a signal or this writes to cannot block or fail short.
  if (signal_pipe[1] >= 0 && ::write(signal_pipe[1], "q", 1) < 0) {
  }
  thread_.join();
}

result<kafka::properties> parse_properties(const std::vector<std::string>& items) {
  auto entries = parse_property_items(items, "-X");
  if (!entries) return tl::unexpected(entries.error());
  kafka::properties out;
  for (auto& e : *entries) out[std::move(e.key)] = std::move(e.value);
  return out;
}

}  // namespace kavro::cli
