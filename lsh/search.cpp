#include "lsh/search.hpp"

#include <omp.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <string>

#include "lsh/bucket_cap.hpp"
#include "lsh/occurrence_filter.hpp"
#include "lsh/pair_budget.hpp"
#include "lsh/tables.hpp"
#include "pipeline/error.hpp"

namespace qp::lsh {
namespace {

// A set of signatures whose local index i has the global index offset + i.
struct Source {
  SignatureView sigs;
  const TimeNs* times;
  std::size_t offset;
};

// Queries [begin, end) of a source, looked up by key (they are not in the tables).
struct QueryRange {
  Source src;
  std::size_t begin, end;
};

struct CoreStats {
  std::uint64_t lookups = 0, queries = 0, buckets = 0, capped = 0;
  std::size_t peak_bytes = 0;
  void add(const CoreStats& o) {
    lookups += o.lookups;
    queries += o.queries;
    buckets += o.buckets;
    capped += o.capped;
    peak_bytes = std::max(peak_bytes, o.peak_bytes);
  }
};

constexpr std::size_t kQueryChunk = 256;

// Global indices are uint32 in the pairs; kept below 2^31 as before.
constexpr std::size_t kMaxFingerprints = std::size_t{1} << 31;

// Per thread and member of a partition: the larger of the table build's
// scratch and the query phase's vote counts (2 bytes) plus touched/found lists.
constexpr std::size_t kPerThreadBytesPerMember =
    std::max<std::size_t>(BucketTables::kBuildBytesPerMember, 2 + 16);

// Restores the OpenMP thread count on scope exit.
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : saved_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~ThreadScope() { omp_set_num_threads(saved_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int saved_;
};

void check_sorted(const std::vector<TimeNs>& times, const char* what) {
  if (!std::is_sorted(times.begin(), times.end()))
    throw qp::InputError(what, "fingerprint times are not in ascending order");
}

// One partition: tables over db[begin, end), queried by its own members (scan
// forward from their own position) and by the external ranges (key lookup).
// Appends pairs sorted by (a, b); every pair has its later index in the partition.
// `heavy`: the channel's capped keys; null when the partition is the whole
// channel (then its own bucket sizes decide) or there is no cap.
// `lag_ns` > 0: only pairs at most that far apart in time (bucket members are
// ascending in index, hence in time, so a scan stops at the first beyond it).
// Members before local index `paired_from` pair only with those from it on
// (their pairs among themselves were found with the previous time block).
// `budget` (may be null) counts each finished chunk's pairs and stops the
// search once they pass it.
void search_partition(const Source& db, std::size_t begin, std::size_t end,
                      const std::vector<QueryRange>& external, TimeNs near_ns, TimeNs lag_ns,
                      const SearchParams& p, const HeavyKeys* heavy,
                      std::vector<CandidatePair>& out, CoreStats& stats, std::size_t paired_from = 0,
                      PairBudget* budget = nullptr) {
  assert(p.max_bucket == 0 || heavy || (external.empty() && begin == 0 && end == db.sigs.n));
  auto owned_tables = std::make_unique<const BucketTables>(
      db.sigs, begin, end, !external.empty(), static_cast<std::size_t>(p.max_bucket), heavy);
  const BucketTables& tables = *owned_tables;
  const std::size_t m = end - begin;
  const int T = p.ntbls;
  const std::uint16_t nvotes = static_cast<std::uint16_t>(p.nvotes);
  const TimeNs* dt = db.times + begin;

  // First local index far enough in time from each member.
  std::vector<std::uint32_t> near_end(m);
  for (std::size_t i = 0, j = 0; i < m; ++i) {
    while (j < m && dt[j] - dt[i] < near_ns) ++j;
    near_end[i] = static_cast<std::uint32_t>(std::max({j, i + 1, i < paired_from ? paired_from : 0}));
  }
  // First local index beyond the lag from each member (m when no lag).
  std::vector<std::uint32_t> far_end(m, static_cast<std::uint32_t>(m));
  if (lag_ns > 0)
    for (std::size_t i = 0, j = 0; i < m; ++i) {
      while (j < m && dt[j] - dt[i] <= lag_ns) ++j;
      far_end[i] = static_cast<std::uint32_t>(j);
    }
  const TimeNs lag = lag_ns > 0 ? lag_ns : std::numeric_limits<TimeNs>::max();

  std::size_t nexternal = 0;
  for (const auto& r : external) nexternal += r.end - r.begin;
  const std::size_t nqueries = nexternal + m;
  const std::size_t nchunks = (nqueries + kQueryChunk - 1) / kQueryChunk;
  std::vector<std::vector<CandidatePair>> chunk_out(nchunks);
  std::uint64_t lookups = 0;
  std::exception_ptr error;

#pragma omp parallel reduction(+ : lookups)
  {
    std::vector<std::uint16_t> votes(m, 0);
    std::vector<std::uint32_t> touched;
    std::vector<std::uint64_t> later(static_cast<std::size_t>(T));  // (table, position) to scan
    std::vector<std::pair<std::uint32_t, std::uint32_t>> found;  // (member, votes)
    auto emit = [&](std::size_t gq, std::size_t gd_base, std::vector<CandidatePair>& dst) {
      found.clear();
      for (std::uint32_t d : touched) {
        if (votes[d] >= nvotes) found.emplace_back(d, votes[d]);
        votes[d] = 0;
      }
      touched.clear();
      std::sort(found.begin(), found.end());
      for (const auto& [d, v] : found) {
        const std::size_t gd = gd_base + d;
        dst.push_back({static_cast<std::uint32_t>(std::min(gq, gd)),
                       static_cast<std::uint32_t>(std::max(gq, gd)), v});
      }
    };
#pragma omp for schedule(dynamic, 1)
    for (long long c = 0; c < static_cast<long long>(nchunks); ++c) {
      try {
        if (budget && budget->stopped()) continue;  // another chunk passed the budget
        auto& dst = chunk_out[static_cast<std::size_t>(c)];
        const std::size_t u0 = static_cast<std::size_t>(c) * kQueryChunk;
        const std::size_t u1 = std::min(nqueries, u0 + kQueryChunk);
        for (std::size_t u = u0; u < u1; ++u) {
          if (u < nexternal) {
            // Locate the external range holding query u.
            std::size_t rest = u;
            const QueryRange* r = external.data();
            while (rest >= r->end - r->begin) {
              rest -= r->end - r->begin;
              ++r;
            }
            const std::size_t q = r->begin + rest;
            const std::uint64_t* key = r->src.sigs.row(q);
            const TimeNs tq = r->src.times[q];
            for (int t = 0; t < T; ++t) {
              std::uint32_t j = tables.find(t, key[t]);
              if (j == BucketTables::kNotFound) continue;
              const std::uint8_t* mem = tables.members(t);
              std::uint32_t e = BucketTables::entry(mem, j);
              do {
                const std::uint32_t d = e & BucketTables::kIdMask;
                if (dt[d] - tq > lag) break;  // external queries precede every member
                e = BucketTables::entry(mem, ++j);
                ++lookups;
                if (dt[d] - tq < near_ns && tq - dt[d] < near_ns) continue;
                if (votes[d]++ == 0) touched.push_back(d);
              } while (!(e & BucketTables::kBucketStart));  // a sentinel ends each table
            }
            emit(r->src.offset + q, db.offset + begin, dst);
          } else {
            const std::size_t q = u - nexternal;
            const std::uint32_t ne = near_end[q], fe = far_end[q];
            // Touch every table's bucket first so the cache misses overlap;
            // tables where q is its bucket's last member have nothing to scan.
            std::uint64_t* at = later.data();
            for (int t = 0; t < T; ++t) {
              const std::uint32_t pq = tables.position(q, t);
              if (pq & BucketTables::kLastMember) continue;
              __builtin_prefetch(tables.members(t) + 3 * (pq + 1));
              *at++ = static_cast<std::uint64_t>(t) << 32 | pq;
            }
            for (const std::uint64_t* it = later.data(); it < at; ++it) {
              const std::uint8_t* mem = tables.members(static_cast<int>(*it >> 32));
              // Later members of q's bucket; a sentinel ends each table.
              for (std::size_t j = (*it & BucketTables::kPositionMask) + 1;; ++j) {
                const std::uint32_t d = BucketTables::entry(mem, j);
                if ((d & BucketTables::kBucketStart) || d >= fe) break;
                ++lookups;
                if (d < ne) continue;
                if (votes[d]++ == 0) touched.push_back(d);
              }
            }
            emit(db.offset + begin + q, db.offset + begin, dst);
          }
        }
        if (budget) budget->add(dst.size(), u1 - u0);
      } catch (...) {
#pragma omp critical(qp_lsh_search_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
  stats.lookups += lookups;
  stats.queries += nqueries;
  stats.buckets += tables.buckets();
  stats.capped += tables.capped();
  stats.peak_bytes =
      std::max(stats.peak_bytes, tables.bytes() + static_cast<std::size_t>(omp_get_max_threads()) *
                                                      m * kPerThreadBytesPerMember);
  owned_tables.reset();  // before the pairs are copied: they are then held twice
  std::size_t total = out.size();
  for (const auto& c : chunk_out) total += c.size();
  out.reserve(total);
  for (auto& c : chunk_out) {
    out.insert(out.end(), c.begin(), c.end());
    std::vector<CandidatePair>().swap(c);
  }
}

// Partition i of n fingerprints in p partitions: [i*n/p, (i+1)*n/p).
std::size_t bound(std::size_t i, std::size_t n, int p) {
  // n < 2^31 and i <= p < 2^31, so the product fits in 64 bits.
  return static_cast<std::size_t>(static_cast<std::uint64_t>(i) * n / static_cast<std::uint64_t>(p));
}

// Pairs of the whole database `db` (n fingerprints) whose later index lies in
// the partitions `mine`; `before` are sources entirely earlier in index order
// (queries only). Result sorted by (a, b).
std::vector<CandidatePair> run_partitions(const Source& db, std::size_t n, int partitions,
                                          const std::vector<int>& mine,
                                          const std::vector<QueryRange>& before, TimeNs near_ns,
                                          const SearchParams& p, const HeavyKeys* heavy,
                                          CoreStats& stats, PairBudget* budget) {
  std::vector<CandidatePair> out;
  std::size_t sorted_prefix = 0;
  for (int i : mine) {
    const std::size_t b = bound(static_cast<std::size_t>(i), n, partitions);
    const std::size_t e = bound(static_cast<std::size_t>(i) + 1, n, partitions);
    if (b == e) continue;
    std::vector<QueryRange> external = before;
    if (b > 0) external.push_back({db, 0, b});
    search_partition(db, b, e, external, near_ns, 0, p, heavy, out, stats, 0, budget);
    // Each partition's output is sorted; partitions are disjoint in b.
    std::inplace_merge(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(sorted_prefix),
                       out.end());
    sorted_prefix = out.size();
  }
  return out;
}

std::size_t signature_bytes(std::size_t n, int ntbls) {
  return n * static_cast<std::size_t>(ntbls) * sizeof(std::uint64_t);
}

// Partitions of n_db fingerprints (with n_resident signatures in memory) that
// the memory budget allows. A partition holds fewer than kMaxMembers.
int plan(std::size_t n_resident, std::size_t n_db, const SearchParams& p, int threads) {
  const std::size_t budget = static_cast<std::size_t>(p.memory_budget_mb) << 20;
  const std::size_t sig = signature_bytes(n_resident, p.ntbls);
  const std::size_t T = static_cast<std::size_t>(p.ntbls);
  const std::size_t per_thread =
      static_cast<std::size_t>(std::max(threads, 1)) * kPerThreadBytesPerMember;
  if (n_db == 0) return 1;
  // The key index is built only when a partition is queried from outside:
  // by earlier partitions, or by old fingerprints in an incremental search.
  auto partitions_with = [&](bool key_index) {
    const std::size_t per_fp =
        T * (BucketTables::kBytesPerEntry + (key_index ? BucketTables::kIndexBytesPerEntry : 0)) +
        per_thread;
    if (budget <= sig || (budget - sig) / per_fp == 0)
      throw qp::ConfigError("search.memory_budget_mb",
                            "budget of " + std::to_string(p.memory_budget_mb) +
                                " MB is too small: the signatures alone need " +
                                std::to_string(sig >> 20) + " MB plus " + std::to_string(per_fp) +
                                " bytes per fingerprint of a partition");
    const std::size_t m_max = std::min((budget - sig) / per_fp, BucketTables::kMaxMembers - 1);
    return (n_db + m_max - 1) / m_max;
  };
  std::size_t parts = partitions_with(n_resident > n_db);
  if (parts > 1 && n_resident == n_db) parts = partitions_with(true);
  if (parts > static_cast<std::size_t>(n_db)) return static_cast<int>(n_db);
  return static_cast<int>(std::min<std::size_t>(parts, 1u << 30));
}

// Partitions to use: the caller's choice, raised so that each holds fewer than
// kMaxMembers fingerprints, or the budget's plan.
int choose_partitions(const SearchOptions& o, std::size_t n_resident, std::size_t n_db,
                      const SearchParams& p) {
  if (o.partitions <= 0) return plan(n_resident, n_db, p, omp_get_max_threads());
  const std::size_t least = (n_db + BucketTables::kMaxMembers - 2) / (BucketTables::kMaxMembers - 1);
  return std::max(o.partitions, static_cast<int>(least));
}

// The pairs' share of the budget for a search over n_db fingerprints in
// `parts` partitions, with n_resident signatures held and n_before earlier
// fingerprints querying them (lsh/pair_budget.hpp). The tables are counted as
// planned for one thread (or the caller's partitions): the limit must not
// depend on the thread or rank count (the other threads' vote arrays, 18
// bytes per member each, are left out).
std::unique_ptr<PairBudget> pair_budget(std::size_t n_resident, std::size_t n_db, std::size_t n_before, int parts,
                                        const SearchParams& p, const SearchOptions& o) {
  const int planned = o.partitions > 0 ? choose_partitions(o, n_resident, n_db, p) : plan(n_resident, n_db, p, 1);
  const std::size_t m = (n_db + static_cast<std::size_t>(planned) - 1) / static_cast<std::size_t>(planned);
  const PairBudget::Parts budget{static_cast<std::size_t>(p.memory_budget_mb) << 20, o.held_bytes,
                                 signature_bytes(n_resident, p.ntbls),
                                 table_budget_bytes(m, p.ntbls, planned > 1 || n_resident > n_db)};
  std::size_t queries = 0;  // each partition's members and everything before them
  for (int i = 0; i < parts; ++i) queries += n_before + bound(static_cast<std::size_t>(i) + 1, n_db, parts);
  return std::make_unique<PairBudget>(budget, queries, p, o);
}

void fill_summary(SearchSummary* s, int partitions, std::size_t fingerprints,
                  std::size_t filtered, const CoreStats& st, std::size_t pairs, double seconds,
                  std::size_t resident_sig_bytes) {
  if (!s) return;
  s->partitions = partitions;
  s->fingerprints = fingerprints;
  s->filtered = filtered;
  s->buckets = st.buckets;
  s->capped = st.capped;
  s->avg_lookups = st.queries ? static_cast<double>(st.lookups) / static_cast<double>(st.queries) : 0;
  s->pairs = pairs;
  s->seconds = seconds;
  s->peak_memory_bytes = resident_sig_bytes + st.peak_bytes + pairs * sizeof(CandidatePair);
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void check_inputs(const SignatureView& sigs, const std::vector<TimeNs>& times,
                  const SearchParams& p, const char* what) {
  p.validate();
  if (sigs.ntbls != p.ntbls)
    throw qp::ConfigError("search.ntbls", "signatures have " + std::to_string(sigs.ntbls) +
                                              " tables, parameters say " + std::to_string(p.ntbls));
  if (times.size() != sigs.n)
    throw qp::InputError(what, std::to_string(times.size()) + " times for " +
                                   std::to_string(sigs.n) + " signatures");
  if (sigs.n >= kMaxFingerprints)
    throw qp::InputError(what, "more than 2^31 fingerprints in one channel");
  check_sorted(times, what);
}

// Broadcasts every rank's pairs to all ranks, in rank order.
std::vector<std::vector<CandidatePair>> allgather_pairs(MPI_Comm comm,
                                                        const std::vector<CandidatePair>& mine) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  std::vector<std::vector<CandidatePair>> all(static_cast<std::size_t>(size));
  constexpr std::size_t kMaxChunk = std::size_t{1} << 28;  // bytes per MPI call, below INT_MAX
  for (int r = 0; r < size; ++r) {
    unsigned long long count = r == rank ? mine.size() : 0;
    MPI_Bcast(&count, 1, MPI_UNSIGNED_LONG_LONG, r, comm);
    auto& v = all[static_cast<std::size_t>(r)];
    if (r == rank) v = mine;
    else v.resize(count);
    auto* bytes = reinterpret_cast<char*>(v.data());
    const std::size_t total = count * sizeof(CandidatePair);
    for (std::size_t off = 0; off < total; off += kMaxChunk)
      MPI_Bcast(bytes + off, static_cast<int>(std::min(kMaxChunk, total - off)), MPI_BYTE, r, comm);
  }
  return all;
}

// The channel's capped keys when the tables cannot count them alone: a cap
// with several partitions, or with fingerprints outside the tables.
std::unique_ptr<HeavyKeys> heavy_keys_if_needed(const std::vector<SignatureView>& channel,
                                                int partitions, const SearchParams& p) {
  if (p.max_bucket <= 0 || (partitions <= 1 && channel.size() <= 1)) return nullptr;
  return std::make_unique<HeavyKeys>(
      find_heavy_keys(channel, p.ntbls, static_cast<std::size_t>(p.max_bucket)));
}

// Writes rows [a, b) of a channel's signatures (ntbls keys each) to `out`.
using SignatureFetch = std::function<void(std::size_t a, std::size_t b, std::uint64_t* out)>;

SignatureFetch copy_rows(const SignatureView& sigs) {
  return [sigs](std::size_t a, std::size_t b, std::uint64_t* out) {
    std::memcpy(out, sigs.row(a), (b - a) * static_cast<std::size_t>(sigs.ntbls) * sizeof(std::uint64_t));
  };
}

// Starts of the time blocks of a lag-bounded search, then n. Block k starts
// at fingerprint s_k and runs past every fingerprint within lag_ns of it (and
// holds at least min_block: tables of a handful of fingerprints cost more to
// set up than to search). So block k + 2 starts more than lag_ns after
// every member of block k: a pair within the lag lies in one block or in two
// consecutive ones, wherever the blocks fall.
std::vector<std::size_t> lag_blocks(const std::vector<TimeNs>& t, TimeNs lag_ns, std::size_t min_block) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < t.size();) {
    starts.push_back(i);
    const auto past = std::upper_bound(t.begin() + static_cast<std::ptrdiff_t>(i), t.end(), t[i] + lag_ns);
    i = std::max(static_cast<std::size_t>(past - t.begin()), std::min(t.size(), i + std::max<std::size_t>(min_block, 1)));
  }
  starts.push_back(t.size());
  return starts;
}

// Largest partition of a block: the caller's partition count over the whole
// channel, else what the budget leaves after two blocks' signatures (with
// `threads` threads' vote arrays).
std::size_t lag_partition_members(const std::vector<std::size_t>& blocks, const SearchParams& p,
                                  const SearchOptions& o, int threads) {
  const std::size_t n = blocks.back(), limit = BucketTables::kMaxMembers - 1;
  if (o.partitions > 0)
    return std::min(limit, std::max<std::size_t>(1, (n + static_cast<std::size_t>(o.partitions) - 1) /
                                                        static_cast<std::size_t>(o.partitions)));
  std::size_t largest = 0;
  for (std::size_t k = 0; k + 1 < blocks.size(); ++k) largest = std::max(largest, blocks[k + 1] - blocks[k]);
  const std::size_t T = static_cast<std::size_t>(p.ntbls);
  const std::size_t budget = static_cast<std::size_t>(p.memory_budget_mb) << 20;
  const std::size_t window = signature_bytes(2 * largest, p.ntbls);
  const std::size_t per_fp = T * (BucketTables::kBytesPerEntry + BucketTables::kIndexBytesPerEntry) +
                             static_cast<std::size_t>(std::max(threads, 1)) * kPerThreadBytesPerMember;
  if (budget <= window || (budget - window) / per_fp == 0)
    throw qp::ConfigError("search.memory_budget_mb",
                          "budget of " + std::to_string(p.memory_budget_mb) + " MB is too small for max_lag " +
                              std::to_string(p.max_lag) + " s: two time blocks' signatures need " +
                              std::to_string(window >> 20) + " MB plus " + std::to_string(per_fp) +
                              " bytes per fingerprint of a partition");
  return std::min(limit, (budget - window) / per_fp);
}

// Merges out[sorted, end) (sorted, every a >= min_a) into the sorted prefix:
// only the prefix's pairs with a >= min_a can interleave with them.
void merge_tail(std::vector<CandidatePair>& out, std::size_t sorted, std::size_t min_a) {
  const auto mid = out.begin() + static_cast<std::ptrdiff_t>(sorted);
  const auto from = std::lower_bound(out.begin(), mid, min_a,
                                     [](const CandidatePair& c, std::size_t a) { return c.a < a; });
  std::inplace_merge(from, mid, out.end());
}

// Pairs whose later fingerprint lies in blocks [k0, k1): tables over a block
// and the one before it, or when these exceed m_max, the block's tables (in
// partitions of at most m_max) queried by key from the block before. Holds
// the signatures of two blocks at a time. Sorted by (a, b).
std::vector<CandidatePair> run_lag_blocks(const SignatureFetch& fetch, const std::vector<TimeNs>& times,
                                          const std::vector<std::size_t>& blocks, std::size_t k0,
                                          std::size_t k1, std::size_t m_max, TimeNs near_ns,
                                          const SearchParams& p, CoreStats& stats, int& parts,
                                          std::size_t& window_peak, PairBudget* budget) {
  const std::size_t T = static_cast<std::size_t>(p.ntbls);
  std::size_t largest = 0;
  for (std::size_t k = k0 > 0 ? k0 - 1 : k0; k < k1; ++k) largest = std::max(largest, blocks[k + 1] - blocks[k]);
  std::vector<std::uint64_t> window;
  window.reserve(2 * largest * T);  // never reallocated: two blocks at most
  std::vector<CandidatePair> out;
  for (std::size_t k = k0; k < k1; ++k) {
    const std::size_t ws = k > 0 ? blocks[k - 1] : blocks[k], mid = blocks[k], we = blocks[k + 1];
    if (k > k0) {  // the previous block's rows are the window's tail: move them to the front
      std::memmove(window.data(), window.data() + window.size() - (mid - ws) * T, (mid - ws) * T * sizeof(std::uint64_t));
      window.resize((we - ws) * T);
    } else {
      window.resize((we - ws) * T);
      if (mid > ws) fetch(ws, mid, window.data());
    }
    fetch(mid, we, window.data() + (mid - ws) * T);
    window_peak = std::max(window_peak, window.size() * sizeof(std::uint64_t));
    const Source db{{window.data(), we - ws, p.ntbls}, times.data() + ws, ws};
    if (we - ws <= m_max) {
      // Tables over both blocks: every query scans forward from its own
      // position (no key lookups, which cost several times a scan step); the
      // previous block's members only pair with this block's.
      const std::size_t sorted = out.size();
      search_partition(db, 0, we - ws, {}, near_ns, p.max_lag_ns(), p, nullptr, out, stats, mid - ws, budget);
      ++parts;
      merge_tail(out, sorted, ws);
      continue;
    }
    for (std::size_t b = mid - ws; b < we - ws; b += m_max) {
      const std::size_t e = std::min(we - ws, b + m_max), sorted = out.size();
      std::vector<QueryRange> external;
      if (b > 0) external.push_back({db, 0, b});
      search_partition(db, b, e, external, near_ns, p.max_lag_ns(), p, nullptr, out, stats, 0, budget);
      ++parts;
      merge_tail(out, sorted, ws);
    }
  }
  return out;
}

// Gathers every rank's sorted pairs to all ranks and merges them; with a
// budget, checks their total first (on every rank alike) before any is sent.
std::vector<CandidatePair> gather_merged(MPI_Comm comm, std::vector<CandidatePair>& local,
                                         const PairBudget* budget = nullptr) {
  if (budget) {
    int size = 1;
    MPI_Comm_size(comm, &size);
    unsigned long long mine = local.size();
    std::vector<unsigned long long> counts(static_cast<std::size_t>(size));
    MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, counts.data(), 1, MPI_UNSIGNED_LONG_LONG, comm);
    std::size_t total = 0;
    for (auto c : counts) total += static_cast<std::size_t>(c);
    budget->check_total(total);
  }
  auto gathered = allgather_pairs(comm, local);
  std::vector<CandidatePair>().swap(local);
  std::vector<CandidatePair> pairs;
  for (auto& g : gathered) {
    const auto mid = static_cast<std::ptrdiff_t>(pairs.size());
    pairs.insert(pairs.end(), g.begin(), g.end());
    std::vector<CandidatePair>().swap(g);
    std::inplace_merge(pairs.begin(), pairs.begin() + mid, pairs.end());
  }
  return pairs;
}

// Sums (lookups, queries, buckets, capped, partitions) and maxes the peaks over the ranks.
void reduce_stats(MPI_Comm comm, CoreStats& st, int& parts, std::size_t& window_peak) {
  unsigned long long sums[5] = {st.lookups, st.queries, st.buckets, st.capped, static_cast<unsigned long long>(parts)};
  unsigned long long tot[5] = {0, 0, 0, 0, 0};
  MPI_Allreduce(sums, tot, 5, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm);
  unsigned long long peaks[2] = {st.peak_bytes, window_peak}, max_peaks[2] = {0, 0};
  MPI_Allreduce(peaks, max_peaks, 2, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm);
  st.lookups = tot[0];
  st.queries = tot[1];
  st.buckets = tot[2];
  st.capped = tot[3];
  parts = static_cast<int>(tot[4]);
  st.peak_bytes = max_peaks[0];
  window_peak = max_peaks[1];
}

// The lag-bounded search (params.max_lag > 0) of one channel whose signatures
// `fetch` provides; with `comm` (not MPI_COMM_NULL) the blocks are divided
// among its ranks in contiguous runs (fewer signatures computed twice).
std::vector<CandidatePair> lag_search(const SignatureFetch& fetch, const std::vector<TimeNs>& times,
                                      TimeNs dt_fp_ns, const SearchParams& params, const SearchOptions& options,
                                      MPI_Comm comm, SearchSummary* summary,
                                      std::chrono::steady_clock::time_point t0) {
  int rank = 0, size = 1;
  if (comm != MPI_COMM_NULL) {
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
  }
  const auto blocks = lag_blocks(times, params.max_lag_ns(), options.min_lag_block);
  const std::size_t nblocks = blocks.size() - 1;
  const std::size_t k0 = nblocks * static_cast<std::size_t>(rank) / static_cast<std::size_t>(size);
  const std::size_t k1 = nblocks * static_cast<std::size_t>(rank + 1) / static_cast<std::size_t>(size);
  CoreStats st;
  int parts = 0;
  std::size_t window_peak = 0;
  std::vector<CandidatePair> pairs;
  std::exception_ptr error;
  // The pairs' budget: what is left after two blocks' signatures and their
  // tables as planned for one thread (lsh/pair_budget.hpp).
  std::size_t largest = 0;
  for (std::size_t k = 0; k < nblocks; ++k) largest = std::max(largest, blocks[k + 1] - blocks[k]);
  const std::size_t m1 = std::min(2 * largest, lag_partition_members(blocks, params, options, 1));
  PairBudget budget({static_cast<std::size_t>(params.memory_budget_mb) << 20, options.held_bytes,
                     signature_bytes(2 * largest, params.ntbls), table_budget_bytes(m1, params.ntbls, m1 < 2 * largest)},
                    2 * times.size(), params, options);
  try {
    pairs = run_lag_blocks(fetch, times, blocks, k0, k1, lag_partition_members(blocks, params, options, omp_get_max_threads()),
                           params.near_repeats * dt_fp_ns, params, st, parts, window_peak, &budget);
  } catch (...) {
    error = std::current_exception();
  }
  if (comm != MPI_COMM_NULL) {
    int failed = error ? 1 : 0, any_failed = 0;
    MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, comm);
    if (!error && any_failed) error = std::make_exception_ptr(qp::Error("similarity search failed on another rank"));
  }
  if (error) std::rethrow_exception(error);
  if (comm != MPI_COMM_NULL) {
    pairs = gather_merged(comm, pairs, &budget);
    reduce_stats(comm, st, parts, window_peak);
  }
  const std::size_t filtered = apply_occurrence_filter(pairs, times, params);
  fill_summary(summary, parts, times.size(), filtered, st, pairs.size(), since(t0), window_peak);
  return pairs;
}

// search() with the channel's capped keys given (null: counted here when needed).
std::vector<CandidatePair> search_with(const SignatureView& sigs, const std::vector<TimeNs>& times,
                                       TimeNs dt_fp_ns, const SearchParams& params,
                                       SearchSummary* summary, const SearchOptions& options,
                                       const HeavyKeys* heavy) {
  const auto t0 = std::chrono::steady_clock::now();
  check_inputs(sigs, times, params, "fingerprint times");
  ThreadScope threads(options.threads);
  if (params.lag_on())
    return lag_search(copy_rows(sigs), times, dt_fp_ns, params, options, MPI_COMM_NULL, summary, t0);
  const int parts = choose_partitions(options, sigs.n, sigs.n, params);
  std::unique_ptr<HeavyKeys> own;
  if (!heavy && (own = heavy_keys_if_needed({sigs}, parts, params))) heavy = own.get();
  std::vector<int> all(static_cast<std::size_t>(parts));
  for (int i = 0; i < parts; ++i) all[static_cast<std::size_t>(i)] = i;
  CoreStats st;
  const Source db{sigs, times.data(), 0};
  const auto budget = pair_budget(sigs.n, sigs.n, 0, parts, params, options);
  auto pairs = run_partitions(db, sigs.n, parts, all, {}, params.near_repeats * dt_fp_ns, params,
                              heavy, st, budget.get());
  const std::size_t filtered = apply_occurrence_filter(pairs, times, params);
  fill_summary(summary, parts, sigs.n, filtered, st, pairs.size(), since(t0),
               signature_bytes(sigs.n, params.ntbls));
  return pairs;
}

// search_new_vs_all with a lag: only old fingerprints within the lag of the
// first new one can pair with a new one, so the search runs over that tail of
// the old ones and the new ones, and keeps the pairs with a new member.
std::vector<CandidatePair> lag_new_vs_all(const SignatureView& old_sigs, const std::vector<TimeNs>& old_times,
                                          const SignatureView& new_sigs, const std::vector<TimeNs>& new_times,
                                          TimeNs dt_fp_ns, const SearchParams& params, SearchSummary* summary,
                                          const SearchOptions& options) {
  const std::size_t n_old = old_sigs.n;
  std::size_t tail = n_old;
  // The occurrence filter counts a block's pairs among old fingerprints too: search them all.
  if (params.noise_filter_on()) tail = 0;
  else if (!new_times.empty())
    tail = static_cast<std::size_t>(std::lower_bound(old_times.begin(), old_times.end(),
                                                     new_times.front() - params.max_lag_ns()) - old_times.begin());
  const std::size_t keep = n_old - tail, T = static_cast<std::size_t>(params.ntbls);
  Signatures joined;
  joined.n = keep + new_sigs.n;
  joined.ntbls = params.ntbls;
  joined.keys.resize(joined.n * T);
  if (keep > 0) std::memcpy(joined.keys.data(), old_sigs.row(tail), keep * T * sizeof(std::uint64_t));
  if (new_sigs.n > 0) std::memcpy(joined.keys.data() + keep * T, new_sigs.keys, new_sigs.n * T * sizeof(std::uint64_t));
  std::vector<TimeNs> times(old_times.begin() + static_cast<std::ptrdiff_t>(tail), old_times.end());
  times.insert(times.end(), new_times.begin(), new_times.end());
  SearchSummary s;
  auto pairs = search(joined.view(), times, dt_fp_ns, params, &s, options);
  std::vector<CandidatePair> out;
  for (const auto& c : pairs)
    if (c.b >= keep) out.push_back({static_cast<std::uint32_t>(c.a + tail), static_cast<std::uint32_t>(c.b + tail), c.votes});
  if (summary) {
    *summary = s;
    summary->fingerprints = n_old + new_sigs.n;
    summary->pairs = out.size();
  }
  return out;
}

}  // namespace

int plan_partitions(std::size_t n, const SearchParams& params, int threads) {
  return plan(n, n, params, threads);
}

std::vector<CandidatePair> search(const SignatureView& sigs, const std::vector<TimeNs>& times,
                                  TimeNs dt_fp_ns, const SearchParams& params,
                                  SearchSummary* summary, const SearchOptions& options) {
  return search_with(sigs, times, dt_fp_ns, params, summary, options, nullptr);
}

std::vector<CandidatePair> search_mpi(MPI_Comm comm, const SignatureView& sigs,
                                      const std::vector<TimeNs>& times, TimeNs dt_fp_ns,
                                      const SearchParams& params, SearchSummary* summary,
                                      const SearchOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  // Inputs are identical on every rank, so a bad input fails on all of them alike.
  check_inputs(sigs, times, params, "fingerprint times");
  ThreadScope threads(options.threads);
  if (params.lag_on()) return lag_search(copy_rows(sigs), times, dt_fp_ns, params, options, comm, summary, t0);
  int parts = choose_partitions(options, sigs.n, sigs.n, params);
  parts = std::max(parts, std::min<int>(size, static_cast<int>(std::max<std::size_t>(sigs.n, 1))));
  // Round robin: later partitions answer more queries, so interleave them.
  std::vector<int> mine;
  for (int i = rank; i < parts; i += size) mine.push_back(i);
  CoreStats st;
  std::exception_ptr error;
  std::vector<CandidatePair> local;
  const auto budget = pair_budget(sigs.n, sigs.n, 0, parts, params, options);
  try {
    // Every rank holds all signatures, so each counts the same capped keys.
    const auto heavy = heavy_keys_if_needed({sigs}, parts, params);
    local = run_partitions({sigs, times.data(), 0}, sigs.n, parts, mine, {},
                           params.near_repeats * dt_fp_ns, params, heavy.get(), st, budget.get());
  } catch (...) {
    error = std::current_exception();
  }
  int failed = error ? 1 : 0, any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, comm);
  if (error) std::rethrow_exception(error);
  if (any_failed) throw qp::Error("similarity search failed on another rank");

