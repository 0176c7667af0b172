#include "match/detection_refinement.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "match/direct_correlation.hpp"

namespace qp::match {
namespace {

ChannelMeasurement refine_channel(const TemplateChannel& t, const ChannelSeries& d,
                                  std::ptrdiff_t expected, std::ptrdiff_t max_shift) {
  ChannelMeasurement best;
  const std::ptrdiff_t m = static_cast<std::ptrdiff_t>(t.size());
  const std::ptrdiff_t last = static_cast<std::ptrdiff_t>(d.size) - m;
  double best_cc = -std::numeric_limits<double>::infinity();
  // Scan outward from zero shift so ties keep the smaller shift.
  for (std::ptrdiff_t step = 0; step <= 2 * max_shift; ++step) {
    const std::ptrdiff_t shift = (step % 2 ? 1 : -1) * ((step + 1) / 2);
    const std::ptrdiff_t k = expected + shift;
    if (k < 0 || k > last) continue;
    const double cc = direct_correlation_at(t, d.samples, d.mask, static_cast<std::size_t>(k));
    if (std::isnan(cc) || !(cc > best_cc)) continue;
    best_cc = cc;
    best.valid = true;
    best.shift = shift;
    best.data_lag = static_cast<std::size_t>(k);
  }
  if (best.valid) {
    best.cc = best_cc;
    best.amplitude_ratio = relative_amplitude_at(t, d.samples, d.mask, best.data_lag);
  }
  return best;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

}  // namespace

DetectionMeasurement measure_detection(const std::vector<TemplateChannel>& templates,
                                       const std::vector<std::ptrdiff_t>& moveouts,
                                       const std::vector<ChannelSeries>& data, std::size_t lag,
                                       std::size_t max_shift, double min_cc) {
  assert(templates.size() == moveouts.size() && templates.size() == data.size());
  DetectionMeasurement out;
  std::vector<double> log_ratios;
  for (std::size_t c = 0; c < templates.size(); ++c) {
    const auto expected = static_cast<std::ptrdiff_t>(lag) + moveouts[c];
    ChannelMeasurement ch = refine_channel(templates[c], data[c], expected,
                                           static_cast<std::ptrdiff_t>(max_shift));
    if (ch.valid && ch.cc >= min_cc && ch.amplitude_ratio > 0)
      log_ratios.push_back(std::log10(ch.amplitude_ratio));
    out.channels.push_back(ch);
  }
  out.magnitude_channels = static_cast<unsigned>(log_ratios.size());
  out.relative_magnitude =
      log_ratios.empty() ? std::numeric_limits<double>::quiet_NaN() : median(log_ratios);
  return out;
}

}  // namespace qp::match
