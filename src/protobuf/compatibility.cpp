// Confluent's Protobuf diff (SchemaDiff, MessageSchemaDiff, FieldSchemaDiff, OneOfDiff, EnumSchemaDiff)
// over libprotobuf's linked descriptors, seen as Confluent's parser sees the text: no map-entry
// messages, labels only where written, oneof fields apart from the message's own fields.
#include "kavro/protobuf/compatibility.hpp"

#include <google/protobuf/descriptor.h>

#include <map>
#include <optional>
#include <set>

#include "java_hash_order.hpp"
#include "schema_impl.hpp"

namespace kavro::protobuf {
namespace gp = google::protobuf;
using detail::java_hash_set;

const char* to_string(difference_type t) noexcept {
  switch (t) {
    case difference_type::package_changed:
      return "PACKAGE_CHANGED";
    case difference_type::message_added:
      return "MESSAGE_ADDED";
    case difference_type::message_removed:
      return "MESSAGE_REMOVED";
    case difference_type::message_moved:
      return "MESSAGE_MOVED";
    case difference_type::enum_added:
      return "ENUM_ADDED";
    case difference_type::enum_removed:
      return "ENUM_REMOVED";
    case difference_type::enum_const_added:
      return "ENUM_CONST_ADDED";
    case difference_type::enum_const_changed:
      return "ENUM_CONST_CHANGED";
    case difference_type::enum_const_removed:
      return "ENUM_CONST_REMOVED";
    case difference_type::field_added:
      return "FIELD_ADDED";
    case difference_type::field_removed:
      return "FIELD_REMOVED";
    case difference_type::field_name_changed:
      return "FIELD_NAME_CHANGED";
    case difference_type::field_kind_changed:
      return "FIELD_KIND_CHANGED";
    case difference_type::field_scalar_kind_changed:
      return "FIELD_SCALAR_KIND_CHANGED";
    case difference_type::field_named_type_changed:
      return "FIELD_NAMED_TYPE_CHANGED";
    case difference_type::field_numeric_label_changed:
      return "FIELD_NUMERIC_LABEL_CHANGED";
    case difference_type::field_string_or_bytes_label_changed:
      return "FIELD_STRING_OR_BYTES_LABEL_CHANGED";
    case difference_type::required_field_added:
      return "REQUIRED_FIELD_ADDED";
    case difference_type::required_field_removed:
      return "REQUIRED_FIELD_REMOVED";
    case difference_type::oneof_added:
      return "ONEOF_ADDED";
    case difference_type::oneof_removed:
      return "ONEOF_REMOVED";
    case difference_type::oneof_field_added:
      return "ONEOF_FIELD_ADDED";
    case difference_type::oneof_field_removed:
      return "ONEOF_FIELD_REMOVED";
    case difference_type::multiple_fields_moved_to_oneof:
      return "MULTIPLE_FIELDS_MOVED_TO_ONEOF";
    case difference_type::field_moved_to_existing_oneof:
      return "FIELD_MOVED_TO_EXISTING_ONEOF";
  }
  return "UNKNOWN";
}

bool is_compatible_change(difference_type t) noexcept {
  switch (t) {
    case difference_type::package_changed:
    case difference_type::message_added:
    case difference_type::message_moved:
    case difference_type::enum_added:
    case difference_type::enum_removed:
    case difference_type::enum_const_added:
    case difference_type::enum_const_changed:
    case difference_type::enum_const_removed:
    case difference_type::field_added:
    case difference_type::field_removed:
    case difference_type::field_name_changed:
    case difference_type::field_string_or_bytes_label_changed:
    case difference_type::oneof_added:
    case difference_type::oneof_removed:
    case difference_type::oneof_field_added:
      return true;
    default:
      return false;
  }
}

namespace {

std::string fill(std::string text, std::string_view first, std::string_view second) {
  for (std::string_view v : {first, second}) {
    auto at = text.find("%s");
    if (at != std::string::npos) text.replace(at, 2, v);
  }
  return text;
}

// Confluent's Difference.error(): one description per incompatible kind, "%s" the reader then the writer.
std::string description(const difference& d) {
  const std::string& p = d.path;
  switch (d.type) {
    case difference_type::package_changed:
      return "The package at '" + p + "' in the %s schema does not match the package in the %s schema";
    case difference_type::message_removed:
      return "The %s schema is missing a MESSAGE type at path '" + p + "' in the %s schema";
    case difference_type::field_kind_changed:
      return "The type of a field at path '" + p + "' in the %s schema does not match the %s schema";
    case difference_type::field_scalar_kind_changed:
      return "The kind of a SCALAR field at path '" + p +
             "' in the %s schema does not match its kind in the %s schema";
    case difference_type::field_named_type_changed:
      return "The type of a MESSAGE field at path '" + p +
             "' in the %s schema does not match its type in the %s schema";
    case difference_type::field_numeric_label_changed:
      return "The label for a NUMERIC field at path '" + p +
             "' in the %s schema does not match its label in the %s schema";
    case difference_type::required_field_added:
      return "A required field  at path '" + p + "' in the %s schema is missing in the %s schema";
    case difference_type::required_field_removed:
      return "The %s schema is missing a required field at path: '" + p + "' in the %s schema";
    case difference_type::oneof_field_removed:
      return "The %s schema is missing a oneof field at path '" + p + "' in the %s schema";
    case difference_type::multiple_fields_moved_to_oneof:
      return "Multiple fields in the oneof at path '" + p +
             "' in the %s schema are outside a oneof in the %s schema";
    case difference_type::field_moved_to_existing_oneof:
      return "A field in the oneof at path '" + p +
             "' in the %s schema is outside an existing oneof in the %s schema";
    default:
      return "";
  }
}

enum class label { none, optional, required, repeated };

// The label as the text wrote it: none for proto3's implicit presence, oneof members and map fields.
label written_label(const gp::FieldDescriptor* f) {
  if (f->is_map()) return label::none;
  if (f->real_containing_oneof() != nullptr) return label::none;
  if (f->is_repeated()) return label::repeated;
  if (f->is_required()) return label::required;
  if (f->file()->syntax() == gp::FileDescriptor::SYNTAX_PROTO3) {
    return f->has_optional_keyword() ? label::optional : label::none;
  }
  return label::optional;
}

enum class kind { scalar, map, message };
enum class scalar_kind {
  general_number,
  signed_number,
  string_or_bytes,
  fixed32,
  fixed64,
  floating,
  doubling
};

scalar_kind scalar_kind_of(const gp::FieldDescriptor* f) {
  using T = gp::FieldDescriptor;
  switch (f->type()) {
    case T::TYPE_ENUM:
    case T::TYPE_INT32:
    case T::TYPE_INT64:
    case T::TYPE_UINT32:
    case T::TYPE_UINT64:
    case T::TYPE_BOOL:
      return scalar_kind::general_number;
    case T::TYPE_SINT32:
    case T::TYPE_SINT64:
      return scalar_kind::signed_number;
    case T::TYPE_STRING:
    case T::TYPE_BYTES:
      return scalar_kind::string_or_bytes;
    case T::TYPE_FIXED32:
    case T::TYPE_SFIXED32:
      return scalar_kind::fixed32;
    case T::TYPE_FIXED64:
    case T::TYPE_SFIXED64:
      return scalar_kind::fixed64;
    case T::TYPE_FLOAT:
      return scalar_kind::floating;
    case T::TYPE_DOUBLE:
      return scalar_kind::doubling;
    default:
      return scalar_kind::general_number;
  }
}

kind kind_of(const gp::FieldDescriptor* f) {
  if (f->is_map()) return kind::map;
  if (f->type() == gp::FieldDescriptor::TYPE_MESSAGE || f->type() == gp::FieldDescriptor::TYPE_GROUP)
    return kind::message;
  return kind::scalar;
}

// What Confluent's parser keeps of a message: its own fields (not oneof members, not groups), its real
// oneofs, its nested messages (not map entries, not group bodies) and enums.
std::vector<const gp::FieldDescriptor*> own_fields(const gp::Descriptor* d) {
  std::vector<const gp::FieldDescriptor*> out;
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->real_containing_oneof() == nullptr && f->type() != gp::FieldDescriptor::TYPE_GROUP)
      out.push_back(f);
  }
  return out;
}

