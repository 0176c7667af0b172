// Picking on hand-made three-component traces (pulses in Gaussian noise at
// known times): P and S onsets, phase choice at a far station, the typical
// onset offset, re-picking near a located event's predicted P, and the
// binary encoding that carries picks and events between ranks.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "pipeline/config.hpp"
#include "pipeline/error.hpp"
#include "postprocess/association/picking.hpp"
#include "postprocess/association/relocation.hpp"
#include "postprocess/association/sightings.hpp"
#include "postprocess/association/union_find.hpp"
#include "postprocess/association/wire.hpp"

#include "picking_traces.hpp"

using namespace qp::post;
using qp::TimeNs;
using qp::catalog::Pick;
using qp::catalog::StationCoords;
using qp::catalog::StationTable;
using namespace qp::post::testing;

TEST(Picking, POnTheVerticalAndSOnAHorizontalAtEachStation) {
  const std::vector<double> p_s = {50.3, 51.1, 52.7};
  const double s_minus_p = 4.2;
  Traces tr;
  std::vector<PickingStation> stations;
  for (std::size_t i = 0; i < p_s.size(); ++i) {
    const std::string sta = "S" + std::to_string(i);
    stations.push_back(three_component(sta));
    const double tp = p_s[i], ts = tp + s_minus_p;
    tr.by_id.emplace("XX." + sta + "..HHZ", Trace(1.0, 10 + i).pulse(tp, 12).pulse(ts, 4));
    tr.by_id.emplace("XX." + sta + "..HHN", Trace(1.0, 20 + i).pulse(tp, 3).pulse(ts, 25));
    tr.by_id.emplace("XX." + sta + "..HHE", Trace(1.0, 30 + i).pulse(tp, 3).pulse(ts, 18));
  }
  const PickingSetup setup = setup_for(stations);
  EventPicker picker(setup, tr.reader());
  const auto sp = picker.pick(event_at(p_s));
  ASSERT_EQ(sp.size(), 3u);
  for (std::size_t i = 0; i < sp.size(); ++i) {
    EXPECT_EQ(sp[i].pick.phase, "P") << i;
    EXPECT_EQ(sp[i].pick.seed_id, "XX.S" + std::to_string(i) + "..HHZ");
    EXPECT_TRUE(has_onset(sp[i].pick)) << i;
    EXPECT_NEAR(seconds_after_t0(sp[i].pick.time), p_s[i], 0.15) << i;
    ASSERT_TRUE(sp[i].s_pick) << i;
    EXPECT_EQ(sp[i].s_pick->phase, "S");
    EXPECT_NE(sp[i].s_pick->seed_id.back(), 'Z');
    EXPECT_NEAR(seconds_after_t0(sp[i].s_pick->time), p_s[i] + s_minus_p, 0.3) << i;
    EXPECT_TRUE(sp[i].wf.samples.empty());  // samples dropped once picked
    EXPECT_NEAR(sp[i].pick.similarity, 80.0 / 300.0, 1e-12);
  }
}

