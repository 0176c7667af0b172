// Picking: the P and S onsets of a network event at each station that saw it.
//
// FAST dates a detection by the centre of each station's first matching
// fingerprint, seconds before the onset. For each station of an event the
// picker searches the onset from a little before that centre to the window's
// end (post::refine_arrival); stations whose onset leads the event's others
// (the previous event of a swarm, a noise burst) are picked again near the
// others' offset; each first onset is labelled P or S by where its energy
// lies (post::label_first_onsets) and S is searched on the horizontals
// after each P. Once an event is located, picks far from the predicted P are
// searched again near it (repick_near_prediction).
//
// Waveforms come through a WaveformReader, so the library reads no files and
// tests feed hand-made traces.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pipeline/time.hpp"
#include "postprocess/association/network_events.hpp"
#include "postprocess/association/onset_consistency.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/location.hpp"
#include "postprocess/catalog/stations.hpp"

namespace qp {
class ConfigSection;
template <class P>
class ParamTable;
}

namespace qp::post {

/// [picking]: the picker's thresholds and time spans (docs/config.md).
struct PickingParams {
  /// Onsets of one event agree within this (s) once each is taken relative
  /// to its station's first matching fingerprint; a station leading the
  /// others' median by more is picked again within it.
  double consistent_offset_s = 1.5;
  /// A located event's picks further than this (s) from the predicted P are
  /// searched again within it.
  double repick_tolerance_s = 1.0;
  /// Signal-to-noise (amplitude ratio) an onset near a predicted P needs:
  /// a narrow window holds little noise to judge against.
  double repick_min_snr = 3.0;
  /// A located event's clear onset this far (s) from its predicted P is not
  /// its P.
  double max_onset_residual_s = 2.0;
  /// Signal-to-noise of a first onset (P) or of an S on the horizontals.
  double min_onset_snr = 3.0;
  /// Signal-to-noise of the onset of an event seen at one station only
  /// (no moveout tells it from a noise burst); below it the pick is an estimate.
  double min_one_station_snr = 5.0;
  /// An event seen at one three-component station needs an S on the
  /// horizontals after its P (at min_onset_snr, or a rise at min_weak_p_snr:
  /// a near source's S in the P coda; else its pick is an estimate): P then S is the
  /// one signature of an earthquake a single station has; noise bursts that
  /// repeat have an onset but no S.
  bool one_station_needs_s = true;
  /// An event seen at one three-component station is reported only where
  /// its P and S show its family's S-P at that station
  /// (post::align_family_phases): repeating noise bursts have onsets, but no
  /// second arrival at one fixed time after the first in every member. The
  /// family's other members are found by the match stage from the members
  /// that show it. A family that shows no S-P tests nothing. One-component
  /// stations are exempt.
  bool one_station_family_s_p = true;
  /// Signal-to-noise of a weaker vertical onset taken as the P before an
  /// S-like onset.
  double min_weak_p_snr = 2.0;
  /// S is searched from this long (s) after a P onset...
  double min_s_minus_p_s = 0.3;
  /// ... to this long after it: S-P grows by about 1 s per 8 km of distance,
  /// so 12 s covers a local network.
  double max_s_minus_p_s = 12.0;
  /// Two onsets at one station this close (s) are the same arrival.
  double same_onset_s = 0.5;
  /// A local event's coda at a station (s): picks this long after its
  /// arrivals there belong to it.
  double coda_s = 20.0;
  /// Clear onsets needed to learn the run's typical onset offset from the
  /// first matching fingerprint (given to stations without an onset).
  int min_onsets_for_offset = 5;

