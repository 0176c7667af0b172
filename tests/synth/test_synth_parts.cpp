// Building blocks: travel times, noise spectrum, wavelets, resampling.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <vector>

#include "synth/geometry.hpp"
#include "synth/noise.hpp"
#include "pipeline/velocity_model.hpp"
#include "synth/wavelet.hpp"
#include "tests/synth/synth_test_util.hpp"

using namespace qp::synth;
using qp::Phase;
using qp::VelocityModel;

TEST(SynthParts, LayeredModelWithEqualLayersIsHomogeneous) {
  const auto h = VelocityModel::homogeneous(6.0, 3.46);
  const auto l = VelocityModel::layered({0, 2, 5, 20}, {6, 6, 6, 6}, {3.46, 3.46, 3.46, 3.46});
  for (double d : {0.0, 3.0, 12.0, 30.0})
    for (double z : {1.0, 4.0, 9.0})
      EXPECT_NEAR(l.travel_time(Phase::kP, d, z, -0.3), h.travel_time(Phase::kP, d, z, -0.3), 1e-6);
  EXPECT_NEAR(h.travel_time(Phase::kS, 30, 4, 0), std::sqrt(916.0) / 3.46, 1e-12);
}

TEST(SynthParts, LayeredModelGivesHeadWavesFarOut) {
  // Slow 5 km layer over a fast half-space, source at 2 km depth: far away
  // the head wave along 5 km beats the direct ray.
  const auto m = VelocityModel::layered({0, 5}, {5.0, 8.0}, {2.9, 4.6});
  const double direct = std::sqrt(100.0 * 100.0 + 4.0) / 5.0;
  const double t = m.travel_time(Phase::kP, 100, 2, 0);
  EXPECT_LT(t, direct - 1.0);
  const double eta = std::sqrt(1 / 25.0 - 1 / 64.0);
  EXPECT_NEAR(t, 100 / 8.0 + (5 + 3) * eta, 1e-9);
  // Close by, the direct ray through the slow layer.
  EXPECT_NEAR(m.travel_time(Phase::kP, 3, 2, 0), std::sqrt(9.0 + 4.0) / 5.0, 1e-6);
}

TEST(SynthParts, GeometryRoundTrip) {
  const GeoPoint c{36.0, -120.0};
  for (double az : {0.0, 77.0, 200.0}) EXPECT_NEAR(epicentral_km(c, offset_km(c, 17.5, az)), 17.5, 1e-9);
}

TEST(SynthParts, ColouredNoiseHasItsRmsAndAMicroseismPeak) {
  const double fs = 20;
  ColouredNoise noise(fs, 100.0, 3);
  std::vector<double> x(400000);
  noise.fill(x.data(), x.size());
  double e = 0;
  for (double v : x) e += v * v;
  EXPECT_NEAR(std::sqrt(e / x.size()), 100.0, 10.0);
  // Power near 0.2 Hz well above power near 2 Hz (Goertzel at a few bins).
  auto power = [&](double f) {
    double p = 0;
    for (int seg = 0; seg < 20; ++seg) {
      const std::size_t n = x.size() / 20;
      double s1 = 0, s2 = 0, c = 2 * std::cos(2 * M_PI * f / fs);
      for (std::size_t i = 0; i < n; ++i) {
        const double s = x[seg * n + i] + c * s1 - s2;
        s2 = s1;
        s1 = s;
      }
      p += s1 * s1 + s2 * s2 - c * s1 * s2;
    }
    return p;
  };
  EXPECT_GT(power(0.2), 20 * power(2.0));
  EXPECT_GT(power(0.2), 5 * power(0.02));
}

TEST(SynthParts, PerturbationsGiveExactCorrelations) {
  WaveletShape s;
  s.s_minus_p_s = 2;
  Rng rng(5);
  std::vector<std::vector<double>> basis{synthetic_wavelet(s, rng)};
  std::vector<double> a = {0.9, 0.8};
  std::vector<std::vector<double>> w;
  for (double ai : a) {
    auto q = synthetic_wavelet(s, rng);
    ASSERT_TRUE(orthogonalise(q, basis));
    basis.push_back(q);
    std::vector<double> v(q.size());
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = ai * basis[0][i] + std::sqrt(1 - ai * ai) * q[i];
    w.push_back(v);
  }
  EXPECT_NEAR(correlation(w[0], w[1]), 0.72, 1e-9);
  EXPECT_NEAR(correlation(w[0], basis[0]), 0.9, 1e-9);
}

TEST(SynthParts, BruneCornerFallsWithMagnitude) {
  const double f1 = brune_corner_hz(1.0, 3.0, 3.5), f3 = brune_corner_hz(3.0, 3.0, 3.5);
  EXPECT_NEAR(f1 / f3, std::pow(10.0, 1.0), 1e-9);  // fc ~ M0^(-1/3) = 10^(-0.5 M)
  EXPECT_GT(f3, 2.0);
  EXPECT_LT(f3, 10.0);
}

