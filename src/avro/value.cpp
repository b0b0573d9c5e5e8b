// Out-of-line parts of the generic datum: the boxed union value needs the complete value type.
#include "kavro/avro/value.hpp"

#include <stdexcept>

namespace kavro::avro {

bool record_value::operator==(const record_value& o) const {
  return fields == o.fields;
}
bool array_value::operator==(const array_value& o) const {
  return items == o.items;
}
bool map_value::operator==(const map_value& o) const {
  return entries == o.entries;
}

union_value::union_value(std::size_t b, value v) : branch(b), inner(std::make_unique<value>(std::move(v))) {}
union_value::union_value(const union_value& o)
    : branch(o.branch), inner(o.inner ? std::make_unique<value>(*o.inner) : nullptr) {}
union_value& union_value::operator=(const union_value& o) {
  if (this != &o) {
    branch = o.branch;
    inner = o.inner ? std::make_unique<value>(*o.inner) : nullptr;
  }
  return *this;
}
union_value::~union_value() = default;
bool union_value::operator==(const union_value& o) const {
  if (branch != o.branch) return false;
  if (!inner || !o.inner) return !inner && !o.inner;
  return *inner == *o.inner;
}

const value& value::field(const schema& s, std::string_view name) const {
  auto i = s.field_index(name);
  const auto& f = fields();
  if (!i || *i >= f.size())
    throw std::out_of_range("no field '" + std::string(name) + "' in the record value");
  return f[*i];
}

}  // namespace kavro::avro
