// Request parsing, decisions and response shaping for each endpoint, following Confluent's JSON
// field names and order, status codes and texts. Reads take the state's shared lock; writes are
// serialised, decide under the shared lock, then append records to the storage.
#include "handlers.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "compatibility.hpp"
#include "kavro/json.hpp"
#include "schema_text.hpp"

namespace kavro::registry_server {
namespace {

using json = nlohmann::ordered_json;

response ok(const json& body) {
  return {200, body.dump()};
}

template <class T>
response fail_with(const api_result<T>& r) {
  return error_response(r.error());
}

std::optional<std::string> param(const query_params& q, const std::string& name) {
  auto it = q.find(name);
  if (it == q.end()) return std::nullopt;
  return it->second;
}

// Confluent's boolean query parameters: "true" in any case is true, anything else false.
bool flag(const query_params& q, const std::string& name) {
  auto v = param(q, name);
  if (!v) return false;
  std::string lower;
  for (char c : *v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true";
}

api_result<json> parse_json_object(const std::string& body) {
  // Bounded (nesting over 512 is a 400 before it is built); a repeated key: the later wins, as with
  // Jackson's defaults in Confluent's REST layer.
  auto parsed = safe_json::parse_ordered(
      body, safe_json::parse_options{.max_depth = safe_json::default_max_depth,
                                     .duplicates = safe_json::duplicate_keys::last_wins});
  if (!parsed) {
    // Confluent (rest-utils) answers unparsable JSON with 400 and the parser's own message.
    return tl::unexpected(make_error(error_code::bad_request, parsed.error().message()));
  }
  json request = std::move(*parsed);
  if (!request.is_object()) {
    return tl::unexpected(make_error(error_code::unprocessable_entity, "Request body must be a JSON object"));
  }
  return request;
}

api_error wrong_type(const std::string& field, const char* expected) {
  return make_error(error_code::unprocessable_entity, "Field '" + field + "' must be " + expected);
}

// The body of a POST that carries a schema: {"schema":"...","schemaType":"AVRO","references":[...],
// "id":N,"version":N} (id and version only mean something in IMPORT mode).
struct schema_request {
  stored_schema schema;
  std::optional<std::int32_t> id;
  std::optional<std::int32_t> version;
};

api_result<schema_request> parse_schema_request(const std::string& body) {
  auto parsed = parse_json_object(body);
  if (!parsed) return tl::unexpected(parsed.error());
  const json& request = *parsed;
  schema_request out;
  out.schema.schema_type.clear();
  if (auto it = request.find("schemaType"); it != request.end() && !it->is_null()) {
    if (!it->is_string()) return tl::unexpected(wrong_type("schemaType", "a string"));
    out.schema.schema_type = it->get<std::string>();
  }
  if (auto it = request.find("references"); it != request.end() && !it->is_null()) {
    if (!it->is_array()) return tl::unexpected(wrong_type("references", "an array"));
    for (const auto& ref : *it) {
      if (!ref.is_object() || !ref.contains("name") || !ref["name"].is_string() || !ref.contains("subject") ||
          !ref["subject"].is_string() || !ref.contains("version") || !ref["version"].is_number_integer()) {
        return tl::unexpected(wrong_type("references", "an array of {name, subject, version}"));
      }
      out.schema.references.push_back({ref["name"].get<std::string>(), ref["subject"].get<std::string>(),
                                       ref["version"].get<std::int32_t>()});
    }
  }
  for (const char* name : {"id", "version"}) {
    if (auto it = request.find(name); it != request.end() && !it->is_null()) {
      if (!it->is_number_integer()) return tl::unexpected(wrong_type(name, "an integer"));
      (std::string_view(name) == "id" ? out.id : out.version) = it->get<std::int32_t>();
    }
  }
  auto schema = request.find("schema");
  if (schema != request.end() && !schema->is_null()) {
    if (!schema->is_string()) return tl::unexpected(wrong_type("schema", "a string"));
    out.schema.text = schema->get<std::string>();
  }
  return out;
}

// Confluent's VersionId: "latest" or -1 is the latest version, 1..2^31-1 a version, else 42202.
api_result<std::optional<schema_version>> parse_version(const std::string& text) {
  if (text == "latest") return std::optional<schema_version>{};
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) {
    return tl::unexpected(make_error(error_code::invalid_version, text));
  }
  if (value == -1) return std::optional<schema_version>{};
  if (value < 1 || value > std::numeric_limits<std::int32_t>::max()) {
    return tl::unexpected(make_error(error_code::invalid_version, text));
  }
  return std::optional<schema_version>{schema_version{static_cast<std::int32_t>(value)}};
}

// A path id that is not an integer does not match Confluent's route: Jersey answers 404.
api_result<schema_id> parse_id(const std::string& text) {
  std::int32_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty())
    return tl::unexpected(make_error(error_code::not_found));
  return schema_id{value};
}

json references_json(const std::vector<schema_reference>& refs) {
  json out = json::array();
  for (const auto& r : refs)
    out.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  return out;
}

json schema_json(const std::string& subject, const version_entry& v, const schema_entry& s) {
  json body;
  body["subject"] = subject;
  body["version"] = v.version.value;
  body["id"] = v.id.value;
  // Confluent leaves schemaType and references out for AVRO and none.
  if (s.schema.schema_type != "AVRO") body["schemaType"] = s.schema.schema_type;
  if (!s.schema.references.empty()) body["references"] = references_json(s.schema.references);
  body["schema"] = s.schema.text;
  return body;
}

compatibility_level effective_level(const state& st, const std::string& subject) {
  if (auto it = st.subject_levels.find(subject); it != st.subject_levels.end()) return it->second;
  return st.global_level.value_or(compatibility_level::backward);
}

registry_mode effective_mode(const state& st, const std::string& subject) {
  if (st.global_mode == registry_mode::readonly_override) return registry_mode::readonly_override;
  if (auto it = st.subject_modes.find(subject); it != st.subject_modes.end()) return it->second;
  return st.global_mode.value_or(registry_mode::readwrite);
}

bool read_only(registry_mode m) {
  return m == registry_mode::readonly || m == registry_mode::readonly_override;
}

api_error read_only_error(const std::string& subject) {
  return make_error(error_code::operation_not_permitted, "Subject " + subject + " is in read-only mode");
}

bool has_live_version(const std::vector<version_entry>& versions) {
  return std::any_of(versions.begin(), versions.end(), [](const version_entry& e) { return !e.deleted; });
}

// Ids of live schemas that reference subject/version.
std::vector<std::int32_t> referencing_ids(const state& st, const std::string& subject,
                                          schema_version version) {
  std::set<std::int32_t> ids;
  for (const auto& [name, versions] : st.subjects()) {
    for (const auto& v : versions) {
      if (v.deleted) continue;
      const auto* s = st.schema(v.id);
      if (!s) continue;
      for (const auto& r : s->schema.references) {
        if (r.subject == subject && r.version == version.value) ids.insert(v.id.value);
      }
    }
  }
  return {ids.begin(), ids.end()};
}

api_error reference_exists(const std::string& subject, schema_version version) {
  return make_error(error_code::reference_exists,
                    "One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=" + subject +
                        ",version=" + std::to_string(version.value) + "}.");
}

reference_resolver resolver_for(const state& st) {
  return [&st](const std::string& subject, std::int32_t version) { return st.reference(subject, version); };
}

std::vector<existing_version> live_versions(const state& st, const std::string& subject) {
  std::vector<existing_version> out;
  if (const auto* versions = st.versions(subject)) {
    for (const auto& v : *versions) {
      if (v.deleted) continue;
      if (const auto* s = st.schema(v.id)) out.push_back({v.version, s->schema.text, s->resolved});
    }
  }
  return out;
}

std::string incompatible_message(const std::string& subject, const std::vector<std::string>& details) {
  std::string message = "Schema being registered is incompatible with an earlier schema for subject \"";
  message += subject;
  message += "\", details: [";
  for (std::size_t i = 0; i < details.size(); ++i) {
    if (i) message += ", ";
    message += details[i];
  }
  message += ']';
  return message;
}

}  // namespace

