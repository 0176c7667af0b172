#include "lsh/signatures.hpp"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstring>
#include <exception>
#include <new>

#include <immintrin.h>
#include <sys/mman.h>
#include <xxhash.h>

#include "lsh/hash_functions.hpp"

namespace qp::lsh {
namespace {

constexpr int kLanes = SignatureGenerator::kLanes;
constexpr int kMaxWidth = 2 * kLanes;  // kChunkPerms rounded up to whole vectors
static_assert(SignatureGenerator::kChunkPerms <= kMaxWidth, "a chunk is at most two vectors");
// Fingerprints sharing one pass over a rank slice: each slice comes from L3
// once per batch, so the batch is large; its set-bit lists (~0.4 kB per
// fingerprint) and the slice (<= 512 kB at 4096 bits) still fit in L2 together.
constexpr std::size_t kBatch = 1024;

// Running min/max rank of one chunk (G * 32 lanes) over the listed set bits,
// held in vector registers; rows are loaded with memcpy (unaligned loads).
// `Lanes` uint16 per vector: 32 for AVX-512, 16 otherwise.
template <typename Vec, int Lanes, int G>
inline void minmax_chunk_impl(const std::uint16_t* slice, const std::uint16_t* setbits,
                              std::size_t count, std::uint16_t* mins, std::uint16_t* maxs) {
  constexpr int W = G * kLanes, V = W / Lanes;
  Vec mn[V], mx[V];
  for (int v = 0; v < V; ++v) {
    mx[v] = Vec{};
    mn[v] = ~mx[v];
  }
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint16_t* row = slice + static_cast<std::size_t>(setbits[i]) * W;
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

typedef std::uint16_t v16w __attribute__((vector_size(32)));
typedef std::uint16_t v32w __attribute__((vector_size(64)));

template <int G>
__attribute__((target("avx512f,avx512bw"))) void minmax_chunk_avx512(
    const std::uint16_t* slice, const std::uint16_t* setbits, std::size_t count,
    std::uint16_t* mins, std::uint16_t* maxs) {
  minmax_chunk_impl<v32w, 32, G>(slice, setbits, count, mins, maxs);
}

template <int G>
__attribute__((target("avx2"))) void minmax_chunk_avx2(const std::uint16_t* slice,
                                                       const std::uint16_t* setbits,
                                                       std::size_t count, std::uint16_t* mins,
                                                       std::uint16_t* maxs) {
  minmax_chunk_impl<v16w, 16, G>(slice, setbits, count, mins, maxs);
}

template <int G>
void minmax_chunk_generic(const std::uint16_t* slice, const std::uint16_t* setbits,
                          std::size_t count, std::uint16_t* mins, std::uint16_t* maxs) {
  minmax_chunk_impl<v16w, 16, G>(slice, setbits, count, mins, maxs);
}

// Keys of a chunk's `tables` tables: Boost's hash_combine from 0 over each
// table's h2 minima, then its nhash - h2 maxima (FAST's order). The inputs are
// table-minor: mins[k * stride + t] is table t's k-th minimum, so `Vec`-width
// tables are folded from contiguous entries; lanes past `tables` read the next
// row or the buffers' spare entries and are dropped.
template <typename Vec>
inline void chunk_keys_impl(const std::uint32_t* mins, const std::uint32_t* maxs, int tables,
                            int stride, int h2, int nhash, std::uint64_t* dst) {
  constexpr int L = sizeof(Vec) / sizeof(std::uint64_t);
  constexpr std::uint64_t m = 0xc6a4a7935bd1e995ULL;
  for (int t0 = 0; t0 < tables; t0 += L) {
    Vec h{};
    for (int i = 0; i < nhash; ++i) {
      const std::uint32_t* src = (i < h2 ? mins + i * stride : maxs + (i - h2) * stride) + t0;
      Vec k;
      for (int l = 0; l < L; ++l) k[l] = src[l];
      k *= m;  // hash_combine64, lane-wise
      k ^= k >> 47;
      k *= m;
      h ^= k;
      h *= m;
      h += 0xe6546b64ULL;
    }
    for (int l = 0; l < L && t0 + l < tables; ++l) dst[t0 + l] = h[l];
  }
}

typedef std::uint64_t v1q __attribute__((vector_size(8)));
typedef std::uint64_t v8q __attribute__((vector_size(64)));

__attribute__((target("avx512f,avx512dq"))) void chunk_keys_avx512(
    const std::uint32_t* mins, const std::uint32_t* maxs, int tables, int stride, int h2,
    int nhash, std::uint64_t* dst) {
  chunk_keys_impl<v8q>(mins, maxs, tables, stride, h2, nhash, dst);
}

void chunk_keys_scalar(const std::uint32_t* mins, const std::uint32_t* maxs, int tables,
                       int stride, int h2, int nhash, std::uint64_t* dst) {
  chunk_keys_impl<v1q>(mins, maxs, tables, stride, h2, nhash, dst);
}

// Min/max buffer entries: a chunk's lanes and the 7 spare entries the key
// fold reads past them.
constexpr int kMinMaxBuffer = kMaxWidth + 8;

// Hashes of a chunk's `lanes` lanes from their ranks (rank r of lane l is
// values[r * lanes + l]). Plain loads: AVX-512 gathers were no faster here.
void hashes_of_ranks(const std::uint16_t* rank, const std::uint32_t* values, std::size_t lanes,
                    std::uint32_t* out) {
  for (std::size_t l = 0; l < lanes; ++l) out[l] = values[rank[l] * lanes + l];
}

// Positions of the set bits of one fingerprint (bits past nbits ignored) into
// dst, which has room for nbits + 32 entries; returns their count.
std::size_t set_bits_generic(const std::uint64_t* row, std::size_t nbits, std::uint16_t* dst) {
  std::uint16_t* const first = dst;
  for (std::size_t w = 0; w * 64 < nbits; ++w) {
    std::uint64_t x = row[w];
    if (nbits - w * 64 < 64) x &= (std::uint64_t{1} << (nbits - w * 64)) - 1;
    for (; x; x &= x - 1)
      *dst++ = static_cast<std::uint16_t>(w * 64 + static_cast<std::size_t>(__builtin_ctzll(x)));
  }
  return static_cast<std::size_t>(dst - first);
}

// The same 32 bits at a time without branches on the bits: the positions of
// a half word's set bits compressed into one vector, stored whole (the spare
// room takes the rest), the count advanced by its popcount.
__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt"))) std::size_t set_bits_avx512(
    const std::uint64_t* row, std::size_t nbits, std::uint16_t* dst) {
  const __m512i iota = _mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
                                        15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  std::size_t count = 0;
  for (std::size_t h = 0; h * 32 < nbits; ++h) {
    std::uint32_t x = static_cast<std::uint32_t>(row[h / 2] >> (32 * (h % 2)));
    if (nbits - h * 32 < 32) x &= (std::uint32_t{1} << (nbits - h * 32)) - 1;
    const __m512i pos = _mm512_add_epi16(iota, _mm512_set1_epi16(static_cast<short>(h * 32)));
    _mm512_storeu_si512(dst + count, _mm512_maskz_compress_epi16(x, pos));
    count += static_cast<std::size_t>(__builtin_popcount(x));
  }
  return count;
}

using MinMaxKernel = void (*)(const std::uint16_t*, const std::uint16_t*, std::size_t,
                              std::uint16_t*, std::uint16_t*);
using KeyKernel = void (*)(const std::uint32_t*, const std::uint32_t*, int, int, int, int,
                           std::uint64_t*);
using SetBitsKernel = std::size_t (*)(const std::uint64_t*, std::size_t, std::uint16_t*);

// Kernels for one and two vectors of 32 lanes, the key fold and the set-bit
// lists, for the best ISA of this CPU.
struct Kernels {
  MinMaxKernel by_groups[3];
  KeyKernel keys;
  SetBitsKernel set_bits;
};

Kernels pick_kernels() {
  __builtin_cpu_init();
  const KeyKernel keys = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
                             ? chunk_keys_avx512
                             : chunk_keys_scalar;
  const SetBitsKernel set_bits = __builtin_cpu_supports("avx512f") &&
                                         __builtin_cpu_supports("avx512bw") &&
                                         __builtin_cpu_supports("avx512vbmi2") &&
                                         __builtin_cpu_supports("popcnt")
                                     ? set_bits_avx512
                                     : set_bits_generic;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
    return {{nullptr, minmax_chunk_avx512<1>, minmax_chunk_avx512<2>}, keys, set_bits};
  if (__builtin_cpu_supports("avx2"))
    return {{nullptr, minmax_chunk_avx2<1>, minmax_chunk_avx2<2>}, keys, set_bits};
  return {{nullptr, minmax_chunk_generic<1>, minmax_chunk_generic<2>}, keys, set_bits};
}

const Kernels& kernels_for_cpu() {
  static const Kernels kernels = pick_kernels();
  return kernels;
}

}  // namespace

void* allocate_table_bytes(std::size_t bytes) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  const std::size_t align = bytes >= kHuge / 2 ? kHuge : 64;
  const std::size_t size = (std::max<std::size_t>(bytes, 1) + align - 1) / align * align;
  void* p = std::aligned_alloc(align, size);
  if (p == nullptr) throw std::bad_alloc();
  if (align == kHuge) madvise(p, size, MADV_HUGEPAGE);
  return p;
}

