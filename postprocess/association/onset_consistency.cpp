#include "postprocess/association/onset_consistency.hpp"

#include <algorithm>
#include <cmath>

#include "postprocess/catalog/location.hpp"

namespace qp::post {

std::vector<std::size_t> inconsistent_onsets(const std::vector<StationOnset>& onsets,
                                             const OnsetConsistencyParams& params) {
  const std::size_t n = onsets.size();
  // conflict[i][j]: i and j cannot both be first arrivals of one source.
  std::vector<std::vector<bool>> conflict(n, std::vector<bool>(n, false));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const StationOnset &a = onsets[i], &b = onsets[j];
      double bound = params.max_moveout_s;
      if (a.coords && b.coords)
        bound = catalog::distance_km(a.coords->first, a.coords->second, b.coords->first, b.coords->second) /
                params.vp_min_km_s;
      bound += params.slack_s + a.uncertainty_s + b.uncertainty_s;
      conflict[i][j] = conflict[j][i] = std::fabs(a.time_s - b.time_s) > bound;
    }
  std::vector<bool> gone(n, false);
  for (;;) {
    std::vector<double> times;
    for (std::size_t i = 0; i < n; ++i)
      if (!gone[i]) times.push_back(onsets[i].time_s);
    if (times.empty()) break;
    std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2), times.end());
    const double median = times[times.size() / 2];
    std::size_t worst = n;
    int worst_conflicts = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (gone[i]) continue;
      int c = 0;
      for (std::size_t j = 0; j < n; ++j) c += !gone[j] && conflict[i][j];
      if (c == 0) continue;
      if (c > worst_conflicts ||
          (c == worst_conflicts &&
           std::fabs(onsets[i].time_s - median) > std::fabs(onsets[worst].time_s - median))) {
        worst = i;
        worst_conflicts = c;
      }
    }
    if (worst == n) break;
    gone[worst] = true;
  }
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i)
    if (gone[i]) out.push_back(i);
  return out;
}

}  // namespace qp::post
