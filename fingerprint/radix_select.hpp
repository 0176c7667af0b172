// Exact selection of the k-th smallest double by a radix select on
// order-preserving integer keys: a few linear passes of simple operations
// instead of nth_element's data-dependent branches (the median/MAD of a
// column of the sample, thousands of values, thousands of columns).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace qp::fp {

/// Key whose unsigned order is the order of the (non-NaN) doubles; -0.0 sorts
/// just below +0.0 (equal values, the same value once back as a double).
inline std::uint64_t ordered_key(double v) {
  std::uint64_t k;
  std::memcpy(&k, &v, sizeof k);
  return (k >> 63) ? ~k : (k | (std::uint64_t{1} << 63));
}

inline double key_value(std::uint64_t k) {
  k = (k >> 63) ? (k & ~(std::uint64_t{1} << 63)) : ~k;
  double v;
  std::memcpy(&v, &k, sizeof v);
  return v;
}

/// The k-th smallest (0-based, k < n) of keys[0..n); keys are reordered.
std::uint64_t radix_select_kth(std::uint64_t* keys, std::size_t n, std::size_t k);

/// numpy.median of v[0..n) (n > 0, no NaN): the middle value, or the mean of
/// the two middle ones. `keys` holds n; v is left intact.
double radix_median(const double* v, std::size_t n, std::uint64_t* keys);

}  // namespace qp::fp