// The associate stage picks the events of one run in parallel and then
// checks each event's look-ups of earlier S onsets against the memory of
// the events before it: the look-ups must be recorded with their answers,
// and the memory must answer as the picker does.
TEST(Picking, LookUpsOfEarlierSOnsetsAreRecordedWithTheirAnswers) {
  const std::vector<double> p_s = {50.3, 51.1, 52.7};
  const double s_minus_p = 4.2;
  Traces tr;
  std::vector<PickingStation> stations;
  for (std::size_t i = 0; i < p_s.size(); ++i) {
    const std::string sta = "S" + std::to_string(i);
    stations.push_back(three_component(sta));
    const double tp = p_s[i], ts = tp + s_minus_p;
    tr.by_id.emplace("XX." + sta + "..HHZ", Trace(1.0, 10 + i).pulse(tp, 12).pulse(ts, 4));
    tr.by_id.emplace("XX." + sta + "..HHN", Trace(1.0, 20 + i).pulse(tp, 3).pulse(ts, 25));
    tr.by_id.emplace("XX." + sta + "..HHE", Trace(1.0, 30 + i).pulse(tp, 3).pulse(ts, 18));
  }
  const PickingSetup setup = setup_for(stations);
  EventPicker picker(setup, tr.reader());
  std::vector<EarlierSQuery> queries;
  const auto sp = picker.pick(event_at(p_s), &queries);
  ASSERT_EQ(sp.size(), 3u);
  std::map<std::string, int> per_station;
  for (const auto& q : queries) {
    ++per_station[q.station];
    EXPECT_FALSE(q.answer) << q.station;  // nothing picked before
    const auto i = static_cast<std::size_t>(q.station.back() - '0');
    ASSERT_LT(i, sp.size());
    EXPECT_EQ(q.time, sp[i].pick.time) << q.station;  // looked up at its onset
  }
  EXPECT_EQ(per_station.size(), 3u);

  // A memory of this event's picks answers with its S near the S, nothing near the P.
  EventPicker memory(setup, tr.reader());
  memory.remember(sp);
  for (std::size_t i = 0; i < sp.size(); ++i) {
    ASSERT_TRUE(sp[i].s_pick) << i;
    const std::string sta = "XX.S" + std::to_string(i);
    EXPECT_EQ(memory.earlier_s_near(sta, sp[i].s_pick->time + qp::kNsPerSecond / 5), sp[i].s_pick->time);
    EXPECT_FALSE(memory.earlier_s_near(sta, sp[i].pick.time));
  }
  // Picked again after itself, the same look-ups get its S-free answers: the
  // check of a run would accept these picks as they are.
  std::vector<EarlierSQuery> again;
  picker.pick(event_at(p_s), &again);
  ASSERT_EQ(again.size(), queries.size());
  for (std::size_t k = 0; k < again.size(); ++k) EXPECT_EQ(again[k].answer, memory.earlier_s_near(again[k].station, again[k].time));

  // Look-ups travel between ranks exactly.
  wire::Writer w;
  for (const auto& q : queries) wire::put(w, q);
  wire::put(w, EarlierSQuery{"XX.S1", kT0 + 7, kT0 + 9});
  wire::Reader r(w.bytes());
  for (const auto& q : queries) {
    const EarlierSQuery q2 = wire::get_earlier_s_query(r);
    EXPECT_EQ(q2.station, q.station);
    EXPECT_EQ(q2.time, q.time);
    EXPECT_EQ(q2.answer, q.answer);
  }
  const EarlierSQuery last = wire::get_earlier_s_query(r);
  EXPECT_EQ(last.answer, std::optional<TimeNs>(kT0 + 9));
  EXPECT_TRUE(r.done());
}

TEST(Picking, NoiseAloneGivesNoOnset) {
  Traces tr;
  tr.by_id.emplace("XX.S0..HHZ", Trace(1.0, 5));
  tr.by_id.emplace("XX.S0..HHN", Trace(1.0, 6));
  tr.by_id.emplace("XX.S0..HHE", Trace(1.0, 7));
  const PickingSetup setup = setup_for({three_component("S0")});
  EventPicker picker(setup, tr.reader());
  const auto sp = picker.pick(event_at({60.0}));
  ASSERT_EQ(sp.size(), 1u);
  EXPECT_FALSE(has_onset(sp[0].pick));
  EXPECT_FALSE(sp[0].s_pick);
}

// One station on one component, its first matching fingerprint in the
// event's coda (centred 7 s after the P, so the search window opens 2 s
// after it, in the P coda): the onset found in the window is the S, the
// signal stays up from the P before the window, and the P is its onset.
TEST(Picking, OneStationWindowOpeningInsideTheArrivalReachesBackToItsP) {
  const double tp = 60.0, ts = 63.5;
  Traces tr;
  tr.by_id.emplace("XX.S0..HHZ", Trace(1.0, 11).pulse(tp, 40).pulse(ts, 80));
  auto one_component = [](const std::string& sta) {
    return PickingStation{"XX." + sta, {"XX." + sta + "..HHZ"}, "XX." + sta + "..HHZ", {}};
  };
  const PickingSetup setup = setup_for({one_component("S0")});
  const auto first = static_cast<std::int64_t>(qp::ns_to_seconds(kT0) + tp + 7.0);
  NetworkEvent one;
  one.stations.push_back({0, first, first + 3, 80, 80});
  EventPicker picker(setup, tr.reader());
  const auto sp = picker.pick(one);
  ASSERT_EQ(sp.size(), 1u);
  EXPECT_TRUE(has_onset(sp[0].pick));
  EXPECT_EQ(sp[0].pick.phase, "P");
  EXPECT_NEAR(seconds_after_t0(sp[0].pick.time), tp, 0.15);
  ASSERT_TRUE(sp[0].s_pick);
  EXPECT_NEAR(seconds_after_t0(sp[0].s_pick->time), ts, 0.15);

}