response error_response(const api_error& e) {
  return {e.http_status(), e.to_json()};
}

api_result<void> handlers::append(const std::vector<record>& records) {
  return log_.append(records);
}

response handlers::root() const {
  return ok(json::object());
}

response handlers::root_post(const std::string& body) const {
  if (body.empty()) return ok(json::object());
  auto request = parse_json_object(body);
  if (!request) return fail_with(request);
  return ok(json::object());
}

response handlers::schema_types() const {
  return ok(json::array({"AVRO"}));
}

response handlers::list_schemas(const query_params& q) const {
  const std::string prefix = param(q, "subjectPrefix").value_or("");
  const bool deleted = flag(q, "deleted");
  const bool latest_only = flag(q, "latestOnly");
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  json out = json::array();
  for (const auto& [subject, versions] : st.subjects()) {
    if (!subject.starts_with(prefix)) continue;
    std::vector<const version_entry*> chosen;
    for (const auto& v : versions) {
      if (v.deleted && !deleted) continue;
      chosen.push_back(&v);
    }
    if (latest_only && chosen.size() > 1) chosen.erase(chosen.begin(), chosen.end() - 1);
    for (const auto* v : chosen) {
      if (const auto* s = st.schema(v->id)) out.push_back(schema_json(subject, *v, *s));
    }
  }
  return ok(out);
}

