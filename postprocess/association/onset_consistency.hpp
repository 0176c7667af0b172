// Network consistency of one event's first-arrival onsets.
//
// One station's picker sees only its own window and, in real noise, often
// takes a burst seconds before the event for its onset. Across stations the
// first arrivals of one source obey the triangle inequality: two stations
// d km apart see P at most d / vp_min seconds apart. Onsets that break it
// with most of the others are not the event's.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace qp::post {

struct StationOnset {
  double time_s = 0;         ///< onset, seconds on any common clock
  double uncertainty_s = 0;  ///< the onset's own uncertainty
  /// (latitude, longitude) of the station when known.
  std::optional<std::pair<double, double>> coords;
};

struct OnsetConsistencyParams {
  double vp_min_km_s = 5.0;   ///< slowest P velocity between stations
  /// Largest moveout allowed between two stations when either lacks
  /// coordinates.
  double max_moveout_s = 5.0;
  double slack_s = 0.5;       ///< added to every pair's bound (plus both uncertainties)
};

/// Indices of the onsets to reject, ascending: repeatedly the onset that
/// conflicts with the most others (ties: the one furthest from the median
/// time) is removed until no two of the rest conflict.
std::vector<std::size_t> inconsistent_onsets(const std::vector<StationOnset>& onsets,
                                             const OnsetConsistencyParams& params);

}  // namespace qp::post
