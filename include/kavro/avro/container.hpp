// Avro object container files (".avro"): header with the writer schema and codec, blocks of datums
// separated by a sync marker; null and deflate codecs. What other tools open with fastavro,
// avro-tools or Spark, so a topic or a dead-letter queue can be exported and read back.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "kavro/avro/schema.hpp"
#include "kavro/avro/value.hpp"
#include "kavro/result.hpp"

namespace kavro::avro {

enum class container_codec { null, deflate };

struct container_options {
  container_codec codec = container_codec::null;
  std::size_t block_records = 4096;                           // datums per block
  std::map<std::string, std::vector<std::uint8_t>> metadata;  // extra user metadata (not "avro.*")
  std::array<std::uint8_t, 16> sync{};                        // all zero: a random marker is drawn
};

// Builds a container file in memory: append() datums, then finish() for the file's bytes.
class container_writer {
 public:
  container_writer(schema s, container_options options = {});

  // Encodes v with the schema; a value that does not match is an error and is not written.
  result<void> append(const value& v);
  // A datum already encoded with the schema (e.g. a Kafka message body without its 5-byte header).
  result<void> append_encoded(std::span<const std::uint8_t> datum);
  // Flushes the last block and hands over the file; the writer is then empty and can be reused.
  result<std::vector<std::uint8_t>> finish();

 private:
  result<void> flush_block();
  schema schema_;
  container_options options_;
  std::vector<std::uint8_t> out_;
  std::vector<std::uint8_t> block_;
  std::size_t block_count_ = 0;
};

struct container {
  schema writer_schema;
  container_codec codec = container_codec::null;
  std::map<std::string, std::vector<std::uint8_t>> metadata;  // every key, "avro.*" included
  std::vector<value> records;
};

// Reads a whole container file; every block length, count and the sync markers are checked, and a
// deflate block may not inflate beyond max_block_bytes.
result<container> read_container(std::span<const std::uint8_t> file, std::size_t max_block_bytes = 64u << 20);

}  // namespace kavro::avro
