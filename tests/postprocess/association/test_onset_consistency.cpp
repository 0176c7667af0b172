// Network consistency of first-arrival onsets: the triangle inequality
// between stations, with and without coordinates.
#include <gtest/gtest.h>

#include "postprocess/association/onset_consistency.hpp"

namespace {

using namespace qp::post;

// Stations on a line, `km` apart along a meridian (1 degree = 111.195 km).
StationOnset at(double time_s, double km) {
  return {time_s, 0.05, std::make_pair(64.0 + km / 111.195, -17.0)};
}

TEST(OnsetConsistency, NoiseBurstBeforeTheEventIsRejected) {
  OnsetConsistencyParams p;
  p.vp_min_km_s = 5.0;
  // A source near station 0: P at 0, 2, 4 s at 0, 10, 20 km; station 3
  // (10 km from 2) took a burst 8 s early.
  const std::vector<StationOnset> onsets = {at(1.0, 0), at(3.0, 10), at(5.0, 20), at(-3.0, 30)};
  EXPECT_EQ(inconsistent_onsets(onsets, p), (std::vector<std::size_t>{3}));
  // The same onset 2 s later is possible (within 30 km / 5 km/s of the first).
  auto ok = onsets;
  ok[3].time_s = 5.5;
  EXPECT_TRUE(inconsistent_onsets(ok, p).empty());
}

TEST(OnsetConsistency, SlowerBoundFarApart) {
  OnsetConsistencyParams p;
  p.vp_min_km_s = 5.0;
  p.slack_s = 0.5;
  // 50 km apart: up to 10 s (+ slack and uncertainties 0.6 s) of moveout.
  EXPECT_TRUE(inconsistent_onsets({at(0, 0), at(10.5, 50)}, p).empty());
  // Two stations that disagree: the one further from the median (of two,
  // the later time) goes.
  EXPECT_EQ(inconsistent_onsets({at(0, 0), at(10.7, 50)}, p), (std::vector<std::size_t>{0}));
}

TEST(OnsetConsistency, WithoutCoordinatesTheFixedMoveoutApplies) {
  OnsetConsistencyParams p;
  p.max_moveout_s = 5.0;
  p.slack_s = 0.5;
  const std::vector<StationOnset> onsets = {{0.0, 0.05, std::nullopt}, {1.0, 0.05, std::nullopt},
                                            {4.5, 0.05, std::nullopt}, {12.0, 0.05, std::nullopt}};
  EXPECT_EQ(inconsistent_onsets(onsets, p), (std::vector<std::size_t>{3}));
  // One station without coordinates among located ones uses the fixed bound.
  std::vector<StationOnset> mixed = {at(0, 0), at(2, 10), {7.0, 0.05, std::nullopt}};
  EXPECT_EQ(inconsistent_onsets(mixed, p), (std::vector<std::size_t>{2}));
}

TEST(OnsetConsistency, TwoGroupsKeepTheLarger) {
  OnsetConsistencyParams p;
  p.vp_min_km_s = 5.0;
  // Three stations agree on one event; two nearby stations 15 s later saw
  // the next event of a swarm.
  const std::vector<StationOnset> onsets = {at(0, 0), at(1, 5), at(2, 10), at(15, 5), at(16, 10)};
  EXPECT_EQ(inconsistent_onsets(onsets, p), (std::vector<std::size_t>{3, 4}));
  EXPECT_TRUE(inconsistent_onsets({}, p).empty());
  EXPECT_TRUE(inconsistent_onsets({at(3, 0)}, p).empty());
}

}  // namespace
