// Pseudo-association, event resolution, families and scores on hand-made
// multi-station pair sets with known answers.
#include <algorithm>
#include <cmath>
#include <map>

#include "postprocess/association/event_pairs.hpp"
#include "postprocess/association/network_events.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace qp::post;

// A synthetic network: events at reference grid times, each station sees an
// event `moveout[s]` indices later; similar events give fingerprint pairs
// along their diagonal for `len` consecutive fingerprints.
struct Net {
  std::vector<std::int64_t> moveout;
  std::vector<std::vector<StationPair>> pairs;
  explicit Net(std::vector<std::int64_t> m) : moveout(std::move(m)), pairs(moveout.size()) {}

  void pair(std::int64_t a, std::int64_t b, const std::vector<int>& stations, int len = 6,
            int votes = 20) {
    for (int s : stations)
      for (int i = 0; i < len; ++i)
        pairs[static_cast<std::size_t>(s)].push_back(
            {a + moveout[static_cast<std::size_t>(s)] + i, b + moveout[static_cast<std::size_t>(s)] + i, votes});
  }
  AssociationResult run(const AssociationParams& p) const {
    return associate(extract_event_pairs_all(pairs, p), p);
  }
};

const StationWindow* at(const NetworkEvent& e, int station) {
  for (const auto& w : e.stations)
    if (w.station == station) return &w;
  return nullptr;
}

TEST(Network, OneEventPairAtThreeStationsWithMoveout) {
  AssociationParams p;
  Net net({0, 3, 6});
  net.pair(100, 400, {0, 1, 2});
  const auto r = net.run(p);
  ASSERT_EQ(r.network_pairs.size(), 1u);
  EXPECT_EQ(r.network_pairs[0].n_stations, 3);
  EXPECT_EQ(r.network_pairs[0].dt, 300);
  ASSERT_EQ(r.events.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& e = r.events[k];
    const std::int64_t t = k == 0 ? 100 : 400;
    ASSERT_EQ(e.stations.size(), 3u);
    for (int s = 0; s < 3; ++s) {
      ASSERT_NE(at(e, s), nullptr);
      EXPECT_EQ(at(e, s)->first, t + net.moveout[static_cast<std::size_t>(s)]);
      EXPECT_EQ(at(e, s)->last, t + net.moveout[static_cast<std::size_t>(s)] + 5);
      EXPECT_EQ(at(e, s)->peak, 20);
      EXPECT_EQ(at(e, s)->sum, 120);
    }
    EXPECT_EQ(e.earliest(), t);
    EXPECT_EQ(e.n_pairs, 1);
    EXPECT_EQ(e.linked_events, std::vector<std::size_t>{1 - k});
    EXPECT_EQ(e.family, 0u);
  }
}

TEST(Network, TwoFamilies) {
  AssociationParams p;
  Net net({0, 2, 5, 9});
  net.pair(100, 400, {0, 1, 2, 3});
  net.pair(400, 900, {0, 1, 2});     // 100, 400, 900 form one family
  net.pair(2000, 2600, {1, 2, 3});   // 2000, 2600 another
  const auto r = net.run(p);
  ASSERT_EQ(r.events.size(), 5u);
  std::vector<std::int64_t> starts;
  for (const auto& e : r.events) starts.push_back(e.earliest());
  EXPECT_EQ(starts, (std::vector<std::int64_t>{100, 400, 900, 2002, 2602}));
  EXPECT_EQ(r.events[0].family, 0u);
  EXPECT_EQ(r.events[1].family, 0u);
  EXPECT_EQ(r.events[2].family, 0u);
  EXPECT_EQ(r.events[3].family, 3u);
  EXPECT_EQ(r.events[4].family, 3u);
  EXPECT_EQ(r.events[1].n_pairs, 2);
  EXPECT_EQ(r.events[1].linked_events, (std::vector<std::size_t>{0, 2}));
}

