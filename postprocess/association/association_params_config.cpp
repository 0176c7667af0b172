// AssociationParams::from_config lives apart from validate() so that code
// using only the plain struct does not pull in the config reader.
#include "postprocess/association/association_params.hpp"
#include "postprocess/association/params_check.hpp"

namespace qp::post {

AssociationParams AssociationParams::from_config(qp::ConfigSection& s, std::int64_t default_min_pair_spacing) {
  AssociationParams p;
  const std::int64_t kBig = std::int64_t{1} << 40;
  p.dgapL = s.get_int("dgapL", p.dgapL, 0, kBig);
  p.dgapW = s.get_int("dgapW", p.dgapW, 0, kBig);
  p.num_pass = static_cast<int>(s.get_int("num_pass", p.num_pass, 0, 1000));
  p.min_dets = static_cast<int>(s.get_int("min_dets", p.min_dets, 1, 1 << 30));
  p.min_sum_multiplier = s.get_double("min_sum_multiplier", p.min_sum_multiplier, 0, 1e9);
  p.max_width = s.get_int("max_width", p.max_width, 0, kBig);
  p.ivals_thresh = static_cast<int>(s.get_int("ivals_thresh", p.ivals_thresh, 1, 1 << 30));
  p.input_offset = s.get_int("input_offset", p.input_offset, 0, kBig);
  p.nsta_thresh = static_cast<int>(s.get_int("nsta_thresh", p.nsta_thresh, 1, 1 << 20));
  // FAST's rule: the channel threshold is the same vote scale as ivals_thresh.
  p.channel_threshold =
      static_cast<int>(s.get_int("channel_threshold", p.ivals_thresh, 1, 1 << 30));
  p.one_component_scale =
      static_cast<int>(s.get_int("one_component_scale", p.one_component_scale, 1, 1000));
  p.max_event_gap = s.get_int("max_event_gap", p.max_event_gap, 0, kBig);
  p.min_pair_spacing = s.get_int("min_pair_spacing", default_min_pair_spacing, 0, kBig);
  detail::check_params(p, [&s](const char* key, const char* why) { s.fail(key, why); });
  return p;
}

}  // namespace qp::post
