#include "lsh/explain.hpp"

#include <cmath>

#include <fmt/format.h>

namespace qp::lsh {

double vote_probability(double s, int ntbls, int nhash, int nvotes) {
  const double p = std::pow(s, nhash);
  if (p <= 0) return nvotes <= 0 ? 1.0 : 0.0;
  if (p >= 1) return 1.0;
  // Binomial terms in log space: stable for ntbls up to 4096.
  double below = 0;
  for (int i = 0; i < nvotes; ++i) {
    const double log_term = std::lgamma(ntbls + 1.0) - std::lgamma(i + 1.0) -
                            std::lgamma(ntbls - i + 1.0) + i * std::log(p) +
                            (ntbls - i) * std::log1p(-p);
    below += std::exp(log_term);
  }
  return std::max(0.0, std::min(1.0, 1.0 - below));
}

double jaccard_at_probability(double probability, const SearchParams& p) {
  double lo = 0, hi = 1;
  for (int it = 0; it < 60; ++it) {
    const double mid = 0.5 * (lo + hi);
    (vote_probability(mid, p) < probability ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

void print_explain(std::ostream& out, const SearchParams& p) {
  out << fmt::format("LSH detection curve: ntbls {}, nhash {}, nvotes {}\n", p.ntbls, p.nhash,
                     p.nvotes);
  out << fmt::format("  P(votes >= {}) = 0.5 at Jaccard {:.3f}\n", p.nvotes,
                     jaccard_at_probability(0.5, p));
  out << fmt::format("  P(votes >= {}) = 0.9 at Jaccard {:.3f}\n", p.nvotes,
                     jaccard_at_probability(0.9, p));
  out << "  Jaccard  P(candidate)\n";
  for (int k = 1; k <= 20; ++k) {
    const double s = 0.05 * k;
    out << fmt::format("  {:7.2f}  {:.4f}\n", s, vote_probability(s, p));
  }
}

}  // namespace qp::lsh
