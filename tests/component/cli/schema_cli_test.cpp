// `kavro schema` against kavro's registry server on loopback: exact outputs and exit codes (0 done,
// 1 incompatible, 2 error), export/import keeping ids, credentials from -F files and files only,
// and no secret in any message. Also the CLI's did-you-mean and its usage name.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kavro/registry_server/server.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string user_v1 = R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";
// An added field with a default: BACKWARD compatible.
const std::string user_v2 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":"string","default":""}]})";
// An added field without a default: new readers cannot read old data.
const std::string user_required =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":"string"}]})";
const std::string other = R"({"type":"record","name":"Other","fields":[{"name":"x","type":"int"}]})";

struct outcome {
  int code = -1;
  std::string out;
  std::string err;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class schema_cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("kavro-schema-cli-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
    write("v1.avsc", user_v1);
    write("v2.avsc", user_v2);
    write("required.avsc", user_required);
    write("other.avsc", other);
  }
  void TearDown() override {
    for (auto& s : servers) s->stop();
    fs::remove_all(dir);
  }

  std::string start(kavro::registry_server::server_config config = {"127.0.0.1", 0}) {
    servers.push_back(std::make_unique<kavro::registry_server::server>(std::move(config)));
    auto port = servers.back()->start();
    EXPECT_TRUE(port) << port.error().message;
    return "http://127.0.0.1:" + std::to_string(port ? *port : 0);
  }

  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
  }

  // Runs kavro with `args`, without the caller's registry environment unless `env` sets it.
  outcome run(const std::vector<std::string>& args, const std::string& env = "") {
    std::string cmd = "env -u KAVRO_REGISTRY -u KAVRO_REGISTRY_AUTH " + env + " " + quote(KAVRO_CLI);
    for (const auto& a : args) cmd += " " + quote(a);
    cmd += " >" + quote((dir / "out").string()) + " 2>" + quote((dir / "err").string()) + " </dev/null";
    const int status = std::system(cmd.c_str());
    outcome o;
    o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.out = slurp(dir / "out");
    o.err = slurp(dir / "err");
    return o;
  }

  outcome schema(const std::string& url, std::vector<std::string> args) {
    args.insert(args.begin(), "schema");
    args.insert(args.begin() + 2, {"--registry", url});
    return run(args);
  }

  fs::path dir;
  std::vector<std::unique_ptr<kavro::registry_server::server>> servers;
};

