// What the kavro subcommands share: connection defaults, exit codes and the one way to report an
// error, Ctrl-C handling, and KEY=VALUE options.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "kavro/kafka/config.hpp"
#include "kavro/result.hpp"

namespace kavro::cli {

// Defaults follow the orders example's docker-compose stack; KAVRO_BOOTSTRAP and KAVRO_REGISTRY override
// them.
std::string default_bootstrap();
std::string default_registry();

// Every kavro command's exit status (docs/cli.md, "Exit codes"): scripts branch on these.
inline constexpr int exit_ok = 0;
// The command ran and its answer is "no": some records were not delivered or stored, a schema is
// incompatible, a service failed during the work.
inline constexpr int exit_failed = 1;
// The command could not start its work: a usage error, a bad option, file, schema or input.
inline constexpr int exit_error = 2;
// Stopped by SIGINT or SIGTERM before it finished (where finishing was the point: the demo).
inline constexpr int exit_interrupted = 130;

// The one error path of the CLI: prints "kavro <command>: <message>" on stderr (credentials in URLs
// redacted), e.g. report_error("avro encode", "line 2: ..."). `command` is the subcommand path.
void report_error(std::string_view command, std::string_view message);
// report_error, then ends the command with `code` (main() returns it).
[[noreturn]] void fail_command(std::string_view command, std::string_view message, int code = exit_error);
// The subcommand path of the command that ran (or was being parsed): "schema get", "produce".
std::string command_path(const CLI::App& app);

// Set by SIGINT/SIGTERM once install_stop_signals() ran; the second signal exits at once (130). Loops
// that read input check it between records.
extern std::atomic<bool> stop_requested;
void install_stop_signals();

// Calls `on_stop` (a library's stop(): the consumer's, the registry server's) once, on its own thread,
// when SIGINT or SIGTERM arrives, so the caller can block in run()/wait() instead of polling a flag.
// A signal that came before construction counts. Installs the handlers itself.
class stop_on_signal {
 public:
  explicit stop_on_signal(std::function<void()> on_stop);
  ~stop_on_signal();
  stop_on_signal(const stop_on_signal&) = delete;
  stop_on_signal& operator=(const stop_on_signal&) = delete;

 private:
  std::thread thread_;
};

// The librdkafka properties of repeated `-X KEY=VALUE` options (a later KEY wins), through the library's
// one KEY=VALUE parser (kavro/properties.hpp). A malformed item is an errc::invalid_argument naming it.
result<kafka::properties> parse_properties(const std::vector<std::string>& items);

void add_demo(CLI::App& app);
void add_registry(CLI::App& app);
void add_produce(CLI::App& app);
void add_consume(CLI::App& app);
void add_dlq(CLI::App& app);
void add_avro(CLI::App& app);
void add_schema(CLI::App& app);

}  // namespace kavro::cli
