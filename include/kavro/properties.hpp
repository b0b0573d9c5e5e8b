// Java `.properties` files (the format of Kafka's and Confluent's client configuration files), read
// as java.util.Properties#load reads them, and the rules for keeping their secrets out of output.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kavro/result.hpp"

namespace kavro {

struct property {
  std::string key;
  std::string value;
  std::string origin;  // "file:line" of the line the entry starts on, for error messages
};

// Bounds checked before anything is kept: a configuration file is small, so anything big is a mistake
// (a binary or a log file given by accident) and is refused rather than read.
struct properties_limits {
  std::size_t max_file_bytes = 1024 * 1024;
  std::size_t max_line_bytes = 64 * 1024;  // one logical line, continuations included
  std::size_t max_entries = 10000;
};

// Parses `text` by java.util.Properties#load's rules: `key=value`, `key:value` and `key value`;
// `#` and `!` comment lines; a line ending in an odd number of backslashes continues on the next (whose
// leading blanks are dropped); escapes `\t \n \r \f \uXXXX` and `\c` for any other c. Entries keep
// their order and duplicates (the later one wins when applied in order). One deliberate difference:
// bytes are taken as UTF-8 rather than ISO-8859-1, and `\uXXXX` (surrogate pairs too) becomes UTF-8.
// Errors name `source:line`.
result<std::vector<property>> parse_properties(std::string_view text, const std::string& source,
                                               const properties_limits& limits = {});

// Reads and parses a file, refusing one larger than limits.max_file_bytes before reading it.
result<std::vector<property>> load_properties(const std::string& path, const properties_limits& limits = {});

// Command-line `KEY=VALUE` items (kcat's `-X`, the registry's `--kafka-property`): split at the first
// '=', the value taken as it is (no escapes: a shell already quoted it). `option` names the flag in
// errors ("-X expects KEY=VALUE, got 'x'") and in each entry's origin. Entries keep their order.
result<std::vector<property>> parse_property_items(const std::vector<std::string>& items,
                                                   std::string_view option);

// Whether a key's value is a secret (passwords, user info, tokens, JAAS lines, private keys), by the
// names Kafka, librdkafka and Confluent use. Errs on the side of secret.
bool is_secret_key(std::string_view key);

// `key=value`, with the value replaced by `[redacted]` when the key is secret: the only way kavro
// prints a property.
std::string redacted(std::string_view key, std::string_view value);

// `text` with the user info of every URL in it (`scheme://user:password@host`) replaced by
// `[redacted]`, for messages that quote a URL.
std::string redact_url_credentials(std::string_view text);

}  // namespace kavro
