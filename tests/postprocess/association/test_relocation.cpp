// An S taken as P at one station of a sparse network (issue 13): the
// event's other onsets, with that onset as its S, put the station's S
// there and its P seconds before; the onset becomes the S, the station's P
// is searched at the predicted P, and the event is located near its source.
// Hand-made three-station events with pulses in noise at known times.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "pipeline/velocity_model.hpp"
#include "postprocess/association/phase_labels.hpp"
#include "postprocess/association/relocation.hpp"
#include "postprocess/association/sightings.hpp"

#include "picking_traces.hpp"

using namespace qp::post;
using namespace qp::post::testing;
using qp::catalog::Pick;
using qp::catalog::StationCoords;

namespace {

constexpr double kLat0 = 36.0, kLon0 = -120.0;  // the source's epicentre
constexpr double kOrigin = 40.0, kDepth = 8.0;  // s after kT0, km
const qp::VelocityModel kModel = qp::VelocityModel::homogeneous(6.0, 3.46);

struct Station {
  std::string name;
  double east_km, north_km;
};

// A three-station event: each station's P on HHZ and S on HHN at their true
// times, except `s_as_p`, whose only pick is a "P" on HHZ at its true S.
// Its vertical holds a pulse of `weak_p` (noise rms 1) at its true P and a
// clear one at its S; `weak_p` 0: no P to find.
struct Scenario {
  std::vector<StationCoords> coords;
  Traces traces;
  qp::catalog::Event event;
  std::vector<double> p_s, s_s;  // true arrival times (s after kT0)

  Scenario(const std::vector<Station>& net, const std::string& s_as_p, double weak_p) {
    const double km_lat = 1 / 111.195, km_lon = km_lat / std::cos(kLat0 * kPi / 180);
    for (std::size_t i = 0; i < net.size(); ++i) {
      StationCoords c;
      c.network = "XX";
      c.station = net[i].name;
      c.latitude = kLat0 + net[i].north_km * km_lat;
      c.longitude = kLon0 + net[i].east_km * km_lon;
      coords.push_back(c);
      const double d = qp::catalog::distance_km(kLat0, kLon0, c.latitude, c.longitude);
      p_s.push_back(kOrigin + kModel.travel_time(qp::Phase::kP, d, kDepth, 0));
      s_s.push_back(kOrigin + kModel.travel_time(qp::Phase::kS, d, kDepth, 0));
      const std::string base = "XX." + c.station + "..HH";
      const bool wrong = c.station == s_as_p;
      traces.by_id.emplace(base + "Z", Trace(1.0, 10 + i).pulse(p_s[i], wrong ? weak_p : 10).pulse(s_s[i], 12));
      traces.by_id.emplace(base + "N", Trace(1.0, 20 + i).pulse(p_s[i], wrong ? weak_p / 3 : 3).pulse(s_s[i], 25));
      if (wrong) {
        event.picks.push_back({"", base + "Z", "P", kT0 + qp::seconds_to_ns(s_s[i]), 0.06, 0.5});
      } else {
        event.picks.push_back({"", base + "Z", "P", kT0 + qp::seconds_to_ns(p_s[i]), 0.05, 0.5});
        event.picks.push_back({"", base + "N", "S", kT0 + qp::seconds_to_ns(s_s[i]), 0.08, 0.5});
      }
    }
    finish_event(event);
  }

  RelocationSetup setup(const qp::catalog::StationTable& table) const {
    RelocationSetup s;
    s.coords = &table;
    s.location.enabled = true;
    s.location.model = kModel;
    s.location.estimate_uncertainty_s = kEstimateUncertaintyS;
    for (const auto& c : coords) s.pick_channel["XX." + c.station] = "XX." + c.station + "..HHZ";
    return s;
  }
};

double epicentre_error_km(const qp::catalog::Event& e) {
  return qp::catalog::distance_km(*e.latitude, *e.longitude, kLat0, kLon0);
}

// The picks of `e` at station `sta` with phase `phase`.
std::vector<Pick> picks_at(const qp::catalog::Event& e, const std::string& sta, const std::string& phase) {
  std::vector<Pick> out;
  for (const auto& p : e.picks)
    if (qp::catalog::station_of(p.seed_id) == "XX." + sta && p.phase == phase) out.push_back(p);
  return out;
}

// Stations 23-44 km apart, the far one (C) 32 km from the source: the
// synthetic network's shape (scripts/synth-network.sh).
const std::vector<Station> kNet = {{"A", 12, 3}, {"B", -10, 9}, {"C", 15, -28}};

}  // namespace

