// The detection catalog: events (one per network detection, optionally
// located) and their per-station picks, with the catalog.csv / picks.csv
// writers and readers. Format: docs/catalog-format.md.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/time.hpp"

namespace qp::catalog {

struct Pick {
  std::string event_id;
  std::string seed_id;  // NET.STA.LOC.CHA
  std::string phase;    // "P", "S", or "?" when the detector cannot tell
  TimeNs time = 0;
  double uncertainty_s = 0.0;  // 0 = unknown
  double similarity = 0.0;     // detector's similarity (e.g. LSH votes fraction)
};

struct Event {
  /// Stable id derived from the first arrival time ("qp20140824T000312.35").
  std::string event_id;
  TimeNs first_arrival = 0;
  std::optional<TimeNs> origin_time;
  std::optional<double> latitude, longitude, depth_km;  // depth below sea level
  std::optional<double> origin_uncertainty_s, horizontal_uncertainty_km, depth_uncertainty_km;
  int n_stations = 0;
  std::vector<std::string> stations;  // NET.STA, as the detector saw them
  std::string family_id;              // empty when the event has no family
  int n_linked = 0;                   // events linked to it by similarity
  double score = 0.0;                 // detection statistic (e.g. FAST peaksum)
  std::vector<Pick> picks;
  /// Matched filtering (the match stage): "lsh", "match" or "both"; empty
  /// when the run did no matching (catalog.csv then has no match columns).
  std::string method;
  std::string template_id;  ///< the template whose detection this is ("match", "both")
  std::optional<double> cc, mad_multiple, relative_magnitude;

  bool located() const { return origin_time && latitude && longitude; }
  /// No hypocentre: origin, epicentre, depth and their uncertainties unset.
  void clear_hypocentre() {
    origin_time.reset();
    latitude.reset();
    longitude.reset();
    depth_km.reset();
    origin_uncertainty_s.reset();
    horizontal_uncertainty_km.reset();
    depth_uncertainty_km.reset();
  }
};

/// "qp" + compact UTC tag of the first arrival to 1/100 s, e.g.
/// "qp20140824T000312.35". Unique up to two events within 10 ms of each
/// other: assign_event_ids() resolves those.
std::string make_event_id(TimeNs first_arrival);

/// Sorts events by (first_arrival, then n_stations descending, score
/// descending, stations) and gives each its id; equal base ids get "-2",
/// "-3", ... in that order, so ids depend only on the events, not on the
/// order they came in. Updates the picks' event_id too. Returns, for each
/// event in its new place, its index in the input.
std::vector<std::size_t> assign_event_ids(std::vector<Event>& events);

/// Columns of catalog.csv, in order; readers require exactly this prefix.
const std::vector<std::string>& catalog_csv_columns();
/// Optional columns written after them.
const std::vector<std::string>& catalog_csv_extra_columns();
/// Matched-filter columns, written after those when any event has a method.
const std::vector<std::string>& catalog_csv_match_columns();
const std::vector<std::string>& picks_csv_columns();

/// Writers: atomic, deterministic, streaming row by row.
void write_catalog_csv(const std::string& path, const std::vector<Event>& events);
void write_picks_csv(const std::string& path, const std::vector<Event>& events);

/// Readers; InputError names file, line and column on bad content.
std::vector<Event> read_catalog_csv(const std::string& path);
std::vector<Pick> read_picks_csv(const std::string& path);

/// Attaches picks to their events by event_id (events keep file order,
/// picks sorted by time then seed id). A pick whose event is unknown is an
/// InputError naming `picks_path`.
void attach_picks(std::vector<Event>& events, std::vector<Pick> picks,
                  const std::string& picks_path);

/// "NET.STA" of a SEED id "NET.STA.LOC.CHA" (the id itself if it has no dot).
std::string station_of(const std::string& seed_id);

/// Splits a SEED id into its four codes; missing parts are empty.
struct SeedParts {
  std::string network, station, location, channel;
};
SeedParts split_seed_id(const std::string& seed_id);

}  // namespace qp::catalog
