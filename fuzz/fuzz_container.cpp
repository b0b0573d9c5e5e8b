// libFuzzer target: kavro::fuzz::container_input (see fuzz_entry.hpp).
#include "fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kavro::fuzz::container_input(std::span<const std::uint8_t>(data, size));
  return 0;
}
