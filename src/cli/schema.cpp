// `kavro schema ...`: a Schema Registry client for people and scripts (subjects, versions, get,
// register, check, config, mode, delete, export, import). stdout carries only data; messages go to
// stderr. Exit codes: 0 success, 1 `check` found the schema incompatible, 2 any error.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>

#include "client_options.hpp"
#include "common.hpp"
#include "kavro/json.hpp"
#include "kavro/properties.hpp"

namespace kavro::cli {
namespace {

using json = nlohmann::json;

constexpr int exit_incompatible = exit_failed;
constexpr std::size_t max_schema_file_bytes = 8 * 1024 * 1024;   // the registry's own body limit
constexpr std::size_t max_export_line_bytes = 16 * 1024 * 1024;  // a schema line and its JSON quoting

[[noreturn]] void die(const std::string& cmd, const std::string& message) {
  fail_command("schema " + cmd, message, exit_error);
}

using registry::url_encode;

std::string subject_path(const std::string& subject) {
  return "/subjects/" + url_encode(subject);
}

// A registry connection for one command: every request and every error goes through here.
class session {
 public:
  session(std::string cmd, const client_options& options) : cmd_(std::move(cmd)) {
    try {
      auto resolved = resolve_client_options(options);
      for (const auto& note : resolved.properties.notes) {
        // Only the notes about the registry matter here; the Kafka ones belong to Kafka commands.
        if (note.find("schema.registry.") != std::string::npos) report_error("schema " + cmd_, note);
      }
      urls_ = resolved.registry.urls;
      client_ = std::make_unique<registry::client>(std::move(resolved.registry));
    } catch (const std::invalid_argument& e) {
      die(cmd_, e.what());
    }
  }

  // The answer to a request, or the command ends with exit 2 and one line on stderr naming the
  // request, the HTTP status and the registry's error_code and message. `allowed` statuses are
  // returned to the caller instead (with the parsed error body).
  std::pair<long, json> call(const char* method, const std::string& path, const json* body = nullptr,
                             std::initializer_list<int> allowed = {}) {
    std::string text;
    if (body) text = body->dump();
    auto reply = client_->raw_request(method, path, body ? &text : nullptr);
    if (!reply) die(cmd_, "registry unreachable: " + reply.error().message);
    // A registry's answer is untrusted: parsed with bounded depth (a hostile one must not crash us).
    auto bounded =
        kavro::safe_json::parse(reply->body, {.duplicates = kavro::safe_json::duplicate_keys::last_wins});
    json parsed = bounded ? std::move(*bounded) : json(json::value_t::discarded);
    const bool ok = reply->status / 100 == 2;
    if (ok && parsed.is_discarded()) {
      die(cmd_, reply->context + ": HTTP " + std::to_string(reply->status) +
                    ": the answer is not JSON (is this a registry?)");
    }
    if (!ok && std::find(allowed.begin(), allowed.end(), reply->status) == allowed.end()) {
      std::string detail;
      if (parsed.is_object() && parsed.contains("error_code")) {
        detail = "error_code " + parsed["error_code"].dump();
        if (auto m = parsed.find("message"); m != parsed.end() && m->is_string()) {
          detail += ": " + m->get<std::string>();
        }
      } else {
        detail = reply->body.substr(0, 200);
        if (detail.empty()) detail = "(empty body)";
      }
      std::string hint;
      if (reply->status == 401)
        hint = " (check the credentials: --registry-auth-file, KAVRO_REGISTRY_AUTH or -F)";
      if (reply->status == 403) hint = " (the credentials are not allowed to do this)";
      die(cmd_, reply->context + ": HTTP " + std::to_string(reply->status) + ": " + detail + hint);
    }
    return {reply->status, std::move(parsed)};
  }

  json get(const std::string& path) { return call("GET", path).second; }

  [[noreturn]] void fail(const std::string& message) { die(cmd_, message); }
  const std::string& url() const { return urls_.front(); }