// One station, an onset with its energy on the horizontals and nothing on
// the vertical before it: nothing says S, so it is the P (the far-station
// case: a P labelled S with an estimate seconds before it reported as P).
// No S follows it: seen at this one station only, it is then an estimate
// (one_station_needs_s), a clear onset where that rule is off.
TEST(Picking, HorizontalOnsetWithoutAPBeforeItIsP) {
  Traces tr;
  const double t = 70.4;
  tr.by_id.emplace("XX.S0..HHZ", Trace(0.1, 1).pulse(t, 2));
  tr.by_id.emplace("XX.S0..HHN", Trace(0.1, 2).pulse(t, 12));
  tr.by_id.emplace("XX.S0..HHE", Trace(0.1, 3).pulse(t, 9));
  PickingSetup setup = setup_for({three_component("S0")});
  for (const bool needs_s : {true, false}) {
    setup.params.one_station_needs_s = needs_s;
    EventPicker picker(setup, tr.reader());
    const auto sp = picker.pick(event_at({t}));
    ASSERT_EQ(sp.size(), 1u);
    EXPECT_EQ(sp[0].pick.phase, "P");
    EXPECT_FALSE(sp[0].s_pick);
    EXPECT_EQ(has_onset(sp[0].pick), !needs_s);
    EXPECT_NEAR(seconds_after_t0(sp[0].pick.time), t, 0.15);
  }
}

// One three-component station, P on the vertical and its S on the
// horizontals 3.5 s later: a clear P (an earthquake's signature at one
// station), and its S.
TEST(Picking, OneStationPFollowedByItsSIsAClearOnset) {
  Traces tr;
  const double tp = 70.4, ts = 73.9;
  tr.by_id.emplace("XX.S0..HHZ", Trace(1.0, 1).pulse(tp, 12).pulse(ts, 4));
  tr.by_id.emplace("XX.S0..HHN", Trace(1.0, 2).pulse(tp, 3).pulse(ts, 25));
  tr.by_id.emplace("XX.S0..HHE", Trace(1.0, 3).pulse(tp, 3).pulse(ts, 18));
  const PickingSetup setup = setup_for({three_component("S0")});
  EventPicker picker(setup, tr.reader());
  const auto sp = picker.pick(event_at({tp}));
  ASSERT_EQ(sp.size(), 1u);
  EXPECT_EQ(sp[0].pick.phase, "P");
  EXPECT_TRUE(has_onset(sp[0].pick));
  EXPECT_NEAR(seconds_after_t0(sp[0].pick.time), tp, 0.15);
  ASSERT_TRUE(sp[0].s_pick);
  EXPECT_NEAR(seconds_after_t0(sp[0].s_pick->time), ts, 0.3);
}

// The same onset with a weaker vertical onset 3 s before it: that one is
// the P, this one the S.
TEST(Picking, HorizontalOnsetAfterAWeakerVerticalOnsetIsS) {
  Traces tr;
  const double tp = 67.5, ts = 70.5;
  tr.by_id.emplace("XX.S0..HHZ", Trace(0.1, 1).pulse(tp, 1.5).pulse(ts, 2));
  tr.by_id.emplace("XX.S0..HHN", Trace(0.1, 2).pulse(tp, 0.2).pulse(ts, 14));
  tr.by_id.emplace("XX.S0..HHE", Trace(0.1, 3).pulse(tp, 0.2).pulse(ts, 11));
  const PickingSetup setup = setup_for({three_component("S0")});
  EventPicker picker(setup, tr.reader());
  // The first matching fingerprint sees the strong S: centred 1 s before it.
  const auto sp = picker.pick(event_at({ts}));
  ASSERT_EQ(sp.size(), 1u);
  EXPECT_EQ(sp[0].pick.phase, "P");
  EXPECT_NEAR(seconds_after_t0(sp[0].pick.time), tp, 0.2);
  ASSERT_TRUE(sp[0].s_pick);
  EXPECT_NEAR(seconds_after_t0(sp[0].s_pick->time), ts, 0.2);
}

