#include "lsh/bucket_cap.hpp"

#include <algorithm>
#include <exception>

namespace qp::lsh {

bool HeavyKeys::contains(int t, std::uint64_t key) const {
  const auto& keys = per_table[static_cast<std::size_t>(t)];
  return !keys.empty() && std::binary_search(keys.begin(), keys.end(), key);
}

HeavyKeys find_heavy_keys(const std::vector<SignatureView>& sources, int ntbls, std::size_t cap) {
  HeavyKeys h;
  h.per_table.resize(static_cast<std::size_t>(ntbls));
  std::size_t n = 0;
  for (const auto& s : sources) n += s.n;
  if (n <= cap) return h;
  std::exception_ptr error;
#pragma omp parallel
  {
    std::vector<std::uint64_t> col;
#pragma omp for schedule(dynamic, 1)
    for (int t = 0; t < ntbls; ++t) {
      try {
        col.clear();
        col.reserve(n);
        for (const auto& s : sources)
          for (std::size_t i = 0; i < s.n; ++i) col.push_back(s.row(i)[t]);
        std::sort(col.begin(), col.end());
        auto& out = h.per_table[static_cast<std::size_t>(t)];
        for (std::size_t b = 0; b < n;) {
          std::size_t e = b + 1;
          while (e < n && col[e] == col[b]) ++e;
          if (e - b > cap) out.push_back(col[b]);
          b = e;
        }
      } catch (...) {
#pragma omp critical(qp_lsh_heavy_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
  return h;
}

}  // namespace qp::lsh
