// Standardise with the median/MAD statistics and keep the signs of the k_coef
// largest |z| (FAST finger_print.py / binarize_vectors_topK_sign).
//
// z_c = (x_c - median_c) / MAD_c in double. A coefficient with MAD_c == 0 (or
// a non-finite z) has no robust scale: it gets z_c = 0 instead of FAST's
// inf/NaN, so it ranks last and never sets a bit.
//
// Top-k tie rule (which of equal |z| at the k-th place are kept):
// TieOrder::kHighestIndex ranks the higher coefficient index first (what a
// stable ascending argsort's last k would pick); TieOrder::kNumpy keeps those
// FAST's np.argsort(|z|)[-k:] keeps (NumPy's introsort order, reproduced by
// numpy_argsort; "fast" mode). Deterministic for any input.
//
// Bits: [M "positive" bits | M "negative" bits]; bit c set when kept z_c > 0,
// bit M + c when kept z_c < 0. Word layout: see FingerprintBlock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fingerprint/coefficients.hpp"
#include "fingerprint/mad.hpp"

namespace qp::fp {

enum class TieOrder { kHighestIndex, kNumpy };

/// The row kernel with its statistics prepared once: one row of coefficients
/// at a time, so a caller can binarise each row as soon as it is computed
/// (Fingerprinter::fingerprints) while it is still in the cache.
class Binarizer {
 public:
  Binarizer(const MadStats& stats, int k_coef, TieOrder ties = TieOrder::kHighestIndex);

  std::size_t M() const { return M_; }
  std::size_t words() const { return (2 * M_ + 63) / 64; }
  /// Doubles row() needs as workspace (one per thread).
  std::size_t workspace_size() const { return 3 * M_; }

  /// Coefficients x (M doubles) -> `words` (words() words, zeroed here).
  void row(const double* x, std::uint64_t* words, double* workspace) const;

 private:
  std::size_t M_, K_;
  TieOrder ties_;
  // Unusable coefficients (MAD 0 or not finite) get median 0, MAD 1 and
  // weight 0, so z = 0 without a branch.
  std::vector<double> med_, mad_, keep_;
};

/// Binarises every row; OpenMP over rows, identical output for any thread count.
FingerprintBlock binarize(const CoefficientBlock& coeffs, const MadStats& stats, int k_coef,
                          TieOrder ties = TieOrder::kHighestIndex);

/// One vector: z (M doubles, left intact) -> `words` (ceil(2M/64) words,
/// zeroed here). `scratch` holds at least M doubles.
void topk_sign_bits(const double* z, std::size_t M, int k, std::uint64_t* words, double* scratch,
                    TieOrder ties = TieOrder::kHighestIndex);

/// Words (layout of FingerprintBlock) <-> FAST's np.packbits bytes (MSB first).
void words_to_packbits(const std::uint64_t* words, std::size_t nbits, std::uint8_t* bytes);
void packbits_to_words(const std::uint8_t* bytes, std::size_t nbits, std::uint64_t* words);

/// Bit b of a fingerprint row.
inline bool test_bit(const std::uint64_t* words, std::size_t b) {
  return (words[b / 64] >> (63 - b % 64)) & 1u;
}

/// Set bits and Jaccard similarity of two rows of `nwords` words.
std::size_t popcount(const std::uint64_t* a, std::size_t nwords);
double jaccard(const std::uint64_t* a, const std::uint64_t* b, std::size_t nwords);

}  // namespace qp::fp
