#include "match/network_stack.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace qp::match {

void NetworkStack::add(std::size_t first_data_lag, std::ptrdiff_t moveout, const float* cc,
                       std::size_t count) {
  // stack lag = data lag - moveout
  const std::ptrdiff_t first = static_cast<std::ptrdiff_t>(first_data_lag) - moveout;
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(sum_.size());
  const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, -first);
  const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(count), n - first);
  for (std::ptrdiff_t i = lo; i < hi; ++i) {
    const float v = cc[i];
    if (std::isnan(v)) continue;
    sum_[static_cast<std::size_t>(first + i)] += v;
    ++count_[static_cast<std::size_t>(first + i)];
  }
}

std::vector<float> NetworkStack::mean(unsigned min_channels) const {
  std::vector<float> out(sum_.size());
  const unsigned need = std::max(1u, min_channels);
  for (std::size_t i = 0; i < sum_.size(); ++i)
    out[i] = count_[i] >= need ? sum_[i] / static_cast<float>(count_[i])
                               : std::numeric_limits<float>::quiet_NaN();
  return out;
}

StackLevel stack_level(const std::vector<float>& stack) {
  std::vector<float> v;
  v.reserve(stack.size());
  for (float x : stack)
    if (std::isfinite(x)) v.push_back(x);
  StackLevel level;
  level.values = v.size();
  if (v.empty()) return level;
  auto median_of = [](std::vector<float>& a) {
    const std::size_t h = a.size() / 2;
    std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(h), a.end());
    double m = a[h];
    if (a.size() % 2 == 0) m = 0.5 * (m + *std::max_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(h)));
    return m;
  };
  level.median = median_of(v);
  for (auto& x : v) x = static_cast<float>(std::fabs(x - level.median));
  level.mad = median_of(v);
  return level;
}

double detection_threshold(const StackLevel& level, double mad_multiple, double floor) {
  return std::max(level.median + mad_multiple * level.mad, floor);
}

double confirmation_mad_multiple(double mad_multiple, std::size_t span, std::size_t window) {
  constexpr double kMadPerSigma = 0.6744897501960817;  // Phi^-1(3/4)
  if (window == 0 || window >= span || mad_multiple <= 0) return mad_multiple;
  const auto tail = [](double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); };
  const double z_span = mad_multiple * kMadPerSigma;
  const double wanted = std::min(0.5, tail(z_span) * static_cast<double>(span) / static_cast<double>(window));
  // tail() falls monotonically: bisect for tail(z) = wanted in [0, z_span].
  double lo = 0, hi = z_span;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (tail(mid) > wanted ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi) / kMadPerSigma;
}

std::vector<StackPeak> find_peaks(const std::vector<float>& stack, const StackLevel& level,
                                  double threshold, std::size_t min_separation) {
  const float minus_inf = -std::numeric_limits<float>::infinity();
  auto at = [&](std::size_t i) { return std::isnan(stack[i]) ? minus_inf : stack[i]; };
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < stack.size(); ++i) {
    const float v = stack[i];
    if (!(v >= threshold)) continue;  // NaN fails too
    if (i > 0 && at(i - 1) > v) continue;
    if (i + 1 < stack.size() && at(i + 1) >= v) continue;
    candidates.push_back(i);
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](std::size_t a, std::size_t b) { return stack[a] > stack[b]; });
  std::set<std::size_t> kept;
  for (std::size_t i : candidates) {
    auto next = kept.lower_bound(i);
    if (next != kept.end() && *next - i < min_separation) continue;
    if (next != kept.begin() && i - *std::prev(next) < min_separation) continue;
    kept.insert(i);
  }
  std::vector<StackPeak> peaks;
  for (std::size_t i : kept) {
    StackPeak p;
    p.lag = i;
    p.value = stack[i];
    p.mad_multiple = level.mad > 0 ? (stack[i] - level.median) / level.mad
                                   : std::numeric_limits<double>::infinity();
    peaks.push_back(p);
  }
  return peaks;
}

}  // namespace qp::match
