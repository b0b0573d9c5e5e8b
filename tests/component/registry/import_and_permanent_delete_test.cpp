// Confluent's IMPORT mode rules (KafkaSchemaRegistry.checkRegisterMode, checkIfSchemaWithIdExist)
// and the id binding a permanent delete releases.
#include "registry_http_fixture.hpp"

namespace {

using kavro_test::err;
using kavro_test::json;

class import_and_permanent_delete : public kavro_test::registry_http_test {
 protected:
  void import_mode() { put("/mode", {{"mode", "IMPORT"}}, 200); }
};

TEST_F(import_and_permanent_delete, permanent_delete_of_the_last_version_frees_the_id) {
  EXPECT_EQ(register_schema("s", record("A")), (json{{"id", 1}}));
  del("/subjects/s/versions/1", 200);
  // Soft-deleted: the id still resolves (old messages still decode).
  EXPECT_EQ(get("/schemas/ids/1", 200), (json{{"schema", record("A")}}));
  del("/subjects/s/versions/1?permanent=true", 200);
  EXPECT_EQ(get("/schemas/ids/1", 404), err(40403, "Schema 1 not found"));
  EXPECT_EQ(get("/schemas/ids/1/schema", 404), err(40403, "Schema 1 not found"));
  EXPECT_EQ(get("/schemas/ids/1/subjects", 404), err(40403, "Schema not found"));
}

TEST_F(import_and_permanent_delete, an_id_used_by_another_subject_stays_bound) {
  register_schema("s", record("A"));
  register_schema("t", record("A"));
  del("/subjects/s", 200);
  del("/subjects/s?permanent=true", 200);
  EXPECT_EQ(get("/schemas/ids/1", 200), (json{{"schema", record("A")}}));
  EXPECT_EQ(get("/schemas/ids/1/subjects?deleted=true", 200), json::array({"t"}));
}

TEST_F(import_and_permanent_delete, a_freed_id_is_not_reused_for_new_schemas_but_import_may_take_it) {
  register_schema("s", record("A"));
  del("/subjects/s", 200);
  del("/subjects/s?permanent=true", 200);
  // New ids stay above every id the log has seen.
  EXPECT_EQ(register_schema("t", record("B")), (json{{"id", 2}}));
  put("/mode/u", {{"mode", "IMPORT"}}, 200);
  EXPECT_EQ(post("/subjects/u/versions", {{"schema", record("C")}, {"id", 1}, {"version", 1}}, 200),
            (json{{"id", 1}}));
  EXPECT_EQ(get("/schemas/ids/1", 200), (json{{"schema", record("C")}}));
}

TEST_F(import_and_permanent_delete, registration_without_an_id_in_import_mode_is_not_permitted) {
  import_mode();
  EXPECT_EQ(post("/subjects/s/versions", {{"schema", record("A")}}, 422),
            err(42205, "Subject s is not in read-write mode"));
}

TEST_F(import_and_permanent_delete, an_id_outside_import_mode_is_not_permitted) {
  EXPECT_EQ(post("/subjects/s/versions", {{"schema", record("A")}, {"id", 5}}, 422),
            err(42205, "Subject s is not in import mode"));
}

TEST_F(import_and_permanent_delete, an_id_bound_to_another_schema_is_an_overwrite_not_permitted) {
  import_mode();
  post("/subjects/s/versions", {{"schema", record("A")}, {"id", 7}, {"version", 1}}, 200);
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", record("B")}, {"id", 7}, {"version", 1}}, 422),
            err(42205, "Overwrite new schema with id 7 is not permitted."));
  // The same schema under its id is fine, in another subject too.
  EXPECT_EQ(post("/subjects/t/versions", {{"schema", record("A")}, {"id", 7}, {"version", 1}}, 200),
            (json{{"id", 7}}));
}

TEST_F(import_and_permanent_delete, reimporting_an_existing_version_overwrites_it) {
  import_mode();
  post("/subjects/s/versions", {{"schema", record("A")}, {"id", 7}, {"version", 3}}, 200);
  EXPECT_EQ(post("/subjects/s/versions", {{"schema", record("B")}, {"id", 8}, {"version", 3}}, 200),
            (json{{"id", 8}}));
  EXPECT_EQ(get("/subjects/s/versions/3", 200),
            (json{{"subject", "s"}, {"version", 3}, {"id", 8}, {"schema", record("B")}}));
  EXPECT_EQ(get("/subjects/s/versions", 200), json::array({3}));
  // Id 7 lost its only version: it is free again.
  EXPECT_EQ(get("/schemas/ids/7", 404), err(40403, "Schema 7 not found"));
}

TEST_F(import_and_permanent_delete, fetch_max_id_reports_the_highest_id) {
  register_schema("s", record("A"));
  register_schema("t", record("B"));
  EXPECT_EQ(get("/schemas/ids/1?fetchMaxId=true", 200), (json{{"schema", record("A")}, {"maxId", 2}}));
  EXPECT_EQ(get("/schemas/ids/1?fetchMaxId=false", 200), (json{{"schema", record("A")}}));
}

}  // namespace
