// Blocks of per-image results passed between the fingerprint steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pipeline/time.hpp"

namespace qp::fp {

/// L2-normalised Haar coefficient vectors, one row of M values per image.
/// Double precision, as FAST keeps them up to the MAD normalisation ("fast"
/// mode); "quakeprint" mode rounds them to float32 precision (its long-standing
/// fingerprints stay the same).
struct CoefficientBlock {
  std::size_t M = 0;
  std::vector<double> values;  ///< n x M, row-major
  /// Reported time of each image: the frame (centre) time of its centre
  /// column, as FAST stamps fingerprints.
  std::vector<TimeNs> times;
  std::size_t size() const { return times.size(); }
  const double* row(std::size_t i) const { return values.data() + i * M; }
  /// Appends another block with the same M (for pooling MAD samples).
  void append(const CoefficientBlock& other);
};

/// Packed binary fingerprints, one row of `words` uint64 per image.
///
/// Bit order: fingerprint bit b (0..2M-1, FAST's numbering: b < M is
/// "coefficient b positive", b >= M is "coefficient b-M negative") lives in
/// word b/64 at bit position 63 - b%64. A word is therefore the big-endian
/// reading of 8 bytes of FAST's np.packbits (MSB-first) layout.
struct FingerprintBlock {
  std::size_t words = 0;
  std::vector<std::uint64_t> bits;  ///< n x words, row-major
  std::vector<TimeNs> times;
  std::size_t size() const { return times.size(); }
  const std::uint64_t* row(std::size_t i) const { return bits.data() + i * words; }
  void append(const FingerprintBlock& other);
};

}  // namespace qp::fp
