// The batched Fingerprinter: absolute time grid, chunk independence, gaps,
// thread-count determinism, MAD sample windows.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "fingerprint/binarize.hpp"
#include "fingerprint/fingerprinter.hpp"
#include "fingerprint/mad.hpp"

using namespace qp;
using namespace qp::fp;

namespace {

FingerprintParams usual(FrameMode mode = FrameMode::kQuakeprint) {
  FingerprintParams p;
  p.sampling_rate = 20;
  p.min_freq = 2;
  p.max_freq = 10;
  p.spec_length = 6;
  p.spec_lag = 0.2;
  p.fp_length = 64;
  p.fp_lag = 10;
  p.nfreq = 32;
  p.k_coef = 200;
  p.mad_sampling_rate = 0.1;
  p.mad_sample_interval = 3600;
  p.mode = mode;
  p.validate();
  return p;
}

std::vector<float> noise(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g;
  std::vector<float> x(n);
  double a = 0;
  for (auto& v : x) v = static_cast<float>(a = 0.8 * a + g(rng));
  return x;
}

constexpr TimeNs kAll0 = std::numeric_limits<TimeNs>::min();
constexpr TimeNs kAll1 = std::numeric_limits<TimeNs>::max();
const TimeNs kDay = civil_to_ns(2021, 3, 4);

}  // namespace

TEST(Fingerprinter, QuakeprintImagesSitOnTheAbsoluteGrid) {
  const auto p = usual();
  Fingerprinter f(p);
  const auto x = noise(20 * 600, 1);
  const TimeNs start = kDay + 1'350'000'000;  // 1.35 s: not on the 2 s grid
  const CoefficientBlock b = f.coefficients(x.data(), nullptr, x.size(), start, kAll0, kAll1);
  ASSERT_GT(b.size(), 250u);
  for (std::size_t i = 0; i < b.size(); ++i) {
    const TimeNs image_start = b.times[i] - p.centre_offset_ns();
    EXPECT_EQ(image_start % p.dt_fp_ns(), 0);
    EXPECT_GE(image_start, start);
    EXPECT_LE(image_start + p.window_span_ns(), start + static_cast<TimeNs>(x.size()) * p.sample_ns());
    if (i) {
      EXPECT_EQ(b.times[i] - b.times[i - 1], p.dt_fp_ns());
    }
  }
  EXPECT_EQ(b.times[0] - p.centre_offset_ns(), kDay + 2 * kNsPerSecond);
}

TEST(Fingerprinter, ChunksAndBufferOffsetsGiveTheSameFingerprints) {
  const auto p = usual();
  Fingerprinter f(p);
  const auto x = noise(20 * 900, 2);
  const CoefficientBlock whole = f.coefficients(x.data(), nullptr, x.size(), kDay, kAll0, kAll1);
  // Two chunks by image start time.
  const TimeNs cut = kDay + 300 * kNsPerSecond;
  CoefficientBlock parts = f.coefficients(x.data(), nullptr, x.size(), kDay, kAll0, cut);
  parts.append(f.coefficients(x.data(), nullptr, x.size(), kDay, cut, kAll1));
  EXPECT_EQ(parts.times, whole.times);
  EXPECT_EQ(parts.values, whole.values);
  // A buffer that starts 137 samples later holds the same later images.
  const std::size_t off = 137;
  const TimeNs start2 = kDay + static_cast<TimeNs>(off) * p.sample_ns();
  const CoefficientBlock later = f.coefficients(x.data() + off, nullptr, x.size() - off, start2, kAll0, kAll1);
  ASSERT_GT(later.size(), 0u);
  std::size_t j = 0;
  while (j < whole.size() && whole.times[j] != later.times[0]) ++j;
  ASSERT_LT(j, whole.size());
  ASSERT_EQ(whole.size() - j, later.size());
  EXPECT_EQ(0, std::memcmp(later.values.data(), whole.values.data() + j * whole.M,
                           later.values.size() * sizeof(double)));
}

