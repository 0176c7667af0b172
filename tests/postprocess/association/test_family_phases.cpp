// post::align_family_phases on hand-made picks of one-station events: the
// members of a family whose P and S were both picked give the family's S-P;
// a member whose S was taken as its P, or whose P is a noise onset before
// the event, is relabelled against it; members of other families and
// events of other stations are left alone.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "postprocess/association/family_phases.hpp"
#include "postprocess/association/picking.hpp"
#include "postprocess/association/sightings.hpp"

#include "picking_traces.hpp"

using namespace qp::post;
using namespace qp::post::testing;
using qp::TimeNs;
using qp::catalog::Pick;

namespace {

constexpr double kSMinusP = 3.0;

TimeNs at(double s) { return kT0 + qp::seconds_to_ns(s); }

// The picks of a one-station event: an onset (P unless `phase` says
// otherwise) at `onset_s`, and an S at `s_s` where given (s after kT0).
std::vector<StationPick> picked(const PickingStation& st, double onset_s, double s_s = -1,
                                const std::string& phase = "P") {
  StationPick x;
  x.centre = at(onset_s - 1.0);
  x.pick = Pick{"", st.pick_channel, phase, at(onset_s), 0.05, 0.3};
  x.snr = 10;
  const std::string s_channel = st.horizontals.empty() ? st.pick_channel : st.horizontals.front();
  if (s_s >= 0) x.s_pick = Pick{"", s_channel, "S", at(s_s), 0.1, 0.3};
  return {x};
}

// Station S0's vertical and horizontals (three_component("S0")).
Traces s0_traces(const Trace& z, const Trace& n, const Trace& e) {
  Traces tr;
  tr.by_id.emplace("XX.S0..HHZ", z);
  tr.by_id.emplace("XX.S0..HHN", n);
  tr.by_id.emplace("XX.S0..HHE", e);
  return tr;
}

NetworkEvent one_station_event(int station, std::size_t family, double onset_s) {
  NetworkEvent ne = event_at({onset_s});
  ne.stations[0].station = station;
  ne.family = family;
  return ne;
}

}  // namespace

// Four events of one family at a three-component station, S 3 s after P:
// two picked right, one with its S taken as P (no S after it), one with a
// noise burst 3 s before the event taken as P (its S found after it). A
// lone event of another family with its S taken as P has no family S-P to
// go by and keeps its picks.
TEST(FamilyPhases, MembersWhosePicksDoNotShowTheFamilySMinusPAreRelabelled) {
  const std::vector<double> p_s = {20.0, 60.0, 100.0, 140.0, 180.0};
  Trace z(1.0, 1), n(1.0, 2), e(1.0, 3);
  for (double tp : p_s) {
    z.pulse(tp, 12).pulse(tp + kSMinusP, 4);
    n.pulse(tp, 3).pulse(tp + kSMinusP, 25);
    e.pulse(tp, 3).pulse(tp + kSMinusP, 18);
  }
  z.pulse(137.0, 4);  // the noise burst taken as the fourth event's P
  const Traces tr = s0_traces(z, n, e);
  const PickingSetup setup = setup_for({three_component("S0")});
  const PickingStation& st = setup.stations[0];

  std::vector<NetworkEvent> events;
  for (std::size_t k = 0; k < p_s.size(); ++k) events.push_back(one_station_event(0, k < 4 ? 0 : 4, p_s[k]));
  std::vector<std::vector<StationPick>> picks = {
      picked(st, 20.0, 23.0),    // shows S-P
      picked(st, 60.05, 63.1),   // shows S-P
      picked(st, 103.0),         // its S taken as P
      picked(st, 137.0, 143.0),  // a noise onset before the event, then its S
      picked(st, 183.0),         // another family's event, its S taken as P
  };
  const auto before = picks;

  EXPECT_EQ(align_family_phases(picks, events, setup, tr.reader()), 2u);
  for (std::size_t k : {0u, 1u, 4u}) {
    EXPECT_EQ(picks[k][0].pick.time, before[k][0].pick.time) << k;
    EXPECT_EQ(picks[k][0].pick.phase, "P") << k;
  }
  // A family that shows no S-P tests nothing (one_station_family_s_p).
  EXPECT_TRUE(has_onset(picks[4][0].pick));
  // S taken as P: the P is the rise S-P before it, the onset taken its S.
  const StationPick& c = picks[2][0];
  EXPECT_EQ(c.pick.phase, "P");
  EXPECT_NEAR(seconds_after_t0(c.pick.time), 100.0, 0.15);
  EXPECT_TRUE(has_onset(c.pick));
  ASSERT_TRUE(c.s_pick);
  EXPECT_EQ(c.s_pick->phase, "S");
  EXPECT_EQ(c.s_pick->time, at(103.0));
  // Noise onset before the event: the P is the rise S-P before its S.
  const StationPick& d = picks[3][0];
  EXPECT_EQ(d.pick.phase, "P");
  EXPECT_NEAR(seconds_after_t0(d.pick.time), 140.0, 0.15);
  EXPECT_TRUE(has_onset(d.pick));
  ASSERT_TRUE(d.s_pick);
  EXPECT_EQ(d.s_pick->time, at(143.0));
}

