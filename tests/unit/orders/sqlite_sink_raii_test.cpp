// A sqlite_sink whose constructor throws releases the database it opened (LeakSanitizer in the debug
// build reports the connection otherwise).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "kavro/orders/sqlite_sink.hpp"

namespace {

TEST(SqliteSink, AFileThatIsNotADatabaseIsRefusedWithoutLeakingTheConnection) {
  const auto path = std::filesystem::temp_directory_path() / ("kavro-not-a-db-" + std::to_string(::getpid()));
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(4096, 'x');  // sqlite3_open succeeds lazily; the first statement finds no database
  }
  try {
    kavro::orders::sqlite_sink sink(path.string());
    FAIL() << "a file that is not a database was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