TEST(Fingerprinter, NoFingerprintSpansMaskedSamples) {
  for (FrameMode mode : {FrameMode::kQuakeprint, FrameMode::kFast}) {
    const auto p = usual(mode);
    Fingerprinter f(p);
    const std::size_t n = 20 * 600;
    const auto x = noise(n, 3);
    std::vector<std::uint8_t> mask(n, 1);
    const std::size_t g0 = 20 * 200, g1 = 20 * 230;  // 30 s gap
    for (std::size_t i = g0; i < g1; ++i) mask[i] = 0;
    const CoefficientBlock b = f.coefficients(x.data(), mask.data(), n, kDay, kAll0, kAll1);
    const CoefficientBlock full = f.coefficients(x.data(), nullptr, n, kDay, kAll0, kAll1);
    ASSERT_GT(b.size(), 200u);
    EXPECT_LT(b.size(), full.size());
    std::size_t before = 0, after = 0;
    for (TimeNs t : b.times) {
      const TimeNs s = t - p.centre_offset_ns();
      const TimeNs e = s + p.window_span_ns();
      const TimeNs gs = kDay + static_cast<TimeNs>(g0) * p.sample_ns();
      const TimeNs ge = kDay + static_cast<TimeNs>(g1) * p.sample_ns();
      EXPECT_TRUE(e <= gs || s >= ge) << to_string(mode) << " image at " << format_iso8601(s);
      (e <= gs ? before : after)++;
    }
    EXPECT_GT(before, 0u);
    EXPECT_GT(after, 0u);
    // Images before the gap are unchanged by it.
    for (std::size_t i = 0; i < before; ++i) {
      ASSERT_EQ(b.times[i], full.times[i]);
      EXPECT_EQ(0, std::memcmp(b.row(i), full.row(i), b.M * sizeof(double)));
    }
    if (mode == FrameMode::kFast) {
      // Fast mode restarts frames at the first valid sample after the gap.
      const TimeNs first_after = b.times[before] - p.centre_offset_ns();
      EXPECT_EQ(first_after, kDay + static_cast<TimeNs>(g1) * p.sample_ns());
    }
  }
}

TEST(Fingerprinter, FastModeStampsLikeFast) {
  const auto p = usual(FrameMode::kFast);
  Fingerprinter f(p);
  const auto x = noise(20 * 120, 4);
  const TimeNs start = kDay + 140'000'000;
  const CoefficientBlock b = f.coefficients(x.data(), nullptr, x.size(), start, kAll0, kAll1);
  // ncol = (2400-120)/4 + 1 = 571; images: (571-64)/10 + 1 = 51.
  ASSERT_EQ(b.size(), 51u);
  // First stamp: start + (nperseg/2 + 32*hop)/fs = start + 3 + 6.4 s.
  EXPECT_EQ(b.times[0], start + 9'400'000'000LL);
  EXPECT_EQ(b.times[1] - b.times[0], 2 * kNsPerSecond);
  // Segments no longer than min_fp_length (fp_length*spec_lag + spec_length) give nothing.
  const std::size_t short_n = static_cast<std::size_t>(p.min_fp_length() * 20) + 1;  // (n-1)/fs == min
  EXPECT_EQ(f.coefficients(x.data(), nullptr, short_n, start, kAll0, kAll1).size(), 0u);
  EXPECT_EQ(f.coefficients(x.data(), nullptr, short_n + 1, start, kAll0, kAll1).size(), 1u);
}

TEST(Fingerprinter, ByteIdenticalForAnyThreadCount) {
  for (FrameMode mode : {FrameMode::kQuakeprint, FrameMode::kFast}) {
    auto p = usual(mode);
    p.fp_length = 100;  // exercises the horizontal (time) resize path too
    p.validate();
    Fingerprinter f(p);
    const auto x = noise(20 * 1200, 5);
    omp_set_num_threads(1);
    const CoefficientBlock b1 = f.coefficients(x.data(), nullptr, x.size(), kDay, kAll0, kAll1);
    const MadStats s1 = compute_mad_stats(b1);
    const FingerprintBlock f1 = binarize(b1, s1, p.k_coef);
    omp_set_num_threads(2);
    const CoefficientBlock b2 = f.coefficients(x.data(), nullptr, x.size(), kDay, kAll0, kAll1);
    const MadStats s2 = compute_mad_stats(b2);
    const FingerprintBlock f2 = binarize(b2, s2, p.k_coef);
    ASSERT_GT(b1.size(), 400u);
    EXPECT_EQ(b1.times, b2.times);
    EXPECT_EQ(0, std::memcmp(b1.values.data(), b2.values.data(), b1.values.size() * sizeof(double)));
    EXPECT_EQ(s1.median, s2.median);
    EXPECT_EQ(s1.mad, s2.mad);
    EXPECT_EQ(f1.bits, f2.bits);
    for (std::size_t i = 0; i < f1.size(); ++i) EXPECT_EQ(popcount(f1.row(i), f1.words), 200u);
  }
}

TEST(Fingerprinter, FusedFingerprintsAreTheTwoStepBits) {
  // fingerprints() binarises each image as soon as it is computed: the same
  // bits and times as binarize(coefficients()), in both modes and tie
  // orders, with the time-axis resize, a gap, a statistic with MAD 0, and
  // 1 or 2 threads.
  for (FrameMode mode : {FrameMode::kQuakeprint, FrameMode::kFast})
    for (int fp_length : {64, 100}) {
      auto p = usual(mode);
      p.fp_length = fp_length;
      p.validate();
      Fingerprinter f(p);
      const std::size_t n = 20 * 1500;
      const auto x = noise(n, 9);
      std::vector<std::uint8_t> mask(n, 1);
      for (std::size_t i = 20 * 700; i < 20 * 745; ++i) mask[i] = 0;
      const CoefficientBlock all = f.coefficients(x.data(), mask.data(), n, kDay, kAll0, kAll1);
      MadStats stats = compute_mad_stats(all);
      stats.mad[7] = 0.0;
      const TieOrder ties = mode == FrameMode::kFast ? TieOrder::kNumpy : TieOrder::kHighestIndex;
      const Binarizer bin(stats, p.k_coef, ties);
      const TimeNs t0 = kDay + 100 * kNsPerSecond, t1 = kDay + 1200 * kNsPerSecond;
      const FingerprintBlock want = binarize(f.coefficients(x.data(), mask.data(), n, kDay, t0, t1), stats, p.k_coef, ties);
      ASSERT_GT(want.size(), 300u);
      for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        const FingerprintBlock got = f.fingerprints(x.data(), mask.data(), n, kDay, t0, t1, bin);
        EXPECT_EQ(got.words, want.words);
        EXPECT_EQ(got.times, want.times) << to_string(mode) << " fp_length " << fp_length;
        EXPECT_EQ(got.bits, want.bits) << to_string(mode) << " fp_length " << fp_length << ", " << threads << " threads";
      }
      // An empty span gives an empty block.
      EXPECT_EQ(f.fingerprints(x.data(), mask.data(), n, kDay, kDay - kNsPerDay, kDay - kNsPerDay / 2, bin).size(), 0u);
    }
  omp_set_num_threads(1);
}

