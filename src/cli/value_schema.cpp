// Any Avro schema for `kavro produce`: the schema's source, its subject and id by Confluent's serializer
// rules (registry::schema_for), and JSON lines turned into keys and values.
#include "value_schema.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include "kavro/orders/order.hpp"
#include "kavro/registry/client.hpp"
#include "kavro/registry/subject_name.hpp"

namespace kavro::cli {

namespace {

result<std::string> read_text_file(const std::string& path, const char* option) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(errc::invalid_argument, std::string(option) + ": cannot open '" + path + "'");
  std::ostringstream text;
  text << f.rdbuf();
  return text.str();
}

result<avro::schema> parse_schema(const std::string& text, const std::string& where) {
  auto s = avro::schema::parse(text);
  if (!s) return fail(errc::invalid_schema, where + ": " + s.error().message);
  return s;
}

std::string with_context(const std::string& context, const error& e) {
  return context + ": " + e.message;
}

}  // namespace

void add_value_schema_options(CLI::App& cmd, value_schema_options& o) {
  auto* file = cmd.add_option("--value-schema", o.schema_file,
                              "Avro schema file (.avsc) of the values (default: the Order); input lines are "
                              "records of it")
                   ->check(CLI::ExistingFile);
  auto* subject = cmd.add_option("--value-subject", o.subject,
                                 "Take the value schema from the registry: this subject's --value-version");
  auto* version =
      cmd.add_option("--value-version", o.version, "Version of --value-subject: a number or latest (default)")
          ->needs(subject);
  auto* id = cmd.add_option("--value-schema-id", o.schema_id,
                            "Write with the registry's schema of this id (Confluent's use.schema.id)")
                 ->check(CLI::NonNegativeNumber);
  file->excludes(subject)->excludes(id);
  subject->excludes(id);
  (void)version;
  cmd.add_option(
         "--json-encoding", o.json_encoding,
         "Input lines in plain JSON (a union as a bare value) or Avro's JSON encoding ({\"type\": value})")
      ->capture_default_str()
      ->check(CLI::IsMember({"plain", "avro"}));
  o.strategy_option =
      cmd.add_option("--subject-name-strategy", o.strategy,
                     "Value subject: topic (<topic>-value), record (<record name>) or topic-record "
                     "(<topic>-<record name>); --subject overrides it")
          ->capture_default_str()
          ->check(CLI::IsMember({"topic", "record", "topic-record"}));
  o.auto_register_option =
      cmd.add_option(
             "--auto-register", o.auto_register,
             "auto.register.schemas: register the --value-schema under its subject (false: it must be "
             "registered already)")
          ->capture_default_str();
  o.use_latest_option = cmd.add_flag(
      "--use-latest-version", o.use_latest_version,
      "use.latest.version (needs --auto-register false): write with the subject's latest schema, "
      "converting each record read with --value-schema to it");
  auto* key_field = cmd.add_option("--key-field", o.key_field,
                                   "The message key is this field's value, as text (default for the Order: "
                                   "order_id; else no key)");
  auto* parse_key = cmd.add_flag("--parse-key", o.parse_key,
                                 "Each line is KEY<separator>VALUE, the key sent as its text (as "
                                 "kafka-avro-console-producer's parse.key)");
  key_field->excludes(parse_key);
  cmd.add_option("--key-separator", o.key_separator, "Separator of --parse-key (default: a tab)")
      ->needs(parse_key);
  cmd.add_option("-H,--header", o.headers, "Record header NAME=VALUE (repeatable)");
  cmd.add_option("--partition", o.partition, "Send every record to this partition (default: by key)")
      ->check(CLI::NonNegativeNumber);
}

namespace {

result<bool> parse_bool_property(const std::string& value) {
  std::string v;
  for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true") return true;
  if (v == "false") return false;
  return fail(errc::invalid_argument, "expects true or false");
}

}  // namespace

