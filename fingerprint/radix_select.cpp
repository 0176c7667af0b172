#include "fingerprint/radix_select.hpp"

#include <algorithm>
#include <limits>

namespace qp::fp {

std::uint64_t radix_select_kth(std::uint64_t* keys, std::size_t n, std::size_t k) {
  // Each pass spreads the keys over 2^bits buckets by (key - lowest) >> shift
  // and keeps the bucket holding the k-th; ties end it (all keys equal). The
  // top bits of a key are sign and exponent, where values cluster: wide
  // passes for many keys, so that one pass gets into the mantissa.
  std::uint32_t count[2048];
  while (n > 64) {
    const int bits = n > 2048 ? 11 : 8;
    std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
    for (std::size_t i = 0; i < n; ++i) {
      lo = std::min(lo, keys[i]);
      hi = std::max(hi, keys[i]);
    }
    if (lo == hi) return lo;
    const int shift = std::max(0, 64 - __builtin_clzll(hi - lo) - bits);
    std::fill(count, count + (std::size_t{1} << bits), 0u);
    for (std::size_t i = 0; i < n; ++i) ++count[(keys[i] - lo) >> shift];
    std::size_t below = 0;
    std::uint64_t b = 0;
    while (below + count[b] <= k) below += count[b++];
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; ++i) {
      keys[m] = keys[i];
      m += ((keys[i] - lo) >> shift) == b;
    }
    n = m;
    k -= below;
  }
  std::nth_element(keys, keys + k, keys + n);
  return keys[k];
}

double radix_median(const double* v, std::size_t n, std::uint64_t* keys) {
  for (std::size_t i = 0; i < n; ++i) keys[i] = ordered_key(v[i]);
  const std::size_t hi = n / 2;
  const double upper = key_value(radix_select_kth(keys, n, hi));
  if (n % 2 == 1) return upper;
  // The value just below the middle: upper itself when at least n - hi + 1
  // values are >= it, else the largest value below it.
  constexpr double kLowest = -std::numeric_limits<double>::infinity();
  std::size_t less = 0;
  double lower = kLowest;
  for (std::size_t i = 0; i < n; ++i) {
    const bool below = v[i] < upper;
    less += below;
    lower = std::max(lower, below ? v[i] : kLowest);
  }
  if (less < hi) lower = upper;
  return (lower + upper) / 2.0;
}

}  // namespace qp::fp
