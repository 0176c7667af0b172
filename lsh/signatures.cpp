#include "lsh/signatures.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <exception>

#include <xxhash.h>

#include "lsh/hash_functions.hpp"

namespace qp::lsh {
namespace {

constexpr int kChunk = SignatureGenerator::kChunk;
constexpr std::size_t kBatch = 64;  // fingerprints sharing one pass over a table slice

// Running min/max of kChunk permutations over the listed set bits, held in
// vector registers; rows are loaded with memcpy (unaligned loads). `Lanes`
// uint32 per vector: 16 for AVX-512, 8 otherwise.
template <typename Vec, int Lanes>
inline void minmax_chunk_impl(const std::uint32_t* slice, const std::uint16_t* setbits,
                              std::size_t count, std::uint32_t* mins, std::uint32_t* maxs) {
  static_assert(kChunk % Lanes == 0, "a chunk is whole vectors");
  constexpr int V = kChunk / Lanes;
  Vec mn[V], mx[V];
  for (int v = 0; v < V; ++v) {
    mx[v] = Vec{};
    mn[v] = ~mx[v];
  }
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint32_t* row = slice + static_cast<std::size_t>(setbits[i]) * kChunk;
    for (int v = 0; v < V; ++v) {
      Vec x;
      std::memcpy(&x, row + v * Lanes, sizeof(x));
      mn[v] = x < mn[v] ? x : mn[v];
      mx[v] = x > mx[v] ? x : mx[v];
    }
  }
  std::memcpy(mins, mn, sizeof(mn));
  std::memcpy(maxs, mx, sizeof(mx));
}

typedef std::uint32_t v8u __attribute__((vector_size(32)));
typedef std::uint32_t v16u __attribute__((vector_size(64)));

__attribute__((target("avx512f"))) void minmax_chunk_avx512(const std::uint32_t* slice,
                                                            const std::uint16_t* setbits,
                                                            std::size_t count, std::uint32_t* mins,
                                                            std::uint32_t* maxs) {
  minmax_chunk_impl<v16u, 16>(slice, setbits, count, mins, maxs);
}

__attribute__((target_clones("avx2", "default"))) void minmax_chunk_generic(
    const std::uint32_t* slice, const std::uint16_t* setbits, std::size_t count,
    std::uint32_t* mins, std::uint32_t* maxs) {
  minmax_chunk_impl<v8u, 8>(slice, setbits, count, mins, maxs);
}

using MinMaxKernel = void (*)(const std::uint32_t*, const std::uint16_t*, std::size_t,
                              std::uint32_t*, std::uint32_t*);

MinMaxKernel pick_kernel() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") ? minmax_chunk_avx512 : minmax_chunk_generic;
}

}  // namespace

SignatureGenerator::SignatureGenerator(const SearchParams& params, std::size_t nbits)
    : nbits_(nbits),
      ntbls_(params.ntbls),
      nhash_(params.nhash),
      h2_(params.perms_per_table()),
      perms_(params.permutations()),
      chunks_((params.permutations() + kChunk - 1) / kChunk) {
  params.validate();
  assert(nbits > 0 && nbits <= 65536 && "bit positions are stored as uint16");
  table_.assign(static_cast<std::size_t>(chunks_) * nbits_ * kChunk, 0);
  const std::uint64_t seed64 = static_cast<std::uint64_t>(params.seed) << 32;
#pragma omp parallel for schedule(static)
  for (long long b = 0; b < static_cast<long long>(nbits_); ++b) {
    const std::uint32_t key = static_cast<std::uint32_t>(b);
    unsigned char le[4] = {static_cast<unsigned char>(key), static_cast<unsigned char>(key >> 8),
                           static_cast<unsigned char>(key >> 16),
                           static_cast<unsigned char>(key >> 24)};
    for (int j = 0; j < perms_; ++j) {
      std::uint32_t h;
      if (params.hash_mode == HashMode::fast)
        h = murmur3_x86_32_u32(key, params.seed + static_cast<std::uint32_t>(j));
      else
        h = static_cast<std::uint32_t>(XXH3_64bits_withSeed(le, 4, seed64 | std::uint32_t(j)));
      const std::size_t c = static_cast<std::size_t>(j / kChunk);
      table_[(c * nbits_ + static_cast<std::size_t>(b)) * kChunk + j % kChunk] = h;
    }
  }
}