result<bool> value_schema_options::apply_serializer_property(const std::string& key,
                                                             const std::string& value) {
  const bool given = [&] {
    if (key == "auto.register.schemas") return auto_register_option && auto_register_option->count() > 0;
    if (key == "use.latest.version") return use_latest_option && use_latest_option->count() > 0;
    return strategy_option && strategy_option->count() > 0;
  }();
  if (key == "auto.register.schemas" || key == "use.latest.version") {
    auto b = parse_bool_property(value);
    if (!b) return tl::unexpected(b.error());
    if (!given) (key == "auto.register.schemas" ? auto_register : use_latest_version) = *b;
    return true;
  }
  if (key == "value.subject.name.strategy") {
    // Java clients name the strategy by its class; the short class name is accepted too.
    const std::string name = value.substr(value.rfind('.') + 1);
    std::string chosen = name == "TopicNameStrategy"         ? "topic"
                         : name == "RecordNameStrategy"      ? "record"
                         : name == "TopicRecordNameStrategy" ? "topic-record"
                                                             : "";
    if (chosen.empty()) {
      return fail(errc::invalid_argument,
                  "expects TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy "
                  "(io.confluent.kafka.serializers.subject.*)");
    }
    if (!given) strategy = chosen;
    return true;
  }
  return false;
}

result<value_input> value_input::make_orders(const value_schema_options& o, const std::string& topic,
                                             const std::string& subject) {
  value_input in(orders::order_schema());
  in.subject_ = subject.empty() ? topic + "-value" : subject;
  if (auto ok = in.apply_line_options(o); !ok) return tl::unexpected(ok.error());
  if (!o.parse_key && o.key_field.empty()) {
    in.key_field_ = "order_id";
    in.key_index_ = 0;
  }
  return in;
}

result<value_input> value_input::make(const value_schema_options& o, const std::string& topic,
                                      const std::string& subject, registry::schema_registry& registry) {
  if (o.use_latest_version && o.auto_register) {
    // Confluent's serializer ignores use.latest.version while auto.register.schemas is on; saying so
    // beats writing with a schema the user did not expect.
    return fail(errc::invalid_argument, "--use-latest-version needs --auto-register false");
  }
  std::optional<avro::schema> schema;
  std::optional<std::int32_t> id;
  std::string chosen_subject = subject;
  if (!o.schema_file.empty()) {
    auto text = read_text_file(o.schema_file, "--value-schema");
    if (!text) return tl::unexpected(text.error());
    auto s = parse_schema(*text, "--value-schema " + o.schema_file);
    if (!s) return tl::unexpected(s.error());
    schema = *s;
  } else if (!o.subject.empty()) {
    registry::registered_schema got;
    const std::string version = o.version.empty() ? "latest" : o.version;
    if (version == "latest") {
      auto r = registry.latest_version(o.subject);
      if (!r)
        return tl::unexpected(error{r.error().code, with_context("subject '" + o.subject + "'", r.error())});
      got = *r;
    } else {
      auto* http = dynamic_cast<registry::client*>(&registry);
      if (http == nullptr) return fail(errc::invalid_argument, "--value-version needs an HTTP registry");
      auto r = http->get_version(o.subject, version);
      if (!r) {
        return tl::unexpected(
            error{r.error().code, with_context("subject '" + o.subject + "' version " + version, r.error())});
      }
      got = *r;
    }
    auto s = parse_schema(got.schema, "subject '" + o.subject + "' version " + std::to_string(got.version));
    if (!s) return tl::unexpected(s.error());
    schema = *s;
    id = got.id;
    if (chosen_subject.empty()) chosen_subject = o.subject;
  } else if (o.schema_id >= 0) {
    auto text = registry.schema_by_id(o.schema_id);
    if (!text) {
      return tl::unexpected(
          error{text.error().code, with_context("schema id " + std::to_string(o.schema_id), text.error())});
    }
    auto s = parse_schema(*text, "schema id " + std::to_string(o.schema_id));
    if (!s) return tl::unexpected(s.error());
    schema = *s;
    id = o.schema_id;
  } else {
    return fail(errc::invalid_argument, "no value schema given");
  }

  value_input in(*schema);
  if (chosen_subject.empty()) {
    auto strategy = registry::parse_subject_name_strategy(o.strategy == "topic"    ? "topic_name"
                                                          : o.strategy == "record" ? "record_name"
                                                                                   : "topic_record_name");
    if (!strategy) return tl::unexpected(strategy.error());
    const std::string record = schema->kind() == avro::type::record ? schema->full_name() : "";
    auto named = registry::subject_name(*strategy, topic, false, record);
    if (!named) return tl::unexpected(named.error());
    chosen_subject = *named;
  }
  in.subject_ = chosen_subject;

  if (!id && !o.auto_register) {
    // The id is fixed now, as Confluent's serializer fixes it at its first record: the subject's latest
    // schema (use.latest.version) or this schema looked up under the subject.
    registry::serializer_policy policy{false, o.use_latest_version};
    auto got = registry::schema_for(registry, policy, chosen_subject, schema->text());
    if (!got) {
      return tl::unexpected(
          error{got.error().code, with_context("subject '" + chosen_subject + "'", got.error())});
    }
    id = got->id;
    if (o.use_latest_version) {
      auto latest = parse_schema(got->schema, "subject '" + chosen_subject + "' latest version");
      if (!latest) return tl::unexpected(latest.error());
      auto conv = avro::resolve(*schema, *latest);
      if (!conv) {
        return fail(errc::invalid_schema, "records of --value-schema cannot be written with subject '" +
                                              chosen_subject + "''s latest schema: " + conv.error().message);
      }
      in.write_schema_ = *latest;
      in.convert_ = *conv;
    }
  }
  in.schema_id_ = id;
  if (auto ok = in.apply_line_options(o); !ok) return tl::unexpected(ok.error());
  return in;
}

