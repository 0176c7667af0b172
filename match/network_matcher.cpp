#include "match/network_matcher.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "match/fft_correlator.hpp"

namespace qp::match {

namespace {

struct Use {
  std::size_t template_index, channel_index;
};

// The highest local maximum of `statistic` at lags whose times from the
// span's start lie in [from, to] (ns); ties keep the earlier lag. None when
// the window misses the span or its highest value is the slope of a higher
// peak outside it.
std::optional<std::size_t> window_peak(const std::vector<float>& statistic, TimeNs from, TimeNs to, TimeNs dt) {
  if (to < 0 || statistic.empty()) return std::nullopt;
  const auto n = static_cast<std::ptrdiff_t>(statistic.size());
  const std::ptrdiff_t first = from <= 0 ? 0 : static_cast<std::ptrdiff_t>((from + dt - 1) / dt);
  const std::ptrdiff_t last = std::min<std::ptrdiff_t>(n - 1, static_cast<std::ptrdiff_t>(to / dt));
  std::optional<std::size_t> best;
  for (std::ptrdiff_t i = first; i <= last; ++i) {
    const float v = statistic[static_cast<std::size_t>(i)];
    if (!std::isfinite(v) || (best && !(v > statistic[*best]))) continue;
    best = static_cast<std::size_t>(i);
  }
  if (!best) return std::nullopt;
  const float v = statistic[*best];
  const auto above = [&](std::size_t i) { return std::isfinite(statistic[i]) && statistic[i] > v; };
  if ((*best > 0 && above(*best - 1)) || (*best + 1 < statistic.size() && above(*best + 1))) return std::nullopt;
  return best;
}

}  // namespace

SpanResult match_span(const std::vector<PreparedTemplate>& templates,
                      const std::vector<SpanChannel>& data, TimeNs begin, TimeNs end,
                      double sampling_rate, const MatchParams& p,
                      const std::vector<Candidate>& candidates) {
  const TimeNs dt = grid_step(sampling_rate);
  const std::size_t lags = end > begin ? static_cast<std::size_t>((end - begin) / dt) : 0;
  std::vector<NetworkStack> stacks(templates.size(), NetworkStack(lags));
  // base[d]: grid samples from data[d]'s first sample back to `begin`.
  std::vector<std::ptrdiff_t> base(data.size());
  for (std::size_t d = 0; d < data.size(); ++d) {
    if ((begin - data[d].start) % dt != 0)
      throw std::invalid_argument(data[d].seed_id + " starts off the sample grid");
    base[d] = static_cast<std::ptrdiff_t>((begin - data[d].start) / dt);
  }

  // Correlation: stack lag i of template j reads channel d at data lag
  // i + offset + base[d].
  for (std::size_t d = 0; d < data.size(); ++d) {
    std::vector<Use> uses;
    std::vector<TemplateChannel> batch;
    for (std::size_t j = 0; j < templates.size(); ++j)
      for (std::size_t c = 0; c < templates[j].seed_ids.size(); ++c)
        if (templates[j].seed_ids[c] == data[d].seed_id) {
          uses.push_back({j, c});
          batch.push_back(templates[j].channels[c]);
        }
    if (uses.empty() || data[d].samples.empty()) continue;
    FftCorrelator correlator(std::move(batch));
    correlator.correlate(data[d].samples.data(), data[d].mask.data(), data[d].samples.size(),
                         [&](std::size_t slot, std::size_t first, const float* cc, std::size_t count) {
                           const Use& u = uses[slot];
                           stacks[u.template_index].add(first, templates[u.template_index].offsets[u.channel_index] + base[d],
                                                        cc, count);
                         });
  }

  SpanResult out;
  for (std::size_t j = 0; j < templates.size(); ++j) {
    const PreparedTemplate& t = templates[j];
    const auto stack = stacks[j].mean(static_cast<unsigned>(p.min_channels));
    // Detection statistic: the mean scaled by sqrt(n / N), n channels with
    // data at the lag of the template's N. Its noise level stays the same
    // where channels are missing (record edges, gaps), so the day's MAD holds
    // there too; a mean over few channels would exceed it by chance.
    std::vector<float> statistic(stack.size());
    const double n_all = static_cast<double>(t.channels.size());
    for (std::size_t i = 0; i < stack.size(); ++i)
      statistic[i] = static_cast<float>(stack[i] * std::sqrt(stacks[j].channels_at(i) / n_all));
    const StackLevel level = stack_level(statistic);
    const double threshold = detection_threshold(level, p.mad_multiple, -1.0);
    out.levels.push_back(level);
    out.thresholds.push_back(threshold);
    if (level.values == 0) continue;

    // Per-channel data and moveouts in data lags, for the refinement.
    std::vector<ChannelSeries> series(t.channels.size());
    std::vector<std::ptrdiff_t> moveouts(t.channels.size(), 0);
    for (std::size_t c = 0; c < t.channels.size(); ++c)
      for (std::size_t d = 0; d < data.size(); ++d)
        if (data[d].seed_id == t.seed_ids[c]) {
          series[c] = {data[d].samples.data(), data[d].mask.data(), data[d].samples.size()};
          moveouts[c] = t.offsets[c] + base[d];
        }
    const auto max_shift = static_cast<std::size_t>(std::llround(p.max_shift_seconds * sampling_rate));
    const auto detection_at = [&](std::size_t lag, double mad_multiple) {
      SpanDetection det;
      det.template_index = j;
      det.reference_time = begin + static_cast<TimeNs>(lag) * dt;
      det.stack_cc = stack[lag];
      det.mad_multiple = mad_multiple;
      det.channels = stacks[j].channels_at(lag);
      det.measurement = measure_detection(t.channels, moveouts, series, lag, max_shift);
      return det;
    };
    // One detection per event within the template length (its window): a
    // longer exclusion (the whole moveout) hid family members 10 s apart.
    for (const StackPeak& peak : find_peaks(statistic, level, threshold, t.window_samples())) {
      if (stack[peak.lag] < p.min_stack_cc) continue;  // the absolute floor, on the mean correlation
      out.detections.push_back(detection_at(peak.lag, peak.mad_multiple));
    }
    // Stack lag of a first arrival: the template's first arrival lies
    // (first_arrival - reference) after its reference.
    const TimeNs lead = t.first_arrival - t.reference;
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      const Candidate& c = candidates[k];
      if (c.event_id == t.template_id || c.latest < c.earliest) continue;  // a template confirms others only
      const auto window = static_cast<std::size_t>((c.latest - c.earliest) / dt) + 1;
      const auto peak = window_peak(statistic, c.earliest - lead - begin, c.latest - lead - begin, dt);
      if (!peak || level.mad <= 0) continue;
      const double multiple = (statistic[*peak] - level.median) / level.mad;
      const double wanted = confirmation_mad_multiple(p.mad_multiple, level.values, window);
      // The floor stands for a least noise level (floor / mad_multiple MADs):
      // at the window's multiple of it, floor x wanted / mad_multiple.
      if (multiple < wanted || stack[*peak] < p.min_stack_cc * wanted / p.mad_multiple) continue;
      SpanDetection det = detection_at(*peak, multiple);
      det.candidate = static_cast<std::ptrdiff_t>(k);
      out.confirmations.push_back(std::move(det));
    }
  }
  return out;
}

}  // namespace qp::match