response handlers::schema_by_id(const std::string& id_text, const query_params&) const {
  auto id = parse_id(id_text);
  if (!id) return fail_with(id);
  std::shared_lock lock(state_.mutex);
  const auto* s = state_.data.schema(*id);
  if (!s) return error_response(make_error(error_code::schema_not_found, std::to_string(id->value)));
  json body;
  if (s->schema.schema_type != "AVRO") body["schemaType"] = s->schema.schema_type;
  body["schema"] = s->schema.text;
  if (!s->schema.references.empty()) body["references"] = references_json(s->schema.references);
  return ok(body);
}

response handlers::raw_schema_by_id(const std::string& id_text, const query_params&) const {
  auto id = parse_id(id_text);
  if (!id) return fail_with(id);
  std::shared_lock lock(state_.mutex);
  const auto* s = state_.data.schema(*id);
  if (!s) return error_response(make_error(error_code::schema_not_found, std::to_string(id->value)));
  return {200, s->schema.text};
}

response handlers::subjects_by_id(const std::string& id_text, const query_params& q) const {
  auto id = parse_id(id_text);
  if (!id) return fail_with(id);
  const bool deleted = flag(q, "deleted");
  std::shared_lock lock(state_.mutex);
  json out = json::array();
  for (const auto& [subject, versions] : state_.data.subjects()) {
    if (std::any_of(versions.begin(), versions.end(),
                    [&](const version_entry& v) { return v.id == *id && (deleted || !v.deleted); })) {
      out.push_back(subject);
    }
  }
  if (out.empty()) return error_response(make_error(error_code::schema_not_found, std::to_string(id->value)));
  return ok(out);
}

response handlers::versions_by_id(const std::string& id_text, const query_params& q) const {
  auto id = parse_id(id_text);
  if (!id) return fail_with(id);
  const bool deleted = flag(q, "deleted");
  std::shared_lock lock(state_.mutex);
  json out = json::array();
  for (const auto& [subject, versions] : state_.data.subjects()) {
    for (const auto& v : versions) {
      if (v.id == *id && (deleted || !v.deleted))
        out.push_back({{"subject", subject}, {"version", v.version.value}});
    }
  }
  if (out.empty()) return error_response(make_error(error_code::schema_not_found, std::to_string(id->value)));
  return ok(out);
}

response handlers::list_subjects(const query_params& q) const {
  const std::string prefix = param(q, "subjectPrefix").value_or("");
  const bool deleted = flag(q, "deleted");
  const bool deleted_only = flag(q, "deletedOnly");
  std::shared_lock lock(state_.mutex);
  json out = json::array();
  for (const auto& [subject, versions] : state_.data.subjects()) {
    if (!subject.starts_with(prefix)) continue;
    const bool live = has_live_version(versions);
    if (deleted_only ? !live : (live || deleted)) out.push_back(subject);
  }
  return ok(out);
}

