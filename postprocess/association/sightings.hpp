// From network events to catalog events: one earthquake, one event.
//
// Event resolution keeps events a few seconds apart separate, so one
// earthquake can come out as several sightings: the same onsets seen through
// different partners, its S arrivals taken for a new event's P, or its coda
// matching a partner's coda. These functions check one event's picks against
// each other and merge the sightings that bring nothing of their own.
//
// A pick "has an onset" when its picker saw one; picks at least
// kEstimateUncertaintyS uncertain are estimates (a typical-offset or
// predicted time) and never decide anything alone.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/time.hpp"
#include "pipeline/velocity_model.hpp"
#include "postprocess/association/onset_consistency.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/stations.hpp"

namespace qp::post {

/// Picks at least this uncertain (seconds) are estimates, not onsets.
constexpr double kEstimateUncertaintyS = 1.0;

inline bool has_onset(const catalog::Pick& p) { return p.uncertainty_s < kEstimateUncertaintyS; }

/// The first P arrival: the earliest P onset; else the earliest P estimate;
/// else the earliest pick of any phase.
TimeNs first_arrival_of(const catalog::Event& e);

/// Picks in (SEED id, phase) order; stations, n_stations and first_arrival
/// from the picks.
void finish_event(catalog::Event& e);

/// P onsets that no single source explains together with the others (a
/// noise burst before the event, the previous event of a swarm) become
/// estimates of uncertainty `estimate_uncertainty_s`. Where such a station
/// has an S onset that fits as its first arrival, the noise came first: the
/// S becomes its P (and the estimate goes). Otherwise that S, picked after a
/// false P, is dropped. Coordinates, where given, tighten the bound.
void reject_inconsistent_onsets(catalog::Event& e, const catalog::StationTable* coords,
                                const OnsetConsistencyParams& params, double estimate_uncertainty_s);

/// Events seen at fewer than `min_stations` stations with no onset at any are
/// not reported: two stations' fingerprints matching with nothing visible and
/// no moveout to check is noise as often as an earthquake.
bool reportable(const catalog::Event& e, int min_stations);

struct SightingMergeParams {
  /// First arrivals this close, or onsets agreeing this closely at half the
  /// stations both picked: one event.
  TimeNs duplicate_window = 2 * kNsPerSecond;
  /// Two onsets at one station this close are the same arrival.
  TimeNs same_onset = kNsPerSecond / 2;
  /// A local event's coda: picks this long after its picks at a station
  /// belong to it.
  TimeNs coda = 20 * kNsPerSecond;
  /// A later sighting's onset this close to the earlier event's predicted S
  /// is that S.
  TimeNs predicted_tolerance = kNsPerSecond;
  /// Sightings whose first arrivals lie further apart are never compared.
  TimeNs max_separation = 30 * kNsPerSecond;
};

/// Arrival time of a phase at a channel predicted from a located event;
/// nullopt where the event is not located or the channel has no coordinates.
using ArrivalPredictor =
    std::function<std::optional<TimeNs>(const catalog::Event&, const std::string& seed_id, Phase)>;

/// Does `later` bring nothing of its own next to `earlier`? Each of its
/// onsets is one of the earlier event's onsets at that station or, once the
/// earlier is located, its predicted S there, or (an S onset) lies in the
/// earlier event's coda; a sighting without onsets has all its picks in
/// the earlier's coda.
bool nothing_new(const catalog::Event& earlier, const catalog::Event& later, const SightingMergeParams& params,
                 const ArrivalPredictor& predict);

struct MergedSightings {
  /// For each event kept, in first-arrival order: its index in the input.
  std::vector<std::size_t> origin;
  /// (dropped, kept) input indices, in the order the merges happened.
  std::vector<std::pair<std::size_t, std::size_t>> merges;
};

/// Merges the sightings of one earthquake in `events` (replaced by the
/// events kept, finished, in first-arrival order). The one kept is the
/// earlier by first arrival, unless that one has nothing of its own; it
/// gains the stations only the other saw, the larger score, and the sum of
/// their links.
MergedSightings merge_sightings(std::vector<catalog::Event>& events, const SightingMergeParams& params,
                                const ArrivalPredictor& predict);

}  // namespace qp::post
