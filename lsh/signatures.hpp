// MinHash (Min-Max) signatures: one 64-bit bucket key per (fingerprint, table).
//
// P = ntbls * ceil(nhash/2) permutations are simulated by hashing the bit
// index; each gives the minimum and the maximum hash over the fingerprint's set
// bits. Table t's key folds, with Boost 1.74's hash_combine from 0,
// min[t*h2 .. t*h2+h2-1] then max[t*h2 .. t*h2+(nhash-h2)-1], h2 = ceil(nhash/2),
// exactly FAST's order. In HashMode::fast the keys equal FAST's signature file.
//
// The hash table is precomputed and laid out in chunks of kChunk permutations,
// [chunk][bit][kChunk], so the inner loop over the set bits of a batch of
// fingerprints reads contiguous rows of one L2-sized slice and keeps the
// running minima and maxima in vector registers.
#pragma once

#include <cstddef>
#include <cstdint>
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

class SignatureGenerator {
 public:
  static constexpr int kChunk = 32;  ///< permutations per cache slice

  SignatureGenerator(const SearchParams& params, std::size_t nbits);

  std::size_t nbits() const { return nbits_; }
  int ntbls() const { return ntbls_; }
  int permutations() const { return perms_; }

  /// Hash of bit position `bit` under permutation `perm` (the simulated rank).
  std::uint32_t permutation_hash(std::size_t bit, int perm) const;

  /// The table key from the per-permutation minima and maxima (P values each).
  std::uint64_t table_key(const std::uint32_t* mins, const std::uint32_t* maxs, int table) const;

  /// Signatures of all fingerprints (OpenMP over batches of fingerprints).
  /// A fingerprint without set bits gets the key of min = UINT32_MAX, max = 0.
  Signatures compute(const FingerprintView& fps) const;
  void compute(const FingerprintView& fps, std::uint64_t* out) const;

 private:
  std::size_t nbits_;
  int ntbls_, nhash_, h2_, perms_, chunks_;
  std::vector<std::uint32_t> table_;  ///< [chunk][bit][kChunk]
};

/// Convenience: SignatureGenerator(params, fps.nbits).compute(fps).
Signatures compute_signatures(const FingerprintView& fps, const SearchParams& params);

}  // namespace qp::lsh
