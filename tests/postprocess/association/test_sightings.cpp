// From network events to catalog events: first arrivals, onset consistency,
// which events are reported, and the merging of one earthquake's sightings,
// on hand-made picks with known answers.
#include <gtest/gtest.h>

#include "postprocess/association/sightings.hpp"

namespace {

using namespace qp;
using namespace qp::post;

constexpr TimeNs kT0 = 1'700'000'000 * kNsPerSecond;
constexpr double kOnset = 0.05;     // a clear onset's uncertainty
constexpr double kEstimate = 6.1;   // half a fingerprint window: no onset

TimeNs at(double s) { return kT0 + seconds_to_ns(s); }

catalog::Pick pick(const std::string& station, const std::string& phase, double t_s, double unc = kOnset) {
  const std::string channel = phase == "S" ? "HHN" : "HHZ";
  return catalog::Pick{"", "XX." + station + ".." + channel, phase, at(t_s), unc, 0.5};
}

catalog::Event event(std::vector<catalog::Pick> picks, int n_linked = 1, double score = 10) {
  catalog::Event e;
  e.picks = std::move(picks);
  e.n_linked = n_linked;
  e.score = score;
  finish_event(e);
  return e;
}

// One local event at stations A, B, C: P at t, t+1, t+2 s, S 1.5-2.5 s later.
catalog::Event quake(double t, int n_linked = 1) {
  return event({pick("A", "P", t), pick("A", "S", t + 1.5), pick("B", "P", t + 1), pick("B", "S", t + 3),
                pick("C", "P", t + 2), pick("C", "S", t + 4.5)},
               n_linked);
}

TEST(Sightings, FirstArrivalIsTheEarliestPOnsetThenEstimateThenAnything) {
  // The estimate (no onset) at 9 s and the S at 8 s come before the P onset.
  EXPECT_EQ(first_arrival_of(event({pick("A", "P", 9, kEstimate), pick("B", "P", 12), pick("C", "S", 8)})), at(12));
  EXPECT_EQ(first_arrival_of(event({pick("A", "P", 9, kEstimate), pick("C", "S", 8)})), at(9));
  EXPECT_EQ(first_arrival_of(event({pick("C", "S", 8), pick("B", "S", 7.5)})), at(7.5));
}

TEST(Sightings, FinishSortsPicksAndCountsStations) {
  const auto e = event({pick("B", "S", 3), pick("A", "P", 1), pick("B", "P", 2)});
  ASSERT_EQ(e.picks.size(), 3u);
  EXPECT_EQ(e.picks[0].seed_id, "XX.A..HHZ");
  EXPECT_EQ(e.picks[1].phase, "S");  // XX.B..HHN sorts before XX.B..HHZ
  EXPECT_EQ(e.stations, (std::vector<std::string>{"XX.A", "XX.B"}));
  EXPECT_EQ(e.n_stations, 2);
  EXPECT_EQ(e.first_arrival, at(1));
}

TEST(Sightings, TwoStationsWithNothingVisibleAreNotReported) {
  const auto unseen = event({pick("A", "P", 10, kEstimate), pick("B", "P", 11, kEstimate)});
  EXPECT_FALSE(reportable(unseen, 3));
  EXPECT_TRUE(reportable(unseen, 2));  // enough stations
  EXPECT_TRUE(reportable(unseen, 0));
  EXPECT_TRUE(reportable(event({pick("A", "P", 10, kEstimate), pick("B", "P", 11)}), 3));  // one onset
  EXPECT_TRUE(reportable(event({pick("A", "P", 1, kEstimate), pick("B", "P", 1, kEstimate),
                                pick("C", "P", 1, kEstimate)}),
                         3));
}

TEST(Sightings, AnEarlyNoiseOnsetBecomesAnEstimateAndAFittingSTakesItsPlace) {
  OnsetConsistencyParams params;  // no coordinates: at most 5 s (+ slack) between stations
  // D took a burst 8 s early; its S onset at 10.8 s fits as its P.
  auto e = event({pick("A", "P", 10), pick("B", "P", 10.5), pick("C", "P", 11), pick("D", "P", 2),
                  pick("D", "S", 10.8)});
  reject_inconsistent_onsets(e, nullptr, params, kEstimate);
  finish_event(e);
  ASSERT_EQ(e.picks.size(), 4u);
  for (const auto& p : e.picks) {
    EXPECT_EQ(p.phase, "P");
    EXPECT_TRUE(has_onset(p)) << p.seed_id;
  }
  EXPECT_EQ(e.picks[3].time, at(10.8));
  // Without an S that fits, the burst stays as an estimate.
  auto f = event({pick("A", "P", 10), pick("B", "P", 10.5), pick("C", "P", 11), pick("D", "P", 2)});
  reject_inconsistent_onsets(f, nullptr, params, kEstimate);
  ASSERT_EQ(f.picks.size(), 4u);
  EXPECT_EQ(f.picks[3].uncertainty_s, kEstimate);
  EXPECT_EQ(first_arrival_of(f), at(10));
}

TEST(Sightings, SwarmEventsFiveSecondsApartStayTwo) {
  std::vector<catalog::Event> ev = {quake(100), quake(105)};
  const auto m = merge_sightings(ev, {}, nullptr);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_TRUE(m.merges.empty());
  EXPECT_EQ(m.origin, (std::vector<std::size_t>{0, 1}));
}

TEST(Sightings, SameFirstArrivalIsOneEventThatGainsTheOtherStations) {
  auto second = event({pick("B", "P", 101.2), pick("D", "P", 103)}, 3, 20);
  std::vector<catalog::Event> ev = {second, quake(100, 2)};  // input order does not matter
  const auto m = merge_sightings(ev, {}, nullptr);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(m.origin, std::vector<std::size_t>{1});
  EXPECT_EQ(m.merges, (std::vector<std::pair<std::size_t, std::size_t>>{{0, 1}}));
  EXPECT_EQ(ev[0].first_arrival, at(100));
  EXPECT_EQ(ev[0].n_stations, 4);  // D added; B keeps the earlier's pick
  EXPECT_EQ(ev[0].n_linked, 5);
  EXPECT_EQ(ev[0].score, 20);
}

TEST(Sightings, ALaterSightingMadeOfTheEarliersSIsMerged) {
  // Its "P" onsets are the first event's S onsets at B and C (within 0.5 s).
  std::vector<catalog::Event> ev = {quake(100), event({pick("B", "P", 103.2), pick("C", "P", 104.7)})};
  merge_sightings(ev, {}, nullptr);
  EXPECT_EQ(ev.size(), 1u);
  // A new onset at C (a second event) keeps it apart.
  std::vector<catalog::Event> ev2 = {quake(100), event({pick("B", "P", 103.2), pick("C", "P", 107.5)})};
  merge_sightings(ev2, {}, nullptr);
  EXPECT_EQ(ev2.size(), 2u);
}

TEST(Sightings, SOnsetsAndEstimatesInTheCodaAreTheEarliers) {
  SightingMergeParams params;  // coda 20 s
  std::vector<catalog::Event> s_only = {quake(100), event({pick("A", "S", 112), pick("B", "S", 115)})};
  merge_sightings(s_only, params, nullptr);
  EXPECT_EQ(s_only.size(), 1u);
  std::vector<catalog::Event> estimates = {
      quake(100), event({pick("A", "P", 110, kEstimate), pick("B", "P", 112, kEstimate)})};
  merge_sightings(estimates, params, nullptr);
  EXPECT_EQ(estimates.size(), 1u);
  // Past the coda they are another event.
  std::vector<catalog::Event> late = {quake(100), event({pick("A", "S", 125), pick("B", "S", 126)})};
  merge_sightings(late, params, nullptr);
  EXPECT_EQ(late.size(), 2u);
}

TEST(Sightings, AnOnsetAtTheLocatedEarliersPredictedSIsMerged) {
  // The first event, located, predicts S at A at 104 s; the later
  // sighting's only onset is there.
  const ArrivalPredictor predict = [](const catalog::Event& e, const std::string& seed_id,
                                      Phase phase) -> std::optional<TimeNs> {
    if (e.first_arrival != at(100) || phase != Phase::kS || seed_id.rfind("XX.A.", 0) != 0) return std::nullopt;
    return at(104);
  };
  std::vector<catalog::Event> ev = {quake(100), event({pick("A", "P", 104.6)})};
  merge_sightings(ev, {}, predict);
  EXPECT_EQ(ev.size(), 1u);
  std::vector<catalog::Event> unlocated = {quake(100), event({pick("A", "P", 104.6)})};
  merge_sightings(unlocated, {}, nullptr);
  EXPECT_EQ(unlocated.size(), 2u);
}

TEST(Sightings, AnEarlierSightingWithNothingOfItsOwnGivesWayToTheLater) {
  // The first by first arrival has only an early estimate of its own; its
  // one onset is the later event's P at A.
  auto empty = event({pick("C", "P", 96, kEstimate), pick("A", "S", 100.3)});
  std::vector<catalog::Event> ev = {empty, quake(100)};
  ASSERT_LT(ev[0].first_arrival, ev[1].first_arrival);
  const auto m = merge_sightings(ev, {}, nullptr);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(m.origin, std::vector<std::size_t>{1});
  EXPECT_EQ(ev[0].first_arrival, at(100));
  EXPECT_EQ(ev[0].picks.size(), 6u);  // the later's own picks only
}

}  // namespace