// The demo's E000005: one station picks the P, the others' first matching
// fingerprints see only their louder S (as much on the vertical as on each
// horizontal: not S-like by energy) and outvote it, too late for a P
// moveout from it. The first clear onset is P: each of the others has a
// weaker vertical onset before it that agrees with that P, so it is the S
// after that P.
TEST(Picking, OnsetsOutvotingAnEarlierPAreItsSWhenWeakerPsPrecedeThem) {
  struct Sta {
    std::string name;
    double tp, ts, p_amplitude;
  };
  const std::vector<Sta> net = {{"A", 50.0, 54.0, 12}, {"B", 51.0, 57.5, 5}, {"C", 51.5, 58.3, 5}};
  Traces tr;
  std::vector<PickingStation> stations;
  std::vector<double> seen;  // what each station's first matching fingerprint holds
  for (std::size_t i = 0; i < net.size(); ++i) {
    const Sta& st = net[i];
    stations.push_back(three_component(st.name));
    const std::string base = "XX." + st.name + "..HH";
    tr.by_id.emplace(base + "Z", Trace(1.0, 70 + i).pulse(st.tp, st.p_amplitude).pulse(st.ts, 20));
    tr.by_id.emplace(base + "N", Trace(1.0, 80 + i).pulse(st.tp, 1).pulse(st.ts, 20));
    tr.by_id.emplace(base + "E", Trace(1.0, 90 + i).pulse(st.tp, 1).pulse(st.ts, 18));
    seen.push_back(i == 0 ? st.tp : st.ts);
  }
  const PickingSetup setup = setup_for(stations);
  EventPicker picker(setup, tr.reader());
  const auto sp = picker.pick(event_at(seen));
  ASSERT_EQ(sp.size(), 3u);
  for (std::size_t i = 0; i < sp.size(); ++i) {
    EXPECT_EQ(sp[i].pick.phase, "P") << i;
    EXPECT_TRUE(has_onset(sp[i].pick)) << i;
    EXPECT_NEAR(seconds_after_t0(sp[i].pick.time), net[i].tp, 0.2) << i;
    ASSERT_TRUE(sp[i].s_pick) << i;
    EXPECT_NEAR(seconds_after_t0(sp[i].s_pick->time), net[i].ts, 0.3) << i;
  }
  // Without the weaker onsets before them the later onsets stay P (nothing
  // says S), and the early onset is the one they outvote.
  Traces quiet;
  for (std::size_t i = 0; i < net.size(); ++i) {
    const Sta& st = net[i];
    const std::string base = "XX." + st.name + "..HH";
    const double p_amplitude = i == 0 ? st.p_amplitude : 0.0;
    quiet.by_id.emplace(base + "Z", Trace(1.0, 70 + i).pulse(st.tp, p_amplitude).pulse(st.ts, 20));
    quiet.by_id.emplace(base + "N", Trace(1.0, 80 + i).pulse(st.ts, 20));
    quiet.by_id.emplace(base + "E", Trace(1.0, 90 + i).pulse(st.ts, 18));
  }
  EventPicker quiet_picker(setup, quiet.reader());
  const auto q = quiet_picker.pick(event_at(seen));
  ASSERT_EQ(q.size(), 3u);
  for (std::size_t i = 1; i < q.size(); ++i) {
    EXPECT_EQ(q[i].pick.phase, "P") << i;
    EXPECT_NEAR(seconds_after_t0(q[i].pick.time), net[i].ts, 0.2) << i;
  }
}