TEST(Relocation, POnsetIsSRule) {
  // At its predicted S, far from its P: S.
  EXPECT_TRUE(p_onset_is_s(9.1, 5.3, 9.2, 1.0, 2.0));
  // At its predicted P: P.
  EXPECT_FALSE(p_onset_is_s(5.5, 5.3, 9.2, 1.0, 2.0));
  // Beyond the tolerance of the predicted S: neither, left as it is.
  EXPECT_FALSE(p_onset_is_s(7.5, 5.3, 9.2, 1.0, 2.0));
  // A near station's S-P shorter than the model error: S and P cannot be told.
  EXPECT_FALSE(p_onset_is_s(6.4, 5.0, 6.5, 1.0, 2.0));
}

TEST(Relocation, FarStationsSTakenAsPIsItsS) {
  // C's P is too weak to pick (none in its trace): its S on the vertical was
  // taken as P, and the location fits a P there, over 15 km off with an
  // uncertainty of a few km: a confident wrong point.
  const Scenario sc(kNet, "C", 0.0);
  const qp::catalog::StationTable table(sc.coords);
  const RelocationSetup setup = sc.setup(table);
  std::vector<qp::catalog::Event> as_picked{sc.event};
  ASSERT_EQ(qp::catalog::locate_events(as_picked, table, setup.location), 1u);
  EXPECT_GT(epicentre_error_km(as_picked[0]), 15.0);
  EXPECT_LT(*as_picked[0].horizontal_uncertainty_km, 5.0);  // and confident about it

  // A and B (P and S each) with C's onset as its S put C's S there, its P
  // 4 s before: C's onset is its S; no P found before it.
  qp::catalog::Event e = sc.event;
  EXPECT_EQ(relabel_s_taken_as_p(e, setup, sc.traces.reader()), 1u);
  ASSERT_EQ(picks_at(e, "C", "S").size(), 1u);
  EXPECT_NEAR(seconds_after_t0(picks_at(e, "C", "S")[0].time), sc.s_s[2], 1e-6);
  EXPECT_TRUE(picks_at(e, "C", "P").empty());

  // Located and re-picked: near the source, C's S kept, no P invented.
  e = sc.event;
  locate_and_repick(e, setup, sc.traces.reader());
  ASSERT_TRUE(e.located());
  EXPECT_LT(epicentre_error_km(e), 3.0);
  EXPECT_NEAR(*e.depth_km, kDepth, 4.0);
  EXPECT_EQ(picks_at(e, "C", "S").size(), 1u);
  for (const auto& p : picks_at(e, "C", "P")) EXPECT_FALSE(has_onset(p));
}

TEST(Relocation, SAsPWithAWeakerPFindsTheP) {
  // C's P is in its trace, weaker than the S (amplitude 8 to 12, noise 1):
  // relabelled, then re-picked at the P the location predicts.
  const Scenario sc(kNet, "C", 8.0);
  const qp::catalog::StationTable table(sc.coords);
  qp::catalog::Event e = sc.event;
  locate_and_repick(e, sc.setup(table), sc.traces.reader());
  ASSERT_TRUE(e.located());
  EXPECT_LT(epicentre_error_km(e), 3.0);
  const auto p = picks_at(e, "C", "P");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(has_onset(p[0]));
  EXPECT_NEAR(seconds_after_t0(p[0].time), sc.p_s[2], 0.2);
  ASSERT_EQ(picks_at(e, "C", "S").size(), 1u);
  EXPECT_NEAR(seconds_after_t0(picks_at(e, "C", "S")[0].time), sc.s_s[2], 1e-6);
}