 private:
  std::string cmd_;
  std::vector<std::string> urls_;
  std::unique_ptr<registry::client> client_;
};

std::string read_schema_file(const std::string& cmd, const std::string& path) {
  std::string text;
  if (path == "-") {
    // Read at most one byte past the limit, so a runaway pipe is refused rather than buffered.
    char chunk[65536];
    while (text.size() <= max_schema_file_bytes && std::cin.read(chunk, sizeof chunk).gcount() > 0) {
      text.append(chunk, static_cast<std::size_t>(std::cin.gcount()));
    }
  } else {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) die(cmd, "cannot open schema file '" + path + "'");
    const auto size = static_cast<std::size_t>(in.tellg());
    if (size > max_schema_file_bytes) die(cmd, "schema file '" + path + "' is larger than 8 MiB");
    in.seekg(0);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (text.size() > max_schema_file_bytes) die(cmd, "schema input is larger than 8 MiB");
  // The registry would refuse it too, but a local message names the file and the position.
  if (auto parsed =
          kavro::safe_json::parse(text, {.duplicates = kavro::safe_json::duplicate_keys::last_wins});
      !parsed) {
    die(cmd, "schema file '" + path + "' is not JSON: " + parsed.error().message());
  }
  return text;
}

// --reference name=subject:version
json parse_references(const std::string& cmd, const std::vector<std::string>& refs) {
  json out = json::array();
  for (const auto& r : refs) {
    const auto eq = r.find('=');
    const auto colon = r.rfind(':');
    if (eq == std::string::npos || eq == 0 || colon == std::string::npos || colon < eq + 2) {
      die(cmd, "--reference '" + r + "': expected name=subject:version");
    }
    int version = 0;
    try {
      std::size_t used = 0;
      version = std::stoi(r.substr(colon + 1), &used);
      if (used != r.size() - colon - 1 || version < 1) throw std::invalid_argument("");
    } catch (const std::exception&) {
      die(cmd, "--reference '" + r + "': the version must be a number >= 1");
    }
    out.push_back(
        {{"name", r.substr(0, eq)}, {"subject", r.substr(eq + 1, colon - eq - 1)}, {"version", version}});
  }
  return out;
}

json schema_request(const std::string& schema, const std::string& type, const json& references) {
  json body{{"schema", schema}};
  if (!type.empty() && type != "AVRO") body["schemaType"] = type;
  if (!references.empty()) body["references"] = references;
  return body;
}

std::string version_text(const std::string& cmd, const std::string& v) {
  if (v == "latest" || v == "-1") return "latest";
  try {
    std::size_t used = 0;
    const int n = std::stoi(v, &used);
    if (used == v.size() && n >= 1) return std::to_string(n);
  } catch (const std::exception&) {
  }
  die(cmd, "--version '" + v + "': expected 'latest' or a number >= 1");
}

void print_lines(const json& array) {
  for (const auto& item : array)
    std::cout << (item.is_string() ? item.get<std::string>() : item.dump()) << '\n';
}

// Reads one line of at most `max` bytes; false at the end of the input.
bool read_bounded_line(std::istream& in, std::string& line, std::size_t max, bool& too_long) {
  line.clear();
  too_long = false;
  auto* buf = in.rdbuf();
  bool any = false;
  for (int c = buf->sbumpc(); c != std::char_traits<char>::eof(); c = buf->sbumpc()) {
    any = true;
    if (c == '\n') return true;
    if (line.size() >= max) {
      too_long = true;
      return true;
    }
    line += static_cast<char>(c);
  }
  return any;
}

// One exported schema version, as `export` writes it and `import` reads it.
struct exported {
  std::string subject;
  int version = 0;
  int id = 0;
  std::string type = "AVRO";
  json references = json::array();
  std::string schema;

