// The candidate pairs' share of [search] memory_budget_mb. Without a lag a
// channel's pairs grow with the square of the record and are held whole (the
// station filter needs all of a station's channels' pairs at once), so they
// count in the budget beside what the caller holds, the signatures and the
// tables. The search adds each query chunk's pairs as it finishes and stops
// with a PairBudgetError once they pass what is left: near the budget, not
// after the memory is spent.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

#include "lsh/search.hpp"

namespace qp::lsh {

class PairBudget {
 public:
  /// The budget and what it already holds, in bytes (named in the error).
  struct Parts {
    std::size_t budget = 0, held = 0, signatures = 0, tables = 0;
  };
  /// The pairs may use what `parts` leave, at kPairBudgetBytes each;
  /// `channel_queries` (all ranks' queries) projects the total in the error.
  PairBudget(const Parts& parts, std::size_t channel_queries, const SearchParams& p, const SearchOptions& o);

  /// Pairs of a finished chunk of `queries` queries; throws PairBudgetError
  /// once this search's pairs pass the limit (then stopped() is true).
  void add(std::size_t pairs, std::size_t queries);
  /// The channel's total, e.g. summed over ranks before they are gathered.
  void check_total(std::size_t pairs) const;
  bool stopped() const { return stopped_.load(std::memory_order_relaxed); }
  std::size_t limit_pairs() const { return limit_; }

 private:
  [[noreturn]] void fail(std::size_t pairs, std::size_t queries_done) const;

  Parts parts_;
  std::size_t limit_, channel_queries_;
  double max_lag_;
  std::string channel_;
  std::atomic<std::size_t> pairs_{0}, queries_{0};
  mutable std::atomic<bool> stopped_{false};
};

/// Bytes of one table set over m members (kBytesPerEntry per table, with the
/// key index when queried from outside) and one thread's vote arrays: the
/// tables' part of the budget, counted for one thread so that the pairs'
/// limit does not depend on the thread count.
std::size_t table_budget_bytes(std::size_t m, int ntbls, bool key_index);

}  // namespace qp::lsh
