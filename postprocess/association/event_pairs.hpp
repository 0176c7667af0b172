// Event-pair extraction at one station: clusters of similar fingerprint pairs
// along neighbouring diagonals (constant inter-event time dt) are one pair of
// similar events. Follows FAST's p_triplet_to_diags / diags_to_event_list /
// prune_events / _get_ddiag_bbox exactly (fast-method.md 1.5.4 steps 2-5),
// except that weak pairs are skipped instead of hanging (FAST's infinite loop).
#pragma once

#include <cstdint>
#include <vector>

#include "postprocess/association/association_params.hpp"
#include "postprocess/association/station_pairs.hpp"

namespace qp::post {

struct EventPair {
  int station = 0;
  std::int64_t ddiag = 0;  ///< dominant dt: the single dt, or the dt of the strongest pair
  std::int64_t dtmin = 0, dtmax = 0;
  std::int64_t t1min = 0, t1max = 0;  ///< earlier event's grid indices
  int ndets = 0;                      ///< fingerprint pairs in the cluster
  std::int64_t vol = 0;               ///< summed votes
  std::int64_t peak = 0;              ///< largest votes

  bool operator==(const EventPair& o) const {
    return station == o.station && ddiag == o.ddiag && dtmin == o.dtmin && dtmax == o.dtmax &&
           t1min == o.t1min && t1max == o.t1max && ndets == o.ndets && vol == o.vol &&
           peak == o.peak;
  }
};

/// rank[n] = the place of std::to_string(n) among the strings of 0, 1, ..., N
/// in lexicographic order (FAST's cluster ids are such strings).
std::vector<std::int64_t> decimal_string_ranks(std::int64_t N);

/// Event pairs of one station from its channel-combined pairs (any order).
/// Returned sorted by (ddiag, t1min, t1max, dtmin, dtmax).
std::vector<EventPair> extract_event_pairs(int station, const std::vector<StationPair>& pairs,
                                           const AssociationParams& params);

/// extract_event_pairs for every station (index = station), in parallel over
/// stations with OpenMP; the result does not depend on the thread count.
std::vector<std::vector<EventPair>> extract_event_pairs_all(
    const std::vector<std::vector<StationPair>>& per_station, const AssociationParams& params);

}  // namespace qp::post
