#include "lsh/search.hpp"

#include <omp.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <set>
#include <string>

#include "lsh/bucket_cap.hpp"
#include "lsh/occurrence_filter.hpp"
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
void search_partition(const Source& db, std::size_t begin, std::size_t end,
                      const std::vector<QueryRange>& external, TimeNs near_ns,
                      const SearchParams& p, const HeavyKeys* heavy,
                      std::vector<CandidatePair>& out, CoreStats& stats) {
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
    near_end[i] = static_cast<std::uint32_t>(std::max(j, i + 1));
  }

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
                e = BucketTables::entry(mem, ++j);
                ++lookups;
                if (dt[d] - tq < near_ns && tq - dt[d] < near_ns) continue;
                if (votes[d]++ == 0) touched.push_back(d);
              } while (!(e & BucketTables::kBucketStart));  // a sentinel ends each table
            }
            emit(r->src.offset + q, db.offset + begin, dst);
          } else {
            const std::size_t q = u - nexternal;
            const std::uint32_t ne = near_end[q];
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
                if (d & BucketTables::kBucketStart) break;
                ++lookups;
                if (d < ne) continue;
                if (votes[d]++ == 0) touched.push_back(d);
              }
            }
            emit(db.offset + begin + q, db.offset + begin, dst);
          }
        }
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
                                          CoreStats& stats) {
  std::vector<CandidatePair> out;
  std::size_t sorted_prefix = 0;
  for (int i : mine) {
    const std::size_t b = bound(static_cast<std::size_t>(i), n, partitions);
    const std::size_t e = bound(static_cast<std::size_t>(i) + 1, n, partitions);
    if (b == e) continue;
    std::vector<QueryRange> external = before;
    if (b > 0) external.push_back({db, 0, b});
    search_partition(db, b, e, external, near_ns, p, heavy, out, stats);
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

// search() with the channel's capped keys given (null: counted here when needed).
std::vector<CandidatePair> search_with(const SignatureView& sigs, const std::vector<TimeNs>& times,
                                       TimeNs dt_fp_ns, const SearchParams& params,
                                       SearchSummary* summary, const SearchOptions& options,
                                       const HeavyKeys* heavy) {
  const auto t0 = std::chrono::steady_clock::now();
  check_inputs(sigs, times, params, "fingerprint times");
  ThreadScope threads(options.threads);
  const int parts = choose_partitions(options, sigs.n, sigs.n, params);
  std::unique_ptr<HeavyKeys> own;
  if (!heavy && (own = heavy_keys_if_needed({sigs}, parts, params))) heavy = own.get();
  std::vector<int> all(static_cast<std::size_t>(parts));
  for (int i = 0; i < parts; ++i) all[static_cast<std::size_t>(i)] = i;
  CoreStats st;
  const Source db{sigs, times.data(), 0};
  auto pairs = run_partitions(db, sigs.n, parts, all, {}, params.near_repeats * dt_fp_ns, params,
                              heavy, st);
  const std::size_t filtered = apply_occurrence_filter(pairs, times, params);
  fill_summary(summary, parts, sigs.n, filtered, st, pairs.size(), since(t0),
               signature_bytes(sigs.n, params.ntbls));
  return pairs;
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
  int parts = choose_partitions(options, sigs.n, sigs.n, params);
  parts = std::max(parts, std::min<int>(size, static_cast<int>(std::max<std::size_t>(sigs.n, 1))));
  // Round robin: later partitions answer more queries, so interleave them.
  std::vector<int> mine;
  for (int i = rank; i < parts; i += size) mine.push_back(i);
  CoreStats st;
  std::exception_ptr error;
  std::vector<CandidatePair> local;
  try {
    // Every rank holds all signatures, so each counts the same capped keys.
    const auto heavy = heavy_keys_if_needed({sigs}, parts, params);
    local = run_partitions({sigs, times.data(), 0}, sigs.n, parts, mine, {},
                           params.near_repeats * dt_fp_ns, params, heavy.get(), st);
  } catch (...) {
    error = std::current_exception();
  }
  int failed = error ? 1 : 0, any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, comm);
  if (error) std::rethrow_exception(error);
  if (any_failed) throw qp::Error("similarity search failed on another rank");

  auto gathered = allgather_pairs(comm, local);
  std::vector<CandidatePair>().swap(local);
  std::vector<CandidatePair> pairs;
  for (auto& g : gathered) {
    const auto mid = static_cast<std::ptrdiff_t>(pairs.size());
    pairs.insert(pairs.end(), g.begin(), g.end());
    std::vector<CandidatePair>().swap(g);
    std::inplace_merge(pairs.begin(), pairs.begin() + mid, pairs.end());
  }
  const std::size_t filtered = apply_occurrence_filter(pairs, times, params);

  unsigned long long sums[4] = {st.lookups, st.queries, st.buckets, st.capped}, tot[4] = {0, 0, 0, 0};
  MPI_Allreduce(sums, tot, 4, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm);
  unsigned long long peak = st.peak_bytes, max_peak = 0;
  MPI_Allreduce(&peak, &max_peak, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm);
  st.lookups = tot[0];
  st.queries = tot[1];
  st.buckets = tot[2];
  st.capped = tot[3];
  st.peak_bytes = max_peak;
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
  auto pairs = run_partitions({new_sigs, new_times.data(), n_old}, n_new, parts, all, before,
                              near_ns, params, heavy.get(), st);

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

}  // namespace qp::lsh