TEST(SynthParts, FractionalDelayMovesASine) {
  std::vector<double> x(400);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(2 * M_PI * 0.05 * i);
  const auto y = fractional_delay(x, 0.3, 2.0);
  for (std::size_t m = 50; m < 350; ++m)
    EXPECT_NEAR(y[m + kShiftPad], 2.0 * std::sin(2 * M_PI * 0.05 * (m - 0.3)), 2e-3);
}

TEST(SynthParts, ResampleKeepsASine) {
  std::vector<double> x(2000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(2 * M_PI * 1.0 * i / 20.0);
  const auto y = resample(x, 20, 100);
  ASSERT_EQ(y.size(), (x.size() - 1) * 5 + 1);
  for (std::size_t j = 500; j + 500 < y.size(); ++j)
    EXPECT_NEAR(y[j], std::sin(2 * M_PI * 1.0 * j / 100.0), 5e-3);
}

TEST(SynthParts, RealFftMatchesTheDirectTransform) {
  for (std::size_t l : {4u, 8u, 64u, 256u}) {
    const RealFft fft(l);
    Rng rng(l);
    std::vector<double> x(l);
    for (double& v : x) v = rng.normal();
    std::vector<double> re(l / 2 + 1), im(l / 2 + 1);
    fft.forward(x.data(), re.data(), im.data());
    for (std::size_t k = 0; k <= l / 2; ++k) {
      double dr = 0, di = 0;
      for (std::size_t n = 0; n < l; ++n) {
        dr += x[n] * std::cos(2 * M_PI * k * n / l);
        di -= x[n] * std::sin(2 * M_PI * k * n / l);
      }
      EXPECT_NEAR(re[k], dr, 1e-9) << "L " << l << " bin " << k;
      EXPECT_NEAR(im[k], di, 1e-9) << "L " << l << " bin " << k;
    }
    std::vector<double> y(l);
    fft.inverse(re.data(), im.data(), y.data());
    for (std::size_t n = 0; n < l; ++n) EXPECT_NEAR(y[n] / l, x[n], 1e-12);
  }
  EXPECT_THROW(RealFft(12), std::invalid_argument);
}

namespace {

// 30 min at 100 Hz of red plus white noise, with a strong 8 Hz burst every
// 97 s: a repeating source (a pump, a quarry) that real records often hold.
std::vector<double> record_with_repeating_bursts(std::vector<std::size_t>* onsets = nullptr) {
  const double fs = 100;
  std::vector<double> x(180000);
  Rng rng(11);
  double red = 0;
  for (double& v : x) {
    red = 0.98 * red + rng.normal();
    v = red + 2.0 * rng.normal();
  }
  for (std::size_t t0 = 3000; t0 + 300 < x.size(); t0 += 9700) {
    if (onsets) onsets->push_back(t0);
    for (std::size_t i = 0; i < 300; ++i) {
      const double t = (static_cast<double>(i) - 100) / fs;
      x[t0 + i] += 80.0 * std::exp(-t * t / (2 * 0.05 * 0.05)) * std::sin(2 * M_PI * 8.0 * t);
    }
  }
  return x;
}

std::vector<double> run_noise(const std::shared_ptr<const RealNoiseRecord>& rec, double rms,
                              std::uint64_t seed, std::size_t n, std::size_t block) {
  RealNoise noise(rec, rms, seed);
  std::vector<double> y(n);
  for (std::size_t i = 0; i < n; i += block) noise.fill(y.data() + i, std::min(block, n - i));
  return y;
}

double rms_of(const std::vector<double>& x) {
  double e = 0;
  for (double v : x) e += v * v;
  return std::sqrt(e / static_cast<double>(x.size()));
}

/// Largest 1 s RMS over the median 1 s RMS: a transient stands out.
double burst_ratio(const std::vector<double>& x) {
  std::vector<double> r;
  for (std::size_t i = 0; i + 100 <= x.size(); i += 100) {
    double e = 0;
    for (std::size_t k = i; k < i + 100; ++k) e += x[k] * x[k];
    r.push_back(std::sqrt(e / 100));
  }
  std::vector<double> s = r;
  std::nth_element(s.begin(), s.begin() + s.size() / 2, s.end());
  return *std::max_element(r.begin(), r.end()) / s[s.size() / 2];
}

/// x high-passed at 4 Hz (4 poles): what a detector looks at, without the
/// red noise that makes broadband correlations of short windows scatter.
std::vector<double> above_4hz(std::vector<double> x) {
  const Biquad hp = Biquad::highpass(4.0, std::sqrt(0.5), 100.0);
  hp.run(x);
  hp.run(x);
  return x;
}

/// Power of x in [f_lo, f_hi) Hz over its total (periodogram, 100 Hz).
double band_fraction(const std::vector<double>& x, double f_lo, double f_hi) {
  std::size_t l = 4;
  while (2 * l <= x.size()) l *= 2;
  const RealFft fft(l);
  std::vector<double> re(l / 2 + 1), im(l / 2 + 1);
  fft.forward(x.data(), re.data(), im.data());
  double in = 0, all = 0;
  for (std::size_t k = 1; k <= l / 2; ++k) {
    const double p = re[k] * re[k] + im[k] * im[k], f = 100.0 * k / l;
    all += p;
    if (f >= f_lo && f < f_hi) in += p;
  }
  return in / all;
}

}  // namespace

TEST(SynthParts, RealNoiseKeepsTheSpectrumButNoWaveformOfTheRecord) {
  std::vector<std::size_t> onsets;
  const std::vector<double> x = record_with_repeating_bursts(&onsets);
  const auto rec = RealNoiseRecord::from_samples(x, 100.0, "XX.REC..HHZ");
  EXPECT_EQ(rec->segment_length(), 16384u);  // >= 120 s at 100 Hz
  EXPECT_EQ(rec->n_spectra(), (x.size() - 16384) / 8192 + 1);

  // Two channels, 2 h each: four times the record, so reading the record
  // would repeat it. Blocks of odd sizes must not matter.
  const std::size_t n = 720000;
  const auto a = run_noise(rec, 100.0, 1, n, 360000);
  const auto b = run_noise(rec, 100.0, 2, n, 360000);
  EXPECT_EQ(a, run_noise(rec, 100.0, 1, n, 7777)) << "same seed must give the same noise";
  EXPECT_NE(a, b);

  // Level: the RMS asked for.
  EXPECT_NEAR(rms_of(a), 100.0, 8.0);
  EXPECT_NEAR(rms_of(b), 100.0, 8.0);

  // Spectrum: the record's share of power below 1 Hz, in 5-12 Hz (the
  // bursts' band) and above 20 Hz, within 15 %.
  for (auto [lo, hi] : {std::pair{0.0, 1.0}, std::pair{5.0, 12.0}, std::pair{20.0, 50.0}}) {
    const double want = band_fraction(x, lo, hi);
    EXPECT_NEAR(band_fraction(a, lo, hi), want, 0.15 * want) << lo << "-" << hi << " Hz";
  }

  // Above 4 Hz, the bursts stand out of the record (the test means
  // something) but the generated noise has none: their energy is spread
  // evenly over whole segments.
  const auto xh = above_4hz(x), ah = above_4hz(a), bh = above_4hz(b);
  EXPECT_GT(burst_ratio(xh), 5.0);
  EXPECT_LT(burst_ratio(ah), 2.0);
  EXPECT_LT(burst_ratio(bh), 2.0);

  // Nothing coherent: two channels built from the one record do not
  // correlate at any lag, one channel does not repeat itself beyond a
  // segment (in particular not at the record length, as a tiled record
  // would), and no stretch of a channel is a stretch of the record.
  const double c_ab = qp::synth::test::max_abs_xcorr(ah, bh);
  const double c_aa = qp::synth::test::max_abs_xcorr(ah, ah, rec->segment_length());
  EXPECT_LT(c_ab, 0.02);
  EXPECT_LT(c_aa, 0.02);
  // 5 min of the channel against the record at every lag, normalised by
  // the energy of the record in each window.
  std::vector<double> c(xh.size() + 1, 0.0);
  for (std::size_t i = 0; i < xh.size(); ++i) c[i + 1] = c[i] + xh[i] * xh[i];
  auto best_match = [&](std::size_t from, const std::vector<double>& src) {
    const std::vector<double> piece(src.begin() + from, src.begin() + from + 30000);
    const auto r = qp::synth::test::xcorr(piece, xh);
    double best = 0;
    for (std::size_t k = 0; k + piece.size() <= xh.size(); ++k)
      best = std::max(best, std::fabs(r[piece.size() - 1 + k]) *
                                std::sqrt(c.back() / (c[k + piece.size()] - c[k])));
    return best;
  };
  const double worst = std::max(best_match(100000, ah), best_match(400000, bh));
  EXPECT_LT(worst, 0.06);
  EXPECT_NEAR(best_match(50000, xh), 1.0, 1e-9);  // a piece of the record is found
  std::cout << "real noise: burst ratio record " << burst_ratio(xh) << " noise " << burst_ratio(ah)
            << ", max |cc| a-b " << c_ab << ", a-a beyond a segment " << c_aa
            << ", piece-record " << worst << "\n";
}

TEST(SynthParts, RealNoiseFromAShortRecord) {
  // A record shorter than 120 s: one segment of the largest power of two.
  std::vector<double> x(3000);
  Rng rng(3);
  for (double& v : x) v = rng.normal();
  const auto rec = RealNoiseRecord::from_samples(x, 100.0, "short");
  EXPECT_EQ(rec->segment_length(), 2048u);
  EXPECT_EQ(rec->n_spectra(), 1u);
  const auto y = run_noise(rec, 10.0, 4, 200000, 50000);
  EXPECT_NEAR(rms_of(y), 10.0, 1.0);
  EXPECT_LT(qp::synth::test::max_abs_xcorr(y, y, 2048), 0.05);
}
