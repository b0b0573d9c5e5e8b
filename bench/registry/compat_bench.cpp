// The cost of a compatibility check on wide records: a record of N int fields against its successor
// (one field added, with a default), at N = 5k, 10k, 40k, 100k. Parts measured separately: parsing,
// the avro module's check, the registry's BACKWARD and FULL checks (parse + check, as a registration
// does), and the registry's normalisation of the posted schema. Prints a summary table after the runs.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <string>

#include "compatibility.hpp"
#include "kavro/avro/resolution.hpp"
#include "kavro/avro/schema.hpp"
#include "schema_text.hpp"

namespace {

namespace avro = kavro::avro;
namespace rs = kavro::registry_server;

std::string wide_record(int fields, bool successor) {
  std::string s = R"({"type":"record","name":"Wide","namespace":"bench","fields":[)";
  for (int i = 0; i < fields; ++i) {
    if (i) s += ',';
    s += R"({"name":"f)" + std::to_string(i) + R"(","type":"int"})";
  }
  if (successor) s += R"(,{"name":"added","type":"string","default":""})";
  s += "]}";
  return s;
}

std::map<std::string, std::map<int, double>>& summary() {
  static std::map<std::string, std::map<int, double>> s;
  return s;
}

// This thread's CPU time: on a shared machine wall time measures the neighbours too.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

template <class F>
void run(benchmark::State& state, const char* what, F&& f) {
  double total = 0;
  for (auto _ : state) {
    const double t0 = cpu_ms();
    f();
    total += cpu_ms() - t0;
  }
  summary()[what][static_cast<int>(state.range(0))] = total / static_cast<double>(state.iterations());
}

void parse(benchmark::State& state) {
  const std::string text = wide_record(static_cast<int>(state.range(0)), true);
  run(state, "parse successor", [&] { benchmark::DoNotOptimize(avro::schema::parse(text)); });
}

void check_can_read(benchmark::State& state) {
  const auto old_schema = *avro::schema::parse(wide_record(static_cast<int>(state.range(0)), false));
  const auto new_schema = *avro::schema::parse(wide_record(static_cast<int>(state.range(0)), true));
  run(state, "avro check_can_read(new, old)", [&] {
    auto r = avro::check_can_read(new_schema, old_schema);
    if (!r.compatible()) state.SkipWithError("incompatible");
  });
}

void registry_check(benchmark::State& state, rs::compatibility_level level, const char* what) {
  const std::string old_text = wide_record(static_cast<int>(state.range(0)), false);
  const std::string new_text = wide_record(static_cast<int>(state.range(0)), true);
  const std::vector<rs::existing_version> existing{{rs::schema_version{1}, old_text, old_text}};
  run(state, what, [&] {
    auto r = rs::check_compatibility(level, new_text, existing);
    if (!r.compatible) state.SkipWithError("incompatible");
  });
}

void backward(benchmark::State& state) {
  registry_check(state, rs::compatibility_level::backward, "registry check BACKWARD");
}
void full(benchmark::State& state) {
  registry_check(state, rs::compatibility_level::full, "registry check FULL");
}

void normalize(benchmark::State& state) {
  rs::stored_schema s;
  s.text = wide_record(static_cast<int>(state.range(0)), true);
  run(state, "registry normalize_schema", [&] {
    benchmark::DoNotOptimize(rs::normalize_schema(
        s, [](const std::string&, std::int32_t) { return std::optional<rs::stored_schema>{}; }));
  });
}

#define KAVRO_WIDTHS ->Arg(5000)->Arg(10000)->Arg(40000)->Arg(100000)->Unit(benchmark::kMillisecond)
BENCHMARK(parse) KAVRO_WIDTHS;
BENCHMARK(check_can_read) KAVRO_WIDTHS;
BENCHMARK(backward) KAVRO_WIDTHS;
BENCHMARK(full) KAVRO_WIDTHS;
BENCHMARK(normalize) KAVRO_WIDTHS;

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  std::printf(
      "\nCPU ms per operation, record of N fields against its successor (one field added, with a default)\n");
  std::printf("%-32s %10s %10s %10s %10s\n", "", "5k", "10k", "40k", "100k");
  for (const auto& [what, by_n] : summary()) {
    std::printf("%-32s", what.c_str());
    for (int n : {5000, 10000, 40000, 100000}) {
      auto it = by_n.find(n);
      if (it == by_n.end())
        std::printf(" %10s", "-");
      else
        std::printf(" %10.2f", it->second);
    }
    std::printf("\n");
  }
  benchmark::Shutdown();
  return 0;
}