  /// Reads and checks [picking] (ConfigError naming the key).
  static PickingParams from_config(ConfigSection& s);
};

/// The [picking] keys (pipeline/param_table.hpp).
const ParamTable<PickingParams>& picking_param_table();

/// Samples of one channel from `start` at `sampling_rate` Hz (holes zero).
struct WaveformSpan {
  TimeNs start = 0;
  double sampling_rate = 0;
  std::vector<float> samples;
};

/// The samples of channel `seed_id` in [begin, end) (empty where none).
using WaveformReader = std::function<WaveformSpan(const std::string& seed_id, TimeNs begin, TimeNs end)>;

/// A station as the picker sees it.
struct PickingStation {
  std::string id;                        ///< NET.STA
  std::vector<std::string> channels;     ///< its channels' SEED ids, sorted
  std::string pick_channel;              ///< the vertical where there is one, else the first channel
  std::vector<std::string> horizontals;  ///< the others, when pick_channel is vertical
};

/// What the picker holds of one event at one station.
struct StationPick {
  TimeNs centre = 0;       ///< centre of the station's first matching fingerprint
  WaveformSpan wf;         ///< the pick channel around it (dropped once picked)
  catalog::Pick pick;      ///< P (or S where labelled so), or an estimate
  bool estimated = false;  ///< time set from the event's other stations
  double snr = 0;          ///< of the onset, where one was found
  /// The onset's own uncertainty, where a one-station rule
  /// (min_one_station_snr, one_station_needs_s) made the pick an estimate
  /// (post::align_family_phases may make it clear again); 0 otherwise.
  double onset_uncertainty_s = 0;
  std::optional<catalog::Pick> s_pick;  ///< on a horizontal, after a P onset
};

/// Everything the picker needs besides the waveforms.
struct PickingSetup {
  std::vector<PickingStation> stations;       ///< indexed like NetworkEvent::stations[].station
  const catalog::StationTable* coords = nullptr;     ///< station coordinates, where given
  const catalog::LocationParams* location = nullptr;  ///< velocity model for phase labels
  OnsetConsistencyParams consistency;
  TimeNs dt_fp = 0;      ///< fingerprint step (grid indices to time)
  TimeNs half_span = 0;  ///< half a fingerprint's window span
  int ntbls = 1;         ///< hash tables (similarity = peak votes / (ntbls x channels))
  PickingParams params;
};

/// Sets x.pick's time and uncertainty to the onset in [begin, end] of x.wf
/// when there is a clear one (amplitude ratio at least min_snr); otherwise
/// leaves them.
void pick_onset(StationPick& x, TimeNs begin, TimeNs end, double min_snr = 2.0);

/// One look-up of the S onsets given to earlier events: at `station`, within
/// same_onset of `time`; `answer` is what the picker's memory held. An
/// event's picks depend on the events before it only through these answers.
struct EarlierSQuery {
  std::string station;  ///< NET.STA
  TimeNs time = 0;
  std::optional<TimeNs> answer;
};

/// Picks events in order. In a swarm the previous event's S is often the
/// clearest onset in a station's window, and an arrival belongs to one
/// event: the picker remembers the S onsets it gave and never gives one to
/// a later event. Events further apart than independence_horizon() share
/// no arrival, so runs of events separated by more can be picked apart.
/// Within a run, an event picked with a different memory (say none) gives
/// the same picks as in order exactly when its recorded look-ups
/// (`queries` of pick()) get the same answers from the memory of the events
/// before it (earlier_s_near after remember() of each): that is how the
/// associate stage picks the events of one run in parallel.
class EventPicker {
 public:
  EventPicker(const PickingSetup& setup, WaveformReader read) : setup_(setup), read_(std::move(read)) {}

  /// The picks of `ne` at each of its stations (in its station order); then
  /// remembers their S onsets. Appends its look-ups of the memory to
  /// `queries` where given.
  std::vector<StationPick> pick(const NetworkEvent& ne, std::vector<EarlierSQuery>* queries = nullptr);

  /// Remembers the S onsets of one event's picks (what pick() does after
  /// each event).
  void remember(const std::vector<StationPick>& picks);

  /// The S onset remembered at `station` within same_onset of `time`.
  std::optional<TimeNs> earlier_s_near(const std::string& station, TimeNs time) const;

  /// Gap between two events' fingerprint centres beyond which the later
  /// cannot meet the earlier's S onsets.
  TimeNs independence_horizon() const;

 private:
  std::optional<TimeNs> earlier_s_at(const StationPick& x);
  StationPick first_pass(const StationWindow& w, bool one_station);
  void reach_back_to_arrival_start(StationPick& x, TimeNs window_begin) const;
  void align_to_median_offset(std::vector<StationPick>& sp);
  void label_phases(std::vector<StationPick>& sp, const NetworkEvent& ne);
  void search_s(StationPick& x, const PickingStation& st);
  bool weaker_s_after(TimeNs p_time, const PickingStation& st) const;

  const PickingSetup& setup_;
  WaveformReader read_;
  std::map<std::string, std::set<TimeNs>> earlier_s_;  // per station
  std::vector<EarlierSQuery>* queries_ = nullptr;       // of the event being picked
};

/// Stations without an onset get the run's typical onset offset from the
/// first matching fingerprint (the median over every clear onset, with at
/// least min_onsets_for_offset of them): a far better arrival estimate than
/// the fingerprint centre, which leads by seconds. Returns the offset used.
std::optional<TimeNs> apply_typical_offset(std::vector<std::vector<StationPick>>& event_picks,
                                           const PickingParams& params);

/// The catalog event of network event `ne` from its picks (P, then S where
/// picked, per station), inconsistent onsets made estimates.
catalog::Event catalog_event(const NetworkEvent& ne, const std::vector<StationPick>& picks,
                             const PickingSetup& setup);

}  // namespace qp::post
