// Encode and decode of the Order record and of a wide nested record: kavro's generated types,
// kavro's generic values, a hand-written codec for Order, and avro-c's generic API, side by side.
// After the runs it prints ns/record per implementation and the ratios the issue asks for.
#include <avro.h>
#include <benchmark/benchmark.h>

#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "kavro/avro/codec.hpp"
#include "kavro/avro/json.hpp"
#include "kavro_bench_types.hpp"

namespace {

namespace gen = kavro::avro::gen;
using kavro::bench::Order;
using kavro::bench::Wide;

const kavro::bench::Order sample_order{12345, "Phone", 899.99f};

std::string read_text(const char* path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Wide sample_wide() {
  using namespace std::chrono;
  Wide w;
  w.id = 1234567890123;
  w.flag = true;
  w.count = 42;
  w.ratio = 0.5f;
  w.amount = 1234.5;
  w.name = "a reasonably long customer name";
  w.blob = std::vector<std::uint8_t>(32, 7);
  w.status = kavro::bench::Status::PAID;
  w.hash = {1, 2, 3, 4};
  w.note = "note";
  w.after = std::nullopt;
  w.choice = kavro::bench::Point{1, 2};
  w.tags = {"red", "green", "blue", "yellow"};
  w.attrs["a"] = {kavro::bench::Point{1, 2}, kavro::bench::Point{3, 4}};
  w.attrs["b"] = {};
  w.points = {std::nullopt, kavro::bench::Point{5, 6}, kavro::bench::Point{7, 8}};
  w.day = sys_days(days(20000));
  w.at = sys_time<milliseconds>(milliseconds(1700000000000));
  w.at_us = sys_time<microseconds>(microseconds(1700000000000000));
  w.local = local_time<nanoseconds>(nanoseconds(1));
  w.tod = milliseconds(1000);
  w.price = gen::decimal{{0x30, 0x39}};
  w.uid = "123e4567-e89b-12d3-a456-426614174000";
  w.span = gen::duration{1, 2, 3};
  return w;
}

// ---- hand-written Order codec: what a careful programmer writes without a generator.
inline void hand_encode(const Order& o, std::vector<std::uint8_t>& out) {
  auto put_long = [&](std::int64_t n) {
    std::uint64_t z = (static_cast<std::uint64_t>(n) << 1) ^ static_cast<std::uint64_t>(n >> 63);
    while (z >= 0x80) {
      out.push_back(static_cast<std::uint8_t>(z | 0x80));
      z >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(z));
  };
  put_long(o.order_id);
  put_long(static_cast<std::int64_t>(o.product.size()));
  out.insert(out.end(), o.product.begin(), o.product.end());
  std::uint32_t bits;
  std::memcpy(&bits, &o.price, 4);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

inline bool hand_decode(Order& o, const std::uint8_t* p, const std::uint8_t* end) {
  auto get_long = [&](std::int64_t& v) {
    std::uint64_t z = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end) return false;
      std::uint8_t b = *p++;
      z |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        v = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
        return true;
      }
    }
    return false;
  };
  std::int64_t id = 0, len = 0;
  if (!get_long(id) || id < INT32_MIN || id > INT32_MAX || !get_long(len) || len < 0 || len > end - p)
    return false;
  o.order_id = static_cast<std::int32_t>(id);
  o.product.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
  p += len;
  if (end - p != 4) return false;
  std::uint32_t bits = 0;
  for (int i = 0; i < 4; ++i) bits |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  std::memcpy(&o.price, &bits, 4);
  return true;
}

// ---- generic kavro values
struct generic_fixture {
  kavro::avro::schema schema;
  kavro::avro::value value;
  std::vector<std::uint8_t> bytes;
};

generic_fixture make_generic(std::string_view text, const std::vector<std::uint8_t>& bytes) {
  auto s = kavro::avro::schema::parse(text).value();
  auto v = kavro::avro::decode(s, bytes).value();
  return {s, v, bytes};
}

// ---- avro-c
struct avro_c_fixture {
  avro_schema_t schema = nullptr;
  avro_value_iface_t* iface = nullptr;
  avro_value_t value{};
  avro_value_t scratch{};
  std::vector<std::uint8_t> bytes;
  char buf[1 << 14];
  avro_writer_t writer = nullptr;
  avro_reader_t reader = nullptr;

