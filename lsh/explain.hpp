// What (ntbls, nhash, nvotes) mean for detection: the probability that a pair
// of Jaccard similarity s gets at least nvotes of ntbls table votes,
//   P(s) = 1 - sum_{i < nvotes} C(ntbls, i) p^i (1 - p)^(ntbls - i),  p = s^nhash
// (FAST paper section 6.3; p treats each table key as nhash independent
// MinHash agreements).
#pragma once

#include <ostream>

#include "lsh/params.hpp"

namespace qp::lsh {

double vote_probability(double s, int ntbls, int nhash, int nvotes);
inline double vote_probability(double s, const SearchParams& p) {
  return vote_probability(s, p.ntbls, p.nhash, p.nvotes);
}

/// The Jaccard similarity where P(s) reaches `probability` (bisection; P is increasing).
double jaccard_at_probability(double probability, const SearchParams& p);

/// A short table of P(s) for s = 0.05 .. 1 and the crossings of 0.5 and 0.9.
void print_explain(std::ostream& out, const SearchParams& p);

}  // namespace qp::lsh