// A one-component station: the S is looked for on the vertical itself.
TEST(FamilyPhases, OneComponentStationFindsTheSOnItsVertical) {
  const std::vector<double> p_s = {30.0, 80.0, 130.0};
  Trace z(1.0, 7);
  for (double tp : p_s) z.pulse(tp, 8).pulse(tp + kSMinusP, 20);
  Traces tr;
  tr.by_id.emplace("XX.S1..HHZ", z);
  const PickingStation st{"XX.S1", {"XX.S1..HHZ"}, "XX.S1..HHZ", {}};
  const PickingSetup setup = setup_for({three_component("S0"), st});

  std::vector<NetworkEvent> events;
  for (double tp : p_s) events.push_back(one_station_event(1, 0, tp));
  std::vector<std::vector<StationPick>> picks = {picked(st, 30.0, 33.0), picked(st, 80.0, 83.05), picked(st, 133.0)};

  EXPECT_EQ(align_family_phases(picks, events, setup, tr.reader()), 1u);
  const StationPick& c = picks[2][0];
  EXPECT_NEAR(seconds_after_t0(c.pick.time), 130.0, 0.15);
  ASSERT_TRUE(c.s_pick);
  EXPECT_EQ(c.s_pick->seed_id, "XX.S1..HHZ");
  EXPECT_EQ(c.s_pick->time, at(133.0));
}

// Members that do not agree on one S-P (no two within same_onset_s) give
// no family S-P: nothing changes, and events seen at two stations are not
// one-station events at all.
TEST(FamilyPhases, NoFamilySMinusPWithoutTwoMembersThatAgree) {
  Trace z(1.0, 11), n(1.0, 12), e(1.0, 13);
  for (double tp : {20.0, 60.0, 100.0}) {
    z.pulse(tp, 12).pulse(tp + kSMinusP, 4);
    n.pulse(tp, 3).pulse(tp + kSMinusP, 25);
    e.pulse(tp, 3).pulse(tp + kSMinusP, 18);
  }
  const Traces tr = s0_traces(z, n, e);
  const PickingSetup setup = setup_for({three_component("S0"), three_component("S1")});
  const PickingStation& st = setup.stations[0];

  std::vector<NetworkEvent> events = {one_station_event(0, 0, 20.0), one_station_event(0, 0, 60.0),
                                      one_station_event(0, 0, 103.0)};
  // S-P 3.0 and 4.5: no two agree.
  std::vector<std::vector<StationPick>> picks = {picked(st, 20.0, 23.0), picked(st, 60.0, 64.5), picked(st, 103.0)};
  auto before = picks;
  EXPECT_EQ(align_family_phases(picks, events, setup, tr.reader()), 0u);
  EXPECT_EQ(picks[2][0].pick.time, before[2][0].pick.time);

  // Two agreeing members, but the third event was seen at two stations.
  picks[1] = picked(st, 60.0, 63.0);
  NetworkEvent two = event_at({103.0, 104.0});
  two.family = 0;
  events[2] = two;
  picks[2] = {picked(st, 103.0)[0], picked(setup.stations[1], 104.0)[0]};
  before = picks;
  EXPECT_EQ(align_family_phases(picks, events, setup, tr.reader()), 0u);
  EXPECT_EQ(picks[2][0].pick.time, before[2][0].pick.time);
}

// At a three-component station (one_station_family_s_p) an event whose
// picks do not show its family's S-P is reported only through its
// family's templates: its picks become estimates; members that show it
// stay clear. One-component stations are exempt.
TEST(FamilyPhases, ThreeComponentMembersWithoutTheFamilySMinusPBecomeEstimates) {
  Trace z(1.0, 21), n(1.0, 22), e(1.0, 23);
  for (double tp : {20.0, 60.0}) {
    z.pulse(tp, 12).pulse(tp + kSMinusP, 4);
    n.pulse(tp, 3).pulse(tp + kSMinusP, 25);
    e.pulse(tp, 3).pulse(tp + kSMinusP, 18);
  }
  z.pulse(100.0, 12);  // a burst with no second arrival
  const Traces tr = s0_traces(z, n, e);
  PickingSetup setup = setup_for({three_component("S0")});
  const PickingStation& st = setup.stations[0];
  const std::vector<NetworkEvent> events = {one_station_event(0, 0, 20.0), one_station_event(0, 0, 60.0),
                                            one_station_event(0, 0, 100.0)};
  const std::vector<std::vector<StationPick>> picked_as = {picked(st, 20.0, 23.0), picked(st, 60.0, 63.0),
                                                           picked(st, 100.0)};
  auto picks = picked_as;
  EXPECT_EQ(align_family_phases(picks, events, setup, tr.reader()), 0u);
  EXPECT_TRUE(has_onset(picks[0][0].pick));
  EXPECT_TRUE(has_onset(picks[1][0].pick));
  EXPECT_FALSE(has_onset(picks[2][0].pick));
  EXPECT_EQ(picks[2][0].onset_uncertainty_s, 0.05);  // its own, kept
  setup.params.one_station_family_s_p = false;
  picks = picked_as;
  align_family_phases(picks, events, setup, tr.reader());
  EXPECT_TRUE(has_onset(picks[2][0].pick));
}

