#include "postprocess/association/phase_labels.hpp"

#include <algorithm>
#include <cmath>

namespace qp::post {

double onset_energy(const float* x, std::size_t n, TimeNs start, double rate, TimeNs t) {
  if (n == 0 || rate <= 0) return 0;
  const auto count = static_cast<std::ptrdiff_t>(n);
  auto index = [&](TimeNs s) {
    return std::clamp<std::ptrdiff_t>(
        static_cast<std::ptrdiff_t>(std::llround(ns_to_seconds(s - start) * rate)), 0, count);
  };
  auto mean_sq = [&](TimeNs a, TimeNs b) {
    const std::ptrdiff_t i0 = index(a), i1 = index(b);
    if (i1 <= i0) return 0.0;
    double sum = 0;
    for (std::ptrdiff_t i = i0; i < i1; ++i) sum += double(x[i]) * double(x[i]);
    return sum / double(i1 - i0);
  };
  return std::max(0.0, mean_sq(t, t + kNsPerSecond) - mean_sq(t - 5 * kNsPerSecond / 2, t - kNsPerSecond / 2));
}

std::vector<bool> first_onsets_are_s(const std::vector<FirstOnset>& onsets, const OnsetConsistencyParams& params) {
  std::vector<bool> s_like(onsets.size()), is_s(onsets.size(), false);
  std::vector<StationOnset> p_onsets;  // the onsets that look like P
  for (std::size_t i = 0; i < onsets.size(); ++i) {
    s_like[i] = onsets[i].has_horizontals && onsets[i].vertical_share < kPVerticalShare;
    if (!s_like[i]) p_onsets.push_back(onsets[i].onset);
  }
  // The P onsets that agree with each other judge the rest.
  const auto bad = inconsistent_onsets(p_onsets, params);
  std::vector<StationOnset> judges;
  for (std::size_t k = 0; k < p_onsets.size(); ++k)
    if (!std::binary_search(bad.begin(), bad.end(), k)) judges.push_back(p_onsets[k]);
  for (std::size_t i = 0; i < onsets.size(); ++i) {
    if (!s_like[i]) continue;
    if (onsets[i].p_before) {
      is_s[i] = true;
      continue;
    }
    // Taken as P, it arrives later than the moveout from most of the
    // others allows: S. With nothing to compare with it stays P.
    std::size_t too_late = 0;
    for (const auto& q : judges)
      too_late += onsets[i].onset.time_s > q.time_s && !inconsistent_onsets({q, onsets[i].onset}, params).empty();
    is_s[i] = !judges.empty() && 2 * too_late > judges.size();
  }
  return is_s;
}

}  // namespace qp::post