std::vector<const gp::OneofDescriptor*> real_oneofs(const gp::Descriptor* d) {
  std::vector<const gp::OneofDescriptor*> out;
  for (int i = 0; i < d->real_oneof_decl_count(); ++i) out.push_back(d->oneof_decl(i));
  return out;
}

std::vector<const gp::Descriptor*> nested_messages(const gp::Descriptor* d) {
  std::set<const gp::Descriptor*> groups;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->type() == gp::FieldDescriptor::TYPE_GROUP) groups.insert(d->field(i)->message_type());
  }
  std::vector<const gp::Descriptor*> out;
  for (int i = 0; i < d->nested_type_count(); ++i) {
    const auto* n = d->nested_type(i);
    if (!n->options().map_entry() && !groups.count(n)) out.push_back(n);
  }
  return out;
}

struct reference_id {
  std::string subject;
  int version = -1;
};

class context {
 public:
  context(const schema_impl& original, const schema_impl& update) : original_(original), update_(update) {}

  context sub() const {
    context c(original_, update_);
    c.schemas_ = schemas_;
    c.path_ = path_;
    return c;
  }

  void add(difference_type t) {
    std::string p = "#/";
    for (std::size_t i = 0; i < path_.size(); ++i) p += (i ? "/" : "") + path_[i];
    diffs_.push_back({t, std::move(p)});
  }

