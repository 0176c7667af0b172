// A match unit's output in the run store (match/<batch>/<day>.h5, see
// docs/run-store.md): the detections of a template batch over one day with
// their per-channel measurements, and each template's stack level.
#pragma once

#include <vector>

#include "match/detection_list.hpp"
#include "match/network_matcher.hpp"
#include "pipeline/hdf5_file.hpp"

namespace qp::match {

/// `candidates`: those match_span was given (the confirmations' event ids).
void write_match_unit(h5::Group& g, const std::vector<PreparedTemplate>& templates, const SpanResult& r,
                      double sampling_rate, const std::vector<Candidate>& candidates = {});

/// The unit's detections as network detections (the template event's first
/// arrival and origin time moved by the detection's lag), then its
/// confirmations (`confirms` set).
std::vector<NetworkDetection> read_match_unit(const h5::Group& g);

}  // namespace qp::match
