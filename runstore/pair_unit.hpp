// Pair units (search/<SEED id>.h5): one channel's candidate pairs keyed by
// the two fingerprints' absolute times, with their LSH votes, sorted by
// (t1, t2) (docs/run-store.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/hdf5_file.hpp"
#include "pipeline/time.hpp"

namespace qp::runstore {

struct TimePair {
  TimeNs t1, t2;         // t1 < t2
  std::uint32_t votes;   // tables voting for the pair (exact mode: Jaccard x 1e6)
  bool operator<(const TimePair& o) const { return t1 != o.t1 ? t1 < o.t1 : t2 < o.t2; }
};

/// What the search saw, recorded beside the pairs.
struct PairUnitSummary {
  std::size_t fingerprints = 0, filtered = 0;
  std::string mode;  // full | incremental (...) | exact (...)
};

void write_pair_unit(h5::Group& root, const std::vector<TimePair>& pairs, const PairUnitSummary& s);
std::vector<TimePair> read_pair_unit(const std::filesystem::path& file);

}  // namespace qp::runstore
