// Sampling-rate reduction on an absolute sample grid.
//
// Every function takes `phase`/`i0`, the position of x[0] on the absolute
// grid of the input (see grid_index), so the kept samples are the same
// whatever chunk or padding the data came in: a sample is kept when its
// absolute index is a multiple of the factor.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "pipeline/time.hpp"
#include "preprocess/filters.hpp"

namespace qp::pre {

/// Absolute index of the sample at time t on the grid of `rate` Hz:
/// llround(t * rate) with t in seconds, computed without losing nanoseconds.
std::int64_t grid_index(TimeNs t, double rate);

/// Index of the first element of x to keep when x[0] has absolute index `i0`
/// and every q-th absolute index is kept.
std::size_t first_kept(std::int64_t i0, int q);

/// Anti-alias filter of scipy.signal.decimate(x, q) (ftype='iir'):
/// cheby1(8, 0.05, 0.8/q) in second-order sections.
Sos decimation_filter_scipy(int q);

/// ObsPy Trace.decimate(q)'s prefilter at sampling rate fs:
/// lowpass_cheby_2(freq = fs/2/q, maxorder = 12).
Sos decimation_filter_obspy(int q, double fs);

/// scipy.signal.decimate(x, q) (zero-phase, IIR): sosfiltfilt with
/// decimation_filter_scipy(q), then x[first_kept(i0, q) + k*q].
/// Requires x longer than the filter's padding (std::invalid_argument).
std::vector<double> decimate_zero_phase(std::vector<double> x, int q, std::int64_t i0 = 0);

/// ObsPy Trace.decimate(q): causal decimation_filter_obspy(q, fs) (sosfilt,
/// zero initial state) then every q-th sample on the absolute grid.
std::vector<double> decimate_obspy(std::vector<double> x, int q, double fs, std::int64_t i0 = 0);

/// out_rate / in_rate as up/down in lowest terms, both <= max_term, when the
/// ratio is such a fraction to relative 1e-9.
struct RationalRatio {
  int up = 1, down = 1;
};
std::optional<RationalRatio> rational_ratio(double in_rate, double out_rate, int max_term = 1000);

/// scipy.signal.resample_poly's default kernel: firwin(20*max(up,down)+1,
/// 1/max(up,down), window=('kaiser', 5.0)) scaled by `up`.
std::vector<double> resample_kernel(int up, int down);

/// Zero-phase polyphase resampling by up/down. x[0] has absolute input index
/// i0; output m (absolute index on the output grid) sits at input position
/// m*down/up. Returns every output whose position lies within
/// [i0, i0 + x.size() - 1], and its first absolute index in `first_m`.
/// Inputs beyond x count as zeros (like resample_poly).
std::vector<double> resample_rational(const std::vector<double>& x, int up, int down, std::int64_t i0,
                                      std::int64_t* first_m);

}  // namespace qp::pre
