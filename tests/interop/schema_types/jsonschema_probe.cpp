// Test tool for the JSON Schema interop test: kavro's JSON Schema wire functions on the command line.
//   jsonschema_probe decode <schema.json> <hex frame>          -> {"schema_id":..,"value":..} (validated)
//   jsonschema_probe encode <schema.json> <schema id> <json>   -> hex frame (validated)
// Exit 1 with the library's message when a frame or value is refused.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "kavro/jsonschema/schema.hpp"
#include "kavro/jsonschema/wire.hpp"

namespace {

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (!((mode == "decode" && argc == 4) || (mode == "encode" && argc == 5))) {
    std::cerr << "usage: jsonschema_probe decode <schema.json> <hex> | encode <schema.json> <id> <json>\n";
    return 2;
  }
  std::ifstream in(argv[2]);
  std::stringstream text;
  text << in.rdbuf();
  auto schema = kavro::jsonschema::schema::parse(text.str());
  if (!schema) {
    std::cerr << schema.error().message << "\n";
    return 1;
  }
  kavro::jsonschema::wire_options options;
  options.validate_with = &*schema;
  if (mode == "decode") {
    auto decoded = kavro::jsonschema::decode(from_hex(argv[3]), options);
    if (!decoded) {
      std::cerr << decoded.error().message << "\n";
      return 1;
    }
    std::cout << nlohmann::json{{"schema_id", decoded->schema_id}, {"value", decoded->value}}.dump() << "\n";
    return 0;
  }
  auto framed = kavro::jsonschema::encode_text(std::stoi(argv[3]), argv[4], options);
  if (!framed) {
    std::cerr << framed.error().message << "\n";
    return 1;
  }
  std::cout << to_hex(*framed) << "\n";
  return 0;
}
