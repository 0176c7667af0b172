#include "fingerprint/binarize.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <exception>
#include <immintrin.h>
#include <limits>
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

// The row kernels come in an AVX2 build and a generic one (same IEEE
// operations, so the same bits), picked once for this CPU.
bool cpu_has_avx2() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return yes;
}

// z = (x - med) / mad * keep and a = |z| for one row; true when some z is
// not finite. FAST's division, not a multiplication by 1/MAD (which rounds
// differently). Element-wise, so it vectorises; the finiteness test is an
// OR of comparisons (a running sum would pin the loop to scalar order).
__attribute__((always_inline)) inline bool normalise_body(const double* x, const double* med,
                                                          const double* mad, const double* keep,
                                                          std::size_t M, double* z, double* a) {
  std::uint32_t bad = 0;
  for (std::size_t c = 0; c < M; ++c) {
    const double v = (x[c] - med[c]) / mad[c] * keep[c];
    const double av = std::fabs(v);
    z[c] = v;
    a[c] = av;
    bad |= static_cast<std::uint32_t>(!(av <= std::numeric_limits<double>::max()));
  }
  return bad != 0;
}

__attribute__((target("avx2"))) bool normalise_avx2(const double* x, const double* med,
                                                    const double* mad, const double* keep,
                                                    std::size_t M, double* z, double* a) {
  return normalise_body(x, med, mad, keep, M, z, a);
}

bool normalise_generic(const double* x, const double* med, const double* mad, const double* keep,
                       std::size_t M, double* z, double* a) {
  return normalise_body(x, med, mad, keep, M, z, a);
}

// Bit j of a 64-bit mask -> bit 63 - j (masks are built LSB first, rows are
// stored MSB first).
inline std::uint64_t reverse_bits(std::uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

// ORs `msb` (bits MSB first) into the row's bits [bit, bit + 64).
inline void or_bits_at(std::uint64_t* words, std::size_t bit, std::uint64_t msb) {
  const std::size_t w = bit / 64, s = bit % 64;
  words[w] |= msb >> s;
  if (s != 0 && (msb << (64 - s)) != 0) words[w + 1] |= msb << (64 - s);
}

// Sign bits of every coefficient with a > thr, 64 coefficients at a time;
// returns how many there are.
std::size_t sign_bits_above_generic(const double* z, const double* a, std::size_t M, double thr,
                                    std::uint64_t* words) {
  std::size_t above = 0;
  for (std::size_t c0 = 0; c0 < M; c0 += 64) {
    const std::size_t n = std::min<std::size_t>(64, M - c0);
    std::uint64_t pos = 0, neg = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint64_t sel = a[c0 + j] > thr;
      pos |= (sel & static_cast<std::uint64_t>(z[c0 + j] > 0)) << j;
      neg |= (sel & static_cast<std::uint64_t>(z[c0 + j] < 0)) << j;
      above += sel;
    }
    if (pos) or_bits_at(words, c0, reverse_bits(pos));
    if (neg) or_bits_at(words, M + c0, reverse_bits(neg));
  }
  return above;
}

__attribute__((target("avx2"))) std::size_t sign_bits_above_avx2(const double* z, const double* a,
                                                                 std::size_t M, double thr,
                                                                 std::uint64_t* words) {
  if (M % 4 != 0) return sign_bits_above_generic(z, a, M, thr, words);
  const __m256d vthr = _mm256_set1_pd(thr), zero = _mm256_setzero_pd();
  std::size_t above = 0;
  for (std::size_t c0 = 0; c0 < M; c0 += 64) {
    const std::size_t n = std::min<std::size_t>(64, M - c0);
    std::uint64_t pos = 0, neg = 0, sel_all = 0;
    for (std::size_t j = 0; j < n; j += 4) {
      const __m256d va = _mm256_loadu_pd(a + c0 + j), vz = _mm256_loadu_pd(z + c0 + j);
      const __m256d sel = _mm256_cmp_pd(va, vthr, _CMP_GT_OQ);
      const auto p = static_cast<std::uint64_t>(
          _mm256_movemask_pd(_mm256_and_pd(sel, _mm256_cmp_pd(vz, zero, _CMP_GT_OQ))));
      const auto q = static_cast<std::uint64_t>(
          _mm256_movemask_pd(_mm256_and_pd(sel, _mm256_cmp_pd(vz, zero, _CMP_LT_OQ))));
      pos |= p << j;
      neg |= q << j;
      sel_all |= static_cast<std::uint64_t>(_mm256_movemask_pd(sel)) << j;
    }
    above += static_cast<std::size_t>(__builtin_popcountll(sel_all));
    if (pos) or_bits_at(words, c0, reverse_bits(pos));
    if (neg) or_bits_at(words, M + c0, reverse_bits(neg));
  }
  return above;
}

