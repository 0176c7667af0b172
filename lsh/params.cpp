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
  if (p.near_repeats < 0) return {"near_repeats", "must be >= 0"};
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

SearchParams SearchParams::from_config(qp::ConfigSection& s) {
  SearchParams p;
  p.ntbls = static_cast<int>(s.get_int("ntbls", p.ntbls, 1, 4096));
  p.nhash = static_cast<int>(s.get_int("nhash", p.nhash, 1, 64));
  p.nvotes = static_cast<int>(s.get_int("nvotes", p.nvotes, 1, 4096));
  p.near_repeats = static_cast<int>(s.get_int("near_repeats", p.near_repeats, 0, 1 << 30));
  p.noise_freq = s.get_double("noise_freq", p.noise_freq, -1.0, 1.0);
  const std::string block = s.get_string("noise_block", "month", {"month", "day", "week"});
  p.noise_block = block == "day" ? NoiseBlock::day : block == "week" ? NoiseBlock::week
                                                                     : NoiseBlock::month;
  p.memory_budget_mb = s.get_int("memory_budget_mb", p.memory_budget_mb, 1, INT64_MAX / (1 << 20));
  const std::string mode = s.get_string("hash_mode", "xxhash", {"xxhash", "fast"});
  p.hash_mode = mode == "fast" ? HashMode::fast : HashMode::xxhash;
  p.seed = static_cast<std::uint32_t>(s.get_int("seed", p.seed, 0, UINT32_MAX));
  auto [key, why] = check(p);
  if (!key.empty()) s.fail(key, why);
  return p;
}

std::string to_string(HashMode m) { return m == HashMode::fast ? "fast" : "xxhash"; }

std::string to_string(NoiseBlock b) {
  return b == NoiseBlock::day ? "day" : b == NoiseBlock::week ? "week" : "month";
}

}  // namespace qp::lsh