// Four stations near the source and one 45 km away; at the far one the P
// carries most of its energy on the horizontals. The near stations' P onsets
// locate the event, which predicts P there: P, at its onset, and no
// estimate replaces it.
TEST(Picking, FarStationPOnsetIsNotLabelledS) {
  const double lat0 = 64.0, lon0 = -17.0, km = 1.0 / 111.195;
  const double lon_km = km / std::cos(lat0 * kPi / 180);
  struct Sta {
    std::string name;
    double x_km, y_km;
  };
  const std::vector<Sta> net = {{"A", 8, 0}, {"B", -8, 2}, {"C", 0, 9}, {"D", 1, -8}, {"F", 45, 5}};
  std::vector<StationCoords> coords;
  std::vector<PickingStation> stations;
  Traces tr;
  std::vector<double> p_s;
  const qp::VelocityModel model = qp::VelocityModel::homogeneous(6.0, 3.5);
  const double origin_s = 40.0, depth = 5.0;
  for (std::size_t i = 0; i < net.size(); ++i) {
    StationCoords c;
    c.network = "XX";
    c.station = net[i].name;
    c.latitude = lat0 + net[i].y_km * km;
    c.longitude = lon0 + net[i].x_km * lon_km;
    coords.push_back(c);
    stations.push_back(three_component(net[i].name));
    const double d = qp::catalog::distance_km(lat0, lon0, c.latitude, c.longitude);
    const double tp = origin_s + model.travel_time(qp::Phase::kP, d, depth, 0);
    const double ts = origin_s + model.travel_time(qp::Phase::kS, d, depth, 0);
    p_s.push_back(tp);
    const bool far = net[i].name == "F";
    const std::string base = "XX." + net[i].name + "..HH";
    tr.by_id.emplace(base + "Z", Trace(0.1, 40 + i).pulse(tp, far ? 1.0 : 10).pulse(ts, 3));
    tr.by_id.emplace(base + "N", Trace(0.1, 50 + i).pulse(tp, far ? 4.0 : 2).pulse(ts, 20));
    tr.by_id.emplace(base + "E", Trace(0.1, 60 + i).pulse(tp, far ? 3.5 : 2).pulse(ts, 15));
  }
  const StationTable table(coords);
  qp::catalog::LocationParams location;
  location.enabled = true;
  location.model = model;
  PickingSetup setup = setup_for(stations);
  setup.coords = &table;
  setup.location = &location;
  EventPicker picker(setup, tr.reader());
  const NetworkEvent ne = event_at(p_s);
  const auto sp = picker.pick(ne);
  ASSERT_EQ(sp.size(), net.size());
  const StationPick& far = sp.back();
  EXPECT_EQ(far.pick.seed_id, "XX.F..HHZ");
  EXPECT_EQ(far.pick.phase, "P");
  EXPECT_TRUE(has_onset(far.pick));
  EXPECT_NEAR(seconds_after_t0(far.pick.time), p_s.back(), 0.2);
  for (std::size_t i = 0; i + 1 < sp.size(); ++i) EXPECT_NEAR(seconds_after_t0(sp[i].pick.time), p_s[i], 0.15);

  // Located with P and S, re-picked: the far station keeps its onset.
  qp::catalog::Event e = catalog_event(ne, sp, setup);
  RelocationSetup relocation{&table, location, {}, setup.params};
  relocation.location.estimate_uncertainty_s = kEstimateUncertaintyS;
  for (const auto& st : stations) relocation.pick_channel[st.id] = st.pick_channel;
  locate_and_repick(e, relocation, tr.reader());
  ASSERT_TRUE(e.located());
  EXPECT_NEAR(qp::catalog::distance_km(*e.latitude, *e.longitude, lat0, lon0), 0, 3.0);
  int far_p = 0;
  for (const auto& p : e.picks)
    if (p.seed_id == "XX.F..HHZ" && p.phase == "P") {
      ++far_p;
      EXPECT_TRUE(has_onset(p));
      EXPECT_NEAR(seconds_after_t0(p.time), p_s.back(), 0.2);
    }
  EXPECT_EQ(far_p, 1);
}