  avro_c_fixture(std::string_view text, const std::vector<std::uint8_t>& datum) : bytes(datum) {
    if (avro_schema_from_json_length(text.data(), text.size(), &schema) != 0)
      throw std::runtime_error(std::string("avro-c schema: ") + avro_strerror());
    iface = avro_generic_class_from_schema(schema);
    avro_generic_value_new(iface, &value);
    avro_generic_value_new(iface, &scratch);
    writer = avro_writer_memory(buf, sizeof buf);
    reader =
        avro_reader_memory(reinterpret_cast<const char*>(bytes.data()), static_cast<int64_t>(bytes.size()));
    if (avro_value_read(reader, &value) != 0)
      throw std::runtime_error(std::string("avro-c read: ") + avro_strerror());
    avro_writer_reset(writer);
    avro_value_write(writer, &value);
    if (static_cast<std::size_t>(avro_writer_tell(writer)) != bytes.size() ||
        std::memcmp(buf, bytes.data(), bytes.size()) != 0)
      throw std::runtime_error("avro-c writes different bytes than kavro for the benchmark datum");
  }
  ~avro_c_fixture() {
    avro_reader_free(reader);
    avro_writer_free(writer);
    avro_value_decref(&scratch);
    avro_value_decref(&value);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
  }
};

const std::vector<std::uint8_t>& order_bytes() {
  static const auto b = gen::to_avro(sample_order);
  return b;
}
const std::vector<std::uint8_t>& wide_bytes() {
  static const auto b = gen::to_avro(sample_wide());
  return b;
}

// Each benchmark does one encode and one decode per iteration (the round trip a pipeline pays).
void order_generated(benchmark::State& st) {
  std::vector<std::uint8_t> out;
  Order back;
  for (auto _ : st) {
    out.clear();
    gen::encode_to(sample_order, out);
    gen::reader r(out);
    decode(back, r);
    benchmark::DoNotOptimize(back);
    if (!r.ok()) st.SkipWithError("decode failed");
  }
}
void order_hand_written(benchmark::State& st) {
  std::vector<std::uint8_t> out;
  Order back;
  for (auto _ : st) {
    out.clear();
    hand_encode(sample_order, out);
    if (!hand_decode(back, out.data(), out.data() + out.size())) st.SkipWithError("decode failed");
    benchmark::DoNotOptimize(back);
  }
}
void order_generic(benchmark::State& st) {
  auto f = make_generic(Order::avro_schema, order_bytes());
  std::vector<std::uint8_t> out;
  for (auto _ : st) {
    out.clear();
    (void)kavro::avro::encode(f.schema, f.value, out);
    auto v = kavro::avro::decode(f.schema, out);
    benchmark::DoNotOptimize(v);
  }
}
void order_avro_c(benchmark::State& st) {
  avro_c_fixture f(Order::avro_schema, order_bytes());
  for (auto _ : st) {
    // Set the fields as an application would, write, then read back into a reused value.
    avro_value_t field;
    avro_value_get_by_index(&f.value, 0, &field, nullptr);
    avro_value_set_int(&field, sample_order.order_id);
    avro_value_get_by_index(&f.value, 1, &field, nullptr);
    avro_value_set_string_len(&field, sample_order.product.c_str(), sample_order.product.size() + 1);
    avro_value_get_by_index(&f.value, 2, &field, nullptr);
    avro_value_set_float(&field, sample_order.price);
    avro_writer_reset(f.writer);
    avro_value_write(f.writer, &f.value);
    avro_reader_memory_set_source(f.reader, f.buf, avro_writer_tell(f.writer));
    avro_value_reset(&f.scratch);
    if (avro_value_read(f.reader, &f.scratch) != 0) st.SkipWithError("avro-c decode failed");
  }
}
void wide_generated(benchmark::State& st) {
  const Wide w = sample_wide();
  std::vector<std::uint8_t> out;
  Wide back;
  for (auto _ : st) {
    out.clear();
    gen::encode_to(w, out);
    gen::reader r(out);
    decode(back, r);
    benchmark::DoNotOptimize(back);
    if (!r.ok()) st.SkipWithError("decode failed");
  }
}
void wide_generic(benchmark::State& st) {
  auto f = make_generic(read_text(KAVRO_WIDE_AVSC), wide_bytes());
  std::vector<std::uint8_t> out;
  for (auto _ : st) {
    out.clear();
    (void)kavro::avro::encode(f.schema, f.value, out);
    auto v = kavro::avro::decode(f.schema, out);
    benchmark::DoNotOptimize(v);
  }
}
void wide_avro_c(benchmark::State& st) {
  avro_c_fixture f(read_text(KAVRO_WIDE_AVSC), wide_bytes());
  for (auto _ : st) {
    avro_writer_reset(f.writer);
    avro_value_write(f.writer, &f.value);
    avro_reader_memory_set_source(f.reader, f.buf, avro_writer_tell(f.writer));
    avro_value_reset(&f.scratch);
    if (avro_value_read(f.reader, &f.scratch) != 0) st.SkipWithError("avro-c decode failed");
  }
}

