// Detection performance against a reference catalog: one-to-one matching
// within a time tolerance, recall / precision / F1, recall by SNR or
// magnitude bin, and the matched and unmatched lists.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/reference_catalog.hpp"

namespace qp {
class ConfigSection;
}

namespace qp::catalog {

enum class MatchOn {
  kOriginTime,    // detection origin_time  <-> reference origin_time
  kFirstArrival,  // detection first_arrival <-> reference earliest P pick
};

struct EvaluateOptions {
  double tolerance_s = 2.0;
  MatchOn match_on = MatchOn::kFirstArrival;
  /// Bin edges (ascending); recall is reported for [e0,e1), [e1,e2), ...
  std::vector<double> snr_bins;
  std::vector<double> magnitude_bins;
  /// Recall over reference events whose family_id is shared by >= 2
  /// reference events only (synthetic truth: the events FAST can find).
  bool require_family_partner = false;
  /// Recall over reference events whose picks reach SNR >= min_snr at
  /// min_snr_stations stations or more only (0: no such condition). Events
  /// without pick SNRs then count as too weak.
  double min_snr = 0;
  int min_snr_stations = 0;
  /// With max_snr > 0: only events that do NOT reach max_snr at
  /// min_snr_stations stations (an SNR band [min_snr, max_snr): the weak events).
  double max_snr = 0;

  static EvaluateOptions from_config(ConfigSection& s);  // [evaluate]
  void validate() const;                                 // throws ConfigError
};

struct Match {
  std::size_t detection;  // index into the detections
  std::size_t reference;  // index into the reference events
  double dt_s;            // detection time - reference time
};

struct BinRecall {
  double lo, hi;
  std::size_t n_reference = 0, n_matched = 0;
  double recall() const { return n_reference ? double(n_matched) / double(n_reference) : 0.0; }
};

struct EvaluationResult {
  std::vector<Match> matches;                     // sorted by reference time
  std::vector<std::size_t> missed_references;     // considered but unmatched
  std::vector<std::size_t> false_detections;      // unmatched detections
  std::vector<std::size_t> skipped_references;    // lack the time to match on, or no partner
  std::size_t n_detections = 0, n_reference_considered = 0, n_matched_considered = 0;
  double recall = 0, precision = 0, f1 = 0;
  std::vector<BinRecall> recall_by_snr, recall_by_magnitude;
};

/// Matches and scores. Matching maximises the number of pairs and, among
/// those, minimises the summed |dt|; it is deterministic and one-to-one.
/// Detections lacking the time to match on count as false detections.
EvaluationResult evaluate(const std::vector<Event>& detections,
                          const std::vector<ReferenceEvent>& reference,
                          const EvaluateOptions& options = {});

/// P arrival accuracy over matched events: each detection P pick against the
/// reference's observed P pick at the same station (station code), without
/// any offset correction.
struct PickError {
  std::size_t detection, reference;
  std::string station;
  double dt_s;  // detection pick - reference pick
};
struct PickAccuracy {
  std::vector<PickError> errors;  // by reference time, then station
  std::size_t n = 0, within_0_5_s = 0, within_1_s = 0;
  double median_abs_s = 0;
  double fraction_within_1_s() const { return n ? double(within_1_s) / double(n) : 0.0; }
};
PickAccuracy pick_accuracy(const std::vector<Event>& detections,
                           const std::vector<ReferenceEvent>& reference, const EvaluationResult& result);
/// pick_errors.csv: detection_id,reference_id,station,dt_s
void write_pick_errors_csv(const std::string& path, const PickAccuracy& acc,
                           const std::vector<Event>& detections,
                           const std::vector<ReferenceEvent>& reference);

/// matches.csv: detection_id,reference_id,detection_time,reference_time,dt_s
void write_matches_csv(const std::string& path, const EvaluationResult& result,
                       const std::vector<Event>& detections,
                       const std::vector<ReferenceEvent>& reference, MatchOn match_on);
/// unmatched.csv: kind (missed|false|skipped),id,time,magnitude,snr
void write_unmatched_csv(const std::string& path, const EvaluationResult& result,
                         const std::vector<Event>& detections,
                         const std::vector<ReferenceEvent>& reference, MatchOn match_on);
/// summary as "key = value" lines (TOML), including the bins.
void write_evaluation_summary(const std::string& path, const EvaluationResult& result,
                              const EvaluateOptions& options, const PickAccuracy* picks = nullptr);

}  // namespace qp::catalog