// A located event whose pick at one station is a later arrival (3 s after
// its P): re-picked at the P the location predicts there.
TEST(Relocation, PickFarFromThePredictedPIsSearchedAgain) {
  const double lat0 = 64.0, lon0 = -17.0, km = 1.0 / 111.195;
  const double lon_km = km / std::cos(lat0 * kPi / 180);
  const std::vector<std::pair<double, double>> xy = {{10, 0}, {-9, 3}, {1, 11}, {2, -10}, {-6, -7}};
  std::vector<StationCoords> coords;
  Traces tr;
  qp::catalog::Event e;
  const qp::VelocityModel model = qp::VelocityModel::homogeneous(6.0, 3.5);
  const double origin_s = 40.0, depth = 4.0;
  double true_p_last = 0;
  for (std::size_t i = 0; i < xy.size(); ++i) {
    StationCoords c;
    c.network = "XX";
    c.station = "R" + std::to_string(i);
    c.latitude = lat0 + xy[i].second * km;
    c.longitude = lon0 + xy[i].first * lon_km;
    coords.push_back(c);
    const double d = qp::catalog::distance_km(lat0, lon0, c.latitude, c.longitude);
    const double tp = origin_s + model.travel_time(qp::Phase::kP, d, depth, 0);
    const double ts = origin_s + model.travel_time(qp::Phase::kS, d, depth, 0);
    const std::string sid = "XX." + c.station + "..HHZ";
    tr.by_id.emplace(sid, Trace(0.1, 70 + i).pulse(tp, 10).pulse(tp + 3, 10));
    const bool late = i + 1 == xy.size();
    e.picks.push_back({"", sid, "P", kT0 + qp::seconds_to_ns(late ? tp + 3 : tp), 0.05, 0.5});
    e.picks.push_back({"", "XX." + c.station + "..HHN", "S", kT0 + qp::seconds_to_ns(ts), 0.08, 0.5});
    e.stations.push_back("XX." + c.station);
    if (late) true_p_last = tp;
  }
  finish_event(e);
  const StationTable table(coords);
  RelocationSetup setup;
  setup.coords = &table;
  setup.location.enabled = true;
  setup.location.model = model;
  setup.location.estimate_uncertainty_s = kEstimateUncertaintyS;
  for (const auto& c : coords) setup.pick_channel["XX." + c.station] = "XX." + c.station + "..HHZ";
  const std::size_t repicked = locate_and_repick(e, setup, tr.reader());
  EXPECT_EQ(repicked, 1u);
  ASSERT_TRUE(e.located());
  EXPECT_NEAR(qp::catalog::distance_km(*e.latitude, *e.longitude, lat0, lon0), 0, 2.0);
  for (const auto& p : e.picks) {
    if (p.seed_id == "XX.R4..HHZ") {
      EXPECT_NEAR(seconds_after_t0(p.time), true_p_last, 0.15);
    }
  }
}

TEST(Picking, StationsWithoutOnsetGetTheTypicalOffset) {
  const TimeNs c0 = kT0 + 100 * qp::kNsPerSecond;
  std::vector<std::vector<StationPick>> events(2);
  for (int i = 0; i < 5; ++i) {  // onsets 2.0, 2.1, ... 2.4 s after their centres
    StationPick x;
    x.centre = c0 + i * 10 * qp::kNsPerSecond;
    x.pick = {"", "XX.S" + std::to_string(i) + "..HHZ", "P", x.centre + qp::seconds_to_ns(2.0 + 0.1 * i), 0.05, 0};
    events[i % 2].push_back(x);
  }
  StationPick none, estimated;
  none.centre = estimated.centre = c0;
  none.pick = {"", "XX.N..HHZ", "P", c0, 3.0, 0};
  estimated.pick = {"", "XX.E..HHZ", "P", c0 + 7 * qp::kNsPerSecond, 1.5, 0};
  estimated.estimated = true;
  events[1].push_back(none);
  events[1].push_back(estimated);
  PickingParams params;
  auto copy = events;
  const auto typical = apply_typical_offset(copy, params);
  ASSERT_TRUE(typical);
  EXPECT_EQ(*typical, qp::seconds_to_ns(2.2));
  EXPECT_EQ(copy[1][copy[1].size() - 2].pick.time, c0 + qp::seconds_to_ns(2.2));
  EXPECT_EQ(copy[1].back().pick.time, c0 + 7 * qp::kNsPerSecond);  // estimates keep theirs
  params.min_onsets_for_offset = 6;  // only five clear onsets
  copy = events;
  EXPECT_FALSE(apply_typical_offset(copy, params));
  EXPECT_EQ(copy[1][copy[1].size() - 2].pick.time, c0);
}

