// Registry compatibility levels on top of the avro module's resolution rules
// (kavro/avro/resolution.hpp), reported in Confluent's verbose message format:
//   {errorType:'…', description:'…', additionalInfo:'…'}, {oldSchemaVersion: N}, {oldSchema: '…'},
//   {validateFields: 'false', compatibility: 'BACKWARD'}
#include "compatibility.hpp"

#include "jsonschema_schema.hpp"
#include "kavro/avro/resolution.hpp"
#include "kavro/avro/schema.hpp"
#include "protobuf_schema.hpp"

namespace kavro::registry_server {
namespace {

// Confluent's description for each kind; `reader` and `writer` are "new" or "old".
std::string describe(const avro::compatibility_finding& f, const char* reader, const char* writer) {
  const std::string r = reader, w = writer;
  switch (f.kind) {
    case avro::incompatibility::reader_field_missing_default_value:
      return "The field '" + f.detail + "' at path '" + f.path + "' in the " + r +
             " schema has no default value and is missing in the " + w + " schema";
    case avro::incompatibility::type_mismatch:
      return "The type (path '" + f.path + "') of a field in the " + r + " schema does not match with the " +
             w + " schema";
    case avro::incompatibility::name_mismatch:
      return "The name of the schema has changed (path '" + f.path + "')";
    case avro::incompatibility::fixed_size_mismatch:
      return "The size of FIXED type field at path '" + f.path + "' in the " + r +
             " schema does not match with the " + w + " schema";
    case avro::incompatibility::missing_enum_symbols:
      return "The " + r + " schema is missing enum symbols '" + f.detail + "' at path '" + f.path +
             "' in the " + w + " schema";
    case avro::incompatibility::missing_union_branch:
      return "The " + r + " schema is missing a type inside a union field at path '" + f.path + "' in the " +
             w + " schema";
    case avro::incompatibility::reader_field_matches_several_writer_fields:
      return f.detail;
  }
  return f.message;
}

// Checks that `reader` reads `writer`, appending Confluent-style messages for each finding.
bool check_pair(const avro::schema& reader, const avro::schema& writer, bool reader_is_new,
                const avro::compatibility_options& options, std::vector<std::string>& messages) {
  const auto result = avro::check_can_read(reader, writer, options);
  for (const auto& f : result.findings) {
    if (f.kind == avro::incompatibility::reader_field_matches_several_writer_fields) {
      // Avro Java throws here, and Confluent's whole answer for the pair is the exception's text.
      messages.push_back("Unexpected exception during compatibility check: " + f.detail);
      return false;
    }
  }
  for (const auto& f : result.findings) {
    std::string m = "{errorType:'";
    m += avro::to_string(f.kind);
    m += "', description:'";
    m += describe(f, reader_is_new ? "new" : "old", reader_is_new ? "old" : "new");
    m += "', additionalInfo:'";
    m += f.detail.empty() ? f.message : f.detail;
    m += "'}";
    messages.push_back(std::move(m));
  }
  return result.compatible();
}

}  // namespace

compatibility_result check_compatibility(compatibility_level level, const std::string& candidate_resolved,
                                         const std::vector<existing_version>& existing,
                                         const compatibility_settings& settings) {
  avro::compatibility_options options;
  options.decimal_precision_and_scale = settings.decimal_precision_and_scale;
  if (is_protobuf_resolved(candidate_resolved))
    return check_protobuf_compatibility(level, candidate_resolved, existing);
  if (is_json_resolved(candidate_resolved))
    return check_json_compatibility(level, candidate_resolved, existing);
  compatibility_result out;
  if (level == compatibility_level::none || existing.empty()) return out;
  auto candidate = avro::schema::parse(candidate_resolved);
  if (!candidate) {
    out.compatible = false;
    out.messages.push_back("{errorType:'SCHEMA_PARSE_ERROR', description:'" + candidate.error().message +
                           "'}");
    return out;
  }
  const bool transitive = level == compatibility_level::backward_transitive ||
                          level == compatibility_level::forward_transitive ||
                          level == compatibility_level::full_transitive;
  const bool backward =
      level != compatibility_level::forward && level != compatibility_level::forward_transitive;
  const bool forward =
      level != compatibility_level::backward && level != compatibility_level::backward_transitive;
  // Newest first, as Confluent reports.
  for (auto it = existing.rbegin(); it != existing.rend(); ++it) {
    std::vector<std::string> messages;
    bool ok = true;
    if (is_json_resolved(it->resolved) || is_protobuf_resolved(it->resolved)) {
      // AvroSchema.isBackwardCompatible's answer for another type, once per direction checked.
      if (backward) messages.push_back("Incompatible because of different schema type");
      if (forward) messages.push_back("Incompatible because of different schema type");
      out.compatible = false;
      out.messages.insert(out.messages.end(), messages.begin(), messages.end());
      out.messages.push_back("{oldSchemaVersion: " + std::to_string(it->version.value) + "}");
      out.messages.push_back("{oldSchema: '" + it->text + "'}");
      if (!transitive) break;
      continue;
    }
    auto old = avro::schema::parse(it->resolved);
    if (!old) continue;  // a stored schema this parser rejects cannot be checked against
    if (backward) ok = check_pair(*candidate, *old, true, options, messages) && ok;
    if (forward) ok = check_pair(*old, *candidate, false, options, messages) && ok;
    if (!ok) {
      out.compatible = false;
      out.messages.insert(out.messages.end(), messages.begin(), messages.end());
      out.messages.push_back("{oldSchemaVersion: " + std::to_string(it->version.value) + "}");
      out.messages.push_back("{oldSchema: '" + it->text + "'}");
    }
    if (!transitive) break;
  }
  if (!out.compatible) {
    out.messages.push_back(std::string("{validateFields: 'false', compatibility: '") + to_string(level) +
                           "'}");
  }
  return out;
}

}  // namespace kavro::registry_server
