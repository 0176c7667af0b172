#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include <omp.h>

#include <cmath>
#include <limits>
#include <cstdio>
#include <toml.hpp>

#include "lsh/exact.hpp"
#include "lsh/explain.hpp"
#include "lsh/occurrence_filter.hpp"
#include "lsh/search.hpp"
#include "lsh/tables.hpp"
#include "tests/lsh/lsh_test_data.hpp"

namespace qp::lsh {
namespace {

constexpr TimeNs kDt = 500'000'000;  // 0.5 s between fingerprints
const TimeNs kT0 = civil_to_ns(2014, 8, 24, 0, 1, 5, 340'000'000);

// Brute force over signatures: votes of every pair at most lag_ns apart
// (default: any), straight from the definition.
std::vector<CandidatePair> brute_force_pairs(const SignatureView& s, const std::vector<TimeNs>& t,
                                             TimeNs near_ns, int nvotes,
                                             TimeNs lag_ns = std::numeric_limits<TimeNs>::max()) {
  std::vector<CandidatePair> out;
  for (std::size_t a = 0; a < s.n; ++a)
    for (std::size_t b = a + 1; b < s.n && t[b] - t[a] <= lag_ns; ++b) {
      if (t[b] - t[a] < near_ns) continue;
      std::uint32_t v = 0;
      for (int k = 0; k < s.ntbls; ++k) v += s.row(a)[k] == s.row(b)[k];
      if (static_cast<int>(v) >= nvotes)
        out.push_back({static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b), v});
    }
  return out;
}

struct Fixture {
  FingerprintWords fps;
  Signatures sigs;
  std::vector<TimeNs> times;
};

Fixture synthetic(std::size_t n, SearchParams p, std::uint64_t seed = 3) {
  Fixture f;
  f.fps = testdata::correlated_fingerprints(n, 2048, 100, seed);
  f.sigs = compute_signatures(f.fps.view(), p);
  f.times = testdata::grid_times(n, kT0, kDt);
  return f;
}

SearchParams small_params() {
  SearchParams p;
  p.ntbls = 40;
  p.nhash = 3;
  p.nvotes = 2;
  p.seed = 11;
  return p;
}

TEST(Search, EqualsBruteForceVoting) {
  SearchParams p = small_params();
  Fixture f = synthetic(700, p);
  // Some exact duplicates make big buckets and equal times test the near rule.
  std::copy(f.sigs.keys.begin() + 10 * p.ntbls, f.sigs.keys.begin() + 11 * p.ntbls,
            f.sigs.keys.begin() + 500 * p.ntbls);
  auto pairs = search(f.sigs.view(), f.times, kDt, p);
  auto expected = brute_force_pairs(f.sigs.view(), f.times, p.near_repeats * kDt, p.nvotes);
  ASSERT_GT(expected.size(), 100u);
  EXPECT_EQ(pairs, expected);
  EXPECT_TRUE(std::any_of(pairs.begin(), pairs.end(), [](const CandidatePair& c) {
    return c.a == 10 && c.b == 500 && c.votes == 40;
  }));
}

// Random keys of three kinds: hash-like (uniform top bits), a small pool of
// repeated keys (big buckets), and small integers in falling order (all share
// their top bits, so the radix sort's groups are large and out of order).
Signatures random_keys(std::size_t n, int ntbls, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Signatures s;
  s.n = n;
  s.ntbls = ntbls;
  s.keys.resize(n * static_cast<std::size_t>(ntbls));
  std::vector<std::uint64_t> pool(6);
  for (auto& k : pool) k = rng();
  for (std::size_t i = 0; i < n; ++i)
    for (int t = 0; t < ntbls; ++t) {
      std::uint64_t& k = s.keys[i * static_cast<std::size_t>(ntbls) + static_cast<std::size_t>(t)];
      switch (t % 3) {
        case 0: k = rng() % 4 == 0 ? pool[rng() % pool.size()] : rng(); break;
        case 1: k = rng() % 3 == 0 ? pool[rng() % 2] : (n - i) / 2; break;
        default: k = rng() % 2 ? pool[t % pool.size()] : rng() >> (rng() % 64); break;
      }
    }
  return s;
}

TEST(BucketTables, SortedBucketsPositionsAndKeyIndexMatchTheKeys) {
  const Signatures s = random_keys(3000, 9, 21);
  const std::size_t begin = 250, end = 2900, m = end - begin;
  const BucketTables tables(s.view(), begin, end, true);
  ASSERT_EQ(tables.size(), m);
  std::size_t buckets = 0;
  for (int t = 0; t < s.ntbls; ++t) {
    SCOPED_TRACE(t);
    // Reference: (key, local id) sorted.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> ref;
    for (std::size_t j = 0; j < m; ++j)
      ref.push_back({s.view().row(begin + j)[t], static_cast<std::uint32_t>(j)});
    std::sort(ref.begin(), ref.end());
    const std::uint8_t* mem = tables.members(t);
    for (std::size_t j = 0; j < m; ++j) {
      const std::uint32_t e = BucketTables::entry(mem, j);
      const bool first = j == 0 || ref[j].first != ref[j - 1].first;
      buckets += first;
      ASSERT_EQ(e & BucketTables::kIdMask, ref[j].second) << "position " << j;
      ASSERT_EQ((e & BucketTables::kBucketStart) != 0, first) << "position " << j;
      const bool last = j + 1 == m || ref[j + 1].first != ref[j].first;
      ASSERT_EQ(tables.position(ref[j].second, t),
                j | (last ? BucketTables::kLastMember : 0u));
      if (first) {
        EXPECT_EQ(tables.find(t, ref[j].first), j);
      }
    }
    EXPECT_NE(BucketTables::entry(mem, m) & BucketTables::kBucketStart, 0u) << "sentinel";
    EXPECT_EQ(tables.find(t, 0x0123456789abcdefULL), BucketTables::kNotFound);
  }
  EXPECT_EQ(tables.buckets(), buckets);
}

TEST(Search, RandomKeysEqualBruteForceForAnyPartitionsAndThreads) {
  SearchParams p;
  p.ntbls = 9;
  p.nvotes = 2;
  const Signatures s = random_keys(1500, p.ntbls, 8);
  const auto times = testdata::grid_times(s.n, kT0, kDt);
  const auto expected = brute_force_pairs(s.view(), times, p.near_repeats * kDt, p.nvotes);
  ASSERT_GT(expected.size(), 1000u);
  for (int threads : {1, 2})
    for (int parts : {1, 3}) {
      SearchOptions o;
      o.threads = threads;
      o.partitions = parts;
      EXPECT_EQ(search(s.view(), times, kDt, p, nullptr, o), expected)
          << threads << " threads, " << parts << " partitions";
    }
}

// Brute force with the bucket cap: a table votes only when the pair's key is
// held by at most `cap` fingerprints of the whole set.
std::vector<CandidatePair> brute_force_capped(const SignatureView& s, const std::vector<TimeNs>& t,
                                              TimeNs near_ns, int nvotes, std::size_t cap) {
  std::vector<std::map<std::uint64_t, std::size_t>> count(static_cast<std::size_t>(s.ntbls));
  for (std::size_t i = 0; i < s.n; ++i)
    for (int k = 0; k < s.ntbls; ++k) ++count[static_cast<std::size_t>(k)][s.row(i)[k]];
  std::vector<CandidatePair> out;
  for (std::size_t a = 0; a < s.n; ++a)
    for (std::size_t b = a + 1; b < s.n; ++b) {
      if (t[b] - t[a] < near_ns) continue;
      std::uint32_t v = 0;
      for (int k = 0; k < s.ntbls; ++k)
        v += s.row(a)[k] == s.row(b)[k] && count[static_cast<std::size_t>(k)][s.row(a)[k]] <= cap;
      if (static_cast<int>(v) >= nvotes)
        out.push_back({static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b), v});
    }
  return out;
}