// One `kavro produce --input` line per iteration: JSON text to an Order value, over 1,000 different
// lines. The nlohmann variant is the path produce took before kavro's bounded parser.
const std::vector<std::string>& order_lines() {
  static const auto lines = [] {
    std::vector<std::string> out;
    for (int i = 0; i < 1000; ++i)
      out.push_back(R"({"order_id":)" + std::to_string(i * 7919) + R"(,"product":"Product number )" +
                    std::to_string(i) + R"(","price":)" + std::to_string(i) + ".99}");
    return out;
  }();
  return lines;
}
const kavro::avro::schema& order_schema() {
  static const auto s = *kavro::avro::schema::parse(Order::avro_schema);
  return s;
}
void order_json_line_nlohmann_parse(benchmark::State& st) {
  std::size_t i = 0;
  for (auto _ : st) {
    auto j = nlohmann::json::parse(order_lines()[i++ % 1000], nullptr, false);
    auto v = kavro::avro::from_json(order_schema(), j);
    if (!v) st.SkipWithError("conversion failed");
    benchmark::DoNotOptimize(v);
  }
}
void order_json_line(benchmark::State& st) {
  std::size_t i = 0;
  for (auto _ : st) {
    auto v = kavro::avro::value_from_json_text(order_schema(), order_lines()[i++ % 1000],
                                               kavro::avro::json_style::plain);
    if (!v) st.SkipWithError("conversion failed");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(order_json_line);
BENCHMARK(order_json_line_nlohmann_parse);

BENCHMARK(order_generated);
BENCHMARK(order_hand_written);
BENCHMARK(order_generic);
BENCHMARK(order_avro_c);
BENCHMARK(wide_generated);
BENCHMARK(wide_generic);
BENCHMARK(wide_avro_c);

// Keeps CPU ns per iteration (one encode + one decode) by benchmark name for the summary: CPU time,
// because the machines this runs on are shared.
class summary_reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (!r.error_occurred && r.iterations > 0) ns[r.benchmark_name()] = r.GetAdjustedCPUTime();
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  summary_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  auto get = [&](const char* n) { return rep.ns.count(n) ? rep.ns[n] : 0.0; };
  std::cout << "\nencode + decode, CPU ns/record:\n";
  std::cout
      << "| record | kavro generated | kavro generic | hand-written | avro-c generic | avro-c / generated | "
         "generated / hand-written |\n|---|---|---|---|---|---|---|\n";
  std::cout << std::fixed << std::setprecision(1);
  for (const char* rec : {"order", "wide"}) {
    std::string r = rec;
    double g = get((r + "_generated").c_str()), gv = get((r + "_generic").c_str());
    double h = get((r + "_hand_written").c_str()), c = get((r + "_avro_c").c_str());
    std::cout << "| " << r << " | " << g << " | " << gv << " | ";
    if (h > 0)
      std::cout << h;
    else
      std::cout << '-';
    std::cout << " | " << c << " | " << (g > 0 ? c / g : 0.0) << "x | ";
    if (h > 0 && g > 0)
      std::cout << std::setprecision(2) << g / h << 'x' << std::setprecision(1);
    else
      std::cout << '-';
    std::cout << " |\n";
  }
  std::cout << "\nJSON line to Order value (kavro produce --input), CPU ns/line and lines/s:\n";
  for (const char* n : {"order_json_line", "order_json_line_nlohmann_parse"})
    if (double t = get(n); t > 0) std::cout << "| " << n << " | " << t << " | " << 1e9 / t << " |\n";
  benchmark::Shutdown();
  return 0;
}
