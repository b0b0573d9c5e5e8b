// The address of the real broker that the ctest `kafka` fixture started for this test run.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace kavro::testing {

inline std::string fixture_bootstrap() {
  const char* dir = std::getenv("KAVRO_TEST_KAFKA_DIR");
  if (dir == nullptr) throw std::runtime_error("KAVRO_TEST_KAFKA_DIR is not set: run through ctest");
  std::ifstream in(std::filesystem::path(dir) / "bootstrap");
  std::string b;
  if (!(in >> b)) throw std::runtime_error(std::string("no broker address in ") + dir + "/bootstrap");
  return b;
}

}  // namespace kavro::testing