response handlers::lookup_schema(const std::string& subject, const std::string& body,
                                 const query_params& q) const {
  auto request = parse_schema_request(body);
  if (!request) return fail_with(request);
  const bool deleted = flag(q, "deleted");
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  const auto* versions = st.versions(subject);
  if (!versions || (!deleted && !has_live_version(*versions))) {
    return error_response(make_error(error_code::subject_not_found, subject));
  }
  auto schema = normalize_schema(request->schema, resolver_for(st));
  if (!schema) return fail_with(schema);
  if (auto id = st.id_of(schema->identity)) {
    for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
      if (it->id == *id && (deleted || !it->deleted)) return ok(schema_json(subject, *it, *st.schema(*id)));
    }
  }
  return error_response(make_error(error_code::schema_not_found));
}

response handlers::delete_subject(const std::string& subject, const query_params& q) {
  const bool permanent = flag(q, "permanent");
  std::lock_guard write(write_mutex_);
  if (auto synced = log_.sync(); !synced) return fail_with(synced);
  std::vector<record> records;
  json out = json::array();
  {
    std::shared_lock lock(state_.mutex);
    const state& st = state_.data;
    if (read_only(effective_mode(st, subject))) return error_response(read_only_error(subject));
    const auto* versions = st.versions(subject);
    if (!versions) return error_response(make_error(error_code::subject_not_found, subject));
    const bool live = has_live_version(*versions);
    if (!permanent && !live) return error_response(make_error(error_code::subject_soft_deleted, subject));
    if (permanent && live) return error_response(make_error(error_code::subject_not_soft_deleted, subject));
    for (const auto& v : *versions) {
      if (!permanent && v.deleted) continue;
      if (!referencing_ids(st, subject, v.version).empty()) {
        return error_response(reference_exists(subject, v.version));
      }
      out.push_back(v.version.value);
      if (permanent) records.push_back(schema_tombstone{subject, v.version});
    }
    if (!permanent) {
      records.push_back(delete_subject_record{subject, st.latest(subject)->version});
    } else {
      // As Confluent does since its soft delete stopped removing them: the subject's own mode and
      // compatibility level go with its permanent delete (tombstones), so a subject registered again
      // under the same name starts from the global settings.
      if (st.subject_modes.contains(subject)) records.push_back(mode_record{subject, std::nullopt});
      if (st.subject_levels.contains(subject)) records.push_back(config_record{subject, std::nullopt});
    }
  }
  if (auto appended = append(records); !appended) return fail_with(appended);
  return ok(out);
}

response handlers::list_versions(const std::string& subject, const query_params& q) const {
  const bool deleted = flag(q, "deleted");
  const bool deleted_only = flag(q, "deletedOnly");
  std::shared_lock lock(state_.mutex);
  const auto* versions = state_.data.versions(subject);
  json out = json::array();
  if (versions) {
    for (const auto& v : *versions) {
      if (deleted_only ? v.deleted : (deleted || !v.deleted)) out.push_back(v.version.value);
    }
  }
  if (out.empty()) return error_response(make_error(error_code::subject_not_found, subject));
  return ok(out);
}