TEST_F(schema_cli, register_list_get) {
  const auto url = start();
  auto reg = schema(url, {"register", "users-value", (dir / "v1.avsc").string()});
  ASSERT_EQ(reg.code, 0) << reg.err;
  EXPECT_EQ(reg.out, "1\n");
  EXPECT_EQ(schema(url, {"register", "users-value", (dir / "v2.avsc").string()}).out, "2\n");
  EXPECT_EQ(schema(url, {"register", "others-value", (dir / "other.avsc").string(), "--json"}).out,
            "{\"id\":3}\n");

  EXPECT_EQ(schema(url, {"subjects"}).out, "others-value\nusers-value\n");
  EXPECT_EQ(schema(url, {"subjects", "--prefix", "users"}).out, "users-value\n");
  EXPECT_EQ(schema(url, {"subjects", "--json"}).out, "[\"others-value\",\"users-value\"]\n");
  EXPECT_EQ(schema(url, {"versions", "users-value"}).out, "1\n2\n");
  EXPECT_EQ(schema(url, {"get", "users-value"}).out, user_v2 + "\n");
  EXPECT_EQ(schema(url, {"get", "users-value", "--version", "1"}).out, user_v1 + "\n");
  EXPECT_EQ(schema(url, {"get", "--id", "3"}).out, other + "\n");
  auto full = schema(url, {"get", "users-value", "--version", "latest", "--json"});
  ASSERT_EQ(full.code, 0) << full.err;
  EXPECT_EQ(json::parse(full.out),
            (json{{"subject", "users-value"}, {"version", 2}, {"id", 2}, {"schema", user_v2}}));

  // Errors: exit 2, one line naming the request, the status and Confluent's code and message; stdout empty.
  auto missing = schema(url, {"get", "nope"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(missing.err,
            "kavro schema get: GET " + url +
                "/subjects/nope/versions/latest: HTTP 404: error_code 40401: Subject 'nope' not found.\n");
  auto bad_file = schema(url, {"register", "x", (dir / "absent.avsc").string()});
  EXPECT_EQ(bad_file.code, 2);
  EXPECT_EQ(bad_file.err,
            "kavro schema register: cannot open schema file '" + (dir / "absent.avsc").string() + "'\n");
}

TEST_F(schema_cli, check_is_a_ci_gate) {
  const auto url = start();
  ASSERT_EQ(schema(url, {"register", "users-value", (dir / "v1.avsc").string()}).code, 0);

  auto ok = schema(url, {"check", "users-value", (dir / "v2.avsc").string()});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "");
  auto ok_latest = schema(url, {"check", "users-value", (dir / "v2.avsc").string(), "--version", "latest"});
  EXPECT_EQ(ok_latest.code, 0) << ok_latest.err;

  auto bad = schema(url, {"check", "users-value", (dir / "required.avsc").string()});
  EXPECT_EQ(bad.code, 1) << bad.err;
  EXPECT_NE(bad.out.find("email"), std::string::npos) << bad.out;  // the reason names the field
  EXPECT_NE(bad.err.find("is NOT compatible with users-value"), std::string::npos) << bad.err;
  auto bad_json = schema(url, {"check", "users-value", (dir / "required.avsc").string(), "--json"});
  EXPECT_EQ(bad_json.code, 1);
  EXPECT_EQ(json::parse(bad_json.out)["is_compatible"], false);

  // NONE: anything goes.
  ASSERT_EQ(schema(url, {"config", "users-value", "--set", "none"}).out, "NONE\n");
  EXPECT_EQ(schema(url, {"check", "users-value", (dir / "required.avsc").string()}).code, 0);
  EXPECT_EQ(schema(url, {"config", "users-value"}).out, "NONE\n");
  EXPECT_EQ(schema(url, {"config"}).out, "BACKWARD\n");

  // Errors are 2, never 1: an invalid schema, a missing version, a registry that is not there.
  auto not_avro = schema(url, {"check", "users-value", write("bad.avsc", R"({"type":"nope"})").string()});
  EXPECT_EQ(not_avro.code, 2);
  EXPECT_NE(not_avro.err.find("HTTP 422: error_code 42201"), std::string::npos) << not_avro.err;
  EXPECT_EQ(schema(url, {"check", "users-value", (dir / "v2.avsc").string(), "--version", "9"}).code, 2);
  EXPECT_EQ(schema(url, {"check", "users-value", write("notjson.avsc", "{oops").string()}).code, 2);

  kavro::registry_server::server gone({"127.0.0.1", 0});
  auto gone_port = gone.start();
  ASSERT_TRUE(gone_port);
  gone.stop();
  const std::string dead = "http://127.0.0.1:" + std::to_string(*gone_port);
  auto unreachable = schema(dead, {"check", "users-value", (dir / "v2.avsc").string()});
  EXPECT_EQ(unreachable.code, 2);
  EXPECT_EQ(unreachable.out, "");
  EXPECT_NE(unreachable.err.find("registry unreachable: POST " + dead +
                                 "/compatibility/subjects/users-value/versions"),
            std::string::npos)
      << unreachable.err;
}

TEST_F(schema_cli, export_then_import_keeps_ids_and_versions) {
  const auto source = start();
  // Ids not in subject order, a schema shared by two subjects, and a deleted version.
  ASSERT_EQ(schema(source, {"register", "b-value", (dir / "other.avsc").string()}).out, "1\n");
  ASSERT_EQ(schema(source, {"register", "a-value", (dir / "v1.avsc").string()}).out, "2\n");
  ASSERT_EQ(schema(source, {"register", "a-value", (dir / "v2.avsc").string()}).out, "3\n");
  ASSERT_EQ(schema(source, {"register", "c-value", (dir / "v1.avsc").string()}).out, "2\n");
  auto exported = schema(source, {"export"});
  ASSERT_EQ(exported.code, 0) << exported.err;
  const std::vector<std::string> lines = [&] {
    std::vector<std::string> v;
    std::istringstream in(exported.out);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  }();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(json::parse(lines[0]), (json{{"subject", "b-value"},
                                         {"version", 1},
                                         {"id", 1},
                                         {"schemaType", "AVRO"},
                                         {"references", json::array()},
                                         {"schema", other}}));
  EXPECT_EQ(json::parse(lines[1])["subject"], "a-value");
  EXPECT_EQ(json::parse(lines[2])["subject"], "c-value");
  EXPECT_EQ(json::parse(lines[3])["id"], 3);
  const auto file = write("export.jsonl", exported.out);
  EXPECT_EQ(schema(source, {"export", "--subject-prefix", "a"}).out, lines[1] + "\n" + lines[3] + "\n");

  // A registry not in IMPORT mode is refused before anything is written.
  const auto target = start();
  auto refused = schema(target, {"import", file.string()});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("is in READWRITE mode for subject 'a-value', not IMPORT"), std::string::npos)
      << refused.err;
  EXPECT_EQ(schema(target, {"subjects"}).out, "");

  ASSERT_EQ(schema(target, {"mode", "--set", "import"}).out, "IMPORT\n");
  auto imported = schema(target, {"import", file.string()});
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_NE(imported.err.find("4 schema versions of 3 subjects"), std::string::npos) << imported.err;
  ASSERT_EQ(schema(target, {"mode", "--set", "READWRITE"}).out, "READWRITE\n");
  EXPECT_EQ(schema(target, {"export"}).out, exported.out);
  // New registrations continue after the imported ids.
  EXPECT_EQ(schema(target, {"register", "d-value", (dir / "required.avsc").string()}).out, "4\n");

  // A bad line imports nothing and names the line.
  const auto third = start();
  ASSERT_EQ(schema(third, {"mode", "--set", "IMPORT"}).code, 0);
  const auto broken = write("broken.jsonl", lines[0] + "\n{\"subject\":\"x\",\"version\":0}\n");
  auto bad = schema(third, {"import", broken.string()});
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err, "kavro schema import: " + broken.string() + ":2: 'schema' must be a string\n");
  EXPECT_EQ(schema(third, {"subjects"}).out, "");
}

