// The domain rules that read the registry's state (state.hpp): the effective compatibility settings
// (subject, then global, then the server's default), the effective mode, and aliases.
#include <gtest/gtest.h>

#include "state.hpp"

namespace {

using namespace kavro::registry_server;

state with(std::initializer_list<record> records) {
  state st;
  for (const auto& r : records) st.apply(r);
  return st;
}

config_record level(std::optional<std::string> subject, compatibility_level l) {
  config_record r{std::move(subject), {}};
  r.settings.level = l;
  return r;
}

TEST(effective_config, the_level_is_the_subjects_then_the_globals_then_the_servers_default) {
  EXPECT_EQ(*effective_config(state{}, "s", compatibility_level::forward).level,
            compatibility_level::forward);
  const state global = with({level(std::nullopt, compatibility_level::full)});
  EXPECT_EQ(*effective_config(global, "s", compatibility_level::forward).level, compatibility_level::full);
  const state both =
      with({level(std::nullopt, compatibility_level::full), level("s", compatibility_level::none)});
  EXPECT_EQ(*effective_config(both, "s", compatibility_level::forward).level, compatibility_level::none);
  EXPECT_EQ(*effective_config(both, "other", compatibility_level::forward).level, compatibility_level::full);
}

TEST(effective_config, each_field_the_subject_leaves_unset_comes_from_the_global_config) {
  config_record global{std::nullopt, {}};
  global.settings.normalize = true;
  global.settings.compatibility_group = "major";
  config_record own{std::string("s"), {}};
  own.settings.normalize = false;
  const state st = with({global, own});
  const auto c = effective_config(st, "s", compatibility_level::backward);
  EXPECT_EQ(c.normalize, false);
  EXPECT_EQ(c.compatibility_group, "major");
  EXPECT_EQ(c.level, compatibility_level::backward);
  // own_config is the scope's own settings only: what GET /config/s shows.
  EXPECT_EQ(own_config(st, std::string("s")), own.settings);
  EXPECT_EQ(own_config(st, std::nullopt), global.settings);
  EXPECT_EQ(own_config(st, std::string("unset")), config_settings{});
}

TEST(effective_mode, a_global_readonly_override_wins_over_the_subjects_own_mode) {
  EXPECT_EQ(effective_mode(state{}, std::string("s")), registry_mode::readwrite);
  EXPECT_EQ(effective_mode(state{}, std::nullopt), registry_mode::readwrite);
  const state own = with({mode_record{std::string("s"), registry_mode::readonly}});
  EXPECT_EQ(effective_mode(own, std::string("s")), registry_mode::readonly);
  EXPECT_EQ(effective_mode(own, std::string("t")), registry_mode::readwrite);
  const state imported = with({mode_record{std::nullopt, registry_mode::import}});
  EXPECT_EQ(effective_mode(imported, std::string("t")), registry_mode::import);
  const state overridden = with({mode_record{std::string("s"), registry_mode::import},
                                 mode_record{std::nullopt, registry_mode::readonly_override}});
  EXPECT_EQ(effective_mode(overridden, std::string("s")), registry_mode::readonly_override);
  EXPECT_EQ(effective_mode(overridden, std::nullopt), registry_mode::readonly_override);
  EXPECT_TRUE(read_only(registry_mode::readonly));
  EXPECT_TRUE(read_only(registry_mode::readonly_override));
  EXPECT_FALSE(read_only(registry_mode::import));
}

TEST(resolve_alias, one_hop_through_the_subjects_own_config) {
  config_record a{std::string("a"), {}};
  a.settings.alias = "b";
  config_record b{std::string("b"), {}};
  b.settings.alias = "c";
  const state st = with({a, b});
  EXPECT_EQ(resolve_alias(st, "a"), "b");
  EXPECT_EQ(resolve_alias(st, "c"), "c");
}

}  // namespace