TEST(Network, EventsFourSecondsApartStayTwo) {
  // dt_fp 0.5 s: E1 at 100 and E2 at 108 (4 s apart), both similar to E3 at
  // 300. Fingerprints last 13 indices, so at every station E1's window
  // [100, 112] overlaps E2's [108, 120]: FAST's timeline would merge them.
  AssociationParams p;
  Net net({0, 2, 4});
  net.pair(100, 300, {0, 1, 2}, 13);
  net.pair(108, 300, {0, 1, 2}, 13);
  const auto r = net.run(p);
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.events[0].earliest(), 100);
  EXPECT_EQ(r.events[1].earliest(), 108);
  EXPECT_EQ(r.events[2].earliest(), 300);
  EXPECT_GE(at(r.events[0], 0)->last, at(r.events[1], 0)->first);  // overlapping windows
  EXPECT_EQ(r.events[2].n_pairs, 2);
  EXPECT_EQ(r.events[2].linked_events, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(r.events[0].linked_events, std::vector<std::size_t>{2});
  EXPECT_EQ(r.events[1].family, 0u);
}

TEST(Network, BelowNstaThreshIsDropped) {
  AssociationParams p;  // nsta_thresh 2
  Net one({0, 3, 6});
  one.pair(100, 400, {1});  // one station only
  EXPECT_TRUE(one.run(p).events.empty());

  Net two({0, 3, 6});
  two.pair(100, 400, {0, 2});
  EXPECT_EQ(two.run(p).events.size(), 2u);
  p.nsta_thresh = 3;
  EXPECT_TRUE(two.run(p).events.empty());
  EXPECT_EQ(two.run(p).network_pairs.size(), 1u);  // grouped, then cut
}

TEST(Network, OneStationIsANetworkAtNstaThreshOne) {
  // One station: a family of three events (100, 400, 700) gives three event
  // pairs; at nsta_thresh 1 each is a network event pair of its own and the
  // three events come out as one family.
  AssociationParams p;
  p.nsta_thresh = 1;
  Net one({0});
  one.pair(100, 400, {0});
  one.pair(100, 700, {0});
  one.pair(400, 700, {0});
  const auto r = one.run(p);
  ASSERT_EQ(r.network_pairs.size(), 3u);
  for (const auto& np : r.network_pairs) EXPECT_EQ(np.n_stations, 1);
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.events[0].earliest(), 100);
  EXPECT_EQ(r.events[1].earliest(), 400);
  EXPECT_EQ(r.events[2].earliest(), 700);
  for (const auto& e : r.events) {
    EXPECT_EQ(e.family, 0u);
    EXPECT_EQ(e.linked_events.size(), 2u);
    EXPECT_EQ(e.n_pairs, 2);
    // Score of one station: log2(1 + S / ivals_thresh), S its summed votes.
    EXPECT_NEAR(e.score, std::log2(1.0 + double(e.summed_similarity()) / p.ivals_thresh), 1e-12);
  }
  // The default threshold of two stations keeps FAST's rule: nothing.
  p.nsta_thresh = 2;
  EXPECT_TRUE(one.run(p).network_pairs.empty());

  // In a network at nsta_thresh 1, a pair seen by two stations stays one
  // group and a pair only one station saw becomes a group of its own.
  p.nsta_thresh = 1;
  Net net({0, 3});
  net.pair(100, 400, {0, 1});
  net.pair(1000, 1500, {1});
  const auto rn = net.run(p);
  ASSERT_EQ(rn.network_pairs.size(), 2u);
  EXPECT_EQ(rn.network_pairs[0].n_stations, 2);
  EXPECT_EQ(rn.network_pairs[1].n_stations, 1);
  EXPECT_EQ(rn.events.size(), 4u);
}