TEST(BucketCap, EqualsBruteForceForAnyPartitionsThreadsAndSplits) {
  SearchParams p = small_params();
  Fixture f = synthetic(1500, p);
  // A repeating source: one fingerprint's keys at 60 places (buckets of 61).
  for (std::size_t i = 100; i < 1400; i += 22)
    std::copy(f.sigs.keys.begin() + 50 * p.ntbls, f.sigs.keys.begin() + 51 * p.ntbls,
              f.sigs.keys.begin() + static_cast<long>(i) * p.ntbls);
  const Signatures& s = f.sigs;
  const auto& times = f.times;
  const auto uncapped = brute_force_pairs(s.view(), times, p.near_repeats * kDt, p.nvotes);
  for (std::size_t cap : {3u, 8u, 60u}) {
    SCOPED_TRACE(cap);
    p.max_bucket = static_cast<std::int64_t>(cap);
    const auto expected = brute_force_capped(s.view(), times, p.near_repeats * kDt, p.nvotes, cap);
    ASSERT_GT(expected.size(), 50u);
    ASSERT_LT(expected.size(), uncapped.size());
    for (int threads : {1, 2})
      for (int parts : {1, 3}) {
        SearchOptions o;
        o.threads = threads;
        o.partitions = parts;
        SearchSummary sum;
        EXPECT_EQ(search(s.view(), times, kDt, p, &sum, o), expected)
            << threads << " threads, " << parts << " partitions";
        EXPECT_GT(sum.capped, 0u);
      }
    // Incremental: keys are counted over old and new fingerprints together.
    for (std::size_t split : {1u, 700u}) {
      SignatureView old_v{s.keys.data(), split, p.ntbls};
      SignatureView new_v{s.keys.data() + split * p.ntbls, s.n - split, p.ntbls};
      std::vector<TimeNs> old_t(times.begin(), times.begin() + static_cast<long>(split));
      std::vector<TimeNs> new_t(times.begin() + static_cast<long>(split), times.end());
      std::vector<CandidatePair> want;
      for (const auto& c : expected)
        if (c.b >= split) want.push_back(c);
      EXPECT_EQ(search_new_vs_all(old_v, old_t, new_v, new_t, kDt, p), want) << "split " << split;
    }
  }
}

