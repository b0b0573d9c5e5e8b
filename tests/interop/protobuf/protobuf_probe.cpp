// Test tool for the Protobuf interop test: decodes a Confluent Protobuf frame with kavro's wire decoder
// and the schema's descriptors, or frames a message body as kavro's serializer would.
//   protobuf_probe decode <schema.proto> <hex frame>   ->
//   {"schema_id":..,"indexes":[..],"message":..,"text":..} protobuf_probe encode <schema.proto> <message full
//   name> <schema id> <hex body> -> hex frame
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kavro/protobuf/schema.hpp"
#include "kavro/protobuf/wire.hpp"

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
  if (argc < 4) {
    std::cerr
        << "usage: protobuf_probe decode <schema.proto> <hex> | encode <schema.proto> <name> <id> <hex>\n";
    return 2;
  }
  std::ifstream in(argv[2]);
  std::stringstream text;
  text << in.rdbuf();
  auto schema = kavro::protobuf::schema::parse(text.str());
  if (!schema) {
    std::cerr << schema.error().message << "\n";
    return 1;
  }
  const std::string mode = argv[1];
  if (mode == "decode") {
    auto bytes = from_hex(argv[3]);
    auto frame = kavro::protobuf::parse_protobuf_frame(bytes);
    if (!frame) {
      std::cerr << frame.error().message << "\n";
      return 1;
    }
    auto descriptor = schema->message_at(frame->message_indexes);
    if (!descriptor) {
      std::cerr << descriptor.error().message << "\n";
      return 1;
    }
    google::protobuf::DynamicMessageFactory factory;
    std::unique_ptr<google::protobuf::Message> message(factory.GetPrototype(*descriptor)->New());
    if (!message->ParseFromArray(frame->body.data(), static_cast<int>(frame->body.size()))) {
      std::cerr << "body does not parse as " << (*descriptor)->full_name() << "\n";
      return 1;
    }
    std::string printed;
    google::protobuf::TextFormat::Printer printer;
    printer.SetSingleLineMode(true);
    printer.PrintToString(*message, &printed);
    nlohmann::json out{{"schema_id", frame->schema_id},
                       {"indexes", frame->message_indexes},
                       {"message", (*descriptor)->full_name()},
                       {"text", printed}};
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (mode == "encode" && argc == 6) {
    auto indexes = schema->message_indexes(argv[3]);
    if (!indexes) {
      std::cerr << indexes.error().message << "\n";
      return 1;
    }
    std::vector<std::uint8_t> out;
    kavro::protobuf::write_protobuf_frame(std::stoi(argv[4]), *indexes, from_hex(argv[5]), out);
    std::cout << to_hex(out) << "\n";
    return 0;
  }
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
