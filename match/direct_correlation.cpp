#include "match/direct_correlation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qp::match {
namespace {

struct WindowSums {
  double dot = 0, sum = 0, sum_sq = 0;
  bool valid = true;
};

WindowSums window_sums(const TemplateChannel& t, const float* data, const std::uint8_t* mask,
                       std::size_t k) {
  WindowSums w;
  const std::size_t m = t.size();
  const float* x = data + k;
  for (std::size_t i = 0; i < m; ++i) {
    if ((mask && !mask[k + i]) || !std::isfinite(x[i])) {
      w.valid = false;
      return w;
    }
    const double xi = x[i];
    w.dot += static_cast<double>(t.weights[i]) * xi;
    w.sum += xi;
    w.sum_sq += xi * xi;
  }
  return w;
}

// Same flat-window rule as the FFT path.
constexpr double kFlatVarianceRatio = 1e-9;

}  // namespace

double direct_correlation_at(const TemplateChannel& t, const float* data, const std::uint8_t* mask,
                             std::size_t k) {
  const WindowSums w = window_sums(t, data, mask, k);
  const double var = w.sum_sq - w.sum * w.sum / static_cast<double>(t.size());
  if (!w.valid || !(var > kFlatVarianceRatio * w.sum_sq) || !(var > 0))
    return std::numeric_limits<double>::quiet_NaN();
  return std::clamp(w.dot / std::sqrt(var), -1.0, 1.0);
}

std::vector<float> direct_correlation(const TemplateChannel& t, const float* data,
                                      const std::uint8_t* mask, std::size_t n, std::size_t first,
                                      std::size_t count) {
  const std::size_t m = t.size();
  if (n < m || first > n - m) return {};
  count = std::min(count, n - m + 1 - first);
  std::vector<float> out(count);
  for (std::size_t i = 0; i < count; ++i)
    out[i] = static_cast<float>(direct_correlation_at(t, data, mask, first + i));
  return out;
}

double relative_amplitude_at(const TemplateChannel& t, const float* data, const std::uint8_t* mask,
                             std::size_t k) {
  // weights are the template demeaned and divided by its norm, so the
  // least-squares amplitude is dot / norm (the data mean cancels: the
  // weights sum to zero).
  const WindowSums w = window_sums(t, data, mask, k);
  if (!w.valid || !(t.norm > 0)) return std::numeric_limits<double>::quiet_NaN();
  return w.dot / t.norm;
}

}  // namespace qp::match
