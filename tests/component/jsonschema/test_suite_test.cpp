// The official JSON-Schema-Test-Suite (Debian's json-schema-test-suite) as an oracle for validation:
// every case of every required file per draft, the pass rate printed per draft, and the test fails
// when a rate falls below the floor recorded in suite_floor.txt. Optional and format files are
// listed as skipped: formats are annotations that Confluent's serializers do not assert either.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "kavro/json.hpp"
#include "kavro/jsonschema/schema.hpp"

namespace kavro::jsonschema {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const char* meta_schema_of(const std::string& draft_dir) {
  if (draft_dir == "draft4") return "http://json-schema.org/draft-04/schema#";
  if (draft_dir == "draft6") return "http://json-schema.org/draft-06/schema#";
  if (draft_dir == "draft7") return "http://json-schema.org/draft-07/schema#";
  if (draft_dir == "draft2019-09") return "https://json-schema.org/draft/2019-09/schema";
  if (draft_dir == "draft2020-12") return "https://json-schema.org/draft/2020-12/schema";
  return nullptr;
}

std::map<std::string, double> read_floors() {
  std::map<std::string, double> floors;
  std::ifstream in(KAVRO_JSON_SCHEMA_SUITE_FLOOR);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    double rate = 0;
    if (fields >> name >> rate) floors[name] = rate;
  }
  return floors;
}

// The suite's remote documents, under the URIs its schemas use for them.
reference_map remotes(const fs::path& root) {
  reference_map refs;
  const fs::path dir = root / "remotes";
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json")
      refs["http://localhost:1234/" + fs::relative(e.path(), dir).generic_string()] = read(e.path());
  return refs;
}

TEST(jsonschema_json_schema_test_suite, pass_rate_per_draft_stays_at_or_above_its_floor) {
  const fs::path root = KAVRO_JSON_SCHEMA_TEST_SUITE_DIR;
  ASSERT_TRUE(fs::is_directory(root / "tests"))
      << root << " is missing: apt-get install json-schema-test-suite";
  const auto floors = read_floors();
  const auto refs = remotes(root);
  bool any_draft = false;
  for (const char* draft_dir : {"draft4", "draft6", "draft7", "draft2019-09", "draft2020-12"}) {
    const fs::path dir = root / "tests" / draft_dir;
    if (!fs::is_directory(dir)) {
      std::cout << draft_dir << ": not in this version of the suite\n";
      continue;
    }
    any_draft = true;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::size_t passed = 0, total = 0;
    std::vector<std::string> failures;
    for (const auto& file : files) {
      auto groups = safe_json::parse(read(file));
      ASSERT_TRUE(groups) << file << ": " << groups.error().message();
      for (const auto& group : *groups) {
        auto schema_json = nlohmann::ordered_json(group.at("schema"));
        if (schema_json.is_object() && !schema_json.contains("$schema"))
          schema_json["$schema"] = meta_schema_of(draft_dir);
        auto parsed = schema::parse(schema_json.dump(), refs);
        for (const auto& t : group.at("tests")) {
          ++total;
          const bool expected = t.at("valid").get<bool>();
          const bool ok = parsed && parsed->validate(t.at("data")).has_value() == expected;
          if (ok) {
            ++passed;
          } else if (failures.size() < 400) {
            failures.push_back(file.filename().string() + ": " + group.at("description").get<std::string>() +
                               " / " + t.at("description").get<std::string>() +
                               (parsed ? "" : " (schema refused: " + parsed.error().message + ")"));
          }
        }
      }
    }
    const double rate = total ? static_cast<double>(passed) / static_cast<double>(total) : 0.0;
    std::cout << draft_dir << ": " << passed << "/" << total << " cases pass (" << (rate * 100.0) << "%)\n";
    for (const auto& f : failures) std::cout << "  failing: " << f << "\n";
    std::vector<std::string> skipped;
    if (fs::is_directory(dir / "optional"))
      for (const auto& e : fs::recursive_directory_iterator(dir / "optional"))
        if (e.is_regular_file()) skipped.push_back(fs::relative(e.path(), dir).generic_string());
    std::sort(skipped.begin(), skipped.end());
    for (const auto& s : skipped) std::cout << "  skipped: " << s << "\n";
    const auto floor = floors.find(draft_dir);
    ASSERT_NE(floor, floors.end()) << "no floor recorded for " << draft_dir << " in "
                                   << KAVRO_JSON_SCHEMA_SUITE_FLOOR;
    EXPECT_GE(rate, floor->second) << draft_dir << " pass rate fell below its recorded floor";
  }
  EXPECT_TRUE(any_draft);
}

}  // namespace
}  // namespace kavro::jsonschema
