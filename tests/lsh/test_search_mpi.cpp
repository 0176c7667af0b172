// Runs under mpiexec -n 2: the MPI search gives the single-process pairs on
// 1 rank (a split communicator) and on 2 ranks, with and without the filter.
#include <gtest/gtest.h>
#include <mpi.h>

#include "lsh/search.hpp"
#include "tests/lsh/lsh_test_data.hpp"

namespace qp::lsh {
namespace {

constexpr TimeNs kDt = 500'000'000;

// 3000 correlated fingerprints on a 0.5 s grid and their signatures (40 tables).
struct Channel {
  SearchParams p;
  FingerprintWords fw;
  Signatures s;
  std::vector<TimeNs> times;
};

Channel channel() {
  Channel c;
  c.p.ntbls = 40;
  c.p.nhash = 3;
  c.p.seed = 5;
  c.fw = testdata::correlated_fingerprints(3000, 2048, 100, 21);
  c.s = compute_signatures(c.fw.view(), c.p);
  c.times = testdata::grid_times(c.fw.n, civil_to_ns(2020, 3, 1), kDt);
  return c;
}

TEST(SearchMpi, SameAsSingleProcessForOneAndTwoRanks) {
  Channel c = channel();
  SearchParams& p = c.p;
  const Signatures& s = c.s;
  const auto& times = c.times;

  // Without and with the occurrence filter, and with a bucket cap that bites.
  for (auto [noise, cap] : {std::pair{-1.0, 0}, {0.01, 0}, {-1.0, 3}}) {
    SCOPED_TRACE(noise);
    SCOPED_TRACE(cap);
    p.noise_freq = noise;
    p.max_bucket = cap;
    const auto expected = search(s.view(), times, kDt, p);
    ASSERT_FALSE(expected.empty());

    SearchSummary two;
    EXPECT_EQ(search_mpi(MPI_COMM_WORLD, s.view(), times, kDt, p, &two), expected);
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    EXPECT_GE(two.partitions, size);
    EXPECT_EQ(two.pairs, expected.size());

    SearchOptions many;
    many.partitions = 5;  // uneven share between ranks
    EXPECT_EQ(search_mpi(MPI_COMM_WORLD, s.view(), times, kDt, p, nullptr, many), expected);

    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm self;
    MPI_Comm_split(MPI_COMM_WORLD, rank, 0, &self);
    EXPECT_EQ(search_mpi(self, s.view(), times, kDt, p), expected);
    MPI_Comm_free(&self);
  }
}

// With a lag the time blocks are dealt to ranks in runs; the fingerprint
// entry (signatures computed per block) gives the same pairs.
TEST(SearchMpi, LagSameAsSingleProcessAndFromFingerprints) {
  Channel c = channel();
  SearchParams& p = c.p;
  const FingerprintWords& fw = c.fw;
  const Signatures& s = c.s;
  const auto& times = c.times;
  const auto whole = search(s.view(), times, kDt, p);
  p.max_lag = 200 * 0.5;  // 200 fingerprints
  SearchOptions o;
  o.min_lag_block = 64;
  const auto expected = search(s.view(), times, kDt, p, nullptr, o);
  ASSERT_FALSE(expected.empty());
  ASSERT_LT(expected.size(), whole.size());
  for (const auto& c : expected) EXPECT_LE(times[c.b] - times[c.a], 200 * kDt);
  EXPECT_EQ(search_mpi(MPI_COMM_WORLD, s.view(), times, kDt, p, nullptr, o), expected);
  EXPECT_EQ(search_fingerprints_mpi(MPI_COMM_WORLD, fw.view(), times, kDt, p, nullptr, o), expected);
  o.min_lag_block = 1 << 14;  // one block: each rank but the first has none
  EXPECT_EQ(search_fingerprints_mpi(MPI_COMM_WORLD, fw.view(), times, kDt, p, nullptr, o), expected);
  p.max_lag = 0;
  EXPECT_EQ(search_fingerprints_mpi(MPI_COMM_WORLD, fw.view(), times, kDt, p), whole);
}

// The pairs' budget holds for the channel's total, not each rank's share:
// the largest held_bytes that one process fits is the one two ranks fit, and
// one byte more fails on every rank alike; without and with a lag.
TEST(SearchMpi, PairBudgetSameAsSingleProcess) {
  Channel c = channel();
  SearchOptions o;
  o.min_lag_block = 64;
  for (double lag : {0.0, 100.0}) {
    SCOPED_TRACE(lag);
    c.p.max_lag = lag;
    const auto expected = search(c.s.view(), c.times, kDt, c.p, nullptr, o);
    ASSERT_FALSE(expected.empty());
    std::size_t lo = 0, hi = static_cast<std::size_t>(c.p.memory_budget_mb) << 20;
    while (hi - lo > 1) {
      o.held_bytes = lo + (hi - lo) / 2;
      try {
        search(c.s.view(), c.times, kDt, c.p, nullptr, o);
        lo = o.held_bytes;
      } catch (const PairBudgetError&) {
        hi = o.held_bytes;
      }
    }
    o.held_bytes = lo;
    EXPECT_EQ(search_mpi(MPI_COMM_WORLD, c.s.view(), c.times, kDt, c.p, nullptr, o), expected);
    o.held_bytes = lo + 1;
    EXPECT_THROW(search_mpi(MPI_COMM_WORLD, c.s.view(), c.times, kDt, c.p, nullptr, o), PairBudgetError);
    o.held_bytes = 0;
  }
}

TEST(SearchMpi, BadInputFailsOnEveryRank) {
  SearchParams p;
  p.ntbls = 4;
  Signatures s;
  s.n = 10;
  s.ntbls = 4;
  s.keys.assign(40, 1);
  auto times = testdata::grid_times(10, 0, kDt);
  std::swap(times[2], times[3]);
  EXPECT_THROW(search_mpi(MPI_COMM_WORLD, s.view(), times, kDt, p), qp::InputError);
}

}  // namespace
}  // namespace qp::lsh
