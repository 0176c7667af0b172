// Parameters of network association, config section [associate].
//
// The members keep FAST's names and meanings (docs/network_detection.md of
// FAST; fast-method.md 1.5.3); all lengths are in network grid indices (one
// index = dt_fp). The config keys, with lengths in seconds, their ranges and
// meanings are declared once in association_param_table().
#pragma once

#include <cstdint>

#include "pipeline/param_table.hpp"

namespace qp::post {

struct AssociationParams {
  // --- FAST's network parameters -------------------------------------------
  /// Largest gap along one diagonal inside one event-pair cluster (about the
  /// P-S time).
  std::int64_t dgapL = 10;
  /// Largest gap across adjacent diagonals when merging clusters.
  std::int64_t dgapW = 3;
  /// Alternating forward/backward merge sweeps over adjacent diagonals.
  int num_pass = 2;
  /// Fewest fingerprint pairs (triplets) an event-pair cluster must hold.
  int min_dets = 3;
  /// A cluster needs summed votes >= min_sum_multiplier*ivals_thresh*min_dets.
  double min_sum_multiplier = 1.0;
  /// Clusters spreading over more than this many diagonals are dropped.
  std::int64_t max_width = 8;
  /// Fingerprint pairs with fewer (channel-combined) votes are ignored.
  int ivals_thresh = 6;
  /// Largest gap between one station's cluster end and another station's
  /// cluster start for the two to be the same network event pair.
  std::int64_t input_offset = 15;
  /// Fewest distinct stations a network event pair must be seen at.
  int nsta_thresh = 2;

  // --- quakeprint additions -------------------------------------------------
  /// Summed votes a station pair needs after channel combination (FAST's
  /// `-t` of parse_results.py: components x nvotes). Defaults to ivals_thresh.
  int channel_threshold = 6;
  /// Votes of one-component stations are multiplied by this so they are on
  /// the scale of three-component stations (FAST's awk step).
  int one_component_scale = 3;
  /// Event resolution: two sightings of an event (one side of a network
  /// event pair) are the same event only if, over the stations both saw, the
  /// median difference of their window starts is at most this much. Keeps events a few seconds
  /// apart separate, where FAST merges everything that overlaps in time.
  std::int64_t max_event_gap = 3;
  /// Network event pairs whose two events lie closer than this are not
  /// repeats: their fingerprints overlap in time, so they share samples (an
  /// event's coda, or slowly varying noise, matching itself a few seconds
  /// later). FAST's near_repeats excludes only the nearest such pairs. The
  /// config default is the fingerprint window span; 0 keeps every pair.
  std::int64_t min_pair_spacing = 0;

  // --- read with [associate], applied by the associate stage ----------------
  /// Events whose arrivals agree within this at every shared station are one event.
  double duplicate_window_s = 2.0;
  /// Events seen at fewer stations than this with no clear onset at any are
  /// not reported (0 keeps them).
  int min_stations_without_onset = 3;

  /// FAST's min_sum.
  double min_sum() const { return min_sum_multiplier * ivals_thresh * min_dets; }

  /// Throws qp::ConfigError("associate.<key>", why) for inconsistent values.
  void validate() const;

  /// Reads every key of [associate] with its default and validates;
  /// min_pair_spacing defaults to `default_min_pair_spacing` (the pipeline
  /// passes the fingerprint window span in grid steps), lengths in seconds
  /// are divided by `dt_fp_s`, and nsta_thresh defaults to at most
  /// `n_stations` (0: unknown).
  static AssociationParams from_config(qp::ConfigSection& s, std::int64_t default_min_pair_spacing = 0,
                                       double dt_fp_s = 1.0, int n_stations = 0);
};

/// The [associate] keys (pipeline/param_table.hpp).
const qp::ParamTable<AssociationParams>& association_param_table();

}  // namespace qp::post
