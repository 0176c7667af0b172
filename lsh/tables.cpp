#include "lsh/tables.hpp"

#include <algorithm>
#include <cassert>
#include <exception>
#include <utility>

namespace qp::lsh {

BucketTables::BucketTables(const SignatureView& sigs, std::size_t begin, std::size_t end)
    : begin_(begin), m_(end - begin), ntbls_(sigs.ntbls) {
  assert(begin <= end && end <= sigs.n);
  assert(m_ < kBucketStart && "a partition holds fewer than 2^31 fingerprints");
  const std::size_t T = static_cast<std::size_t>(ntbls_);
  ids_.resize(T * m_);
  pos_.resize(T * m_);
  index_.resize(T);
  // Tables are built in groups of kGroup: one pass over the fingerprint-major
  // signatures reads each row's cache line once per group, not once per table.
  constexpr int kGroup = 8;
  const int ngroups = (ntbls_ + kGroup - 1) / kGroup;
  std::exception_ptr error;
#pragma omp parallel
  {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> entries[kGroup];
#pragma omp for schedule(dynamic, 1)
    for (int g = 0; g < ngroups; ++g) {
      try {
        const int t0 = g * kGroup, nt = std::min(kGroup, ntbls_ - t0);
        for (int k = 0; k < nt; ++k) entries[k].resize(m_);
        for (std::size_t j = 0; j < m_; ++j) {
          const std::uint64_t* row = sigs.row(begin + j) + t0;
          for (int k = 0; k < nt; ++k) entries[k][j] = {row[k], static_cast<std::uint32_t>(j)};
        }
        for (int k = 0; k < nt; ++k) build_table(t0 + k, entries[k]);
      } catch (...) {
#pragma omp critical(qp_lsh_tables_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

void BucketTables::build_table(int t, std::vector<std::pair<std::uint64_t, std::uint32_t>>& entries) {
  const std::size_t T = static_cast<std::size_t>(ntbls_);
  std::sort(entries.begin(), entries.end());  // (key, id): ids ascend within a bucket
  std::uint32_t* ids = ids_.data() + static_cast<std::size_t>(t) * m_;
  KeyIndex& ix = index_[static_cast<std::size_t>(t)];
  ix.keys.clear();
  ix.starts.clear();
  for (std::size_t j = 0; j < m_; ++j) {
    const bool first = j == 0 || entries[j].first != entries[j - 1].first;
    ids[j] = entries[j].second | (first ? kBucketStart : 0u);
    pos_[entries[j].second * T + static_cast<std::size_t>(t)] = static_cast<std::uint32_t>(j);
    if (first) {
      ix.keys.push_back(entries[j].first);
      ix.starts.push_back(static_cast<std::uint32_t>(j));
    }
  }
  ix.keys.shrink_to_fit();
  ix.starts.shrink_to_fit();
  int bits = 1;
  while (bits < 24 && (std::size_t{1} << (bits + 1)) <= ix.keys.size()) ++bits;
  ix.radix_bits = bits;
  ix.radix.assign((std::size_t{1} << bits) + 1, 0);
  std::size_t k = 0;
  for (std::size_t r = 0; r <= (std::size_t{1} << bits); ++r) {
    while (k < ix.keys.size() && (ix.keys[k] >> (64 - bits)) < r) ++k;
    ix.radix[r] = static_cast<std::uint32_t>(k);
  }
}

std::uint32_t BucketTables::find(int t, std::uint64_t key) const {
  const KeyIndex& ix = index_[static_cast<std::size_t>(t)];
  const std::size_t r = static_cast<std::size_t>(key >> (64 - ix.radix_bits));
  const auto first = ix.keys.begin() + ix.radix[r], last = ix.keys.begin() + ix.radix[r + 1];
  const auto it = std::lower_bound(first, last, key);
  if (it == last || *it != key) return kNotFound;
  return ix.starts[static_cast<std::size_t>(it - ix.keys.begin())];
}

std::size_t BucketTables::buckets() const {
  std::size_t b = 0;
  for (const auto& ix : index_) b += ix.keys.size();
  return b;
}

std::size_t BucketTables::bytes() const {
  std::size_t b = (ids_.capacity() + pos_.capacity()) * 4;
  for (const auto& ix : index_)
    b += ix.keys.capacity() * 8 + (ix.starts.capacity() + ix.radix.capacity()) * 4;
  return b;
}

}  // namespace qp::lsh
