// Parsing and linking a Protobuf schema with libprotobuf: bounds first, then the parser per file, then
// the pool, importing references and known files in dependency order so every error names its place.
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <optional>
#include <set>
#include <variant>

#include "schema_impl.hpp"

namespace kavro::protobuf {
namespace gp = google::protobuf;

namespace {

constexpr std::string_view well_known[] = {"google/protobuf/any.proto",
                                           "google/protobuf/api.proto",
                                           "google/protobuf/descriptor.proto",
                                           "google/protobuf/duration.proto",
                                           "google/protobuf/empty.proto",
                                           "google/protobuf/field_mask.proto",
                                           "google/protobuf/source_context.proto",
                                           "google/protobuf/struct.proto",
                                           "google/protobuf/timestamp.proto",
                                           "google/protobuf/type.proto",
                                           "google/protobuf/wrappers.proto"};

bool is_well_known(std::string_view name) {
  return std::find(std::begin(well_known), std::end(well_known), name) != std::end(well_known);
}

std::string where(const std::string& file) {
  return file == main_file_name ? "schema" : file;
}

// The deepest nesting of brackets outside comments and string literals; stops counting past `limit`.
// libprotobuf's parser recurses per level, so this runs before it.
std::size_t nesting_depth(std::string_view text, std::size_t limit, int& line_out) {
  std::size_t depth = 0, deepest = 0;
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      --i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      i += 2;
      while (i + 1 < text.size() && !(text[i] == '*' && text[i + 1] == '/')) {
        if (text[i] == '\n') ++line;
        ++i;
      }
      ++i;
    } else if (c == '"' || c == '\'') {
      for (++i; i < text.size() && text[i] != c && text[i] != '\n'; ++i) {
        if (text[i] == '\\') ++i;
      }
      if (i < text.size() && text[i] == '\n') ++line;
    } else if (c == '{' || c == '[' || c == '(' || c == '<') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) {
          line_out = line;
          return deepest;
        }
      }
    } else if ((c == '}' || c == ']' || c == ')' || c == '>') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

class parse_errors : public gp::io::ErrorCollector {
 public:
  explicit parse_errors(std::string file) : file_(std::move(file)) {}
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ =
          where(file_) + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
  }
  void AddWarning(int, int, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string file_;
  std::string first_;
};

class build_errors : public gp::DescriptorPool::ErrorCollector {
 public:
  explicit build_errors(const parsed_file& f) : file_(f) {}
  void AddError(const std::string& filename, const std::string& element_name, const gp::Message* descriptor,
                ErrorLocation location, const std::string& message) override {
    if (!first_.empty()) return;
    int line = -1, column = -1;
    if (filename == file_.name && descriptor != nullptr) {
      if (location == IMPORT) {
        file_.locations.FindImport(descriptor, element_name, &line, &column);
      } else if (!file_.locations.Find(descriptor, location, &line, &column) &&
                 !file_.locations.Find(descriptor, NAME, &line, &column)) {
        file_.locations.Find(descriptor, OTHER, &line, &column);
      }
    }
    first_ = where(filename);
    if (line >= 0) first_ += ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1);
    first_ += ": ";
    if (!element_name.empty() && location != IMPORT) first_ += "'" + element_name + "': ";
    first_ += message;
  }
  const std::string& first() const { return first_; }

 private:
  const parsed_file& file_;
  std::string first_;
};

