// Match units (match/<batch>/<day>.h5): the match library's layout
// (match/match_store.hpp) with the unit's format, written and checked here.
#pragma once

#include <filesystem>
#include <vector>

#include "match/match_store.hpp"

namespace qp::runstore {

void write_match_unit(h5::Group& root, const std::vector<match::PreparedTemplate>& templates,
                      const match::SpanResult& r, double sampling_rate,
                      const std::vector<match::Candidate>& candidates = {});
std::vector<match::NetworkDetection> read_match_unit(const std::filesystem::path& file);

}  // namespace qp::runstore
