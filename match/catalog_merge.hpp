// One catalog from two kinds of evidence: the association's events (LSH) and
// the matched-filter detections. Where both see one event, the better
// supported timing sets its time and picks: clear onsets at enough stations
// (as many as a template needs), else the correlation of a template whose
// picks are such onsets.
#pragma once

#include <vector>

#include "match/detection_list.hpp"
#include "match/network_matcher.hpp"
#include "match/template_selection.hpp"
#include "postprocess/catalog/catalog.hpp"

namespace qp::match {

/// What template selection and timing need of a catalog event.
EventPicks event_picks(const catalog::Event& e);
std::vector<EventPicks> event_picks(const std::vector<catalog::Event>& events);

/// An event is roughly timed when its picks would not make it a template
/// (location aside): clear onsets at fewer than p.min_clear_onsets stations
/// and no clear P and S pairs agreeing with one source at
/// p.min_two_phase_stations: its first arrival may be a noise onset or an
/// estimate.
bool roughly_timed(const EventPicks& e, const MatchParams& p);

/// Where an event's true first arrival may lie. Well timed: within `window`
/// of its first arrival. Roughly timed, its few clear onsets not trusted to
/// bound it: from `window` + the largest pick uncertainty before its first
/// arrival (or `window` before its earliest pick's range, if earlier) to the
/// same after it, or to `window` after the earliest end of its estimates'
/// ranges (t + uncertainty: the first arrival is no later than any
/// station's arrival), whichever is later.
struct TimingWindow {
  TimeNs earliest = 0, latest = 0;
};
TimingWindow timing_window(const EventPicks& e, const MatchParams& p, TimeNs window);

/// The roughly timed events, as candidates for templates to confirm and
/// time, over their timing windows. In event order.
std::vector<Candidate> timing_candidates(const std::vector<EventPicks>& events, const MatchParams& p, TimeNs window);

/// The best confirmation (highest cc; ties: earlier, smaller template id) of
/// each confirmed event, sorted by event id.
std::vector<NetworkDetection> best_per_candidate(std::vector<NetworkDetection> confirmations);

/// Merges matched-filter results into `events` (the catalog; `templates`:
/// every associated event, the templates among them), then gives events
/// their ids again (ids follow first arrivals):
///  1. A roughly timed event with a confirmation takes the confirming
///     template's picks moved by the lag (method "both"); it is then well
///     timed. Where it lies within `window` of another event, it was a rough
///     duplicate of that event and is dropped (of two confirmed ones, the
///     lower cc goes).
///  2. A detection within an event's timing window (the nearest such event)
///     is that event ("both", the best detection's template, cc and
///     magnitude); a roughly timed event takes the detection's picks. Other
///     detections are events of their own ("match"): their template's
///     stations, family and picks moved by the lag, its hypocentre where it
///     is located, with the origin moved by the lag.
void merge_match_detections(std::vector<catalog::Event>& events, const std::vector<catalog::Event>& templates,
                            const std::vector<NetworkDetection>& detections,
                            const std::vector<NetworkDetection>& confirmations, TimeNs window,
                            const MatchParams& p);

}  // namespace qp::match