// Standard base64 (padding optional, whitespace skipped); nullopt for any other character.
std::optional<std::string> from_base64(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=' || c == '\n' || c == '\r' || c == ' ')
      continue;
    else
      return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

// Confluent's clients register a schema as its FileDescriptorProto in base64 (confluent-kafka-python's
// ProtobufSerializer always does), and Confluent's registry accepts that form where the text does not
// parse as `.proto`.
std::unique_ptr<parsed_file> parse_serialized(const std::string& name, std::string_view text) {
  if (text.empty()) return nullptr;
  auto bytes = from_base64(text);
  if (!bytes) return nullptr;
  auto f = std::make_unique<parsed_file>();
  // Re-serializing must give the same bytes: text that merely happens to be base64 (a word, say) does
  // not decode to a canonical FileDescriptorProto, and keeps its .proto parse error.
  if (!f->proto.ParseFromString(*bytes) || f->proto.SerializeAsString() != *bytes) return nullptr;
  f->name = name;
  f->proto.set_name(name);
  f->proto.clear_source_code_info();
  f->serialized = true;
  return f;
}

result<std::unique_ptr<parsed_file>> parse_file(const std::string& name, std::string_view text,
                                                const parse_limits& limits) {
  if (text.size() > limits.max_bytes) {
    return fail(errc::invalid_schema, where(name) + ": " + std::to_string(text.size()) +
                                          " bytes, more than the " + std::to_string(limits.max_bytes) +
                                          " allowed");
  }
  int line = 0;
  if (nesting_depth(text, limits.max_depth, line) > limits.max_depth) {
    return fail(errc::invalid_schema, where(name) + ":" + std::to_string(line) + ": nested deeper than " +
                                          std::to_string(limits.max_depth) + " levels");
  }
  auto f = std::make_unique<parsed_file>();
  f->name = name;
  parse_errors errors(name);
  gp::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  gp::io::Tokenizer tokenizer(&input, &errors);
  gp::compiler::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.RecordSourceLocationsTo(&f->locations);
  bool ok;
  {
    gp::LogSilencer quiet;  // "No syntax specified" goes to the log otherwise
    ok = parser.Parse(&tokenizer, &f->proto);
  }
  if (!ok || !errors.first().empty()) {
    if (auto serialized = parse_serialized(name, text)) return serialized;
    return fail(errc::invalid_schema,
                errors.first().empty() ? where(name) + ": does not parse" : errors.first());
  }
  f->proto.set_name(name);
  return f;
}

struct loader {
  schema_impl& s;
  const parse_limits& limits;
  std::map<std::string, const reference*> by_name;
  std::set<std::string> in_progress;

  result<std::monostate> load(const std::string& name, std::size_t depth, const parsed_file* importer) {
    if (s.pool->FindFileByName(name) != nullptr) return std::monostate{};
    if (depth > limits.max_import_depth) {
      return fail(errc::invalid_schema, where(importer->name) + ": imports nested deeper than " +
                                            std::to_string(limits.max_import_depth) + " files at \"" + name +
                                            "\"");
    }
    if (!in_progress.insert(name).second) {
      return fail(errc::invalid_schema, where(importer->name) + ": import cycle through \"" + name + "\"");
    }
    parsed_file* f = nullptr;
    if (auto it = s.files.find(name); it != s.files.end()) {
      f = it->second.get();
    } else if (auto r = by_name.find(name); r != by_name.end()) {
      auto parsed = parse_file(name, r->second->text, limits);
      if (!parsed) return tl::unexpected(parsed.error());
      (*parsed)->ref = r->second;
      f = s.files.emplace(name, std::move(*parsed)).first->second.get();
    } else if (is_well_known(name)) {
      auto file = std::make_unique<parsed_file>();
      file->name = name;
      file->known = true;
      gp::DescriptorPool::generated_pool()->FindFileByName(name)->CopyTo(&file->proto);
      f = s.files.emplace(name, std::move(file)).first->second.get();
    } else if (const char* text = embedded_known_file(name)) {
      auto parsed = parse_file(name, text, limits);
      if (!parsed)
        return fail(errc::internal, "kavro's copy of " + name + " does not parse: " + parsed.error().message);
      (*parsed)->known = true;
      f = s.files.emplace(name, std::move(*parsed)).first->second.get();
    } else {
      int line = -1, column = -1;
      if (importer != nullptr) importer->locations.FindImport(&importer->proto, name, &line, &column);
      std::string at = importer ? where(importer->name) : "schema";
      if (line >= 0) at += ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1);
      return fail(errc::invalid_schema, at + ": import \"" + name +
                                            "\" is neither a reference of the schema nor a known dependency");
    }
    for (const auto& dep : f->proto.dependency()) {
      auto loaded = load(dep, depth + 1, f);
      if (!loaded) return loaded;
    }
    build_errors errors(*f);
    const gp::FileDescriptor* built;
    {
      gp::LogSilencer quiet;
      built = s.pool->BuildFileCollectingErrors(f->proto, &errors);
    }
    if (built == nullptr) {
      return fail(errc::invalid_schema,
                  errors.first().empty() ? where(name) + ": does not link" : errors.first());
    }
    in_progress.erase(name);
    return std::monostate{};
  }
};

}  // namespace

