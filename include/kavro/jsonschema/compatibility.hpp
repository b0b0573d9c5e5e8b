// Confluent's JSON Schema compatibility rules (its `diff` package: SchemaDiff and the per-kind
// diffs): the differences between an original and an updated schema, which of them are compatible
// changes, and the verbose messages the registry prints for the others.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kavro/jsonschema/schema.hpp"
#include "kavro/result.hpp"

namespace kavro::jsonschema {

// Confluent's Difference.Type, in its order.
// clang-format off
#define KAVRO_JSONSCHEMA_DIFFERENCES(X)                                                                         \
  X(id_changed, ID_CHANGED) X(description_changed, DESCRIPTION_CHANGED) X(title_changed, TITLE_CHANGED)         \
  X(default_changed, DEFAULT_CHANGED) X(schema_added, SCHEMA_ADDED) X(schema_removed, SCHEMA_REMOVED)           \
  X(type_extended, TYPE_EXTENDED) X(type_narrowed, TYPE_NARROWED) X(type_changed, TYPE_CHANGED)                 \
  X(max_length_added, MAX_LENGTH_ADDED) X(max_length_removed, MAX_LENGTH_REMOVED)                               \
  X(max_length_increased, MAX_LENGTH_INCREASED) X(max_length_decreased, MAX_LENGTH_DECREASED)                   \
  X(min_length_added, MIN_LENGTH_ADDED) X(min_length_removed, MIN_LENGTH_REMOVED)                               \
  X(min_length_increased, MIN_LENGTH_INCREASED) X(min_length_decreased, MIN_LENGTH_DECREASED)                   \
  X(pattern_added, PATTERN_ADDED) X(pattern_removed, PATTERN_REMOVED) X(pattern_changed, PATTERN_CHANGED)       \
  X(maximum_added, MAXIMUM_ADDED) X(maximum_removed, MAXIMUM_REMOVED) X(maximum_increased, MAXIMUM_INCREASED)   \
  X(maximum_decreased, MAXIMUM_DECREASED) X(minimum_added, MINIMUM_ADDED) X(minimum_removed, MINIMUM_REMOVED)   \
  X(minimum_increased, MINIMUM_INCREASED) X(minimum_decreased, MINIMUM_DECREASED)                               \
  X(exclusive_maximum_added, EXCLUSIVE_MAXIMUM_ADDED) X(exclusive_maximum_removed, EXCLUSIVE_MAXIMUM_REMOVED)   \
  X(exclusive_maximum_increased, EXCLUSIVE_MAXIMUM_INCREASED)                                                   \
  X(exclusive_maximum_decreased, EXCLUSIVE_MAXIMUM_DECREASED)                                                   \
  X(exclusive_minimum_added, EXCLUSIVE_MINIMUM_ADDED) X(exclusive_minimum_removed, EXCLUSIVE_MINIMUM_REMOVED)   \
  X(exclusive_minimum_increased, EXCLUSIVE_MINIMUM_INCREASED)                                                   \
  X(exclusive_minimum_decreased, EXCLUSIVE_MINIMUM_DECREASED)                                                   \
  X(multiple_of_added, MULTIPLE_OF_ADDED) X(multiple_of_removed, MULTIPLE_OF_REMOVED)                           \
  X(multiple_of_expanded, MULTIPLE_OF_EXPANDED) X(multiple_of_reduced, MULTIPLE_OF_REDUCED)                     \
  X(multiple_of_changed, MULTIPLE_OF_CHANGED)                                                                   \
  X(required_attribute_added, REQUIRED_ATTRIBUTE_ADDED)                                                         \
  X(required_attribute_with_default_added, REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED)                               \
  X(required_attribute_removed, REQUIRED_ATTRIBUTE_REMOVED) X(max_properties_added, MAX_PROPERTIES_ADDED)       \
  X(max_properties_removed, MAX_PROPERTIES_REMOVED) X(max_properties_increased, MAX_PROPERTIES_INCREASED)       \
  X(max_properties_decreased, MAX_PROPERTIES_DECREASED) X(min_properties_added, MIN_PROPERTIES_ADDED)           \
  X(min_properties_removed, MIN_PROPERTIES_REMOVED) X(min_properties_increased, MIN_PROPERTIES_INCREASED)       \
  X(min_properties_decreased, MIN_PROPERTIES_DECREASED)                                                         \
  X(additional_properties_added, ADDITIONAL_PROPERTIES_ADDED)                                                   \
  X(additional_properties_removed, ADDITIONAL_PROPERTIES_REMOVED)                                               \
  X(additional_properties_extended, ADDITIONAL_PROPERTIES_EXTENDED)                                             \
  X(additional_properties_narrowed, ADDITIONAL_PROPERTIES_NARROWED)                                             \
  X(dependency_array_added, DEPENDENCY_ARRAY_ADDED) X(dependency_array_removed, DEPENDENCY_ARRAY_REMOVED)       \
  X(dependency_array_extended, DEPENDENCY_ARRAY_EXTENDED)                                                       \
  X(dependency_array_narrowed, DEPENDENCY_ARRAY_NARROWED) X(dependency_array_changed, DEPENDENCY_ARRAY_CHANGED) \
  X(dependency_schema_added, DEPENDENCY_SCHEMA_ADDED) X(dependency_schema_removed, DEPENDENCY_SCHEMA_REMOVED)    \
  X(property_added_to_open_content_model, PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL)                                 \
  X(property_with_empty_schema_added_to_open_content_model, PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL) \
  X(required_property_added_to_unopen_content_model, REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL)           \
  X(required_property_with_default_added_to_unopen_content_model,                                               \
    REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL)                                               \
  X(optional_property_added_to_unopen_content_model, OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL)           \
  X(property_removed_from_open_content_model, PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL)                         \
  X(property_with_false_removed_from_closed_content_model, PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL) \
  X(property_removed_from_closed_content_model, PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL)                     \
  X(property_removed_is_covered_by_partially_open_content_model,                                                \
    PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL)                                                \
  X(property_removed_not_covered_by_partially_open_content_model,                                               \
    PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL)                                               \
  X(property_added_is_covered_by_partially_open_content_model,                                                  \
    PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL)                                                  \
  X(property_added_not_covered_by_partially_open_content_model,                                                 \
    PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL)                                                 \
  X(reserved_property_removed, RESERVED_PROPERTY_REMOVED)                                                       \
  X(reserved_property_conflicts_with_property, RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY)                       \
  X(max_items_added, MAX_ITEMS_ADDED) X(max_items_removed, MAX_ITEMS_REMOVED)                                   \
  X(max_items_increased, MAX_ITEMS_INCREASED) X(max_items_decreased, MAX_ITEMS_DECREASED)                       \
  X(min_items_added, MIN_ITEMS_ADDED) X(min_items_removed, MIN_ITEMS_REMOVED)                                   \
  X(min_items_increased, MIN_ITEMS_INCREASED) X(min_items_decreased, MIN_ITEMS_DECREASED)                       \
  X(unique_items_added, UNIQUE_ITEMS_ADDED) X(unique_items_removed, UNIQUE_ITEMS_REMOVED)                       \
  X(additional_items_added, ADDITIONAL_ITEMS_ADDED) X(additional_items_removed, ADDITIONAL_ITEMS_REMOVED)       \
  X(additional_items_extended, ADDITIONAL_ITEMS_EXTENDED) X(additional_items_narrowed, ADDITIONAL_ITEMS_NARROWED) \
  X(item_added_to_open_content_model, ITEM_ADDED_TO_OPEN_CONTENT_MODEL)                                         \
  X(item_with_empty_schema_added_to_open_content_model, ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL)     \
  X(item_added_to_closed_content_model, ITEM_ADDED_TO_CLOSED_CONTENT_MODEL)                                     \
  X(item_removed_from_open_content_model, ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL)                                 \
  X(item_with_false_removed_from_closed_content_model, ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL)       \
  X(item_removed_from_closed_content_model, ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL)                             \
  X(item_removed_is_covered_by_partially_open_content_model, ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL) \
  X(item_removed_not_covered_by_partially_open_content_model,                                                   \
    ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL)                                                   \
  X(item_added_is_covered_by_partially_open_content_model, ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL) \
  X(item_added_not_covered_by_partially_open_content_model, ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL) \
  X(enum_array_extended, ENUM_ARRAY_EXTENDED) X(enum_array_narrowed, ENUM_ARRAY_NARROWED)                       \
  X(enum_array_changed, ENUM_ARRAY_CHANGED) X(combined_type_extended, COMBINED_TYPE_EXTENDED)                   \
  X(combined_type_changed, COMBINED_TYPE_CHANGED) X(product_type_extended, PRODUCT_TYPE_EXTENDED)               \
  X(product_type_narrowed, PRODUCT_TYPE_NARROWED) X(sum_type_extended, SUM_TYPE_EXTENDED)                       \
  X(sum_type_narrowed, SUM_TYPE_NARROWED) X(combined_type_subschemas_changed, COMBINED_TYPE_SUBSCHEMAS_CHANGED) \
  X(not_type_extended, NOT_TYPE_EXTENDED) X(not_type_narrowed, NOT_TYPE_NARROWED)
// clang-format on

enum class difference_type {
#define KAVRO_JSONSCHEMA_ENUM(name, text) name,
  KAVRO_JSONSCHEMA_DIFFERENCES(KAVRO_JSONSCHEMA_ENUM)
#undef KAVRO_JSONSCHEMA_ENUM
};

// Confluent's name ("TYPE_CHANGED").
const char* to_string(difference_type t) noexcept;
// Whether Confluent's SchemaDiff.COMPATIBLE_CHANGES holds t.
bool is_compatible_change(difference_type t) noexcept;

struct difference {
  difference_type type;
  std::string path;  // JSON pointer into the schema as Confluent prints it ("#/properties/foo")
  bool operator==(const difference&) const = default;
};

struct compare_limits {
  // Comparisons of subschema pairs; combined schemas compare every pair of their subschemas, so
  // nested ones grow fast. Beyond this the answer is an error, not a guess.
  std::size_t max_steps = 200'000;
  std::size_t max_depth = 256;
};

// Every difference from `original` to `update`, in the order Confluent's SchemaDiff.compare finds
// them (object keys visited in the order of Java's HashSet, as Confluent does). errc::invalid_schema
// when the limits are reached.
result<std::vector<difference>> compare(const schema& original, const schema& update,
                                        const compare_limits& bounds = {});

// Confluent's Difference.toString(): {errorType:"TYPE_CHANGED", description:"A type at path '#/'
// is different between the <update> schema and the <original> schema'} — with the two roles
// ("new", "old") filled in where Confluent's template has them.
std::string describe(const difference& d, std::string_view update_role, std::string_view original_role);

// Confluent's JsonSchema.isBackwardCompatible(previous): no messages when `candidate` can read
// what `previous` wrote, else one message per incompatible difference. A forward check passes the
// two the other way round, with the roles swapped.
result<std::vector<std::string>> backward_incompatibilities(const schema& candidate, const schema& previous,
                                                            std::string_view candidate_role = "new",
                                                            std::string_view previous_role = "old",
                                                            const compare_limits& bounds = {});

}  // namespace kavro::jsonschema
