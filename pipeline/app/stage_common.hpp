// What the stage drivers share: starting a stage (run directory, manifest),
// and the run-store layout of waveform units (preprocess output).
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "pipeline/app/loaded_config.hpp"
#include "pipeline/components.hpp"
#include "pipeline/hdf5_file.hpp"
#include "pipeline/mpi_context.hpp"
#include "pipeline/run_store.hpp"

namespace qp::pre {
struct Continuous;
}

namespace qp::app {

struct StageSetup {
  RunStore store;
  std::string run_created;
};

/// Creates the run directory and its manifest (rank 0), then agrees on the
/// run's creation time on every rank.
StageSetup begin_stage(const LoadedConfig& lc, MpiContext& mpi, const std::string& stage,
                       bool force);

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

/// Samples of `w` whose times lie in [begin, end), without leading or
/// trailing masked samples (a unit stores the extent of its valid data).
ChannelWaveform trim_waveform(const pre::Continuous& w, TimeNs begin, TimeNs end);

/// Waveform unit layout: datasets samples (float32), mask (uint8); attributes
/// seed_id, sampling_rate_hz, start_ns, n_valid, and inclination_deg when
/// the headers gave it.
void write_waveform(h5::Group& g, const ChannelWaveform& w);
ChannelWaveform read_waveform(const h5::Group& g);

/// Joins consecutive waveform units of one channel into one array, masking
/// the holes between them (units must share the sampling rate).
ChannelWaveform concatenate(const std::vector<ChannelWaveform>& parts);

/// The preprocess units of one channel: chunk start -> file.
std::map<TimeNs, std::filesystem::path> waveform_units(const RunStore& store, const std::string& seed_id);

/// The channel's waveform over [begin, end) from its units (holes masked).
ChannelWaveform load_span(const std::map<TimeNs, std::filesystem::path>& units, TimeNs begin,
                          TimeNs end, TimeNs chunk);

/// The station's vertical channel: its `vertical` key, else the inclination
/// its preprocess units recorded (SAC CMPINC), else the channel codes.
VerticalChoice vertical_of(const StationConfig& station, const RunStore& store);

/// Inputs hash recorded in a unit's output.
std::string unit_inputs_hash(const std::filesystem::path& p);

std::string join_warnings(const std::vector<std::string>& w);

}  // namespace qp::app