response handlers::register_schema(const std::string& subject, const std::string& body, const query_params&) {
  auto request = parse_schema_request(body);
  if (!request) return fail_with(request);
  // A producer re-registering a schema the subject already holds (every client cache miss) is
  // answered from the state, without the write lock or a round trip to the log: the id of a live
  // version never changes.
  if (!request->id && !request->version) {
    std::shared_lock lock(state_.mutex);
    const state& st = state_.data;
    if (!read_only(effective_mode(st, subject))) {
      if (auto schema = normalize_schema(request->schema, resolver_for(st))) {
        if (const auto id = st.id_of(schema->identity); id && st.versions(subject)) {
          for (const auto& v : *st.versions(subject)) {
            if (!v.deleted && v.id == *id) return ok(json{{"id", id->value}});
          }
        }
      }
    }
  }
  std::lock_guard write(write_mutex_);
  if (auto synced = log_.sync(); !synced) return fail_with(synced);
  schema_record r;
  {
    std::shared_lock lock(state_.mutex);
    const state& st = state_.data;
    const registry_mode mode = effective_mode(st, subject);
    if (read_only(mode)) return error_response(read_only_error(subject));
    auto schema = normalize_schema(request->schema, resolver_for(st));
    if (!schema) return fail_with(schema);
    const auto existing_id = st.id_of(schema->identity);
    // The same schema already live under the subject: its id, no new version.
    if (existing_id && (!request->id || *request->id == existing_id->value)) {
      if (const auto* versions = st.versions(subject)) {
        for (const auto& v : *versions) {
          if (!v.deleted && v.id == *existing_id) return ok(json{{"id", existing_id->value}});
        }
      }
    }
    const auto* latest_any = st.latest(subject, true);
    schema_version version{latest_any ? latest_any->version.value + 1 : 1};
    schema_id id = existing_id.value_or(schema_id{st.max_id() + 1});
    if (mode == registry_mode::import) {
      if (request->id) {
        const auto* clash = st.schema(schema_id{*request->id});
        if (clash && clash->identity != schema->identity) {
          return error_response(make_error(
              error_code::id_does_not_match,
              "Overwrite new schema with id " + std::to_string(*request->id) + " is not permitted."));
        }
        id = schema_id{*request->id};
      }
      if (request->version) {
        if (st.find(subject, schema_version{*request->version})) {
          return error_response(
              make_error(error_code::operation_not_permitted, "Overwrite new schema is not permitted."));
        }
        version = schema_version{*request->version};
      }
    } else {
      if (request->id && (!existing_id || existing_id->value != *request->id)) {
        return error_response(
            make_error(error_code::operation_not_permitted, "Subject " + subject + " is not in import mode"));
      }
      auto compat = registry_server::check_compatibility(effective_level(st, subject), schema->resolved,
                                                         live_versions(st, subject));
      if (!compat.compatible) {
        return error_response(
            make_error(error_code::incompatible_schema, incompatible_message(subject, compat.messages)));
      }
    }
    r = schema_record{subject, version, id, schema->schema, false};
  }
  if (auto appended = append({r}); !appended) return fail_with(appended);
  return ok(json{{"id", r.id.value}});
}

namespace {

// The version a path names, honouring ?deleted=true; the errors Confluent gives otherwise.
api_result<const version_entry*> find_version(const state& st, const std::string& subject,
                                              const std::string& text, bool deleted) {
  auto version = parse_version(text);
  if (!version) return tl::unexpected(version.error());
  const auto* versions = st.versions(subject);
  if (!versions || (!deleted && !has_live_version(*versions))) {
    return tl::unexpected(make_error(error_code::subject_not_found, subject));
  }
  if (!*version) return st.latest(subject, deleted);
  const auto* v = st.find(subject, **version);
  if (!v || (v->deleted && !deleted)) {
    return tl::unexpected(make_error(error_code::version_not_found, std::to_string((*version)->value)));
  }
  return v;
}

}  // namespace

response handlers::get_version(const std::string& subject, const std::string& version,
                               const query_params& q) const {
  std::shared_lock lock(state_.mutex);
  auto v = find_version(state_.data, subject, version, flag(q, "deleted"));
  if (!v) return fail_with(v);
  return ok(schema_json(subject, **v, *state_.data.schema((*v)->id)));
}

response handlers::raw_schema_by_version(const std::string& subject, const std::string& version,
                                         const query_params& q) const {
  std::shared_lock lock(state_.mutex);
  auto v = find_version(state_.data, subject, version, flag(q, "deleted"));
  if (!v) return fail_with(v);
  return {200, state_.data.schema((*v)->id)->schema.text};
}

response handlers::referenced_by(const std::string& subject, const std::string& version) const {
  std::shared_lock lock(state_.mutex);
  auto v = find_version(state_.data, subject, version, false);
  if (!v) return fail_with(v);
  return ok(json(referencing_ids(state_.data, subject, (*v)->version)));
}

