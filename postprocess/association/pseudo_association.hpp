// Pseudo-association (Bergen & Beroza 2018, as FAST's associate_network_diags
// does it): event pairs at different stations with the same inter-event time
// (dominant diagonals k and k+1) whose start times are within input_offset are
// one network event pair. The inter-event time does not depend on the station,
// so no moveout model is needed (fast-method.md 1.5.4 step 6).
#pragma once

#include <cstdint>
#include <vector>

#include "postprocess/association/association_params.hpp"
#include "postprocess/association/event_pairs.hpp"

namespace qp::post {

struct NetworkEventPair {
  std::vector<EventPair> members;  ///< station event pairs, in (ddiag, t1min) order
  int n_stations = 0;              ///< distinct stations among the members
  std::int64_t dt = 0;             ///< median member ddiag, truncated (FAST's 'dt')
  std::int64_t ndets = 0;          ///< summed member ndets
  std::int64_t vol = 0;            ///< summed member vol
  std::int64_t peaksum = 0;        ///< sum over stations of the largest member peak
};

/// Groups event pairs (index = station) into network event pairs with FAST's
/// exact grouping rule, including its relabelling (a group takes the smallest
/// existing network id; members' old ids elsewhere are not rewritten). Returned
/// in network-id order; groups of one station never form (FAST's rule), the
/// nsta_thresh cut is left to event resolution. With nsta_thresh 1, each
/// event pair left out of every group is a network event pair of its own
/// (numbered after the groups, in (ddiag, t1min) order).
std::vector<NetworkEventPair> pseudo_associate(const std::vector<std::vector<EventPair>>& per_station,
                                               const AssociationParams& params);

}  // namespace qp::post