TEST_F(schema_cli, delete_and_mode) {
  const auto url = start();
  ASSERT_EQ(schema(url, {"register", "a-value", (dir / "v1.avsc").string()}).code, 0);
  ASSERT_EQ(schema(url, {"register", "a-value", (dir / "v2.avsc").string()}).code, 0);
  EXPECT_EQ(schema(url, {"delete", "a-value", "--version", "1"}).out, "1\n");
  EXPECT_EQ(schema(url, {"versions", "a-value"}).out, "2\n");
  EXPECT_EQ(schema(url, {"versions", "a-value", "--deleted"}).out, "1\n2\n");
  EXPECT_EQ(schema(url, {"delete", "a-value", "--permanent"}).out, "1\n2\n");
  EXPECT_EQ(schema(url, {"subjects", "--deleted"}).out, "");
  EXPECT_EQ(schema(url, {"mode"}).out, "READWRITE\n");
  EXPECT_EQ(schema(url, {"mode", "a-value", "--set", "READONLY"}).out, "READONLY\n");
  auto refused = schema(url, {"register", "a-value", (dir / "v1.avsc").string()});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("error_code 42205"), std::string::npos) << refused.err;
}

TEST_F(schema_cli, credentials_from_files_only_and_never_printed) {
  kavro::registry_server::server_config config{"127.0.0.1", 0};
  config.basic_auth = "alice:s3cret-pw";
  const auto url = start(config);
  const auto good =
      write("good.properties",
            "# a Confluent client file\nbootstrap.servers=localhost:9092\nschema.registry.url=" + url +
                "\nbasic.auth.credentials.source=USER_INFO\nbasic.auth.user.info=alice:s3cret-pw\n"
                "key.serializer=org.apache.kafka.common.serialization.StringSerializer\n");
  auto ok = run({"schema", "register", "-F", good.string(), "s-value", (dir / "v1.avsc").string()});
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "1\n");
  EXPECT_EQ(ok.err, "");  // the Java-only key concerns Kafka commands, not this one

  // A later -F file wins.
  const auto wrong = write("wrong.properties", "basic.auth.user.info=alice:not-the-pw\n");
  auto denied = run({"schema", "subjects", "-F", good.string(), "-F", wrong.string()});
  EXPECT_EQ(denied.code, 2);
  EXPECT_EQ(denied.out, "");
  EXPECT_EQ(denied.err, "kavro schema subjects: GET " + url +
                            "/subjects: HTTP 401: error_code 401: Unauthorized (check the credentials: "
                            "--registry-auth-file, KAVRO_REGISTRY_AUTH or -F)\n");
  EXPECT_EQ(denied.err.find("not-the-pw"), std::string::npos);

  // --registry-auth-file, and the environment.
  const auto auth = write("auth", "alice:s3cret-pw\n");
  EXPECT_EQ(run({"schema", "subjects", "--registry", url, "--registry-auth-file", auth.string()}).out,
            "s-value\n");
  EXPECT_EQ(run({"schema", "subjects", "--registry", url}, "KAVRO_REGISTRY_AUTH=alice:s3cret-pw").out,
            "s-value\n");
  EXPECT_EQ(run({"schema", "subjects", "--registry", url}).code, 2);

  // Credentials in the URL are redacted from messages.
  auto in_url = run({"schema", "subjects", "--registry",
                     "http://alice:wrong-pw@127.0.0.1:" + url.substr(url.rfind(':') + 1)});
  EXPECT_EQ(in_url.code, 2);
  EXPECT_EQ(in_url.err.find("wrong-pw"), std::string::npos) << in_url.err;
  EXPECT_NE(in_url.err.find("http://[redacted]@127.0.0.1"), std::string::npos) << in_url.err;

  // A bad -F file: file:line, never the value.
  const auto jks = write("jks.properties", "schema.registry.url=" + url +
                                               "\nschema.registry.ssl.truststore.location=/etc/t.jks\n"
                                               "schema.registry.ssl.truststore.password=hunter2\n");
  auto refused = run({"schema", "subjects", "-F", jks.string()});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find(jks.string() + ":2: schema.registry.ssl.truststore.location: a JKS truststore"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.err.find("hunter2"), std::string::npos);
}

