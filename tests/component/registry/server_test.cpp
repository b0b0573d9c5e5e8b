// The registry server's endpoints over raw HTTP: exact status codes and JSON bodies, including
// Confluent's error codes and texts, for every endpoint and for bad input.
#include "kavro/registry_server/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using json = nlohmann::json;
constexpr const char* sr_type = "application/vnd.schemaregistry.v1+json";
const std::string record_schema = R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";
const std::string other_schema = R"({"type":"record","name":"Other","fields":[{"name":"x","type":"int"}]})";
// User with an added field that has a default: compatible both ways.
const std::string user_v2 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":"string","default":""}]})";
// User with an added field without a default: new readers cannot read old data (not BACKWARD).
const std::string user_required =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":"string"}]})";
// User without its only field: old readers cannot read new data (not FORWARD).
const std::string user_empty = R"({"type":"record","name":"User","fields":[]})";

json err(int code, const std::string& message) {
  return {{"error_code", code}, {"message", message}};
}

class registry_server_test : public ::testing::Test {
 protected:
  void SetUp() override { start({"127.0.0.1", 0}); }

  void start(kavro::registry_server::server_config config) {
    srv = std::make_unique<kavro::registry_server::server>(std::move(config));
    auto port = srv->start();
    ASSERT_TRUE(port) << port.error().message;
    http = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }

  // Checks the status and content type, returning the parsed body.
  json expect(const httplib::Result& res, int status) {
    EXPECT_TRUE(res) << "no response";
    if (!res) return nullptr;
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), sr_type);
    return json::parse(res->body, nullptr, false);
  }

  json post(const std::string& path, const json& body, int status, const char* type = sr_type) {
    return expect(http->Post(path, body.dump(), type), status);
  }
  json put(const std::string& path, const json& body, int status) {
    return expect(http->Put(path, body.dump(), sr_type), status);
  }
  json get(const std::string& path, int status) { return expect(http->Get(path), status); }
  json del(const std::string& path, int status) { return expect(http->Delete(path), status); }

  json register_schema(const std::string& subject, const std::string& schema) {
    return post("/subjects/" + subject + "/versions", {{"schema", schema}}, 200);
  }

  std::unique_ptr<kavro::registry_server::server> srv;
  std::unique_ptr<httplib::Client> http;
};

TEST_F(registry_server_test, root_types_config_mode) {
  EXPECT_EQ(get("/", 200), json::object());
  EXPECT_EQ(get("/schemas/types", 200), json::array({"JSON", "PROTOBUF", "AVRO"}));
  EXPECT_EQ(get("/config", 200), (json{{"compatibilityLevel", "BACKWARD"}}));
  EXPECT_EQ(get("/mode", 200), (json{{"mode", "READWRITE"}}));
  EXPECT_EQ(get("/healthz", 200), json::object());
  EXPECT_EQ(get("/readyz", 200), json::object());
}

TEST_F(registry_server_test, register_assigns_global_ids) {
  EXPECT_EQ(register_schema("a-value", record_schema), (json{{"id", 1}}));
  // Same schema, same subject: the same id and no new version.
  EXPECT_EQ(register_schema("a-value", record_schema), (json{{"id", 1}}));
  EXPECT_EQ(get("/subjects/a-value/versions", 200), json::array({1}));
  // Same schema under another subject: the same global id, a first version there.
  EXPECT_EQ(register_schema("b-value", record_schema), (json{{"id", 1}}));
  EXPECT_EQ(register_schema("a-value", user_v2), (json{{"id", 2}}));
  EXPECT_EQ(get("/subjects/a-value/versions", 200), json::array({1, 2}));
  EXPECT_EQ(get("/subjects", 200), json::array({"a-value", "b-value"}));
  EXPECT_EQ(register_schema("c-value", other_schema), (json{{"id", 3}}));
}

TEST_F(registry_server_test, register_accepts_client_variants) {
  // What Confluent's clients send: schemaType, empty references, query parameters, other media types.
  EXPECT_EQ(post("/subjects/t/versions?normalize=false",
                 {{"schema", record_schema}, {"schemaType", "AVRO"}, {"references", json::array()}}, 200),
            (json{{"id", 1}}));
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", record_schema}}, 200, "application/json"),
            (json{{"id", 1}}));
  EXPECT_EQ(
      post("/subjects/t/versions", {{"schema", record_schema}}, 200, "application/vnd.schemaregistry+json"),
      (json{{"id", 1}}));
  // Whitespace and attribute order do not make a new schema (json sorts keys, dump(2) indents).
  EXPECT_EQ(register_schema("t", json::parse(record_schema).dump(2)), (json{{"id", 1}}));
  // A doc does (as with Confluent): a new id and version.
  EXPECT_EQ(register_schema(
                "t", R"({"type":"record","name":"User","doc":"d","fields":[{"name":"id","type":"long"}]})"),
            (json{{"id", 2}}));
  EXPECT_EQ(get("/subjects/t/versions", 200), json::array({1, 2}));
  // The text served is the first registration's, made compact.
  EXPECT_EQ(get("/schemas/ids/1", 200), (json{{"schema", record_schema}}));
}