TEST(BucketCap, AboveTheFullestBucketChangesNothing) {
  SearchParams p = small_params();
  Fixture f = synthetic(2000, p);
  const auto whole = search(f.sigs.view(), f.times, kDt, p);
  p.max_bucket = static_cast<std::int64_t>(f.sigs.n);
  SearchSummary sum;
  EXPECT_EQ(search(f.sigs.view(), f.times, kDt, p, &sum), whole);
  EXPECT_EQ(sum.capped, 0u);
}

TEST(BucketCap, CappedBucketsAreNotScannedNorFound) {
  const Signatures s = random_keys(3000, 9, 21);
  const std::size_t cap = 50;
  const BucketTables tables(s.view(), 0, s.n, true, cap);
  std::size_t capped = 0;
  for (int t = 0; t < s.ntbls; ++t) {
    std::map<std::uint64_t, std::vector<std::uint32_t>> buckets;
    for (std::size_t j = 0; j < s.n; ++j) buckets[s.view().row(j)[t]].push_back(static_cast<std::uint32_t>(j));
    for (const auto& [key, members] : buckets) {
      const bool over = members.size() > cap;
      capped += over ? members.size() : 0;
      EXPECT_EQ(tables.find(t, key) == BucketTables::kNotFound, over) << "table " << t;
      for (std::size_t k = 0; k < members.size(); ++k) {
        const bool last = over || k + 1 == members.size();
        EXPECT_EQ((tables.position(members[k], t) & BucketTables::kLastMember) != 0, last);
      }
    }
  }
  EXPECT_GT(capped, 0u);
  EXPECT_EQ(tables.capped(), capped);
}

TEST(Search, NearRepeatsUseAbsoluteTime) {
  SearchParams p = small_params();
  Fixture f = synthetic(300, p);
  // A gap after fingerprint 149: indices 147 and 150 are far apart in time.
  for (std::size_t i = 150; i < f.times.size(); ++i) f.times[i] += 3600 * kNsPerSecond;
  std::copy(f.sigs.keys.begin() + 147 * p.ntbls, f.sigs.keys.begin() + 148 * p.ntbls,
            f.sigs.keys.begin() + 150 * p.ntbls);
  auto pairs = search(f.sigs.view(), f.times, kDt, p);
  EXPECT_EQ(pairs, brute_force_pairs(f.sigs.view(), f.times, p.near_repeats * kDt, p.nvotes));
  EXPECT_TRUE(std::binary_search(pairs.begin(), pairs.end(), CandidatePair{147, 150, 0}));
}

TEST(Search, ReproducesFastCandidatePairs) {
  QP_REQUIRE_SHARED();
  SearchParams p;
  p.hash_mode = HashMode::fast;
  p.seed = 280491303u;
  for (const std::string ch : {"HHZ", "HHN", "HHE"}) {
    SCOPED_TRACE(ch);
    FingerprintWords fw = testdata::reference_fp(ch);
    Signatures s = compute_signatures(fw.view(), p);
    // FAST's near-repeat rule is on local indices: a uniform grid makes ours equal.
    auto pairs = search(s.view(), testdata::grid_times(fw.n, kT0, kDt), kDt, p);
    auto words = testdata::read_u32_file(testdata::iceland_dir() + "/pairs/candidate_pairs_LIND_" +
                                         ch + ".txt(0,946)");
    std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> expected, got;
    for (std::size_t k = 0; k < words.size();) {
      const std::uint32_t q = words[k], n = words[k + 1];
      for (std::uint32_t j = 0; j < n / 2; ++j) {
        const std::uint32_t d = words[k + 2 + 2 * j], v = words[k + 3 + 2 * j];
        expected.insert({std::min(q, d), std::max(q, d), v});
      }
      k += 2 + n;
    }
    for (const auto& c : pairs) got.insert({c.a, c.b, c.votes});
    ASSERT_GT(expected.size(), 500u);
    EXPECT_EQ(got.size(), pairs.size());
    EXPECT_EQ(got, expected);
  }
}

