// The voting similarity search: a pair of fingerprints is a candidate when
// their keys agree in at least nvotes of the ntbls tables.
//
// Each unordered pair is reported once, as indices into the input (a < b),
// with its vote count; pairs closer in time than near_repeats * dt_fp are
// excluded, and with params.max_lag > 0 pairs further apart than max_lag
// (searched in time blocks: lag_blocks in search.cpp); the list is sorted by
// (a, b). Results are identical for any thread count, partition count and
// MPI rank count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <mpi.h>

#include "lsh/params.hpp"
#include "lsh/signatures.hpp"
#include "pipeline/error.hpp"
#include "pipeline/time.hpp"

namespace qp::lsh {

struct CandidatePair {
  std::uint32_t a, b;  ///< indices into the input, a < b
  std::uint32_t votes;
  friend bool operator==(const CandidatePair& x, const CandidatePair& y) {
    return x.a == y.a && x.b == y.b && x.votes == y.votes;
  }
  friend bool operator<(const CandidatePair& x, const CandidatePair& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  }
};

struct SearchSummary {
  int partitions = 0;
  std::size_t fingerprints = 0;     ///< searched (for new-vs-all: old + new)
  std::size_t filtered = 0;         ///< dropped by the occurrence filter
  std::size_t buckets = 0;          ///< distinct keys, summed over tables and partitions
  std::size_t capped = 0;           ///< (fingerprint, table) memberships in capped buckets (max_bucket)
  double avg_lookups = 0;           ///< bucket members visited per query
  std::size_t pairs = 0;
  double seconds = 0;               ///< wall time
  std::size_t peak_memory_bytes = 0;  ///< signatures + largest partition's tables + vote arrays
};

/// Knobs that never change results, only how the work is done (and, for
/// held_bytes, whether it fits in the budget).
struct SearchOptions {
  int partitions = 0;  ///< 0: as few as the memory budget allows
  int threads = 0;     ///< 0: OpenMP default
  /// Memory the caller holds against params.memory_budget_mb while this
  /// search runs (the fingerprints, a station's earlier channels' pairs).
  std::size_t held_bytes = 0;
  /// Named in errors (the stage passes the channel's seed id).
  std::string channel = "channel";
  /// With max_lag: fewest fingerprints in a time block (blocks span at least
  /// the lag; larger ones only save setting up tables).
  std::size_t min_lag_block = std::size_t{1} << 14;
};

/// Thrown when a search's candidate pairs would overrun memory_budget_mb
/// (the key is search.memory_budget_mb; the message names the channel, the
/// pairs found and projected, the budget and [search] max_lag).
class PairBudgetError : public qp::ConfigError {
 public:
  explicit PairBudgetError(const std::string& cause) : qp::ConfigError("search.memory_budget_mb", cause) {}
};

/// Bytes a candidate pair costs while a search holds it (budgeted per pair).
constexpr std::size_t kPairBudgetBytes = 2 * sizeof(CandidatePair);

/// All-to-all search of one channel. `times` ascending, one per signature.
/// Throws qp::ConfigError when even one fingerprint per partition exceeds the
/// budget, PairBudgetError when the pairs do (checked while they are found,
/// so the search stops near the budget; whether it throws depends on the
/// channel's pairs, the budget and held_bytes alone, not on ranks or threads).
std::vector<CandidatePair> search(const SignatureView& sigs, const std::vector<TimeNs>& times,
                                  TimeNs dt_fp_ns, const SearchParams& params,
                                  SearchSummary* summary = nullptr,
                                  const SearchOptions& options = {});

/// The same search with the partitions divided among the ranks of `comm`.
/// Collective; every rank passes the same inputs and gets the same result.
std::vector<CandidatePair> search_mpi(MPI_Comm comm, const SignatureView& sigs,
                                      const std::vector<TimeNs>& times, TimeNs dt_fp_ns,
                                      const SearchParams& params, SearchSummary* summary = nullptr,
                                      const SearchOptions& options = {});

/// Incremental search: exactly the pairs of search(old ++ new) that involve at
/// least one new fingerprint, with indices into the concatenation old ++ new
/// (new fingerprint j is old.n + j). New times must not precede old ones.
/// With the occurrence filter on, the blocks touched by new pairs are
/// recounted (their old-vs-old pairs are searched again) so verdicts match.
std::vector<CandidatePair> search_new_vs_all(const SignatureView& old_sigs,
                                             const std::vector<TimeNs>& old_times,
                                             const SignatureView& new_sigs,
                                             const std::vector<TimeNs>& new_times,
                                             TimeNs dt_fp_ns, const SearchParams& params,
                                             SearchSummary* summary = nullptr,
                                             const SearchOptions& options = {});

/// search_mpi from the fingerprints: signatures are computed here. With
/// params.max_lag only two time blocks' signatures are held at a time (else all).
std::vector<CandidatePair> search_fingerprints_mpi(MPI_Comm comm, const FingerprintView& fps,
                                                  const std::vector<TimeNs>& times, TimeNs dt_fp_ns,
                                                  const SearchParams& params, SearchSummary* summary = nullptr,
                                                  const SearchOptions& options = {});

/// Writes fingerprints [a, b) of a channel, words_for_bits(nbits) LSB-first
/// words each, to `out`; called with ascending, mostly adjacent ranges.
using FingerprintRows = std::function<void(std::size_t a, std::size_t b, std::uint64_t* out)>;

/// search_fingerprints_mpi on fingerprints read by `rows` as needed: with
/// params.max_lag only two time blocks' fingerprints and signatures are held
/// (without a lag all are read).
std::vector<CandidatePair> search_rows_mpi(MPI_Comm comm, const FingerprintRows& rows, std::size_t nbits,
                                           const std::vector<TimeNs>& times, TimeNs dt_fp_ns,
                                           const SearchParams& params, SearchSummary* summary = nullptr,
                                           const SearchOptions& options = {});

/// Number of partitions the memory budget needs for n fingerprints.
int plan_partitions(std::size_t n, const SearchParams& params, int threads);

}  // namespace qp::lsh