  auto pairs = gather_merged(comm, local, budget.get());
  const std::size_t filtered = apply_occurrence_filter(pairs, times, params);
  int counted = 0;  // every rank knows `parts` already
  std::size_t no_window = 0;
  reduce_stats(comm, st, counted, no_window);
  fill_summary(summary, parts, sigs.n, filtered, st, pairs.size(), since(t0),
               signature_bytes(sigs.n, params.ntbls));
  return pairs;
}

std::vector<CandidatePair> search_new_vs_all(const SignatureView& old_sigs,
                                             const std::vector<TimeNs>& old_times,
                                             const SignatureView& new_sigs,
                                             const std::vector<TimeNs>& new_times,
                                             TimeNs dt_fp_ns, const SearchParams& params,
                                             SearchSummary* summary,
                                             const SearchOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  check_inputs(old_sigs, old_times, params, "old fingerprint times");
  check_inputs(new_sigs, new_times, params, "new fingerprint times");
  if (!old_times.empty() && !new_times.empty() && new_times.front() < old_times.back())
    throw qp::InputError("new fingerprint times", "new fingerprints precede the last old one");
  const std::size_t n_old = old_sigs.n, n_new = new_sigs.n;
  if (n_old + n_new >= kMaxFingerprints)
    throw qp::InputError("fingerprint times", "more than 2^31 fingerprints in one channel");
  ThreadScope threads(options.threads);
  if (params.lag_on()) return lag_new_vs_all(old_sigs, old_times, new_sigs, new_times, dt_fp_ns, params, summary, options);
  const int parts = choose_partitions(options, n_old + n_new, n_new, params);
  std::vector<int> all(static_cast<std::size_t>(parts));
  for (int i = 0; i < parts; ++i) all[static_cast<std::size_t>(i)] = i;
  const TimeNs near_ns = params.near_repeats * dt_fp_ns;
  CoreStats st;
  std::vector<QueryRange> before;
  if (n_old > 0) before.push_back({{old_sigs, old_times.data(), 0}, 0, n_old});
  // The cap counts a key over old and new fingerprints alike, as search(old ++ new).
  const auto heavy =
      heavy_keys_if_needed(n_old > 0 ? std::vector<SignatureView>{old_sigs, new_sigs}
                                     : std::vector<SignatureView>{new_sigs},
                           parts, params);
  const auto budget = pair_budget(n_old + n_new, n_new, n_old, parts, params, options);
  auto pairs = run_partitions({new_sigs, new_times.data(), n_old}, n_new, parts, all, before,
                              near_ns, params, heavy.get(), st, budget.get());

  std::size_t filtered = 0;
  if (params.noise_filter_on()) {
    // Counts are per block: recount every block that a new pair touches, with
    // the old-vs-old pairs of those blocks searched again.
    std::vector<TimeNs> all_times(old_times);
    all_times.insert(all_times.end(), new_times.begin(), new_times.end());
    std::set<std::int64_t> touched;
    for (TimeNs t : new_times) touched.insert(noise_block_id(t, params.noise_block));
    for (const auto& pr : pairs)
      if (pr.a < n_old) touched.insert(noise_block_id(all_times[pr.a], params.noise_block));
    std::vector<std::uint32_t> old_idx;
    for (std::size_t i = 0; i < n_old; ++i)
      if (touched.count(noise_block_id(old_times[i], params.noise_block)))
        old_idx.push_back(static_cast<std::uint32_t>(i));
    std::vector<CandidatePair> counted = pairs;
    if (!old_idx.empty()) {
      Signatures sub;
      sub.n = old_idx.size();
      sub.ntbls = params.ntbls;
      sub.keys.resize(sub.n * static_cast<std::size_t>(params.ntbls));
      std::vector<TimeNs> sub_times(sub.n);
      for (std::size_t k = 0; k < sub.n; ++k) {
        std::memcpy(sub.keys.data() + k * static_cast<std::size_t>(params.ntbls),
                    old_sigs.row(old_idx[k]), sizeof(std::uint64_t) * static_cast<std::size_t>(params.ntbls));
        sub_times[k] = old_times[old_idx[k]];
      }
      SearchParams unfiltered = params;
      unfiltered.noise_freq = -1;
      SearchOptions o = options;
      o.partitions = 0;
      o.held_bytes += pairs.size() * kPairBudgetBytes;  // the new pairs wait for the recount
      // The sub-search caps the keys capped in the whole channel, not its own
      // (with old fingerprints and a cap, `heavy` is always counted).
      auto old_pairs = search_with(sub.view(), sub_times, dt_fp_ns, unfiltered, nullptr, o, heavy.get());
      for (auto& pr : old_pairs) counted.push_back({old_idx[pr.a], old_idx[pr.b], pr.votes});
    }
    const auto flags = occurrence_flags(counted, all_times, params);
    for (std::size_t i = 0; i < flags.size(); ++i)
      filtered += flags[i] && touched.count(noise_block_id(all_times[i], params.noise_block));
    pairs.erase(std::remove_if(pairs.begin(), pairs.end(),
                               [&](const CandidatePair& pr) { return flags[pr.a] || flags[pr.b]; }),
                pairs.end());
  }
  fill_summary(summary, parts, n_old + n_new, filtered, st, pairs.size(), since(t0),
               signature_bytes(n_old + n_new, params.ntbls));
  return pairs;
}