TEST(Search, IdenticalForOneAndTwoThreads) {
  SearchParams p = small_params();
  Fixture f = synthetic(3000, p);
  SearchOptions one, two;
  one.threads = 1;
  two.threads = 2;
  auto a = search(f.sigs.view(), f.times, kDt, p, nullptr, one);
  auto b = search(f.sigs.view(), f.times, kDt, p, nullptr, two);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  // Signatures too.
  std::vector<std::uint64_t> k1, k2;
  {
    omp_set_num_threads(1);
    k1 = compute_signatures(f.fps.view(), p).keys;
    omp_set_num_threads(2);
    k2 = compute_signatures(f.fps.view(), p).keys;
  }
  EXPECT_EQ(k1, k2);
}

TEST(Search, PartitionedEqualsUnpartitioned) {
  SearchParams p = small_params();
  Fixture f = synthetic(2500, p);
  SearchSummary s1;
  auto whole = search(f.sigs.view(), f.times, kDt, p, &s1);
  EXPECT_EQ(s1.partitions, 1);
  for (int parts : {2, 3, 7, 64}) {
    SearchOptions o;
    o.partitions = parts;
    SearchSummary s;
    EXPECT_EQ(search(f.sigs.view(), f.times, kDt, p, &s, o), whole) << parts << " partitions";
    EXPECT_EQ(s.partitions, parts);
  }
  // The memory budget chooses partitions on its own (pairs of 12 votes or
  // more: few enough to fit in 1 MB beside the signatures; the budget counts them).
  SearchParams tight = p;
  tight.nvotes = 12;
  const auto strong = search(f.sigs.view(), f.times, kDt, tight);
  ASSERT_FALSE(strong.empty());
  tight.memory_budget_mb = 1;
  SearchSummary st;
  EXPECT_EQ(search(f.sigs.view(), f.times, kDt, tight, &st), strong) << strong.size() << " pairs";
  EXPECT_GT(st.partitions, 1);
  EXPECT_EQ(st.pairs, strong.size());
  EXPECT_EQ(st.fingerprints, 2500u);
  EXPECT_GT(st.buckets, 0u);
  EXPECT_GT(st.avg_lookups, 0.0);
  EXPECT_GT(st.peak_memory_bytes, f.sigs.keys.size() * 8);
}

TEST(Search, BudgetTooSmallForSignaturesIsAConfigError) {
  SearchParams p = small_params();
  Fixture f = synthetic(50, p);
  Signatures big;
  big.n = 40000;
  big.ntbls = p.ntbls;
  big.keys.assign(big.n * static_cast<std::size_t>(p.ntbls), 0);
  p.memory_budget_mb = 1;
  try {
    search(big.view(), testdata::grid_times(big.n, kT0, kDt), kDt, p);
    FAIL() << "expected ConfigError";
  } catch (const qp::ConfigError& e) {
    EXPECT_EQ(e.key(), "search.memory_budget_mb");
  }
}

// The largest held_bytes with which search() still fits its pairs in the budget.
std::size_t held_limit(const SignatureView& s, const std::vector<TimeNs>& t, const SearchParams& p) {
  std::size_t lo = 0, hi = static_cast<std::size_t>(p.memory_budget_mb) << 20;  // fits at lo, not at hi
  while (hi - lo > 1) {
    SearchOptions o;
    o.held_bytes = lo + (hi - lo) / 2;
    try {
      search(s, t, kDt, p, nullptr, o);
      lo = o.held_bytes;
    } catch (const PairBudgetError&) {
      hi = o.held_bytes;
    }
  }
  return lo;
}

TEST(Search, PairsOverTheBudgetAreAConfigErrorNamingTheChannelForAnyThreads) {
  SearchParams p = small_params();
  Fixture f = synthetic(2500, p);
  const auto whole = search(f.sigs.view(), f.times, kDt, p);
  ASSERT_GT(whole.size(), 10000u);  // 24 bytes each: more than 1 MB with the signatures
  SearchParams tight = p;
  tight.memory_budget_mb = 1;
  SearchOptions o;
  o.channel = "XX.STA..HHZ";
  try {
    search(f.sigs.view(), f.times, kDt, tight, nullptr, o);
    FAIL() << "expected PairBudgetError";
  } catch (const qp::ConfigError& e) {
    EXPECT_EQ(e.key(), "search.memory_budget_mb");
    const std::string what = e.what();
    for (const char* part : {"XX.STA..HHZ", "memory_budget_mb = 1 MB", "max_lag", "pairs after"})
      EXPECT_NE(what.find(part), std::string::npos) << part << " not in: " << what;
  }
  // The pairs' limit comes from the budget and what the caller holds, not
  // from the thread count: at the limit the same pairs, one byte more fails.
  const std::size_t limit = held_limit(f.sigs.view(), f.times, p);
  ASSERT_GT(limit, 0u);
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    SearchOptions at;
    at.threads = threads;
    at.held_bytes = limit;
    EXPECT_EQ(search(f.sigs.view(), f.times, kDt, p, nullptr, at), whole);
    at.held_bytes = limit + 1;
    EXPECT_THROW(search(f.sigs.view(), f.times, kDt, p, nullptr, at), PairBudgetError);
  }
}