TEST(Relocation, TrueOnsetsStayAsTheyAre) {
  // Every station's P and S where they are: nothing relabelled, located near
  // the source.
  Scenario sc(kNet, "", 0.0);
  const qp::catalog::StationTable table(sc.coords);
  qp::catalog::Event e = sc.event;
  EXPECT_EQ(relabel_s_taken_as_p(e, sc.setup(table), sc.traces.reader()), 0u);
  // C with its P alone (its S not picked): still P.
  e.picks.erase(std::remove_if(e.picks.begin(), e.picks.end(), [](const Pick& p) { return p.seed_id == "XX.C..HHN"; }),
                e.picks.end());
  EXPECT_EQ(relabel_s_taken_as_p(e, sc.setup(table), sc.traces.reader()), 0u);
  locate_and_repick(e, sc.setup(table), sc.traces.reader());
  ASSERT_TRUE(e.located());
  EXPECT_LT(epicentre_error_km(e), 3.0);
  ASSERT_EQ(picks_at(e, "C", "P").size(), 1u);
  EXPECT_NEAR(seconds_after_t0(picks_at(e, "C", "P")[0].time), sc.p_s[2], 1e-6);
}

TEST(Relocation, TimesThatFitBothLabelsNeedTheWeakerP) {
  // A and B's P and S leave the source and its mirror image across the
  // line A-B (12 km north; the mirror 24 km north) equally fit. C lies where
  // the mirror's P reaches it when the source's S does (hypocentral distance
  // vp / vs times larger): C's onset fits as P from the mirror and as S from
  // the source. Without a weaker onset at the predicted P the labels stay,
  // and the location, one of two equally good points 24 km apart, is not
  // reported; with one, the onset is the S and that one its P.
  const double line_km = 12.0, ratio = kModel.vp()[0] / kModel.vs()[0];
  auto misfit = [&](double south_km) {  // C at (8, -south_km)
    const double d = std::hypot(std::hypot(8.0, south_km), kDepth);
    const double d_mirror = std::hypot(std::hypot(8.0, south_km + 2 * line_km), kDepth);
    return d_mirror - ratio * d;
  };
  double lo = 0, hi = 60;  // misfit > 0 near the source, < 0 far from it
  for (int i = 0; i < 60; ++i) ((misfit(0.5 * (lo + hi)) > 0) ? lo : hi) = 0.5 * (lo + hi);
  const std::vector<Station> net = {{"A", -14, line_km}, {"B", 16, line_km}, {"C", 8, -0.5 * (lo + hi)}};

  const Scenario silent(net, "C", 0.0);
  const qp::catalog::StationTable table(silent.coords);
  qp::catalog::Event e = silent.event;
  EXPECT_EQ(relabel_s_taken_as_p(e, silent.setup(table), silent.traces.reader()), 0u);
  EXPECT_EQ(picks_at(e, "C", "P").size(), 1u);
  std::vector<qp::catalog::Event> as_picked{e};
  qp::catalog::locate_events(as_picked, table, silent.setup(table).location);
  EXPECT_TRUE(as_picked[0].located());  // the location alone takes one of the two
  locate_and_repick(e, silent.setup(table), silent.traces.reader());
  EXPECT_FALSE(e.located());

  const Scenario weak_p(net, "C", 8.0);
  e = weak_p.event;
  EXPECT_EQ(relabel_s_taken_as_p(e, weak_p.setup(table), weak_p.traces.reader()), 1u);
  ASSERT_EQ(picks_at(e, "C", "P").size(), 1u);
  EXPECT_NEAR(seconds_after_t0(picks_at(e, "C", "P")[0].time), weak_p.p_s[2], 0.2);
  locate_and_repick(e, weak_p.setup(table), weak_p.traces.reader());
  ASSERT_TRUE(e.located());
  EXPECT_LT(epicentre_error_km(e), 3.0);
}

namespace {

// `e`'s picks as two sightings of it, as event resolution can leave them: the
// first with every station but `far`, the second with `far`'s picks and the
// first station's P (the same first arrival: they merge).
std::vector<qp::catalog::Event> two_sightings(const qp::catalog::Event& e, const std::string& far) {
  std::vector<qp::catalog::Event> out(2);
  for (const auto& p : e.picks) {
    const bool at_far = qp::catalog::station_of(p.seed_id) == "XX." + far;
    out[at_far ? 1 : 0].picks.push_back(p);
    if (!at_far && p.phase == "P" && out[1].picks.empty()) out[1].picks.push_back(p);
  }
  for (auto& s : out) finish_event(s);
  return out;
}

// What the stage did with such events before: merged, then located alone.
qp::catalog::Event merged_and_located(std::vector<qp::catalog::Event> events, const qp::catalog::StationTable& table,
                                      const RelocationSetup& setup) {
  merge_sightings(events, {}, arrival_predictor(table, setup.location.model));
  EXPECT_EQ(events.size(), 1u);
  qp::catalog::locate_events(events, table, setup.location);
  return events[0];
}

}  // namespace

