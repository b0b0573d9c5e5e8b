// Confluent's CompatibilityResource when the subject has no live version: the CI step "test before
// the first registration" (the Java client's testCompatibility posts to /versions/latest).
#include "registry_http_fixture.hpp"

namespace {

using kavro_test::err;
using kavro_test::json;

const std::string user = R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";
// Not BACKWARD with `user`: a new field without a default.
const std::string user_required =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":"string"}]})";

class compatibility_before_first_registration : public kavro_test::registry_http_test {};

TEST_F(compatibility_before_first_registration, latest_of_a_new_subject_is_compatible) {
  EXPECT_EQ(post("/compatibility/subjects/new/versions/latest", {{"schema", user}}, 200),
            (json{{"is_compatible", true}}));
  EXPECT_EQ(post("/compatibility/subjects/new/versions/-1", {{"schema", user}}, 200),
            (json{{"is_compatible", true}}));
  EXPECT_EQ(post("/compatibility/subjects/new/versions", {{"schema", user}}, 200),
            (json{{"is_compatible", true}}));
}

TEST_F(compatibility_before_first_registration, verbose_answer_has_no_messages) {
  EXPECT_EQ(post("/compatibility/subjects/new/versions/latest?verbose=true", {{"schema", user}}, 200),
            (json{{"is_compatible", true}, {"messages", json::array()}}));
  EXPECT_EQ(post("/compatibility/subjects/new/versions?verbose=true", {{"schema", user}}, 200),
            (json{{"is_compatible", true}, {"messages", json::array()}}));
}

TEST_F(compatibility_before_first_registration, latest_of_a_fully_soft_deleted_subject_is_compatible) {
  register_schema("gone", user);
  del("/subjects/gone", 200);
  // Deleted versions are never checked against: anything goes, even what version 1 would refuse.
  EXPECT_EQ(post("/compatibility/subjects/gone/versions/latest", {{"schema", user_required}}, 200),
            (json{{"is_compatible", true}}));
  EXPECT_EQ(post("/compatibility/subjects/gone/versions", {{"schema", user_required}}, 200),
            (json{{"is_compatible", true}}));
}

TEST_F(compatibility_before_first_registration,
       a_numbered_version_of_a_missing_subject_is_version_not_found) {
  EXPECT_EQ(post("/compatibility/subjects/new/versions/1", {{"schema", user}}, 404),
            err(40402, "Version 1 not found."));
  register_schema("gone", user);
  del("/subjects/gone", 200);
  // A soft-deleted version is not there for a compatibility check either.
  EXPECT_EQ(post("/compatibility/subjects/gone/versions/1", {{"schema", user}}, 404),
            err(40402, "Version 1 not found."));
}

TEST_F(compatibility_before_first_registration, latest_is_checked_once_a_version_exists) {
  register_schema("s", user);
  EXPECT_EQ(post("/compatibility/subjects/s/versions/latest", {{"schema", user_required}}, 200),
            (json{{"is_compatible", false}}));
}

TEST_F(compatibility_before_first_registration, verbose_invalid_schema_is_an_incompatible_answer) {
  // Without verbose: 42201. With verbose, Confluent puts the error message in the answer.
  const json bad = {{"schema", R"({"type":"record","name":"R"})"}};
  const json refused = post("/compatibility/subjects/new/versions/latest", bad, 422);
  EXPECT_EQ(refused["error_code"], 42201);
  EXPECT_EQ(post("/compatibility/subjects/new/versions/latest?verbose=true", bad, 200),
            (json{{"is_compatible", false}, {"messages", json::array({refused["message"]})}}));
}

}  // namespace
