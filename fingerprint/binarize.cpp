#include "fingerprint/binarize.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <exception>
#include <vector>

#include "fingerprint/numpy_argsort.hpp"

namespace qp::fp {

namespace {

inline void set_sign_bit(const double* z, std::size_t M, std::size_t c, std::uint64_t* words) {
  if (z[c] > 0) {
    words[c / 64] |= std::uint64_t{1} << (63 - c % 64);
  } else if (z[c] < 0) {
    const std::size_t b = M + c;
    words[b / 64] |= std::uint64_t{1} << (63 - b % 64);
  }
}

// FAST's selection itself: the last K of np.argsort(|z|).
void numpy_topk(const double* z, std::size_t M, std::size_t K, std::uint64_t* words, double* scratch) {
  thread_local std::vector<std::int64_t> idx;
  idx.resize(M);
  for (std::size_t c = 0; c < M; ++c) scratch[c] = std::fabs(z[c]);
  numpy_argsort(scratch, M, idx.data());
  std::memset(words, 0, (2 * M + 63) / 64 * sizeof(std::uint64_t));
  for (std::size_t r = M - K; r < M; ++r) set_sign_bit(z, M, static_cast<std::size_t>(idx[r]), words);
}

}  // namespace

void topk_sign_bits(const double* z, std::size_t M, int k, std::uint64_t* words, double* scratch,
                    TieOrder tie_order) {
  const std::size_t nwords = (2 * M + 63) / 64;
  std::memset(words, 0, nwords * sizeof(std::uint64_t));
  const auto K = std::min<std::size_t>(static_cast<std::size_t>(k), M);
  if (K == 0) return;
  // Threshold = K-th largest |z|. Any exact selection gives the same set, so
  // first narrow the candidates with a pivot estimated from a small sample
  // (fast: the selection then runs on ~2K values instead of M), and fall back
  // to selecting among all M when the estimate keeps too few.
  double thr;
  std::size_t nc = 0;
  if (M >= 512 && K * 8 <= M) {
    constexpr std::size_t kSample = 64;
    double smp[kSample];
    for (std::size_t i = 0; i < kSample; ++i) smp[i] = std::fabs(z[(i * M) / kSample]);
    // Aim for about twice K above the pivot.
    std::size_t above = std::min<std::size_t>(kSample - 1, (2 * K * kSample) / M + 2);
    std::nth_element(smp, smp + (kSample - 1 - above), smp + kSample);
    const double pivot = smp[kSample - 1 - above];
    for (std::size_t c = 0; c < M; ++c) {
      const double a = std::fabs(z[c]);
      scratch[nc] = a;
      nc += a >= pivot;
    }
  }
  if (nc >= K) {
    std::nth_element(scratch, scratch + (nc - K), scratch + nc);
    thr = scratch[nc - K];
  } else {
    for (std::size_t c = 0; c < M; ++c) scratch[c] = std::fabs(z[c]);
    std::nth_element(scratch, scratch + (M - K), scratch + M);
    thr = scratch[M - K];
  }
  // Everything strictly above the threshold is kept (branch-free: the kept
  // set is ~10 % of M at random positions, which defeats branch prediction).
  std::size_t above = 0;
  for (std::size_t c = 0; c < M; ++c) {
    const double a = std::fabs(z[c]);
    const std::uint64_t sel = a > thr;
    above += sel;
    const std::uint64_t pos = sel & static_cast<std::uint64_t>(z[c] > 0);
    const std::uint64_t neg = sel & static_cast<std::uint64_t>(z[c] < 0);
    const std::size_t b = M + c;
    words[c / 64] |= pos << (63 - c % 64);
    words[b / 64] |= neg << (63 - b % 64);
  }
  // Ties at the threshold: more equal to it than places left?
  std::size_t ties = K - above;
  if (tie_order == TieOrder::kNumpy && ties > 0) {
    std::size_t equal = 0;
    for (std::size_t c = 0; c < M; ++c) equal += std::fabs(z[c]) == thr;
    if (equal > ties) return numpy_topk(z, M, K, words, scratch);
  }
  // From the highest index down.
  for (std::size_t c = M; ties > 0 && c-- > 0;) {
    if (std::fabs(z[c]) != thr) continue;
    --ties;
    set_sign_bit(z, M, c, words);
  }
}

FingerprintBlock binarize(const CoefficientBlock& coeffs, const MadStats& stats, int k_coef,
                          TieOrder ties) {
  const std::size_t M = coeffs.M, n = coeffs.size();
  assert(stats.size() == M);
  FingerprintBlock out;
  out.words = (2 * M + 63) / 64;
  out.times = coeffs.times;
  out.bits.assign(n * out.words, 0);
  // z = (x - median)/MAD with FAST's division (not a multiplication by 1/MAD,
  // which rounds differently). Unusable coefficients (MAD 0 or not finite)
  // get median 0, MAD 1 and weight 0, so z = 0 without a branch.
  std::vector<double> med(M), mad(M), keep(M);
  for (std::size_t c = 0; c < M; ++c) {
    const bool ok = stats.mad[c] > 0 && std::isfinite(stats.mad[c]) && std::isfinite(stats.median[c]);
    med[c] = ok ? stats.median[c] : 0.0;
    mad[c] = ok ? stats.mad[c] : 1.0;
    keep[c] = ok ? 1.0 : 0.0;
  }
  std::exception_ptr error;
#pragma omp parallel
  {
    try {
      std::vector<double> z(M), scratch(M);
#pragma omp for schedule(static)
      for (std::size_t i = 0; i < n; ++i) {
        const double* x = coeffs.row(i);
        double sum = 0.0;
        for (std::size_t c = 0; c < M; ++c) {
          z[c] = (x[c] - med[c]) / mad[c] * keep[c];
          sum += z[c];
        }
        if (!std::isfinite(sum))  // NaN/Inf inputs: treat as uninformative
          for (std::size_t c = 0; c < M; ++c)
            if (!std::isfinite(z[c])) z[c] = 0.0;
        topk_sign_bits(z.data(), M, k_coef, out.bits.data() + i * out.words, scratch.data(), ties);
      }
    } catch (...) {
#pragma omp critical(qp_fp_binarize_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
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
