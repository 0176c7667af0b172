// Reference catalogs to evaluate detections against, read from any of the
// layouts we meet, told apart by their header:
//   - quakeprint catalog.csv (event_id,first_arrival,origin_time,...)
//   - synthetic truth_catalog.csv (event_id,family_id,origin_time,latitude,
//     longitude,depth_km,magnitude)
//   - the shared data sets' catalog.csv (time,latitude,longitude,depth_km,
//     magnitude,mag_type,source[, method columns])
//   - any other CSV with a header naming a time column (time, origin_time,
//     datetime, event_time, ... or first_arrival, arrival_time, p_time, ...);
//     event_id, family_id, latitude, longitude, depth_km, magnitude are read
//     where present (also as lat, lon, depth, mag), other columns ignored.
//     Times are ISO 8601 (a trailing +00:00 or UTC allowed) or epoch seconds.
//     A list with only times (no arrival or location column) is a station's
//     detection list: its times are arrival times as well.
// and reference picks, whose earliest P gives the event's first arrival:
//   - quakeprint picks.csv (event_id,seed_id,phase,time,uncertainty_s,similarity)
//   - synthetic truth_picks.csv (event_id,seed_id,phase,time,snr)
//   - QuakeMigrate picks as in shared/data/iceland-z7-2014/picks.csv
//     (event_id,station,phase,modelled_time,pick_time,pick_error_s,snr,residual_s)
#pragma once

#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "pipeline/time.hpp"

namespace qp::catalog {

struct ReferenceEvent {
  std::string id;         // event_id column, or "row<N>" where the layout has none
  std::string family_id;  // empty when unknown
  std::optional<TimeNs> origin_time;
  std::optional<TimeNs> first_p;  // earliest P pick (or first_arrival of a quakeprint catalog)
  std::optional<double> latitude, longitude, depth_km, magnitude;
  std::optional<double> snr;  // largest pick SNR of the event, when picks carry one
  /// Largest pick SNR at each station (station code), when picks carry one.
  std::vector<std::pair<std::string, double>> station_snr;
  /// P picks by station code (the STA of a SEED id), for pick accuracy.
  std::vector<std::pair<std::string, TimeNs>> p_picks;
};

/// The station code of "NET.STA.LOC.CHA", "NET.STA" or "STA".
std::string station_code(const std::string& id);

enum class ReferenceLayout { kQuakeprint, kSyntheticTruth, kSharedData, kGeneric };

struct ReferenceCatalog {
  ReferenceLayout layout = ReferenceLayout::kSharedData;
  std::vector<ReferenceEvent> events;
};

/// Reads a reference catalog; an unknown header or bad field is an
/// InputError naming the file, line and column.
ReferenceCatalog read_reference_catalog(const std::string& path);

struct PickReadOptions {
  /// QuakeMigrate files: use modelled_time where no pick was made.
  bool use_modelled_times = false;
};

/// Reads reference picks and sets each event's first_p (earliest P), snr
/// (largest pick SNR) and station_snr. Picks of events absent from the catalog are an
/// InputError. The shared data sets' catalog has no event ids, so it cannot
/// take picks: QuakeMigrate picks are matched to its rows by the id in the
/// `source` column ("... event <id>"), which the loader keeps as `id`.
void read_reference_picks(const std::string& path, std::vector<ReferenceEvent>& events,
                          const PickReadOptions& options = {});

}  // namespace qp::catalog
