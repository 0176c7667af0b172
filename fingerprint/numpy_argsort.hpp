// NumPy's default argsort ("quicksort": introsort, not stable) for float64,
// step for step as NumPy 1.24 does it without SIMD dispatch, so that the order
// it gives equal values is reproduced. FAST keeps argsort(|z|)[-k:], so exact
// ties at the top-k boundary fall as in FAST only with this order.
// The steps follow NumPy's npysort (numpy/_core/src/npysort, BSD-3-Clause,
// Copyright (c) 2005-2024 NumPy Developers), re-expressed here for one type.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qp::fp {

/// idx[0..n) = the permutation np.argsort(v) returns (NaN sorts last).
void numpy_argsort(const double* v, std::size_t n, std::int64_t* idx);

}  // namespace qp::fp
