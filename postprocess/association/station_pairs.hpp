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

/// FAST's order of merged pair files: by dt = g2 - g1, then by g2. Inline:
/// millions of pairs are sorted by it.
inline bool fast_pair_order(const StationPair& a, const StationPair& b) {
  if (a.dt() != b.dt()) return a.dt() < b.dt();
  return a.g2 < b.g2;
}

/// Sorts by fast_pair_order unless already in that order (the stages pass
/// sorted pairs along: one linear check instead of another sort).
void sort_fast_order(std::vector<StationPair>& pairs);

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
