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
  ids_.reset(new std::uint32_t[T * m_]);
  pos_.reset(new std::uint32_t[T * m_]);
  index_.resize(T);
  // Tables are built in groups of kGroup: one pass over the fingerprint-major
  // signatures reads each row's cache line once per group, not once per table.
  constexpr int kGroup = 8;
  const int ngroups = (ntbls_ + kGroup - 1) / kGroup;
  std::exception_ptr error;
#pragma omp parallel
  {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> entries[kGroup], scratch;
#pragma omp for schedule(dynamic, 1)
    for (int g = 0; g < ngroups; ++g) {
      try {
        const int t0 = g * kGroup, nt = std::min(kGroup, ntbls_ - t0);
        for (int k = 0; k < nt; ++k) entries[k].resize(m_);
        for (std::size_t j = 0; j < m_; ++j) {
          const std::uint64_t* row = sigs.row(begin + j) + t0;
          for (int k = 0; k < nt; ++k) entries[k][j] = {row[k], static_cast<std::uint32_t>(j)};
        }
        for (int k = 0; k < nt; ++k) build_table(t0 + k, entries[k], scratch);
      } catch (...) {
#pragma omp critical(qp_lsh_tables_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

namespace {

// Sorts (key, id) pairs that arrive in ascending id order: one stable counting
// pass on the key's top bits (keys are hash values, so the radix buckets are
// small), then a small sort per radix bucket. Several times faster than
// std::sort on the whole array.
void sort_entries(std::vector<std::pair<std::uint64_t, std::uint32_t>>& entries,
                  std::vector<std::pair<std::uint64_t, std::uint32_t>>& scratch) {
  const std::size_t m = entries.size();
  if (m < 64) {
    std::sort(entries.begin(), entries.end());
    return;
  }
  int bits = 8;
  while (bits < 20 && (std::size_t{1} << (bits + 1)) <= m) ++bits;
  const int shift = 64 - bits;
  std::vector<std::uint32_t> start((std::size_t{1} << bits) + 1, 0);
  for (const auto& e : entries) ++start[(e.first >> shift) + 1];
  for (std::size_t r = 1; r < start.size(); ++r) start[r] += start[r - 1];
  scratch.resize(m);
  std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
  for (const auto& e : entries) scratch[next[e.first >> shift]++] = e;  // stable
  for (std::size_t r = 0; r + 1 < start.size(); ++r) {
    auto first = scratch.begin() + start[r], last = scratch.begin() + start[r + 1];
    if (last - first > 1 && !std::is_sorted(first, last)) std::sort(first, last);
  }
  entries.swap(scratch);
}

}  // namespace

void BucketTables::build_table(int t, std::vector<std::pair<std::uint64_t, std::uint32_t>>& entries,
                               std::vector<std::pair<std::uint64_t, std::uint32_t>>& scratch) {
  sort_entries(entries, scratch);  // (key, id): ids ascend within a bucket
  std::uint32_t* pos = pos_.get() + static_cast<std::size_t>(t) * m_;
  std::uint32_t* ids = ids_.get() + static_cast<std::size_t>(t) * m_;
  KeyIndex& ix = index_[static_cast<std::size_t>(t)];
  std::size_t distinct = 0;
  for (std::size_t j = 0; j < m_; ++j) distinct += j == 0 || entries[j].first != entries[j - 1].first;
  ix.keys.clear();
  ix.starts.clear();
  ix.keys.reserve(distinct);
  ix.starts.reserve(distinct);
  for (std::size_t j = 0; j < m_; ++j) {
    const bool first = j == 0 || entries[j].first != entries[j - 1].first;
    ids[j] = entries[j].second | (first ? kBucketStart : 0u);
    pos[entries[j].second] = static_cast<std::uint32_t>(j);
    if (first) {
      ix.keys.push_back(entries[j].first);
      ix.starts.push_back(static_cast<std::uint32_t>(j));
    }
  }
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
  std::size_t b = 2 * static_cast<std::size_t>(ntbls_) * m_ * 4;
  for (const auto& ix : index_)
    b += ix.keys.capacity() * 8 + (ix.starts.capacity() + ix.radix.capacity()) * 4;
  return b;
}

}  // namespace qp::lsh