TEST(Picking, ConfigSectionReadsEveryKeyAndRefusesAnEmptySWindow) {
  const std::string base = "[run]\ndirectory = \"out\"\n\n[[stations]]\nnetwork = \"XX\"\nstation = \"S0\"\n"
                           "channels = [\"HHZ\"]\nfiles = [\"data/*.mseed\"]\n\n[picking]\n";
  qp::Config c = qp::Config::from_string(base + "min_onset_snr = 4.5\nmax_s_minus_p_s = 20\nmin_onsets_for_offset = 9\n",
                                         "/tmp/project/run.toml");
  const PickingParams p = PickingParams::from_config(c.section("picking"));
  EXPECT_EQ(p.min_onset_snr, 4.5);
  EXPECT_EQ(p.max_s_minus_p_s, 20.0);
  EXPECT_EQ(p.min_onsets_for_offset, 9);
  EXPECT_EQ(p.repick_tolerance_s, PickingParams{}.repick_tolerance_s);
  EXPECT_TRUE(p.one_station_needs_s);
  qp::Config off = qp::Config::from_string(base + "one_station_needs_s = false\n", "/tmp/project/run.toml");
  EXPECT_FALSE(PickingParams::from_config(off.section("picking")).one_station_needs_s);
  qp::Config bad = qp::Config::from_string(base + "min_s_minus_p_s = 5\nmax_s_minus_p_s = 4\n", "/tmp/project/run.toml");
  EXPECT_THROW(PickingParams::from_config(bad.section("picking")), qp::ConfigError);
  qp::Config negative = qp::Config::from_string(base + "coda_s = -1\n", "/tmp/project/run.toml");
  EXPECT_THROW(PickingParams::from_config(negative.section("picking")), qp::ConfigError);
}

TEST(UnionFind, RootIsTheSmallestIndexWhateverTheJoinOrder) {
  UnionFind a(6), b(6);
  a.join(4, 2);
  a.join(2, 5);
  a.join(1, 3);
  b.join(5, 2);
  b.join(3, 1);
  b.join(5, 4);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(a.find(i), b.find(i)) << i;
  EXPECT_EQ(a.find(5), 2u);
  EXPECT_EQ(a.find(3), 1u);
  EXPECT_EQ(a.find(0), 0u);
  EXPECT_NE(a.find(0), a.find(1));
}

TEST(Wire, EventsAndPicksRoundTripBitForBit) {
  qp::catalog::Event e;
  e.event_id = "qp20200101T000040.12";
  e.first_arrival = kT0 + 123456789;
  e.origin_time = kT0 - 5;
  e.latitude = 64.123456789012345;
  e.depth_km = 0.1 + 0.2;
  e.horizontal_uncertainty_km = 1e-300;
  e.n_stations = 2;
  e.stations = {"XX.A", "XX.B"};
  e.family_id = "qp1";
  e.n_linked = 7;
  e.score = 1.0 / 3.0;
  e.picks = {{"x", "XX.A..HHZ", "P", kT0 + 1, 0.05, 0.25}, {"", "XX.B..HHN", "S", kT0 + 2, 1.5, 0.0}};
  e.cc = -0.5;
  StationPick x;
  x.centre = kT0 + 99;
  x.pick = e.picks[0];
  x.estimated = true;
  x.snr = 7.25;
  x.onset_uncertainty_s = 0.03;
  x.s_pick = e.picks[1];
  EventPair ep{3, -4, -5, -3, 100, 120, 9, 1234, 77};
  wire::Writer w;
  wire::put(w, e);
  wire::put(w, x);
  wire::put(w, ep);
  wire::Reader r(w.bytes());
  const qp::catalog::Event e2 = wire::get_event(r);
  const StationPick x2 = wire::get_station_pick(r);
  EXPECT_EQ(wire::get_event_pair(r), ep);
  EXPECT_TRUE(r.done());
  wire::Writer again;
  wire::put(again, e2);
  wire::put(again, x2);
  wire::put(again, ep);
  EXPECT_EQ(again.bytes(), w.bytes());
  EXPECT_EQ(e2.latitude, e.latitude);
  EXPECT_FALSE(e2.longitude);
  EXPECT_EQ(e2.picks.size(), 2u);
  EXPECT_EQ(e2.picks[1].phase, "S");
  EXPECT_EQ(x2.s_pick->time, kT0 + 2);
  EXPECT_TRUE(x2.estimated);
  EXPECT_EQ(x2.onset_uncertainty_s, 0.03);
}
