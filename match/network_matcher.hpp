// Network matched filtering of a batch of templates over one span of
// continuous data (a unit: template batch x day): every template channel is
// correlated with its channel (each channel's blocks transformed once for all
// templates that use it), the correlations are stacked at the template's
// moveouts, and the day's stack gives detections above its MAD threshold,
// each measured per channel (refined lag, correlation, amplitude ratio).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "match/detection_refinement.hpp"
#include "match/match_params.hpp"
#include "match/network_stack.hpp"
#include "match/prepared_template.hpp"
#include "match/template_channel.hpp"
#include "pipeline/time.hpp"

namespace qp::match {

/// An event timed only roughly by fingerprint similarity (few clear onsets):
/// its first arrival lies somewhere in [earliest, latest]. A template confirms
/// it, and times it, where its detection statistic peaks in that window at or
/// above the window's own threshold (confirmation_mad_multiple: the day's MAD
/// multiple for the fewer lags searched).
struct Candidate {
  std::string event_id;
  TimeNs earliest = 0, latest = 0;
};

struct SpanDetection {
  std::size_t template_index = 0;
  TimeNs reference_time = 0;  ///< where the template's reference lies in the data
  float stack_cc = 0;         ///< mean correlation over the channels with data
  double mad_multiple = 0;    ///< (statistic - median) / MAD of the day's detection statistic
  unsigned channels = 0;      ///< channels with a value at that lag
  DetectionMeasurement measurement;  ///< per template channel, and the relative magnitude
  std::ptrdiff_t candidate = -1;     ///< confirmations: the index of the candidate confirmed
};

struct SpanResult {
  std::vector<SpanDetection> detections;  ///< by template, then time
  std::vector<SpanDetection> confirmations;  ///< by template, then candidate
  std::vector<StackLevel> levels;         ///< per template: of the detection statistic
  std::vector<double> thresholds;         ///< per template: median + mad_multiple x MAD of it
};

/// Detects every template in [begin, end) (reference times). Detection
/// statistic: the stack (mean over the n channels with data) x sqrt(n / N),
/// N the template's channels; a detection is a peak of it at or above its
/// median + mad_multiple x MAD over the span, one per template window, whose
/// stack is at least min_stack_cc. `data` must
/// reach (end - begin) plus each template's extent past its reference for
/// full coverage; missing data are simply absent from the stack. Channels in
/// `data` are used in their order (give them sorted: same order, same sums).
/// Each candidate whose window lies in the span gets, from each template but
/// its own event's, the highest local peak of the statistic in the window
/// when it reaches median + m x MAD, m = confirmation_mad_multiple, and its
/// stack min_stack_cc x m / mad_multiple (a confirmation: the floor, read as
/// a least noise level of min_stack_cc / mad_multiple, at m of it).
/// Throws std::invalid_argument when the sampling interval is not a whole
/// number of nanoseconds or a channel starts off the grid of `begin`.
SpanResult match_span(const std::vector<PreparedTemplate>& templates,
                      const std::vector<SpanChannel>& data, TimeNs begin, TimeNs end,
                      double sampling_rate, const MatchParams& p,
                      const std::vector<Candidate>& candidates = {});

}  // namespace qp::match
