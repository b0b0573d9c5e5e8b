// Confluent's JSON Schema compatibility rules, one row per rule: the original and updated schemas,
// the differences Confluent's SchemaDiff reports (type and path, in its order) and its verdict.
// Rows marked "Confluent:" are cases of Confluent's own test resource
// json-schema-provider/src/test/resources/diff-schema-examples.json (confluentinc/schema-registry),
// quoted by their "description"; the others follow the rule's source (ArraySchemaDiff.java, ...).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kavro/jsonschema/compatibility.hpp"

namespace kavro::jsonschema {
namespace {

struct rule_case {
  const char* description;
  const char* original;
  const char* update;
  std::vector<std::string> changes;  // "TYPE #/path"
  bool compatible;
};

std::ostream& operator<<(std::ostream& os, const rule_case& c) { return os << c.description; }

const std::vector<rule_case>& cases() {
  static const std::vector<rule_case> rows = {
      {"Confluent: Anything can change to empty schema", R"({"properties":{}})", R"({})", {}, true},
      {"Confluent: Detect changes to id", R"({"id":"something"})", R"({"id":"something_else"})", {"ID_CHANGED #/"}, true},
      {"Confluent: Detect changes to title", R"({"title":"something"})", R"({"title":"something_else"})",
       {"TITLE_CHANGED #/"}, true},
      {"Confluent: Detect changes to description", R"({"description":"something"})",
       R"({"description":"something_else"})", {"DESCRIPTION_CHANGED #/"}, true},
      {"default changed (SchemaDiff: DEFAULT_CHANGED)", R"({"type":"string","default":"a"})",
       R"({"type":"string","default":"b"})", {"DEFAULT_CHANGED #/"}, true},
      {"Confluent: Detect changes to simple schema type", R"({"type":"object"})", R"({"type":"array"})",
       {"TYPE_CHANGED #/"}, false},
      {"Confluent: Detect increased minLength string schema", R"({"type":"string","minLength":10})",
       R"({"type":"string","minLength":11})", {"MIN_LENGTH_INCREASED #/minLength"}, false},
      {"Confluent: Detect decreased minLength string schema", R"({"type":"string","minLength":11})",
       R"({"type":"string","minLength":10})", {"MIN_LENGTH_DECREASED #/minLength"}, true},
      {"Confluent: Detect increased maxLength string schema", R"({"type":"string","maxLength":10})",
       R"({"type":"string","maxLength":12})", {"MAX_LENGTH_INCREASED #/maxLength"}, true},
      {"Confluent: Detect decreased maxLength string schema", R"({"type":"string","maxLength":12})",
       R"({"type":"string","maxLength":10})", {"MAX_LENGTH_DECREASED #/maxLength"}, false},
      {"maxLength added (StringSchemaDiff)", R"({"type":"string"})", R"({"type":"string","maxLength":3})",
       {"MAX_LENGTH_ADDED #/maxLength"}, false},
      {"minLength removed (StringSchemaDiff)", R"({"type":"string","minLength":3})", R"({"type":"string"})",
       {"MIN_LENGTH_REMOVED #/minLength"}, true},
      {"pattern added (StringSchemaDiff)", R"({"type":"string"})", R"({"type":"string","pattern":"^a"})",
       {"PATTERN_ADDED #/pattern"}, false},
      {"Confluent: Detect removed pattern from string schema", R"({"type":"string","pattern":"uuid"})",
       R"({"type":"string"})", {"PATTERN_REMOVED #/pattern"}, true},
      {"Confluent: Detect changes to pattern string schema", R"({"type":"string","pattern":"date-time"})",
       R"({"type":"string","pattern":"uuid"})", {"PATTERN_CHANGED #/pattern"}, false},
      {"Confluent: Detect changes to pattern", R"({"type":"string","pattern":"date-time"})",
       R"({"type":"string","pattern":"date-time"})", {}, true},
      {"Confluent: Detect removed maximum number schema", R"({"type":"number","maximum":10})", R"({"type":"number"})",
       {"MAXIMUM_REMOVED #/maximum"}, true},
      {"Confluent: Detect increased maximum number schema", R"({"type":"number","maximum":10})",
       R"({"type":"number","maximum":11})", {"MAXIMUM_INCREASED #/maximum"}, true},
      {"Confluent: Detect decreased maximum number schema", R"({"type":"number","maximum":11})",
       R"({"type":"number","maximum":10})", {"MAXIMUM_DECREASED #/maximum"}, false},
      {"maximum added (NumberSchemaDiff)", R"({"type":"number"})", R"({"type":"number","maximum":10})",
       {"MAXIMUM_ADDED #/maximum"}, false},
      {"Confluent: Detect removed minimum number schema", R"({"type":"number","minimum":10})", R"({"type":"number"})",
       {"MINIMUM_REMOVED #/minimum"}, true},
      {"Confluent: Detect increased minimum number schema", R"({"type":"number","minimum":10})",
       R"({"type":"number","minimum":11})", {"MINIMUM_INCREASED #/minimum"}, false},
      {"Confluent: Detect decreased minimum number schema", R"({"type":"number","minimum":11})",
       R"({"type":"number","minimum":10})", {"MINIMUM_DECREASED #/minimum"}, true},
      {"minimum added (NumberSchemaDiff)", R"({"type":"number"})", R"({"type":"number","minimum":1})",
       {"MINIMUM_ADDED #/minimum"}, false},
      {"exclusiveMaximum added (NumberSchemaDiff)", R"({"type":"number"})", R"({"type":"number","exclusiveMaximum":5})",
       {"EXCLUSIVE_MAXIMUM_ADDED #/exclusiveMaximum"}, false},
      {"exclusiveMaximum increased (NumberSchemaDiff)", R"({"type":"number","exclusiveMaximum":5})",
       R"({"type":"number","exclusiveMaximum":6})", {"EXCLUSIVE_MAXIMUM_INCREASED #/exclusiveMaximum"}, true},
      {"exclusiveMaximum removed (NumberSchemaDiff)", R"({"type":"number","exclusiveMaximum":5})",
       R"({"type":"number"})", {"EXCLUSIVE_MAXIMUM_REMOVED #/exclusiveMaximum"}, true},
      {"exclusiveMinimum increased (NumberSchemaDiff)", R"({"type":"number","exclusiveMinimum":5})",
       R"({"type":"number","exclusiveMinimum":6})", {"EXCLUSIVE_MINIMUM_INCREASED #/exclusiveMinimum"}, false},
      {"exclusiveMinimum decreased (NumberSchemaDiff)", R"({"type":"number","exclusiveMinimum":5})",
       R"({"type":"number","exclusiveMinimum":4})", {"EXCLUSIVE_MINIMUM_DECREASED #/exclusiveMinimum"}, true},
      {"exclusiveMinimum added (NumberSchemaDiff)", R"({"type":"number"})", R"({"type":"number","exclusiveMinimum":4})",
       {"EXCLUSIVE_MINIMUM_ADDED #/exclusiveMinimum"}, false},
      {"exclusiveMinimum removed (NumberSchemaDiff)", R"({"type":"number","exclusiveMinimum":4})",
       R"({"type":"number"})", {"EXCLUSIVE_MINIMUM_REMOVED #/exclusiveMinimum"}, true},
      {"Confluent: Detect removed multipleOf number schema", R"({"type":"number","multipleOf":10})",
       R"({"type":"number"})", {"MULTIPLE_OF_REMOVED #/multipleOf"}, true},
      {"Confluent: Detect reduced multipleOf number schema", R"({"type":"number","multipleOf":10})",
       R"({"type":"number","multipleOf":2})", {"MULTIPLE_OF_REDUCED #/multipleOf"}, true},
      {"Confluent: Detect changes to multipleOf number schema", R"({"type":"number","multipleOf":10})",
       R"({"type":"number","multipleOf":11})", {"MULTIPLE_OF_CHANGED #/multipleOf"}, false},
      {"multipleOf expanded (NumberSchemaDiff)", R"({"type":"number","multipleOf":2})",
       R"({"type":"number","multipleOf":10})", {"MULTIPLE_OF_EXPANDED #/multipleOf"}, false},
      {"multipleOf added (NumberSchemaDiff)", R"({"type":"number"})", R"({"type":"number","multipleOf":10})",
       {"MULTIPLE_OF_ADDED #/multipleOf"}, false},
      {"Confluent: Detect narrowed change to number schema", R"({"type":"number"})", R"({"type":"integer"})",
       {"TYPE_NARROWED #/"}, false},
      {"Confluent: Detect extended change to number schema", R"({"type":"integer"})", R"({"type":"number"})",
       {"TYPE_EXTENDED #/"}, true},
      {"Confluent: Detect compatible change to not schema", R"({"not":{"type":"number"}})",
       R"({"not":{"type":"integer"}})", {"NOT_TYPE_NARROWED #/not"}, true},
      {"Confluent: Detect incompatible change to not schema", R"({"not":{"type":"integer"}})",
       R"({"not":{"type":"number"}})", {"NOT_TYPE_EXTENDED #/not"}, false},
      {"Confluent: Detect removed enum ", R"({"type":"string","enum":["red"]})", R"({"type":"string"})",
       {"PRODUCT_TYPE_NARROWED #/"}, true},
      {"Confluent: Detect incompatible changes to const schema",
       R"({"$schema":"http://json-schema.org/draft-07/schema#","properties":{"foo":{"const":"red"}}})",
       R"({"$schema":"http://json-schema.org/draft-07/schema#","properties":{"foo":{"const":"blue"}}})",
       {"ENUM_ARRAY_CHANGED #/properties/foo/const"}, false},
      {"Confluent: Detect incompatible changes to enum schema", R"({"allOf":[{"type":"string"},{"enum":["red"]}]})",
       R"({"allOf":[{"type":"string"},{"enum":["blue"]}]})", {"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"}, false},
      {"Confluent: Detect compatible changes to enum schema", R"({"allOf":[{"type":"string"},{"enum":["red"]}]})",
       R"({"allOf":[{"enum":["red","blue"]},{"type":"string"}]})", {"ENUM_ARRAY_EXTENDED #/allOf/1/enum"}, true},
      {"enum narrowed (EnumSchemaDiff)", R"({"enum":["red","blue"]})", R"({"enum":["red"]})",
       {"ENUM_ARRAY_NARROWED #/enum"}, false},
      {"Confluent: Detect changes to type array", R"({"type":["object"]})", R"({"type":["object","array"]})",
       {"SUM_TYPE_EXTENDED #/"}, true},
      {"Confluent: Detect changes to sub schemas", R"({"oneOf":[{"type":"string"}]})", R"({"oneOf":[{"type":"number"}]})",
       {"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"}, false},
      {"Confluent: Detect changes to number of sub schemas", R"({"oneOf":[{"type":"string"}]})",
       R"({"oneOf":[{"type":"number"},{"type":"string"}]})", {"SUM_TYPE_EXTENDED #/"}, true},
      {"sum type narrowed (CombinedSchemaDiff)", R"({"anyOf":[{"type":"number"},{"type":"string"}]})",
       R"({"anyOf":[{"type":"string"}]})", {"SUM_TYPE_NARROWED #/"}, false},
      {"product type extended (CombinedSchemaDiff)", R"({"allOf":[{"type":"string"}]})",
       R"({"allOf":[{"type":"string"},{"maxLength":3}]})", {"PRODUCT_TYPE_EXTENDED #/"}, false},
      {"Confluent: Detect changes to remove properties", R"({"properties":{"foo":{"type":"string"}}})",
       R"({"properties":{"bar":{"type":"string"}}})",
       {"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/bar", "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL #/properties/foo"},
       false},
      {"Confluent: Detect change type of properties", R"({"properties":{"foo":{"type":"string"}}})",
       R"({"properties":{"foo":{"type":"number"}}})", {"TYPE_CHANGED #/properties/foo"}, false},
      {"Confluent: Detect optional property added to closed content model",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":false})",
       R"({"properties":{"foo":{"type":"string"},"bar":{"type":"number"}},"additionalProperties":false})",
       {"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/bar"}, true},
      {"required property added to closed content model (ObjectSchemaDiff)",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":false})",
       R"({"properties":{"foo":{"type":"string"},"bar":{"type":"number"}},"required":["bar"],"additionalProperties":false})",
       {"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/bar"}, false},
      {"required property with default added to closed content model (ObjectSchemaDiff)",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":false})",
       R"({"properties":{"foo":{"type":"string"},"bar":{"type":"number","default":1}},"required":["bar"],"additionalProperties":false})",
       {"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/bar"}, true},
      {"Confluent: Detect property added to partially open content model 1",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":false,"patternProperties":{"^S_":{"type":"string"},"^I_":{"type":"integer"}}})",
       R"({"properties":{"foo":{"type":"string"},"I_123":{"type":"number"}},"additionalProperties":false,"patternProperties":{"^S_":{"type":"string"},"^I_":{"type":"integer"}}})",
       {"TYPE_EXTENDED #/properties/I_123", "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/I_123",
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/I_123"},
       true},
      {"Confluent: Detect property added to partially open content model 3",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":{"type":"string"}})",
       R"({"properties":{"foo":{"type":"string"},"bar":{"type":"number"}},"additionalProperties":{"type":"string"}})",
       {"TYPE_CHANGED #/properties/bar", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar",
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/bar"},
       false},
      {"Confluent: Detect property added to partially open content model 4",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":{"type":"string"}})",
       R"({"properties":{"foo":{"type":"string"},"bar":{"type":"string"}},"required":["bar"],"additionalProperties":{"type":"string"}})",
       {"PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar",
        "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/bar"},
       false},
      {"Confluent: Detect property removed from partially open content model 1",
       R"({"properties":{"foo":{"type":"string"},"I_123":{"type":"integer"}},"additionalProperties":false})",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":false,"patternProperties":{"^S_":{"type":"string"},"^I_":{"type":"number"}}})",
       {"TYPE_EXTENDED #/properties/I_123", "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/I_123"},
       true},
      {"Confluent: Detect property removed from partially open content model 3",
       R"({"properties":{"foo":{"type":"string"},"bar":{"type":"number"}},"additionalProperties":false})",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":{"type":"string"}})",
       {"TYPE_CHANGED #/properties/bar", "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar",
        "ADDITIONAL_PROPERTIES_ADDED #/additionalProperties"},
       false},
      {"Confluent: Detect property removed from partially open content model 5",
       R"({"properties":{"foo":{"type":"string"},"bar":{"type":"string"}},"additionalProperties":false})",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":{"oneOf":[{"type":"null"},{"type":"string"}]}})",
       {"SUM_TYPE_EXTENDED #/properties/bar", "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar",
        "ADDITIONAL_PROPERTIES_ADDED #/additionalProperties"},
       true},
      {"property removed from closed content model (ObjectSchemaDiff)",
       R"({"properties":{"foo":{"type":"string"},"bar":{"type":"string"}},"additionalProperties":false})",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":false})",
       {"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/bar"}, false},
      {"property with false removed from closed content model (ObjectSchemaDiff)",
       R"({"properties":{"foo":{"type":"string"},"bar":false},"additionalProperties":false})",
       R"({"properties":{"foo":{"type":"string"}},"additionalProperties":false})",
       {"PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/bar"}, true},
      {"Confluent: Detect property added to open content model", R"({"properties":{"foo":{"type":"string"}}})",
       R"({"properties":{"foo":{"type":"string"},"bar":{"type":"number"}}})",
       {"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/bar"}, false},
      {"property with empty schema added to open content model (ObjectSchemaDiff)",
       R"({"properties":{"foo":{"type":"string"}}})", R"({"properties":{"foo":{"type":"string"},"bar":{}}})",
       {"PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL #/properties/bar"}, true},
      {"additional properties removed (ObjectSchemaDiff)", R"({"type":"object"})",
       R"({"type":"object","additionalProperties":false})", {"ADDITIONAL_PROPERTIES_REMOVED #/additionalProperties"}, false},
      {"additional properties narrowed (ObjectSchemaDiff)", R"({"type":"object"})",
       R"({"type":"object","additionalProperties":{"type":"string"}})",
       {"ADDITIONAL_PROPERTIES_NARROWED #/additionalProperties"}, false},
      {"additional properties extended (ObjectSchemaDiff)", R"({"type":"object","additionalProperties":{"type":"string"}})",
       R"({"type":"object"})", {"ADDITIONAL_PROPERTIES_EXTENDED #/additionalProperties"}, true},
      {"Confluent: Detect changes to composed schema type", R"({"oneOf":[{"properties":{"foo":{"type":"string"}}}]})",
       R"({"oneOf":[{"properties":{"foo":{"type":"number"}}}]})", {"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"}, false},
      {"Confluent: Detect changes to validation criteria in composed schema type for singleton",
       R"({"oneOf":[{"type":"string"}]})", R"({"allOf":[{"type":"string"}]})", {"COMBINED_TYPE_EXTENDED #/"}, true},
      {"Confluent: Detect changes to validation criteria in composed schema type",
       R"({"oneOf":[{"type":"string"},{"type":"integer"}]})", R"({"allOf":[{"type":"string"}]})",
       {"COMBINED_TYPE_CHANGED #/"}, false},
      {"Confluent: Detect changes to dependencies as array",
       R"({"properties":{"foo":{"type":"number"},"bar":{"type":"string"}},"dependencies":{"foo":["bar"]}})",
       R"({"properties":{"foo":{"type":"number"},"bar":{"type":"string"}},"dependencies":{"bar":["foo"]}})",
       {"DEPENDENCY_ARRAY_ADDED #/dependencies/bar", "DEPENDENCY_ARRAY_REMOVED #/dependencies/foo"}, false},
      {"dependency array extended (ObjectSchemaDiff)", R"({"dependencies":{"foo":["bar"]}})",
       R"({"dependencies":{"foo":["bar","baz"]}})", {"DEPENDENCY_ARRAY_EXTENDED #/dependencies/foo"}, false},
      {"dependency array narrowed (ObjectSchemaDiff)", R"({"dependencies":{"foo":["bar","baz"]}})",
       R"({"dependencies":{"foo":["bar"]}})", {"DEPENDENCY_ARRAY_NARROWED #/dependencies/foo"}, true},
      {"dependency array changed (ObjectSchemaDiff)", R"({"dependencies":{"foo":["bar"]}})",
       R"({"dependencies":{"foo":["baz"]}})", {"DEPENDENCY_ARRAY_CHANGED #/dependencies/foo"}, false},
      {"Confluent: Detect compatible changes to dependencies schemas",
       R"({"dependencies":{"foo":{"type":"string"},"bar":{"type":"string"}}})",
       R"({"dependencies":{"foo":{"type":"string"}}})", {"DEPENDENCY_SCHEMA_REMOVED #/dependencies/bar"}, true},
      {"Confluent: Detect incompatible changes to dependencies schemas", R"({"dependencies":{"foo":{"type":"string"}}})",
       R"({"dependencies":{"foo":{"type":"number"}}})", {"TYPE_CHANGED #/dependencies/foo"}, false},
      {"Confluent: Detect changes to dependencies properties", R"({"dependencies":{"foo":{"type":"string"}}})",
       R"({"dependencies":{"bar":{"type":"string"}}})",
       {"DEPENDENCY_SCHEMA_ADDED #/dependencies/bar", "DEPENDENCY_SCHEMA_REMOVED #/dependencies/foo"}, false},
      {"Confluent: Detect required array to be removed", R"({"properties":{"foo":{"type":"string"}},"required":["foo"]})",
       R"({"properties":{"foo":{"type":"string"}}})", {"REQUIRED_ATTRIBUTE_REMOVED #/required/foo"}, true},
      {"Confluent: Detect required array to be added", R"({"properties":{"foo":{"type":"string"}}})",
       R"({"properties":{"foo":{"type":"string"}},"required":["foo"]})", {"REQUIRED_ATTRIBUTE_ADDED #/required/foo"},
       false},
      {"required attribute with default added (ObjectSchemaDiff)",
       R"({"properties":{"foo":{"type":"string","default":"x"}}})",
       R"({"properties":{"foo":{"type":"string","default":"x"}},"required":["foo"]})",
       {"REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED #/required/foo"}, true},
      {"Confluent: Detect removed maxProperties", R"({"properties":{},"maxProperties":1})", R"({"properties":{}})",
       {"MAX_PROPERTIES_REMOVED #/maxProperties"}, true},
      {"Confluent: Detect increased maxProperties", R"({"maxProperties":1})", R"({"maxProperties":2})",
       {"MAX_PROPERTIES_INCREASED #/maxProperties"}, true},
      {"Confluent: Detect decreased maxProperties", R"({"maxProperties":2})", R"({"maxProperties":1})",
       {"MAX_PROPERTIES_DECREASED #/maxProperties"}, false},
      {"maxProperties added (ObjectSchemaDiff)", R"({"type":"object"})", R"({"type":"object","maxProperties":1})",
       {"MAX_PROPERTIES_ADDED #/maxProperties"}, false},
      {"Confluent: Detect removed minProperties", R"({"properties":{},"minProperties":2})", R"({"properties":{}})",
       {"MIN_PROPERTIES_REMOVED #/minProperties"}, true},
      {"Confluent: Detect increased minProperties", R"({"minProperties":1})", R"({"minProperties":2})",
       {"MIN_PROPERTIES_INCREASED #/minProperties"}, false},
      {"Confluent: Detect decreased minProperties", R"({"minProperties":2})", R"({"minProperties":1})",
       {"MIN_PROPERTIES_DECREASED #/minProperties"}, true},
      {"minProperties added (ObjectSchemaDiff)", R"({"type":"object"})", R"({"type":"object","minProperties":1})",
       {"MIN_PROPERTIES_ADDED #/minProperties"}, false},
      {"Confluent: Detect changes to all items schema (added)", R"({"type":"array"})",
       R"({"type":"array","items":{"type":"string"}})", {"SCHEMA_ADDED #/items"}, false},
      {"Confluent: Detect changes to all items schema (removed)", R"({"type":"array","items":{"type":"string"}})",
       R"({"type":"array"})", {"SCHEMA_REMOVED #/items"}, true},
      {"Confluent: Detect changes to items schema list", R"({"type":"array","items":[{"type":"string"},{"type":"number"}]})",
       R"({"type":"array"})",
       {"ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/items/0", "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/items/1"}, true},
      {"Confluent: Detect item added to partially open content model 1",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":{"type":"string"}})",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"},{"type":"string"}],"additionalItems":{"type":"string"}})",
       {"ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2"}, true},
      {"Confluent: Detect item added to partially open content model 2",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":{"type":"string"}})",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"},{"type":"number"}],"additionalItems":{"type":"string"}})",
       {"TYPE_CHANGED #/items/2", "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2"}, false},
      {"Confluent: Detect item removed from partially open content model 1",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"},{"type":"string"}],"additionalItems":{"type":"string"}})",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":{"type":"string"}})",
       {"ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2"}, true},
      {"Confluent: Detect item removed from partially open content model 3",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"},{"type":"number"}],"additionalItems":{"type":"string"}})",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":{"type":"string"}})",
       {"TYPE_CHANGED #/items/2", "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2"}, false},
      {"item added to open content model (ArraySchemaDiff)", R"({"type":"array","items":[{"type":"string"}]})",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"}]})",
       {"ITEM_ADDED_TO_OPEN_CONTENT_MODEL #/items/1"}, false},
      {"item with empty schema added to open content model (ArraySchemaDiff)",
       R"({"type":"array","items":[{"type":"string"}]})", R"({"type":"array","items":[{"type":"string"},{}]})",
       {"ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL #/items/1"}, true},
      {"item added to closed content model (ArraySchemaDiff)",
       R"({"type":"array","items":[{"type":"string"}],"additionalItems":false})",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":false})",
       {"ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1"}, true},
      {"item removed from closed content model (ArraySchemaDiff)",
       R"({"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":false})",
       R"({"type":"array","items":[{"type":"string"}],"additionalItems":false})",
       {"ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL #/items/1"}, false},
      {"item with false removed from closed content model (ArraySchemaDiff)",
       R"({"type":"array","items":[{"type":"string"},false],"additionalItems":false})",
       R"({"type":"array","items":[{"type":"string"}],"additionalItems":false})",
       {"ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL #/items/1"}, true},
      {"additional items removed (ArraySchemaDiff)", R"({"type":"array","items":[{"type":"string"}]})",
       R"({"type":"array","items":[{"type":"string"}],"additionalItems":false})",
       {"ADDITIONAL_ITEMS_REMOVED #/additionalItems"}, false},
      {"additional items added (ArraySchemaDiff)", R"({"type":"array","items":[{"type":"string"}],"additionalItems":false})",
       R"({"type":"array","items":[{"type":"string"}]})", {"ADDITIONAL_ITEMS_ADDED #/additionalItems"}, true},
      {"additional items narrowed (ArraySchemaDiff)", R"({"type":"array","items":[{"type":"string"}]})",
       R"({"type":"array","items":[{"type":"string"}],"additionalItems":{"type":"string"}})",
       {"ADDITIONAL_ITEMS_NARROWED #/additionalItems"}, false},
      {"additional items extended (ArraySchemaDiff)",
       R"({"type":"array","items":[{"type":"string"}],"additionalItems":{"type":"string"}})",
       R"({"type":"array","items":[{"type":"string"}]})", {"ADDITIONAL_ITEMS_EXTENDED #/additionalItems"}, true},
      {"Confluent: Detect changes to items in the schema list", R"({"type":"array","items":[{"type":"string"}]})",
       R"({"type":"array","items":[{"type":"number"}]})", {"TYPE_CHANGED #/items/0"}, false},
      {"Confluent: Detect decreased maxItems", R"({"type":"array","maxItems":2})", R"({"type":"array","maxItems":1})",
       {"MAX_ITEMS_DECREASED #/maxItems"}, false},
      {"maxItems increased (ArraySchemaDiff)", R"({"type":"array","maxItems":1})", R"({"type":"array","maxItems":2})",
       {"MAX_ITEMS_INCREASED #/maxItems"}, true},
      {"maxItems added (ArraySchemaDiff)", R"({"type":"array"})", R"({"type":"array","maxItems":2})",
       {"MAX_ITEMS_ADDED #/maxItems"}, false},
      {"maxItems removed (ArraySchemaDiff)", R"({"type":"array","maxItems":2})", R"({"type":"array"})",
       {"MAX_ITEMS_REMOVED #/maxItems"}, true},
      {"Confluent: Detect removed minItems", R"({"type":"array","minItems":1})", R"({"type":"array"})",
       {"MIN_ITEMS_REMOVED #/minItems"}, true},
      {"Confluent: Detect increased minItems", R"({"type":"array","minItems":1})", R"({"type":"array","minItems":2})",
       {"MIN_ITEMS_INCREASED #/minItems"}, false},
      {"Confluent: Detect decreased minItems", R"({"type":"array","minItems":2})", R"({"type":"array","minItems":1})",
       {"MIN_ITEMS_DECREASED #/minItems"}, true},
      {"minItems added (ArraySchemaDiff)", R"({"type":"array"})", R"({"type":"array","minItems":1})",
       {"MIN_ITEMS_ADDED #/minItems"}, false},
      {"Confluent: Detect unique items removed", R"({"type":"array","uniqueItems":true})", R"({"type":"array"})",
       {"UNIQUE_ITEMS_REMOVED #/uniqueItems"}, true},
      {"unique items added (ArraySchemaDiff)", R"({"type":"array"})", R"({"type":"array","uniqueItems":true})",
       {"UNIQUE_ITEMS_ADDED #/uniqueItems"}, false},
      {"false to anything (SchemaDiff: no difference from a FalseSchema)", R"({"properties":{"a":false}})",
       R"({"properties":{"a":{"type":"string"}}})", {}, true},
      {"reference followed (SchemaDiff.normalizeSchema)",
       R"({"definitions":{"s":{"type":"string","maxLength":5}},"properties":{"a":{"$ref":"#/definitions/s"}}})",
       R"({"definitions":{"s":{"type":"string","maxLength":3}},"properties":{"a":{"$ref":"#/definitions/s"}}})",
       {"MAX_LENGTH_DECREASED #/properties/a/maxLength"}, false},
      {"recursive schema compared once per original node (Context.enterSchema)",
       R"({"type":"object","properties":{"next":{"$ref":"#"},"v":{"type":"string"}}})",
       R"({"type":"object","properties":{"next":{"$ref":"#"},"v":{"type":"string"}}})", {}, true},
  };
  return rows;
}

class jsonschema_rules : public ::testing::TestWithParam<rule_case> {};

TEST_P(jsonschema_rules, differences_and_verdict_as_confluent) {
  const auto& c = GetParam();
  auto original = schema::parse(c.original);
  ASSERT_TRUE(original) << original.error().message;
  auto update = schema::parse(c.update);
  ASSERT_TRUE(update) << update.error().message;
  auto diffs = compare(*original, *update);
  ASSERT_TRUE(diffs) << diffs.error().message;
  std::vector<std::string> got;
  bool compatible = true;
  for (const auto& d : *diffs) {
    got.push_back(std::string(to_string(d.type)) + " " + d.path);
    compatible = compatible && is_compatible_change(d.type);
  }
  EXPECT_EQ(got, c.changes);
  EXPECT_EQ(compatible, c.compatible);
  auto messages = backward_incompatibilities(*update, *original);
  ASSERT_TRUE(messages);
  EXPECT_EQ(messages->empty(), c.compatible);
}

INSTANTIATE_TEST_SUITE_P(confluent, jsonschema_rules, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<rule_case>& row) {
                           return "row" + std::to_string(row.index);
                         });

TEST(jsonschema_compatibility_messages, verbose_text_as_confluent_prints_it) {
  auto old_schema = schema::parse(R"({"type":"object","properties":{"a":{"type":"string"}}})");
  auto new_schema = schema::parse(R"({"type":"object","properties":{"a":{"type":"integer"}}})");
  ASSERT_TRUE(old_schema && new_schema);
  auto messages = backward_incompatibilities(*new_schema, *old_schema);
  ASSERT_TRUE(messages);
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0],
            "{errorType:\"TYPE_CHANGED\", description:\"A type at path '#/properties/a' is different between the new "
            "schema and the old schema'}");
}

TEST(jsonschema_compatibility_messages, content_model_message_names_both_roles) {
  const difference d{difference_type::required_property_added_to_unopen_content_model, "#/properties/b"};
  EXPECT_EQ(describe(d, "new", "old"),
            "{errorType:\"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL\", description:\"The new schema has an "
            "unopen content model and has a required property at path '#/properties/b' which is missing in the old "
            "schema'}");
}

TEST(jsonschema_compatibility_limits, nested_combined_schemas_beyond_the_budget_are_an_error_not_a_guess) {
  // Each level of anyOf compares every pair of subschemas: 4 subschemas nested 12 deep is 16^12 pairs.
  std::string s = R"({"type":"string"})";
  for (int i = 0; i < 12; ++i)
    s = R"({"anyOf":[)" + s + "," + R"({"type":"number","maximum":)" + std::to_string(i) + "}," + s +
        R"(,{"type":"null"}]})";
  auto a = schema::parse(s);
  ASSERT_TRUE(a) << a.error().message;
  compare_limits bounds;
  bounds.max_steps = 10'000;
  auto diffs = compare(*a, *a, bounds);
  ASSERT_FALSE(diffs);
  EXPECT_EQ(diffs.error().code, errc::invalid_schema);
  EXPECT_NE(diffs.error().message.find("too complex"), std::string::npos) << diffs.error().message;
}

}  // namespace
}  // namespace kavro::jsonschema