TEST(Relocation, SightingMergedAfterRelocationMeetsTheSameRule) {
  // C's S taken as P arrives in a second sighting; merged into the first
  // (A and B, P and S each), the event grows by C's onset. Located alone, it
  // lands over 15 km off; through the rule, C's onset is its S and the event
  // lies near its source.
  const Scenario sc(kNet, "C", 0.0);
  const qp::catalog::StationTable table(sc.coords);
  const RelocationSetup setup = sc.setup(table);
  std::vector<qp::catalog::Event> events = two_sightings(sc.event, "C");
  // A separate, later event that does not grow: left as it is.
  qp::catalog::Event later = events[0];
  for (auto& p : later.picks) p.time += 200 * qp::kNsPerSecond;
  finish_event(later);
  later.origin_time = later.first_arrival;  // a mark: not located again
  events.push_back(later);
  const qp::catalog::Event before = merged_and_located({events[0], events[1]}, table, setup);
  ASSERT_TRUE(before.located());
  EXPECT_GT(epicentre_error_km(before), 15.0);

  std::vector<std::size_t> grown;
  const MergedSightings m = merge_and_relocate(events, {}, setup, sc.traces.reader(), &grown);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(m.merges.size(), 1u);
  EXPECT_EQ(grown, std::vector<std::size_t>{0});
  const qp::catalog::Event& e = events[0];
  ASSERT_TRUE(e.located());
  EXPECT_LT(epicentre_error_km(e), 3.0);
  ASSERT_EQ(picks_at(e, "C", "S").size(), 1u);
  EXPECT_NEAR(seconds_after_t0(picks_at(e, "C", "S")[0].time), sc.s_s[2], 1e-6);
  for (const auto& p : picks_at(e, "C", "P")) EXPECT_FALSE(has_onset(p));
  EXPECT_EQ(events[1].origin_time, later.origin_time);
  EXPECT_EQ(events[1].picks.size(), later.picks.size());

  // The same with a weaker P in C's trace: that P found at its true time.
  const Scenario weak(kNet, "C", 8.0);
  events = two_sightings(weak.event, "C");
  merge_and_relocate(events, {}, weak.setup(table), weak.traces.reader());
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].located());
  EXPECT_LT(epicentre_error_km(events[0]), 3.0);
  ASSERT_EQ(picks_at(events[0], "C", "P").size(), 1u);
  EXPECT_NEAR(seconds_after_t0(picks_at(events[0], "C", "P")[0].time), weak.p_s[2], 0.2);
}

TEST(Relocation, SightingMergedAfterRelocationThatFitsBothLabelsIsNoPoint) {
  // The mirror network of TimesThatFitBothLabelsNeedTheWeakerP: C's onset,
  // brought by a second sighting, fits as P from the mirror image and as S
  // from the source. Located alone, the grown event takes one of the two
  // points; through the rule it is not reported as a point.
  const double line_km = 12.0, ratio = kModel.vp()[0] / kModel.vs()[0];
  auto misfit = [&](double south_km) {
    const double d = std::hypot(std::hypot(8.0, south_km), kDepth);
    const double d_mirror = std::hypot(std::hypot(8.0, south_km + 2 * line_km), kDepth);
    return d_mirror - ratio * d;
  };
  double lo = 0, hi = 60;
  for (int i = 0; i < 60; ++i) ((misfit(0.5 * (lo + hi)) > 0) ? lo : hi) = 0.5 * (lo + hi);
  const std::vector<Station> net = {{"A", -14, line_km}, {"B", 16, line_km}, {"C", 8, -0.5 * (lo + hi)}};
  const Scenario silent(net, "C", 0.0);
  const qp::catalog::StationTable table(silent.coords);
  const RelocationSetup setup = silent.setup(table);
  std::vector<qp::catalog::Event> events = two_sightings(silent.event, "C");
  EXPECT_TRUE(merged_and_located(events, table, setup).located());

  std::vector<std::size_t> grown;
  merge_and_relocate(events, {}, setup, silent.traces.reader(), &grown);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(grown.size(), 1u);
  EXPECT_FALSE(events[0].located());
  EXPECT_EQ(picks_at(events[0], "C", "P").size(), 1u);  // the labels stay
}
