// Parameters of the similarity search, config section [search].
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/param_table.hpp"

namespace qp::lsh {

/// How the MinHash "permutations" are simulated.
enum class HashMode {
  xxhash,  ///< XXH3-64 of the bit index, seeded by (seed, permutation)
  fast,    ///< FAST's MurmurHash3_x86_32(bit, seed + permutation): bit-compatible
};

/// Fixed calendar blocks (UTC) within which the occurrence filter counts matches.
enum class NoiseBlock { day, week, month };

struct SearchParams {
  int ntbls = 100;          ///< hash tables
  int nhash = 4;            ///< hash values folded into one table key
  int nvotes = 2;           ///< tables that must agree for a candidate pair
  /// A multi-channel station keeps pairs whose votes summed over its channels
  /// reach this (lsh/station_filter.hpp); 0 = off.
  int min_station_votes = 6;
  int near_repeats = 5;     ///< |t_a - t_b| < near_repeats * dt_fp is excluded
  /// Bucket cap (lsh/bucket_cap.hpp): a table's key held by more fingerprints
  /// of the channel than this gives no votes; 0 = off.
  std::int64_t max_bucket = 0;
  /// Longest time between the two fingerprints of a pair, seconds; 0 = off
  /// (every pair of the record). With a lag the channel is searched in time
  /// blocks of at least that length, each against itself and the one before,
  /// so the work and memory per fingerprint do not grow with the record.
  double max_lag = 0;
  double noise_freq = -1;   ///< occurrence filter fraction in (0, 1]; -1 = off
  NoiseBlock noise_block = NoiseBlock::month;
  std::int64_t memory_budget_mb = 4096;  ///< per rank: signatures + tables + vote arrays
  HashMode hash_mode = HashMode::xxhash;
  std::uint32_t seed = 1;   ///< in fast mode, FAST's MurmurHash seed

  /// Min-Max permutations per table: ceil(nhash / 2).
  int perms_per_table() const { return (nhash + 1) / 2; }
  /// Total permutations P = ntbls * ceil(nhash / 2).
  int permutations() const { return ntbls * perms_per_table(); }
  bool noise_filter_on() const { return noise_freq > 0; }
  bool lag_on() const { return max_lag > 0; }
  /// max_lag in ns (0 when off).
  std::int64_t max_lag_ns() const { return static_cast<std::int64_t>(max_lag * 1e9 + 0.5); }

  /// Throws qp::ConfigError("search.<key>", why) on an invalid combination.
  void validate() const;
  static SearchParams from_config(qp::ConfigSection& s);
};

/// The [search] keys (pipeline/param_table.hpp).
const qp::ParamTable<SearchParams>& search_param_table();

std::string to_string(HashMode m);
std::string to_string(NoiseBlock b);

}  // namespace qp::lsh
