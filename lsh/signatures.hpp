// MinHash (Min-Max) signatures: one 64-bit bucket key per (fingerprint, table).
//
// P = ntbls * ceil(nhash/2) permutations are simulated by hashing the bit
// index; each gives the minimum and the maximum hash over the fingerprint's set
// bits. Table t's key folds, with Boost 1.74's hash_combine from 0,
// min[t*h2 .. t*h2+h2-1] then max[t*h2 .. t*h2+(nhash-h2)-1], h2 = ceil(nhash/2),
// exactly FAST's order. In HashMode::fast the keys equal FAST's signature file.
//
// The hash table is precomputed and laid out in chunks of whole tables (at
// most kChunkPerms permutations, rows padded to 16 lanes), [chunk][bit][lane],
// so the inner loop over the set bits of a batch of fingerprints reads
// contiguous rows of one L2-sized slice and keeps the running minima and
// maxima in vector registers; a chunk's table keys are folded straight from
// those minima and maxima. Batches are large so that each slice, fetched from
// L3 once per batch, serves many fingerprints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "lsh/fingerprint_words.hpp"
#include "lsh/params.hpp"

namespace qp::lsh {

/// Non-owning view of signatures, fingerprint-major: keys[i*ntbls + t].
struct SignatureView {
  const std::uint64_t* keys = nullptr;
  std::size_t n = 0;
  int ntbls = 0;
  const std::uint64_t* row(std::size_t i) const { return keys + i * static_cast<std::size_t>(ntbls); }
};

/// Owning signatures (same layout as FAST's raw signature file, native endianness).
struct Signatures {
  std::size_t n = 0;
  int ntbls = 0;
  std::vector<std::uint64_t> keys;
  SignatureView view() const { return {keys.data(), n, ntbls}; }
};

/// Allocator of cache-line aligned arrays: a 64-byte vector load of a table
/// row then touches one cache line, not two.
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    if (void* p = std::aligned_alloc(64, bytes)) return static_cast<T*>(p);
    throw std::bad_alloc();
  }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const { return false; }
};

class SignatureGenerator {
 public:
  static constexpr int kChunkPerms = 32;  ///< most permutations per cache slice
  static constexpr int kLanes = 16;       ///< slice rows are padded to whole 16-lane vectors

  SignatureGenerator(const SearchParams& params, std::size_t nbits);

  std::size_t nbits() const { return nbits_; }
  int ntbls() const { return ntbls_; }
  int permutations() const { return perms_; }

  /// Hash of bit position `bit` under permutation `perm` (the simulated rank).
  std::uint32_t permutation_hash(std::size_t bit, int perm) const;

  /// Signatures of all fingerprints (OpenMP over batches of fingerprints).
  /// A fingerprint without set bits gets the key of min = UINT32_MAX, max = 0.
  Signatures compute(const FingerprintView& fps) const;
  void compute(const FingerprintView& fps, std::uint64_t* out) const;

 private:
  struct Chunk {
    int first_table, tables, width;  ///< width: lanes per row, a multiple of kLanes
    std::size_t offset;              ///< of the slice in table_
  };
  void compute_batch(const std::uint16_t* setbits, const std::size_t* start, std::size_t count,
                     std::uint64_t* out) const;

  std::size_t nbits_;
  int ntbls_, nhash_, h2_, perms_;
  std::vector<Chunk> chunks_;
  std::vector<std::uint32_t, CacheLineAllocator<std::uint32_t>> table_;  ///< per chunk [bit][width]: lane (t - first_table)*h2 + k
};

/// Convenience: SignatureGenerator(params, fps.nbits).compute(fps).
Signatures compute_signatures(const FingerprintView& fps, const SearchParams& params);

}  // namespace qp::lsh
