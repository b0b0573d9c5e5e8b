// kavro-gen: turns .avsc files into a C++ header of plain structs with encode/decode functions that
// write and read Avro binary directly (no generic value in between). See docs/avro.md.
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "kavro/avro/codec.hpp"
#include "kavro/avro/schema.hpp"

namespace {

using kavro::avro::logical_type;
using kavro::avro::schema;
using kavro::avro::type;

const std::set<std::string> cpp_keywords = {
    "alignas", "alignof",  "and",       "asm",      "auto",      "bool",     "break",    "case",
    "catch",   "char",     "class",     "const",    "constexpr", "continue", "decltype", "default",
    "delete",  "do",       "double",    "else",     "enum",      "explicit", "export",   "extern",
    "false",   "float",    "for",       "friend",   "goto",      "if",       "inline",   "int",
    "long",    "mutable",  "namespace", "new",      "noexcept",  "not",      "nullptr",  "operator",
    "or",      "private",  "protected", "public",   "register",  "return",   "short",    "signed",
    "sizeof",  "static",   "struct",    "switch",   "template",  "this",     "throw",    "true",
    "try",     "typedef",  "typeid",    "typename", "union",     "unsigned", "using",    "virtual",
    "void",    "volatile", "while",     "xor",      "r",         "w",        "v"};

std::string ident(const std::string& s) {
  return cpp_keywords.count(s) ? s + "_" : s;
}

class generator {
 public:
  std::ostringstream types;  // struct and enum definitions
  std::ostringstream funcs;  // encode/decode bodies

  void add_root(const schema& s) { visit(s); }

  std::string cpp_type(const schema& s) {
    switch (s.kind()) {
      case type::null:
        return "std::monostate";
      case type::boolean:
        return "bool";
      case type::int_:
        if (s.logical() == logical_type::date) return "std::chrono::sys_days";
        if (s.logical() == logical_type::time_millis) return "std::chrono::milliseconds";
        return "std::int32_t";
      case type::long_:
        switch (s.logical()) {
          case logical_type::time_micros:
            return "std::chrono::microseconds";
          case logical_type::timestamp_millis:
            return "std::chrono::sys_time<std::chrono::milliseconds>";
          case logical_type::timestamp_micros:
            return "std::chrono::sys_time<std::chrono::microseconds>";
          case logical_type::timestamp_nanos:
            return "std::chrono::sys_time<std::chrono::nanoseconds>";
          case logical_type::local_timestamp_millis:
            return "std::chrono::local_time<std::chrono::milliseconds>";
          case logical_type::local_timestamp_micros:
            return "std::chrono::local_time<std::chrono::microseconds>";
          case logical_type::local_timestamp_nanos:
            return "std::chrono::local_time<std::chrono::nanoseconds>";
          default:
            return "std::int64_t";
        }
      case type::float_:
        return "float";
      case type::double_:
        return "double";
      case type::string:
        return "std::string";
      case type::bytes:
        return s.logical() == logical_type::decimal ? "::kavro::avro::gen::decimal"
                                                    : "std::vector<std::uint8_t>";
      case type::fixed:
        if (s.logical() == logical_type::duration) return "::kavro::avro::gen::duration";
        return ident(s.name());
      case type::enum_:
        return ident(s.name());
      case type::record:
        return complete_.count(s.id()) ? ident(s.name()) : "::kavro::avro::gen::box<" + ident(s.name()) + ">";
      case type::array:
        return "std::vector<" + cpp_type(s.items()) + ">";
      case type::map:
        return "std::map<std::string, " + cpp_type(s.values()) + ">";
      case type::union_: {
        const auto& b = s.branches();
        if (b.size() == 2 && (b[0].kind() == type::null) != (b[1].kind() == type::null))
          return "std::optional<" + cpp_type(b[0].kind() == type::null ? b[1] : b[0]) + ">";
        std::string out = "std::variant<";
        for (std::size_t i = 0; i < b.size(); ++i) out += (i ? ", " : "") + cpp_type(b[i]);
        return out + ">";
      }
    }
    return "void";
  }

 private:
  std::set<const void*> seen_;
  std::set<const void*> complete_;
  std::map<std::string, std::string> names_;  // C++ name -> Avro full name
  int tmp_ = 0;

  std::string tmp(const char* base) { return std::string(base) + std::to_string(++tmp_); }

  void claim(const schema& s) {
    auto [it, fresh] = names_.emplace(ident(s.name()), s.full_name());
    if (!fresh && it->second != s.full_name())
      throw std::runtime_error("types '" + it->second + "' and '" + s.full_name() +
                               "' would both be named '" + it->first + "' in C++");
  }

