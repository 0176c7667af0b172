#include "app/waveform_cache.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace qp::app {
namespace {

// Samples of w whose times lie in [begin, end), on w's sample grid.
ChannelWaveform slice(const ChannelWaveform& w, TimeNs begin, TimeNs end) {
  ChannelWaveform out;
  out.seed_id = w.seed_id;
  out.sampling_rate = w.sampling_rate;
  const auto n = static_cast<std::int64_t>(w.samples.size());
  auto index = [&](TimeNs t) {  // first sample at or after t
    return std::clamp<std::int64_t>(
        static_cast<std::int64_t>(std::ceil(static_cast<double>(t - w.start) * w.sampling_rate / 1e9 - 1e-6)), 0, n);
  };
  const std::int64_t i0 = index(begin), i1 = index(end);
  out.start = w.start + static_cast<TimeNs>(std::llround(static_cast<double>(i0) * 1e9 / w.sampling_rate));
  if (i1 <= i0) return out;
  out.samples.assign(w.samples.begin() + i0, w.samples.begin() + i1);
  out.mask.assign(w.mask.begin() + i0, w.mask.begin() + i1);
  return out;
}

}  // namespace

ChannelWaveform WaveformCache::span(const std::string& sid, TimeNs begin, TimeNs end) {
  auto u = units_.find(sid);
  if (u == units_.end()) u = units_.emplace(sid, waveform_units(store_, sid)).first;
  std::vector<ChannelWaveform> parts;
  for (TimeNs c = floor_to(begin, chunk_); c < end; c += chunk_) {
    const auto it = u->second.find(c);
    if (it == u->second.end()) continue;
    parts.push_back(slice(unit(sid, c, it->second), begin, end));
  }
  return concatenate(parts);
}

const ChannelWaveform& WaveformCache::unit(const std::string& sid, TimeNs c, const std::filesystem::path& file) {
  const auto key = std::make_pair(sid, c);
  auto it = loaded_.find(key);
  if (it == loaded_.end()) {
    it = loaded_.emplace(key, Entry{runstore::read_waveform_unit(file), 0}).first;
    bytes_ += it->second.wf.samples.size() * (sizeof(float) + 1);
  }
  it->second.used = ++clock_;
  while (bytes_ > kMaxBytes && loaded_.size() > 1) {  // drop the least recently used
    auto old = loaded_.begin();
    for (auto i = loaded_.begin(); i != loaded_.end(); ++i)
      if (i->second.used < old->second.used) old = i;
    if (old == it) break;
    bytes_ -= old->second.wf.samples.size() * (sizeof(float) + 1);
    loaded_.erase(old);
  }
  return it->second.wf;
}

}  // namespace qp::app