SignatureGenerator::SignatureGenerator(const SearchParams& params, std::size_t nbits)
    : nbits_(nbits),
      ntbls_(params.ntbls),
      nhash_(params.nhash),
      h2_(params.perms_per_table()),
      perms_(params.permutations()),
      mode_(params.hash_mode),
      seed_(params.seed) {
  params.validate();
  assert(nbits > 0 && nbits <= 65536 && "bit positions and ranks are stored as uint16");
  const int per_chunk = std::max(1, kChunkPerms / h2_);  // whole tables per chunk
  std::size_t rank_offset = 0, value_offset = 0;
  for (int t0 = 0; t0 < ntbls_; t0 += per_chunk) {
    const int tables = std::min(per_chunk, ntbls_ - t0);
    const int width = (tables * h2_ + kLanes - 1) / kLanes * kLanes;
    chunks_.push_back({t0, tables, width, rank_offset, value_offset});
    rank_offset += nbits_ * static_cast<std::size_t>(width);
    value_offset += nbits_ * static_cast<std::size_t>(tables * h2_);
  }
  ranks_.assign(rank_offset, 0);
  values_.assign(value_offset, 0);
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 4)
  for (int perm = 0; perm < perms_; ++perm) {
    try {
      rank_permutation(perm, chunks_[static_cast<std::size_t>(perm / h2_ / per_chunk)]);
    } catch (...) {
#pragma omp critical(qp_lsh_sig_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

// Sorts the permutation's hashes of all bits once: each bit's rank is its
// place in that order and values[rank] its hash. Min/max rank over any set of
// bits is then the place of a min/max hash (equal hashes in any order).
void SignatureGenerator::rank_permutation(int perm, const Chunk& c) {
  std::vector<std::uint64_t> keyed(nbits_);  // hash << 32 | bit
  for (std::size_t b = 0; b < nbits_; ++b)
    keyed[b] = static_cast<std::uint64_t>(permutation_hash(b, perm)) << 32 | b;
  std::sort(keyed.begin(), keyed.end());
  const std::size_t lane = lane_of(perm, c);
  const std::size_t lanes = static_cast<std::size_t>(c.tables * h2_);
  std::uint16_t* ranks = ranks_.data() + c.rank_offset + lane;
  std::uint32_t* values = values_.data() + c.value_offset + lane;
  for (std::size_t rank = 0; rank < nbits_; ++rank) {
    values[rank * lanes] = static_cast<std::uint32_t>(keyed[rank] >> 32);
    ranks[(keyed[rank] & 0xffffffffU) * static_cast<std::size_t>(c.width)] = static_cast<std::uint16_t>(rank);
  }
}

std::uint32_t SignatureGenerator::permutation_hash(std::size_t bit, int perm) const {
  const auto key = static_cast<std::uint32_t>(bit);
  const auto j = static_cast<std::uint32_t>(perm);
  if (mode_ == HashMode::fast) return murmur3_x86_32_u32(key, seed_ + j);
  const unsigned char le[4] = {static_cast<unsigned char>(key), static_cast<unsigned char>(key >> 8),
                               static_cast<unsigned char>(key >> 16),
                               static_cast<unsigned char>(key >> 24)};
  return static_cast<std::uint32_t>(
      XXH3_64bits_withSeed(le, 4, static_cast<std::uint64_t>(seed_) << 32 | j));
}

Signatures SignatureGenerator::compute(const FingerprintView& fps) const {
  Signatures s;
  s.n = fps.n;
  s.ntbls = ntbls_;
  s.keys.resize(fps.n * static_cast<std::size_t>(ntbls_));
  compute(fps, s.keys.data());
  return s;
}

// Keys of `count` fingerprints (set bits setbits[start[f] .. start[f+1])) into
// out[f * ntbls + t]: chunk by chunk, so one slice serves the whole batch.
void SignatureGenerator::compute_batch(const std::uint16_t* setbits, const std::size_t* start,
                                       std::size_t count, std::uint64_t* out) const {
  const Kernels& kernels = kernels_for_cpu();
  alignas(64) std::uint16_t min_rank[kMaxWidth], max_rank[kMaxWidth];
  alignas(64) std::uint32_t mins[kMinMaxBuffer] = {}, maxs[kMinMaxBuffer] = {};
  for (const Chunk& c : chunks_) {
    const MinMaxKernel minmax = kernels.by_groups[c.width / kLanes];
    const std::uint16_t* slice = ranks_.data() + c.rank_offset;
    const std::uint32_t* values = values_.data() + c.value_offset;
    const std::size_t lanes = static_cast<std::size_t>(c.tables * h2_);
    for (std::size_t f = 0; f < count; ++f) {
      if (start[f + 1] == start[f]) {  // no set bits: FAST's initial min and max
        std::fill(mins, mins + kMinMaxBuffer, UINT32_MAX);
        std::fill(maxs, maxs + kMinMaxBuffer, 0U);
      } else {
        minmax(slice, setbits + start[f], start[f + 1] - start[f], min_rank, max_rank);
        hashes_of_ranks(min_rank, values, lanes, mins);
        hashes_of_ranks(max_rank, values, lanes, maxs);
      }
      kernels.keys(mins, maxs, c.tables, c.tables, h2_, nhash_,
                   out + f * static_cast<std::size_t>(ntbls_) + c.first_table);
    }
  }
}

void SignatureGenerator::compute(const FingerprintView& fps, std::uint64_t* out) const {
  assert(fps.nbits == nbits_);
  const Kernels& kernels = kernels_for_cpu();
  const std::size_t nbatches = (fps.n + kBatch - 1) / kBatch;
  std::exception_ptr error;
#pragma omp parallel
  {
    std::vector<std::uint16_t> setbits;
    std::vector<std::size_t> start(kBatch + 1);
#pragma omp for schedule(dynamic, 1)
    for (long long bi = 0; bi < static_cast<long long>(nbatches); ++bi) {
      try {
        const std::size_t first = static_cast<std::size_t>(bi) * kBatch;
        const std::size_t count = std::min(kBatch, fps.n - first);
        // Set-bit lists once per batch, reused for every slice.
        std::size_t total = 0;
        for (std::size_t f = 0; f < count; ++f) {
          start[f] = total;
          if (setbits.size() < total + nbits_ + 32)
            setbits.resize(std::max(2 * setbits.size(), total + nbits_ + 32));
          total += kernels.set_bits(fps.row(first + f), nbits_, setbits.data() + total);
        }
        start[count] = total;
        compute_batch(setbits.data(), start.data(), count,
                      out + first * static_cast<std::size_t>(ntbls_));
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