TEST_F(registry_server_test, register_errors) {
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", "{not json"}}, 422)["error_code"], 42201);
  // Valid JSON, not valid Avro.
  auto not_avro = post("/subjects/t/versions", {{"schema", R"({"type":"record","name":"R"})"}}, 422);
  EXPECT_EQ(not_avro["error_code"], 42201);
  EXPECT_TRUE(not_avro["message"].get<std::string>().starts_with(
      R"(Invalid schema {"type":"record","name":"R"}, details: )"))
      << not_avro;
  EXPECT_EQ(post("/subjects/t/versions", json::object(), 422), err(42201, "Empty schema"));
  // A PROTOBUF schema must parse as .proto, and the message says where it does not.
  auto not_proto = post("/subjects/t/versions", {{"schema", record_schema}, {"schemaType", "PROTOBUF"}}, 422);
  EXPECT_EQ(not_proto["error_code"], 42201);
  EXPECT_NE(not_proto["message"].get<std::string>().find(", details: schema:1:1: "), std::string::npos)
      << not_proto;
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", record_schema}, {"schemaType", "XML"}}, 422),
            err(42201, "Invalid schema type XML"));
  // Fields of the wrong JSON type.
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", 5}}, 422), err(422, "Field 'schema' must be a string"));
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", record_schema}, {"references", "x"}}, 422),
            err(422, "Field 'references' must be an array"));
  EXPECT_EQ(post("/subjects/t/versions", json::array(), 422), err(422, "Request body must be a JSON object"));
  auto res = http->Post("/subjects/t/versions", "{\"schema\":", sr_type);
  EXPECT_EQ(expect(res, 400)["error_code"], 400);
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", record_schema}}, 415, "text/plain"),
            err(415, "HTTP 415 Unsupported Media Type"));
  // An id outside IMPORT mode.
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", record_schema}, {"id", 7}}, 422),
            err(42205, "Subject t is not in import mode"));
  EXPECT_EQ(get("/subjects", 200), json::array());
}

TEST_F(registry_server_test, lookup_under_subject) {
  register_schema("s", record_schema);
  EXPECT_EQ(post("/subjects/s", {{"schema", record_schema}}, 200),
            (json{{"subject", "s"}, {"version", 1}, {"id", 1}, {"schema", record_schema}}));
  EXPECT_EQ(post("/subjects/nope", {{"schema", record_schema}}, 404),
            err(40401, "Subject 'nope' not found."));
  EXPECT_EQ(post("/subjects/s", {{"schema", other_schema}}, 404), err(40403, "Schema not found"));
  EXPECT_EQ(post("/subjects/s", {{"schema", "{"}}, 422)["error_code"], 42201);
  // Soft-deleted versions are found only with deleted=true.
  del("/subjects/s", 200);
  EXPECT_EQ(post("/subjects/s", {{"schema", record_schema}}, 404), err(40401, "Subject 's' not found."));
  EXPECT_EQ(post("/subjects/s?deleted=true", {{"schema", record_schema}}, 200)["version"], 1);
}

TEST_F(registry_server_test, schema_by_id) {
  register_schema("s", record_schema);
  register_schema("t", record_schema);
  EXPECT_EQ(get("/schemas/ids/1", 200), (json{{"schema", record_schema}}));
  EXPECT_EQ(get("/schemas/ids/1?subject=s", 200), (json{{"schema", record_schema}}));
  EXPECT_EQ(get("/schemas/ids/7", 404), err(40403, "Schema 7 not found"));
  EXPECT_EQ(get("/schemas/ids/abc", 404), err(404, "HTTP 404 Not Found"));
  // The raw schema, the subjects and the subject-versions that use the id.
  EXPECT_EQ(get("/schemas/ids/1/schema", 200), json::parse(record_schema));
  EXPECT_EQ(get("/schemas/ids/1/subjects", 200), json::array({"s", "t"}));
  EXPECT_EQ(get("/schemas/ids/1/versions", 200),
            (json::array({{{"subject", "s"}, {"version", 1}}, {{"subject", "t"}, {"version", 1}}})));
  // SchemasResource.getSubjects / getVersions: schemaNotFoundException() without the id.
  EXPECT_EQ(get("/schemas/ids/7/subjects", 404), err(40403, "Schema not found"));
  EXPECT_EQ(get("/schemas/ids/7/versions", 404), err(40403, "Schema not found"));
  EXPECT_EQ(get("/schemas/ids/7/schema", 404), err(40403, "Schema 7 not found"));
  del("/subjects/t/versions/1", 200);
  EXPECT_EQ(get("/schemas/ids/1/subjects", 200), json::array({"s"}));
  EXPECT_EQ(get("/schemas/ids/1/subjects?deleted=true", 200), json::array({"s", "t"}));
}

