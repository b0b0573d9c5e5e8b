// Folding records into the state, with Confluent's semantics for each key type.
#include "state.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>

#include "schema_text.hpp"

namespace kavro::registry_server {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

constexpr std::array level_names{
    "NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"};
constexpr std::array mode_names{"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"};

}  // namespace

const char* to_string(compatibility_level level) noexcept {
  return level_names[static_cast<std::size_t>(level)];
}

std::optional<compatibility_level> parse_compatibility_level(std::string_view text) noexcept {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (iequals(text, level_names[i])) return static_cast<compatibility_level>(i);
  }
  return std::nullopt;
}

const char* to_string(registry_mode mode) noexcept {
  return mode_names[static_cast<std::size_t>(mode)];
}

std::optional<registry_mode> parse_registry_mode(std::string_view text) noexcept {
  for (std::size_t i = 0; i < mode_names.size(); ++i) {
    if (iequals(text, mode_names[i])) return static_cast<registry_mode>(i);
  }
  return std::nullopt;
}

void state::apply_schema(const schema_record& r) {
  if (!schemas_.contains(r.id.value)) {
    auto normalized =
        normalize_schema(r.schema, [this](const std::string& s, std::int32_t v) { return reference(s, v); });
    schema_entry entry{r.schema, r.schema.text, r.schema.text, r.schema.text};
    if (normalized) {
      entry.identity = std::move(normalized->identity);
      entry.resolved = std::move(normalized->resolved);
      entry.schema_identity = std::move(normalized->schema_identity);
    }
    ids_by_identity_.emplace(entry.identity, r.id);
    schemas_.emplace(r.id.value, std::move(entry));
  }
  max_id_ = std::max(max_id_, r.id.value);
  auto& versions = subjects_[r.subject];
  auto it = std::lower_bound(versions.begin(), versions.end(), r.version,
                             [](const version_entry& e, schema_version v) { return e.version < v; });
  use(r.id);
  if (it != versions.end() && it->version == r.version) {
    const schema_id previous = it->id;
    *it = version_entry{r.version, r.id, r.deleted};
    release(previous);
  } else {
    versions.insert(it, version_entry{r.version, r.id, r.deleted});
  }
}

void state::use(schema_id id) {
  ++uses_[id.value];
}

void state::release(schema_id id) {
  auto it = uses_.find(id.value);
  if (it == uses_.end() || --it->second > 0) return;
  uses_.erase(it);
  if (auto s = schemas_.find(id.value); s != schemas_.end()) {
    if (auto i = ids_by_identity_.find(s->second.identity); i != ids_by_identity_.end() && i->second == id) {
      ids_by_identity_.erase(i);
    }
    schemas_.erase(s);
  }
}

void state::apply(const record& r) {
  if (auto* s = std::get_if<schema_record>(&r)) {
    apply_schema(*s);
  } else if (auto* t = std::get_if<schema_tombstone>(&r)) {
    auto sub = subjects_.find(t->subject);
    if (sub == subjects_.end()) return;
    std::vector<schema_id> gone;
    std::erase_if(sub->second, [&](const version_entry& e) {
      if (e.version != t->version) return false;
      gone.push_back(e.id);
      return true;
    });
    if (sub->second.empty()) subjects_.erase(sub);
    for (auto id : gone) release(id);
  } else if (auto* c = std::get_if<config_record>(&r)) {
    if (!c->subject) {
      global_config = c->settings;
    } else if (c->clears()) {
      subject_configs.erase(*c->subject);
    } else {
      subject_configs[*c->subject] = c->settings;
    }
  } else if (auto* m = std::get_if<mode_record>(&r)) {
    if (!m->subject) {
      global_mode = m->mode;
    } else if (m->mode) {
      subject_modes[*m->subject] = *m->mode;
    } else {
      subject_modes.erase(*m->subject);
    }
  } else if (auto* d = std::get_if<delete_subject_record>(&r)) {
    auto sub = subjects_.find(d->subject);
    if (sub == subjects_.end()) return;
    for (auto& e : sub->second) {
      if (e.version <= d->version) e.deleted = true;
    }
  } else if (auto* c2 = std::get_if<clear_subject_record>(&r)) {
    for (auto it = subjects_.begin(); it != subjects_.end();) {
      if (c2->subject && it->first != *c2->subject) {
        ++it;
        continue;
      }
      std::vector<schema_id> gone;
      std::erase_if(it->second, [&](const version_entry& e) {
        if (e.deleted) gone.push_back(e.id);
        return e.deleted;
      });
      it = it->second.empty() ? subjects_.erase(it) : std::next(it);
      for (auto id : gone) release(id);
    }
  }
}

