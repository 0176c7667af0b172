#include "lsh/params.hpp"

#include <string>

namespace qp::lsh {
namespace {

// One place for every rule, so validate() and from_config() never disagree.
// Returns the offending key and the reason, or an empty key when valid.
std::pair<std::string, std::string> check(const SearchParams& p) {
  if (p.ntbls < 1 || p.ntbls > 4096) return {"ntbls", "must be in [1, 4096]"};
  if (p.nhash < 1 || p.nhash > 64) return {"nhash", "must be in [1, 64]"};
  if (p.nvotes < 1) return {"nvotes", "must be at least 1"};
  if (p.nvotes > p.ntbls)
    return {"nvotes", "nvotes (" + std::to_string(p.nvotes) + ") must not exceed ntbls (" +
                          std::to_string(p.ntbls) + "): no pair could ever be a candidate"};
  if (p.min_station_votes < 0) return {"min_station_votes", "must be >= 0 (0: off)"};
  if (p.near_repeats < 0) return {"near_repeats", "must be >= 0"};
  if (p.max_bucket < 0) return {"max_bucket", "must be >= 0 (0: off)"};
  if (!(p.max_lag >= 0.0 && p.max_lag <= 1e9)) return {"max_lag", "must be in [0, 1e9] s (0: off)"};
  if (p.max_lag > 0 && p.max_lag_ns() < 1) return {"max_lag", "must be 0 (off) or at least 1 ns"};
  if (p.max_lag > 0 && p.max_bucket > 0)
    return {"max_lag", "max_lag and max_bucket cannot both be on: the cap counts keys over the whole "
                       "channel, which the lag's time blocks never hold at once"};
  if (!(p.noise_freq == -1.0 || (p.noise_freq > 0.0 && p.noise_freq <= 1.0)))
    return {"noise_freq", "must be -1 (off) or a fraction in (0, 1]"};
  if (p.memory_budget_mb < 1) return {"memory_budget_mb", "must be at least 1"};
  return {"", ""};
}

}  // namespace

void SearchParams::validate() const {
  auto [key, why] = check(*this);
  if (!key.empty()) throw qp::ConfigError("search." + key, why);
}

const qp::ParamTable<SearchParams>& search_param_table() {
  using P = SearchParams;
  static const auto table =
      qp::ParamTable<P>("search", "MinHash LSH similarity search over each station's fingerprints "
                                  "(docs/search.md); `quakeprint search --explain CONFIG` prints the detection "
                                  "probability curve.")
          .integer("ntbls", &P::ntbls, {1, 4096}, "", "Hash tables.")
          .integer("nhash", &P::nhash, {1, 64}, "", "Hash values folded into one table key.")
          .integer("nvotes", &P::nvotes, {1, 4096}, "", "Tables that must agree for a candidate pair (<= ntbls).")
          .integer("min_station_votes", &P::min_station_votes, {0, 1 << 30}, "votes",
                   "Pairs of a station with two or more channels are kept only when their votes, summed over "
                   "the channels that found the same pair, reach this: the association ignores the others "
                   "([associate] channel_threshold, which must not be lower). Chance pairs of noise, found in "
                   "one channel, then do not grow with the square of the record's length. 0 = off.")
          .integer("near_repeats", &P::near_repeats, {0, 1 << 30}, "dt_fp steps",
                   "Pairs closer in time than near_repeats x dt_fp are not searched for.")
          .integer("max_bucket", &P::max_bucket, {0, INT64_MAX}, "fingerprints",
                   "Bucket cap: a table's key shared by more of a channel's fingerprints than this gives "
                   "no votes, so a fingerprint visits at most ntbls x max_bucket others whatever the "
                   "record's length. It also drops the votes of event pairs whose keys are that common: "
                   "measured trade-off in docs/performance.md (\"The bucket cap\"). 0 = off.")
          .number("max_lag", &P::max_lag, {0.0, 1e9}, "s",
                  "Longest time between the two fingerprints of a candidate pair; 0 = off (every pair of the "
                  "record, as FAST). With a lag the channel is searched in time blocks, each against itself "
                  "and the one before, so search time and memory grow linearly with the record instead of "
                  "with its square. Repeats further apart than the lag are not paired, but an event found "
                  "through a partner within the lag becomes a template that the match stage scans over the "
                  "whole record (docs/performance.md, \"A bounded lag\"). Not with max_bucket.")
          .number("noise_freq", &P::noise_freq, {-1.0, 1.0}, "",
                  "Occurrence filter: fingerprints matching more than this fraction of their block are noise; "
                  "-1 = off.")
          .choice("noise_block", &P::noise_block,
                  {{"month", NoiseBlock::month}, {"day", NoiseBlock::day}, {"week", NoiseBlock::week}},
                  "Calendar block (UTC) within which the occurrence filter counts matches.")
          .integer("memory_budget_mb", &P::memory_budget_mb, {1, INT64_MAX / (1 << 20)}, "MiB",
                   "Per rank: signatures (8 x ntbls bytes per fingerprint), one partition's tables (6 x "
                   "ntbls bytes, 22 x ntbls with several partitions) plus about 60 bytes per fingerprint and "
                   "thread, and the candidate pairs (24 bytes each while searched, 12 while a station's "
                   "channels wait for the station filter). The search splits into more partitions when the "
                   "tables do not fit, with identical results, and stops with an error naming the channel when "
                   "the pairs do not (without max_lag they grow with the square of the record).")
          .choice("hash_mode", &P::hash_mode, {{"xxhash", HashMode::xxhash}, {"fast", HashMode::fast}},
                  "xxhash: XXH3-64 permutations; fast: FAST's MurmurHash3, bit-compatible with FAST.")
          .integer("seed", &P::seed, {0, UINT32_MAX}, "", "Seed of the hash permutations (FAST's seed in fast mode).");
  return table;
}

SearchParams SearchParams::from_config(qp::ConfigSection& s) {
  SearchParams p;
  search_param_table().read(s, p);
  auto [key, why] = check(p);
  if (!key.empty()) s.fail(key, why);
  return p;
}

std::string to_string(HashMode m) { return m == HashMode::fast ? "fast" : "xxhash"; }

std::string to_string(NoiseBlock b) {
  return b == NoiseBlock::day ? "day" : b == NoiseBlock::week ? "week" : "month";
}

}  // namespace qp::lsh