TEST_F(registry_server_test, versions_of_subject) {
  register_schema("s", record_schema);
  register_schema("s", user_v2);
  const json v1{{"subject", "s"}, {"version", 1}, {"id", 1}, {"schema", record_schema}};
  const json v2{{"subject", "s"}, {"version", 2}, {"id", 2}, {"schema", user_v2}};
  EXPECT_EQ(get("/subjects/s/versions/1", 200), v1);
  EXPECT_EQ(get("/subjects/s/versions/2", 200), v2);
  EXPECT_EQ(get("/subjects/s/versions/latest", 200), v2);
  EXPECT_EQ(get("/subjects/s/versions/-1", 200), v2);
  EXPECT_EQ(get("/subjects/s/versions/1/schema", 200), json::parse(record_schema));
  EXPECT_EQ(get("/subjects/s/versions/latest/schema", 200), json::parse(user_v2));
  EXPECT_EQ(get("/subjects/s/versions/3", 404), err(40402, "Version 3 not found."));
  EXPECT_EQ(get("/subjects/x/versions/1", 404), err(40401, "Subject 'x' not found."));
  EXPECT_EQ(get("/subjects/x/versions", 404), err(40401, "Subject 'x' not found."));
  const std::string invalid =
      "The specified version 'abc' is not a valid version id. Allowed values are between [1, 2^31-1] and the "
      "string "
      "\"latest\"";
  EXPECT_EQ(get("/subjects/s/versions/abc", 422), err(42202, invalid));
  EXPECT_EQ(get("/subjects/s/versions/0", 422)["error_code"], 42202);
  EXPECT_EQ(get("/subjects/s/versions/2147483648", 422)["error_code"], 42202);
}

TEST_F(registry_server_test, list_schemas_and_subjects_with_filters) {
  register_schema("a-value", record_schema);
  register_schema("a-value", user_v2);
  register_schema("b-value", other_schema);
  const json a1{{"subject", "a-value"}, {"version", 1}, {"id", 1}, {"schema", record_schema}};
  const json a2{{"subject", "a-value"}, {"version", 2}, {"id", 2}, {"schema", user_v2}};
  const json b1{{"subject", "b-value"}, {"version", 1}, {"id", 3}, {"schema", other_schema}};
  EXPECT_EQ(get("/schemas", 200), json::array({a1, a2, b1}));
  EXPECT_EQ(get("/schemas?latestOnly=true", 200), json::array({a2, b1}));
  EXPECT_EQ(get("/schemas?subjectPrefix=b", 200), json::array({b1}));
  del("/subjects/b-value", 200);
  EXPECT_EQ(get("/schemas", 200), json::array({a1, a2}));
  EXPECT_EQ(get("/schemas?deleted=true", 200), json::array({a1, a2, b1}));
  EXPECT_EQ(get("/subjects", 200), json::array({"a-value"}));
  EXPECT_EQ(get("/subjects?deleted=true", 200), json::array({"a-value", "b-value"}));
  EXPECT_EQ(get("/subjects?deletedOnly=true", 200), json::array({"b-value"}));
  EXPECT_EQ(get("/subjects?subjectPrefix=a", 200), json::array({"a-value"}));
  EXPECT_EQ(get("/subjects?subjectPrefix=z", 200), json::array());
}

TEST_F(registry_server_test, delete_versions_soft_then_permanent) {
  register_schema("s", record_schema);
  register_schema("s", user_v2);
  EXPECT_EQ(del("/subjects/s/versions/1?permanent=true", 404),
            err(40407, "Subject 's' Version 1 was not deleted first before being permanently deleted"));
  EXPECT_EQ(del("/subjects/s/versions/1", 200), json(1));
  EXPECT_EQ(del("/subjects/s/versions/1", 404),
            err(40406, "Subject 's' Version 1 was soft deleted.Set permanent=true to delete permanently"));
  EXPECT_EQ(get("/subjects/s/versions", 200), json::array({2}));
  EXPECT_EQ(get("/subjects/s/versions?deleted=true", 200), json::array({1, 2}));
  EXPECT_EQ(get("/subjects/s/versions?deletedOnly=true", 200), json::array({1}));
  EXPECT_EQ(get("/subjects/s/versions/1", 404), err(40402, "Version 1 not found."));
  EXPECT_EQ(get("/subjects/s/versions/1?deleted=true", 200)["id"], 1);
  EXPECT_EQ(del("/subjects/s/versions/1?permanent=true", 200), json(1));
  EXPECT_EQ(get("/subjects/s/versions?deleted=true", 200), json::array({2}));
  EXPECT_EQ(del("/subjects/s/versions/9", 404), err(40402, "Version 9 not found."));
  EXPECT_EQ(del("/subjects/nope/versions/1", 404), err(40401, "Subject 'nope' not found."));
  EXPECT_EQ(del("/subjects/s/versions/x", 422)["error_code"], 42202);
  // "latest" deletes the newest live version.
  EXPECT_EQ(del("/subjects/s/versions/latest", 200), json(2));
  EXPECT_EQ(get("/subjects/s/versions", 404), err(40401, "Subject 's' not found."));
}