  void visit(const schema& s) {
    switch (s.kind()) {
      case type::record:
      case type::enum_:
      case type::fixed:
        if (!seen_.insert(s.id()).second) return;
        claim(s);
        if (s.kind() == type::record) {
          types << "struct " << ident(s.name()) << ";\n";
          for (const auto& f : s.fields()) visit(f.type);
          emit_record(s);
        } else if (s.kind() == type::enum_) {
          emit_enum(s);
        } else if (s.logical() != logical_type::duration) {
          types << "using " << ident(s.name()) << " = std::array<std::uint8_t, " << s.fixed_size()
                << ">;\n\n";
        }
        complete_.insert(s.id());
        return;
      case type::array:
        visit(s.items());
        return;
      case type::map:
        visit(s.values());
        return;
      case type::union_:
        for (const auto& b : s.branches()) visit(b);
        return;
      default:
        return;
    }
  }

  void emit_enum(const schema& s) {
    std::string n = ident(s.name());
    types << "enum class " << n << " : std::int32_t {";
    for (std::size_t i = 0; i < s.symbols().size(); ++i) types << (i ? ", " : " ") << ident(s.symbols()[i]);
    types << " };\n\n";
    types << "inline const char* to_string(" << n
          << " e) noexcept {\n  static constexpr const char* names[] = {";
    for (std::size_t i = 0; i < s.symbols().size(); ++i)
      types << (i ? ", " : "") << '"' << s.symbols()[i] << '"';
    types << "};\n  auto i = static_cast<std::size_t>(e);\n  return i < " << s.symbols().size()
          << " ? names[i] : \"\";\n}\n\n";
  }

  void emit_record(const schema& s) {
    std::string n = ident(s.name());
    types << "struct " << n << " {\n";
    for (const auto& f : s.fields()) types << "  " << cpp_type(f.type) << ' ' << ident(f.name) << "{};\n";
    types << "\n  bool operator==(const " << n << "&) const = default;\n";
    types << "  // The schema this type was generated from (the Avro full name is " << s.full_name()
          << ").\n";
    types << "  static constexpr std::string_view avro_schema = R\"kavro_avsc(" << s.text()
          << ")kavro_avsc\";\n";
    types << "};\n\n";
    funcs << "inline void encode(const " << n << "& v, ::kavro::avro::gen::writer& w) {\n";
    if (s.fields().empty()) funcs << "  (void)v;\n  (void)w;\n";
    for (const auto& f : s.fields()) encode_stmt(f.type, "v." + ident(f.name), "  ");
    funcs << "}\n\n";
    funcs << "inline void decode(" << n << "& v, ::kavro::avro::gen::reader& r) {\n";
    funcs << "  if (!r.enter()) return;\n";
    if (s.fields().empty()) funcs << "  (void)v;\n";
    for (const auto& f : s.fields()) {
      funcs << "  r.set_field(\"" << f.name << "\");\n";
      decode_stmt(f.type, "v." + ident(f.name), "  ");
    }
    funcs << "  r.leave();\n}\n\n";
  }

