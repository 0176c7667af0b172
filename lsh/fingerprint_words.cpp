#include "lsh/fingerprint_words.hpp"

#include <fstream>
#include <iterator>

#include "pipeline/error.hpp"

namespace qp::lsh {

FingerprintWords words_from_msb_bytes(const std::uint8_t* bytes, std::size_t n,
                                      std::size_t nbits) {
  FingerprintWords out;
  out.n = n;
  out.nbits = nbits;
  const std::size_t words = out.words(), row_bytes = nbits / 8;
  out.bits.assign(n * words, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* src = bytes + i * row_bytes;
    std::uint64_t* dst = out.bits.data() + i * words;
    for (std::size_t byte = 0; byte < row_bytes; ++byte)
      for (int k = 0; k < 8; ++k)
        if ((src[byte] >> (7 - k)) & 1U) {
          const std::size_t b = byte * 8 + static_cast<std::size_t>(k);
          dst[b / 64] |= std::uint64_t{1} << (b % 64);
        }
  }
  return out;
}

std::vector<std::uint8_t> msb_bytes_from_words(const FingerprintView& fps) {
  const std::size_t row_bytes = (fps.nbits + 7) / 8;
  std::vector<std::uint8_t> out(fps.n * row_bytes, 0);
  for (std::size_t i = 0; i < fps.n; ++i)
    for (std::size_t b = 0; b < fps.nbits; ++b)
      if (fps.bit(i, b)) out[i * row_bytes + b / 8] |= static_cast<std::uint8_t>(0x80U >> (b % 8));
  return out;
}

FingerprintWords read_fast_fp_file(const std::string& path, std::size_t nbits) {
  if (nbits == 0 || nbits % 8 != 0)
    throw qp::InputError(path, "bits per fingerprint must be a positive multiple of 8");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw qp::InputError(path, "cannot open");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  const std::size_t row_bytes = nbits / 8;
  if (bytes.size() % row_bytes != 0)
    throw qp::InputError(path,
                         "size " + std::to_string(bytes.size()) +
                             " bytes is not a whole number of " + std::to_string(row_bytes) +
                             "-byte fingerprints",
                         "byte " + std::to_string(bytes.size() - bytes.size() % row_bytes));
  return words_from_msb_bytes(bytes.data(), bytes.size() / row_bytes, nbits);
}

}  // namespace qp::lsh