TEST_F(registry_server_test, delete_subject_soft_then_permanent) {
  register_schema("s", record_schema);
  register_schema("s", user_v2);
  EXPECT_EQ(del("/subjects/s?permanent=true", 404),
            err(40405, "Subject 's' was not deleted first before being permanently deleted"));
  EXPECT_EQ(del("/subjects/s", 200), json::array({1, 2}));
  EXPECT_EQ(del("/subjects/s", 404),
            err(40404, "Subject 's' was soft deleted.Set permanent=true to delete permanently"));
  EXPECT_EQ(get("/subjects", 200), json::array());
  EXPECT_EQ(get("/subjects/s/versions/latest", 404), err(40401, "Subject 's' not found."));
  EXPECT_EQ(get("/subjects/s/versions/latest?deleted=true", 200)["version"], 2);
  // The ids still resolve: consumers of old messages keep working after a soft delete.
  EXPECT_EQ(get("/schemas/ids/2", 200), (json{{"schema", user_v2}}));
  EXPECT_EQ(del("/subjects/s?permanent=true", 200), json::array({1, 2}));
  EXPECT_EQ(get("/subjects?deleted=true", 200), json::array());
  EXPECT_EQ(del("/subjects/s", 404), err(40401, "Subject 's' not found."));
  // Ids are never reused: a new schema after a permanent delete gets a fresh one.
  EXPECT_EQ(register_schema("s", other_schema), (json{{"id", 3}}));
}

TEST_F(registry_server_test, permanent_subject_delete_removes_its_config_and_mode) {
  register_schema("s", record_schema);
  register_schema("keep", other_schema);
  put("/config/s", {{"compatibility", "NONE"}}, 200);
  put("/mode/s", {{"mode", "READWRITE"}}, 200);
  put("/config/keep", {{"compatibility", "FULL"}}, 200);
  // A soft delete keeps the subject's own settings: it can still be undone by registering again.
  del("/subjects/s", 200);
  EXPECT_EQ(get("/config/s", 200), (json{{"compatibilityLevel", "NONE"}}));
  EXPECT_EQ(get("/mode/s", 200), (json{{"mode", "READWRITE"}}));
  // A permanent delete takes them with it; another subject's stay.
  EXPECT_EQ(del("/subjects/s?permanent=true", 200), json::array({1}));
  EXPECT_EQ(get("/config/s", 404),
            err(40408, "Subject 's' does not have subject-level compatibility configured"));
  EXPECT_EQ(get("/mode/s", 404), err(40409, "Subject 's' does not have subject-level mode configured"));
  EXPECT_EQ(get("/config/keep", 200), (json{{"compatibilityLevel", "FULL"}}));
  // Registered again, the subject follows the global level (BACKWARD): an incompatible change is refused.
  register_schema("s", record_schema);
  EXPECT_EQ(post("/subjects/s/versions", {{"schema", user_required}}, 409)["error_code"], 409);
}

TEST_F(registry_server_test, reregister_after_soft_delete_makes_a_new_version) {
  register_schema("s", record_schema);
  del("/subjects/s", 200);
  EXPECT_EQ(register_schema("s", record_schema), (json{{"id", 1}}));
  EXPECT_EQ(get("/subjects/s/versions", 200), json::array({2}));
}

TEST_F(registry_server_test, incompatible_schema_is_409_with_details) {
  register_schema("s", record_schema);
  const std::string message =
      "Schema being registered is incompatible with an earlier schema for subject \"s\", details: "
      "[{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'email' at path '/fields/1' "
      "in the "
      "new schema has no default value and is missing in the old schema', additionalInfo:'email'}, "
      "{oldSchemaVersion: 1}, {oldSchema: '" +
      record_schema + "'}, {validateFields: 'false', compatibility: 'BACKWARD'}]";
  EXPECT_EQ(post("/subjects/s/versions", {{"schema", user_required}}, 409), err(409, message));
  EXPECT_EQ(get("/subjects/s/versions", 200), json::array({1}));
}

struct level_case {
  const char* level;
  std::vector<std::string> history;  // registered in order (with NONE), then the level is set
  std::string candidate;
  bool accepted;
};