// A weak P (below min_one_station_snr, so an estimate) is an earthquake's
// clear onset again where an S follows it at the family's S-P as a clear
// onset (min_onset_snr); a weak rise there, which noise gives as easily,
// leaves the P an estimate and makes that S one too.
TEST(FamilyPhases, WeakPIsClearOnlyWithAClearSAtTheFamilySMinusP) {
  Trace z(1.0, 31);
  for (double tp : {30.0, 80.0}) z.pulse(tp, 8).pulse(tp + kSMinusP, 20);
  z.pulse(130.0, 4).pulse(130.0 + kSMinusP, 10);  // weak P, clear S
  z.pulse(170.0, 4).pulse(170.0 + kSMinusP, 4.0);  // weak P, a faint rise where the S should be
  Traces tr;
  tr.by_id.emplace("XX.S1..HHZ", z);
  const PickingStation st{"XX.S1", {"XX.S1..HHZ"}, "XX.S1..HHZ", {}};
  const PickingSetup setup = setup_for({st});
  std::vector<NetworkEvent> events;
  for (double tp : {30.0, 80.0, 130.0, 170.0}) events.push_back(one_station_event(0, 0, tp));
  std::vector<std::vector<StationPick>> picks = {picked(st, 30.0, 33.0), picked(st, 80.0, 83.0), picked(st, 130.0),
                                                 picked(st, 170.0)};
  for (std::size_t k : {2u, 3u}) {  // as the picker leaves a weak one-station onset
    StationPick& x = picks[k][0];
    x.snr = 3.5;
    x.onset_uncertainty_s = x.pick.uncertainty_s;
    x.pick.uncertainty_s = kEstimateUncertaintyS;
  }
  align_family_phases(picks, events, setup, tr.reader());
  const StationPick& clear = picks[2][0];
  ASSERT_TRUE(clear.s_pick);
  EXPECT_NEAR(seconds_after_t0(clear.s_pick->time), 133.0, 0.15);
  EXPECT_TRUE(has_onset(clear.pick));
  EXPECT_EQ(clear.pick.uncertainty_s, 0.05);
  const StationPick& weak = picks[3][0];
  EXPECT_FALSE(has_onset(weak.pick));
  ASSERT_TRUE(weak.s_pick);
  EXPECT_NEAR(seconds_after_t0(weak.s_pick->time), 173.0, 0.3);
  EXPECT_FALSE(has_onset(*weak.s_pick));
}

// A repeating noise burst at a three-component station: its onsets repeat
// on the vertical, but what was picked as their S is no rise above the
// noise before it on the horizontals (an earthquake's S is). Two or more
// such members make the family noise: every member's picks become
// estimates, the one with no S picked too. Members from several sources
// (S-P 3.0 and 4.5 s, no family S-P) whose S do rise keep their onsets.
TEST(FamilyPhases, FamilyWhoseSDoNotRiseIsNoise) {
  Trace z(1.0, 41), n(1.0, 42), e(1.0, 43);
  for (double tp : {20.0, 60.0, 100.0}) z.pulse(tp, 12);  // bursts: no S
  z.pulse(140.0, 12).pulse(143.0, 4);                     // earthquakes: S 3.0 and 4.5 s after P
  n.pulse(143.0, 25);
  e.pulse(143.0, 18);
  z.pulse(180.0, 12).pulse(184.5, 4);
  n.pulse(184.5, 25);
  e.pulse(184.5, 18);
  const Traces tr = s0_traces(z, n, e);
  PickingSetup setup = setup_for({three_component("S0")});
  const PickingStation& st = setup.stations[0];
  const std::vector<NetworkEvent> events = {one_station_event(0, 0, 20.0), one_station_event(0, 0, 60.0),
                                            one_station_event(0, 0, 100.0), one_station_event(0, 1, 140.0),
                                            one_station_event(0, 1, 180.0)};
  const std::vector<std::vector<StationPick>> picked_as = {picked(st, 20.0, 23.0), picked(st, 60.0, 71.0),
                                                           picked(st, 100.0), picked(st, 140.0, 143.0),
                                                           picked(st, 180.0, 184.5)};
  auto picks = picked_as;
  EXPECT_EQ(align_family_phases(picks, events, setup, tr.reader()), 0u);
  for (std::size_t k : {0u, 1u, 2u}) EXPECT_FALSE(has_onset(picks[k][0].pick)) << k;
  for (std::size_t k : {3u, 4u}) {
    EXPECT_TRUE(has_onset(picks[k][0].pick)) << k;
    ASSERT_TRUE(picks[k][0].s_pick) << k;
    EXPECT_TRUE(has_onset(*picks[k][0].s_pick)) << k;
  }
  setup.params.one_station_family_s_p = false;
  picks = picked_as;
  align_family_phases(picks, events, setup, tr.reader());
  for (std::size_t k : {0u, 1u, 2u}) EXPECT_TRUE(has_onset(picks[k][0].pick)) << k;
}