bool cpu_has_avx512() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return yes;
}

// Copies the a[c] >= pivot to out (in order); returns how many. `out` holds M.
std::size_t keep_at_least_generic(const double* a, std::size_t M, double pivot, double* out) {
  std::size_t nc = 0;
  for (std::size_t c = 0; c < M; ++c) {
    out[nc] = a[c];
    nc += a[c] >= pivot;
  }
  return nc;
}

// The same, 8 at a time: compress in a register, then a full store (a
// compressing store to memory is slow on some CPUs); the spare lanes are
// overwritten by the next store or lie past nc, within out's M entries.
__attribute__((target("avx512f"))) std::size_t keep_at_least_avx512(const double* a, std::size_t M,
                                                                    double pivot, double* out) {
  const __m512d vp = _mm512_set1_pd(pivot);
  std::size_t nc = 0, c = 0;
  for (; c + 8 <= M; c += 8) {
    const __m512d v = _mm512_loadu_pd(a + c);
    const __mmask8 m = _mm512_cmp_pd_mask(v, vp, _CMP_GE_OQ);
    _mm512_storeu_pd(out + nc, _mm512_maskz_compress_pd(m, v));
    nc += static_cast<std::size_t>(__builtin_popcount(m));
  }
  for (; c < M; ++c) {
    out[nc] = a[c];
    nc += a[c] >= pivot;
  }
  return nc;
}

inline std::uint64_t key_of(double v) {
  std::uint64_t k;
  std::memcpy(&k, &v, sizeof k);
  return k;
}

// The K-th largest of v[0..n) (non-negative, finite; v is reordered): a radix
// select on the bit patterns, whose order is the values' order for
// non-negative doubles. Each pass spreads the survivors' keys over 256
// buckets by (key - lowest) >> shift and keeps the bucket holding the K-th.
double radix_kth_largest(double* v, std::size_t n, std::size_t K) {
  while (n > 32) {
    std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = key_of(v[i]);
      lo = std::min(lo, k);
      hi = std::max(hi, k);
    }
    if (lo == hi) return v[0];
    const int shift = std::max(0, 64 - __builtin_clzll(hi - lo) - 8);
    std::uint32_t count[256] = {};
    for (std::size_t i = 0; i < n; ++i) ++count[(key_of(v[i]) - lo) >> shift];
    std::size_t above = 0;
    std::uint64_t b = 255;
    while (above + count[b] < K) above += count[b--];
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v[m] = v[i];
      m += ((key_of(v[i]) - lo) >> shift) == b;
    }
    n = m;
    K -= above;
  }
  std::nth_element(v, v + (n - K), v + n);
  return v[n - K];
}

// The K-th largest of a[0..M) (exact). Any exact selection gives the same
// value, so first narrow the candidates with a pivot estimated from a small
// sample (the selection then runs on ~2K values instead of M; worth it while
// K is at most a quarter of M: k 200 of M 1024 or 2048), and fall back to
// selecting among all M when the estimate keeps too few.
double kth_largest(const double* a, std::size_t M, std::size_t K, double* scratch) {
  std::size_t nc = 0;
  if (M >= 512 && K * 4 <= M) {
    constexpr std::size_t kSample = 64;
    double smp[kSample];
    for (std::size_t i = 0; i < kSample; ++i) smp[i] = a[(i * M) / kSample];
    // Aim for about twice K above the pivot.
    const std::size_t above = std::min<std::size_t>(kSample - 1, (2 * K * kSample) / M + 2);
    std::nth_element(smp, smp + (kSample - 1 - above), smp + kSample);
    const double pivot = smp[kSample - 1 - above];
    nc = cpu_has_avx512() ? keep_at_least_avx512(a, M, pivot, scratch)
                          : keep_at_least_generic(a, M, pivot, scratch);
  }
  if (nc < K) {
    std::copy(a, a + M, scratch);
    nc = M;
  }
  return radix_kth_largest(scratch, nc, K);
}

