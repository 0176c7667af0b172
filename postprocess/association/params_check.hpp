// Internal: the derived checks shared by AssociationParams::validate() and
// from_config(), so both report the same key and reason.
#pragma once

#include "postprocess/association/association_params.hpp"

namespace qp::post::detail {

template <class Fail>
void check_params(const AssociationParams& p, Fail&& fail) {
  if (p.dgapL < 0) fail("min_event_gap_s", "must be >= 0");
  if (p.dgapW < 0) fail("max_merge_gap_s", "must be >= 0");
  if (p.num_pass < 0) fail("merge_passes", "must be >= 0");
  if (p.min_dets < 1) fail("min_cluster_pairs", "must be >= 1");
  if (p.min_sum_multiplier < 0) fail("min_sum_multiplier", "must be >= 0");
  if (p.max_width < 0) fail("max_lag_spread_s", "must be >= 0");
  if (p.ivals_thresh < 1) fail("min_pair_votes", "must be >= 1");
  if (p.input_offset < 0) fail("max_station_offset_s", "must be >= 0");
  if (p.nsta_thresh < 1) fail("min_stations", "must be >= 1");
  if (p.channel_threshold < 1) fail("channel_threshold", "must be >= 1");
  if (p.one_component_scale < 1) fail("one_component_scale", "must be >= 1");
  if (p.max_event_gap < 0) fail("max_event_gap_s", "must be >= 0");
  if (p.min_pair_spacing < 0) fail("min_pair_spacing_s", "must be >= 0");
}

}  // namespace qp::post::detail