response handlers::delete_version(const std::string& subject, const std::string& version_text,
                                  const query_params& q) {
  const bool permanent = flag(q, "permanent");
  auto version = parse_version(version_text);
  if (!version) return fail_with(version);
  std::lock_guard write(write_mutex_);
  if (auto synced = log_.sync(); !synced) return fail_with(synced);
  record r;
  schema_version deleted_version;
  {
    std::shared_lock lock(state_.mutex);
    const state& st = state_.data;
    if (read_only(effective_mode(st, subject))) return error_response(read_only_error(subject));
    const auto* versions = st.versions(subject);
    if (!versions) return error_response(make_error(error_code::subject_not_found, subject));
    const version_entry* v = *version ? st.find(subject, **version) : st.latest(subject, permanent);
    if (!v) {
      if (!*version) return error_response(make_error(error_code::subject_not_found, subject));
      return error_response(make_error(error_code::version_not_found, std::to_string((*version)->value)));
    }
    const std::string vtext = std::to_string(v->version.value);
    if (!permanent && v->deleted) {
      return error_response(make_error(error_code::schema_version_soft_deleted, subject, vtext));
    }
    if (permanent && !v->deleted) {
      return error_response(make_error(error_code::schema_version_not_soft_deleted, subject, vtext));
    }
    if (!referencing_ids(st, subject, v->version).empty())
      return error_response(reference_exists(subject, v->version));
    deleted_version = v->version;
    if (permanent) {
      r = schema_tombstone{subject, v->version};
    } else {
      r = schema_record{subject, v->version, v->id, st.schema(v->id)->schema, true};
    }
  }
  if (auto appended = append({r}); !appended) return fail_with(appended);
  return ok(json(deleted_version.value));
}

response handlers::check_compatibility(const std::string& subject, const std::optional<std::string>& version,
                                       const std::string& body, const query_params& q) const {
  auto request = parse_schema_request(body);
  if (!request) return fail_with(request);
  const bool verbose = flag(q, "verbose");
  std::optional<std::optional<schema_version>> wanted;
  if (version) {
    auto parsed = parse_version(*version);
    if (!parsed) return fail_with(parsed);
    wanted = *parsed;
  }
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  auto schema = normalize_schema(request->schema, resolver_for(st));
  if (!schema) return fail_with(schema);
  std::vector<existing_version> against = live_versions(st, subject);
  compatibility_level level = effective_level(st, subject);
  if (wanted) {
    auto v = find_version(st, subject, *version, false);
    if (!v) return fail_with(v);
    std::erase_if(against, [&](const existing_version& e) { return e.version != (*v)->version; });
  }
  auto result = registry_server::check_compatibility(level, schema->resolved, against);
  json out{{"is_compatible", result.compatible}};
  if (verbose) out["messages"] = result.messages;
  return ok(out);
}

response handlers::get_config(const std::optional<std::string>& subject, const query_params& q) const {
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  if (!subject) {
    return ok(
        json{{"compatibilityLevel", to_string(st.global_level.value_or(compatibility_level::backward))}});
  }
  if (auto it = st.subject_levels.find(*subject); it != st.subject_levels.end()) {
    return ok(json{{"compatibilityLevel", to_string(it->second)}});
  }
  if (flag(q, "defaultToGlobal")) {
    return ok(
        json{{"compatibilityLevel", to_string(st.global_level.value_or(compatibility_level::backward))}});
  }
  return error_response(make_error(error_code::subject_compatibility_not_configured, *subject));
}

response handlers::put_config(const std::optional<std::string>& subject, const std::string& body) {
  auto request = parse_json_object(body);
  if (!request) return fail_with(request);
  std::optional<compatibility_level> level;
  // Confluent's ConfigUpdateRequest takes "compatibility"; newer clients may send "compatibilityLevel".
  for (const char* name : {"compatibility", "compatibilityLevel"}) {
    if (auto it = request->find(name); !level && it != request->end() && it->is_string()) {
      level = parse_compatibility_level(it->get<std::string>());
    }
  }
  if (!level) return error_response(make_error(error_code::invalid_compatibility_level));
  std::lock_guard write(write_mutex_);
  if (auto appended = append({config_record{subject, level}}); !appended) return fail_with(appended);
  return ok(json{{"compatibility", to_string(*level)}});
}

response handlers::delete_config(const std::optional<std::string>& subject) {
  std::lock_guard write(write_mutex_);
  if (auto synced = log_.sync(); !synced) return fail_with(synced);
  compatibility_level previous;
  {
    std::shared_lock lock(state_.mutex);
    const state& st = state_.data;
    if (!subject) {
      previous = st.global_level.value_or(compatibility_level::backward);
    } else {
      // Confluent answers "subject not found" when the subject has no level of its own, whether or
      // not it has versions; a level set on a subject without versions can be deleted.
      auto it = st.subject_levels.find(*subject);
      if (it == st.subject_levels.end()) {
        return error_response(make_error(error_code::subject_not_found, *subject));
      }
      previous = it->second;
    }
  }
  if (auto appended = append({config_record{subject, std::nullopt}}); !appended) return fail_with(appended);
  return ok(json{{"compatibilityLevel", to_string(previous)}});
}