std::vector<CandidatePair> search_rows_mpi(MPI_Comm comm, const FingerprintRows& rows, std::size_t nbits,
                                           const std::vector<TimeNs>& times, TimeNs dt_fp_ns,
                                           const SearchParams& params, SearchSummary* summary,
                                           const SearchOptions& options) {
  const std::size_t words = words_for_bits(nbits), n = times.size();
  if (!params.lag_on()) {
    FingerprintWords all;
    all.n = n;
    all.nbits = nbits;
    all.bits.resize(n * words);
    if (n > 0) rows(0, n, all.bits.data());
    return search_fingerprints_mpi(comm, all.view(), times, dt_fp_ns, params, summary, options);
  }
  const auto t0 = std::chrono::steady_clock::now();
  params.validate();
  if (n >= kMaxFingerprints) throw qp::InputError("fingerprint times", "more than 2^31 fingerprints in one channel");
  check_sorted(times, "fingerprint times");
  ThreadScope threads(options.threads);
  const SignatureGenerator gen(params, nbits);
  std::vector<std::uint64_t> bits;  // one block's fingerprints at a time
  const SignatureFetch fetch = [&](std::size_t a, std::size_t b, std::uint64_t* out) {
    bits.resize((b - a) * words);
    rows(a, b, bits.data());
    gen.compute(FingerprintView{bits.data(), b - a, words, nbits}, out);
  };
  return lag_search(fetch, times, dt_fp_ns, params, options, comm, summary, t0);
}