  struct scope {
    context& c;
    scope(context& ctx, std::string name) : c(ctx) { c.path_.push_back(std::move(name)); }
    ~scope() { c.path_.pop_back(); }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
  };

  // Confluent's TypeElementInfo.reference(): the schema's own types share a dummy reference, types of a
  // reference carry its subject and version, known dependencies none.
  std::optional<reference_id> reference_of(const gp::FileDescriptor* file, bool is_original) const {
    const schema_impl& s = is_original ? original_ : update_;
    if (file == s.file) return reference_id{"", -1};
    const parsed_file* f = s.find(file->name());
    if (f != nullptr && f->ref != nullptr) return reference_id{f->ref->subject, f->ref->version};
    return std::nullopt;
  }

  bool compatible() const {
    for (const auto& d : diffs_) {
      if (!is_compatible_change(d.type)) return false;
    }
    return true;
  }

  std::vector<std::string> path_;
  std::set<const gp::Descriptor*> schemas_;
  std::vector<difference> diffs_;

 private:
  const schema_impl& original_;
  const schema_impl& update_;
};

void compare_types(context& ctx, const std::vector<const gp::Descriptor*>& om,
                   const std::vector<const gp::EnumDescriptor*>& oe,
                   const std::vector<const gp::Descriptor*>& um,
                   const std::vector<const gp::EnumDescriptor*>& ue);
void compare_message(context& ctx, const gp::Descriptor* original, const gp::Descriptor* update);

void compare_labels_and_types(context& ctx, const gp::FieldDescriptor* o, const gp::FieldDescriptor* u,
                              bool use_labels);

