// LSH benchmark: MinHash signature throughput per core and search time per
// query / peak memory for 100 k and 1 M fingerprints, each next to a naive
// FAST-style baseline timed in the same run.
//
// Fingerprints: 4096 bits, 200 set, from a drifting bit process (neighbours
// overlap strongly, the overlap decays over ~20 steps, bit frequencies skewed
// like real noise fingerprints) with repeating "event" templates, not
// uniform random bits.
//
// Usage: lsh_bench [--sizes 100000,1000000] [--reps 5] [--naive-stride 10]
// (--naive-stride 0 skips the search baseline; --sizes '' the search.)
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "lsh/hash_functions.hpp"
#include "lsh/search.hpp"
#include "lsh/signatures.hpp"
#include "lsh/tables.hpp"

using namespace qp::lsh;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kBits = 4096, kSet = 200, kWords = kBits / 64;

double secs(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU seconds of the whole process: on a shared machine the one-thread figures
// are quoted in CPU time too, since wall time there counts other users' load.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * 4096;
}

// VmHWM: the process's peak resident memory.
std::size_t peak_rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

// Drifting bit process with skewed bit frequencies and repeating events.
class BitProcess {
 public:
  explicit BitProcess(std::uint64_t seed) : rng_(seed) {
    // Skewed weights over positions: a few positions are ~3x as frequent as average.
    std::vector<double> w(kBits);
    for (std::size_t b = 0; b < kBits; ++b) w[b] = 1.0 / std::pow(double(b) + 40.0, 0.35);
    std::shuffle(w.begin(), w.end(), rng_);
    pick_ = std::discrete_distribution<std::uint32_t>(w.begin(), w.end());
    for (std::size_t k = 0; k < kSet; ++k) add(cur_, cur_set_);
    // Event templates: short runs of the same process, replayed later.
    for (int e = 0; e < 400; ++e) {
      std::vector<std::vector<std::uint16_t>> run;
      for (int s = 0; s < 30; ++s) {
        step();
        run.push_back(cur_);
      }
      templates_.push_back(run);
    }
  }

  // Next fingerprint as exactly 200 set bits.
  void next(std::uint64_t* row) {
    step();
    std::memset(row, 0, kWords * 8);
    std::size_t count = 0;
    if (event_ < 0 && u_(rng_) < 0.004) {
      event_ = static_cast<int>(rng_() % templates_.size());
      event_step_ = 0;
      share_ = 0.3 + 0.6 * u_(rng_);
    }
    if (event_ >= 0) {
      const auto& t = templates_[static_cast<std::size_t>(event_)][static_cast<std::size_t>(event_step_)];
      for (std::size_t k = 0; k < kSet; ++k) {
        const std::uint16_t b = u_(rng_) < share_ ? t[k] : cur_[k];
        if (!((row[b / 64] >> (b % 64)) & 1)) {
          row[b / 64] |= 1ULL << (b % 64);
          ++count;
        }
      }
      if (++event_step_ == 30) event_ = -1;
    } else {
      for (std::uint16_t b : cur_) row[b / 64] |= 1ULL << (b % 64);
      count = kSet;
    }
    while (count < kSet) {  // top up after collisions
      const std::uint32_t b = pick_(rng_);
      if (!((row[b / 64] >> (b % 64)) & 1)) {
        row[b / 64] |= 1ULL << (b % 64);
        ++count;
      }
    }
  }

 private:
  void add(std::vector<std::uint16_t>& v, std::vector<bool>& set) {
    if (set.empty()) set.assign(kBits, false);
    std::uint32_t b;
    do b = pick_(rng_);
    while (set[b]);
    set[b] = true;
    v.push_back(static_cast<std::uint16_t>(b));
  }
  void step() {
    for (int r = 0; r < 10; ++r) {  // ~5 % of the bits change per step
      const std::size_t k = rng_() % cur_.size();
      cur_set_[cur_[k]] = false;
      std::swap(cur_[k], cur_.back());
      cur_.pop_back();
      add(cur_, cur_set_);
    }
  }

  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> u_{0, 1};
  std::discrete_distribution<std::uint32_t> pick_;
  std::vector<std::uint16_t> cur_;
  std::vector<bool> cur_set_;
  std::vector<std::vector<std::vector<std::uint16_t>>> templates_;
  int event_ = -1, event_step_ = 0;
  double share_ = 0;
};

