// Deterministic occurrence ("noise") filter.
//
// A fingerprint that is a candidate (votes >= nvotes, near repeats excluded)
// with more than noise_freq * (fingerprints in its block) other fingerprints
// of its own fixed calendar block is dropped: every pair that involves it is
// removed, as if it had never been in the tables. Counting first and dropping
// second makes the verdict independent of query order, threads and ranks; and
// since counts stay within a block, adding later blocks never changes the
// verdicts of earlier ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lsh/params.hpp"
#include "pipeline/time.hpp"

namespace qp::lsh {

struct CandidatePair;

/// Identifier of the UTC calendar block (day, Monday-based week, month) holding t.
std::int64_t noise_block_id(TimeNs t, NoiseBlock block);

/// Per fingerprint 1 if the filter drops it. `times` has one entry per index
/// used in `pairs`; the block sizes are counted from all of `times`.
std::vector<std::uint8_t> occurrence_flags(const std::vector<CandidatePair>& pairs,
                                           const std::vector<TimeNs>& times,
                                           const SearchParams& params);

/// Removes the pairs of dropped fingerprints; returns how many were dropped.
std::size_t apply_occurrence_filter(std::vector<CandidatePair>& pairs,
                                    const std::vector<TimeNs>& times, const SearchParams& params);

}  // namespace qp::lsh
