// PickingParams::from_config lives apart from the picker so that code using
// only the plain struct does not pull in the config reader.
#include "pipeline/config.hpp"
#include "postprocess/association/picking.hpp"

namespace qp::post {

PickingParams PickingParams::from_config(qp::ConfigSection& s) {
  PickingParams p;
  p.consistent_offset_s = s.get_double("consistent_offset_s", p.consistent_offset_s, 0.0, 60.0);
  p.repick_tolerance_s = s.get_double("repick_tolerance_s", p.repick_tolerance_s, 0.0, 60.0);
  p.repick_min_snr = s.get_double("repick_min_snr", p.repick_min_snr, 0.0, 1e6);
  p.max_onset_residual_s = s.get_double("max_onset_residual_s", p.max_onset_residual_s, 0.0, 600.0);
  p.min_onset_snr = s.get_double("min_onset_snr", p.min_onset_snr, 0.0, 1e6);
  p.min_one_station_snr = s.get_double("min_one_station_snr", p.min_one_station_snr, 0.0, 1e6);
  p.min_weak_p_snr = s.get_double("min_weak_p_snr", p.min_weak_p_snr, 0.0, 1e6);
  p.min_s_minus_p_s = s.get_double("min_s_minus_p_s", p.min_s_minus_p_s, 0.0, 600.0);
  p.max_s_minus_p_s = s.get_double("max_s_minus_p_s", p.max_s_minus_p_s, 0.0, 600.0);
  p.same_onset_s = s.get_double("same_onset_s", p.same_onset_s, 0.0, 60.0);
  p.coda_s = s.get_double("coda_s", p.coda_s, 0.0, 3600.0);
  p.min_onsets_for_offset =
      static_cast<int>(s.get_int("min_onsets_for_offset", p.min_onsets_for_offset, 1, 1 << 30));
  if (p.max_s_minus_p_s <= p.min_s_minus_p_s)
    s.fail("max_s_minus_p_s", "must exceed min_s_minus_p_s (the S search window would be empty)");
  return p;
}

}  // namespace qp::post