response handlers::get_mode(const std::optional<std::string>& subject, const query_params& q) const {
  std::shared_lock lock(state_.mutex);
  const state& st = state_.data;
  const auto global = st.global_mode.value_or(registry_mode::readwrite);
  if (!subject) return ok(json{{"mode", to_string(global)}});
  // As Confluent's getMode: a global READONLY_OVERRIDE is every subject's mode.
  if (global == registry_mode::readonly_override) return ok(json{{"mode", to_string(global)}});
  if (auto it = st.subject_modes.find(*subject); it != st.subject_modes.end()) {
    return ok(json{{"mode", to_string(it->second)}});
  }
  if (flag(q, "defaultToGlobal")) return ok(json{{"mode", to_string(global)}});
  return error_response(make_error(error_code::subject_mode_not_configured, *subject));
}

response handlers::put_mode(const std::optional<std::string>& subject, const std::string& body,
                            const query_params& q) {
  auto request = parse_json_object(body);
  if (!request) return fail_with(request);
  std::optional<registry_mode> mode;
  if (auto it = request->find("mode"); it != request->end() && it->is_string()) {
    mode = parse_registry_mode(it->get<std::string>());
  }
  if (!mode) return error_response(make_error(error_code::invalid_mode));
  std::lock_guard write(write_mutex_);
  if (auto synced = log_.sync(); !synced) return fail_with(synced);
  std::vector<record> records;
  {
    std::shared_lock lock(state_.mutex);
    const state& st = state_.data;
    const registry_mode scope =
        subject ? effective_mode(st, *subject) : st.global_mode.value_or(registry_mode::readwrite);
    // As Confluent: entering IMPORT (unless forced or already there) needs no live version under the
    // subject (or any subject, for the global mode); soft-deleted versions left there are deleted
    // for good (SCHEMA tombstones) and a CLEAR_SUBJECT record follows.
    if (*mode == registry_mode::import && scope != registry_mode::import && !flag(q, "force")) {
      const auto matches = [&](const std::string& name) { return !subject || name == *subject; };
      for (const auto& [name, versions] : st.subjects()) {
        if (matches(name) && has_live_version(versions)) {
          return error_response(
              make_error(error_code::operation_not_permitted, "Cannot import since found existing subjects"));
        }
      }
      for (const auto& [name, versions] : st.subjects()) {
        if (!matches(name)) continue;
        for (const auto& v : versions) {
          if (!referencing_ids(st, name, v.version).empty())
            return error_response(reference_exists(name, v.version));
          records.push_back(schema_tombstone{name, v.version});
        }
      }
      records.push_back(clear_subject_record{subject});
    }
  }
  records.push_back(mode_record{subject, mode});
  if (auto appended = append(records); !appended) return fail_with(appended);
  return ok(json{{"mode", to_string(*mode)}});
}

response handlers::delete_mode(const std::optional<std::string>& subject) {
  std::lock_guard write(write_mutex_);
  if (auto synced = log_.sync(); !synced) return fail_with(synced);
  registry_mode previous;
  {
    std::shared_lock lock(state_.mutex);
    const state& st = state_.data;
    if (!subject) {
      previous = st.global_mode.value_or(registry_mode::readwrite);
    } else {
      // Confluent reads the subject's mode as its getMode does (a global READONLY_OVERRIDE wins) and
      // answers "subject not found" when there is none.
      auto it = st.subject_modes.find(*subject);
      if (st.global_mode == registry_mode::readonly_override) {
        previous = registry_mode::readonly_override;
      } else if (it == st.subject_modes.end()) {
        return error_response(make_error(error_code::subject_not_found, *subject));
      } else {
        previous = it->second;
      }
    }
  }
  if (auto appended = append({mode_record{subject, std::nullopt}}); !appended) return fail_with(appended);
  return ok(json{{"mode", to_string(previous)}});
}

}  // namespace kavro::registry_server
