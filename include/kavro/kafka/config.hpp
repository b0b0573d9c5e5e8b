// librdkafka properties as kavro passes them, and the keys kavro sets itself.
#pragma once

#include <map>
#include <string>

namespace kavro::kafka {

// Any librdkafka property (see librdkafka's CONFIGURATION.md); user-supplied ones override kavro's.
using properties = std::map<std::string, std::string>;

namespace keys {
inline constexpr const char* bootstrap_servers = "bootstrap.servers";
// Resends of a failed produce request before the message is reported failed (the orders example's "retries =
// 3").
inline constexpr const char* retries = "retries";
inline constexpr const char* retry_backoff_ms = "retry.backoff.ms";
// Upper bound on the time a message may spend queued, in flight and retried before it fails.
inline constexpr const char* delivery_timeout_ms = "delivery.timeout.ms";
inline constexpr const char* enable_idempotence = "enable.idempotence";
inline constexpr const char* acks = "acks";
inline constexpr const char* group_id = "group.id";
inline constexpr const char* auto_offset_reset = "auto.offset.reset";
// kavro stores an offset only after its message was handled or dead-lettered.
inline constexpr const char* enable_auto_offset_store = "enable.auto.offset.store";
}  // namespace keys

}  // namespace kavro::kafka