  void encode_stmt(const schema& s, const std::string& x, const std::string& in) {
    switch (s.kind()) {
      case type::null:
        return;
      case type::boolean:
        funcs << in << "w.put_bool(" << x << ");\n";
        return;
      case type::int_:
        if (s.logical() == logical_type::date)
          funcs << in << "w.put_int(static_cast<std::int32_t>(" << x << ".time_since_epoch().count()));\n";
        else if (s.logical() == logical_type::time_millis)
          funcs << in << "w.put_int(static_cast<std::int32_t>(" << x << ".count()));\n";
        else
          funcs << in << "w.put_int(" << x << ");\n";
        return;
      case type::long_:
        if (s.logical() == logical_type::none)
          funcs << in << "w.put_long(" << x << ");\n";
        else if (s.logical() == logical_type::time_micros)
          funcs << in << "w.put_long(" << x << ".count());\n";
        else
          funcs << in << "w.put_long(" << x << ".time_since_epoch().count());\n";
        return;
      case type::float_:
        funcs << in << "w.put_float(" << x << ");\n";
        return;
      case type::double_:
        funcs << in << "w.put_double(" << x << ");\n";
        return;
      case type::string:
        funcs << in << "w.put_string(" << x << ");\n";
        return;
      case type::bytes:
        funcs << in << "w.put_bytes(" << x << (s.logical() == logical_type::decimal ? ".unscaled" : "")
              << ");\n";
        return;
      case type::fixed:
        if (s.logical() == logical_type::duration)
          funcs << in << "w.put_duration(" << x << ");\n";
        else
          funcs << in << "w.put_fixed(" << x << ".data(), " << s.fixed_size() << ");\n";
        return;
      case type::enum_:
        funcs << in << "w.put_int(static_cast<std::int32_t>(" << x << "));\n";
        return;
      case type::record:
        funcs << in << "encode(" << (complete_.count(s.id()) ? x : "*" + x) << ", w);\n";
        return;
      case type::array: {
        std::string e = tmp("e");
        funcs << in << "if (!" << x << ".empty()) {\n"
              << in << "  w.put_long(static_cast<std::int64_t>(" << x << ".size()));\n"
              << in << "  for (const auto& " << e << " : " << x << ") {\n";
        encode_stmt(s.items(), e, in + "    ");
        funcs << in << "  }\n" << in << "}\n" << in << "w.put_long(0);\n";
        return;
      }
      case type::map: {
        std::string e = tmp("e");
        funcs << in << "if (!" << x << ".empty()) {\n"
              << in << "  w.put_long(static_cast<std::int64_t>(" << x << ".size()));\n"
              << in << "  for (const auto& " << e << " : " << x << ") {\n"
              << in << "    w.put_string(" << e << ".first);\n";
        encode_stmt(s.values(), e + ".second", in + "    ");
        funcs << in << "  }\n" << in << "}\n" << in << "w.put_long(0);\n";
        return;
      }
      case type::union_: {
        const auto& b = s.branches();
        if (b.size() == 2 && (b[0].kind() == type::null) != (b[1].kind() == type::null)) {
          std::size_t null_at = b[0].kind() == type::null ? 0 : 1;
          funcs << in << "if (!" << x << ") {\n"
                << in << "  w.put_long(" << null_at << ");\n"
                << in << "} else {\n"
                << in << "  w.put_long(" << 1 - null_at << ");\n";
          encode_stmt(b[1 - null_at], "(*" + x + ")", in + "  ");
          funcs << in << "}\n";
          return;
        }
        funcs << in << "w.put_long(static_cast<std::int64_t>(" << x << ".index()));\n";
        funcs << in << "switch (" << x << ".index()) {\n";
        for (std::size_t i = 0; i < b.size(); ++i) {
          funcs << in << "  case " << i << ":\n";
          encode_stmt(b[i], "std::get<" + std::to_string(i) + ">(" + x + ")", in + "    ");
          funcs << in << "    break;\n";
        }
        funcs << in << "  default:\n" << in << "    break;\n" << in << "}\n";
        return;
      }
    }
  }