TEST_F(registry_server_test, every_compatibility_level) {
  const std::vector<level_case> cases{
      {"NONE", {record_schema}, other_schema, true},
      {"BACKWARD", {record_schema}, user_v2, true},
      {"BACKWARD", {record_schema}, user_required, false},
      {"BACKWARD", {record_schema}, user_empty, true},
      {"FORWARD", {record_schema}, user_required, true},
      {"FORWARD", {record_schema}, user_empty, false},
      {"FULL", {record_schema}, user_v2, true},
      {"FULL", {record_schema}, user_required, false},
      {"FULL", {record_schema}, user_empty, false},
      // Transitive levels look past the latest version: v1 has no email, v2 has it with a default,
      // the candidate requires it. BACKWARD accepts against v2 only; BACKWARD_TRANSITIVE refuses v1.
      {"BACKWARD", {user_empty, user_v2}, user_required, true},
      {"BACKWARD_TRANSITIVE", {user_empty, user_v2}, user_required, false},
      {"FORWARD", {record_schema, user_empty}, user_v2, true},
      {"FORWARD_TRANSITIVE", {user_v2, user_empty}, record_schema, true},
      {"FORWARD_TRANSITIVE", {user_empty, record_schema}, user_v2, true},
      {"FULL_TRANSITIVE", {user_empty, user_v2}, user_required, false},
      {"FULL_TRANSITIVE", {record_schema, user_v2}, record_schema, true},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string subject = "level-" + std::to_string(n++);
    put("/config/" + subject, {{"compatibility", "NONE"}}, 200);
    for (const auto& s : c.history) register_schema(subject, s);
    put("/config/" + subject, {{"compatibility", c.level}}, 200);
    auto res =
        http->Post("/subjects/" + subject + "/versions", json{{"schema", c.candidate}}.dump(), sr_type);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, c.accepted ? 200 : 409) << c.level << " " << subject << ": " << res->body;
    // The compatibility endpoint agrees with registration.
    if (!c.accepted) {
      EXPECT_EQ(post("/compatibility/subjects/" + subject + "/versions", {{"schema", c.candidate}}, 200),
                (json{{"is_compatible", false}}));
    }
  }
}

TEST_F(registry_server_test, compatibility_endpoint) {
  register_schema("s", record_schema);
  EXPECT_EQ(post("/compatibility/subjects/s/versions/latest", {{"schema", user_v2}}, 200),
            (json{{"is_compatible", true}}));
  EXPECT_EQ(post("/compatibility/subjects/s/versions/1?verbose=true", {{"schema", user_v2}}, 200),
            (json{{"is_compatible", true}, {"messages", json::array()}}));
  auto verbose = post("/compatibility/subjects/s/versions?verbose=true", {{"schema", user_required}}, 200);
  EXPECT_EQ(verbose["is_compatible"], false);
  ASSERT_EQ(verbose["messages"].size(), 4u) << verbose;
  EXPECT_EQ(verbose["messages"][0],
            "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'email' at path "
            "'/fields/1' in "
            "the new schema has no default value and is missing in the old schema', additionalInfo:'email'}");
  EXPECT_EQ(verbose["messages"][1], "{oldSchemaVersion: 1}");
  EXPECT_EQ(verbose["messages"][3], "{validateFields: 'false', compatibility: 'BACKWARD'}");
  // Nothing to be incompatible with.
  EXPECT_EQ(post("/compatibility/subjects/new/versions", {{"schema", user_required}}, 200),
            (json{{"is_compatible", true}}));
  EXPECT_EQ(post("/compatibility/subjects/new/versions/1", {{"schema", user_v2}}, 404),
            err(40402, "Version 1 not found."));
  EXPECT_EQ(post("/compatibility/subjects/s/versions/5", {{"schema", user_v2}}, 404),
            err(40402, "Version 5 not found."));
  EXPECT_EQ(post("/compatibility/subjects/s/versions/x", {{"schema", user_v2}}, 422)["error_code"], 42202);
  EXPECT_EQ(post("/compatibility/subjects/s/versions/1", {{"schema", "{"}}, 422)["error_code"], 42201);
}

TEST_F(registry_server_test, config_global_and_subject) {
  EXPECT_EQ(put("/config", {{"compatibility", "full"}}, 200), (json{{"compatibility", "FULL"}}));
  EXPECT_EQ(get("/config", 200), (json{{"compatibilityLevel", "FULL"}}));
  EXPECT_EQ(get("/config/s", 404),
            err(40408, "Subject 's' does not have subject-level compatibility configured"));
  EXPECT_EQ(get("/config/s?defaultToGlobal=true", 200), (json{{"compatibilityLevel", "FULL"}}));
  EXPECT_EQ(put("/config/s", {{"compatibility", "NONE"}}, 200), (json{{"compatibility", "NONE"}}));
  EXPECT_EQ(get("/config/s", 200), (json{{"compatibilityLevel", "NONE"}}));
  const json invalid = err(42203,
                           "Invalid compatibility level. Valid values are none, backward, forward, full, "
                           "backward_transitive, forward_transitive, and full_transitive");
  EXPECT_EQ(put("/config/s", {{"compatibility", "SIDEWAYS"}}, 422), invalid);
  // ConfigValue.update keeps what the request leaves out: {} changes nothing.
  EXPECT_EQ(put("/config", json::object(), 200), (json{{"compatibility", "FULL"}}));
  EXPECT_EQ(expect(http->Put("/config", "{", sr_type), 400)["error_code"], 400);
  // Deleting a subject's level answers the level it removed; a subject without versions may have
  // one. Without a level of its own, Confluent answers "subject not found", versions or not.
  EXPECT_EQ(del("/config/s", 200), (json{{"compatibilityLevel", "NONE"}}));
  EXPECT_EQ(get("/config/s", 404)["error_code"], 40408);
  EXPECT_EQ(del("/config/s", 404), err(40401, "Subject 's' not found."));
  register_schema("s", record_schema);
  EXPECT_EQ(del("/config/s", 404), err(40401, "Subject 's' not found."));
  EXPECT_EQ(del("/config", 200), (json{{"compatibilityLevel", "FULL"}}));
  EXPECT_EQ(get("/config", 200), (json{{"compatibilityLevel", "BACKWARD"}}));
}

