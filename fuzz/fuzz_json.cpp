// libFuzzer target: kavro::fuzz::json_line_input (see fuzz_entry.hpp).
#include "fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kavro::fuzz::json_line_input(std::span<const std::uint8_t>(data, size));
  return 0;
}