namespace kavro::jsonschema {
namespace {

// kavro's reading of 2020-12 for Confluent's array rules: prefixItems is the tuple, items what follows.
TEST(jsonschema_draft2020_rules, prefix_items_are_the_tuple_and_items_the_rest) {
  auto original = schema::parse(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array",
                                    "prefixItems":[{"type":"string"}],"items":false})");
  auto update = schema::parse(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array",
                                  "prefixItems":[{"type":"string"},{"type":"number"}],"items":false})");
  ASSERT_TRUE(original && update);
  auto diffs = compare(*original, *update);
  ASSERT_TRUE(diffs) << diffs.error().message;
  ASSERT_EQ(diffs->size(), 1u);
  EXPECT_EQ((*diffs)[0], (difference{difference_type::item_added_to_closed_content_model, "#/items/1"}));
}

TEST(jsonschema_draft2020_rules, dependent_required_is_a_dependency_array) {
  auto original = schema::parse(R"({"$schema":"https://json-schema.org/draft/2019-09/schema",
                                    "dependentRequired":{"a":["b"]}})");
  auto update = schema::parse(R"({"$schema":"https://json-schema.org/draft/2019-09/schema",
                                  "dependentRequired":{"a":["b","c"]}})");
  ASSERT_TRUE(original && update);
  auto diffs = compare(*original, *update);
  ASSERT_TRUE(diffs) << diffs.error().message;
  ASSERT_EQ(diffs->size(), 1u);
  EXPECT_EQ((*diffs)[0], (difference{difference_type::dependency_array_extended, "#/dependencies/a"}));
}

}  // namespace
}  // namespace kavro::jsonschema