std::uint32_t SignatureGenerator::permutation_hash(std::size_t bit, int perm) const {
  const std::size_t c = static_cast<std::size_t>(perm / kChunk);
  return table_[(c * nbits_ + bit) * kChunk + perm % kChunk];
}

std::uint64_t SignatureGenerator::table_key(const std::uint32_t* mins, const std::uint32_t* maxs,
                                            int table) const {
  std::uint64_t h = 0;
  const int base = table * h2_;
  for (int i = 0; i < h2_; ++i) h = hash_combine64(h, mins[base + i]);
  for (int i = 0; i < nhash_ - h2_; ++i) h = hash_combine64(h, maxs[base + i]);
  return h;
}

Signatures SignatureGenerator::compute(const FingerprintView& fps) const {
  Signatures s;
  s.n = fps.n;
  s.ntbls = ntbls_;
  s.keys.resize(fps.n * static_cast<std::size_t>(ntbls_));
  compute(fps, s.keys.data());
  return s;
}

void SignatureGenerator::compute(const FingerprintView& fps, std::uint64_t* out) const {
  assert(fps.nbits == nbits_);
  const std::size_t nbatches = (fps.n + kBatch - 1) / kBatch;
  const std::size_t ppad = static_cast<std::size_t>(chunks_) * kChunk;
  static const MinMaxKernel minmax_chunk = pick_kernel();
  std::exception_ptr error;
#pragma omp parallel
  {
    std::vector<std::uint16_t> setbits;
    std::vector<std::size_t> start(kBatch + 1);
    std::vector<std::uint32_t> mins(kBatch * ppad), maxs(kBatch * ppad);
#pragma omp for schedule(dynamic, 4)
    for (long long bi = 0; bi < static_cast<long long>(nbatches); ++bi) {
      try {
        const std::size_t first = static_cast<std::size_t>(bi) * kBatch;
        const std::size_t count = std::min(kBatch, fps.n - first);
        // Set-bit lists once per batch, reused for every slice.
        setbits.clear();
        for (std::size_t f = 0; f < count; ++f) {
          start[f] = setbits.size();
          const std::uint64_t* row = fps.row(first + f);
          for (std::size_t w = 0; w < fps.words; ++w)
            for (std::uint64_t x = row[w]; x; x &= x - 1) {
              const std::size_t b = w * 64 + static_cast<std::size_t>(__builtin_ctzll(x));
              if (b < nbits_) setbits.push_back(static_cast<std::uint16_t>(b));
            }
        }
        start[count] = setbits.size();
        for (int c = 0; c < chunks_; ++c) {
          const std::uint32_t* slice = table_.data() + static_cast<std::size_t>(c) * nbits_ * kChunk;
          for (std::size_t f = 0; f < count; ++f)
            minmax_chunk(slice, setbits.data() + start[f], start[f + 1] - start[f],
                         mins.data() + f * ppad + static_cast<std::size_t>(c) * kChunk,
                         maxs.data() + f * ppad + static_cast<std::size_t>(c) * kChunk);
        }
        for (std::size_t f = 0; f < count; ++f) {
          std::uint64_t* dst = out + (first + f) * static_cast<std::size_t>(ntbls_);
          for (int t = 0; t < ntbls_; ++t)
            dst[t] = table_key(mins.data() + f * ppad, maxs.data() + f * ppad, t);
        }
      } catch (...) {
#pragma omp critical(qp_lsh_sig_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

Signatures compute_signatures(const FingerprintView& fps, const SearchParams& params) {
  return SignatureGenerator(params, fps.nbits).compute(fps);
}

}  // namespace qp::lsh
