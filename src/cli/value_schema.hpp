// `kavro produce` for any Avro schema: where the value schema comes from (a file, or the registry by
// subject, version or id), which subject and id it is written under, and how a JSON line becomes a key,
// a value, headers and a partition.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kavro/avro/json.hpp"
#include "kavro/avro/resolution.hpp"
#include "kavro/avro/schema.hpp"
#include "kavro/avro/value.hpp"
#include "kavro/kafka/header.hpp"
#include "kavro/registry/registry.hpp"
#include "kavro/result.hpp"

namespace kavro::cli {

struct value_schema_options {
  std::string schema_file;      // --value-schema FILE.avsc
  std::string subject;          // --value-subject: the schema is the registry's
  std::string version;          // --value-version N|latest (with --value-subject)
  std::int32_t schema_id = -1;  // --value-schema-id
  std::string json_encoding = "plain";
  std::string strategy = "topic";
  bool auto_register = true;
  bool use_latest_version = false;
  std::string key_field;  // the key is this field's value, as text
  bool parse_key = false;
  std::string key_separator = "\t";
  std::vector<std::string> headers;  // K=V
  std::int32_t partition = -1;
  // Set by add_value_schema_options: an option given on the command line wins over the -F files.
  CLI::Option* auto_register_option = nullptr;
  CLI::Option* use_latest_option = nullptr;
  CLI::Option* strategy_option = nullptr;

  // Takes one of Confluent's serializer settings from a -F file (auto.register.schemas,
  // use.latest.version, value.subject.name.strategy); false for one kavro produce does not implement.
  result<bool> apply_serializer_property(const std::string& key, const std::string& value);

  // Whether any option asks for a schema other than the Order.
  bool generic() const { return !schema_file.empty() || !subject.empty() || schema_id >= 0; }
};

// Adds the options above to `produce`.
void add_value_schema_options(CLI::App& cmd, value_schema_options& o);

// One input line made ready to send.
struct input_record {
  avro::value value;
  std::string key;
};

// The schema a produce run writes with, the subject and (when already known) the id, and the parsing of
// its input lines. make() does the registry work a Confluent serializer does at its first record:
// auto.register.schemas registers lazily (through the sender), the other modes resolve the id now.
class value_input {
 public:
  // The Order, keyed by order_id unless the options say otherwise, under `subject`: produce's default.
  static result<value_input> make_orders(const value_schema_options& o, const std::string& topic,
                                         const std::string& subject);
  // Errors name the option and the file or subject; errc::unavailable when the registry is unreachable.
  static result<value_input> make(const value_schema_options& o, const std::string& topic,
                                  const std::string& subject, registry::schema_registry& registry);

  // Parses one input line (for the key: the text before the separator with --parse-key, or the
  // --key-field value). Errors are errc::invalid_data naming what is wrong.
  result<input_record> parse(std::string_view line) const;

  const avro::schema& schema() const { return write_schema_; }
  const std::string& subject() const { return subject_; }
  std::optional<std::int32_t> schema_id() const { return schema_id_; }
  const std::vector<kafka::header>& headers() const { return headers_; }
  std::int32_t partition() const { return partition_; }

 private:
  value_input(avro::schema s) : input_schema_(s), write_schema_(std::move(s)) {}
  // The options about lines, keys, headers and partition.
  result<void> apply_line_options(const value_schema_options& o);
  avro::schema input_schema_;              // what the lines are parsed with
  avro::schema write_schema_;              // what is written (use.latest.version: the subject's latest)
  std::optional<avro::resolver> convert_;  // input -> write schema, when they differ
  std::string subject_;
  std::optional<std::int32_t> schema_id_;
  avro::json_style style_ = avro::json_style::plain;
  std::string key_field_;
  std::optional<std::size_t> key_index_;
  bool parse_key_ = false;
  std::string key_separator_;
  std::vector<kafka::header> headers_;
  std::int32_t partition_ = -1;
};

}  // namespace kavro::cli
