// What a kavro::protobuf::schema holds: libprotobuf's pool with the linked files, and each file as the
// parser wrote it (before linking), which the canonical printer and the compatibility rules read.
#pragma once

#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kavro/protobuf/schema.hpp"

namespace kavro::protobuf {

// The name the schema's own file has in the pool (Confluent's Python client names it "default" too).
inline constexpr const char* main_file_name = "default";

struct parsed_file {
  std::string name;
  google::protobuf::FileDescriptorProto proto;  // as parsed: names as written, options uninterpreted
  google::protobuf::compiler::SourceLocationTable locations;
  const reference* ref = nullptr;  // the reference it came from, or null for the schema and known files
  bool known = false;              // resolved without a reference
  bool serialized = false;         // given as a base64 FileDescriptorProto, not as `.proto` text
};

struct schema_impl {
  std::vector<reference> references;
  std::map<std::string, std::unique_ptr<parsed_file>> files;  // by import name, the schema's own included
  std::unique_ptr<google::protobuf::DescriptorPool> pool;
  const google::protobuf::FileDescriptor* file = nullptr;

  const parsed_file& main() const { return *files.at(main_file_name); }
  const parsed_file* find(const std::string& name) const {
    auto it = files.find(name);
    return it == files.end() ? nullptr : it->second.get();
  }
};

// The `.proto` text of a known dependency kavro carries itself (google/type/*, confluent/*), or null.
const char* embedded_known_file(std::string_view name);

// Printing (printer.cpp).
std::string print_schema(const schema_impl& s, bool normalize);

}  // namespace kavro::protobuf
