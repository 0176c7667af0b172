// Onset picker on synthetic waveforms: noise plus an impulsive onset at a
// known time.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "postprocess/association/arrival.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace qp::post;

constexpr double kPi = 3.14159265358979323846;

// Unit-rms Gaussian noise plus a 6 Hz wavelet from `onset_s` with peak
// amplitude `snr` (0.05 s rise, 2 s decay).
std::vector<float> synth(double rate, double seconds, double onset_s, double snr, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<float> x(static_cast<std::size_t>(rate * seconds));
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate - onset_s;
    double s = 0;
    if (t >= 0) s = snr * (1 - std::exp(-t / 0.05)) * std::exp(-t / 2.0) * std::sin(2 * kPi * 6 * t + 0.7);
    x[i] = static_cast<float>(noise(rng) + s);
  }
  return x;
}

TEST(Arrival, OnsetWithinTwoTenthsOfASecondAtSnr5) {
  const qp::TimeNs start = qp::parse_iso8601("2014-08-24T00:01:00Z");
  int n = 0;
  double worst = 0;
  for (double rate : {50.0, 100.0}) {
    for (unsigned seed = 1; seed <= 10; ++seed) {
      const double onset = 20.0 + 0.37 * seed;
      const auto x = synth(rate, 60, onset, 5.0, seed);
      // Detection window as FAST gives it: starting seconds before the onset.
      const qp::TimeNs wb = start + qp::seconds_to_ns(onset - 6.0 + 0.2 * (seed % 3));
      const qp::TimeNs we = start + qp::seconds_to_ns(onset + 8.0);
      const Arrival a = refine_arrival(x.data(), x.size(), start, rate, wb, we);
      const double err = std::fabs(qp::ns_to_seconds(a.time - start) - onset);
      worst = std::max(worst, err);
      EXPECT_TRUE(a.found) << "rate " << rate << " seed " << seed;
      EXPECT_LT(err, 0.2) << "rate " << rate << " seed " << seed;
      EXPECT_GT(a.uncertainty_s, 0);
      EXPECT_LT(a.uncertainty_s, 0.5);
      EXPECT_GT(a.snr, 2);
      ++n;
    }
  }
  std::printf("%d picks at SNR 5, worst error %.3f s\n", n, worst);
}

TEST(Arrival, LowerSnrGivesLargerUncertainty) {
  const double rate = 100;
  const auto strong = synth(rate, 60, 30, 20, 3);
  const auto weak = synth(rate, 60, 30, 3, 3);
  const qp::TimeNs wb = qp::seconds_to_ns(24), we = qp::seconds_to_ns(38);
  const Arrival s = refine_arrival(strong.data(), strong.size(), 0, rate, wb, we);
  const Arrival w = refine_arrival(weak.data(), weak.size(), 0, rate, wb, we);
  EXPECT_NEAR(qp::ns_to_seconds(s.time), 30, 0.05);
  EXPECT_LE(s.uncertainty_s, w.uncertainty_s);
  EXPECT_GT(s.snr, w.snr);
}

// A swarm: an earlier event's onset just before the window must not be
// picked; the onset inside the window is.
TEST(Arrival, OnsetBeforeTheWindowIsNotPicked) {
  const double rate = 50;
  const qp::TimeNs start = qp::parse_iso8601("2014-08-24T00:01:00Z");
  auto x = synth(rate, 60, 29.0, 8.0, 7);               // later event, onset 29 s
  const auto earlier = synth(rate, 60, 27.6, 20.0, 8);  // louder one at 27.6 s
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += earlier[i];
  const qp::TimeNs wb = start + qp::seconds_to_ns(28.0);
  const qp::TimeNs we = start + qp::seconds_to_ns(36.0);
  const Arrival a = refine_arrival(x.data(), x.size(), start, rate, wb, we);
  const double t = qp::ns_to_seconds(a.time - start);
  EXPECT_GE(t, 28.0 - 0.2 - 1e-9);  // never before the window by more than one STA
  EXPECT_LE(t, 36.0);
}

TEST(Arrival, PureNoiseIsNotAnOnset) {
  const double rate = 100;
  const auto x = synth(rate, 60, 1e9, 0, 11);  // onset never comes
  const qp::TimeNs wb = qp::seconds_to_ns(20), we = qp::seconds_to_ns(34);
  const Arrival a = refine_arrival(x.data(), x.size(), 0, rate, wb, we);
  EXPECT_FALSE(a.found);
  EXPECT_GE(a.uncertainty_s, 7.0 - 1e-9);
}

TEST(Arrival, WindowOutsideDataIsNotAnOnset) {
  const auto x = synth(100, 10, 5, 10, 1);
  const Arrival a = refine_arrival(x.data(), x.size(), 0, 100, qp::seconds_to_ns(50),
                                   qp::seconds_to_ns(60));
  EXPECT_FALSE(a.found);
  EXPECT_EQ(a.time, qp::seconds_to_ns(55));
}

