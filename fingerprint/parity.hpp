// Fingerprint parity with a FAST run: pairs each of FAST's fingerprints with
// ours at the same time and counts the bit-identical ones and those with
// Jaccard similarity >= a threshold (what a FAST user checks first).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "fingerprint/coefficients.hpp"

namespace qp::fp {

struct ParityResult {
  std::size_t reference = 0;      ///< the reference's (FAST's) fingerprints
  std::size_t ours = 0;           ///< our fingerprints
  std::size_t same_time = 0;      ///< FAST's with one of ours within the tolerance
  std::size_t identical = 0;      ///< ... and bit-identical
  std::size_t jaccard_ok = 0;     ///< ... and Jaccard >= the threshold
  double median_jaccard = 0;      ///< over the pairs at the same time (0 if none)
  std::string report(double jaccard_min) const;  ///< "key value (share)" lines
};

/// Both blocks must have the same words per row. `tolerance` in ns: FAST's
/// time stamps carry microseconds, so 1 ms is plenty for equal grids.
ParityResult compare_with_reference(const FingerprintBlock& ours, const FingerprintBlock& reference,
                                    double jaccard_min, TimeNs tolerance);

/// A FAST pair of files: X.fp and X.ts (same stem). Bits per fingerprint:
/// `nbits`, or (0) the .fp size over the number of .ts lines. Throws
/// qp::InputError naming the file when they disagree.
FingerprintBlock read_fast_pair(const std::filesystem::path& fp_file, std::size_t nbits = 0);

}  // namespace qp::fp