TEST(Search, IncrementalEqualsFull) {
  SearchParams p = small_params();
  Fixture f = synthetic(2000, p);
  auto full = search(f.sigs.view(), f.times, kDt, p);
  for (std::size_t split : {0u, 1u, 997u, 1999u, 2000u}) {
    SCOPED_TRACE(split);
    SignatureView old_v{f.sigs.keys.data(), split, p.ntbls};
    SignatureView new_v{f.sigs.keys.data() + split * p.ntbls, 2000 - split, p.ntbls};
    std::vector<TimeNs> old_t(f.times.begin(), f.times.begin() + static_cast<long>(split));
    std::vector<TimeNs> new_t(f.times.begin() + static_cast<long>(split), f.times.end());
    SearchOptions o;
    o.partitions = split % 2 ? 3 : 0;
    auto inc = search_new_vs_all(old_v, old_t, new_v, new_t, kDt, p, nullptr, o);
    std::vector<CandidatePair> expected;
    for (const auto& c : full)
      if (c.b >= split) expected.push_back(c);
    EXPECT_EQ(inc, expected);
  }
  // New data must not precede old data.
  SignatureView a{f.sigs.keys.data(), 10, p.ntbls}, b{f.sigs.keys.data() + 10 * p.ntbls, 10, p.ntbls};
  std::vector<TimeNs> ta(f.times.begin() + 10, f.times.begin() + 20), tb(f.times.begin(), f.times.begin() + 10);
  EXPECT_THROW(search_new_vs_all(a, ta, b, tb, kDt, p), qp::InputError);
}

// Irregular times: steps of 0-3 dt (equal times included) and a few long gaps.
std::vector<TimeNs> irregular_times(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<TimeNs> t(n);
  TimeNs now = kT0;
  for (std::size_t i = 0; i < n; ++i) {
    now += static_cast<TimeNs>(rng() % 4) * kDt + (rng() % 300 == 0 ? 700 * kDt : 0);
    t[i] = now;
  }
  return t;
}

TEST(Lag, EqualsBruteForceForAnyBlocksPartitionsAndThreads) {
  SearchParams p;
  p.ntbls = 9;
  p.nvotes = 2;
  const Signatures s = random_keys(4000, p.ntbls, 8);
  const auto times = irregular_times(s.n, 5);
  const auto all = brute_force_pairs(s.view(), times, p.near_repeats * kDt, p.nvotes);
  // 150 dt: many blocks; a lag that lands exactly on pairs' differences (inclusive).
  for (TimeNs lag : {150 * kDt, 40 * kDt + 0, 5000 * kDt}) {
    SCOPED_TRACE(lag);
    p.max_lag = static_cast<double>(lag) / 1e9;
    ASSERT_EQ(p.max_lag_ns(), lag);
    const auto expected = brute_force_pairs(s.view(), times, p.near_repeats * kDt, p.nvotes, lag);
    ASSERT_GT(expected.size(), 500u);
    if (lag < 5000 * kDt) {
      ASSERT_LT(expected.size(), all.size() / 4);
    }
    for (std::size_t block : {std::size_t{1}, std::size_t{97}, std::size_t{1} << 14})
      for (int threads : {1, 2})
        for (int parts : {0, 7}) {
          SearchOptions o;
          o.threads = threads;
          o.partitions = parts;
          o.min_lag_block = block;
          SearchSummary sum;
          EXPECT_EQ(search(s.view(), times, kDt, p, &sum, o), expected)
              << block << " min block, " << threads << " threads, " << parts << " partitions";
          EXPECT_EQ(sum.pairs, expected.size());
          EXPECT_EQ(sum.fingerprints, s.n);
        }
  }
}

TEST(Lag, ZeroLagIsTheWholeRecordAndBigLagEqualsIt) {
  SearchParams p = small_params();
  Fixture f = synthetic(1500, p);
  const auto whole = search(f.sigs.view(), f.times, kDt, p);
  p.max_lag = 1e6;  // longer than the record
  SearchOptions o;
  o.min_lag_block = 100;
  EXPECT_EQ(search(f.sigs.view(), f.times, kDt, p, nullptr, o), whole);
}

