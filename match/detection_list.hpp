// The network's detections from every template, one per event: when several
// templates detect one event, the detection with the highest stack
// correlation wins; written as match/detections.csv.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/time.hpp"

namespace qp::match {

struct NetworkDetection {
  TimeNs first_arrival = 0;          ///< the template event's first arrival + the detection's lag
  std::optional<TimeNs> origin_time; ///< the template's origin + lag, where the template is located
  std::string template_id;
  double cc = 0;                     ///< stack correlation
  double mad_multiple = 0;
  double relative_magnitude = 0;     ///< NaN when no channel gave an amplitude
  unsigned channels = 0;
  std::string confirms;              ///< a confirmation: the event id of the candidate it times; else empty
};

/// How close detections must be to be one event.
struct EventSpacing {
  /// First arrivals this close are one event, whatever the templates say:
  /// the catalog's duplicate window ([associate] duplicate_window_s).
  TimeNs same_event = 0;
  /// Within this (a template window) of a better detection, a detection is
  /// another event only when `min_templates` templates put an event there
  /// (within `agree` of it): a template that holds two events (its window
  /// reaching the next one's onset, its pick on the first) times every
  /// event like the second by their spacing, so it detects them that much
  /// early; two such templates share a spacing by chance in a dense swarm.
  /// An event of its own is matched at one time by the other templates of
  /// its family. 0: same_event alone.
  TimeNs window = 0;
  /// Two templates' detections this close time one event (the stage's
  /// per-channel lag tolerance, [match] max_shift_seconds).
  TimeNs agree = 0;
  std::size_t min_templates = 3;
  /// The S-P lag of each template (by id) whose one station's P window also
  /// holds the S. Sliding over an event, such a template lines its P up with
  /// the event's S, or its S with the event's P, and correlates at that lag
  /// after or before the event: one phase on the other, not an event. Its
  /// detection at this lag (within `agree`) from a better detection neither
  /// stands next to it nor counts as agreement with another one.
  std::map<std::string, TimeNs> phase_lag{};
};

/// Keeps, among detections that are one event by `spacing`, the one with
/// the highest cc (ties: earlier, then smaller template id), detections
/// seen by min_templates templates before the others; a template's phase
/// lag from a better detection is seen by none. The result is sorted by
/// (first_arrival, template_id), whatever the input order.
std::vector<NetworkDetection> best_per_event(std::vector<NetworkDetection> detections, const EventSpacing& spacing);

/// Columns: time (first arrival, ISO 8601 Z), origin_time, template_id, cc,
/// mad_multiple, relative_magnitude, channels; confirmations
/// (match/confirmations.csv) have the event id they confirm first
/// (`event_id`). Written atomically.
void write_detections_csv(const std::filesystem::path& path, const std::vector<NetworkDetection>& d,
                          bool confirmations = false);

/// Reads what write_detections_csv wrote; throws qp::InputError naming the
/// file and line on a bad header or row.
std::vector<NetworkDetection> read_detections_csv(const std::filesystem::path& path, bool confirmations = false);

}  // namespace qp::match
