// Merging the traces of one channel onto one regular sample grid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/time.hpp"
#include "preprocess/waveform_reader.hpp"

namespace qp::pre {

/// A channel on a regular grid with a validity mask (1 = a real sample).
struct Continuous {
  std::string seed_id;
  double sampling_rate = 0;
  TimeNs start = 0;               ///< time of samples[0]
  std::vector<float> samples;
  std::vector<std::uint8_t> mask; ///< same length as samples
  std::vector<std::string> warnings;

  TimeNs sample_time(std::size_t i) const;
  std::size_t valid_count() const;
};

/// Merges the traces of ONE channel into [t0, t1).
///
/// The grid is the data's own absolute sample grid (the first trace's sample
/// times, extended both ways); samples[0] is the first grid time at or after
/// t0. Samples off the grid by less than half a sample are snapped to the
/// nearest grid point (a warning names traces off by more than 1% of a sample).
/// Overlaps: bit-identical samples merge silently; samples that disagree are
/// masked (both values are untrustworthy) and reported in `warnings`.
///
/// Throws qp::InputError naming the file when a trace's seed_id or sampling
/// rate (relative difference > 1e-4) disagrees with the first trace.
/// An empty `traces` gives an empty Continuous (rate 0).
Continuous merge_traces(const std::vector<Trace>& traces, TimeNs t0, TimeNs t1);

}  // namespace qp::pre
