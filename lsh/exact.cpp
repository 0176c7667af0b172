#include "lsh/exact.hpp"

#include <cassert>

namespace qp::lsh {

double jaccard(const FingerprintView& fps, std::size_t i, std::size_t j) {
  const std::uint64_t* x = fps.row(i);
  const std::uint64_t* y = fps.row(j);
  std::uint64_t inter = 0, uni = 0;
  for (std::size_t w = 0; w < fps.words; ++w) {
    inter += static_cast<std::uint64_t>(__builtin_popcountll(x[w] & y[w]));
    uni += static_cast<std::uint64_t>(__builtin_popcountll(x[w] | y[w]));
  }
  return uni ? static_cast<double>(inter) / static_cast<double>(uni) : 0.0;
}

std::vector<ExactPair> exact_pairs(const FingerprintView& fps, const std::vector<TimeNs>& times,
                                   TimeNs near_ns, double threshold) {
  assert(times.size() == fps.n);
  std::vector<std::vector<ExactPair>> rows(fps.n);
#pragma omp parallel for schedule(dynamic, 16)
  for (long long i = 0; i < static_cast<long long>(fps.n); ++i) {
    const std::size_t a = static_cast<std::size_t>(i);
    for (std::size_t b = a + 1; b < fps.n; ++b) {
      if (times[b] - times[a] < near_ns && times[a] - times[b] < near_ns) continue;
      const double s = jaccard(fps, a, b);
      if (s >= threshold)
        rows[a].push_back({static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b), s});
    }
  }
  std::vector<ExactPair> out;
  for (auto& r : rows) out.insert(out.end(), r.begin(), r.end());
  return out;
}

}  // namespace qp::lsh
