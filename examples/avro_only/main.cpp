// Avro without Kafka: a struct generated from reading.avsc is encoded to Avro binary, read back through
// the generic decoder (schema parsed at run time) and printed as JSON, then decoded into the struct again.
#include <cstdint>
#include <iostream>
#include <vector>

#include "kavro/avro/codec.hpp"
#include "kavro/avro/json.hpp"
#include "kavro/avro/schema.hpp"
#include "kavro/version.hpp"
#include "reading.hpp"

int main() {
  example::Reading reading;
  reading.sensor = "greenhouse-1";
  reading.celsius = 21.5;
  reading.unit = example::Unit::CELSIUS;
  reading.tags = {"north", "glass"};
  reading.battery = 87;

  const std::vector<std::uint8_t> bytes = kavro::avro::gen::to_avro(reading);
  std::cout << "kavro " << kavro::version() << ": " << bytes.size() << " bytes:";
  static constexpr char digits[] = "0123456789abcdef";
  for (auto b : bytes) std::cout << ' ' << digits[b >> 4] << digits[b & 15];
  std::cout << '\n';

  auto schema = kavro::avro::schema::parse(example::Reading::avro_schema);
  if (!schema) {
    std::cerr << "schema: " << schema.error().message << '\n';
    return 1;
  }
  auto value = kavro::avro::decode(*schema, bytes);
  if (!value) {
    std::cerr << "decode: " << value.error().message << '\n';
    return 1;
  }
  // Plain JSON and Avro's JSON encoding (which names the union branch), fields in schema order.
  std::cout << "json: " << kavro::avro::write_json(*schema, *value, kavro::avro::json_style::plain) << '\n';
  std::cout << "avro json: " << kavro::avro::write_json(*schema, *value, kavro::avro::json_style::avro)
            << '\n';

  auto back = kavro::avro::gen::from_avro<example::Reading>(bytes);
  if (!back || !(*back == reading)) {
    std::cerr << "the generated decoder did not give back the record\n";
    return 1;
  }
  std::cout << "round trip: ok\n";
  return 0;
}
