#include "fingerprint/binarize.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <exception>

namespace qp::fp {

void topk_sign_bits(const double* z, std::size_t M, int k, std::uint64_t* words, double* scratch) {
  const std::size_t nwords = (2 * M + 63) / 64;
  std::memset(words, 0, nwords * sizeof(std::uint64_t));
  const auto K = std::min<std::size_t>(static_cast<std::size_t>(k), M);
  if (K == 0) return;
  for (std::size_t c = 0; c < M; ++c) scratch[c] = std::fabs(z[c]);
  // Threshold = K-th largest |z|; everything above it is kept, and ties at the
  // threshold are filled from the highest index down.
  std::nth_element(scratch, scratch + (M - K), scratch + M);
  const double thr = scratch[M - K];
  std::size_t above = 0;
  for (std::size_t c = 0; c < M; ++c) above += std::fabs(z[c]) > thr;
  std::size_t ties = K - above;
  auto set = [&](std::size_t c) {
    if (z[c] > 0) {
      words[c / 64] |= std::uint64_t{1} << (63 - c % 64);
    } else if (z[c] < 0) {
      const std::size_t b = M + c;
      words[b / 64] |= std::uint64_t{1} << (63 - b % 64);
    }
  };
  for (std::size_t c = M; c-- > 0;) {
    const double a = std::fabs(z[c]);
    if (a > thr) {
      set(c);
    } else if (a == thr && ties > 0) {
      set(c);
      --ties;
    }
  }
}

FingerprintBlock binarize(const CoefficientBlock& coeffs, const MadStats& stats, int k_coef) {
  const std::size_t M = coeffs.M, n = coeffs.size();
  assert(stats.size() == M);
  FingerprintBlock out;
  out.words = (2 * M + 63) / 64;
  out.times = coeffs.times;
  out.bits.assign(n * out.words, 0);
  // 1/MAD is not used: FAST divides, and division rounds differently.
  std::vector<char> usable(M);
  for (std::size_t c = 0; c < M; ++c) usable[c] = stats.mad[c] > 0 && std::isfinite(stats.mad[c]);
#pragma omp parallel
  {
    std::vector<double> z(M), scratch(M);
#pragma omp for schedule(static)
    for (std::size_t i = 0; i < n; ++i) {
      const float* x = coeffs.row(i);
      for (std::size_t c = 0; c < M; ++c) {
        const double v = usable[c] ? (static_cast<double>(x[c]) - stats.median[c]) / stats.mad[c] : 0.0;
        z[c] = std::isfinite(v) ? v : 0.0;
      }
      topk_sign_bits(z.data(), M, k_coef, out.bits.data() + i * out.words, scratch.data());
    }
  }
  return out;
}

void words_to_packbits(const std::uint64_t* words, std::size_t nbits, std::uint8_t* bytes) {
  const std::size_t nbytes = (nbits + 7) / 8;
  for (std::size_t i = 0; i < nbytes; ++i)
    bytes[i] = static_cast<std::uint8_t>(words[i / 8] >> (56 - 8 * (i % 8)));
}

void packbits_to_words(const std::uint8_t* bytes, std::size_t nbits, std::uint64_t* words) {
  const std::size_t nbytes = (nbits + 7) / 8;
  const std::size_t nwords = (nbits + 63) / 64;
  std::memset(words, 0, nwords * sizeof(std::uint64_t));
  for (std::size_t i = 0; i < nbytes; ++i)
    words[i / 8] |= static_cast<std::uint64_t>(bytes[i]) << (56 - 8 * (i % 8));
}

std::size_t popcount(const std::uint64_t* a, std::size_t nwords) {
  std::size_t s = 0;
  for (std::size_t i = 0; i < nwords; ++i) s += static_cast<std::size_t>(__builtin_popcountll(a[i]));
  return s;
}

double jaccard(const std::uint64_t* a, const std::uint64_t* b, std::size_t nwords) {
  std::size_t inter = 0, uni = 0;
  for (std::size_t i = 0; i < nwords; ++i) {
    inter += static_cast<std::size_t>(__builtin_popcountll(a[i] & b[i]));
    uni += static_cast<std::size_t>(__builtin_popcountll(a[i] | b[i]));
  }
  return uni == 0 ? 1.0 : static_cast<double>(inter) / static_cast<double>(uni);
}

}  // namespace qp::fp
