// Building blocks: travel times, noise spectrum, wavelets, resampling.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "synth/geometry.hpp"
#include "synth/noise.hpp"
#include "pipeline/velocity_model.hpp"
#include "synth/wavelet.hpp"

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
