// Confluent's ContextsResource and ServerMetadataResource, and qualified subjects of the default
// context (":.:name").
#include "registry_http_fixture.hpp"

namespace {

using kavro_test::err;
using kavro_test::json;

class contexts_and_metadata : public kavro_test::registry_http_test {};

TEST_F(contexts_and_metadata, contexts_lists_the_default_context) {
  EXPECT_EQ(get("/contexts", 200), json::array({"."}));
  EXPECT_EQ(get("/contexts?offset=1", 200), json::array());
  EXPECT_EQ(get("/contexts?limit=-1", 200), json::array({"."}));
}

TEST_F(contexts_and_metadata, metadata_id_has_the_cluster_scope) {
  EXPECT_EQ(get("/v1/metadata/id", 200),
            (json{{"scope",
                   {{"path", json::array()},
                    {"clusters", {{"kafka-cluster", ""}, {"schema-registry-cluster", ""}}}}}}));
}

TEST_F(contexts_and_metadata, metadata_version_names_the_version) {
  const json v = get("/v1/metadata/version", 200);
  EXPECT_TRUE(v["version"].is_string() && !v["version"].get<std::string>().empty()) << v;
  EXPECT_EQ(v["commitId"], "");
}

TEST_F(contexts_and_metadata, default_context_qualified_subject_is_the_plain_subject) {
  EXPECT_EQ(post("/subjects/:.:orders/versions", {{"schema", record("A")}}, 200), (json{{"id", 1}}));
  EXPECT_EQ(get("/subjects", 200), json::array({"orders"}));
  EXPECT_EQ(get("/subjects/:.:orders/versions/1", 200),
            (json{{"subject", "orders"}, {"version", 1}, {"id", 1}, {"schema", record("A")}}));
  EXPECT_EQ(get("/subjects/orders/versions", 200), json::array({1}));
  EXPECT_EQ(put("/config/:.:orders", {{"compatibility", "NONE"}}, 200), (json{{"compatibility", "NONE"}}));
  EXPECT_EQ(get("/config/orders", 200), (json{{"compatibilityLevel", "NONE"}}));
  // The wildcard prefix Confluent's clients send by default matches every subject.
  EXPECT_EQ(get("/subjects?subjectPrefix=:*:", 200), json::array({"orders"}));
  EXPECT_EQ(get("/subjects?subjectPrefix=:.:ord", 200), json::array({"orders"}));
}

TEST_F(contexts_and_metadata, other_contexts_are_refused) {
  EXPECT_EQ(post("/subjects/:.staging:orders/versions", {{"schema", record("A")}}, 422),
            err(422,
                "Context '.staging' of subject ':.staging:orders' is not supported by this registry "
                "(kavro): only the default context"));
  EXPECT_EQ(get("/subjects", 200), json::array());
}

}  // namespace
