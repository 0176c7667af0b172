// Agreement with scipy (and ObsPy's decimation recipe rebuilt on scipy) on a
// real 100 Hz recording: the building blocks to ~1e-9, and preprocess() in
// both modes with correlation >= 0.999 and zero lag.
#include <gtest/gtest.h>

#include <cmath>

#include "preprocess/decimate.hpp"
#include "preprocess/filters.hpp"
#include "preprocess/preprocess.hpp"
#include "tests/preprocess/python_reference.hpp"
#include "tests/support/test_support.hpp"

namespace qp::pre {
namespace {

const char* kReference = R"PY(
import numpy as np
from scipy import signal
x = np.fromfile('raw.f64')
taper_n = int(open('taper.txt').read())

def obspy_cheby2_sos(freq, df, maxorder=12):
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

sos = signal.butter(4, [2.0, 8.0], btype='band', fs=100.0, output='sos')
# Building blocks on the raw samples.
signal.sosfiltfilt(sos, x).tofile('sosfiltfilt.f64')
signal.decimate(x, 4).tofile('decimate.f64')
# Default mode: demean, linear detrend, Hann taper, zero-phase band-pass, decimate(x, 4).
y = signal.detrend(x - x.mean(), type='linear')
i = np.arange(taper_n)
w = 0.5 * (1 - np.cos(np.pi * i / taper_n))
y[:taper_n] *= w
y[len(y) - 1 - i] *= w
y = signal.sosfiltfilt(sos, y)
signal.decimate(y, 4).tofile('default.f64')
# FAST mode: demean, linear detrend, causal band-pass, ObsPy decimate (cheby2 + every 4th).
y = signal.detrend(x - x.mean(), type='linear')
y = signal.sosfilt(sos, y)
y = signal.sosfilt(obspy_cheby2_sos(100.0 * 0.5 / 4, 100.0), y)
y[::4].tofile('fast.f64')
)PY";

// The reference is computed once for the suite (python and scipy take
// seconds to start).
class ScipyAgreement : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (qp::test::shared_dir().empty() || !qp::test::scipy_available()) return;
    const auto t = read_waveform_file((qp::test::shared_dir() / "data/kw1-noise-2011/BW.KW1..EHZ.D.2011.090.mseed").string());
    if (t.size() != 1) return;
    // 10 minutes starting 1 h in, on a sample whose absolute index is a
    // multiple of 4 so that scipy's y[::4] and our absolute grid coincide.
    std::size_t off = 360000;
    while (grid_index(t[0].sample_time(off), 100.0) % 4 != 0) ++off;
    raw_.seed_id = t[0].seed_id;
    raw_.sampling_rate = 100.0;
    raw_.start = t[0].sample_time(off);
    raw_.samples.assign(t[0].samples.begin() + static_cast<std::ptrdiff_t>(off),
                        t[0].samples.begin() + static_cast<std::ptrdiff_t>(off + 60000));
    raw_.mask.assign(raw_.samples.size(), 1);
    x_.assign(raw_.samples.begin(), raw_.samples.end());
    dir_ = qp::test::binary_dir() / "test-tmp" / "ScipyAgreement";
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    qp::test::write_doubles(dir_ / "raw.f64", x_);
    std::ofstream(dir_ / "taper.txt") << 500;  // 5 s at 100 Hz, as taper_seconds = 5
    ok_ = qp::test::run_python(dir_, kReference);
  }

  void SetUp() override {
    QP_REQUIRE_SHARED();
    QP_REQUIRE_SCIPY();
    ASSERT_TRUE(ok_) << qp::test::read_file(dir_ / "ref.log");
  }

  static double max_rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
    double m = 0, scale = 0;
    for (double v : b) scale = std::max(scale, std::fabs(v));
    for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
    return m / scale;
  }

  static inline Continuous raw_;
  static inline std::vector<double> x_;
  static inline std::filesystem::path dir_;
  static inline bool ok_ = false;
};

TEST_F(ScipyAgreement, BuildingBlocksMatchToRounding) {
  std::vector<double> y = x_;
  sosfiltfilt(butter_bandpass(4, 2.0, 8.0, 100.0), y);
  const auto ref = qp::test::read_doubles(dir_ / "sosfiltfilt.f64");
  ASSERT_EQ(ref.size(), y.size());
  EXPECT_LT(max_rel_diff(y, ref), 1e-9);
  const auto dec = decimate_zero_phase(x_, 4, grid_index(raw_.start, 100.0));
  const auto dref = qp::test::read_doubles(dir_ / "decimate.f64");
  ASSERT_EQ(dref.size(), dec.size());
  EXPECT_LT(max_rel_diff(dec, dref), 1e-9);
}

TEST_F(ScipyAgreement, DefaultModeMatchesScipyWithZeroLag) {
  PreprocessParams p;
  p.target_rate = 25;
  const Continuous out = preprocess(raw_, p, 1);
  const auto ref = qp::test::read_doubles(dir_ / "default.f64");
  ASSERT_EQ(out.start, raw_.start);
  ASSERT_EQ(out.samples.size(), ref.size());
  std::vector<double> y(out.samples.begin(), out.samples.end());
  // Away from the edges (the masked part).
  std::size_t lo = 0, hi = out.mask.size();
  while (lo < hi && !out.mask[lo]) ++lo;
  while (hi > lo && !out.mask[hi - 1]) --hi;
  ASSERT_GT(hi - lo, 14000u);
  EXPECT_GE(qp::test::correlation(y, ref, lo, hi), 0.999);
  EXPECT_LT(max_rel_diff(std::vector<double>(y.begin() + static_cast<std::ptrdiff_t>(lo), y.begin() + static_cast<std::ptrdiff_t>(hi)),
                         std::vector<double>(ref.begin() + static_cast<std::ptrdiff_t>(lo), ref.begin() + static_cast<std::ptrdiff_t>(hi))),
            1e-5);  // float32 output
  EXPECT_EQ(qp::test::best_lag(ref, y, lo + 100, hi - 100, 50), 0);
}

TEST_F(ScipyAgreement, FastModeMatchesTheObspyRecipe) {
  PreprocessParams p;
  p.mode = "fast";
  p.target_rate = 25;
  const Continuous out = preprocess(raw_, p, 1);
  const auto ref = qp::test::read_doubles(dir_ / "fast.f64");
  ASSERT_EQ(out.samples.size(), ref.size());
  std::vector<double> y(out.samples.begin(), out.samples.end());
  // FAST keeps every output sample, the filters' settling stretch included:
  // so does fast mode (nothing masked, first output at the first input).
  EXPECT_EQ(out.start, raw_.start);
  std::size_t lo = 0, hi = out.mask.size();
  while (lo < hi && !out.mask[lo]) ++lo;
  while (hi > lo && !out.mask[hi - 1]) --hi;
  EXPECT_EQ(lo, 0u);
  EXPECT_EQ(hi, out.mask.size());
  ASSERT_GT(hi - lo, 14000u);
  EXPECT_GE(qp::test::correlation(y, ref, lo, hi), 0.999);
  EXPECT_LT(max_rel_diff(y, ref), 1e-5);  // the whole output: same causal start as scipy
  EXPECT_EQ(qp::test::best_lag(ref, y, lo + 100, hi - 100, 50), 0);
}

}  // namespace
}  // namespace qp::pre