FingerprintWords make_fingerprints(std::size_t n, std::uint64_t seed) {
  FingerprintWords fw;
  fw.n = n;
  fw.nbits = kBits;
  fw.bits.resize(n * kWords);
  BitProcess proc(seed);
  for (std::size_t i = 0; i < n; ++i) proc.next(fw.bits.data() + i * kWords);
  return fw;
}

// FAST's signature loop: hashes[k + b*P], every set bit updates all P mins/maxes.
std::vector<std::uint64_t> naive_signatures(const FingerprintView& fps, const SearchParams& p,
                                            const std::vector<std::uint32_t>& hashes) {
  const int P = p.permutations(), h2 = p.perms_per_table();
  std::vector<std::uint64_t> out(fps.n * static_cast<std::size_t>(p.ntbls));
  std::vector<std::uint32_t> mn(P), mx(P);
  for (std::size_t i = 0; i < fps.n; ++i) {
    std::fill(mn.begin(), mn.end(), UINT32_MAX);
    std::fill(mx.begin(), mx.end(), 0);
    for (std::size_t b = 0; b < fps.nbits; ++b) {
      if (!fps.bit(i, b)) continue;
      const std::uint32_t* row = hashes.data() + b * static_cast<std::size_t>(P);
      for (int k = 0; k < P; ++k) {
        mn[k] = std::min(mn[k], row[k]);
        mx[k] = std::max(mx[k], row[k]);
      }
    }
    for (int t = 0; t < p.ntbls; ++t) {
      std::uint64_t h = 0;
      for (int k = 0; k < h2; ++k) h = hash_combine64(h, mn[t * h2 + k]);
      for (int k = 0; k < p.nhash - h2; ++k) h = hash_combine64(h, mx[t * h2 + k]);
      out[i * static_cast<std::size_t>(p.ntbls) + static_cast<std::size_t>(t)] = h;
    }
  }
  return out;
}

void bench_signatures(int reps) {
  SearchParams p;  // ntbls 100, nhash 4
  const std::size_t n = 20000;
  FingerprintWords fw = make_fingerprints(n, 7);
  SignatureGenerator gen(p, kBits);
  std::vector<std::uint64_t> keys(n * 100);
  std::printf("\n== MinHash signatures: 4096 bits, 200 set, ntbls 100, nhash 4 (P = 200) ==\n");
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    std::vector<double> t, cpu;
    for (int r = 0; r < reps; ++r) {
      auto t0 = Clock::now();
      const double c0 = cpu_now();
      gen.compute(fw.view(), keys.data());
      t.push_back(secs(t0));
      cpu.push_back(cpu_now() - c0);
    }
    const double m = median(t), mc = median(cpu);
    std::printf("quakeprint  %d thread(s): %8.0f fp/s  (%.0f fp/s per core; per CPU second %.0f "
                "fp/s; median of %d, %zu fp)\n",
                threads, n / m, n / m / threads, n / mc, reps, n);
  }
  // Naive baseline (FAST's loop order and table layout), single thread.
  const int P = p.permutations();
  std::vector<std::uint32_t> hashes(kBits * static_cast<std::size_t>(P));
  for (std::size_t b = 0; b < kBits; ++b)
    for (int k = 0; k < P; ++k) hashes[b * P + k] = gen.permutation_hash(b, k);
  const std::size_t nn = 5000;
  FingerprintView sub{fw.bits.data(), nn, kWords, kBits};
  std::vector<double> t, cpu;
  std::vector<std::uint64_t> ref;
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    const double c0 = cpu_now();
    ref = naive_signatures(sub, p, hashes);
    t.push_back(secs(t0));
    cpu.push_back(cpu_now() - c0);
  }
  const bool same = std::equal(ref.begin(), ref.end(), keys.begin());
  std::printf("naive (FAST loop order) 1 thread: %8.0f fp/s  (per CPU second %.0f fp/s; median of "
              "%d, %zu fp; keys %s)\n",
              nn / median(t), nn / median(cpu), reps, nn, same ? "identical" : "DIFFER");
  std::printf("FAST reference (fast-throughput.md C2): ~25 000 fp/s per core\n");
}