TEST(Lag, IncrementalEqualsFullWithAndWithoutOccurrenceFilter) {
  SearchParams p = small_params();
  Fixture f = synthetic(2000, p);
  p.max_lag = 120 * static_cast<double>(kDt) / 1e9;
  SearchOptions o;
  o.min_lag_block = 50;
  for (double noise : {-1.0, 0.01}) {
    p.noise_freq = noise;
    const auto full = search(f.sigs.view(), f.times, kDt, p, nullptr, o);
    ASSERT_GT(full.size(), 100u);
    for (std::size_t split : {0u, 1u, 997u, 1999u, 2000u}) {
      SCOPED_TRACE(split);
      SignatureView old_v{f.sigs.keys.data(), split, p.ntbls};
      SignatureView new_v{f.sigs.keys.data() + split * p.ntbls, 2000 - split, p.ntbls};
      std::vector<TimeNs> old_t(f.times.begin(), f.times.begin() + static_cast<long>(split));
      std::vector<TimeNs> new_t(f.times.begin() + static_cast<long>(split), f.times.end());
      std::vector<CandidatePair> expected;
      for (const auto& c : full)
        if (c.b >= split) expected.push_back(c);
      EXPECT_EQ(search_new_vs_all(old_v, old_t, new_v, new_t, kDt, p, nullptr, o), expected);
    }
  }
}

TEST(Lag, RejectedWithBucketCapOrNegative) {
  SearchParams p;
  p.max_lag = 86400;
  p.max_bucket = 10;
  EXPECT_THROW(p.validate(), qp::ConfigError);
  p.max_bucket = 0;
  EXPECT_NO_THROW(p.validate());
  p.max_lag = -1;
  EXPECT_THROW(p.validate(), qp::ConfigError);
}

// Fingerprints over four days, with a "noisy" stretch where one repeated
// pattern matches very many others.
Fixture noisy_days(const SearchParams& p) {
  Fixture f;
  f.fps = testdata::correlated_fingerprints(2400, 2048, 100, 9);
  const std::size_t words = f.fps.words();
  for (std::size_t i = 700; i < 1100; i += 3)  // one repeating source on day 2
    std::copy(f.fps.bits.begin() + 650 * words, f.fps.bits.begin() + 651 * words,
              f.fps.bits.begin() + static_cast<long>(i * words));
  f.sigs = compute_signatures(f.fps.view(), p);
  f.times.resize(f.fps.n);
  for (std::size_t i = 0; i < f.fps.n; ++i)  // 600 per day, 2 min apart
    f.times[i] = civil_to_ns(2015, 1, 30) + static_cast<TimeNs>(i / 600) * kNsPerDay +
                 static_cast<TimeNs>(i % 600) * 120 * kNsPerSecond;
  return f;
}

TEST(OccurrenceFilter, DropsRepeatersDeterministically) {
  SearchParams p = small_params();
  p.noise_freq = 0.05;
  p.noise_block = NoiseBlock::day;
  Fixture f = noisy_days(p);
  SearchParams off = p;
  off.noise_freq = -1;
  auto raw = search(f.sigs.view(), f.times, 120 * kNsPerSecond, off);
  // Oracle from the definition.
  std::map<std::int64_t, int> per_block;
  for (TimeNs t : f.times) ++per_block[noise_block_id(t, NoiseBlock::day)];
  std::vector<int> count(f.fps.n, 0);
  for (const auto& c : raw)
    if (noise_block_id(f.times[c.a], NoiseBlock::day) == noise_block_id(f.times[c.b], NoiseBlock::day)) {
      ++count[c.a];
      ++count[c.b];
    }
  std::vector<CandidatePair> expected;
  std::size_t dropped = 0;
  auto drop = [&](std::uint32_t i) {
    return count[i] > p.noise_freq * per_block[noise_block_id(f.times[i], NoiseBlock::day)];
  };
  for (std::size_t i = 0; i < f.fps.n; ++i) dropped += drop(static_cast<std::uint32_t>(i));
  for (const auto& c : raw)
    if (!drop(c.a) && !drop(c.b)) expected.push_back(c);
  ASSERT_GT(dropped, 50u);
  ASSERT_LT(expected.size(), raw.size());

  SearchSummary s;
  auto filtered = search(f.sigs.view(), f.times, 120 * kNsPerSecond, p, &s);
  EXPECT_EQ(filtered, expected);
  EXPECT_EQ(s.filtered, dropped);
  for (int threads : {1, 2})
    for (int parts : {1, 5}) {
      SearchOptions o;
      o.threads = threads;
      o.partitions = parts;
      EXPECT_EQ(search(f.sigs.view(), f.times, 120 * kNsPerSecond, p, nullptr, o), expected);
    }
  // Incremental search reaches the same verdicts (the split is inside day 2).
  for (std::size_t split : {900u, 1800u}) {
    SignatureView old_v{f.sigs.keys.data(), split, p.ntbls};
    SignatureView new_v{f.sigs.keys.data() + split * p.ntbls, f.fps.n - split, p.ntbls};
    std::vector<TimeNs> old_t(f.times.begin(), f.times.begin() + static_cast<long>(split));
    std::vector<TimeNs> new_t(f.times.begin() + static_cast<long>(split), f.times.end());
    auto inc = search_new_vs_all(old_v, old_t, new_v, new_t, 120 * kNsPerSecond, p);
    std::vector<CandidatePair> want;
    for (const auto& c : expected)
      if (c.b >= split) want.push_back(c);
    EXPECT_EQ(inc, want) << split;
  }
}