TEST_F(registry_server_test, mode_read_only_and_import) {
  EXPECT_EQ(put("/mode/s", {{"mode", "READONLY"}}, 200), (json{{"mode", "READONLY"}}));
  EXPECT_EQ(get("/mode/s", 200), (json{{"mode", "READONLY"}}));
  EXPECT_EQ(post("/subjects/s/versions", {{"schema", record_schema}}, 422),
            err(42205, "Subject s is in read-only mode"));
  EXPECT_EQ(register_schema("t", record_schema), (json{{"id", 1}}));
  EXPECT_EQ(del("/mode/s", 200), (json{{"mode", "READONLY"}}));
  EXPECT_EQ(get("/mode/s", 404), err(40409, "Subject 's' does not have subject-level mode configured"));
  EXPECT_EQ(del("/mode/s", 404), err(40401, "Subject 's' not found."));
  EXPECT_EQ(get("/mode/s?defaultToGlobal=true", 200), (json{{"mode", "READWRITE"}}));
  EXPECT_EQ(put("/mode", {{"mode", "WRITEONLY"}}, 422),
            err(42204, "Invalid mode. Valid values are READWRITE, READONLY, and IMPORT."));
  // READONLY_OVERRIDE globally wins over a subject's own mode.
  put("/mode/t", {{"mode", "READWRITE"}}, 200);
  EXPECT_EQ(put("/mode", {{"mode", "READONLY_OVERRIDE"}}, 200), (json{{"mode", "READONLY_OVERRIDE"}}));
  EXPECT_EQ(get("/mode/t", 200), (json{{"mode", "READONLY_OVERRIDE"}}));
  EXPECT_EQ(get("/mode/no-mode-of-its-own", 200), (json{{"mode", "READONLY_OVERRIDE"}}));
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", user_v2}}, 422),
            err(42205, "Subject t is in read-only mode"));
  EXPECT_EQ(del("/subjects/t", 422), err(42205, "Subject t is in read-only mode"));
  // IMPORT needs an empty registry unless forced, then takes ids and versions as given.
  EXPECT_EQ(put("/mode", {{"mode", "IMPORT"}}, 422),
            err(42205, "Cannot import since found existing subjects"));
  EXPECT_EQ(put("/mode?force=true", {{"mode", "IMPORT"}}, 200), (json{{"mode", "IMPORT"}}));
  EXPECT_EQ(post("/subjects/imported/versions", {{"schema", other_schema}, {"id", 42}, {"version", 7}}, 200),
            (json{{"id", 42}}));
  EXPECT_EQ(get("/subjects/imported/versions/7", 200),
            (json{{"subject", "imported"}, {"version", 7}, {"id", 42}, {"schema", other_schema}}));
  // No compatibility check in IMPORT mode; an id already taken by another schema is refused.
  EXPECT_EQ(post("/subjects/imported/versions", {{"schema", user_v2}, {"id", 42}}, 422),
            err(42205, "Overwrite new schema with id 42 is not permitted."));
  EXPECT_EQ(put("/mode", {{"mode", "READWRITE"}}, 200), (json{{"mode", "READWRITE"}}));
  // New ids continue above the imported ones.
  EXPECT_EQ(register_schema("after", user_empty), (json{{"id", 43}}));
}

TEST_F(registry_server_test, import_mode_needs_no_live_version_and_purges_soft_deleted_ones) {
  register_schema("gone", record_schema);
  register_schema("live", other_schema);
  del("/subjects/gone", 200);
  // Only live versions stand in the way, per subject or (globally) anywhere.
  EXPECT_EQ(put("/mode/live", {{"mode", "IMPORT"}}, 422),
            err(42205, "Cannot import since found existing subjects"));
  EXPECT_EQ(put("/mode", {{"mode", "IMPORT"}}, 422),
            err(42205, "Cannot import since found existing subjects"));
  EXPECT_EQ(put("/mode/gone", {{"mode", "IMPORT"}}, 200), (json{{"mode", "IMPORT"}}));
  // The soft-deleted versions went for good, so the subject starts again at the version it is given.
  EXPECT_EQ(get("/subjects?deleted=true", 200), json::array({"live"}));
  EXPECT_EQ(post("/subjects/gone/versions", {{"schema", user_v2}, {"id", 10}, {"version", 1}}, 200),
            (json{{"id", 10}}));
  // Already in IMPORT: setting it again is not a switch and needs nothing.
  EXPECT_EQ(put("/mode/gone", {{"mode", "IMPORT"}}, 200), (json{{"mode", "IMPORT"}}));
}