TEST(Fingerprinter, BlocksOfALongBufferGiveTheWholeSpansImages) {
  // plan() reads only the runs near a block's span (from their true start):
  // 5-minute blocks of a 2-hour buffer with gaps short and long, at and
  // across block edges, give the images and coefficients of one call over
  // everything, in both modes (fast mode frames count from each run's start).
  for (FrameMode mode : {FrameMode::kQuakeprint, FrameMode::kFast}) {
    const auto p = usual(mode);
    Fingerprinter f(p);
    const std::size_t n = 20 * 7200;
    const auto x = noise(n, 21);
    std::vector<std::uint8_t> mask(n, 1);
    const std::size_t gaps[][2] = {{20 * 290, 20 * 310}, {20 * 1000, 20 * 1001}, {20 * 2000, 20 * 3000},
                                   {20 * 3299, 20 * 3302}, {20 * 5000, 20 * 5013}, {n - 20 * 40, n - 20 * 39}};
    for (const auto& g : gaps)
      for (std::size_t i = g[0]; i < g[1]; ++i) mask[i] = 0;
    const TimeNs start = kDay + 37'000'000;  // not on the grid
    for (const std::uint8_t* m : std::vector<const std::uint8_t*>{nullptr, mask.data()}) {
      const CoefficientBlock whole = f.coefficients(x.data(), m, n, start, kAll0, kAll1);
      CoefficientBlock parts;
      parts.M = whole.M;
      for (TimeNs b = kDay - 300 * kNsPerSecond; b < kDay + 7500 * kNsPerSecond; b += 300 * kNsPerSecond)
        parts.append(f.coefficients(x.data(), m, n, start, b, b + 300 * kNsPerSecond));
      ASSERT_GT(whole.size(), 2500u);
      EXPECT_EQ(parts.times, whole.times) << to_string(mode) << (m ? " with gaps" : "");
      EXPECT_TRUE(parts.values == whole.values) << to_string(mode) << (m ? " with gaps" : "");
    }
  }
}

TEST(MadWindows, RateOneIsEverythingAndSamplingIsAbsolute) {
  auto p = usual();
  p.mad_sampling_rate = 1;
  auto w = mad_sample_windows(kDay, kDay + kNsPerDay, p, 9);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], std::make_pair(kDay, kDay + kNsPerDay));

  p = usual();  // rate 0.1, interval 3600 s
  const auto day = mad_sample_windows(kDay, kDay + kNsPerDay, p, 9);
  ASSERT_EQ(day.size(), 24u);
  for (std::size_t i = 0; i < day.size(); ++i) {
    const TimeNs hour0 = kDay + static_cast<TimeNs>(i) * 3600 * kNsPerSecond;
    EXPECT_GE(day[i].first, hour0);
    EXPECT_LE(day[i].second, hour0 + 3600 * kNsPerSecond);
    EXPECT_EQ(day[i].second - day[i].first, 360 * kNsPerSecond);
    EXPECT_EQ((day[i].first - kDay) % p.dt_fp_ns(), 0);
  }
  // Split the day in two (two ranks): the same windows.
  auto a = mad_sample_windows(kDay, kDay + kNsPerDay / 2, p, 9);
  const auto b = mad_sample_windows(kDay + kNsPerDay / 2, kDay + kNsPerDay, p, 9);
  a.insert(a.end(), b.begin(), b.end());
  EXPECT_EQ(a, day);
  // Another seed moves them.
  EXPECT_NE(mad_sample_windows(kDay, kDay + kNsPerDay, p, 10), day);
}
