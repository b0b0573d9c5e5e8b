// Confluent 8.x paging: offset and limit on every list endpoint, as SubjectsResource,
// SubjectVersionsResource, SchemasResource and ContextsResource apply them.
#include "registry_http_fixture.hpp"

namespace {

using kavro_test::err;
using kavro_test::json;

class paging : public kavro_test::registry_http_test {
 protected:
  void SetUp() override {
    registry_http_test::SetUp();
    for (const char* s : {"a", "b", "c"}) register_schema(s, record(std::string("R") + s));
    // Three versions of "a" (NONE, so any schema is a new version).
    put("/config/a", {{"compatibility", "NONE"}}, 200);
    register_schema("a", record("A2"));
    register_schema("a", record("A3"));
  }
};

TEST_F(paging, subjects_offset_and_limit_page_the_sorted_list) {
  EXPECT_EQ(get("/subjects?offset=0&limit=2", 200), json::array({"a", "b"}));
  EXPECT_EQ(get("/subjects?offset=2&limit=2", 200), json::array({"c"}));
  EXPECT_EQ(get("/subjects?offset=1", 200), json::array({"b", "c"}));
}

TEST_F(paging, subjects_offset_past_the_end_is_an_empty_list) {
  EXPECT_EQ(get("/subjects?offset=3", 200), json::array());
  EXPECT_EQ(get("/subjects?offset=1000&limit=10", 200), json::array());
}

TEST_F(paging, limit_zero_or_negative_means_the_default_which_is_everything) {
  // normalizeLimit: a limit that is not positive takes the default limit.
  EXPECT_EQ(get("/subjects?limit=-1", 200), json::array({"a", "b", "c"}));
  EXPECT_EQ(get("/subjects?limit=0", 200), json::array({"a", "b", "c"}));
  // What confluent-kafka-python sends by default.
  EXPECT_EQ(get("/subjects?deleted=False&deleted_only=False&offset=0&limit=-1", 200),
            json::array({"a", "b", "c"}));
}

TEST_F(paging, non_integer_offset_or_limit_matches_no_resource_method) {
  // Jersey cannot convert the int query parameter: 404 as for an unknown path.
  EXPECT_EQ(get("/subjects?limit=abc", 404), err(404, "HTTP 404 Not Found"));
  EXPECT_EQ(get("/subjects?offset=1.5", 404), err(404, "HTTP 404 Not Found"));
  EXPECT_EQ(get("/subjects/a/versions?offset=x", 404), err(404, "HTTP 404 Not Found"));
}

TEST_F(paging, subject_versions_page_and_an_offset_past_the_end_is_empty) {
  EXPECT_EQ(get("/subjects/a/versions?offset=1&limit=1", 200), json::array({2}));
  EXPECT_EQ(get("/subjects/a/versions?offset=2&limit=5", 200), json::array({3}));
  EXPECT_EQ(get("/subjects/a/versions?offset=3", 200), json::array());
  // The subject must still exist.
  EXPECT_EQ(get("/subjects/zz/versions?offset=3", 404), err(40401, "Subject 'zz' not found."));
}

TEST_F(paging, subject_versions_deleted_only_of_a_live_subject_is_an_empty_list) {
  // listVersions checks hasSubjects(subject, deleted || deletedOnly), then filters.
  EXPECT_EQ(get("/subjects/b/versions?deletedOnly=true", 200), json::array());
  del("/subjects/b", 200);
  EXPECT_EQ(get("/subjects/b/versions?deletedOnly=true", 200), json::array({1}));
  EXPECT_EQ(get("/subjects/b/versions", 404), err(40401, "Subject 'b' not found."));
}

TEST_F(paging, schemas_offset_and_limit) {
  const json all = get("/schemas", 200);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(get("/schemas?offset=1&limit=2", 200), json::array({all[1], all[2]}));
  EXPECT_EQ(get("/schemas?offset=5", 200), json::array());
  EXPECT_EQ(get("/schemas?latestOnly=true&offset=1", 200), json::array({all[3], all[4]}));
}

TEST_F(paging, schemas_default_and_maximum_limit_is_1000) {
  put("/config", {{"compatibility", "NONE"}}, 200);
  for (int i = 0; i < 1002; ++i) register_schema("many", record("M" + std::to_string(i)));
  EXPECT_EQ(get("/schemas", 200).size(), 1000u);
  // A limit above schema.search.max.limit takes the default, not the maximum.
  EXPECT_EQ(get("/schemas?limit=5000", 200).size(), 1000u);
  EXPECT_EQ(get("/schemas?offset=1000", 200).size(), 7u);
  EXPECT_EQ(get("/schemas?limit=3", 200).size(), 3u);
}

TEST_F(paging, subjects_and_versions_of_a_schema_id) {
  register_schema("d", record("Ra"));  // id 1 again, under a second subject
  EXPECT_EQ(get("/schemas/ids/1/subjects", 200), json::array({"a", "d"}));
  EXPECT_EQ(get("/schemas/ids/1/subjects?offset=1&limit=1", 200), json::array({"d"}));
  EXPECT_EQ(get("/schemas/ids/1/subjects?offset=2", 200), json::array());
  EXPECT_EQ(get("/schemas/ids/1/versions?limit=1", 200), json::array({{{"subject", "a"}, {"version", 1}}}));
  EXPECT_EQ(get("/schemas/ids/1/versions?offset=9", 200), json::array());
  EXPECT_EQ(get("/schemas/ids/99/subjects?offset=9", 404), err(40403, "Schema not found"));
}

}  // namespace
