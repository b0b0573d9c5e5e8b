// Replays every input in fuzz/regressions/ (crashes the fuzzers once found, named <target>-<hash>)
// and the seed corpus through the fuzzed entry points, under GCC and the sanitizers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz_entry.hpp"

namespace {

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void replay(const std::filesystem::path& p) {
  auto data = read_bytes(p);
  std::string name = p.filename().string();
  std::string dir = p.parent_path().filename().string();
  if (name.rfind("schema", 0) == 0 || dir == "schema")
    kavro::fuzz::schema_input(data);
  else if (name.rfind("decode", 0) == 0 || dir == "decode")
    kavro::fuzz::decode_input(data);
  else if (name.rfind("container", 0) == 0 || dir == "container")
    kavro::fuzz::container_input(data);
  else if (name.rfind("json", 0) == 0 || dir == "json")
    kavro::fuzz::json_line_input(data);
  else
    ADD_FAILURE() << "cannot tell the target of " << p;
}

TEST(fuzz_regressions, replay_without_crashing) {
  std::size_t n = 0;
  for (const char* sub : {"regressions", "corpus/schema", "corpus/decode", "corpus/json"}) {
    std::filesystem::path dir = std::filesystem::path(KAVRO_FUZZ_DIR) / sub;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.is_regular_file() && e.path().filename() != ".gitkeep") {
        SCOPED_TRACE(e.path().string());
        replay(e.path());
        ++n;
      }
  }
  EXPECT_GE(n, 7u);  // the seed corpus at least
}

}  // namespace
