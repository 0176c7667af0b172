// Filter design and application: responses measured by filtering tones,
// zero phase measured by cross-correlation, alias rejection of the
// decimators, and the designs against scipy's own coefficients.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "preprocess/decimate.hpp"
#include "preprocess/filters.hpp"
#include "tests/preprocess/python_reference.hpp"
#include "tests/support/test_support.hpp"

namespace qp::pre {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<double> tone(double f, double fs, std::size_t n, double phase = 0.3) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = std::sin(2 * kPi * f * static_cast<double>(i) / fs + phase);
  return x;
}

double rms(const std::vector<double>& x, std::size_t lo, std::size_t hi) {
  double s = 0;
  for (std::size_t i = lo; i < hi; ++i) s += x[i] * x[i];
  return std::sqrt(s / static_cast<double>(hi - lo));
}

// Gain of the zero-phase band-pass measured on a filtered tone (middle part).
double measured_gain(const Sos& sos, double f, double fs, bool zerophase) {
  const std::size_t n = 40000;
  auto x = tone(f, fs, n);
  const double in = rms(x, n / 4, 3 * n / 4);
  if (zerophase) sosfiltfilt(sos, x);
  else sosfilt(sos, x);
  return rms(x, n / 4, 3 * n / 4) / in;
}

TEST(Filters, BandpassResponseZeroPhase) {
  const Sos sos = butter_bandpass(4, 2.0, 8.0, 100.0);
  ASSERT_EQ(sos.size(), 4u);
  for (double f : {3.0, 4.0, 5.0, 6.0}) EXPECT_NEAR(measured_gain(sos, f, 100, true), 1.0, 0.02) << f;
  // -3 dB per pass at the corners: -6 dB for filtfilt.
  EXPECT_NEAR(measured_gain(sos, 2.0, 100, true), 0.5, 0.01);
  EXPECT_NEAR(measured_gain(sos, 8.0, 100, true), 0.5, 0.01);
  // An octave outside the band: >= 40 dB down.
  EXPECT_LT(measured_gain(sos, 1.0, 100, true), 0.01);
  EXPECT_LT(measured_gain(sos, 16.0, 100, true), 0.01);
  EXPECT_LT(measured_gain(sos, 30.0, 100, true), 0.001);
  // The formula agrees with the measurement (single pass).
  EXPECT_NEAR(measured_gain(sos, 16.0, 100, false), sos_gain(sos, 16.0, 100), 1e-3);
  EXPECT_NEAR(sos_gain(sos, 2.0, 100), std::sqrt(0.5), 1e-9);
}

TEST(Filters, CausalBandpassAlsoPassesTheBand) {
  const Sos sos = butter_bandpass(4, 3.0, 12.0, 50.0);
  EXPECT_NEAR(measured_gain(sos, 6.0, 50, false), 1.0, 0.02);
  EXPECT_LT(measured_gain(sos, 0.5, 50, false), 0.01);
}

TEST(Filters, SosfiltZiGivesSteadyStateForConstantInput) {
  const Sos sos = butter_bandpass(3, 1.0, 10.0, 100.0);
  const Sos lp = zpk_to_sos(butter_zpk(5, BandType::lowpass, 0.2));
  for (const Sos* s : {&sos, &lp}) {
    const auto zi0 = sosfilt_zi(*s);
    std::vector<double> zi(zi0.size());
    for (std::size_t i = 0; i < zi.size(); ++i) zi[i] = 3.5 * zi0[i];
    std::vector<double> x(200, 3.5);
    sosfilt(*s, x.data(), x.size(), zi.data());
    const double dc = std::abs(sos_response(*s, 0.0)) * 3.5;
    for (double v : x) ASSERT_NEAR(v, dc, 1e-9);
  }
}

TEST(Filters, WavefrontCascadeIsBitIdenticalToThePlainCascade) {
  std::vector<double> x(5003);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37 * static_cast<double>(i)) * 1000 + static_cast<double>(i % 17);
  for (std::size_t ns : {1u, 2u, 3u, 4u, 5u, 6u, 8u, 9u}) {
    Sos sos = zpk_to_sos(butter_zpk(static_cast<int>(2 * ns), BandType::lowpass, 0.23));
    ASSERT_EQ(sos.size(), ns);
    for (std::size_t n : {std::size_t{3}, std::size_t{9}, x.size()}) {
      std::vector<double> a(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n)), b = a;
      std::vector<double> za(2 * ns, 0.5), zb = za;
      sosfilt(sos, a.data(), n, za.data());
      sosfilt_reference(sos, b.data(), n, zb.data());
      ASSERT_EQ(std::memcmp(a.data(), b.data(), n * sizeof(double)), 0) << ns << " sections, n=" << n;
      ASSERT_EQ(std::memcmp(za.data(), zb.data(), za.size() * sizeof(double)), 0);
    }
  }
}

