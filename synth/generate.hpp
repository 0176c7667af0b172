// qp::synth::generate: writes a synthetic continuous data set with known
// repeating earthquakes (miniSEED day files + truth tables). See docs/synth.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "synth/synth_params.hpp"

namespace qp::synth {

struct SynthSummary {
  int n_channels = 0;
  int n_events = 0;
  int n_families = 0;
  std::int64_t samples = 0;         ///< samples generated, all channels
  std::int64_t records = 0;         ///< miniSEED records written
  double elapsed_s = 0;
  double samples_per_second = 0;
  std::vector<std::filesystem::path> files;  ///< every file written, final paths
};

/// Generates the data set into `out_dir` (created if needed). Deterministic:
/// the same parameters give byte-identical files. Memory is bounded by one
/// block of one channel per thread plus that channel's event waveforms.
/// Throws ConfigError / InputError before writing anything, and on any later
/// failure removes what it wrote: no partial output. `progress` receives the
/// fraction done (0..1] after each block.
SynthSummary generate(const SynthParams& params, const std::filesystem::path& out_dir,
                      std::function<void(double fraction)> progress = {});

}  // namespace qp::synth
