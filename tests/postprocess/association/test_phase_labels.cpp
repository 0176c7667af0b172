// Phase labels of first onsets on hand-made events: an onset is S only where
// a P precedes it or the moveout demands it, never for its energy alone.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "pipeline/velocity_model.hpp"
#include "postprocess/association/phase_labels.hpp"

namespace {

using namespace qp::post;
using Labels = std::vector<OnsetLabel>;
using qp::post::PAfterLocation;
using qp::post::p_after_location;
constexpr OnsetLabel P = OnsetLabel::kP, S = OnsetLabel::kS, SAfterP = OnsetLabel::kSAfterWeakerP;

// A three-component station `km` north of the source (1 degree = 111.195 km)
// whose first onset at `time_s` has `share` of its energy on the vertical.
FirstOnset onset(double time_s, double km, double share, bool p_before = false) {
  FirstOnset f;
  f.onset = {time_s, 0.05, std::make_pair(64.0 + km / 111.195, -17.0)};
  f.has_horizontals = true;
  f.vertical_share = share;
  f.p_before = p_before;
  return f;
}

OnsetConsistencyParams params() {
  OnsetConsistencyParams p;
  p.vp_min_km_s = 5.0;
  p.slack_s = 0.5;
  return p;
}

TEST(PhaseLabels, FarStationsSLikePOnsetWaitsForTheLocation) {
  // The case: stations 20, 40 and 60 km from the source (vp 6 km/s),
  // P at 3.3, 6.7 and 10 s; the far station's P is weak on the vertical
  // next to the horizontals (share 0.15). Two P onsets do not locate the
  // event: the onset is taken for S (P too weak to pick) until the
  // location predicts P there, which makes it the P (p_after_location,
  // kSIsP, below), with no estimate before it.
  const std::vector<FirstOnset> ev = {onset(20 / 6.0, 20, 0.8), onset(40 / 6.0, 40, 0.6),
                                      onset(60 / 6.0, 60, 0.15)};
  EXPECT_EQ(label_first_onsets(ev, params()), (Labels{P, P, S}));
  EXPECT_EQ(p_after_location(false, false, true, true, std::nullopt), PAfterLocation::kSIsP);
  // Its energy on the vertical says P: P.
  auto vertical = ev;
  vertical[2].vertical_share = 0.6;
  EXPECT_EQ(label_first_onsets(vertical, params()), (Labels{P, P, P}));
}

TEST(PhaseLabels, APBeforeItMakesItS) {
  // One station alone: its S-like onset is S only when a weaker vertical
  // onset precedes it; otherwise it is the station's first arrival, P.
  EXPECT_EQ(label_first_onsets({onset(5.0, 20, 0.1, true)}, params()), Labels{SAfterP});
  EXPECT_EQ(label_first_onsets({onset(5.0, 20, 0.1, false)}, params()), Labels{P});
  // One component: no horizontals to compare with, always P.
  FirstOnset z = onset(5.0, 20, 0.0, true);
  z.has_horizontals = false;
  EXPECT_EQ(label_first_onsets({z}, params()), Labels{P});
}

TEST(PhaseLabels, EarlyOnsetIsNotS) {
  // An S-like onset seconds before the others' P (a burst, or the previous
  // event): S never arrives before every P, so P here, left to the
  // onset-consistency check.
  const std::vector<FirstOnset> ev = {onset(3.3, 20, 0.8), onset(4.2, 25, 0.7), onset(-4.0, 30, 0.2)};
  EXPECT_EQ(label_first_onsets(ev, params()), (Labels{P, P, P}));
}

TEST(PhaseLabels, OnsetsOutvotingAnEarlierPWithWeakerPsBeforeThemAreS) {
  // The first clear onset is P. Stations 20, 25 and 30 km north: A's P at
  // 3.3 s; B and C picked their S (6.5 and 7 s later, not S-like by energy),
  // too late for a P moveout from A and outvoting it. Weaker vertical onsets
  // before them, agreeing with A, are their P: S after that P.
  std::vector<FirstOnset> ev = {onset(3.3, 20, 0.8), onset(9.8, 25, 0.5), onset(10.3, 30, 0.5)};
  EXPECT_EQ(label_first_onsets(ev, params()), (Labels{P, P, P}));  // nothing precedes them
  ev[1].weaker_before_s = 4.2;
  EXPECT_EQ(label_first_onsets(ev, params()), (Labels{P, SAfterP, S}));  // C: too late for a P now
  ev[2].weaker_before_s = 5.0;
  EXPECT_EQ(label_first_onsets(ev, params()), (Labels{P, SAfterP, SAfterP}));
  // A weaker onset that does not agree with A's P (4.7 s after it, 5 km
  // away) is no P of A's event.
  ev[1].weaker_before_s = 8.0;
  ev[2].weaker_before_s.reset();
  EXPECT_EQ(label_first_onsets(ev, params()), (Labels{P, P, P}));
  // Weaker onsets that each agree with A but not with one source together:
  // C's P 1.4 s after B's, yet its S-P 0.9 s shorter (noise before the true
  // P's; the farther station must have the longer S-P). Nothing is relabelled.
  ev[1].weaker_before_s = 4.0;
  ev[2].weaker_before_s = 5.4;
  EXPECT_EQ(label_first_onsets(ev, params()), (Labels{P, P, P}));
}

TEST(PhaseLabels, LocatedMoveoutDecides) {
  // Five stations around a source at 5 km depth give P onsets that locate
  // it; two more have S-like onsets: one at its predicted S (S), one at its
  // predicted P though a weaker vertical onset precedes it (P: the location
  // overrules the weaker onset).
  const auto model = qp::VelocityModel::homogeneous(6.0, 3.46);
  const double lat0 = 64.0, lon0 = -17.0, depth = 5.0;
  struct Sta { const char* name; double north_km, east_km; };
  const std::vector<Sta> sta = {{"A", 10, 0}, {"B", -8, 6}, {"C", 3, -12}, {"D", -5, -9}, {"E", 15, 14},
                                {"F", -20, 5}, {"G", 12, -18}};
  std::vector<qp::catalog::StationCoords> coords;
  std::vector<FirstOnset> ev;
  for (std::size_t i = 0; i < sta.size(); ++i) {
    qp::catalog::StationCoords c;
    c.network = "XX";
    c.station = sta[i].name;
    c.channel = "HHZ";
    c.latitude = lat0 + sta[i].north_km / 111.195;
    c.longitude = lon0 + sta[i].east_km / (111.195 * std::cos(lat0 * M_PI / 180));
    coords.push_back(c);
    const double dist = qp::catalog::distance_km(lat0, lon0, c.latitude, c.longitude);
    const bool s_onset = sta[i].name[0] == 'F';
    FirstOnset f;
    f.onset = {model.travel_time(s_onset ? qp::Phase::kS : qp::Phase::kP, dist, depth, 0.0), 0.05,
               std::make_pair(c.latitude, c.longitude)};
    f.has_horizontals = true;
    f.vertical_share = i >= 5 ? 0.1 : 0.7;
    f.p_before = sta[i].name[0] == 'G';
    f.seed_id = c.seed_id();
    ev.push_back(f);
  }
  const qp::catalog::StationTable table(coords);
  qp::catalog::LocationParams loc;
  loc.model = model;
  EXPECT_EQ(label_first_onsets(ev, params(), {&table, &loc}), (Labels{P, P, P, P, P, S, P}));
  // Without a location both are S (P too weak to pick), as the onsets of
  // other stations precede them.
  EXPECT_EQ(label_first_onsets(ev, params()), (Labels{P, P, P, P, P, S, S}));
}

TEST(PhaseLabels, OnsetEnergyIsTheRiseAboveTheNoiseBefore) {
  // 100 Hz: quiet (amplitude 1) for 10 s, then amplitude 10 for 5 s.
  std::vector<float> x(1500);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>((i < 1000 ? 1.0 : 10.0) * std::sin(0.7 * static_cast<double>(i)));
  const qp::TimeNs t0 = 0, onset_t = 10 * qp::kNsPerSecond;
  const double e = onset_energy(x.data(), x.size(), t0, 100.0, onset_t);
  EXPECT_NEAR(e, 50.0 - 0.5, 2.0);  // mean square 100/2 after, 1/2 before
  EXPECT_NEAR(onset_energy(x.data(), x.size(), t0, 100.0, 3 * qp::kNsPerSecond), 0.0, 0.1);  // noise on noise
  EXPECT_EQ(onset_energy(nullptr, 0, t0, 100.0, onset_t), 0.0);
}

}  // namespace