TEST(Network, PairsCloserThanMinPairSpacingAreNotRepeats) {
  // 100 matches 108 (its own coda, 8 indices on: the fingerprints overlap)
  // and 400 (a repeat). With a spacing of 13 only the repeat links events.
  AssociationParams p;
  Net net({0, 2, 4});
  net.pair(100, 108, {0, 1, 2});
  net.pair(100, 400, {0, 1, 2});
  ASSERT_EQ(net.run(p).events.size(), 3u);  // FAST's rule: 100, 108, 400
  p.min_pair_spacing = 13;
  const auto r = net.run(p);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].earliest(), 100);
  EXPECT_EQ(r.events[1].earliest(), 400);
  EXPECT_EQ(r.events[0].linked_events, std::vector<std::size_t>{1});
  EXPECT_EQ(r.network_pairs.size(), 2u);  // grouped, then cut
  p.min_pair_spacing = 8;                 // spacing 8 is enough
  EXPECT_EQ(net.run(p).events.size(), 3u);
}

TEST(Network, StationsTooFarApartInTimeAreNotAssociated) {
  AssociationParams p;  // input_offset 15
  Net near({0, 20});    // station 1 starts 20 - 5 = 15 after station 0 ends
  near.pair(100, 400, {0, 1});
  EXPECT_EQ(near.run(p).events.size(), 2u);
  Net far({0, 21});
  far.pair(100, 400, {0, 1});
  EXPECT_TRUE(far.run(p).events.empty());
}

TEST(Network, DifferentInterEventTimesAreDifferentPairs) {
  // Same start times but diagonals 300 and 310: not one network event pair.
  AssociationParams p;
  Net net({0, 0});
  net.pair(100, 400, {0});
  net.pair(100, 410, {1});
  EXPECT_TRUE(net.run(p).events.empty());
  // Adjacent diagonals (k, k+1) do associate.
  Net adj({0, 0});
  adj.pair(100, 400, {0});
  adj.pair(100, 401, {1});
  EXPECT_EQ(adj.run(p).events.size(), 2u);
}

TEST(Network, ScoreRanksStrongWidelySeenEventsFirst) {
  AssociationParams p;
  Net net({0, 1, 2, 3, 4, 5});
  net.pair(100, 400, {0, 1, 2, 3, 4, 5}, 10, 60);  // strong, 6 stations
  net.pair(1000, 1300, {0, 1}, 3, 6);               // barely passes, 2 stations
  net.pair(2000, 2300, {0, 1, 2}, 3, 6);            // barely passes, 3 stations
  const auto r = net.run(p);
  ASSERT_EQ(r.events.size(), 6u);
  EXPECT_GT(r.events[0].score, r.events[4].score);
  EXPECT_GT(r.events[4].score, r.events[2].score);
  // Weakest kept evidence scores about one per station.
  EXPECT_NEAR(r.events[2].score, 2 * std::log2(1 + 18.0 / 6), 1e-9);
  EXPECT_GT(event_score(3, 300, p), event_score(2, 300, p));
  EXPECT_GT(event_score(3, 600, p), event_score(3, 300, p));
}

TEST(Families, UnionFindTakesSmallestIndex) {
  std::vector<NetworkEvent> ev(6);
  ev[4].linked_events = {1};
  ev[1].linked_events = {4};
  ev[5].linked_events = {3};
  ev[3].linked_events = {5, 2};
  ev[2].linked_events = {3};
  assign_families(ev);
  std::vector<std::size_t> fam;
  for (const auto& e : ev) fam.push_back(e.family);
  EXPECT_EQ(fam, (std::vector<std::size_t>{0, 1, 2, 2, 1, 2}));
}

TEST(Network, SameInputSameOutput) {
  AssociationParams p;
  Net net({0, 2, 5, 9});
  for (int k = 0; k < 20; ++k) net.pair(100 + 37 * k, 3000 + 53 * k, {0, 1, 2, 3}, 6 + k % 5);
  const auto a = net.run(p), b = net.run(p);
  ASSERT_EQ(a.events.size(), b.events.size());
  ASSERT_EQ(a.events.size(), 40u);
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i].earliest(), b.events[i].earliest());
    EXPECT_EQ(a.events[i].linked_events, b.events[i].linked_events);
    EXPECT_EQ(a.events[i].score, b.events[i].score);
  }
}

}  // namespace