std::vector<CandidatePair> search_fingerprints_mpi(MPI_Comm comm, const FingerprintView& fps,
                                                  const std::vector<TimeNs>& times, TimeNs dt_fp_ns,
                                                  const SearchParams& params, SearchSummary* summary,
                                                  const SearchOptions& options) {
  if (!params.lag_on()) {
    const Signatures sigs = compute_signatures(fps, params);
    return search_mpi(comm, sigs.view(), times, dt_fp_ns, params, summary, options);
  }
  const auto t0 = std::chrono::steady_clock::now();
  params.validate();
  if (times.size() != fps.n)
    throw qp::InputError("fingerprint times", std::to_string(times.size()) + " times for " +
                                                  std::to_string(fps.n) + " fingerprints");
  if (fps.n >= kMaxFingerprints) throw qp::InputError("fingerprint times", "more than 2^31 fingerprints in one channel");
  check_sorted(times, "fingerprint times");
  ThreadScope threads(options.threads);
  const SignatureGenerator gen(params, fps.nbits);
  const SignatureFetch fetch = [&](std::size_t a, std::size_t b, std::uint64_t* out) {
    gen.compute(FingerprintView{fps.row(a), b - a, fps.words, fps.nbits}, out);
  };
  return lag_search(fetch, times, dt_fp_ns, params, options, comm, summary, t0);
}

}  // namespace qp::lsh