bool is_known_dependency(std::string_view import_name) {
  return is_well_known(import_name) || embedded_known_file(import_name) != nullptr;
}

result<schema> schema::parse(std::string_view text, std::span<const reference> references,
                             const parse_limits& limits) {
  if (references.size() > limits.max_references) {
    return fail(errc::invalid_schema, std::to_string(references.size()) + " references, more than the " +
                                          std::to_string(limits.max_references) + " allowed");
  }
  auto impl = std::make_shared<schema_impl>();
  impl->references.assign(references.begin(), references.end());
  impl->pool = std::make_unique<gp::DescriptorPool>();
  auto main = parse_file(main_file_name, text, limits);
  if (!main) return tl::unexpected(main.error());
  impl->files.emplace(main_file_name, std::move(*main));
  loader l{*impl, limits, {}, {}};
  for (const auto& r : impl->references) {
    if (r.name == main_file_name) {
      return fail(errc::invalid_schema, "reference \"" + r.name + "\": the name of the schema itself");
    }
    l.by_name.emplace(r.name, &r);  // the first of two references with one name wins
  }
  auto loaded = l.load(main_file_name, 0, nullptr);
  if (!loaded) return tl::unexpected(loaded.error());
  impl->file = impl->pool->FindFileByName(main_file_name);
  return schema(std::move(impl));
}

std::string schema::canonical() const {
  return print_schema(*impl_, false);
}
std::string schema::normalized() const {
  return print_schema(*impl_, true);
}

std::string schema::serialized() const {
  gp::FileDescriptorProto proto;
  impl_->file->CopyTo(&proto);
  std::string bytes = proto.SerializeAsString();
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v =
        (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) | std::uint8_t(bytes[i + 2]);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    unsigned v = std::uint8_t(bytes[i]) << 16;
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    unsigned v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string schema::name() const {
  const auto* f = impl_->file;
  if (f->message_type_count() > 0) return f->message_type(0)->full_name();
  if (f->enum_type_count() > 0) return f->enum_type(0)->full_name();
  return {};
}

const std::string& schema::package() const {
  return impl_->file->package();
}
const gp::FileDescriptor& schema::file() const {
  return *impl_->file;
}
const std::vector<reference>& schema::references() const {
  return impl_->references;
}

result<std::vector<int>> schema::message_indexes(std::string_view full_name) const {
  const auto* d = impl_->pool->FindMessageTypeByName(std::string(full_name));
  if (d == nullptr || d->file() != impl_->file) {
    return fail(errc::not_found, "no message '" + std::string(full_name) + "' in the schema");
  }
  std::vector<int> path;
  for (; d != nullptr; d = d->containing_type()) path.push_back(d->index());
  std::reverse(path.begin(), path.end());
  return path;
}

result<const gp::Descriptor*> schema::message_at(std::span<const int> indexes) const {
  if (indexes.empty()) return fail(errc::invalid_data, "empty message index path");
  const gp::Descriptor* d = nullptr;
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    int n = indexes[i];
    int count = d == nullptr ? impl_->file->message_type_count() : d->nested_type_count();
    if (n < 0 || n >= count) {
      return fail(errc::invalid_data, "message index " + std::to_string(n) + " at position " +
                                          std::to_string(i) + " is out of range: " + std::to_string(count) +
                                          " messages there");
    }
    d = d == nullptr ? impl_->file->message_type(n) : d->nested_type(n);
  }
  return d;
}

}  // namespace kavro::protobuf