struct NaiveResult {
  double build_s = 0, query_s_per_query = 0, avg_lookups = 0;
  double build_cpu_s = 0, query_cpu_s_per_query = 0;
  std::size_t pairs_sampled = 0, table_bytes = 0;
};

// FAST's search: unordered_map<uint64, vector<uint32>> per table, per-query
// unordered_map votes. Queries are sampled every `stride` to bound the time.
NaiveResult naive_search(const SignatureView& s, int near, int nvotes, std::size_t stride) {
  NaiveResult r;
  const std::size_t rss0 = rss_bytes();
  auto t0 = Clock::now();
  double c0 = cpu_now();
  std::vector<std::unordered_map<std::uint64_t, std::vector<std::uint32_t>>> tabs(
      static_cast<std::size_t>(s.ntbls));
#pragma omp parallel for schedule(dynamic, 1)
  for (int t = 0; t < s.ntbls; ++t)
    for (std::size_t i = 0; i < s.n; ++i)
      tabs[static_cast<std::size_t>(t)][s.row(i)[t]].push_back(static_cast<std::uint32_t>(i));
  r.build_s = secs(t0);
  r.build_cpu_s = cpu_now() - c0;
  r.table_bytes = rss_bytes() - rss0;
  std::size_t queries = 0, lookups = 0, pairs = 0;
  t0 = Clock::now();
  c0 = cpu_now();
#pragma omp parallel for schedule(dynamic, 100) reduction(+ : queries, lookups, pairs)
  for (long long q = 0; q < static_cast<long long>(s.n); q += static_cast<long long>(stride)) {
    std::unordered_map<std::uint32_t, std::uint32_t> votes;
    for (int t = 0; t < s.ntbls; ++t) {
      const auto& bucket = tabs[static_cast<std::size_t>(t)].at(s.row(static_cast<std::size_t>(q))[t]);
      lookups += bucket.size();
      for (std::uint32_t d : bucket)
        if (static_cast<long long>(d) - q >= near) ++votes[d];
    }
    for (const auto& kv : votes) pairs += kv.second >= static_cast<std::uint32_t>(nvotes);
    ++queries;
  }
  r.query_s_per_query = secs(t0) / static_cast<double>(queries);
  r.query_cpu_s_per_query = (cpu_now() - c0) / static_cast<double>(queries);
  r.avg_lookups = static_cast<double>(lookups) / static_cast<double>(queries);
  r.pairs_sampled = pairs;
  return r;
}

