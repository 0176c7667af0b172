// Bucket tables of one partition: per table, the partition's fingerprints
// sorted by (key, id) in one flat array, no node-based maps.
//
// Members of a bucket are contiguous and ascending in id; the first member of
// each bucket carries kBucketStart, so a member fingerprint finds the later
// members of its bucket by scanning forward from its own position (no key
// lookup, and each unordered pair is seen once). Fingerprints from outside
// the partition find a bucket by key: sorted bucket keys plus a radix index on
// the key's top bits (keys are hash values, so the top bits are uniform).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "lsh/signatures.hpp"

namespace qp::lsh {

class BucketTables {
 public:
  static constexpr std::uint32_t kBucketStart = 0x80000000u;
  static constexpr std::uint32_t kIdMask = 0x7fffffffu;
  static constexpr std::uint32_t kNotFound = 0xffffffffu;

  /// Tables over fingerprints [begin, end) of `sigs` (OpenMP over tables).
  BucketTables(const SignatureView& sigs, std::size_t begin, std::size_t end);

  std::size_t begin() const { return begin_; }
  std::size_t size() const { return m_; }
  int ntbls() const { return ntbls_; }
  std::size_t buckets() const;
  std::size_t bytes() const;

  /// Upper estimate of bytes per fingerprint and table, for partition planning.
  static constexpr std::size_t kBytesPerEntry = 32;

  /// Table t's members, local ids (id - begin) with kBucketStart flags.
  const std::uint32_t* members(int t) const { return ids_.get() + static_cast<std::size_t>(t) * m_; }
  /// Position of member `local` (0 <= local < size()) in table t's member array.
  std::uint32_t position(std::size_t local, int t) const {
    return pos_[static_cast<std::size_t>(t) * m_ + local];
  }
  /// Position of the first member of the bucket with `key` in table t, or kNotFound.
  std::uint32_t find(int t, std::uint64_t key) const;

 private:
  struct KeyIndex {
    std::vector<std::uint64_t> keys;    ///< sorted distinct keys
    std::vector<std::uint32_t> starts;  ///< member position of each key's bucket
    std::vector<std::uint32_t> radix;   ///< first key index per top-bits value, + sentinel
    int radix_bits = 1;
  };

  void build_table(int t, std::vector<std::pair<std::uint64_t, std::uint32_t>>& entries,
                   std::vector<std::pair<std::uint64_t, std::uint32_t>>& scratch);

  std::size_t begin_, m_;
  int ntbls_;
  // Uninitialised on purpose: every entry is written once while building.
  std::unique_ptr<std::uint32_t[]> ids_;  ///< [table][position]
  std::unique_ptr<std::uint32_t[]> pos_;  ///< [table][local]: filled per table within cache
  std::vector<KeyIndex> index_;     ///< per table
};

}  // namespace qp::lsh
