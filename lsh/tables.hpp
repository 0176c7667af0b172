// Bucket tables of one partition: per table, the partition's fingerprints
// sorted by (key, id) in one flat array, no node-based maps.
//
// Members of a bucket are contiguous and ascending in id; the first member of
// each bucket carries kBucketStart, and a sentinel entry with that flag ends
// each table, so a member fingerprint finds the later members of its bucket by
// scanning forward from its own position (no key lookup, and each unordered
// pair is seen once). Fingerprints from outside the partition find a bucket by
// key: sorted bucket keys plus a radix index on the key's top bits (keys are
// hash values, so the top bits are uniform); that index is built only when
// asked for.
//
// Entries and positions are packed in 3 bytes (23 bits + a flag: bucket start,
// resp. last member of its bucket), so a partition holds fewer than
// kMaxMembers fingerprints; 6 bytes per fingerprint and table in all. Tables
// are built by a two-pass radix sort (LSD on the key's top bits) of (key, id)
// records, finished by a stable insertion pass on the full key.
//
// With a bucket cap (lsh/bucket_cap.hpp) a capped bucket's entries stay in the
// table but every member is marked its bucket's last and its key is left out
// of the key index: nobody scans it and no lookup finds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "lsh/bucket_cap.hpp"
#include "lsh/signatures.hpp"

namespace qp::lsh {

class BucketTables {
 public:
  static constexpr std::uint32_t kBucketStart = 1u << 23;
  static constexpr std::uint32_t kIdMask = kBucketStart - 1;
  static constexpr std::size_t kMaxMembers = kBucketStart;  ///< fingerprints per partition, exclusive
  static constexpr std::uint32_t kNotFound = 0xffffffffu;
  static constexpr std::uint32_t kLastMember = 1u << 23;
  static constexpr std::uint32_t kPositionMask = kLastMember - 1;

  /// Tables over fingerprints [begin, end) of `sigs` (OpenMP over tables);
  /// `key_index`: also build the index that find() needs. `max_bucket` > 0
  /// caps buckets: those of the keys in `heavy`, or without `heavy` (the
  /// partition is the whole channel) those with more than max_bucket members.
  BucketTables(const SignatureView& sigs, std::size_t begin, std::size_t end, bool key_index,
               std::size_t max_bucket = 0, const HeavyKeys* heavy = nullptr);

  std::size_t begin() const { return begin_; }
  std::size_t size() const { return m_; }
  int ntbls() const { return ntbls_; }
  std::size_t buckets() const { return buckets_; }
  /// Memberships (fingerprint, table) in capped buckets.
  std::size_t capped() const { return capped_; }
  std::size_t bytes() const;

  /// Bytes per fingerprint and table (entries and positions), without the key index.
  static constexpr std::size_t kBytesPerEntry = 6;
  /// Upper estimate of the key index's bytes per fingerprint and table.
  static constexpr std::size_t kIndexBytesPerEntry = 16;
  /// Tables built from one pass over the signatures.
  static constexpr int kGroup = 4;
  /// Scratch bytes per fingerprint of the partition, per building thread:
  /// two record arrays and the group's key columns.
  static constexpr std::size_t kBuildBytesPerMember = 24 + 8 * kGroup;

  /// Table t's entries (m + 1 of them, the last a sentinel): read with entry().
  const std::uint8_t* members(int t) const {
    return ids_.get() + static_cast<std::size_t>(t) * (m_ + 1) * 3;
  }
  /// Entry j of a table: local id (id - begin), | kBucketStart on a bucket's first member.
  static std::uint32_t entry(const std::uint8_t* members, std::size_t j) { return load3(members, j); }
  /// Position of member `local` (0 <= local < size()) in table t's entries
  /// (& kPositionMask), | kLastMember when no later member shares its bucket.
  std::uint32_t position(std::size_t local, int t) const {
    return load3(pos_.get() + static_cast<std::size_t>(t) * m_ * 3, local);
  }
  /// Position of the first member of the bucket with `key` in table t, or
  /// kNotFound. Needs the key index.
  std::uint32_t find(int t, std::uint64_t key) const;

 private:
  struct KeyIndex {
    std::vector<std::uint64_t> keys;    ///< sorted distinct keys
    std::vector<std::uint32_t> starts;  ///< member position of each key's bucket
    std::vector<std::uint32_t> radix;   ///< first key index per top-bits value, + sentinel
    int radix_bits = 1;
  };
  struct Scratch;  // a thread's sort buffers

  // Packed little-endian 24-bit values; arrays carry one byte of padding so the
  // 4-byte load of the last value stays inside.
  static std::uint32_t load3(const std::uint8_t* p, std::size_t j) {
    std::uint32_t v;
    std::memcpy(&v, p + 3 * j, 4);
    return v & 0xffffffu;
  }
  static void store3(std::uint8_t* p, std::size_t j, std::uint32_t v) {
    p[3 * j] = static_cast<std::uint8_t>(v);
    p[3 * j + 1] = static_cast<std::uint8_t>(v >> 8);
    p[3 * j + 2] = static_cast<std::uint8_t>(v >> 16);
  }

  void build_table(int t, const std::uint64_t* keys, std::uint32_t* digit_counts, Scratch& scratch);
  void build_index(int t, const Scratch& sorted);

  std::size_t begin_, m_;
  int ntbls_;
  bool key_index_;
  std::size_t max_bucket_;
  const HeavyKeys* heavy_;
  std::size_t buckets_ = 0, capped_ = 0;
  // Uninitialised on purpose: every value is written once while building.
  std::unique_ptr<std::uint8_t[]> ids_;  ///< [table][position]: m + 1 entries per table
  std::unique_ptr<std::uint8_t[]> pos_;  ///< [table][local]
  std::vector<KeyIndex> index_;          ///< per table, when key_index
  std::vector<std::size_t> table_buckets_, table_capped_;
};

}  // namespace qp::lsh
