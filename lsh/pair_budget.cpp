#include "lsh/pair_budget.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "lsh/tables.hpp"

namespace qp::lsh {
namespace {

double mb(std::size_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

}  // namespace

std::size_t table_budget_bytes(std::size_t m, int ntbls, bool key_index) {
  const std::size_t per_entry = BucketTables::kBytesPerEntry + (key_index ? BucketTables::kIndexBytesPerEntry : 0);
  // One thread's vote counts (2 bytes) and touched/found lists, as search.cpp plans them.
  return m * (static_cast<std::size_t>(ntbls) * per_entry + std::max<std::size_t>(BucketTables::kBuildBytesPerMember, 18));
}

PairBudget::PairBudget(const Parts& parts, std::size_t channel_queries, const SearchParams& p, const SearchOptions& o)
    : parts_(parts), channel_queries_(channel_queries), max_lag_(p.max_lag), channel_(o.channel) {
  const std::size_t used = parts.held + parts.signatures + parts.tables;
  limit_ = parts.budget > used ? (parts.budget - used) / kPairBudgetBytes : 0;
}

void PairBudget::add(std::size_t pairs, std::size_t queries) {
  const std::size_t q = queries_.fetch_add(queries, std::memory_order_relaxed) + queries;
  const std::size_t total = pairs_.fetch_add(pairs, std::memory_order_relaxed) + pairs;
  if (total > limit_) fail(total, q);
}

void PairBudget::check_total(std::size_t pairs) const {
  if (pairs > limit_) fail(pairs, channel_queries_);
}

void PairBudget::fail(std::size_t pairs, std::size_t queries_done) const {
  stopped_.store(true, std::memory_order_relaxed);
  // Queries run in time order and pair with later fingerprints: without a
  // lag the first fraction f of them has done 1 - (1 - f)^2 of the pairing
  // (the 4-day bench: 1.82 M projected from 48% of the queries, 1.82 M
  // found); with a lag each query's share is the same.
  double projected = static_cast<double>(pairs);
  if (queries_done > 0 && queries_done < channel_queries_) {
    const double f = static_cast<double>(queries_done) / static_cast<double>(channel_queries_);
    projected /= max_lag_ > 0 ? f : 1 - (1 - f) * (1 - f);
  }
  const std::string lag =
      max_lag_ > 0 ? fmt::format("[search] max_lag = {} s bounds them already: lower it", max_lag_)
                   : "without [search] max_lag they grow with the square of the record: set max_lag (pairs at most "
                     "that many seconds apart, e.g. 86400 for a day)";
  throw PairBudgetError(fmt::format(
      "{}: its candidate pairs do not fit in memory_budget_mb = {:.0f} MB: {} pairs after {} of {} queries, "
      "about {:.0f} in all ({:.1f} MB at {} bytes each), but the budget leaves {:.1f} MB for them after "
      "{:.1f} MB already held, {:.1f} MB of signatures and {:.1f} MB of tables; {}, or raise memory_budget_mb",
      channel_, mb(parts_.budget), pairs, queries_done, channel_queries_, projected,
      projected * kPairBudgetBytes / (1 << 20), kPairBudgetBytes, mb(limit_ * kPairBudgetBytes), mb(parts_.held),
      mb(parts_.signatures), mb(parts_.tables), lag));
}

}  // namespace qp::lsh
