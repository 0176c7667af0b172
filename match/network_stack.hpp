// The network stack of one template: each channel's correlation shifted by
// the template's moveout at that channel and averaged over the channels that
// have a value at each lag; its robust level (median, MAD) and the peaks
// above a threshold in multiples of that MAD.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qp::match {

/// Stack lag T means: the template's reference time lies at grid sample T,
/// so a channel whose window starts `moveout` samples after the reference is
/// read at data lag T + moveout.
class NetworkStack {
 public:
  explicit NetworkStack(std::size_t lags) : sum_(lags, 0.0f), count_(lags, 0) {}

  std::size_t size() const { return sum_.size(); }

  /// Adds one channel's correlations cc[0, count) of data lags
  /// first_data_lag, first_data_lag + 1, ... for a channel with `moveout`;
  /// values outside the stack and NaN values are skipped. Call channels in
  /// a fixed order: the float sums then come out the same on every run.
  void add(std::size_t first_data_lag, std::ptrdiff_t moveout, const float* cc, std::size_t count);

  /// Mean over the channels with a value; NaN where fewer than min_channels.
  std::vector<float> mean(unsigned min_channels = 1) const;

  /// Channels with a value at lag T.
  unsigned channels_at(std::size_t lag) const { return count_[lag]; }

 private:
  std::vector<float> sum_;
  std::vector<std::uint16_t> count_;
};

/// Median and median absolute deviation of the finite values.
struct StackLevel {
  double median = 0;
  double mad = 0;
  std::size_t values = 0;  ///< finite values they were taken from
};
StackLevel stack_level(const std::vector<float>& stack);

/// max(median + mad_multiple x MAD, floor).
double detection_threshold(const StackLevel& level, double mad_multiple, double floor);

/// The MAD multiple that gives a search over `window` lags the chance of a
/// false peak that `mad_multiple` gives a search over `span` lags (Gaussian
/// tails, MAD = 0.6745 sigma): confirming an event already known to lie in a
/// short window takes far fewer trials than finding one anywhere in a day,
/// so the same false-alarm chance needs a lower threshold. Never above
/// `mad_multiple` (a window as long as the span keeps it).
double confirmation_mad_multiple(double mad_multiple, std::size_t span, std::size_t window);

struct StackPeak {
  std::size_t lag = 0;
  float value = 0;
  double mad_multiple = 0;  ///< (value - median) / MAD
};

/// Local maxima at or above `threshold`, strongest first, each kept only
/// when no stronger kept peak lies within `min_separation` lags (one
/// detection per event within a template length). Sorted by lag. Ties in
/// value go to the earlier lag, so the result does not depend on anything
/// but the stack.
std::vector<StackPeak> find_peaks(const std::vector<float>& stack, const StackLevel& level,
                                  double threshold, std::size_t min_separation);

}  // namespace qp::match
