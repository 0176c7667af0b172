#include "match/prepared_template.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qp::match {

std::size_t PreparedTemplate::window_samples() const {
  std::size_t m = 0;
  for (const auto& c : channels) m = std::max(m, c.size());
  return m;
}

std::ptrdiff_t PreparedTemplate::extent() const {
  std::ptrdiff_t e = 0;
  for (std::size_t c = 0; c < channels.size(); ++c)
    e = std::max(e, offsets[c] + static_cast<std::ptrdiff_t>(channels[c].size()));
  return e;
}

TimeNs grid_step(double sampling_rate) {
  const double dt = 1e9 / sampling_rate;
  const auto step = static_cast<TimeNs>(std::llround(dt));
  if (step <= 0 || std::fabs(dt - static_cast<double>(step)) > 1e-6)
    throw std::invalid_argument("sampling interval of " + std::to_string(sampling_rate) +
                                " Hz is not a whole number of nanoseconds");
  return step;
}

SpanChannel slice(const SpanChannel& c, TimeNs begin, TimeNs end, TimeNs step) {
  SpanChannel out;
  out.seed_id = c.seed_id;
  const TimeNs c_end = c.start + static_cast<TimeNs>(c.samples.size()) * step;
  const TimeNs b = std::max(begin, c.start), e = std::min(end, c_end);
  if (e <= b) {
    out.start = begin;
    return out;
  }
  const auto i0 = static_cast<std::size_t>((b - c.start + step - 1) / step);
  const auto i1 = static_cast<std::size_t>((e - c.start + step - 1) / step);
  out.start = c.start + static_cast<TimeNs>(i0) * step;
  out.samples.assign(c.samples.begin() + static_cast<std::ptrdiff_t>(i0), c.samples.begin() + static_cast<std::ptrdiff_t>(i1));
  out.mask.assign(c.mask.begin() + static_cast<std::ptrdiff_t>(i0), c.mask.begin() + static_cast<std::ptrdiff_t>(i1));
  return out;
}

std::optional<PreparedTemplate> prepare_template(const TemplateSpec& spec, const ChannelLoader& load,
                                                 double sampling_rate, double window_seconds,
                                                 int min_channels) {
  const TimeNs step = grid_step(sampling_rate);
  const auto full = static_cast<std::size_t>(std::llround(window_seconds * sampling_rate));
  PreparedTemplate t;
  t.template_id = spec.template_id;
  t.origin_time = spec.origin_time;
  t.first_arrival = spec.first_arrival;
  std::vector<TimeNs> starts;
  for (const auto& w : spec.windows) {
    // A window cut before another event's arrival is shorter.
    const std::size_t m = w.end > w.start ? std::min(full, static_cast<std::size_t>((w.end - w.start) / step)) : full;
    const TimeNs end = w.start + static_cast<TimeNs>(m) * step;
    const SpanChannel c = slice(load(w.seed_id, w.start, end), w.start, end, step);
    if (c.samples.size() != m || c.start != w.start) continue;
    if (std::find(c.mask.begin(), c.mask.end(), 0) != c.mask.end()) continue;
    try {
      t.channels.push_back(make_template_channel(c.samples.data(), m));
    } catch (const std::invalid_argument&) {
      continue;  // flat window: nothing to correlate
    }
    t.seed_ids.push_back(w.seed_id);
    starts.push_back(w.start);
  }
  if (static_cast<int>(t.channels.size()) < min_channels || t.channels.empty()) return std::nullopt;
  t.reference = *std::min_element(starts.begin(), starts.end());
  for (TimeNs s : starts) t.offsets.push_back(static_cast<std::ptrdiff_t>((s - t.reference) / step));
  return t;
}

}  // namespace qp::match
