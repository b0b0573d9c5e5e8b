// Connection defaults and signal handling for the kavro command.
#include "common.hpp"

#include <csignal>
#include <cstdlib>
#include <unistd.h>

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

namespace {
extern "C" void on_stop_signal(int) {
  if (stop_requested.exchange(true)) _exit(130);  // second Ctrl-C: the user insists
}
}  // namespace

result<kafka::properties> parse_properties(const std::vector<std::string>& items) {
  kafka::properties out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return fail(errc::invalid_argument, "-X expects KEY=VALUE, got '" + item + "'");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace kavro::cli
