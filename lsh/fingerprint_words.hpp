// Binary fingerprints as the search sees them: n rows of `words` uint64 each.
//
// Bit b (0 <= b < nbits) of fingerprint i is (bits[i*words + b/64] >> (b%64)) & 1
// (LSB-first within a word). It is the same bit as FAST's bit position b, which
// FAST packs MSB-first into bytes: byte b/8, bit (7 - b%8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qp::lsh {

inline std::size_t words_for_bits(std::size_t nbits) { return (nbits + 63) / 64; }

/// Non-owning view of n fingerprints.
struct FingerprintView {
  const std::uint64_t* bits = nullptr;
  std::size_t n = 0;
  std::size_t words = 0;
  std::size_t nbits = 0;

  const std::uint64_t* row(std::size_t i) const { return bits + i * words; }
  bool bit(std::size_t i, std::size_t b) const { return (row(i)[b / 64] >> (b % 64)) & 1U; }
};

/// Owning set of fingerprints in the word layout.
struct FingerprintWords {
  std::size_t n = 0;
  std::size_t nbits = 0;
  std::vector<std::uint64_t> bits;  ///< n * words_for_bits(nbits)

  std::size_t words() const { return words_for_bits(nbits); }
  FingerprintView view() const { return {bits.data(), n, words(), nbits}; }
};

/// FAST's packed MSB-first rows (nbits/8 bytes each, nbits a multiple of 8) to words.
FingerprintWords words_from_msb_bytes(const std::uint8_t* bytes, std::size_t n, std::size_t nbits);

/// Words back to FAST's packed MSB-first rows.
std::vector<std::uint8_t> msb_bytes_from_words(const FingerprintView& fps);

/// Reads a FAST .fp file (headerless packed MSB-first rows of nbits bits).
/// Throws qp::InputError when the size is not a whole number of rows.
FingerprintWords read_fast_fp_file(const std::string& path, std::size_t nbits);

}  // namespace qp::lsh