void bench_search(std::size_t n, int reps, std::size_t stride) {
  SearchParams p;  // ntbls 100, nhash 4, nvotes 2, near_repeats 5
  std::printf("\n== Search: %zu fingerprints, ntbls 100, nhash 4, nvotes 2, near_repeats 5 ==\n", n);
  omp_set_num_threads(2);
  Signatures sigs;
  sigs.n = n;
  sigs.ntbls = p.ntbls;
  sigs.keys.resize(n * 100);
  {
    SignatureGenerator gen(p, kBits);
    BitProcess proc(42);
    const std::size_t batch = 16384;
    FingerprintWords fw;
    fw.nbits = kBits;
    for (std::size_t first = 0; first < n; first += batch) {
      fw.n = std::min(batch, n - first);
      fw.bits.assign(fw.n * kWords, 0);
      for (std::size_t i = 0; i < fw.n; ++i) proc.next(fw.bits.data() + i * kWords);
      gen.compute(fw.view(), sigs.keys.data() + first * 100);
    }
  }
  std::vector<qp::TimeNs> times(n);
  const qp::TimeNs dt = 1'000'000'000;
  for (std::size_t i = 0; i < n; ++i) times[i] = static_cast<qp::TimeNs>(i) * dt;

  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    std::vector<double> total, build, total_cpu, build_cpu;
    SearchSummary sum;
    for (int r = 0; r < reps; ++r) {
      auto t0 = Clock::now();
      double c0 = cpu_now();
      { BucketTables tables(sigs.view(), 0, n, false); }
      build.push_back(secs(t0));
      build_cpu.push_back(cpu_now() - c0);
      c0 = cpu_now();
      auto pairs = search(sigs.view(), times, dt, p, &sum);
      total.push_back(sum.seconds);
      total_cpu.push_back(cpu_now() - c0);
    }
    const double tt = median(total), tb = median(build);
    std::printf("quakeprint %d thread(s): whole search %.2f s = %.2f us/query; tables %.2f s, "
                "queries %.2f us/query (median of %d)\n",
                threads, tt, tt / n * 1e6, tb, (tt - tb) / n * 1e6, reps);
    if (threads == 1) {
      const double ct = median(total_cpu), cb = median(build_cpu);
      std::printf("  CPU time: whole search %.2f s = %.2f us/query; tables %.2f s\n", ct,
                  ct / n * 1e6, cb);
      std::printf("  avg lookups/query %.1f (later bucket members only), buckets %zu, pairs %zu, "
                  "partitions %d, peak memory (model) %.0f MB, signatures %.0f MB\n",
                  sum.avg_lookups, sum.buckets, sum.pairs, sum.partitions,
                  sum.peak_memory_bytes / 1048576.0, n * 800 / 1048576.0);
    }
  }
  std::printf("  process peak RSS so far (signatures, tables, votes, pairs): %.0f MB\n",
              peak_rss_bytes() / 1048576.0);
  omp_set_num_threads(1);
  if (stride == 0) return;  // no baseline: a quick look only, not a figure to quote
  NaiveResult nr = naive_search(sigs.view(), p.near_repeats, p.nvotes, stride);
  const double naive_per_query = nr.build_s / n + nr.query_s_per_query;
  std::printf("naive (FAST-style unordered_map tables + votes) 1 thread: tables %.2f s, queries "
              "%.2f us/query (every %zu-th query), whole %.2f us/query; avg lookups/query %.1f "
              "(whole buckets), tables ~%.0f MB RSS\n",
              nr.build_s, nr.query_s_per_query * 1e6, stride, naive_per_query * 1e6,
              nr.avg_lookups, nr.table_bytes / 1048576.0);
  std::printf("  naive CPU time: tables %.2f s, queries %.2f us/query, whole %.2f us/query\n",
              nr.build_cpu_s, nr.query_cpu_s_per_query * 1e6,
              (nr.build_cpu_s / n + nr.query_cpu_s_per_query) * 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {100000, 1000000};
  int reps = 5;
  std::size_t stride = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--reps") reps = std::max(1, std::atoi(v.c_str()));
    else if (a == "--naive-stride") stride = static_cast<std::size_t>(std::max(0, std::atoi(v.c_str())));
    else if (a == "--sizes") {
      sizes.clear();
      std::size_t pos = 0;
      while (pos < v.size()) {
        const std::size_t c = v.find(',', pos);
        sizes.push_back(std::stoull(v.substr(pos, c - pos)));
        pos = c == std::string::npos ? v.size() : c + 1;
      }
    } else {
      std::fprintf(stderr, "usage: lsh_bench [--sizes N,N] [--reps R] [--naive-stride S]\n");
      return 2;
    }
  }
  bench_signatures(reps);
  for (std::size_t n : sizes) bench_search(n, reps, stride);
  std::printf("\nFAST reference (fast-throughput.md C2, 1 thread): 100 K: 71 us/query whole run, "
              "18 us search phase, 203 lookups; 1 M: 171 us whole, 111 us search, 1 224 lookups\n");
  return 0;
}
