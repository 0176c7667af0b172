// MinHash (Min-Max) signatures: one 64-bit bucket key per (fingerprint, table).
//
// P = ntbls * ceil(nhash/2) permutations are simulated by hashing the bit
// index; each gives the minimum and the maximum hash over the fingerprint's set
// bits. Table t's key folds, with Boost 1.74's hash_combine from 0,
// min[t*h2 .. t*h2+h2-1] then max[t*h2 .. t*h2+(nhash-h2)-1], h2 = ceil(nhash/2),
// exactly FAST's order. In HashMode::fast the keys equal FAST's signature file.
//
// The kernel works on ranks, not on the hashes: for each permutation the
// nbits hash values are sorted once and each bit gets its place in that order
// (its rank), a uint16. The minimum (maximum) rank over a fingerprint's set
// bits is the place of a minimum (maximum) hash, which a per-permutation table
// of the sorted values gives back exactly: the keys are bit for bit those of
// the hashes, from half the bytes per set bit. Ranks are
// laid out in chunks of whole tables (at most kChunkPerms permutations, rows
// padded to 32 lanes), [chunk][bit][lane], so the inner loop over the set bits
// of a batch of fingerprints reads contiguous rows of one L2-sized slice and
// keeps the running minima and maxima in vector registers. Batches are large
// so that each slice, fetched from L3 once per batch, serves many fingerprints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
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

/// Memory for the rank tables: blocks of 1 MiB and more on whole 2 MiB
/// pages, asked to be huge pages (madvise; where the system allows it), since
/// the kernel reads random rows of a slice and a slice on 4 KiB pages spans
/// more pages than the first-level TLB holds; smaller blocks cache-line
/// aligned, so that a 64-byte vector load of a row touches one line.
void* allocate_table_bytes(std::size_t bytes);

template <typename T>
struct TableAllocator {
  using value_type = T;
  TableAllocator() = default;
  template <typename U>
  TableAllocator(const TableAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_table_bytes(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <typename U>
  bool operator==(const TableAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const TableAllocator<U>&) const { return false; }
};

class SignatureGenerator {
 public:
  static constexpr int kChunkPerms = 64;  ///< most permutations per cache slice
  static constexpr int kLanes = 32;       ///< slice rows are padded to whole 32-lane (uint16) vectors

  SignatureGenerator(const SearchParams& params, std::size_t nbits);

  std::size_t nbits() const { return nbits_; }
  int ntbls() const { return ntbls_; }
  int permutations() const { return perms_; }

  /// Hash of bit position `bit` under permutation `perm`, computed afresh
  /// (not read from the generator's tables).
  std::uint32_t permutation_hash(std::size_t bit, int perm) const;

  /// Signatures of all fingerprints (OpenMP over batches of fingerprints).
  /// A fingerprint without set bits gets the key of min = UINT32_MAX, max = 0.
  Signatures compute(const FingerprintView& fps) const;
  void compute(const FingerprintView& fps, std::uint64_t* out) const;

 private:
  struct Chunk {
    int first_table, tables, width;  ///< width: lanes per row, a multiple of kLanes
    std::size_t rank_offset;         ///< of the slice in ranks_
    std::size_t value_offset;        ///< of the chunk's sorted values in values_
  };
  void rank_permutation(int perm, const Chunk& c);
  /// Lane of permutation perm = t*h2 + k (table t, k-th hash) in its chunk:
  /// table-minor, k * tables + (t - first_table), the key fold's order.
  std::size_t lane_of(int perm, const Chunk& c) const {
    return static_cast<std::size_t>((perm % h2_) * c.tables + perm / h2_ - c.first_table);
  }
  void compute_batch(const std::uint16_t* setbits, const std::size_t* start, std::size_t count,
                     std::uint64_t* out) const;

  std::size_t nbits_;
  int ntbls_, nhash_, h2_, perms_;
  HashMode mode_;
  std::uint32_t seed_;
  std::vector<Chunk> chunks_;
  /// Per chunk [bit][width]: the bit's place in the sorted hashes of each
  /// lane's permutation (lane_of); padding lanes 0.
  std::vector<std::uint16_t, TableAllocator<std::uint16_t>> ranks_;
  /// Per chunk [rank][tables*h2]: the lane's permutation's hashes, sorted.
  std::vector<std::uint32_t> values_;
};

/// Convenience: SignatureGenerator(params, fps.nbits).compute(fps).
Signatures compute_signatures(const FingerprintView& fps, const SearchParams& params);

}  // namespace qp::lsh
