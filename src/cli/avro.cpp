// `kavro avro encode|decode|canonical|fingerprint|check`: Avro's JSON encoding to and from binary,
// with schema resolution, and schema inspection, for humans and for scripts converting in bulk.
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common.hpp"
#include "kavro/avro/codec.hpp"
#include "kavro/avro/container.hpp"
#include "kavro/avro/json.hpp"
#include "kavro/avro/resolution.hpp"
#include "kavro/serde/wire.hpp"

namespace kavro::cli {

namespace {

struct avro_options {
  std::string schema;  // a path, or inline JSON when it starts with '{', '[' or '"'
  std::string reader;
  std::string input = "-";
  std::string output = "-";
  std::string algorithm = "all";
  std::string codec = "null";
  bool hex = false;
  bool plain = false;
  bool confluent = false;
};

// Every error of these offline tools is in the input (a file, a schema, a datum): exit 2, so that
// `avro check`'s 1 means "incompatible" and nothing else.
[[noreturn]] void die(const std::string& cmd, const std::string& msg, int rc = exit_error) {
  fail_command("avro " + cmd, msg, rc);
}

std::string read_all(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string read_source(const std::string& cmd, const std::string& path) {
  if (path == "-") return read_all(std::cin);
  std::ifstream f(path, std::ios::binary);
  if (!f) die(cmd, "cannot open '" + path + "'");
  return read_all(f);
}

avro::schema load_schema(const std::string& cmd, const std::string& arg) {
  if (arg.empty()) die(cmd, "--schema is required");
  std::string text = (arg[0] == '{' || arg[0] == '[' || arg[0] == '"') ? arg : read_source(cmd, arg);
  auto s = avro::schema::parse(text);
  if (!s) die(cmd, "schema " + arg.substr(0, 80) + ": " + s.error().message);
  return *s;
}

std::string to_hex(std::span<const std::uint8_t> b) {
  static constexpr char d[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (auto c : b) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view s) {
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  int hi = -1;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r') continue;
    int v = nib(c);
    if (v < 0) return std::nullopt;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) return std::nullopt;
  return out;
}

class output {
 public:
  output(const std::string& cmd, const std::string& path) {
    if (path != "-") {
      file_.open(path, std::ios::binary | std::ios::trunc);
      if (!file_) die(cmd, "cannot write '" + path + "'");
    }
  }
  std::ostream& get() { return file_.is_open() ? static_cast<std::ostream&>(file_) : std::cout; }

 private:
  std::ofstream file_;
};

void run_encode(const avro_options& o) {
  auto s = load_schema("encode", o.schema);
  std::istringstream in(read_source("encode", o.input));
  output out("encode", o.output);
  std::string line;
  std::vector<std::uint8_t> buf;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto v = avro::value_from_json_text(s, line, o.plain ? avro::json_style::plain : avro::json_style::avro);
    if (!v) die("encode", "line " + std::to_string(n) + ": " + v.error().message);
    buf.clear();
    if (auto r = avro::encode(s, *v, buf); !r)
      die("encode", "line " + std::to_string(n) + ": " + r.error().message);
    if (o.hex)
      out.get() << to_hex(buf) << '\n';
    else
      out.get().write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
  }
  out.get().flush();
}

void run_decode(const avro_options& o) {
  auto w = load_schema("decode", o.schema);
  std::optional<avro::resolver> res;
  if (!o.reader.empty()) {
    auto r = avro::resolve(w, load_schema("decode", o.reader));
    if (!r) die("decode", r.error().message);
    res = std::move(*r);
  }
  const avro::schema& shape = res ? res->reader() : w;
  output out("decode", o.output);
  auto emit = [&](avro::value v, const std::string& where) {
    if (res) {
      auto x = res->convert(v);
      if (!x) die("decode", where + x.error().message);
      v = std::move(*x);
    }
    out.get() << avro::write_json(shape, v, o.plain ? avro::json_style::plain : avro::json_style::avro)
              << '\n';
  };
  std::string data = read_source("decode", o.input);
  // --confluent: every datum has its own 5-byte header. All must name the same schema id: the datums
  // are decoded with the one --schema, and another id means another writer schema (garbage, not an error).
  std::optional<std::int32_t> schema_id;
  auto unframe = [&](std::span<const std::uint8_t> datum, const std::string& where) {
    if (!o.confluent) return datum;
    auto f = serde::parse_frame(datum);
    if (!f) die("decode", where + f.error().message);
    if (!schema_id) schema_id = f->schema_id;
    if (f->schema_id != *schema_id) {
      die("decode", where + "schema id " + std::to_string(f->schema_id) + " differs from the first datum's " +
                        std::to_string(*schema_id) + "; decode the datums of one writer schema at a time");
    }
    return f->body;
  };
  if (o.hex) {
    std::istringstream in(data);
    std::string line;
    // Every line is a datum: an empty line is a datum of zero bytes (an empty record, null).
    for (std::size_t n = 1; std::getline(in, line); ++n) {
      std::string where = "line " + std::to_string(n) + ": ";
      auto bytes = from_hex(line);
      if (!bytes) die("decode", where + "not a hex string");
      auto v = avro::decode(w, unframe(*bytes, where));
      if (!v) die("decode", where + v.error().message);
      emit(std::move(*v), where);
    }
  } else {
    std::span<const std::uint8_t> rest(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    // Datums back to back until the input ends, each behind its own header with --confluent.
    for (std::size_t n = 1; !rest.empty(); ++n) {
      std::size_t used = 0;
      std::string where =
          "datum " + std::to_string(n) + " at byte " + std::to_string(data.size() - rest.size()) + ": ";
      rest = unframe(rest, where);
      auto v = avro::decode_prefix(w, rest, used);
      if (!v) die("decode", where + v.error().message);
      // Without headers a datum of no bytes would never let the input end; with them the header moved it on.
      if (used == 0 && !o.confluent)
        die("decode", where + "a schema whose datums take no bytes cannot be read as a stream");
      rest = rest.subspan(used);
      emit(std::move(*v), where);
    }
  }
  out.get().flush();
}

void run_canonical(const avro_options& o) {
  std::cout << load_schema("canonical", o.schema).canonical_form() << '\n';
}

void run_fingerprint(const avro_options& o) {
  auto pcf = load_schema("fingerprint", o.schema).canonical_form();
  std::uint64_t crc = avro::fingerprint_crc64(pcf);
  std::array<std::uint8_t, 8> le{};
  for (std::size_t i = 0; i < 8; ++i) le[i] = static_cast<std::uint8_t>(crc >> (8 * i));
  const std::string& a = o.algorithm;
  if (a != "all" && a != "crc64" && a != "md5" && a != "sha256")
    die("fingerprint", "--algorithm must be crc64, md5, sha256 or all");
  auto line = [&](const char* name, const std::string& hex) {
    if (a == "all") std::cout << name << ' ';
    std::cout << hex << '\n';
  };
  if (a == "all" || a == "crc64") line("CRC-64-AVRO", to_hex(le));
  if (a == "all" || a == "md5") line("MD5", to_hex(avro::fingerprint_md5(pcf)));
  if (a == "all" || a == "sha256") line("SHA-256", to_hex(avro::fingerprint_sha256(pcf)));
}

void run_container_write(const avro_options& o) {
  auto s = load_schema("container write", o.schema);
  if (o.codec != "null" && o.codec != "deflate") die("container write", "--codec must be null or deflate");
  avro::container_options opts;
  opts.codec = o.codec == "deflate" ? avro::container_codec::deflate : avro::container_codec::null;
  avro::container_writer w(s, opts);
  std::istringstream in(read_source("container write", o.input));
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto v = avro::value_from_json_text(s, line, o.plain ? avro::json_style::plain : avro::json_style::avro);
    if (!v) die("container write", "line " + std::to_string(n) + ": " + v.error().message);
    if (auto r = w.append(*v); !r)
      die("container write", "line " + std::to_string(n) + ": " + r.error().message);
  }
  auto file = w.finish();
  if (!file) die("container write", file.error().message);
  output out("container write", o.output);
  out.get().write(reinterpret_cast<const char*>(file->data()), static_cast<std::streamsize>(file->size()));
  out.get().flush();
}

void run_container_read(const avro_options& o) {
  std::string data = read_source("container read", o.input);
  auto c = avro::read_container(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
  if (!c) die("container read", c.error().message);
  std::optional<avro::resolver> res;
  if (!o.reader.empty()) {
    auto r = avro::resolve(c->writer_schema, load_schema("container read", o.reader));
    if (!r) die("container read", r.error().message);
    res = std::move(*r);
  }
  output out("container read", o.output);
  for (std::size_t i = 0; i < c->records.size(); ++i) {
    const avro::value* v = &c->records[i];
    avro::value converted;
    if (res) {
      auto x = res->convert(*v);
      if (!x) die("container read", "record " + std::to_string(i) + ": " + x.error().message);
      converted = std::move(*x);
      v = &converted;
    }
    out.get() << avro::write_json(res ? res->reader() : c->writer_schema, *v,
                                  o.plain ? avro::json_style::plain : avro::json_style::avro)
              << '\n';
  }
  out.get().flush();
}

void run_check(const avro_options& o) {
  auto reader = load_schema("check", o.reader);
  auto writer = load_schema("check", o.schema);
  auto f = avro::check_can_read(reader, writer);
  for (const auto& x : f.findings)
    std::cout << avro::to_string(x.kind) << ' ' << (x.path.empty() ? "/" : x.path) << ": " << x.message
              << '\n';
  if (!f.compatible()) throw CLI::RuntimeError(exit_failed);
  std::cout << "compatible\n";
}

}  // namespace

void add_avro(CLI::App& app) {
  auto* avro =
      app.add_subcommand("avro", "Avro data and schemas: JSON <-> binary, canonical form, fingerprints");
  avro->require_subcommand(1);
  auto o = std::make_shared<avro_options>();
  const char* schema_help = "Schema file, or inline schema JSON";

  auto* enc =
      avro->add_subcommand("encode", "Avro JSON lines in, binary out (datums back to back, or hex lines)");
  enc->add_option("--schema,-s", o->schema, schema_help)->required();
  enc->add_option("--input,-i", o->input, "JSON lines, one datum each ('-': stdin)")->capture_default_str();
  enc->add_option("--output,-o", o->output, "Where to write ('-': stdout)")->capture_default_str();
  enc->add_flag("--hex", o->hex, "Write one hex line per datum instead of raw bytes");
  enc->add_flag("--plain", o->plain, "Read plain JSON (bare union values) instead of Avro's JSON encoding");
  enc->callback([o] { run_encode(*o); });

  auto* dec =
      avro->add_subcommand("decode", "Binary in (datums back to back, or hex lines), Avro JSON lines out");
  dec->add_option("--schema,-s", o->schema, "The writer's schema: " + std::string(schema_help))->required();
  dec->add_option("--reader,-r", o->reader,
                  "A reader schema to resolve into (promotions, defaults, aliases)");
  dec->add_option("--input,-i", o->input, "Where to read ('-': stdin)")->capture_default_str();
  dec->add_option("--output,-o", o->output, "Where to write ('-': stdout)")->capture_default_str();
  dec->add_flag("--hex", o->hex, "Read one hex datum per line instead of raw bytes");
  dec->add_flag("--plain", o->plain, "Write plain JSON (bare union values) instead of Avro's JSON encoding");
  dec->add_flag("--confluent", o->confluent,
                "Each datum has a 5-byte Confluent header (magic byte 0, schema id), checked and skipped; "
                "all must name one schema id");
  dec->callback([o] { run_decode(*o); });

  // canonical and fingerprint take one schema and nothing else: it may be given without --schema.
  auto* can = avro->add_subcommand("canonical", "Print the schema's Parsing Canonical Form");
  can->add_option("SCHEMA,--schema,-s", o->schema, schema_help)->required();
  can->callback([o] { run_canonical(*o); });

  auto* fp = avro->add_subcommand("fingerprint", "Print fingerprints of the Parsing Canonical Form (hex)");
  fp->add_option("SCHEMA,--schema,-s", o->schema, schema_help)->required();
  fp->add_option("--algorithm,-a", o->algorithm, "crc64 (little-endian bytes), md5, sha256 or all")
      ->capture_default_str();
  fp->callback([o] { run_fingerprint(*o); });

  auto* cont = avro->add_subcommand("container", "Object container files (.avro), null or deflate codec");
  cont->require_subcommand(1);
  auto* cw = cont->add_subcommand("write", "Avro JSON lines in, a container file out");
  cw->add_option("--schema,-s", o->schema, schema_help)->required();
  cw->add_option("--input,-i", o->input, "JSON lines ('-': stdin)")->capture_default_str();
  cw->add_option("--output,-o", o->output, "The .avro file ('-': stdout)")->capture_default_str();
  cw->add_option("--codec,-c", o->codec, "null or deflate")->capture_default_str();
  cw->add_flag("--plain", o->plain, "Read plain JSON instead of Avro's JSON encoding");
  cw->callback([o] { run_container_write(*o); });
  auto* cr =
      cont->add_subcommand("read", "A container file in, Avro JSON lines out (its own schema, or --reader)");
  cr->add_option("--input,-i", o->input, "The .avro file ('-': stdin)")->capture_default_str();
  cr->add_option("--output,-o", o->output, "Where to write ('-': stdout)")->capture_default_str();
  cr->add_option("--reader,-r", o->reader, "A reader schema to resolve into");
  cr->add_flag("--plain", o->plain, "Write plain JSON instead of Avro's JSON encoding");
  cr->callback([o] { run_container_read(*o); });

  auto* chk = avro->add_subcommand("check",
                                   "Can data written with --schema be read with --reader? Exit 0 yes, 1 no "
                                   "(the reasons on stdout), 2 error");
  chk->add_option("--schema,-s", o->schema, "The writer's schema")->required();
  chk->add_option("--reader,-r", o->reader, "The reader's schema")->required();
  chk->callback([o] { run_check(*o); });
}

}  // namespace kavro::cli
