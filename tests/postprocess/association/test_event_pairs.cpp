// Channel combination and single-station event-pair extraction on hand-made
// pair sets with known answers.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <fstream>
#include <sstream>
#include <random>

#include "pipeline/error.hpp"
#include "postprocess/association/event_pairs.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace qp::post;

// Fingerprint pairs along one diagonal: (g1 + i, g1 + dt + i), i < n.
void add_diagonal(std::vector<StationPair>& v, std::int64_t g1, std::int64_t dt, int n, int votes) {
  for (int i = 0; i < n; ++i) v.push_back({g1 + i, g1 + dt + i, votes});
}

TEST(CombineChannels, SumsIdenticalPairsAndThresholds) {
  AssociationParams p;  // channel_threshold 6
  std::vector<std::vector<StationPair>> ch = {
      {{10, 20, 2}, {10, 21, 3}, {40, 45, 4}},
      {{10, 20, 3}, {11, 21, 1}, {40, 45, 4}},
      {{10, 20, 2}},
  };
  const auto out = combine_channels(ch, 3, p);
  ASSERT_EQ(out.size(), 2u);
  // Sorted by dt: (40,45) has dt 5, (10,20) has dt 10.
  EXPECT_EQ(out[0].g1, 40);
  EXPECT_EQ(out[0].votes, 8);
  EXPECT_EQ(out[1].g1, 10);
  EXPECT_EQ(out[1].g2, 20);
  EXPECT_EQ(out[1].votes, 7);
}

TEST(CombineChannels, ScalesOneComponentStations) {
  AssociationParams p;
  const std::vector<std::vector<StationPair>> one = {{{5, 9, 2}, {5, 12, 1}}};
  const auto out = combine_channels(one, 1, p);
  ASSERT_EQ(out.size(), 1u);  // 2*3 = 6 kept, 1*3 = 3 dropped
  EXPECT_EQ(out[0].votes, 6);
  // The same votes on a three-component station stay unscaled and fail.
  EXPECT_TRUE(combine_channels(one, 3, p).empty());
  p.channel_threshold = 2;
  EXPECT_EQ(combine_channels(one, 3, p).size(), 1u);
}

TEST(CombineChannels, SortsLikeFastMergedFiles) {
  AssociationParams p;
  p.channel_threshold = 1;
  const auto out = combine_channels({{{30, 40, 1}, {0, 10, 1}, {5, 20, 1}, {2, 7, 1}}}, 3, p);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].dt(), 5);
  EXPECT_EQ(out[1].g2, 10);  // dt 10, g2 10 before g2 40
  EXPECT_EQ(out[2].g2, 40);
  EXPECT_EQ(out[3].dt(), 15);
}

TEST(EventPairs, OneDiagonalIsOneEventPair) {
  AssociationParams p;
  std::vector<StationPair> v;
  add_diagonal(v, 50, 100, 6, 10);
  v[2].votes = 30;
  const auto e = extract_event_pairs(4, v, p);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].station, 4);
  EXPECT_EQ(e[0].ddiag, 100);
  EXPECT_EQ(e[0].dtmin, 100);
  EXPECT_EQ(e[0].dtmax, 100);
  EXPECT_EQ(e[0].t1min, 50);
  EXPECT_EQ(e[0].t1max, 55);
  EXPECT_EQ(e[0].ndets, 6);
  EXPECT_EQ(e[0].vol, 80);
  EXPECT_EQ(e[0].peak, 30);
}

TEST(EventPairs, AlongDiagonalGapAboveDgapLSplits) {
  AssociationParams p;  // dgapL 10
  std::vector<StationPair> v;
  add_diagonal(v, 50, 100, 4, 10);  // t1 50..53
  add_diagonal(v, 64, 100, 4, 10);  // gap 64-53 = 11 > 10
  EXPECT_EQ(extract_event_pairs(0, v, p).size(), 2u);
  v.clear();
  add_diagonal(v, 50, 100, 4, 10);
  add_diagonal(v, 63, 100, 4, 10);  // gap 10: same cluster
  const auto e = extract_event_pairs(0, v, p);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].ndets, 8);
}

