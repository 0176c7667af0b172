// Exact all-pairs Jaccard similarity with popcount: the oracle for small
// inputs (tests, checking recall). Quadratic; not for production sizes.
#pragma once

#include <cstdint>
#include <vector>

#include "lsh/fingerprint_words.hpp"
#include "pipeline/time.hpp"

namespace qp::lsh {

struct ExactPair {
  std::uint32_t a, b;  ///< a < b
  double jaccard;
};

/// Jaccard similarity |x & y| / |x | y| of two fingerprints (0 when both are empty).
double jaccard(const FingerprintView& fps, std::size_t i, std::size_t j);

/// All pairs with Jaccard >= threshold, near repeats (|t_a - t_b| < near_ns)
/// excluded, sorted by (a, b). OpenMP over the first index.
std::vector<ExactPair> exact_pairs(const FingerprintView& fps, const std::vector<TimeNs>& times,
                                   TimeNs near_ns, double threshold);

}  // namespace qp::lsh
