// Station pairs: similar fingerprint pairs of one station, on the network grid.
//
// Every station's pairs live on one absolute grid, g = llround(t_ns / dt_fp_ns)
// since the epoch, so stations with different starts, gaps or days line up and
// adding a station changes nothing for the others.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "postprocess/association/association_params.hpp"

namespace qp::post {

struct StationPair {
  std::int64_t g1 = 0;  ///< earlier fingerprint's grid index
  std::int64_t g2 = 0;  ///< later fingerprint's grid index (g1 < g2)
  std::int32_t votes = 0;

  std::int64_t dt() const { return g2 - g1; }
};

/// FAST's order of merged pair files: by dt = g2 - g1, then by g2.
bool fast_pair_order(const StationPair& a, const StationPair& b);

/// Sums the votes of identical (g1, g2) over the station's channels, multiplies
/// them by params.one_component_scale when the station has one component, and
/// keeps pairs with at least params.channel_threshold votes, sorted by (dt, g2)
/// like FAST's combined files. Two-component stations are not rescaled (votes
/// are integers; use channel_threshold to adapt).
std::vector<StationPair> combine_channels(const std::vector<std::vector<StationPair>>& per_channel,
                                          int n_components, const AssociationParams& params);

/// Reads FAST's text pair files (`_merged.txt`, `_combined.txt`): lines
/// "dt idx votes" with idx the later fingerprint. Throws qp::InputError naming
/// the line on malformed input. Returned in FAST's (dt, g2) order.
std::vector<StationPair> read_fast_pairs_text(const std::string& path);

}  // namespace qp::post