TEST(EventPairs, AdjacentDiagonalsMergeWithinDgapW) {
  AssociationParams p;  // dgapW 3
  std::vector<StationPair> v;
  add_diagonal(v, 50, 100, 4, 10);  // t1 50..53
  add_diagonal(v, 56, 101, 4, 12);  // starts 3 after: merged
  auto e = extract_event_pairs(0, v, p);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].dtmin, 100);
  EXPECT_EQ(e[0].dtmax, 101);
  EXPECT_EQ(e[0].ddiag, 101);  // diagonal of the strongest pair
  EXPECT_EQ(e[0].t1min, 50);
  EXPECT_EQ(e[0].t1max, 59);
  EXPECT_EQ(e[0].vol, 88);

  v.clear();
  add_diagonal(v, 50, 100, 4, 10);
  add_diagonal(v, 57, 101, 4, 12);  // 4 after: separate
  e = extract_event_pairs(0, v, p);
  EXPECT_EQ(e.size(), 2u);

  // Diagonals 100 and 102 are not adjacent: never merged.
  v.clear();
  add_diagonal(v, 50, 100, 4, 10);
  add_diagonal(v, 50, 102, 4, 10);
  EXPECT_EQ(extract_event_pairs(0, v, p).size(), 2u);
}

TEST(EventPairs, StaircaseSpreadingBeyondMaxWidthIsDropped) {
  AssociationParams p;  // max_width 8
  std::vector<StationPair> v;
  for (int k = 0; k <= 9; ++k) add_diagonal(v, 50 + k, 100 + k, 2, 10);  // dt 100..109
  EXPECT_TRUE(extract_event_pairs(0, v, p).empty());
  p.max_width = 9;
  const auto e = extract_event_pairs(0, v, p);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].dtmax - e[0].dtmin, 9);
}

TEST(EventPairs, PrunesByMinDetsAndMinSum) {
  AssociationParams p;  // min_dets 3, ivals 6, min_sum 18
  std::vector<StationPair> v;
  add_diagonal(v, 50, 100, 2, 50);  // 2 pairs < min_dets
  EXPECT_TRUE(extract_event_pairs(0, v, p).empty());
  v.clear();
  add_diagonal(v, 50, 100, 3, 6);  // 3 x 6 = 18 = min_sum: kept
  EXPECT_EQ(extract_event_pairs(0, v, p).size(), 1u);
  p.min_sum_multiplier = 2;  // min_sum 36
  EXPECT_TRUE(extract_event_pairs(0, v, p).empty());
}

TEST(EventPairs, WeakPairsAreSkippedNotLoopedOn) {
  // FAST's p_triplet_to_diags hangs on the first line below ivals_thresh.
  AssociationParams p;
  p.ivals_thresh = 3;
  std::vector<StationPair> weak;
  add_diagonal(weak, 10, 40, 20, 2);  // nvote-2 input, as in the reported hang
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(extract_event_pairs(0, weak, p).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));

  // Weak pairs mixed into a real cluster change nothing.
  std::vector<StationPair> strong;
  add_diagonal(strong, 50, 100, 5, 9);
  auto mixed = strong;
  add_diagonal(mixed, 70, 100, 5, 2);  // would extend the cluster if counted
  mixed.push_back({55, 155, 1});
  EXPECT_EQ(extract_event_pairs(0, mixed, p), extract_event_pairs(0, strong, p));
  ASSERT_EQ(extract_event_pairs(0, mixed, p).size(), 1u);
  EXPECT_EQ(extract_event_pairs(0, mixed, p)[0].t1max, 54);
}

TEST(EventPairs, ParallelOverStationsIsDeterministic) {
  AssociationParams p;
  std::mt19937 rng(7);
  std::vector<std::vector<StationPair>> stations(9);
  for (auto& s : stations)
    for (int c = 0; c < 200; ++c)
      add_diagonal(s, rng() % 5000, 5 + rng() % 2000, 3 + rng() % 6, 6 + rng() % 20);
  omp_set_num_threads(1);
  const auto one = extract_event_pairs_all(stations, p);
  omp_set_num_threads(2);
  const auto two = extract_event_pairs_all(stations, p);
  ASSERT_EQ(one.size(), stations.size());
  EXPECT_EQ(one, two);
  std::size_t total = 0;
  for (std::size_t s = 0; s < one.size(); ++s) {
    total += one[s].size();
    EXPECT_EQ(one[s], extract_event_pairs(static_cast<int>(s), stations[s], p));
  }
  EXPECT_GT(total, 500u);
}

