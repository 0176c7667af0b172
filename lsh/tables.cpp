#include "lsh/tables.hpp"

#include <algorithm>
#include <cassert>
#include <exception>

namespace qp::lsh {

namespace {

// The sort's unit: a key and the local id of its fingerprint.
struct __attribute__((packed)) Record {
  std::uint64_t key;
  std::uint32_t id;
};

}  // namespace

struct BucketTables::Scratch {
  explicit Scratch(std::size_t m) : a(m), b(m), keys(kGroup * m) {}
  std::vector<Record> a, b;
  std::vector<std::uint32_t> counts;  // [table of the group][low, high digit][digit]
  std::vector<std::uint64_t> keys;    // [table of the group][member]
  std::vector<std::uint64_t> capped_keys;  // the table's capped keys, ascending
};

namespace {

// The radix sort's two digits: the key's top 2*D bits, D chosen so that a
// group of equal top bits holds about a quarter of a record on average.
struct Digits {
  explicit Digits(std::size_t m) {
    int top_bits = 2;
    while (top_bits < 22 && (std::size_t{1} << (top_bits - 2)) < m) ++top_bits;
    bits = (top_bits + 1) / 2;
    shift_high = 64 - bits;
    shift_low = 64 - 2 * bits;
    mask = (std::uint64_t{1} << bits) - 1;
  }
  std::size_t size() const { return std::size_t{1} << bits; }
  std::size_t low(std::uint64_t key) const { return (key >> shift_low) & mask; }
  std::size_t high(std::uint64_t key) const { return key >> shift_high; }
  int bits, shift_high, shift_low;
  std::uint64_t mask;
};

// Sorts records by key, keeping the id order of equal keys, when the records
// are already ordered by their keys' top bits (one group of equal top bits at
// a time; groups are tiny for hash keys, so insertion sort is the common path).
void finish_group(Record* first, Record* last) {
  if (last - first <= 32) {
    for (Record* i = first + 1; i < last; ++i) {
      if (!(i->key < (i - 1)->key)) continue;
      const Record r = *i;
      Record* j = i;
      for (; j > first && r.key < (j - 1)->key; --j) *j = *(j - 1);
      *j = r;
    }
    return;
  }
  auto by_key = [](const Record& x, const Record& y) { return x.key < y.key; };
  if (!std::is_sorted(first, last, by_key)) std::stable_sort(first, last, by_key);
}

}  // namespace

BucketTables::BucketTables(const SignatureView& sigs, std::size_t begin, std::size_t end,
                           bool key_index, std::size_t max_bucket, const HeavyKeys* heavy)
    : begin_(begin),
      m_(end - begin),
      ntbls_(sigs.ntbls),
      key_index_(key_index),
      max_bucket_(max_bucket),
      heavy_(max_bucket > 0 ? heavy : nullptr) {
  assert(begin <= end && end <= sigs.n);
  assert(m_ < kMaxMembers && "a partition holds fewer than 2^23 fingerprints");
  const std::size_t T = static_cast<std::size_t>(ntbls_);
  ids_.reset(new std::uint8_t[T * (m_ + 1) * 3 + 1]);
  pos_.reset(new std::uint8_t[T * m_ * 3 + 1]);
  if (key_index_) index_.resize(T);
  table_buckets_.assign(T, 0);
  table_capped_.assign(T, 0);
  std::exception_ptr error;
  const int ngroups = (ntbls_ + kGroup - 1) / kGroup;
#pragma omp parallel
  {
    Scratch scratch(m_);
#pragma omp for schedule(dynamic, 1)
    for (int g = 0; g < ngroups; ++g) {
      try {
        // One pass over the fingerprint-major signatures copies the group's
        // key columns, so each row's cache line is read once per group.
        // The same pass counts the radix sort's digits.
        const int t0 = g * kGroup, nt = std::min(kGroup, ntbls_ - t0);
        const Digits dg(m_);
        const std::size_t nd = dg.size();
        scratch.counts.assign(2 * kGroup * nd, 0);
        std::uint32_t* counts = scratch.counts.data();
        const std::uint64_t* row = sigs.keys + begin_ * static_cast<std::size_t>(ntbls_) + t0;
        for (std::size_t j = 0; j < m_; ++j, row += ntbls_)
          for (int k = 0; k < nt; ++k) {
            const std::uint64_t key = row[k];
            const std::size_t base = 2 * static_cast<std::size_t>(k) * nd;
            scratch.keys[static_cast<std::size_t>(k) * m_ + j] = key;
            ++counts[base + dg.low(key)];
            ++counts[base + nd + dg.high(key)];
          }
        for (int k = 0; k < nt; ++k)
          build_table(t0 + k, scratch.keys.data() + static_cast<std::size_t>(k) * m_,
                      counts + 2 * static_cast<std::size_t>(k) * nd, scratch);
      } catch (...) {
#pragma omp critical(qp_lsh_tables_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
  for (std::size_t b : table_buckets_) buckets_ += b;
  for (std::size_t c : table_capped_) capped_ += c;
}

void BucketTables::build_table(int t, const std::uint64_t* col, std::uint32_t* counts,
                               Scratch& s) {
  const std::size_t m = m_;
  // Two stable counting passes on the key's top bits (low digit, then high
  // digit) keep ids ascending among equal keys; `counts` become write cursors.
  const Digits dg(m);
  const std::size_t nd = dg.size();
  std::uint32_t* low = counts;
  std::uint32_t* high = counts + nd;
  std::uint32_t sum_low = 0, sum_high = 0;
  for (std::size_t d = 0; d < nd; ++d) {
    const std::uint32_t cl = low[d], ch = high[d];
    low[d] = sum_low;
    high[d] = sum_high;
    sum_low += cl;
    sum_high += ch;
  }
  Record* tmp = s.b.data();
  for (std::size_t j = 0; j < m; ++j) tmp[low[dg.low(col[j])]++] = {col[j], static_cast<std::uint32_t>(j)};
  Record* sorted = s.a.data();
  for (std::size_t i = 0; i < m; ++i) sorted[high[dg.high(tmp[i].key)]++] = tmp[i];

  // Per group of equal top bits: finish the sort, then write entries and
  // positions (bucket bounds never cross groups).
  std::uint8_t* ids = ids_.get() + static_cast<std::size_t>(t) * (m + 1) * 3;
  std::uint8_t* pos = pos_.get() + static_cast<std::size_t>(t) * m * 3;
  std::size_t distinct = 0, capped = 0;
  std::vector<std::uint64_t>& capped_keys = s.capped_keys;
  capped_keys.clear();
  for (std::size_t i = 0; i < m;) {
    const std::uint64_t group = sorted[i].key >> dg.shift_low;
    std::size_t e = i + 1;
    while (e < m && (sorted[e].key >> dg.shift_low) == group) ++e;
    if (e - i > 1) finish_group(sorted + i, sorted + e);
    for (std::size_t b = i; b < e;) {  // one bucket [b, be)
      std::size_t be = b + 1;
      while (be < e && sorted[be].key == sorted[b].key) ++be;
      const bool cap = max_bucket_ > 0 && (heavy_ ? heavy_->contains(t, sorted[b].key) : be - b > max_bucket_);
      if (cap) {
        capped += be - b;
        capped_keys.push_back(sorted[b].key);
      }
      ++distinct;
      for (std::size_t j = b; j < be; ++j) {
        const bool last = cap || j + 1 == be;
        store3(ids, j, sorted[j].id | (j == b ? kBucketStart : 0u));
        store3(pos, sorted[j].id, static_cast<std::uint32_t>(j) | (last ? kLastMember : 0u));
      }
      b = be;
    }
    i = e;
  }
  store3(ids, m, kBucketStart);  // sentinel: ends the last bucket
  table_buckets_[static_cast<std::size_t>(t)] = distinct;
  table_capped_[static_cast<std::size_t>(t)] = capped;
  if (key_index_) build_index(t, s);
}

void BucketTables::build_index(int t, const Scratch& s) {
  const Record* sorted = s.a.data();
  KeyIndex& ix = index_[static_cast<std::size_t>(t)];
  const std::size_t distinct = table_buckets_[static_cast<std::size_t>(t)];
  ix.keys.clear();
  ix.starts.clear();
  ix.keys.reserve(distinct);
  ix.starts.reserve(distinct);
  auto capped = s.capped_keys.begin();  // ascending, as the sorted keys
  for (std::size_t j = 0; j < m_; ++j)
    if (j == 0 || sorted[j].key != sorted[j - 1].key) {
      if (capped != s.capped_keys.end() && *capped == sorted[j].key) {
        ++capped;
        continue;
      }
      ix.keys.push_back(sorted[j].key);
      ix.starts.push_back(static_cast<std::uint32_t>(j));
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
  assert(key_index_ && "find() needs the key index");
  const KeyIndex& ix = index_[static_cast<std::size_t>(t)];
  const std::size_t r = static_cast<std::size_t>(key >> (64 - ix.radix_bits));
  const auto first = ix.keys.begin() + ix.radix[r], last = ix.keys.begin() + ix.radix[r + 1];
  const auto it = std::lower_bound(first, last, key);
  if (it == last || *it != key) return kNotFound;
  return ix.starts[static_cast<std::size_t>(it - ix.keys.begin())];
}

std::size_t BucketTables::bytes() const {
  const std::size_t T = static_cast<std::size_t>(ntbls_);
  std::size_t b = T * (m_ + 1) * 3 + T * m_ * 3 + 2;
  for (const auto& ix : index_)
    b += ix.keys.capacity() * 8 + (ix.starts.capacity() + ix.radix.capacity()) * 4;
  return b;
}

}  // namespace qp::lsh
