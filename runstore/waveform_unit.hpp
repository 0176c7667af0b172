// Waveform units (preprocess/<SEED id>/<day>.h5): one channel's samples on a
// regular grid with a validity mask over one chunk (docs/run-store.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "pipeline/hdf5_file.hpp"
#include "pipeline/time.hpp"

namespace qp::runstore {

/// One channel's samples on a regular grid with a validity mask (1 = valid).
struct ChannelWaveform {
  std::string seed_id;
  double sampling_rate = 0;
  TimeNs start = 0;
  std::vector<float> samples;
  std::vector<std::uint8_t> mask;
  /// Component inclination from vertical up (SAC CMPINC), NaN when unknown.
  double inclination_deg = std::numeric_limits<double>::quiet_NaN();
  std::size_t valid_count() const;
  TimeNs end() const;  // time just past the last sample
};

/// Layout: datasets samples (float32), mask (uint8); attributes seed_id,
/// sampling_rate_hz, start_ns, n_valid, and inclination_deg when the headers
/// gave it; format "waveform".
void write_waveform_unit(h5::Group& root, const ChannelWaveform& w);
ChannelWaveform read_waveform_unit(const std::filesystem::path& file);

/// A unit's header without its samples.
struct WaveformUnitInfo {
  std::string seed_id;
  double sampling_rate = 0;
  TimeNs start = 0;
  double inclination_deg = std::numeric_limits<double>::quiet_NaN();
};
WaveformUnitInfo read_waveform_info(const std::filesystem::path& file);

}  // namespace qp::runstore
