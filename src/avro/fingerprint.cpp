// Schema fingerprints over the Parsing Canonical Form: CRC-64-AVRO (the spec's Rabin fingerprint),
// MD5 and SHA-256 (OpenSSL's digests).
#include <openssl/evp.h>

#include <array>
#include <stdexcept>

#include "kavro/avro/schema.hpp"

namespace kavro::avro {

namespace {

constexpr std::uint64_t crc64_empty = 0xc15d213aa4d7a795ULL;

constexpr std::array<std::uint64_t, 256> crc64_table() {
  std::array<std::uint64_t, 256> t{};
  for (std::uint64_t i = 0; i < 256; ++i) {
    std::uint64_t fp = i;
    for (int j = 0; j < 8; ++j) fp = (fp >> 1) ^ (crc64_empty & (0 - (fp & 1)));
    t[i] = fp;
  }
  return t;
}

template <std::size_t N>
std::array<std::uint8_t, N> digest(const EVP_MD* md, std::string_view data) {
  std::array<std::uint8_t, N> out{};
  unsigned len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 || len != N)
    throw std::runtime_error("OpenSSL digest failed");
  return out;
}

}  // namespace

std::uint64_t fingerprint_crc64(std::string_view canonical) {
  static constexpr auto table = crc64_table();
  std::uint64_t fp = crc64_empty;
  for (char c : canonical) fp = (fp >> 8) ^ table[(fp ^ static_cast<std::uint8_t>(c)) & 0xff];
  return fp;
}

std::array<std::uint8_t, 16> fingerprint_md5(std::string_view canonical) {
  return digest<16>(EVP_md5(), canonical);
}

std::array<std::uint8_t, 32> fingerprint_sha256(std::string_view canonical) {
  return digest<32>(EVP_sha256(), canonical);
}

}  // namespace kavro::avro