TEST_F(registry_server_test, schema_references) {
  const std::string address =
      R"({"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]})";
  const std::string person =
      R"({"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"home","type":"Address"},{"name":"work","type":"com.acme.Address"}]})";
  register_schema("address", address);
  const json refs = json::array({{{"name", "com.acme.Address"}, {"subject", "address"}, {"version", 1}}});
  EXPECT_EQ(post("/subjects/person/versions", {{"schema", person}, {"references", refs}}, 200),
            (json{{"id", 2}}));
  EXPECT_EQ(
      get("/subjects/person/versions/1", 200),
      (json{{"subject", "person"}, {"version", 1}, {"id", 2}, {"references", refs}, {"schema", person}}));
  EXPECT_EQ(get("/schemas/ids/2", 200), (json{{"schema", person}, {"references", refs}}));
  EXPECT_EQ(post("/subjects/person", {{"schema", person}, {"references", refs}}, 200)["id"], 2);
  EXPECT_EQ(get("/subjects/address/versions/1/referencedby", 200), json::array({2}));
  EXPECT_EQ(
      del("/subjects/address/versions/1", 422),
      err(42206,
          "One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=address,version=1}."));
  EXPECT_EQ(del("/subjects/address", 422)["error_code"], 42206);
  // Without the reference the name is unknown; a reference to nothing is refused too.
  EXPECT_EQ(post("/subjects/p2/versions", {{"schema", person}}, 422)["error_code"], 42201);
  const json dangling = json::array({{{"name", "com.acme.Address"}, {"subject", "nowhere"}, {"version", 1}}});
  EXPECT_EQ(post("/subjects/p2/versions", {{"schema", person}, {"references", dangling}}, 422)["error_code"],
            42201);
  // Once the referencing subject is gone, the referenced one can be deleted.
  del("/subjects/person", 200);
  EXPECT_EQ(get("/subjects/address/versions/1/referencedby", 200), json::array());
  EXPECT_EQ(del("/subjects/address", 200), json::array({1}));
}

TEST_F(registry_server_test, url_encoded_subject) {
  EXPECT_EQ(post("/subjects/my%20topic%3Avalue/versions", {{"schema", record_schema}}, 200),
            (json{{"id", 1}}));
  EXPECT_EQ(get("/subjects", 200), json::array({"my topic:value"}));
  EXPECT_EQ(get("/subjects/my%20topic%3Avalue/versions/latest", 200)["subject"], "my topic:value");
}