TEST_F(schema_cli, bearer_token_from_a_file_or_properties) {
  // A registry stand-in that accepts only the token, to see the header the client sends.
  httplib::Server fake;
  fake.Get("/subjects", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") == "Bearer tok-123") {
      res.set_content("[\"a-value\"]", "application/vnd.schemaregistry.v1+json");
    } else {
      res.status = 401;
      res.set_content(R"({"error_code":401,"message":"Unauthorized"})",
                      "application/vnd.schemaregistry.v1+json");
    }
  });
  const int port = fake.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { fake.listen_after_bind(); });
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const auto token = write("token", "tok-123\n");
  auto by_file =
      run({"schema", "subjects", "--registry", url, "--registry-bearer-token-file", token.string()});
  EXPECT_EQ(by_file.code, 0) << by_file.err;
  EXPECT_EQ(by_file.out, "a-value\n");
  const auto props = write("bearer.properties",
                           "schema.registry.url=" + url +
                               "\nbearer.auth.credentials.source=STATIC_TOKEN\nbearer.auth.token=tok-123\n");
  EXPECT_EQ(run({"schema", "subjects", "-F", props.string()}).out, "a-value\n");
  const auto wrong = write("wrong-token", "tok-999");
  auto denied =
      run({"schema", "subjects", "--registry", url, "--registry-bearer-token-file", wrong.string()});
  EXPECT_EQ(denied.code, 2);
  EXPECT_EQ(denied.err.find("tok-999"), std::string::npos);
  auto both = run({"schema", "subjects", "--registry", url, "--registry-bearer-token-file", token.string(),
                   "--registry-auth-file", wrong.string()});
  EXPECT_EQ(both.code, 2);
  EXPECT_EQ(both.err,
            "kavro schema subjects: --registry-auth-file and --registry-bearer-token-file are exclusive; "
            "give one\n");
  fake.stop();
  serving.join();
}

