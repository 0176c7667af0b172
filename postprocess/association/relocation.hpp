// Locate, re-pick near the predicted P, locate again: one event at a time.
//
// A station whose pick lies far from the P arrival the location predicts (a
// later phase, the previous event, a noise burst) is searched again near the
// prediction; its S onset there becomes its P (post::p_after_location), and
// the event is located again with what was found. Each event is independent
// of the others, so events can be located in any order, on any rank.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "postprocess/association/picking.hpp"
#include "postprocess/association/sightings.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/location.hpp"
#include "postprocess/catalog/stations.hpp"

namespace qp::post {

/// Arrival times predicted by located events at stations of `table` with
/// `model` (the table and model must outlive the predictor).
ArrivalPredictor arrival_predictor(const catalog::StationTable& table, const VelocityModel& model);

struct RelocationSetup {
  const catalog::StationTable* coords = nullptr;  ///< required
  /// Location parameters; picks at least kEstimateUncertaintyS uncertain
  /// (estimates, some predicted by a location) never locate.
  catalog::LocationParams location;
  /// Each station's pick channel (NET.STA -> SEED id): where its P is searched.
  std::map<std::string, std::string> pick_channel;
  PickingParams params;
};

/// The P onsets of `e` that are its S (post::p_onset_is_s): at a station
/// whose other stations' onsets constrain a location on their own (P at two
/// or more of them, an S among them, min_picks in all), the event is
/// located with the station's onset labelled P taken as its S (its other S
/// onsets left out); where that location (within the location's limits)
/// puts the station's S at the onset and its P far before it, the onset is
/// the S when the times say so (as P they fit worse by more than the
/// model's error) or a weaker vertical onset lies at the predicted P (P
/// arrives first; that onset becomes the station's P). Two stations' S-P
/// leave the others' location a mirror image across the line between them,
/// so the times alone can fit both labels: then, without that weaker onset,
/// the labels stay. The station's other S onsets go. Where the other
/// stations number min_stations (catalog::locate can leave the station out
/// and tries a P outlier as S itself), only an onset the event's location
/// leaves over the re-pick tolerance late, or one with a weaker vertical
/// onset within S-P reach before it, is tried (each trial is a location).
/// Decided on the picks as given, for every station at once. Returns the
/// onsets relabelled.
/// Where the times fit both labels and no weaker onset decides, the
/// location with the onset as S goes to `other_fits` (where given).
struct OtherFit {
  std::string seed_id;  ///< the onset left labelled P
  TimeNs time = 0;
  double latitude = 0, longitude = 0;  ///< the epicentre with it as S
};
/// `located_as_is`: e's origin fields are its picks' location as they are
/// (catalog::locate_events with setup.location; none: they do not locate),
/// not located again here.
std::size_t relabel_s_taken_as_p(catalog::Event& e, const RelocationSetup& setup, const WaveformReader& read,
                                 std::vector<OtherFit>* other_fits = nullptr, bool located_as_is = false);

/// Relabels the S onsets taken as P (relabel_s_taken_as_p), locates `e`
/// (catalog::locate_events); where located, and where most of its P onsets
/// agree with the location, picks each station's P near the predicted P
/// again (a station whose P became its S is searched there), then locates it
/// again. Where an onset still labelled P fits as S as well (OtherFit), the
/// horizontal uncertainty reaches that epicentre too, and beyond the
/// location's max_horizontal_uncertainty_km the event stays unlocated: two
/// equally good sources are no confident point. Returns the picks changed.
std::size_t locate_and_repick(catalog::Event& e, const RelocationSetup& setup, const WaveformReader& read);

/// Sightings merged once more after relocation (post::merge_sightings: a
/// location tells a later sighting made of its S arrivals, re-picks bring
/// two sightings' first arrivals together). An event that gains picks there
/// is located again through locate_and_repick, not a bare location: the
/// onsets a merged sighting brings (a far station's S taken as P) meet the
/// same rule as every other event's. `events` are replaced as by
/// merge_sightings; `grown` gets each event that gained picks (index into
/// the events kept) where given. Returns the merges.
MergedSightings merge_and_relocate(std::vector<catalog::Event>& events, const SightingMergeParams& params,
                                   const RelocationSetup& setup, const WaveformReader& read,
                                   std::vector<std::size_t>* grown = nullptr);

}  // namespace qp::post
