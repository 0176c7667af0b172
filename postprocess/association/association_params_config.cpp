// The [associate] table: every key's name, range, unit and meaning, and
// from_config on top of it. Lengths are given in seconds and kept in
// fingerprint grid steps (dt_fp); FAST's names, in steps, are still read.
#include <algorithm>

#include "postprocess/association/association_params.hpp"
#include "postprocess/association/params_check.hpp"

namespace qp::post {

const ParamTable<AssociationParams>& association_param_table() {
  using P = AssociationParams;
  const IntRange steps{0, std::int64_t{1} << 40};
  static const auto table =
      ParamTable<P>("associate",
                    "Network association: fingerprint pairs -> event-pair clusters per station -> network "
                    "events (FAST's network detection, fast-method.md 1.5). Lengths are in seconds and must "
                    "be whole multiples of the fingerprint grid step dt_fp (fingerprint.spec_lag x fp_lag); "
                    "FAST's names are accepted in grid steps.")
          .steps("min_event_gap_s", &P::dgapL, steps,
                 "A gap longer than this between consecutive fingerprint pairs along one inter-event time "
                 "(diagonal) ends an event-pair cluster; about the P-S time.",
                 "dgapL")
          .steps("max_merge_gap_s", &P::dgapW, steps,
                 "Clusters on adjacent diagonals (inter-event times one grid step apart) merge when their "
                 "times lie at most this far apart.",
                 "dgapW")
          .integer("merge_passes", &P::num_pass, {0, 1000}, "",
                   "Alternating forward/backward merge sweeps over adjacent diagonals.", "num_pass")
          .integer("min_cluster_pairs", &P::min_dets, {1, 1 << 30}, "",
                   "Fewest fingerprint pairs an event-pair cluster must hold.", "min_dets")
          .number("min_sum_multiplier", &P::min_sum_multiplier, {0, 1e9}, "",
                  "A cluster needs summed votes >= min_sum_multiplier x min_pair_votes x min_cluster_pairs "
                  "(FAST's min_sum).")
          .steps("max_lag_spread_s", &P::max_width, steps,
                 "Clusters spreading over a wider range of inter-event times than this are dropped.", "max_width")
          .integer("min_pair_votes", &P::ivals_thresh, {1, 1 << 30}, "votes",
                   "Fingerprint pairs with fewer votes (channels of a station combined) are ignored.",
                   "ivals_thresh")
          .steps("max_station_offset_s", &P::input_offset, steps,
                 "Largest gap between one station's cluster and another station's for the two to be one "
                 "network event pair.",
                 "input_offset")
          .integer("min_stations", &P::nsta_thresh, {1, 1 << 20}, "stations",
                   "Fewest distinct stations a network event pair must be seen at; 1 detects on a single "
                   "station (catalog-format.md \"One-station events\").",
                   "nsta_thresh")
          .default_from({}, "2, or the number of stations when the config lists fewer")
          .integer("channel_threshold", &P::channel_threshold, {1, 1 << 30}, "votes",
                   "Summed votes a station pair needs after combining its channels (FAST's -t of "
                   "parse_results.py: components x nvotes).")
          .default_from([](P& p) { p.channel_threshold = p.ivals_thresh; }, "min_pair_votes")
          .integer("one_component_scale", &P::one_component_scale, {1, 1000}, "",
                   "Votes of one-component stations are multiplied by this, to the scale of three-component "
                   "stations (FAST's awk step).")
          .steps("max_event_gap_s", &P::max_event_gap, steps,
                 "Two sightings of an event are one event only if, over the stations both saw, the median "
                 "difference of their window starts is at most this (events a few seconds apart stay "
                 "separate; FAST merges all that overlap).",
                 "max_event_gap")
          .steps("min_pair_spacing_s", &P::min_pair_spacing, steps,
                 "Network event pairs whose two events lie closer than this are not repeats: their "
                 "fingerprints overlap in time and share samples. 0 keeps every pair, as FAST does.",
                 "min_pair_spacing")
          .default_from({}, "the fingerprint window span, rounded up to whole dt_fp")
          .number("duplicate_window_s", &P::duplicate_window_s, {0.0, 60.0}, "s",
                  "Events whose arrivals agree within this at every shared station are one event.")
          .integer("min_stations_without_onset", &P::min_stations_without_onset, {0, 1 << 20}, "stations",
                   "Events seen at fewer stations than this with no clear onset at any are not reported; 0 "
                   "keeps them.");
  return table;
}

AssociationParams AssociationParams::from_config(qp::ConfigSection& s, std::int64_t default_min_pair_spacing,
                                                 double dt_fp_s, int n_stations) {
  AssociationParams p;
  p.min_pair_spacing = default_min_pair_spacing;
  // A default never contradicts the station list.
  if (n_stations > 0) p.nsta_thresh = std::max(1, std::min(p.nsta_thresh, n_stations));
  association_param_table().read(s, p, ParamContext{dt_fp_s});
  detail::check_params(p, [&s](const char* key, const char* why) { s.fail(key, why); });
  return p;
}

}  // namespace qp::post
