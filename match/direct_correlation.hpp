// Normalised cross-correlation computed directly in the time domain, in
// float64: the reference the FFT correlator is tested and benchmarked against,
// and the tool for a few lags (refining a detection's lag per channel).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "match/template_channel.hpp"

namespace qp::match {

/// The correlation of template channel `t` with the window data[k, k+m):
/// sum_i w[i] x[k+i] / sqrt(sum_i (x[k+i] - mean)^2), NaN when the window
/// touches a masked sample (mask may be null) or is flat. Same definition as
/// FftCorrelator. Requires k + m <= n.
double direct_correlation_at(const TemplateChannel& t, const float* data, const std::uint8_t* mask,
                             std::size_t k);

/// Lags [first, first + count) (clipped to n - m); as float, like the FFT path.
std::vector<float> direct_correlation(const TemplateChannel& t, const float* data,
                                      const std::uint8_t* mask, std::size_t n,
                                      std::size_t first = 0, std::size_t count = SIZE_MAX);

/// Least-squares amplitude of the template in the window at lag k: the a
/// minimising |x - mean(x) - a (t - mean(t))|^2, relative to the template's
/// own amplitude (1 = as strong as the template). NaN like the correlation.
double relative_amplitude_at(const TemplateChannel& t, const float* data, const std::uint8_t* mask,
                             std::size_t k);

}  // namespace qp::match