  json to_json() const {
    return json{{"subject", subject}, {"version", version},       {"id", id},
                {"schemaType", type}, {"references", references}, {"schema", schema}};
  }
};

std::optional<std::string> parse_exported(const json& j, exported& out) {
  if (!j.is_object()) return "not a JSON object";
  const auto str = [&](const char* k, std::string& v) -> std::optional<std::string> {
    auto it = j.find(k);
    if (it == j.end() || !it->is_string()) return std::string("'") + k + "' must be a string";
    v = it->get<std::string>();
    return std::nullopt;
  };
  const auto num = [&](const char* k, int& v, int min) -> std::optional<std::string> {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_integer() || it->get<long long>() < min ||
        it->get<long long>() > INT32_MAX) {
      return std::string("'") + k + "' must be an integer >= " + std::to_string(min);
    }
    v = it->get<int>();
    return std::nullopt;
  };
  if (auto e = str("subject", out.subject)) return e;
  if (out.subject.empty()) return "'subject' is empty";
  if (auto e = str("schema", out.schema)) return e;
  if (auto e = num("version", out.version, 1)) return e;
  if (auto e = num("id", out.id, 0)) return e;
  if (j.contains("schemaType")) {
    if (auto e = str("schemaType", out.type)) return e;
  }
  if (auto it = j.find("references"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return "'references' must be an array";
    for (const auto& r : *it) {
      if (!r.is_object() || !r.contains("name") || !r["name"].is_string() || !r.contains("subject") ||
          !r["subject"].is_string() || !r.contains("version") || !r["version"].is_number_integer()) {
        return "'references' entries must be {name, subject, version}";
      }
    }
    out.references = *it;
  }
  return std::nullopt;
}

// ---- the subcommands -------------------------------------------------------------------------

struct common_flags {
  std::shared_ptr<client_options> client;
  bool json_out = false;
};

CLI::App* leaf(CLI::App& parent, const char* name, const char* help, common_flags& flags,
               bool json_flag = true) {
  auto* cmd = parent.add_subcommand(name, help);
  flags.client = add_client_options(*cmd);
  if (json_flag) cmd->add_flag("--json", flags.json_out, "Print the registry's whole JSON answer");
  return cmd;
}

void add_subjects(CLI::App& schema) {
  struct opts : common_flags {
    bool deleted = false;
    std::string prefix;
  };
  auto o = std::make_shared<opts>();
  auto* cmd = leaf(schema, "subjects", "List subjects, one a line", *o);
  cmd->add_flag("--deleted", o->deleted, "Include soft-deleted subjects");
  cmd->add_option("--prefix", o->prefix, "Only subjects starting with this");
  cmd->callback([o] {
    session s("subjects", *o->client);
    std::string path = "/subjects";
    std::string sep = "?";
    if (!o->prefix.empty()) {
      path += sep + "subjectPrefix=" + url_encode(o->prefix);
      sep = "&";
    }
    if (o->deleted) path += sep + "deleted=true";
    const json answer = s.get(path);
    if (o->json_out) {
      std::cout << answer.dump() << '\n';
    } else {
      print_lines(answer);
    }
  });
}

void add_versions(CLI::App& schema) {
  struct opts : common_flags {
    std::string subject;
    bool deleted = false;
  };
  auto o = std::make_shared<opts>();
  auto* cmd = leaf(schema, "versions", "List a subject's versions, one a line", *o);
  cmd->add_option("SUBJECT", o->subject, "Subject")->required();
  cmd->add_flag("--deleted", o->deleted, "Include soft-deleted versions");
  cmd->callback([o] {
    session s("versions", *o->client);
    const json answer = s.get(subject_path(o->subject) + "/versions" + (o->deleted ? "?deleted=true" : ""));
    if (o->json_out) {
      std::cout << answer.dump() << '\n';
    } else {
      print_lines(answer);
    }
  });
}

void add_get(CLI::App& schema) {
  struct opts : common_flags {
    std::string subject;
    std::string version = "latest";
    std::optional<int> id;
  };
  auto o = std::make_shared<opts>();
  auto* cmd =
      leaf(schema, "get", "Print a schema: a subject's version (default latest) or the schema of an id", *o);
  auto* subject = cmd->add_option("SUBJECT", o->subject, "Subject");
  auto* version =
      cmd->add_option("--version", o->version, "A version number or 'latest'")->capture_default_str();
  auto* id = cmd->add_option("--id", o->id, "A schema id (instead of SUBJECT)");
  id->excludes(subject)->excludes(version);
  cmd->callback([o] {
    if (o->subject.empty() && !o->id) die("get", "give a SUBJECT or --id ID");
    session s("get", *o->client);
    const json answer =
        o->id ? s.get("/schemas/ids/" + std::to_string(*o->id))
              : s.get(subject_path(o->subject) + "/versions/" + version_text("get", o->version));
    if (o->json_out) {
      std::cout << answer.dump() << '\n';
    } else if (answer.contains("schema") && answer["schema"].is_string()) {
      std::cout << answer["schema"].get<std::string>() << '\n';
    } else {
      s.fail("the answer has no schema: " + answer.dump().substr(0, 200));
    }
  });
}

void add_register(CLI::App& schema) {
  struct opts : common_flags {
    std::string subject;
    std::string file;
    std::string type = "AVRO";
    std::vector<std::string> references;
    bool normalize = false;
  };
  auto o = std::make_shared<opts>();
  auto* cmd = leaf(schema, "register", "Register a schema under a subject and print its id", *o);
  cmd->add_option("SUBJECT", o->subject, "Subject")->required();
  cmd->add_option("FILE", o->file, "Schema file ('-': stdin)")->required();
  cmd->add_option("--type", o->type, "Schema type")->capture_default_str();
  cmd->add_option("--reference", o->references, "A schema reference name=subject:version; repeatable");
  cmd->add_flag("--normalize", o->normalize, "Ask the registry to normalize the schema first");
  cmd->callback([o] {
    const std::string text = read_schema_file("register", o->file);
    const json body = schema_request(text, o->type, parse_references("register", o->references));
    session s("register", *o->client);
    const json answer =
        s.call("POST", subject_path(o->subject) + "/versions" + (o->normalize ? "?normalize=true" : ""),
               &body)
            .second;
    if (o->json_out) {
      std::cout << answer.dump() << '\n';
    } else if (answer.contains("id") && answer["id"].is_number_integer()) {
      std::cout << answer["id"].get<long long>() << '\n';
    } else {
      s.fail("the answer has no id: " + answer.dump().substr(0, 200));
    }
  });
}

void add_check(CLI::App& schema) {
  struct opts : common_flags {
    std::string subject;
    std::string file;
    std::string version;
    std::string type = "AVRO";
    std::vector<std::string> references;
  };
  auto o = std::make_shared<opts>();
  auto* cmd =
      leaf(schema, "check",
           "CI gate: is FILE compatible with the subject? Exit 0 yes, 1 no (reasons on stdout), 2 error", *o);
  cmd->add_option("SUBJECT", o->subject, "Subject")->required();
  cmd->add_option("FILE", o->file, "Schema file ('-': stdin)")->required();
  cmd->add_option(
      "--version", o->version,
      "Check against this version only ('latest' or a number); default: the versions the subject's "
      "compatibility level names, as registering would");
  cmd->add_option("--type", o->type, "Schema type")->capture_default_str();
  cmd->add_option("--reference", o->references, "A schema reference name=subject:version; repeatable");
  cmd->callback([o] {
    const std::string text = read_schema_file("check", o->file);
    const json body = schema_request(text, o->type, parse_references("check", o->references));
    std::string path = "/compatibility" + subject_path(o->subject) + "/versions";
    if (!o->version.empty()) path += "/" + version_text("check", o->version);
    session s("check", *o->client);
    // First without `verbose`: Confluent (and kavro) answer an invalid schema then with 42201 — an
    // error, exit 2 — whereas with `verbose` it is a 200 "not compatible" whose reason is the parse
    // error. Only an incompatible verdict is asked again, verbosely, for its reasons.
    json answer = s.call("POST", path, &body).second;
    if (auto first = answer.find("is_compatible");
        first != answer.end() && first->is_boolean() && !first->get<bool>()) {
      answer = s.call("POST", path + "?verbose=true", &body).second;
    }
    auto verdict = answer.find("is_compatible");
    if (verdict == answer.end() || !verdict->is_boolean()) {
      s.fail("the answer has no is_compatible: " + answer.dump().substr(0, 200));
    }
    if (o->json_out) std::cout << answer.dump() << '\n';
    const std::string against = o->version.empty() ? "" : " version " + o->version;
    if (verdict->get<bool>()) {
      std::cerr << "kavro schema check: " << o->file << " is compatible with " << o->subject << against
                << '\n';
      return;
    }
    if (!o->json_out) {
      if (auto m = answer.find("messages"); m != answer.end() && m->is_array() && !m->empty()) {
        print_lines(*m);
      } else {
        std::cout << "incompatible (the registry gave no reasons)\n";
      }
    }
    std::cerr << "kavro schema check: " << o->file << " is NOT compatible with " << o->subject << against
              << '\n';
    throw CLI::RuntimeError(exit_incompatible);
  });
}

// config and mode: the same shape over /config and /mode.
void add_setting(CLI::App& schema, const char* name, const char* help, const char* field,
                 const char* put_field, const char* set_help) {
  struct opts : common_flags {
    std::string subject;
    std::string set;
    bool remove = false;
    bool force = false;
  };
  auto o = std::make_shared<opts>();
  const std::string cmd_name = name;
  auto* cmd = leaf(schema, name, help, *o);
  cmd->add_option("SUBJECT", o->subject, "Subject (default: the global setting)");
  auto* set = cmd->add_option("--set", o->set, set_help);
  cmd->add_flag("--delete", o->remove, "Remove the setting (the subject falls back to the global one)")
      ->excludes(set);
  if (cmd_name == "mode") cmd->add_flag("--force", o->force, "Enter IMPORT mode even if subjects exist");
  cmd->callback([o, cmd_name, field, put_field] {
    session s(cmd_name, *o->client);
    const std::string base = "/" + cmd_name + (o->subject.empty() ? "" : "/" + url_encode(o->subject));
    json answer;
    if (!o->set.empty()) {
      std::string value = o->set;
      std::transform(value.begin(), value.end(), value.begin(),
                     [](unsigned char c) { return std::toupper(c); });
      const json body{{put_field, value}};
      answer = s.call("PUT", base + (o->force ? "?force=true" : ""), &body).second;
    } else if (o->remove) {
      answer = s.call("DELETE", base).second;
    } else {
      answer = s.get(base + (o->subject.empty() ? "" : "?defaultToGlobal=true"));
    }
    if (o->json_out) {
      std::cout << answer.dump() << '\n';
      return;
    }
    // PUT /config answers {"compatibility": ...}; GET and DELETE {"compatibilityLevel": ...}.
    for (const char* key : {field, put_field}) {
      if (auto it = answer.find(key); it != answer.end() && it->is_string()) {
        if (o->remove) std::cerr << "kavro schema " << cmd_name << ": removed; it was:\n";
        std::cout << it->get<std::string>() << '\n';
        return;
      }
    }
    s.fail("unexpected answer: " + answer.dump().substr(0, 200));
  });
}

void add_delete(CLI::App& schema) {
  struct opts : common_flags {
    std::string subject;
    std::string version;
    bool permanent = false;
  };
  auto o = std::make_shared<opts>();
  auto* cmd =
      leaf(schema, "delete",
           "Delete a subject or one version (soft; --permanent: for good); prints the versions deleted", *o);
  cmd->add_option("SUBJECT", o->subject, "Subject")->required();
  cmd->add_option("--version", o->version, "Only this version ('latest' or a number)");
  cmd->add_flag("--permanent", o->permanent,
                "Delete for good (soft-deleting first if needed, as the registry requires)");
  cmd->callback([o] {
    session s("delete", *o->client);
    std::string path = subject_path(o->subject);
    if (!o->version.empty()) path += "/versions/" + version_text("delete", o->version);
    json answer;
    if (o->permanent) {
      // The registry deletes for good only what is soft-deleted already: 40405/40407 say "not yet".
      auto [status, soft] = s.call("DELETE", path, nullptr, {404});
      const int code =
          soft.is_object() && soft.contains("error_code") && soft["error_code"].is_number_integer()
              ? soft["error_code"].get<int>()
              : 0;
      if (status == 404 && code != 40404 && code != 40406) s.call("DELETE", path);  // report the real error
      answer = s.call("DELETE", path + "?permanent=true").second;
    } else {
      answer = s.call("DELETE", path).second;
    }
    if (o->json_out) {
      std::cout << answer.dump() << '\n';
    } else if (answer.is_array()) {
      print_lines(answer);
    } else {
      std::cout << answer.dump() << '\n';
    }
  });
}

void add_export(CLI::App& schema) {
  struct opts : common_flags {
    std::string prefix;
  };
  auto o = std::make_shared<opts>();
  auto* cmd =
      leaf(schema, "export",
           "Every live version of every subject as JSON lines on stdout (subject, version, id, schemaType, "
           "references, schema), in id order so references come first",
           *o, false);
  cmd->add_option("--subject-prefix", o->prefix, "Only subjects starting with this");
  cmd->callback([o] {
    session s("export", *o->client);
    const json subjects =
        s.get("/subjects" + (o->prefix.empty() ? std::string() : "?subjectPrefix=" + url_encode(o->prefix)));
    std::vector<exported> all;
    for (const auto& subject_json : subjects) {
      const std::string subject = subject_json.get<std::string>();
      for (const auto& v : s.get(subject_path(subject) + "/versions")) {
        const json answer = s.get(subject_path(subject) + "/versions/" + v.dump());
        exported e;
        json normalized = answer;
        if (!normalized.contains("schemaType")) normalized["schemaType"] = "AVRO";
        if (auto problem = parse_exported(normalized, e)) {
          s.fail("subject '" + subject + "' version " + v.dump() + ": unexpected answer: " + *problem);
        }
        all.push_back(std::move(e));
      }
    }
    std::sort(all.begin(), all.end(), [](const exported& a, const exported& b) {
      return std::tie(a.id, a.subject, a.version) < std::tie(b.id, b.subject, b.version);
    });
    for (const auto& e : all) std::cout << e.to_json().dump() << '\n';
    std::cout.flush();
    if (!std::cout) die("export", "cannot write to stdout");
    std::cerr << "kavro schema export: " << all.size() << " schema versions of " << subjects.size()
              << " subjects from " << s.url() << '\n';
  });
}

void add_import(CLI::App& schema) {
  struct opts : common_flags {
    std::string file;
  };
  auto o = std::make_shared<opts>();
  auto* cmd =
      leaf(schema, "import",
           "Register the JSON lines of `export` keeping their ids and versions (the registry must be in "
           "IMPORT mode)",
           *o, false);
  cmd->add_option("FILE", o->file, "The export ('-': stdin)")->required();
  cmd->callback([o] {
    // Everything is read and checked before the first write, so a bad line imports nothing.
    std::ifstream file;
    std::istream* in = &std::cin;
    if (o->file != "-") {
      file.open(o->file, std::ios::binary);
      if (!file) die("import", "cannot open '" + o->file + "'");
      in = &file;
    }
    std::vector<exported> rows;
    std::string line;
    bool too_long = false;
    for (std::size_t n = 1; read_bounded_line(*in, line, max_export_line_bytes, too_long); ++n) {
      const std::string where = o->file + ":" + std::to_string(n);
      if (too_long) die("import", where + ": line longer than 16 MiB");
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto parsed = kavro::safe_json::parse(line);
      if (!parsed) die("import", where + ": not JSON: " + parsed.error().message());
      const json& j = *parsed;
      exported e;
      if (auto problem = parse_exported(j, e)) die("import", where + ": " + *problem);
      rows.push_back(std::move(e));
    }
    session s("import", *o->client);
    std::set<std::string> subjects;
    for (const auto& r : rows) subjects.insert(r.subject);
    for (const auto& subject : subjects) {
      const json mode = s.get("/mode/" + url_encode(subject) + "?defaultToGlobal=true");
      const std::string m = mode.value("mode", "");
      if (m != "IMPORT") {
        s.fail(
            "the registry at " + s.url() + " is in " + m + " mode for subject '" + subject +
            "', not IMPORT: ids and versions can only be kept in IMPORT mode. Switch an empty registry with "
            "`kavro schema mode --set IMPORT` first; nothing was imported");
      }
    }
    std::size_t done = 0;
    for (const auto& r : rows) {
      json body = schema_request(r.schema, r.type, r.references);
      body["id"] = r.id;
      body["version"] = r.version;
      const json answer = s.call("POST", subject_path(r.subject) + "/versions", &body).second;
      if (!answer.contains("id") || answer["id"] != r.id) {
        s.fail("subject '" + r.subject + "' version " + std::to_string(r.version) +
               ": the registry gave id " + answer.value("id", json()).dump() + " instead of " +
               std::to_string(r.id) + " (" + std::to_string(done) + " versions imported before this one)");
      }
      ++done;
    }
    std::cerr << "kavro schema import: " << done << " schema versions of " << subjects.size()
              << " subjects into " << s.url()
              << "; switch it back with `kavro schema mode --set READWRITE`\n";
  });
}

}  // namespace

void add_schema(CLI::App& app) {
  auto* schema = app.add_subcommand("schema",
                                    "Schema Registry client: subjects, versions, get, register, check, "
                                    "config, mode, delete, export, import");
  schema->require_subcommand(1);
  add_subjects(*schema);
  add_versions(*schema);
  add_get(*schema);
  add_register(*schema);
  add_check(*schema);
  add_setting(
      *schema, "config", "Show or set the compatibility level (global, or a subject's)", "compatibilityLevel",
      "compatibility",
      "Set it: BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE");
  add_setting(*schema, "mode", "Show or set the mode (global, or a subject's)", "mode", "mode",
              "Set it: READWRITE, READONLY, READONLY_OVERRIDE, IMPORT");
  add_delete(*schema);
  add_export(*schema);
  add_import(*schema);
}

}  // namespace kavro::cli