  void decode_stmt(const schema& s, const std::string& x, const std::string& in) {
    switch (s.kind()) {
      case type::null:
        return;
      case type::boolean:
        funcs << in << x << " = r.get_bool();\n";
        return;
      case type::int_:
        if (s.logical() == logical_type::date)
          funcs << in << x << " = std::chrono::sys_days(std::chrono::days(r.get_int()));\n";
        else if (s.logical() == logical_type::time_millis)
          funcs << in << x << " = std::chrono::milliseconds(r.get_int());\n";
        else
          funcs << in << x << " = r.get_int();\n";
        return;
      case type::long_:
        if (s.logical() == logical_type::none)
          funcs << in << x << " = r.get_long();\n";
        else if (s.logical() == logical_type::time_micros)
          funcs << in << x << " = std::chrono::microseconds(r.get_long());\n";
        else
          funcs << in << x << " = " << cpp_type(s) << "(" << cpp_type(s) << "::duration(r.get_long()));\n";
        return;
      case type::float_:
        funcs << in << x << " = r.get_float();\n";
        return;
      case type::double_:
        funcs << in << x << " = r.get_double();\n";
        return;
      case type::string:
        funcs << in << "r.get_string(" << x << ");\n";
        return;
      case type::bytes:
        funcs << in << "r.get_bytes(" << x << (s.logical() == logical_type::decimal ? ".unscaled" : "")
              << ");\n";
        return;
      case type::fixed:
        if (s.logical() == logical_type::duration)
          funcs << in << x << " = r.get_duration();\n";
        else
          funcs << in << "r.get_fixed(" << x << ".data(), " << s.fixed_size() << ");\n";
        return;
      case type::enum_:
        funcs << in << x << " = static_cast<" << ident(s.name()) << ">(r.get_index(" << s.symbols().size()
              << ", \"enum index out of range\"));\n";
        return;
      case type::record:
        funcs << in << "decode(" << (complete_.count(s.id()) ? x : "*" + x) << ", r);\n";
        return;
      case type::array: {
        std::string n = tmp("n");
        funcs << in << x << ".clear();\n"
              << in << "for (std::size_t " << n << "; (" << n << " = r.get_block_count("
              << (can_be_empty(s.items()) ? "true" : "false") << ")) != 0;) {\n"
              << in << "  for (; " << n << " != 0 && r.ok(); --" << n << ") {\n";
        std::string e = tmp("e");
        funcs << in << "    auto& " << e << " = " << x << ".emplace_back();\n";
        decode_stmt(s.items(), e, in + "    ");
        funcs << in << "  }\n" << in << "}\n";
        return;
      }
      case type::map: {
        std::string n = tmp("n");
        std::string k = tmp("k");
        funcs << in << x << ".clear();\n"
              << in << "for (std::size_t " << n << "; (" << n << " = r.get_block_count(false)) != 0;) {\n"
              << in << "  for (; " << n << " != 0 && r.ok(); --" << n << ") {\n"
              << in << "    std::string " << k << ";\n"
              << in << "    r.get_string(" << k << ");\n";
        std::string e = tmp("e");
        funcs << in << "    auto& " << e << " = " << x << "[std::move(" << k << ")];\n";
        decode_stmt(s.values(), e, in + "    ");
        funcs << in << "  }\n" << in << "}\n";
        return;
      }
      case type::union_: {
        const auto& b = s.branches();
        funcs << in << "switch (r.get_index(" << b.size() << ", \"union branch out of range\")) {\n";
        bool opt = b.size() == 2 && (b[0].kind() == type::null) != (b[1].kind() == type::null);
        for (std::size_t i = 0; i < b.size(); ++i) {
          funcs << in << "  case " << i << ": {\n";
          if (opt) {
            if (b[i].kind() == type::null) {
              funcs << in << "    " << x << ".reset();\n";
            } else {
              funcs << in << "    " << x << ".emplace();\n";
              decode_stmt(b[i], "(*" + x + ")", in + "    ");
            }
          } else {
            std::string e = tmp("e");
            funcs << in << "    auto& " << e << " = " << x << ".template emplace<" << i << ">();\n";
            if (b[i].kind() == type::null) funcs << in << "    (void)" << e << ";\n";
            decode_stmt(b[i], e, in + "    ");
          }
          funcs << in << "    break;\n" << in << "  }\n";
        }
        funcs << in << "  default:\n" << in << "    break;\n" << in << "}\n";
        return;
      }
    }
  }
};

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open '" + path + "'");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> schemas;
  std::string output = "-";
  std::string ns = "kavro::generated";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--output" || a == "-o")
        output = next();
      else if (a == "--namespace" || a == "-n")
        ns = next();
      else if (a == "--help" || a == "-h") {
        std::cout
            << "usage: kavro-gen [--namespace NS] [--output FILE.hpp] SCHEMA.avsc...\n"
               "Generates C++ structs with Avro binary encode/decode for the named types in the schemas.\n";
        return 0;
      } else
        schemas.push_back(a);
    } catch (const std::exception& e) {
      std::cerr << "kavro-gen: " << e.what() << '\n';
      return 2;
    }
  }
  if (schemas.empty()) {
    std::cerr << "kavro-gen: no schema given (kavro-gen --help)\n";
    return 2;
  }
  try {
    generator g;
    for (const auto& path : schemas) {
      auto s = schema::parse(read_file(path));
      if (!s) throw std::runtime_error(path + ": " + s.error().message);
      if (s->kind() != type::record && s->kind() != type::enum_ && s->kind() != type::fixed)
        throw std::runtime_error(path + ": the top-level schema must be a record, an enum or a fixed");
      g.add_root(*s);
    }
    std::ostringstream out;
    out << "// Generated by kavro-gen from";
    for (const auto& p : schemas)
      out << ' ' << p.substr(p.rfind('/') == std::string::npos ? 0 : p.rfind('/') + 1);
    out << ". Do not edit.\n#pragma once\n\n"
        << "#include <array>\n#include <chrono>\n#include <cstdint>\n#include <map>\n#include <optional>\n"
        << "#include <string>\n#include <string_view>\n#include <variant>\n#include <vector>\n\n"
        << "#include \"kavro/avro/gen_runtime.hpp\"\n\n"
        << "namespace " << ns << " {\n\n"
        << g.types.str() << g.funcs.str() << "}  // namespace " << ns << "\n";
    if (output == "-") {
      std::cout << out.str();
    } else {
      // Rewrite only on change, so a build does not recompile dependants for nothing.
      std::string text = out.str();
      std::ifstream old(output, std::ios::binary);
      std::ostringstream cur;
      if (old) cur << old.rdbuf();
      if (!old || cur.str() != text) {
        std::ofstream f(output, std::ios::binary | std::ios::trunc);
        f << text;
        if (!f) throw std::runtime_error("cannot write '" + output + "'");
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "kavro-gen: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