// scipy's recipe written out with the plain cascade: odd padding, forward,
// reversed, backward, reversed back. sosfiltfilt's backward pass runs over
// the data from its end instead; the bits must not change.
TEST(Filters, ZeroPhaseIsBitIdenticalToTheReverseFilterReverseRecipe) {
  std::vector<double> x(4099);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(0.11 * static_cast<double>(i)) * 700 + static_cast<double>(i % 13);
  for (std::size_t ns : {2u, 4u, 5u}) {
    const Sos sos = zpk_to_sos(butter_zpk(static_cast<int>(2 * ns), BandType::lowpass, 0.31));
    const std::size_t edge = sosfiltfilt_padlen(sos);
    for (std::size_t n : {edge + 1, edge + 8, x.size()}) {
      std::vector<double> got(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
      std::vector<double> ext;
      for (std::size_t i = 0; i < edge; ++i) ext.push_back(2 * got[0] - got[edge - i]);
      ext.insert(ext.end(), got.begin(), got.end());
      for (std::size_t i = 0; i < edge; ++i) ext.push_back(2 * got[n - 1] - got[n - 2 - i]);
      const std::vector<double> zi0 = sosfilt_zi(sos);
      std::vector<double> zi(zi0.size());
      for (std::size_t i = 0; i < zi.size(); ++i) zi[i] = zi0[i] * ext.front();
      sosfilt_reference(sos, ext.data(), ext.size(), zi.data());
      std::reverse(ext.begin(), ext.end());
      for (std::size_t i = 0; i < zi.size(); ++i) zi[i] = zi0[i] * ext.front();
      sosfilt_reference(sos, ext.data(), ext.size(), zi.data());
      std::reverse(ext.begin(), ext.end());
      sosfiltfilt(sos, got);
      ASSERT_EQ(std::memcmp(got.data(), ext.data() + edge, n * sizeof(double)), 0) << ns << " sections, n=" << n;
    }
  }
}

TEST(Filters, ZeroPhaseKeepsAPulseInPlace) {
  const Sos sos = butter_bandpass(4, 2.0, 8.0, 100.0);
  const std::size_t n = 8000, at = 3000;
  std::vector<double> x(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {  // Ricker wavelet at 5 Hz
    const double t = (static_cast<double>(i) - at) / 100.0;
    const double a = kPi * kPi * 25 * t * t;
    x[i] = (1 - 2 * a) * std::exp(-a);
  }
  std::vector<double> y = x;
  sosfiltfilt(sos, y);
  EXPECT_EQ(qp::test::best_lag(x, y, 1000, 7000, 100), 0);
  std::vector<double> c = x;
  sosfilt(sos, c);
  EXPECT_GT(qp::test::best_lag(x, c, 1000, 7000, 100), 3);  // a causal filter delays it
}

TEST(Filters, SosfiltfiltRejectsTooShortInput) {
  const Sos sos = butter_bandpass(4, 2.0, 8.0, 100.0);
  EXPECT_EQ(sosfiltfilt_padlen(sos), 27u);
  std::vector<double> x(27, 1.0);
  EXPECT_THROW(sosfiltfilt(sos, x), std::invalid_argument);
  x.resize(28, 1.0);
  EXPECT_NO_THROW(sosfiltfilt(sos, x));
}

TEST(Decimation, AliasRejectionAtLeast40dB) {
  const double fs = 100;
  for (int q : {2, 4, 5}) {
    SCOPED_TRACE(q);
    const double new_nyq = fs / 2 / q;
    for (double f : {new_nyq * 1.25, new_nyq * 1.6, 0.9 * fs / 2}) {
      const auto x = tone(f, fs, 60000);
      const auto z = decimate_zero_phase(x, q, 0);
      const auto o = decimate_obspy(x, q, fs, 0);
      EXPECT_LT(rms(z, z.size() / 4, 3 * z.size() / 4), 0.01 * std::sqrt(0.5)) << f;
      EXPECT_LT(rms(o, o.size() / 4, 3 * o.size() / 4), 0.01 * std::sqrt(0.5)) << f;
    }
    // In band: passes.
    const auto x = tone(new_nyq * 0.4, fs, 60000);
    const auto z = decimate_zero_phase(x, q, 0);
    EXPECT_NEAR(rms(z, z.size() / 4, 3 * z.size() / 4), std::sqrt(0.5), 0.01);
  }
}

TEST(Decimation, RationalResamplingRejectsAliasesAndKeepsTheBand) {
  const double fs = 100;
  const auto r = rational_ratio(100, 40);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->up, 2);
  EXPECT_EQ(r->down, 5);
  std::int64_t m0 = 0;
  const auto alias = resample_rational(tone(30, fs, 50000), r->up, r->down, 0, &m0);
  EXPECT_EQ(alias.size(), 20000u);
  EXPECT_LT(rms(alias, 5000, 15000), 0.01 * std::sqrt(0.5));
  // A 5 Hz tone comes out as the same tone on the 40 Hz grid.
  const auto y = resample_rational(tone(5, fs, 50000, 0.0), r->up, r->down, 0, &m0);
  for (std::size_t m = 5000; m < 15000; m += 777)
    EXPECT_NEAR(y[m], std::sin(2 * kPi * 5 * static_cast<double>(m) / 40.0), 2e-3) << m;
  // The absolute grid: starting at input index 3 gives output m0 = ceil(3*2/5) = 2.
  resample_rational(std::vector<double>(100, 0.0), 2, 5, 3, &m0);
  EXPECT_EQ(m0, 2);
  EXPECT_FALSE(rational_ratio(100, 100.0 / 3.0001).has_value());
}

TEST(Decimation, GridKeepsAbsoluteMultiples) {
  EXPECT_EQ(first_kept(0, 4), 0u);
  EXPECT_EQ(first_kept(1, 4), 3u);
  EXPECT_EQ(first_kept(-1, 4), 1u);
  EXPECT_EQ(first_kept(8, 4), 0u);
  // 2011-03-31T00:00:00.18 at 100 Hz.
  EXPECT_EQ(grid_index(1301529600180000000LL, 100.0), 130152960018LL);
  EXPECT_EQ(grid_index(-10'000'000, 100.0), -1);
}

TEST(Design, Cheb2ordAndObspyCheby2ForDecimationBy4) {
  // ObsPy: freq = 12.5 Hz at 100 Hz: ws = 0.25, pass band shrunk until order <= 12.
  double wp_hz = 0;
  const Sos sos = obspy_lowpass_cheby2(12.5, 100.0, 12, &wp_hz);
  EXPECT_EQ(sos.size(), 6u);  // order 12 at most -> 6 sections
  EXPECT_LT(wp_hz, 12.5);
  EXPECT_GT(wp_hz, 8.0);
  EXPECT_LT(sos_gain(sos, 12.5, 100), std::pow(10.0, -95.0 / 20));
  EXPECT_LT(sos_gain(sos, 20.0, 100), std::pow(10.0, -95.0 / 20));
  EXPECT_NEAR(sos_gain(sos, 2.0, 100), 1.0, 0.13);  // rp = 1 dB ripple
}

// Coefficients and responses against scipy.signal itself.
TEST(Design, MatchesScipyCoefficients) {
  QP_REQUIRE_SCIPY();
  const auto dir = qp::test::temp_dir();
  const std::string script = R"PY(
import numpy as np
from scipy import signal
def obspy_cheby2(freq, df, maxorder=12):
    nyquist = df * 0.5
    rp, rs, order = 1, 96, 1e99
    ws = freq / nyquist
    wp = ws
    while True:
        if order <= maxorder:
            break
        wp = wp * 0.99
        order, wn = signal.cheb2ord(wp, ws, rp, rs, analog=0)
    z, p, k = signal.cheby2(order, rs, wn, btype='low', analog=0, output='zpk')
    return signal.zpk2sos(z, p, k)
sets = [signal.butter(4, [2, 8], btype='band', fs=100, output='sos'),
        signal.butter(3, [1, 10], btype='band', fs=50, output='sos'),
        signal.butter(6, 0.3, btype='low', output='sos'),
        signal.butter(5, 0.1, btype='high', output='sos'),
        signal.cheby1(8, 0.05, 0.8 / 4, output='sos'),
        signal.cheby1(8, 0.05, 0.8 / 5, output='sos'),
        obspy_cheby2(12.5, 100.0),
        obspy_cheby2(10.0, 100.0),
        obspy_cheby2(250.0 / 25, 500.0)]
out = []
for s in sets:
    out.append(len(s))
    out.extend((s / s[:, 3:4]).ravel())
np.array(out, dtype=np.float64).tofile('sos.f64')
)PY";
  ASSERT_TRUE(qp::test::run_python(dir, script)) << qp::test::read_file(dir / "ref.log");
  const auto ref = qp::test::read_doubles(dir / "sos.f64");
  const std::vector<Sos> ours = {
      butter_bandpass(4, 2, 8, 100),
      butter_bandpass(3, 1, 10, 50),
      zpk_to_sos(butter_zpk(6, BandType::lowpass, 0.3)),
      zpk_to_sos(butter_zpk(5, BandType::highpass, 0.1)),
      decimation_filter_scipy(4),
      decimation_filter_scipy(5),
      decimation_filter_obspy(4, 100.0),
      obspy_lowpass_cheby2(10.0, 100.0),
      decimation_filter_obspy(25, 500.0)};
  std::size_t pos = 0;
  for (std::size_t k = 0; k < ours.size(); ++k) {
    SCOPED_TRACE("filter set " + std::to_string(k));
    ASSERT_LT(pos, ref.size());
    const std::size_t n = static_cast<std::size_t>(ref[pos++]);
    ASSERT_EQ(ours[k].size(), n);
    for (std::size_t s = 0; s < n; ++s, pos += 6) {
      const Biquad& b = ours[k][s];
      const double mine[6] = {b.b0, b.b1, b.b2, 1.0, b.a1, b.a2};
      for (int c = 0; c < 6; ++c) {
        const double scale = std::max(1.0, std::fabs(ref[pos + static_cast<std::size_t>(c)]));
        EXPECT_NEAR(mine[c], ref[pos + static_cast<std::size_t>(c)], 1e-9 * scale) << "section " << s << " coef " << c;
      }
    }
  }
  EXPECT_EQ(pos, ref.size());
}

}  // namespace
}  // namespace qp::pre