const std::vector<version_entry>* state::versions(const std::string& subject) const {
  auto it = subjects_.find(subject);
  return it == subjects_.end() ? nullptr : &it->second;
}

const version_entry* state::find(const std::string& subject, schema_version v) const {
  const auto* vs = versions(subject);
  if (!vs) return nullptr;
  for (const auto& e : *vs) {
    if (e.version == v) return &e;
  }
  return nullptr;
}

const version_entry* state::latest(const std::string& subject, bool deleted) const {
  const auto* vs = versions(subject);
  if (!vs) return nullptr;
  for (auto it = vs->rbegin(); it != vs->rend(); ++it) {
    if (deleted || !it->deleted) return &*it;
  }
  return nullptr;
}

const schema_entry* state::schema(schema_id id) const {
  auto it = schemas_.find(id.value);
  return it == schemas_.end() ? nullptr : &it->second;
}

std::optional<schema_id> state::id_of(const std::string& identity) const {
  auto it = ids_by_identity_.find(identity);
  if (it == ids_by_identity_.end()) return std::nullopt;
  return it->second;
}

std::optional<stored_schema> state::reference(const std::string& subject, std::int32_t version) const {
  const version_entry* e = version == -1 ? latest(subject) : find(subject, schema_version{version});
  if (!e) return std::nullopt;
  const auto* s = schema(e->id);
  if (!s) return std::nullopt;
  return s->schema;
}

config_settings own_config(const state& st, const std::optional<std::string>& subject) {
  if (!subject) return st.global_config;
  auto it = st.subject_configs.find(*subject);
  return it == st.subject_configs.end() ? config_settings{} : it->second;
}

config_settings effective_config(const state& st, const std::string& subject,
                                 compatibility_level default_level) {
  config_settings out = own_config(st, subject);
  const config_settings& g = st.global_config;
  const auto fill = [](auto& mine, const auto& global) {
    if (!mine) mine = global;
  };
  fill(out.normalize, g.normalize);
  fill(out.validate_fields, g.validate_fields);
  fill(out.level, g.level);
  fill(out.compatibility_group, g.compatibility_group);
  fill(out.default_metadata, g.default_metadata);
  fill(out.override_metadata, g.override_metadata);
  fill(out.default_rule_set, g.default_rule_set);
  fill(out.override_rule_set, g.override_rule_set);
  if (!out.level) out.level = default_level;
  return out;
}

registry_mode effective_mode(const state& st, const std::optional<std::string>& subject) {
  if (st.global_mode == registry_mode::readonly_override) return registry_mode::readonly_override;
  if (subject) {
    if (auto it = st.subject_modes.find(*subject); it != st.subject_modes.end()) return it->second;
  }
  return st.global_mode.value_or(registry_mode::readwrite);
}

bool read_only(registry_mode m) {
  return m == registry_mode::readonly || m == registry_mode::readonly_override;
}

std::string resolve_alias(const state& st, const std::string& subject) {
  auto it = st.subject_configs.find(subject);
  if (it == st.subject_configs.end() || !it->second.alias || it->second.alias->empty()) return subject;
  return *it->second.alias;
}

}  // namespace kavro::registry_server
