// Internal: the derived checks shared by AssociationParams::validate() and
// from_config(), so both report the same key and reason.
#pragma once

#include "postprocess/association/association_params.hpp"

namespace qp::post::detail {

template <class Fail>
void check_params(const AssociationParams& p, Fail&& fail) {
  if (p.dgapL < 0) fail("dgapL", "must be >= 0");
  if (p.dgapW < 0) fail("dgapW", "must be >= 0");
  if (p.num_pass < 0) fail("num_pass", "must be >= 0");
  if (p.min_dets < 1) fail("min_dets", "must be >= 1");
  if (p.min_sum_multiplier < 0) fail("min_sum_multiplier", "must be >= 0");
  if (p.max_width < 0) fail("max_width", "must be >= 0");
  if (p.ivals_thresh < 1) fail("ivals_thresh", "must be >= 1");
  if (p.input_offset < 0) fail("input_offset", "must be >= 0");
  if (p.nsta_thresh < 1) fail("nsta_thresh", "must be >= 1");
  if (p.channel_threshold < 1) fail("channel_threshold", "must be >= 1");
  if (p.one_component_scale < 1) fail("one_component_scale", "must be >= 1");
  if (p.max_event_gap < 0) fail("max_event_gap", "must be >= 0");
  if (p.min_pair_spacing < 0) fail("min_pair_spacing", "must be >= 0");
}

}  // namespace qp::post::detail