TEST(EventPairs, DecimalStringRanksAreTheSortedStringsOrder) {
  for (std::int64_t N : {0, 1, 8, 9, 10, 11, 19, 99, 100, 101, 109, 110, 999, 1000, 12345}) {
    std::vector<std::pair<std::string, std::int64_t>> names;
    for (std::int64_t n = 0; n <= N; ++n) names.emplace_back(std::to_string(n), n);
    std::sort(names.begin(), names.end());
    std::vector<std::int64_t> want(static_cast<std::size_t>(N) + 1);
    for (std::size_t r = 0; r < names.size(); ++r) want[static_cast<std::size_t>(names[r].second)] = static_cast<std::int64_t>(r);
    EXPECT_EQ(decimal_string_ranks(N), want) << "N = " << N;
  }
}

TEST(AssociationParams, ValidateNamesTheKey) {
  AssociationParams p;
  EXPECT_NO_THROW(p.validate());
  p.min_dets = 0;
  try {
    p.validate();
    FAIL() << "expected ConfigError";
  } catch (const qp::ConfigError& e) {
    EXPECT_EQ(e.key(), "associate.min_cluster_pairs");  // the documented key (FAST: min_dets)
  }
  EXPECT_DOUBLE_EQ(AssociationParams{}.min_sum(), 18.0);
}

TEST(FastPairsText, ReadsAndRejectsMalformedLines) {
  const auto dir = qp::test::temp_dir("fastpairs");
  {
    std::ofstream f(dir / "ok.txt");
    f << "5 275 6\n13 880 9\n";
  }
  const auto v = read_fast_pairs_text((dir / "ok.txt").string());
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].g1, 270);
  EXPECT_EQ(v[0].g2, 275);
  EXPECT_EQ(v[1].votes, 9);
  {
    std::ofstream f(dir / "bad.txt");
    f << "5 275 6\n13 x 9\n";
  }
  try {
    read_fast_pairs_text((dir / "bad.txt").string());
    FAIL() << "expected InputError";
  } catch (const qp::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
  }
}

}  // namespace

namespace {

toml::value parse_toml(const std::string& text) {
  std::istringstream in(text);
  return toml::parse(in, "test.toml");
}

TEST(AssociationParams, FromConfigReadsDefaultsAndDerivedThreshold) {
  using qp::post::AssociationParams;
  const toml::value root = parse_toml("[associate]\nivals_thresh = 9\nnsta_thresh = 3\n");
  qp::ConfigSection s("associate", &toml::find(root, "associate"));
  const AssociationParams p = AssociationParams::from_config(s);
  EXPECT_EQ(p.ivals_thresh, 9);
  EXPECT_EQ(p.channel_threshold, 9);  // defaults to ivals_thresh
  EXPECT_EQ(p.nsta_thresh, 3);
  EXPECT_EQ(p.dgapL, 10);
  EXPECT_EQ(p.input_offset, 15);
  EXPECT_EQ(p.max_event_gap, 3);
  EXPECT_EQ(p.min_pair_spacing, 0);
  EXPECT_EQ(AssociationParams::from_config(s, 13).min_pair_spacing, 13);  // the pipeline's default

  qp::ConfigSection absent("associate", nullptr);
  EXPECT_EQ(AssociationParams::from_config(absent).channel_threshold, 6);

  const toml::value bad = parse_toml("[associate]\nmin_dets = 0\n");
  qp::ConfigSection sb("associate", &toml::find(bad, "associate"));
  try {
    AssociationParams::from_config(sb);
    FAIL() << "expected ConfigError";
  } catch (const qp::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("min_dets"), std::string::npos);
  }
}

}  // namespace