TEST_F(registry_server_test, response_media_type_follows_accept) {
  register_schema("s", record_schema);
  auto res = http->Get("/subjects", {{"Accept", "application/json"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  res = http->Get("/subjects", {{"Accept", "application/vnd.schemaregistry.v1+json, application/json"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), sr_type);
}

TEST_F(registry_server_test, unknown_route) {
  const json not_found = err(404, "HTTP 404 Not Found");
  EXPECT_EQ(get("/nothing/here", 404), not_found);
  EXPECT_EQ(post("/nothing", json::object(), 404), not_found);
  EXPECT_EQ(get("/schemas/ids", 404), not_found);
  EXPECT_EQ(get("/subjects/s/versions/1/nothing", 404), not_found);
  EXPECT_EQ(del("/subjects//versions/1", 404), not_found);
  // A path id that is not a number matches no route of Confluent's either.
  EXPECT_EQ(get("/schemas/ids/abc", 404), not_found);
}

// Jersey answers a method a known path does not serve with 405 and rest-utils' JSON body; kavro
// adds the Allow header HTTP asks for.
TEST_F(registry_server_test, wrong_method_on_a_known_path_is_405) {
  register_schema("s", record_schema);
  const json not_allowed = err(405, "HTTP 405 Method Not Allowed");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"DELETE", "/"},
      {"PUT", "/schemas/types"},
      {"POST", "/schemas"},
      {"DELETE", "/schemas/ids/1"},
      {"POST", "/schemas/ids/1/schema"},
      {"PUT", "/subjects"},
      {"GET", "/subjects/s"},
      {"PUT", "/subjects/s"},
      {"DELETE", "/subjects/s/versions"},
      {"PUT", "/subjects/s/versions"},
      {"POST", "/subjects/s/versions/1"},
      {"PUT", "/subjects/s/versions/1"},
      {"DELETE", "/subjects/s/versions/1/schema"},
      {"POST", "/subjects/s/versions/1/referencedby"},
      {"GET", "/compatibility/subjects/s/versions"},
      {"DELETE", "/compatibility/subjects/s/versions/1"},
      {"POST", "/config"},
      {"POST", "/config/s"},
      {"PATCH", "/mode"},
      {"POST", "/mode/s"},
      {"DELETE", "/healthz"},
  };
  for (const auto& [method, path] : cases) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    if (method != "GET" && method != "DELETE") req.set_header("Content-Type", sr_type);
    if (method == "POST" || method == "PUT" || method == "PATCH") req.body = "{}";
    auto res = http->send(req);
    ASSERT_TRUE(res) << method << ' ' << path;
    EXPECT_EQ(res->status, 405) << method << ' ' << path << ": " << res->body;
    EXPECT_EQ(json::parse(res->body, nullptr, false), not_allowed) << method << ' ' << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), sr_type);
    EXPECT_FALSE(res->get_header_value("Allow").empty()) << method << ' ' << path;
  }
  // The old catch-all subject patterns no longer swallow these: nothing was deleted or looked up.
  EXPECT_EQ(get("/subjects/s/versions", 200), json::array({1}));

  auto res = http->Delete("/subjects/s/versions");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD, POST, OPTIONS");
  // The method is checked before the media type: a served one gets 415, another one 405.
  res = http->Put("/config/s", "{}", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 415);
  res = http->Post("/config", "{}", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  // HEAD goes where GET goes, and only there.
  res = http->Head("/subjects/s/versions");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = http->Head("/subjects/s");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  // OPTIONS on a known path is Jersey's automatic answer: 200 with the methods it serves.
  res = http->Options("/subjects/s");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Allow"), "POST, DELETE, OPTIONS");
  res = http->Options("/nothing");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  // Methods httplib routes nowhere get the same answers.
  httplib::Request trace;
  trace.method = "TRACE";
  trace.path = "/subjects";
  EXPECT_EQ(expect(http->send(trace), 405), not_allowed);
  trace.path = "/nothing";
  EXPECT_EQ(expect(http->send(trace), 404), err(404, "HTTP 404 Not Found"));
}

TEST_F(registry_server_test, subjects_with_slashes_fill_one_path_segment) {
  // A subject named like a path (sent as %2F) is a subject, not a route.
  EXPECT_EQ(post("/subjects/a%2Fversions/versions", {{"schema", record_schema}}, 200), (json{{"id", 1}}));
  EXPECT_EQ(get("/subjects", 200), json::array({"a/versions"}));
  EXPECT_EQ(get("/subjects/a%2Fversions/versions/1", 200)["subject"], "a/versions");
  EXPECT_EQ(get("/config/a%2Fversions?defaultToGlobal=true", 200),
            (json{{"compatibilityLevel", "BACKWARD"}}));
  EXPECT_EQ(del("/subjects/a%2Fversions", 200), json::array({1}));
  // A trailing slash names the same resource.
  EXPECT_EQ(get("/subjects/", 200), json::array());
}

TEST_F(registry_server_test, root_answers_get_and_post) {
  EXPECT_EQ(get("/", 200), json::object());
  EXPECT_EQ(post("/", json::object(), 200), json::object());
  EXPECT_EQ(post("/", {{"any", "thing"}}, 200), json::object());
  EXPECT_EQ(expect(http->Post("/", "{", sr_type), 400)["error_code"], 400);
}

TEST_F(registry_server_test, oversized_body_is_413) {
  start([] {
    kavro::registry_server::server_config c{"127.0.0.1", 0};
    c.max_body_bytes = 1024;
    return c;
  }());
  EXPECT_EQ(post("/subjects/s/versions", {{"schema", std::string(2000, ' ') + record_schema}}, 413),
            err(413, "Request body is larger than 1024 bytes"));
  EXPECT_EQ(register_schema("s", record_schema), (json{{"id", 1}}));
}

TEST_F(registry_server_test, basic_auth) {
  start([] {
    kavro::registry_server::server_config c{"127.0.0.1", 0};
    c.basic_auth = "alice:s3cret";
    return c;
  }());
  EXPECT_EQ(get("/subjects", 401), err(401, "Unauthorized"));
  http->set_basic_auth("alice", "wrong");
  EXPECT_EQ(get("/subjects", 401), err(401, "Unauthorized"));
  // Probes stay open, so an orchestrator needs no credentials.
  EXPECT_EQ(get("/healthz", 200), json::object());
  http->set_basic_auth("alice", "s3cret");
  EXPECT_EQ(get("/subjects", 200), json::array());
}

TEST(registry_server_lifecycle, stop_then_wait_returns) {
  kavro::registry_server::server srv{{"127.0.0.1", 0}};
  ASSERT_TRUE(srv.start());
  std::thread stopper([&] { srv.stop(); });
  srv.wait();
  stopper.join();
  srv.stop();  // idempotent
}

}  // namespace
