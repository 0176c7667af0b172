// Reading miniSEED inputs (real noise, real repeating waveforms) via libmseed.
#pragma once

#include <string>
#include <vector>

#include "pipeline/time.hpp"

namespace qp::synth {

struct MseedTrace {
  std::string id;  ///< NET.STA.LOC.CHA
  TimeNs start = 0;
  double sampling_rate = 0;
  std::vector<double> samples;
};

/// Every contiguous trace of the file, sorted by id then start time.
/// Throws InputError naming the file when it is missing or unreadable.
std::vector<MseedTrace> read_mseed_traces(const std::string& file);

}  // namespace qp::synth
