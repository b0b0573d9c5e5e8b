// What the kavro subcommands share: connection defaults, Ctrl-C handling, and output helpers.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <string>
#include <vector>

#include "kavro/kafka/config.hpp"
#include "kavro/result.hpp"

namespace kavro::cli {

// Defaults follow the assignment's docker-compose stack; KAVRO_BOOTSTRAP and KAVRO_REGISTRY override them.
std::string default_bootstrap();
std::string default_registry();

// Set by SIGINT/SIGTERM once install_stop_signals() ran; the second signal exits at once.
extern std::atomic<bool> stop_requested;
void install_stop_signals();

// The librdkafka properties of repeated `-X KEY=VALUE` options (a later KEY wins). A malformed item is
// an errc::invalid_argument naming it; librdkafka itself judges the key and value when the client is made.
result<kafka::properties> parse_properties(const std::vector<std::string>& items);

void add_demo(CLI::App& app);
void add_registry(CLI::App& app);
void add_produce(CLI::App& app);
void add_consume(CLI::App& app);
void add_dlq(CLI::App& app);
void add_avro(CLI::App& app);
void add_schema(CLI::App& app);

}  // namespace kavro::cli