// Top-k sign bits of one row given z and a = |z| (finite); `scratch` holds M.
void topk_sign_bits_abs(const double* z, const double* a, std::size_t M, std::size_t K,
                        std::uint64_t* words, double* scratch, TieOrder tie_order) {
  const std::size_t nwords = (2 * M + 63) / 64;
  std::memset(words, 0, nwords * sizeof(std::uint64_t));
  if (K == 0) return;
  const double thr = kth_largest(a, M, K, scratch);
  // Everything strictly above the threshold is kept.
  const std::size_t above = cpu_has_avx2() ? sign_bits_above_avx2(z, a, M, thr, words)
                                           : sign_bits_above_generic(z, a, M, thr, words);
  // Ties at the threshold: more equal to it than places left?
  std::size_t ties = K - above;
  if (tie_order == TieOrder::kNumpy && ties > 0) {
    std::size_t equal = 0;
    for (std::size_t c = 0; c < M; ++c) equal += a[c] == thr;
    if (equal > ties) return numpy_topk(z, M, K, words, scratch);
  }
  // From the highest index down.
  for (std::size_t c = M; ties > 0 && c-- > 0;) {
    if (a[c] != thr) continue;
    --ties;
    set_sign_bit(z, M, c, words);
  }
}

}  // namespace

void topk_sign_bits(const double* z, std::size_t M, int k, std::uint64_t* words, double* scratch,
                    TieOrder tie_order) {
  const auto K = std::min<std::size_t>(static_cast<std::size_t>(k), M);
  std::vector<double> a(M);
  for (std::size_t c = 0; c < M; ++c) a[c] = std::fabs(z[c]);
  topk_sign_bits_abs(z, a.data(), M, K, words, scratch, tie_order);
}

Binarizer::Binarizer(const MadStats& stats, int k_coef, TieOrder ties)
    : M_(stats.size()),
      K_(std::min<std::size_t>(static_cast<std::size_t>(k_coef), stats.size())),
      ties_(ties),
      med_(M_),
      mad_(M_),
      keep_(M_) {
  for (std::size_t c = 0; c < M_; ++c) {
    const bool ok = stats.mad[c] > 0 && std::isfinite(stats.mad[c]) && std::isfinite(stats.median[c]);
    med_[c] = ok ? stats.median[c] : 0.0;
    mad_[c] = ok ? stats.mad[c] : 1.0;
    keep_[c] = ok ? 1.0 : 0.0;
  }
}

void Binarizer::row(const double* x, std::uint64_t* words, double* workspace) const {
  double* z = workspace;
  double* a = workspace + M_;
  const bool bad = cpu_has_avx2() ? normalise_avx2(x, med_.data(), mad_.data(), keep_.data(), M_, z, a)
                                  : normalise_generic(x, med_.data(), mad_.data(), keep_.data(), M_, z, a);
  if (bad)
    for (std::size_t c = 0; c < M_; ++c)  // NaN/Inf inputs: treat as uninformative
      if (!std::isfinite(z[c])) z[c] = a[c] = 0.0;
  topk_sign_bits_abs(z, a, M_, K_, words, workspace + 2 * M_, ties_);
}

FingerprintBlock binarize(const CoefficientBlock& coeffs, const MadStats& stats, int k_coef,
                          TieOrder ties) {
  const std::size_t n = coeffs.size();
  assert(stats.size() == coeffs.M);
  const Binarizer bin(stats, k_coef, ties);
  FingerprintBlock out;
  out.words = bin.words();
  out.times = coeffs.times;
  out.bits.assign(n * out.words, 0);
  std::exception_ptr error;
#pragma omp parallel
  {
    try {
      std::vector<double> ws(bin.workspace_size());
#pragma omp for schedule(static)
      for (std::size_t i = 0; i < n; ++i) bin.row(coeffs.row(i), out.bits.data() + i * out.words, ws.data());
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
