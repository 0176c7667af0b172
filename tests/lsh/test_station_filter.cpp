#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "lsh/station_filter.hpp"

namespace qp::lsh {
namespace {

struct P {
  std::int64_t t1, t2;
  std::uint32_t votes;
  bool operator==(const P& o) const { return t1 == o.t1 && t2 == o.t2 && votes == o.votes; }
};

TEST(StationFilter, KeepsPairsWhoseVotesSummedOverChannelsReachTheThreshold) {
  // (10, 20): 2 + 2 + 2 = 6 kept in all three; (10, 30): 5 in one channel, dropped;
  // (11, 40): 7 in one channel, kept; (12, 50): 3 + 2 = 5, dropped from both.
  std::vector<std::vector<P>> ch = {
      {{10, 20, 2}, {10, 30, 5}, {12, 50, 3}},
      {{10, 20, 2}, {11, 40, 7}},
      {{10, 20, 2}, {12, 50, 2}},
  };
  EXPECT_EQ(filter_station_pairs(ch, 6), 3u);
  EXPECT_EQ(ch[0], (std::vector<P>{{10, 20, 2}}));
  EXPECT_EQ(ch[1], (std::vector<P>{{10, 20, 2}, {11, 40, 7}}));
  EXPECT_EQ(ch[2], (std::vector<P>{{10, 20, 2}}));
}

TEST(StationFilter, EqualsTheAssociationsChannelSumOnRandomPairs) {
  // Brute force: a pair is kept in a channel iff its votes summed over every
  // channel holding it reach the threshold; order within channels is kept.
  std::mt19937_64 rng(5);
  std::vector<std::vector<P>> ch(3);
  for (auto& c : ch)
    for (std::int64_t t1 = 0; t1 < 60; ++t1)
      for (std::int64_t t2 = t1 + 1; t2 < 60; ++t2)
        if (rng() % 7 == 0) c.push_back({t1, t2, static_cast<std::uint32_t>(2 + rng() % 5)});
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> sum;
  for (const auto& c : ch)
    for (const auto& p : c) sum[{p.t1, p.t2}] += p.votes;
  std::vector<std::vector<P>> expected(3);
  std::size_t dropped = 0;
  for (std::size_t k = 0; k < 3; ++k)
    for (const auto& p : ch[k])
      if (sum[{p.t1, p.t2}] >= 8) expected[k].push_back(p);
      else ++dropped;
  ASSERT_GT(dropped, 100u);
  ASSERT_GT(expected[0].size(), 20u);
  EXPECT_EQ(filter_station_pairs(ch, 8), dropped);
  EXPECT_EQ(ch, expected);
}

TEST(StationFilter, SortedAndShuffledChannelsGiveTheSameResult) {
  // Sorted channels take the merge, shuffled ones the index; duplicates of a
  // pair within one channel count in both.
  std::mt19937_64 rng(9);
  std::vector<std::vector<P>> sorted(3);
  for (auto& c : sorted)
    for (std::int64_t t1 = 0; t1 < 50; ++t1)
      for (std::int64_t t2 = t1 + 1; t2 < 50; ++t2)
        if (rng() % 5 == 0) {
          c.push_back({t1, t2, static_cast<std::uint32_t>(2 + rng() % 4)});
          if (rng() % 20 == 0) c.push_back(c.back());
        }
  auto shuffled = sorted;
  for (auto& c : shuffled) std::shuffle(c.begin(), c.end(), rng);
  auto shuffled_expected = shuffled;
  // Expected from the shuffled input by brute force, order kept.
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> sum;
  for (const auto& c : shuffled)
    for (const auto& p : c) sum[{p.t1, p.t2}] += p.votes;
  for (auto& c : shuffled_expected)
    c.erase(std::remove_if(c.begin(), c.end(), [&](const P& p) { return sum[{p.t1, p.t2}] < 7; }), c.end());
  auto sorted_expected = sorted;
  for (auto& c : sorted_expected)
    c.erase(std::remove_if(c.begin(), c.end(), [&](const P& p) { return sum[{p.t1, p.t2}] < 7; }), c.end());
  const std::size_t removed_sorted = filter_station_pairs(sorted, 7);
  const std::size_t removed_shuffled = filter_station_pairs(shuffled, 7);
  EXPECT_GT(removed_sorted, 100u);
  EXPECT_EQ(removed_sorted, removed_shuffled);
  EXPECT_EQ(sorted, sorted_expected);
  EXPECT_EQ(shuffled, shuffled_expected);
}

TEST(StationFilter, IndexPairsWithEachChannelsTimesEqualTimePairs) {
  // The search stage holds index pairs (a, b) into each channel's own times;
  // channels' times differ (a gap, a late start), so equal indices are not
  // equal times. Same verdicts as the time pairs.
  std::mt19937_64 rng(3);
  std::vector<std::vector<std::int64_t>> times(3);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::int64_t t = static_cast<std::int64_t>(c); t < 80; ++t)
      if (!(c == 1 && t > 30 && t < 35)) times[c].push_back(t * 10);
  struct Ix {
    std::uint32_t a, b, votes;
    bool operator==(const Ix& o) const { return a == o.a && b == o.b && votes == o.votes; }
  };
  std::vector<std::vector<Ix>> ix(3);
  std::vector<std::vector<P>> tp(3);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::uint32_t a = 0; a < times[c].size(); ++a)
      for (std::uint32_t b = a + 1; b < times[c].size(); ++b)
        if (rng() % 9 == 0) {
          const auto v = static_cast<std::uint32_t>(2 + rng() % 4);
          ix[c].push_back({a, b, v});
          tp[c].push_back({times[c][a], times[c][b], v});
        }
  const auto at = [&](std::size_t c, const Ix& p) { return std::make_pair(times[c][p.a], times[c][p.b]); };
  const std::size_t removed = filter_station_pairs(ix, 7, at);
  EXPECT_EQ(removed, filter_station_pairs(tp, 7));
  EXPECT_GT(removed, 100u);
  for (std::size_t c = 0; c < 3; ++c) {
    ASSERT_EQ(ix[c].size(), tp[c].size());
    EXPECT_GT(ix[c].size(), 0u);
    for (std::size_t i = 0; i < ix[c].size(); ++i) {
      EXPECT_EQ(at(c, ix[c][i]), std::make_pair(tp[c][i].t1, tp[c][i].t2));
      EXPECT_EQ(ix[c][i].votes, tp[c][i].votes);
    }
  }
}

}  // namespace
}  // namespace qp::lsh