TEST(OccurrenceFilter, CalendarBlocks) {
  EXPECT_EQ(noise_block_id(civil_to_ns(2014, 8, 31, 23, 59, 59), NoiseBlock::month),
            2014 * 12 + 7);
  EXPECT_EQ(noise_block_id(civil_to_ns(2014, 9, 1), NoiseBlock::month), 2014 * 12 + 8);
  EXPECT_EQ(noise_block_id(civil_to_ns(1969, 12, 31), NoiseBlock::month), 1969 * 12 + 11);
  EXPECT_EQ(noise_block_id(civil_to_ns(2000, 2, 29, 12), NoiseBlock::month), 2000 * 12 + 1);
  // Weeks start on Monday: 2014-08-24 was a Sunday, 2014-08-25 a Monday.
  EXPECT_NE(noise_block_id(civil_to_ns(2014, 8, 24, 23), NoiseBlock::week),
            noise_block_id(civil_to_ns(2014, 8, 25, 1), NoiseBlock::week));
  EXPECT_EQ(noise_block_id(civil_to_ns(2014, 8, 25), NoiseBlock::week),
            noise_block_id(civil_to_ns(2014, 8, 31, 23), NoiseBlock::week));
  EXPECT_EQ(noise_block_id(civil_to_ns(1969, 12, 29), NoiseBlock::week),
            noise_block_id(civil_to_ns(1970, 1, 4), NoiseBlock::week));
  EXPECT_NE(noise_block_id(civil_to_ns(1969, 12, 28), NoiseBlock::week),
            noise_block_id(civil_to_ns(1969, 12, 29), NoiseBlock::week));
  EXPECT_EQ(noise_block_id(civil_to_ns(2014, 8, 24, 23), NoiseBlock::day),
            noise_block_id(civil_to_ns(2014, 8, 24, 0), NoiseBlock::day));
}

// Recall of the search against exact Jaccard follows the vote-probability curve.
TEST(Search, RecallFollowsProbabilityCurve) {
  QP_REQUIRE_SHARED();
  SearchParams p;  // ntbls 100, nhash 4, nvotes 2, xxhash
  p.seed = 12345;
  const TimeNs near_ns = p.near_repeats * kDt;
  std::map<int, std::pair<double, std::pair<int, int>>> bins;  // bin -> (sum s, (n, found))
  for (const std::string ch : {"HHZ", "HHN", "HHE"}) {
    FingerprintWords fw = testdata::reference_fp(ch);
    auto times = testdata::grid_times(fw.n, kT0, kDt);
    Signatures s = compute_signatures(fw.view(), p);
    auto pairs = search(s.view(), times, kDt, p);
    std::set<std::pair<std::uint32_t, std::uint32_t>> found;
    for (const auto& c : pairs) found.insert({c.a, c.b});
    for (const auto& e : exact_pairs(fw.view(), times, near_ns, 0.0)) {
      auto& bin = bins[static_cast<int>(e.jaccard / 0.05)];
      bin.first += e.jaccard;
      ++bin.second.first;
      bin.second.second += found.count({e.a, e.b}) ? 1 : 0;
    }
  }
  int checked = 0, transition = 0;
  for (const auto& [bin, acc] : bins) {
    const int n = acc.second.first;
    if (n < 200) continue;
    const double mean_s = acc.first / n;
    const double share = static_cast<double>(acc.second.second) / n;
    const double curve = vote_probability(mean_s, p);
    std::printf("bin %.2f n %d mean %.3f share %.3f curve %.3f\n", bin * 0.05, n, mean_s, share, curve);
    EXPECT_NEAR(share, curve, 0.08) << "Jaccard bin " << bin * 0.05 << " mean " << mean_s
                                    << " pairs " << n;
    ++checked;
    transition += curve > 0.05 && curve < 0.95;
  }
  EXPECT_GE(checked, 5);
  EXPECT_GE(transition, 1) << "no populated bin on the steep part of the curve";
}