result<void> value_input::apply_line_options(const value_schema_options& o) {
  style_ = o.json_encoding == "avro" ? avro::json_style::avro : avro::json_style::plain;
  parse_key_ = o.parse_key;
  key_separator_ = o.key_separator;
  if (o.parse_key && o.key_separator.empty()) return fail(errc::invalid_argument, "--key-separator is empty");
  if (!o.key_field.empty()) {
    if (input_schema_.kind() != avro::type::record) {
      return fail(errc::invalid_argument, "--key-field needs a record schema");
    }
    const auto& fields = input_schema_.fields();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name == o.key_field) key_index_ = i;
    }
    if (!key_index_) {
      return fail(errc::invalid_argument, "--key-field '" + o.key_field + "': the schema " +
                                              input_schema_.full_name() + " has no such field");
    }
    key_field_ = o.key_field;
  }
  for (const auto& h : o.headers) {
    const auto eq = h.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(errc::invalid_argument, "--header '" + h + "': expected NAME=VALUE");
    }
    headers_.push_back({h.substr(0, eq), h.substr(eq + 1)});
  }
  partition_ = o.partition;
  return {};
}

result<input_record> value_input::parse(std::string_view line) const {
  input_record rec;
  if (parse_key_) {
    const auto at = line.find(key_separator_);
    if (at == std::string_view::npos) {
      return fail(errc::invalid_data, "--parse-key: no key separator in the line");
    }
    rec.key = std::string(line.substr(0, at));
    line.remove_prefix(at + key_separator_.size());
  }
  auto v = avro::value_from_json_text(input_schema_, line, style_);
  if (!v) return tl::unexpected(v.error());
  if (key_index_) {
    const auto& f = input_schema_.fields()[*key_index_];
    const auto j = avro::to_json(f.type, v->fields()[*key_index_]);
    rec.key = j.is_string() ? j.get<std::string>() : j.dump();
  }
  if (convert_) {
    auto c = convert_->convert(*v);
    if (!c) return tl::unexpected(c.error());
    rec.value = std::move(*c);
  } else {
    rec.value = std::move(*v);
  }
  return rec;
}

}  // namespace kavro::cli
