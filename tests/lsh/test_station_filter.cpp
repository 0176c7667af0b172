#include <gtest/gtest.h>

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

}  // namespace
}  // namespace qp::lsh
