#include "runstore/waveform_unit.hpp"

#include <algorithm>
#include <cmath>

#include "pipeline/unit_format.hpp"

namespace qp::runstore {
namespace {

WaveformUnitInfo read_info(const h5::Group& g) {
  check_unit_format(g, UnitKind::kWaveform);
  WaveformUnitInfo i;
  i.seed_id = g.attr_string("seed_id");
  i.sampling_rate = g.attr_double("sampling_rate_hz");
  i.start = g.attr_int("start_ns");
  if (g.has_attr("inclination_deg")) i.inclination_deg = g.attr_double("inclination_deg");
  return i;
}

}  // namespace

std::size_t ChannelWaveform::valid_count() const {
  return static_cast<std::size_t>(std::count(mask.begin(), mask.end(), std::uint8_t{1}));
}

TimeNs ChannelWaveform::end() const {
  return start + static_cast<TimeNs>(std::llround(static_cast<double>(samples.size()) * 1e9 / sampling_rate));
}

void write_waveform_unit(h5::Group& g, const ChannelWaveform& w) {
  stamp_unit_format(g, UnitKind::kWaveform);
  g.set_attr("seed_id", w.seed_id);
  g.set_attr("sampling_rate_hz", w.sampling_rate);
  g.set_attr("start_ns", static_cast<std::int64_t>(w.start));
  g.set_attr("n_valid", static_cast<std::int64_t>(w.valid_count()));
  // Only when known, so units of miniSEED input stay as they were.
  if (std::isfinite(w.inclination_deg)) g.set_attr("inclination_deg", w.inclination_deg);
  g.write<float>("samples", w.samples);
  g.write<std::uint8_t>("mask", w.mask);
}

ChannelWaveform read_waveform_unit(const std::filesystem::path& file) {
  const h5::File f = h5::File::open_read(file);
  const WaveformUnitInfo i = read_info(f);
  ChannelWaveform w;
  w.seed_id = i.seed_id;
  w.sampling_rate = i.sampling_rate;
  w.start = i.start;
  w.inclination_deg = i.inclination_deg;
  w.samples = f.read<float>("samples");
  w.mask = f.read<std::uint8_t>("mask");
  return w;
}

WaveformUnitInfo read_waveform_info(const std::filesystem::path& file) {
  return read_info(h5::File::open_read(file));
}

}  // namespace qp::runstore