TEST_F(schema_cli, https_registry_with_a_pem_ca) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl command";
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      quote(key) + " -out " + quote(cert) + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  kavro::registry_server::server_config config{"127.0.0.1", 0};
  config.tls_cert_file = cert;
  config.tls_key_file = key;
  const std::string https = "https" + start(config).substr(4);

  auto untrusted = run({"schema", "subjects", "--registry", https});
  EXPECT_EQ(untrusted.code, 2);
  EXPECT_NE(untrusted.err.find("registry unreachable: GET " + https + "/subjects: "), std::string::npos)
      << untrusted.err;
  auto trusted = run(
      {"schema", "register", "--registry", https, "--registry-ca", cert, "s", (dir / "v1.avsc").string()});
  EXPECT_EQ(trusted.code, 0) << trusted.err;
  EXPECT_EQ(trusted.out, "1\n");
  // Java's names, with a PEM truststore.
  const auto props = write("tls.properties", "schema.registry.url=" + https +
                                                 "\nschema.registry.ssl.truststore.location=" + cert +
                                                 "\nschema.registry.ssl.truststore.type=PEM\n");
  EXPECT_EQ(run({"schema", "subjects", "-F", props.string()}).out, "s\n");
  auto half = run({"schema", "subjects", "--registry", https, "--registry-cert", cert});
  EXPECT_EQ(half.code, 2);
  EXPECT_EQ(half.err,
            "kavro schema subjects: --registry-cert and --registry-key go together: give both or neither\n");
  auto missing =
      run({"schema", "subjects", "--registry", https, "--registry-ca", (dir / "nope.pem").string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.err, "kavro schema subjects: --registry-ca " + (dir / "nope.pem").string() +
                             ": cannot open: No such file or directory\n");
}

TEST_F(schema_cli, registry_url_precedence) {
  const auto live = start();
  ASSERT_EQ(schema(live, {"register", "p-value", (dir / "v1.avsc").string()}).code, 0);
  kavro::registry_server::server gone({"127.0.0.1", 0});
  auto gone_port = gone.start();
  ASSERT_TRUE(gone_port);
  gone.stop();
  const std::string dead = "http://127.0.0.1:" + std::to_string(*gone_port);
  const auto to_dead = write("dead.properties", "schema.registry.url=" + dead + "\n");
  const auto to_live = write("live.properties", "schema.registry.url=" + live + "\n");
  // --registry beats -F; -F beats $KAVRO_REGISTRY; a later -F beats an earlier one.
  EXPECT_EQ(run({"schema", "subjects", "-F", to_dead.string(), "--registry", live}).out, "p-value\n");
  EXPECT_EQ(run({"schema", "subjects", "-F", to_live.string()}, "KAVRO_REGISTRY=" + dead).out, "p-value\n");
  EXPECT_EQ(run({"schema", "subjects"}, "KAVRO_REGISTRY=" + live).out, "p-value\n");
  EXPECT_EQ(run({"schema", "subjects", "-F", to_dead.string(), "-F", to_live.string()}).out, "p-value\n");
  EXPECT_EQ(run({"schema", "subjects", "-F", to_live.string(), "-F", to_dead.string()}).code, 2);
}

TEST_F(schema_cli, did_you_mean_and_usage_name) {
  auto top = run({"prodcue"});
  EXPECT_EQ(top.code, 2);
  EXPECT_NE(top.err.find("kavro: 'prodcue' is not a kavro command; did you mean 'produce'?"),
            std::string::npos)
      << top.err;
  auto nested = run({"schema", "chek", "x", "y"});
  EXPECT_EQ(nested.code, 2);
  EXPECT_NE(nested.err.find("kavro schema: 'chek' is not a kavro schema command; did you mean 'check'?"),
            std::string::npos)
      << nested.err;
  // A mistyped long option gets the closest option of the command it was given to.
  auto option = run({"avro", "fingerprint", "--algoritm", "md5", "x.avsc"});
  EXPECT_EQ(option.code, 2);
  EXPECT_NE(option.err.find("kavro avro fingerprint: no option '--algoritm'; did you mean '--algorithm'?"),
            std::string::npos)
      << option.err;
  // Any other usage error: the one error format, and where to read the usage.
  auto missing = run({"avro", "encode"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.err,
            "kavro avro encode: --schema is required\nRun `kavro avro encode --help` for the usage.\n");
  auto nothing_close = run({"zzzzzzzz"});
  EXPECT_EQ(nothing_close.code, 2);
  EXPECT_EQ(nothing_close.err.find("did you mean"), std::string::npos);

  auto help = run({"schema", "check", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Usage: kavro schema check"), std::string::npos) << help.out;
  EXPECT_EQ(help.out.find(fs::path(KAVRO_CLI).parent_path().string()), std::string::npos) << help.out;
}

}  // namespace
