// Phase labels of first onsets on hand-made events: an onset is S only where
// a P precedes it or the moveout demands it, never for its energy alone.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "postprocess/association/phase_labels.hpp"

namespace {

using namespace qp::post;

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

TEST(PhaseLabels, FarStationsPOnsetStaysPWhateverItsEnergy) {
  // The case: stations 20, 40 and 60 km from the source (vp 6 km/s),
  // P at 3.3, 6.7 and 10 s; the far station's P is weak on the vertical
  // next to the horizontals (share 0.15) and nothing precedes it. The
  // moveout allows it as P (40 km from the first station: up to 8 s), so
  // it is P, not an S with a P estimate seconds before it.
  const std::vector<FirstOnset> ev = {onset(20 / 6.0, 20, 0.8), onset(40 / 6.0, 40, 0.6),
                                      onset(60 / 6.0, 60, 0.15)};
  EXPECT_EQ(first_onsets_are_s(ev, params()), (std::vector<bool>{false, false, false}));
}

TEST(PhaseLabels, MoveoutDemandsS) {
  // Stations 20, 25 and 30 km away: the far one's first clear onset is its
  // S (30 / 3.46 = 8.7 s), 4.5 s after the P 5 km away: too late for a P.
  const std::vector<FirstOnset> ev = {onset(20 / 6.0, 20, 0.8), onset(25 / 6.0, 25, 0.7),
                                      onset(30 / 3.46, 30, 0.2)};
  EXPECT_EQ(first_onsets_are_s(ev, params()), (std::vector<bool>{false, false, true}));
  // Its energy on the vertical says P: the label stays P (the location
  // then judges it as a P onset).
  auto vertical = ev;
  vertical[2].vertical_share = 0.6;
  EXPECT_EQ(first_onsets_are_s(vertical, params()), (std::vector<bool>{false, false, false}));
}

TEST(PhaseLabels, APBeforeItMakesItS) {
  // One station alone: its S-like onset is S only when a weaker vertical
  // onset precedes it; otherwise it is the station's first arrival, P.
  EXPECT_EQ(first_onsets_are_s({onset(5.0, 20, 0.1, true)}, params()), std::vector<bool>{true});
  EXPECT_EQ(first_onsets_are_s({onset(5.0, 20, 0.1, false)}, params()), std::vector<bool>{false});
  // One component: no horizontals to compare with, always P.
  FirstOnset z = onset(5.0, 20, 0.0, true);
  z.has_horizontals = false;
  EXPECT_EQ(first_onsets_are_s({z}, params()), std::vector<bool>{false});
}

TEST(PhaseLabels, EarlyOnsetIsNotS) {
  // An S-like onset seconds before the others' P (a burst, or the previous
  // event) conflicts with them too, but S never arrives before P: P here,
  // left to the onset-consistency check.
  const std::vector<FirstOnset> ev = {onset(3.3, 20, 0.8), onset(4.2, 25, 0.7), onset(-4.0, 30, 0.2)};
  EXPECT_EQ(first_onsets_are_s(ev, params()), (std::vector<bool>{false, false, false}));
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