namespace {

TEST(PhaseLabels, AnEstimateReplacesNoClearOnsetOfTheEvent) {
  // p_after_location(p_onset, p_onset_near_prediction, s_onset_near_prediction, station_has_onset, found)
  // A clear P near the prediction stays, searched for nothing.
  EXPECT_EQ(p_after_location(true, true, false, true, std::nullopt), PAfterLocation::kKeep);
  // The far station: its onset was taken for S and the location
  // predicts P there: the onset is the P (no estimate seconds before it).
  EXPECT_EQ(p_after_location(false, false, true, true, std::nullopt), PAfterLocation::kSIsP);
  // A clear P far from the prediction: searched near it; an onset found
  // there replaces it, nothing found leaves it (never an estimate).
  EXPECT_EQ(p_after_location(true, false, false, true, std::nullopt), PAfterLocation::kSearch);
  EXPECT_EQ(p_after_location(true, false, false, true, true), PAfterLocation::kOnset);
  EXPECT_EQ(p_after_location(true, false, false, true, false), PAfterLocation::kKeep);
  // ... unless it lies beyond any model error from the prediction (a noise
  // burst the location left out): then the prediction, as an estimate.
  EXPECT_EQ(p_after_location(true, false, false, true, false, true), PAfterLocation::kEstimate);
  // A station whose only clear onset is an S far from the predicted P gets
  // no estimated P beside it; one with no onset at all gets the estimate.
  EXPECT_EQ(p_after_location(false, false, false, true, false), PAfterLocation::kKeep);
  EXPECT_EQ(p_after_location(false, false, false, false, false), PAfterLocation::kEstimate);
  EXPECT_EQ(p_after_location(false, false, false, false, true), PAfterLocation::kOnset);
}

}  // namespace
