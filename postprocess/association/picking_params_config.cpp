// The [picking] table lives apart from the picker so that code using only
// the plain struct does not pull in the config reader.
#include "pipeline/config.hpp"
#include "pipeline/param_table.hpp"
#include "postprocess/association/picking.hpp"

namespace qp::post {

const ParamTable<PickingParams>& picking_param_table() {
  using P = PickingParams;
  static const auto table =
      ParamTable<P>("picking",
                    "The associate stage's picker: P and S onsets, phase choice, re-picking after location "
                    "(postprocess/association/picking.hpp). The defaults are the values the picker always used.")
          .number("min_onset_snr", &P::min_onset_snr, {0.0, 1e6}, "",
                  "Amplitude ratio of a first onset (P), or of an S on the horizontals.")
          .number("min_one_station_snr", &P::min_one_station_snr, {0.0, 1e6}, "",
                  "The onset of an event seen at one station only (no moveout tells it from a noise burst); "
                  "below it the pick is an estimate.")
          .flag("one_station_needs_s", &P::one_station_needs_s,
                "An event seen at one three-component station needs an S on the horizontals after its P (at "
                "min_onset_snr, or a rise at min_weak_p_snr for a near source's S in the P coda): P then S is a "
                "single station's evidence of an earthquake, repeating noise bursts have no S; without one its "
                "pick is an estimate. One-component stations are exempt.")
          .flag("one_station_family_s_p", &P::one_station_family_s_p,
                "An event seen at one three-component station is reported only where its P and S show its "
                "family's S-P at that station (the S-P two or more members of its family agree on, within "
                "same_onset_s): repeating noise bursts have onsets but no second arrival at a fixed time after "
                "the first; the family's other members are found by the match stage. Otherwise its picks are "
                "estimates. Its picked S must also rise above the noise before it (min_weak_p_snr), and a "
                "family with two or more P-S pairs none of whose S so rises is noise: none of its members is "
                "reported. A family that shows no S-P otherwise tests nothing. One-component stations are "
                "exempt.")
          .number("min_weak_p_snr", &P::min_weak_p_snr, {0.0, 1e6}, "",
                  "A weaker vertical onset taken as the P before an S-like onset.")
          .number("min_s_minus_p_s", &P::min_s_minus_p_s, {0.0, 600.0}, "s", "S is searched from this long after a P onset.")
          .number("max_s_minus_p_s", &P::max_s_minus_p_s, {0.0, 600.0}, "s",
                  "... to this long after it (S-P grows by about 1 s per 8 km; 12 s covers a local network). "
                  "Must exceed min_s_minus_p_s.")
          .number("consistent_offset_s", &P::consistent_offset_s, {0.0, 60.0}, "s",
                  "Onsets of one event agree within this relative to their station's first matching "
                  "fingerprint; a station leading the others' median by more is picked again within it.")
          .number("same_onset_s", &P::same_onset_s, {0.0, 60.0}, "s",
                  "Two onsets at one station this close are one arrival; an earlier event's S is never a later "
                  "event's onset.")
          .number("coda_s", &P::coda_s, {0.0, 3600.0}, "s",
                  "A local event's coda: picks this long after its arrivals at a station belong to it.")
          .number("repick_tolerance_s", &P::repick_tolerance_s, {0.0, 60.0}, "s",
                  "A located event's picks further than this from the predicted P are searched again within it.")
          .number("repick_min_snr", &P::repick_min_snr, {0.0, 1e6}, "",
                  "Amplitude ratio an onset found near a predicted P needs.")
          .number("max_onset_residual_s", &P::max_onset_residual_s, {0.0, 600.0}, "s",
                  "A located event's clear onset this far from its predicted P is not its P.")
          .integer("min_onsets_for_offset", &P::min_onsets_for_offset, {1, 1 << 30}, "onsets",
                   "Clear onsets needed to learn the run's typical onset offset from the first matching "
                   "fingerprint (given to stations without an onset).");
  return table;
}

PickingParams PickingParams::from_config(qp::ConfigSection& s) {
  PickingParams p;
  picking_param_table().read(s, p);
  if (p.max_s_minus_p_s <= p.min_s_minus_p_s)
    s.fail("max_s_minus_p_s", "must exceed min_s_minus_p_s (the S search window would be empty)");
  return p;
}

}  // namespace qp::post
