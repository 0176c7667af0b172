// The bucket cap ([search] max_bucket): a key shared by more than max_bucket
// fingerprints of a channel in one table is a pattern common in the noise, and
// its bucket is not searched (no votes from that table for its members).
//
// Why: with fixed LSH parameters a bucket's chance members grow with the
// record's length (every key's noise occupancy is a fixed fraction of N), so
// scanning every bucket costs O(N) per query and O(N^2) in all. Buckets are
// heavy-tailed (noise fingerprints share popular bits), and a collision in a
// full one says little: two fingerprints that share a key held by hundreds of
// others are not singled out by it. Capping the members a query can visit per table bounds
// its work by ntbls x max_bucket whatever the length. The price: event pairs
// whose keys are that common lose those votes, and buckets of every size grow
// with the length, so the cap is off by default (docs/performance.md, "The
// bucket cap", has the measured trade-off).
//
// The cap counts a key's members over the whole channel (all partitions, old
// and new fingerprints of an incremental search), so results are the same
// for any partition, thread and rank count. Counting them takes a sort of
// each table's keys (8 bytes per fingerprint and thread), done only with
// several partitions or an incremental search; one partition counts its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lsh/signatures.hpp"

namespace qp::lsh {

/// Per table, the sorted keys held by more than `cap` fingerprints of `sources` together.
struct HeavyKeys {
  std::vector<std::vector<std::uint64_t>> per_table;
  bool contains(int t, std::uint64_t key) const;
};

/// Counts every table's keys over all `sources` (OpenMP over tables).
HeavyKeys find_heavy_keys(const std::vector<SignatureView>& sources, int ntbls, std::size_t cap);

}  // namespace qp::lsh
