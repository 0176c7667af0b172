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

/// Locates `e` (catalog::locate_events); where located, and where most of
/// its P onsets agree with the location, picks each station's P near the
/// predicted P again, then locates it again. Returns the picks changed.
std::size_t locate_and_repick(catalog::Event& e, const RelocationSetup& setup, const WaveformReader& read);

}  // namespace qp::post
