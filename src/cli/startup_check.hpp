// The bounded check a Kafka command makes before its work starts: the broker answers metadata with the
// command's connection settings, the registry answers a GET with its credentials. A failure ends the
// command with one line naming the address, the cause and the fix.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "client_options.hpp"

namespace kavro::cli {

// How much the command needs the registry: `required` fails the command when it does not answer;
// `optional` (dlq inspect only decodes through it) warns and goes on; `none` does not ask it.
enum class registry_need { required, optional, none };

// Checks Kafka (and the registry, as `need` says) within resolved.startup_timeout; a zero bound skips
// the check. Returns when all answered; else reports one line and ends the command (exit 1, or 130
// when Ctrl-C came during the check).
void check_startup(std::string_view command, const resolved_client_options& resolved, registry_need need);

// The one line for a failed Kafka probe (`outcome` a kafka::probe_outcome): the address tried, the cause,
// the fix.
std::string kafka_failure_line(const std::string& bootstrap, int outcome, const std::string& detail,
                               std::chrono::milliseconds bound);

}  // namespace kavro::cli