TEST(Arrival, BestLagCorrelationFindsTheShift) {
  const auto a = synth(100, 20, 5, 10, 4);
  std::vector<float> b(a.begin() + 37, a.end());  // b leads a by 37 samples
  std::ptrdiff_t lag = 0;
  const double cc = best_lag_correlation(a.data(), a.size(), b.data(), b.size(), 60, &lag);
  EXPECT_EQ(lag, 37);
  EXPECT_NEAR(cc, 1.0, 1e-6);
  const auto c = synth(100, 20, 5, 10, 5);  // independent noise, same wavelet
  EXPECT_LT(best_lag_correlation(a.data(), 300, c.data(), 300, 20, &lag), 0.5);  // noise only
}

}  // namespace

namespace {

// A weak P at 20 s, a strong S at 23 s, on one trace (a horizontal).
std::vector<float> p_then_s(double rate) {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<float> x(static_cast<std::size_t>(rate * 60));
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    double s = 0;
    for (auto [onset, amp] : {std::pair{20.0, 6.0}, std::pair{23.0, 30.0}})
      if (t >= onset)
        s += amp * (1 - std::exp(-(t - onset) / 0.05)) * std::exp(-(t - onset) / 2.0) *
             std::sin(2 * kPi * 5 * (t - onset));
    x[i] = static_cast<float>(noise(rng) + s);
  }
  return x;
}

// The first-arrival picker takes the P before the louder S; the S picker,
// in a window opened after the P, takes the S, not the P coda's own rise.
TEST(Arrival, FirstArrivalTakesPAndSModeTakesS) {
  const double rate = 100;
  const auto x = p_then_s(rate);
  const Arrival p = refine_arrival(x.data(), x.size(), 0, rate, qp::seconds_to_ns(14), qp::seconds_to_ns(30));
  ASSERT_TRUE(p.found);
  EXPECT_NEAR(qp::ns_to_seconds(p.time), 20.0, 0.2);
  const Arrival s = refine_arrival(x.data(), x.size(), 0, rate, qp::seconds_to_ns(20.3), qp::seconds_to_ns(32),
                                   /*first_arrival=*/false);
  ASSERT_TRUE(s.found);
  EXPECT_NEAR(qp::ns_to_seconds(s.time), 23.0, 0.2);
}

// A noise burst seconds before the event, which dies away before the event
// starts, is not its first arrival.
TEST(Arrival, BurstBeforeTheEventIsNotItsOnset) {
  const double rate = 100;
  auto x = synth(rate, 60, 30, 20, 11);
  for (std::size_t i = static_cast<std::size_t>(22 * rate); i < static_cast<std::size_t>(22.4 * rate); ++i)
    x[i] += static_cast<float>(12 * std::sin(2 * kPi * 6 * static_cast<double>(i) / rate));
  const Arrival a = refine_arrival(x.data(), x.size(), 0, rate, qp::seconds_to_ns(20), qp::seconds_to_ns(36));
  ASSERT_TRUE(a.found);
  EXPECT_NEAR(qp::ns_to_seconds(a.time), 30.0, 0.2);
}

}  // namespace

// arrival_start: a later rise (an S) on the coda of an earlier one (its P)
// belongs to the arrival that began at the earlier rise; an onset out of
// quiet noise began at itself; noise alone is no arrival.
TEST(Arrival, ArrivalStartIsTheRiseTheSignalStaysUpFrom) {
  const qp::TimeNs start = qp::parse_iso8601("2014-08-24T00:01:00Z");
  auto at = [&](double s) { return start + qp::seconds_to_ns(s); };
  const double rate = 100;
  for (unsigned seed = 1; seed <= 5; ++seed) {
    // P at 30 s (amplitude 20, 2 s decay), S at 33.5 s twice as loud.
    std::vector<float> x = synth(rate, 60, 30.0, 20.0, seed);
    const auto s = synth(rate, 60, 33.5, 40.0, seed + 100);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += s[i];
    const qp::TimeNs began = arrival_start(x.data(), x.size(), start, rate, at(20), at(33.5), 3.0);
    EXPECT_GE(qp::ns_to_seconds(began - start), 29.0) << "seed " << seed;
    EXPECT_LE(qp::ns_to_seconds(began - start), 30.0) << "seed " << seed;
    // The S alone, out of quiet noise: the arrival began with it (within
    // the second before it), not earlier.
    const auto quiet = synth(rate, 60, 33.5, 40.0, seed + 100);
    const qp::TimeNs alone = arrival_start(quiet.data(), quiet.size(), start, rate, at(20), at(33.5), 3.0);
    EXPECT_GE(qp::ns_to_seconds(alone - start), 32.5) << "seed " << seed;
    // Noise alone: the signal at t is not up.
    const auto noise = synth(rate, 60, 100.0, 0.0, seed);
    EXPECT_EQ(arrival_start(noise.data(), noise.size(), start, rate, at(20), at(33.5), 3.0), at(33.5));
  }
}
