// What a detection says about each channel: the lag refined at the channel's
// own correlation peak near the stack's lag, the correlation there, and the
// amplitude relative to the template; and over the network, the relative
// magnitude M_rel = median over channels of log10(A_detection / A_template)
// (Schaff & Richards 2014; as EQcorrscan's relative magnitudes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "match/template_channel.hpp"

namespace qp::match {

/// One channel's continuous data on the stack's grid (sample 0 = stack lag 0).
struct ChannelSeries {
  const float* samples = nullptr;
  const std::uint8_t* mask = nullptr;  ///< may be null: all valid
  std::size_t size = 0;
};

struct ChannelMeasurement {
  bool valid = false;          ///< a finite correlation was found within the window
  std::ptrdiff_t shift = 0;    ///< samples from the stack's lag + moveout to the channel's peak
  std::size_t data_lag = 0;    ///< window start of the refined peak in the channel's data
  double cc = 0;               ///< correlation at the refined peak
  double amplitude_ratio = 0;  ///< least-squares amplitude relative to the template
};

struct DetectionMeasurement {
  std::vector<ChannelMeasurement> channels;  ///< one per template channel
  double relative_magnitude = 0;             ///< NaN when no channel has a positive amplitude
  unsigned magnitude_channels = 0;           ///< channels the median was taken over
};

/// Measures a detection at stack lag `lag`: channel c's window is searched
/// at data lags lag + moveouts[c] +- max_shift for the highest correlation
/// (ties keep the smaller shift, then the earlier lag). Channels with a
/// finite peak correlation of at least `min_cc` and a positive amplitude
/// enter the magnitude.
DetectionMeasurement measure_detection(const std::vector<TemplateChannel>& templates,
                                       const std::vector<std::ptrdiff_t>& moveouts,
                                       const std::vector<ChannelSeries>& data, std::size_t lag,
                                       std::size_t max_shift, double min_cc = 0.0);

}  // namespace qp::match