void compare_message_types(context& ctx, const gp::Descriptor* o, const gp::Descriptor* u) {
  auto local = [](const gp::Descriptor* d) {
    const std::string& pkg = d->file()->package();
    const std::string& full = d->full_name();
    return !pkg.empty() && full.rfind(pkg + ".", 0) == 0 ? full.substr(pkg.size() + 1) : full;
  };
  const std::string ol = local(o), ul = local(u);
  if (ol != ul) {
    ctx.add(difference_type::field_named_type_changed);
    return;
  }
  auto oref = ctx.reference_of(o->file(), true);
  auto uref = ctx.reference_of(u->file(), false);
  if (oref && uref && oref->subject == uref->subject && oref->version == uref->version) return;
  context sub = ctx.sub();
  sub.path_.clear();
  for (std::size_t start = 0;;) {
    auto dot = ol.find('.', start);
    sub.path_.push_back(ol.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  compare_message(sub, o, u);
  ctx.diffs_.insert(ctx.diffs_.end(), sub.diffs_.begin(), sub.diffs_.end());
  if (!sub.compatible()) ctx.add(difference_type::field_named_type_changed);
}

void compare_labels_and_types(context& ctx, const gp::FieldDescriptor* o, const gp::FieldDescriptor* u,
                              bool use_labels) {
  const kind ok = kind_of(o), uk = kind_of(u);
  if (ok != uk) {
    ctx.add(difference_type::field_kind_changed);
    return;
  }
  switch (ok) {
    case kind::scalar: {
      const auto os = scalar_kind_of(o), us = scalar_kind_of(u);
      if (os != us) {
        ctx.add(difference_type::field_scalar_kind_changed);
        return;
      }
      if (!use_labels) return;
      const label ol = written_label(o), ul = written_label(u);
      if (ol == label::none || ul == label::none || ol == ul) return;
      ctx.add(os == scalar_kind::string_or_bytes ? difference_type::field_string_or_bytes_label_changed
                                                 : difference_type::field_numeric_label_changed);
      return;
    }
    case kind::message:
      compare_message_types(ctx, o->message_type(), u->message_type());
      return;
    case kind::map:
      compare_labels_and_types(ctx, o->message_type()->field(0), u->message_type()->field(0), false);
      compare_labels_and_types(ctx, o->message_type()->field(1), u->message_type()->field(1), false);
      return;
  }
}

void compare_field(context& ctx, const gp::FieldDescriptor* o, const gp::FieldDescriptor* u) {
  if (o->name() != u->name()) ctx.add(difference_type::field_name_changed);
  compare_labels_and_types(ctx, o, u, true);
}

// HashMap<K, V> filled in order: its key order, and the values by key.
template <class K, class V>
struct java_map {
  java_hash_set<K> keys;
  std::map<K, V> values;
  void put(const K& k, V v) {
    keys.insert(k);
    values[k] = v;
  }
  V get(const K& k) const {
    auto it = values.find(k);
    return it == values.end() ? V{} : it->second;
  }
  V remove(const K& k) {
    auto it = values.find(k);
    if (it == values.end()) return V{};
    V v = it->second;
    values.erase(it);
    keys.erase(k);
    return v;
  }
};

template <class K, class V>
std::vector<K> union_order(const java_map<K, V>& a, const java_map<K, V>& b) {
  auto set = java_hash_set<K>::copy_of(a.keys.keys());
  for (const auto& k : b.keys.keys()) set.insert(k);
  return set.keys();
}

void compare_oneof(context& ctx, const gp::OneofDescriptor* o, const gp::OneofDescriptor* u) {
  java_map<int, const gp::FieldDescriptor*> ob, ub;
  for (int i = 0; i < o->field_count(); ++i) ob.put(o->field(i)->number(), o->field(i));
  for (int i = 0; i < u->field_count(); ++i) ub.put(u->field(i)->number(), u->field(i));
  for (int tag : union_order(ob, ub)) {
    context::scope s(ctx, std::to_string(tag));
    const auto* of = ob.get(tag);
    const auto* uf = ub.get(tag);
    if (uf == nullptr) {
      ctx.add(difference_type::oneof_field_removed);
    } else if (of == nullptr) {
      ctx.add(difference_type::oneof_field_added);
    } else {
      compare_field(ctx, of, uf);
    }
  }
}

void compare_message(context& ctx, const gp::Descriptor* original, const gp::Descriptor* update) {
  const bool entered = ctx.schemas_.insert(original).second;
  if (entered) {
    java_map<int, const gp::FieldDescriptor*> ob, ub;
    for (const auto* f : own_fields(original)) ob.put(f->number(), f);
    for (const auto* f : own_fields(update)) ub.put(f->number(), f);
    java_map<std::string, const gp::OneofDescriptor*> oo, uo;
    std::map<int, const gp::FieldDescriptor*> original_oneof_fields;
    for (const auto* o : real_oneofs(original)) {
      oo.put(o->name(), o);
      for (int i = 0; i < o->field_count(); ++i) original_oneof_fields[o->field(i)->number()] = o->field(i);
    }
    for (const auto* o : real_oneofs(update)) {
      uo.put(o->name(), o);
      context::scope s(ctx, o->name());
      int moved = 0, existing = 0;
      for (int i = 0; i < o->field_count(); ++i) {
        const int tag = o->field(i)->number();
        if (ob.remove(tag) != nullptr) {
          ++moved;  // no FIELD_REMOVED for a field that moved into a oneof
        } else if (original_oneof_fields.count(tag)) {
          ++existing;
        }
      }
      if (moved > 1) {
        ctx.add(difference_type::multiple_fields_moved_to_oneof);
      } else if (moved == 1 && existing > 0) {
        ctx.add(difference_type::field_moved_to_existing_oneof);
      }
    }
    for (const auto& name : union_order(oo, uo)) {
      context::scope s(ctx, name);
      const auto* o = oo.get(name);
      const auto* u = uo.get(name);
      if (u == nullptr) {
        ctx.add(difference_type::oneof_removed);
      } else if (o == nullptr) {
        ctx.add(difference_type::oneof_added);
      } else {
        compare_oneof(ctx, o, u);
      }
    }
    for (int tag : union_order(ob, ub)) {
      context::scope s(ctx, std::to_string(tag));
      const auto* of = ob.get(tag);
      const auto* uf = ub.get(tag);
      if (uf == nullptr) {
        ctx.add(of->is_required() ? difference_type::required_field_removed : difference_type::field_removed);
      } else if (of == nullptr) {
        ctx.add(uf->is_required() ? difference_type::required_field_added : difference_type::field_added);
      } else {
        compare_field(ctx, of, uf);
      }
    }
  }
  std::vector<const gp::EnumDescriptor*> oe, ue;
  for (int i = 0; i < original->enum_type_count(); ++i) oe.push_back(original->enum_type(i));
  for (int i = 0; i < update->enum_type_count(); ++i) ue.push_back(update->enum_type(i));
  compare_types(ctx, nested_messages(original), oe, nested_messages(update), ue);
  if (entered) ctx.schemas_.erase(original);
}

void compare_enum(context& ctx, const gp::EnumDescriptor* o, const gp::EnumDescriptor* u) {
  java_map<int, const gp::EnumValueDescriptor*> ob, ub;
  for (int i = 0; i < o->value_count(); ++i) ob.put(o->value(i)->number(), o->value(i));
  for (int i = 0; i < u->value_count(); ++i) ub.put(u->value(i)->number(), u->value(i));
  for (int tag : union_order(ob, ub)) {
    context::scope s(ctx, std::to_string(tag));
    const auto* ov = ob.get(tag);
    const auto* uv = ub.get(tag);
    if (uv == nullptr) {
      ctx.add(difference_type::enum_const_removed);
    } else if (ov == nullptr) {
      ctx.add(difference_type::enum_const_added);
    } else if (ov->name() != uv->name()) {
      ctx.add(difference_type::enum_const_changed);
    }
  }
}

void compare_types(context& ctx, const std::vector<const gp::Descriptor*>& om,
                   const std::vector<const gp::EnumDescriptor*>& oe,
                   const std::vector<const gp::Descriptor*>& um,
                   const std::vector<const gp::EnumDescriptor*>& ue) {
  java_map<std::string, const gp::Descriptor*> omap, umap;
  std::map<std::string, int> oindex, uindex;
  for (std::size_t i = 0; i < om.size(); ++i) {
    omap.put(om[i]->name(), om[i]);
    oindex[om[i]->name()] = static_cast<int>(i);
  }
  for (std::size_t i = 0; i < um.size(); ++i) {
    umap.put(um[i]->name(), um[i]);
    uindex[um[i]->name()] = static_cast<int>(i);
  }
  java_map<std::string, const gp::EnumDescriptor*> oenum, uenum;
  for (const auto* e : oe) oenum.put(e->name(), e);
  for (const auto* e : ue) uenum.put(e->name(), e);

  for (const auto& name : union_order(omap, umap)) {
    context::scope s(ctx, name);
    const auto* o = omap.get(name);
    const auto* u = umap.get(name);
    if (u == nullptr) {
      ctx.add(difference_type::message_removed);
    } else if (o == nullptr) {
      ctx.add(difference_type::message_added);
    } else {
      compare_message(ctx, o, u);
      // Moving a message is compatible: a message's indexes are those of the schema its id names.
      if (oindex.at(name) != uindex.at(name)) ctx.add(difference_type::message_moved);
    }
  }
  for (const auto& name : union_order(oenum, uenum)) {
    context::scope s(ctx, name);
    const auto* o = oenum.get(name);
    const auto* u = uenum.get(name);
    if (u == nullptr) {
      ctx.add(difference_type::enum_removed);
    } else if (o == nullptr) {
      ctx.add(difference_type::enum_added);
    } else {
      compare_enum(ctx, o, u);
    }
  }
}

}  // namespace

std::string difference::message(std::string_view reader, std::string_view writer) const {
  return "{errorType:\"" + std::string(to_string(type)) + "\", description:\"" +
         fill(description(*this), reader, writer) + "\"}";
}

std::vector<difference> compare(const schema& original, const schema& update) {
  const auto& o = *original.impl();
  const auto& u = *update.impl();
  context ctx(o, u);
  if (o.file->package() != u.file->package()) ctx.add(difference_type::package_changed);
  std::vector<const gp::Descriptor*> om, um;
  std::vector<const gp::EnumDescriptor*> oe, ue;
  for (int i = 0; i < o.file->message_type_count(); ++i) om.push_back(o.file->message_type(i));
  for (int i = 0; i < u.file->message_type_count(); ++i) um.push_back(u.file->message_type(i));
  for (int i = 0; i < o.file->enum_type_count(); ++i) oe.push_back(o.file->enum_type(i));
  for (int i = 0; i < u.file->enum_type_count(); ++i) ue.push_back(u.file->enum_type(i));
  compare_types(ctx, om, oe, um, ue);
  return std::move(ctx.diffs_);
}

std::vector<std::string> check_can_read(const schema& reader, const schema& writer,
                                        std::string_view reader_label, std::string_view writer_label) {
  std::vector<std::string> out;
  // ProtobufSchema.isBackwardCompatible: the reader is the update of the writer.
  for (const auto& d : compare(writer, reader)) {
    if (!is_compatible_change(d.type)) out.push_back(d.message(reader_label, writer_label));
  }
  return out;
}

std::vector<std::string> check(check_level level, const schema& candidate, const schema& existing) {
  switch (level) {
    case check_level::backward:
      return check_can_read(candidate, existing, "new", "old");
    case check_level::forward:
      return check_can_read(existing, candidate, "old", "new");
    case check_level::full: {
      auto out = check_can_read(existing, candidate, "old", "new");
      auto back = check_can_read(candidate, existing, "new", "old");
      out.insert(out.end(), back.begin(), back.end());
      return out;
    }
  }
  return {};
}

}  // namespace kavro::protobuf
