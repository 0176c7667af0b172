// Which detected events become templates, and which window of which channel
// each template correlates: P windows on verticals, S windows on horizontals,
// from clear onsets only (estimated picks carry an uncertainty of 1 s or more).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "match/match_params.hpp"
#include "pipeline/time.hpp"

namespace qp::match {

/// What template selection needs of a detected event.
struct EventPicks {
  struct Pick {
    std::string seed_id;  ///< the channel the pick was made on (its station is what counts)
    std::string phase;    ///< "P", "S" or "?"
    TimeNs time = 0;
    double uncertainty_s = 0;
  };
  std::string event_id, family_id;
  double score = 0;
  TimeNs first_arrival = 0;  ///< the event's first arrival (its catalog time)
  std::optional<TimeNs> origin_time;
  std::vector<Pick> picks;
};

struct TemplateWindow {
  std::string seed_id;
  std::string phase;
  TimeNs start = 0;  ///< on the sample grid of the data (rounded down)
  TimeNs end = 0;    ///< exclusive, on the grid: start + window_seconds, or cut before another event
};

struct TemplateSpec {
  std::string template_id;  ///< the event's id
  std::string family_id;
  std::optional<TimeNs> origin_time;
  TimeNs first_arrival = 0;  ///< the event's first arrival
  std::vector<TemplateWindow> windows;  ///< sorted by (start, seed_id)
};

/// Picks with an uncertainty below this are clear onsets.
constexpr double kClearOnsetUncertaintyS = 1.0;

/// Stations with a clear onset (a pick of any phase with an uncertainty
/// below kClearOnsetUncertaintyS).
int clear_onset_stations(const EventPicks& e);

/// Stations with a clear P and a clear S after it, when every two of them
/// agree with one source (p_and_s_minus_p_agree); 0 when any two disagree.
int two_phase_stations(const EventPicks& e);
/// Such stations at min_two_phase_stations or more (never when that is 0).
bool two_phase_timed(const EventPicks& e, const MatchParams& p);

/// A channel code's orientation: 'Z' vertical, 'H' horizontal (N, E, 1, 2), 0 other.
char channel_orientation(const std::string& seed_id);

/// Selects templates among `events` (in their order) per `p`: score at least
/// min_score, and clear onsets at min_clear_onsets stations or more, located
/// (an origin time) unless located_only is off; or, located or not, a clear
/// P and a clear S at min_two_phase_stations stations whose P differences
/// and S-P differences agree with one source (vp/vs in [1.5, 2]). At most
/// max_per_family per family (most clear onsets first, then highest score,
/// then event id). Each clear P onset gives a window on each of the station's
/// vertical channels in `channels`, each clear S onset one on each of its
/// horizontals; windows start seconds_before_pick before the pick, rounded
/// down to the grid of `sampling_rate`, and last window_seconds. A window
/// that holds an arrival of another of `events` at its station (any pick,
/// estimates included: the predicted arrival) ends seconds_before_pick
/// before it, or is left out when less than min_window_seconds would remain:
/// a template holding the next event of a swarm detects every member of the
/// family that far early. Result sorted by template id.
std::vector<TemplateSpec> select_templates(const std::vector<EventPicks>& events,
                                           const std::vector<std::string>& channels,
                                           double sampling_rate, const MatchParams& p);

/// The S-P of a template whose windows lie at one station and whose P window
/// holds that station's clear S (EventSpacing::phase_lag); nullopt otherwise.
/// `e` is the template's event.
std::optional<TimeNs> one_station_phase_lag(const TemplateSpec& t, const EventPicks& e);

}  // namespace qp::match
