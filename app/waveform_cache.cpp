#include "app/waveform_cache.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <hdf5.h>

#include "pipeline/error.hpp"
#include "pipeline/unit_format.hpp"

namespace qp::app {
namespace {

// Elements [first, first + count) of the 1-D dataset `name` of g.
template <class T>
std::vector<T> read_window(const h5::Group& g, const char* name, hid_t type, hsize_t first, hsize_t count) {
  std::vector<T> out(count);
  if (count == 0) return out;
  const hid_t d = H5Dopen2(g.id(), name, H5P_DEFAULT);
  const hid_t file_space = d >= 0 ? H5Dget_space(d) : -1;
  const hid_t mem_space = H5Screate_simple(1, &count, nullptr);
  bool ok = d >= 0 && file_space >= 0 && mem_space >= 0 &&
            H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &first, nullptr, &count, nullptr) >= 0 &&
            H5Dread(d, type, mem_space, file_space, H5P_DEFAULT, out.data()) >= 0;
  if (mem_space >= 0) H5Sclose(mem_space);
  if (file_space >= 0) H5Sclose(file_space);
  if (d >= 0) H5Dclose(d);
  if (!ok) throw Error(std::string("reading samples ") + std::to_string(first) + "+" + std::to_string(count) +
                       " of dataset '" + name + "' of a waveform unit failed");
  return out;
}

// concatenate(parts) (app/stage_common.hpp), the same samples, without its
// copies: the first part is moved and the output sized once for the rest.
ChannelWaveform join(std::vector<ChannelWaveform>& parts) {
  ChannelWaveform out;
  std::size_t first = 0;
  while (first < parts.size() && parts[first].samples.empty()) ++first;
  if (first == parts.size()) return concatenate(parts);
  out = std::move(parts[first]);
  const double dt_ns = 1e9 / out.sampling_rate;
  const auto index_of = [&](const ChannelWaveform& p) {
    return static_cast<std::int64_t>(std::llround(static_cast<double>(p.start - out.start) / dt_ns));
  };
  std::int64_t total = static_cast<std::int64_t>(out.samples.size());
  for (std::size_t k = first + 1; k < parts.size(); ++k)
    if (!parts[k].samples.empty())
      total = std::max(total, index_of(parts[k]) + static_cast<std::int64_t>(parts[k].samples.size()));
  out.samples.reserve(static_cast<std::size_t>(total));
  out.mask.reserve(static_cast<std::size_t>(total));
  for (std::size_t k = first + 1; k < parts.size(); ++k) {
    const ChannelWaveform& p = parts[k];
    if (p.samples.empty()) continue;
    const std::int64_t index = index_of(p);
    std::size_t skip = 0;
    if (index < static_cast<std::int64_t>(out.samples.size())) {  // overlap: keep the earlier unit
      skip = out.samples.size() - static_cast<std::size_t>(std::max<std::int64_t>(index, 0));
      if (skip >= p.samples.size()) continue;
    } else {
      const std::size_t hole = static_cast<std::size_t>(index) - out.samples.size();
      out.samples.insert(out.samples.end(), hole, 0.0f);
      out.mask.insert(out.mask.end(), hole, std::uint8_t{0});
    }
    out.samples.insert(out.samples.end(), p.samples.begin() + static_cast<std::ptrdiff_t>(skip), p.samples.end());
    out.mask.insert(out.mask.end(), p.mask.begin() + static_cast<std::ptrdiff_t>(skip), p.mask.end());
  }
  return out;
}

}  // namespace

WaveformCache::Unit& WaveformCache::unit(const std::string& sid, TimeNs c, const std::filesystem::path& file) {
  const auto key = std::make_pair(sid, c);
  auto it = open_.find(key);
  if (it == open_.end()) {
    while (open_.size() >= kMaxOpen) {  // close the least recently used
      auto old = open_.begin();
      for (auto i = open_.begin(); i != open_.end(); ++i)
        if (i->second.used < old->second.used) old = i;
      open_.erase(old);
    }
    Unit u{h5::File::open_read(file), "", 0, 0, 0, 0};
    check_unit_format(u.file, UnitKind::kWaveform);  // the layout below is format_version 1's
    u.seed_id = u.file.attr_string("seed_id");
    u.sampling_rate = u.file.attr_double("sampling_rate_hz");
    u.start = u.file.attr_int("start_ns");
    const hid_t d = H5Dopen2(u.file.id(), "samples", H5P_DEFAULT);
    const hid_t space = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims = 0;
    const bool ok = space >= 0 && H5Sget_simple_extent_dims(space, &dims, nullptr) == 1;
    if (space >= 0) H5Sclose(space);
    if (d >= 0) H5Dclose(d);
    if (!ok) throw InputError(file.string(), "waveform unit without a 1-D 'samples' dataset");
    u.n = static_cast<std::size_t>(dims);
    it = open_.emplace(key, std::move(u)).first;
  }
  it->second.used = ++clock_;
  return it->second;
}

ChannelWaveform WaveformCache::span(const std::string& sid, TimeNs begin, TimeNs end) {
  auto u = units_.find(sid);
  if (u == units_.end()) u = units_.emplace(sid, waveform_units(store_, sid)).first;
  std::vector<ChannelWaveform> parts;
  for (TimeNs c = floor_to(begin, chunk_); c < end; c += chunk_) {
    const auto it = u->second.find(c);
    if (it == u->second.end()) continue;
    const Unit& w = unit(sid, c, it->second);
    // Samples of the unit whose times lie in [begin, end), on its grid.
    const auto n = static_cast<std::int64_t>(w.n);
    auto index = [&](TimeNs t) {  // first sample at or after t
      return std::clamp<std::int64_t>(
          static_cast<std::int64_t>(std::ceil(static_cast<double>(t - w.start) * w.sampling_rate / 1e9 - 1e-6)), 0, n);
    };
    const std::int64_t i0 = index(begin), i1 = index(end);
    ChannelWaveform part;
    part.seed_id = w.seed_id;
    part.sampling_rate = w.sampling_rate;
    part.start = w.start + static_cast<TimeNs>(std::llround(static_cast<double>(i0) * 1e9 / w.sampling_rate));
    if (i1 > i0) {
      const auto first = static_cast<hsize_t>(i0), count = static_cast<hsize_t>(i1 - i0);
      part.samples = read_window<float>(w.file, "samples", H5T_NATIVE_FLOAT, first, count);
      part.mask = read_window<std::uint8_t>(w.file, "mask", H5T_NATIVE_UINT8, first, count);
    }
    parts.push_back(std::move(part));
  }
  return join(parts);
}

}  // namespace qp::app