TEST(Params, NvotesAboveNtblsRejected) {
  SearchParams p;
  p.ntbls = 3;
  p.nvotes = 4;
  try {
    p.validate();
    FAIL() << "expected ConfigError";
  } catch (const qp::ConfigError& e) {
    EXPECT_EQ(e.key(), "search.nvotes");
    EXPECT_NE(std::string(e.what()).find("must not exceed ntbls"), std::string::npos) << e.what();
  }
}

toml::value parse_toml(const std::string& text) {
  std::istringstream in(text);
  return toml::parse(in, "test.toml");
}

TEST(Params, FromConfig) {
  const auto doc = parse_toml(
      "[search]\nntbls = 50\nnhash = 5\nnvotes = 3\nnoise_freq = 0.01\n"
      "noise_block = \"week\"\nhash_mode = \"fast\"\nseed = 280491303\n");
  qp::ConfigSection sec("search", &doc.at("search"));
  SearchParams p = SearchParams::from_config(sec);
  EXPECT_EQ(p.ntbls, 50);
  EXPECT_EQ(p.nhash, 5);
  EXPECT_EQ(p.nvotes, 3);
  EXPECT_EQ(p.near_repeats, 5);
  EXPECT_DOUBLE_EQ(p.noise_freq, 0.01);
  EXPECT_EQ(p.noise_block, NoiseBlock::week);
  EXPECT_EQ(p.hash_mode, HashMode::fast);
  EXPECT_EQ(p.seed, 280491303u);
  EXPECT_EQ(p.memory_budget_mb, 4096);
  EXPECT_EQ(p.permutations(), 150);

  qp::ConfigSection none("search", nullptr);
  SearchParams d = SearchParams::from_config(none);
  EXPECT_EQ(d.ntbls, 100);
  EXPECT_EQ(d.nhash, 4);
  EXPECT_EQ(d.nvotes, 2);
  EXPECT_EQ(d.hash_mode, HashMode::xxhash);
  EXPECT_EQ(d.seed, 1u);

  const auto bad = parse_toml("[search]\nntbls = 10\nnvotes = 11\n");
  qp::ConfigSection b("search", &bad.at("search"));
  try {
    SearchParams::from_config(b);
    FAIL() << "expected ConfigError";
  } catch (const qp::ConfigError& e) {
    EXPECT_EQ(e.key(), "search.nvotes");
    EXPECT_EQ(e.line(), 3);
  }
  const auto bad_freq = parse_toml("[search]\nnoise_freq = 0\n");
  qp::ConfigSection bf("search", &bad_freq.at("search"));
  EXPECT_THROW(SearchParams::from_config(bf), qp::ConfigError);
  const auto bad_mode = parse_toml("[search]\nhash_mode = \"murmur\"\n");
  qp::ConfigSection bm("search", &bad_mode.at("search"));
  EXPECT_THROW(SearchParams::from_config(bm), qp::ConfigError);
  const auto bad_cap = parse_toml("[search]\nmax_bucket = -1\n");
  qp::ConfigSection bc("search", &bad_cap.at("search"));
  try {
    SearchParams::from_config(bc);
    FAIL() << "expected ConfigError";
  } catch (const qp::ConfigError& e) {
    EXPECT_EQ(e.key(), "search.max_bucket");
  }
}

TEST(Explain, CurveAndCrossings) {
  SearchParams p;
  EXPECT_NEAR(vote_probability(0.0, p), 0.0, 1e-12);
  EXPECT_NEAR(vote_probability(1.0, p), 1.0, 1e-12);
  // Direct formula for nvotes 2: 1 - (1-q)^t - t q (1-q)^(t-1), q = s^4.
  const double s = 0.4, q = std::pow(s, 4);
  EXPECT_NEAR(vote_probability(s, p),
              1 - std::pow(1 - q, 100) - 100 * q * std::pow(1 - q, 99), 1e-12);
  const double s50 = jaccard_at_probability(0.5, p), s90 = jaccard_at_probability(0.9, p);
  EXPECT_NEAR(vote_probability(s50, p), 0.5, 1e-9);
  EXPECT_NEAR(vote_probability(s90, p), 0.9, 1e-9);
  EXPECT_LT(s50, s90);
  std::ostringstream out;
  print_explain(out, p);
  EXPECT_NE(out.str().find("0.5 at Jaccard"), std::string::npos);
  EXPECT_NE(out.str().find("0.9 at Jaccard"), std::string::npos);
  // More votes required shifts the curve right.
  SearchParams strict = p;
  strict.nvotes = 5;
  EXPECT_GT(jaccard_at_probability(0.5, strict), s50);
}

}  // namespace
}  // namespace qp::lsh
