// Every write goes lock → sync → decide → append (handlers::write): an instance whose state lags the
// log (another instance wrote since it last read) decides on the latest records, never on its stale
// view. The store here holds "the other instance's" records until sync() applies them.
#include <gtest/gtest.h>

#include "handlers.hpp"

namespace {

using namespace kavro::registry_server;

class lagging_store final : public store {
 public:
  explicit lagging_store(shared_state& s) : state_(s) {}

  // Records in the log this instance has not read yet.
  std::vector<record> unread;
  bool sync_fails = false;
  std::vector<record> appended;

  api_result<void> append(const std::vector<record>& records) override {
    std::unique_lock lock(state_.mutex);
    for (const auto& r : records) {
      appended.push_back(r);
      state_.data.apply(r);
    }
    return {};
  }
  bool ready() const override { return true; }
  api_result<void> sync() override {
    if (sync_fails) return tl::unexpected(make_error(error_code::store_error, "log unreachable"));
    std::unique_lock lock(state_.mutex);
    for (const auto& r : unread) state_.data.apply(r);
    unread.clear();
    return {};
  }

 private:
  shared_state& state_;
};

class write_sequence : public ::testing::Test {
 protected:
  shared_state state;
  lagging_store log{state};
  handlers api{state, log};
};

TEST_F(write_sequence, a_config_write_keeps_the_fields_another_instance_set_since_this_one_last_read) {
  config_record other{std::string("orders-value"), {}};
  other.settings.normalize = true;
  other.settings.level = compatibility_level::full;
  log.unread.push_back(other);

  const response r = api.put_config(std::string("orders-value"), R"({"compatibility":"NONE"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"normalize":true,"compatibility":"NONE"})");
  const auto& stored = state.data.subject_configs.at("orders-value");
  EXPECT_EQ(stored.normalize, true);
  EXPECT_EQ(stored.level, compatibility_level::none);
}

TEST_F(write_sequence, a_registration_numbers_after_the_versions_another_instance_registered) {
  schema_record other{"orders-value", schema_version{1}, schema_id{1}, {}, false};
  other.schema.text = R"({"type":"record","name":"A","fields":[]})";
  log.unread.push_back(other);
  config_record none{std::string("orders-value"), {}};
  none.settings.level = compatibility_level::none;
  log.unread.push_back(none);

  const response r = api.register_schema(
      "orders-value", R"({"schema":"{\"type\":\"record\",\"name\":\"B\",\"fields\":[]}"})", {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"id":2})");
  ASSERT_EQ(log.appended.size(), 1u);
  const auto& written = std::get<schema_record>(log.appended[0]);
  EXPECT_EQ(written.version.value, 2);
  EXPECT_EQ(written.id.value, 2);
}

TEST_F(write_sequence, a_config_write_sees_a_readonly_override_set_elsewhere) {
  log.unread.push_back(mode_record{std::nullopt, registry_mode::readonly_override});
  const response r = api.put_config(std::string("orders-value"), R"({"compatibility":"NONE"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(log.appended.empty());
}

TEST_F(write_sequence, a_write_whose_sync_fails_is_refused_and_appends_nothing) {
  log.sync_fails = true;
  for (const response& r :
       {api.put_config(std::nullopt, R"({"compatibility":"NONE"})"), api.delete_config(std::nullopt),
        api.put_mode(std::nullopt, R"({"mode":"READONLY"})", {}), api.delete_mode(std::nullopt)}) {
    EXPECT_EQ(r.status, 500);
    EXPECT_NE(r.body.find("log unreachable"), std::string::npos) << r.body;
  }
  EXPECT_TRUE(log.appended.empty());
}

}  // namespace
