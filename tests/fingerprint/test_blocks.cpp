// Building blocks against hand-computed answers: Haar pyramid, Pillow
// resize weights, spectrogram vs a direct DFT, top-k sign bits, file formats,
// parameter validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <random>
#include <vector>

#include "fingerprint/binarize.hpp"
#include "fingerprint/fp_io.hpp"
#include "fingerprint/haar.hpp"
#include "fingerprint/mad.hpp"
#include "fingerprint/params.hpp"
#include "fingerprint/parity.hpp"
#include "fingerprint/radix_select.hpp"
#include "fingerprint/resize.hpp"
#include "fingerprint/spectrogram.hpp"
#include "pipeline/error.hpp"
#include "tests/support/test_support.hpp"

using namespace qp;
using namespace qp::fp;

namespace {

void expect_near_all(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "index " << i;
}

std::vector<double> pyramid(std::vector<double> img, int rows, int cols) {
  std::vector<double> scratch(img.size());
  haar2d_pyramid(img.data(), rows, cols, scratch.data());
  return img;
}

}  // namespace

TEST(Haar, Ramp4x4) {
  std::vector<double> img(16);
  for (int i = 0; i < 16; ++i) img[i] = i + 1;
  // 2x2 blocks [[a,b],[c,d]]: cA=(a+b+c+d)/2, cV=((a+c)-(b+d))/2,
  // cH=((a+b)-(c+d))/2, cD=(a-b-c+d)/2; pyramid [[cA,cV],[cH,cD]].
  expect_near_all(pyramid(img, 4, 4),
                  {34, -4, -1, -1,  //
                   -16, 0, -1, -1,  //
                   -4, -4, 0, 0,    //
                   -4, -4, 0, 0},
                  1e-12);
}

TEST(Haar, Impulse4x4DistinguishesAllSubbands) {
  std::vector<double> img(16, 0.0);
  img[1 * 4 + 2] = 4;
  expect_near_all(pyramid(img, 4, 4),
                  {1, -1, 0, 2,   //
                   1, -1, 0, 0,   //
                   0, -2, 0, -2,  //
                   0, 0, 0, 0},
                  1e-12);
}

TEST(Haar, Ramp8x8ThreeLevels) {
  std::vector<double> img(64);
  for (int i = 0; i < 64; ++i) img[i] = i;
  std::vector<double> want = {252, -16, -4, -4, -1, -1, -1, -1,  //
                              -128, 0, -4, -4, -1, -1, -1, -1,   //
                              -32, -32, 0, 0, -1, -1, -1, -1,    //
                              -32, -32, 0, 0, -1, -1, -1, -1};
  for (int r = 4; r < 8; ++r)
    for (int c = 0; c < 8; ++c) want.push_back(c < 4 ? -8 : 0);
  expect_near_all(pyramid(img, 8, 8), want, 1e-12);
  EXPECT_EQ(haar_max_level(8, 8), 3);
  EXPECT_EQ(haar_max_level(32, 64), 5);
}

TEST(Haar, NonSquareUsesLevelOfShorterSide) {
  // 2 x 4: one level; row 0 = [cA | cV], row 1 = [cH | cD].
  const std::vector<double> img = {1, 2, 3, 4, 5, 6, 7, 8};
  expect_near_all(pyramid(img, 2, 4), {7, 11, -1, -1, -4, -4, 0, 0}, 1e-12);
}

TEST(Haar, PyramidToIsBitIdenticalToInPlace) {
  // The copy-free transform (the fingerprinter's) against the in-place one,
  // on shapes with 0 to 5 levels, square and not; src must stay intact.
  std::mt19937 rng(11);
  std::normal_distribution<double> g;
  for (const auto& [rows, cols] : std::vector<std::pair<int, int>>{{1, 8}, {2, 4}, {4, 4}, {8, 8}, {32, 64}, {64, 32}, {16, 128}}) {
    std::vector<double> src(static_cast<std::size_t>(rows) * cols);
    for (auto& v : src) v = g(rng) * 1e3;
    const std::vector<double> want = pyramid(src, rows, cols);
    const std::vector<double> kept = src;
    std::vector<double> dst(src.size(), std::nan("")), scratch(src.size() / 4 + 1);
    haar2d_pyramid_to(src.data(), rows, cols, dst.data(), scratch.data());
    EXPECT_EQ(0, std::memcmp(dst.data(), want.data(), dst.size() * sizeof(double))) << rows << " x " << cols;
    EXPECT_EQ(src, kept);
  }
}

TEST(Haar, OrthonormalKeepsEnergyAndL2NormalizeWorks) {
  std::mt19937 rng(3);
  std::normal_distribution<double> g;
  std::vector<double> img(32 * 64);
  double e0 = 0;
  for (auto& v : img) {
    v = g(rng);
    e0 += v * v;
  }
  auto out = pyramid(img, 32, 64);
  double e1 = 0;
  for (double v : out) e1 += v * v;
  EXPECT_NEAR(e1, e0, 1e-9 * e0);
  l2_normalize(out.data(), out.size());
  double n2 = 0;
  for (double v : out) n2 += v * v;
  EXPECT_NEAR(n2, 1.0, 1e-12);
  std::vector<double> zero(8, 0.0);
  l2_normalize(zero.data(), zero.size());
  for (double v : zero) EXPECT_EQ(v, 0.0);
}

TEST(Resize, ShrinkWeightsMatchPillowByHand) {
  // 5 -> 2: scale 2.5, support 2.5, triangle weights 0.7 0.9 0.5 0.1 / 2.2.
  const ResampleAxis a = pillow_bilinear_axis(5, 2);
  EXPECT_EQ(a.ksize, 7);
  ASSERT_EQ(a.first[0], 0);
  ASSERT_EQ(a.count[0], 4);
  ASSERT_EQ(a.first[1], 1);
  ASSERT_EQ(a.count[1], 4);
  const double w0[] = {7 / 22.0, 9 / 22.0, 5 / 22.0, 1 / 22.0};
  const double w1[] = {1 / 22.0, 5 / 22.0, 9 / 22.0, 7 / 22.0};
  for (int j = 0; j < 4; ++j) {
    EXPECT_NEAR(a.weights[j], w0[j], 1e-15);
    EXPECT_NEAR(a.weights[a.ksize + j], w1[j], 1e-15);
  }
}

TEST(Resize, EnlargeWeightsMatchPillowByHand) {
  const ResampleAxis a = pillow_bilinear_axis(2, 4);
  EXPECT_EQ(a.ksize, 3);
  const std::vector<float> in = {10.f, 20.f};
  EXPECT_FLOAT_EQ(resample_one(a, 0, in.data(), 1), 10.f);
  EXPECT_FLOAT_EQ(resample_one(a, 1, in.data(), 1), 12.5f);  // 0.75*10 + 0.25*20
  EXPECT_FLOAT_EQ(resample_one(a, 2, in.data(), 1), 17.5f);
  EXPECT_FLOAT_EQ(resample_one(a, 3, in.data(), 1), 20.f);
}

TEST(Resize, TwoDimensionalAndIdentityAxes) {
  // 2 rows x 5 cols -> 1 row x 2 cols: horizontal weights above, then the
  // vertical 2 -> 1 pass averages the two rows.
  const std::vector<float> img = {1, 2, 3, 4, 5, 10, 20, 30, 40, 50};
  const auto out = pillow_resize_bilinear(img.data(), 5, 2, 2, 1);
  ASSERT_EQ(out.size(), 2u);
  const double r0 = (7 * 1 + 9 * 2 + 5 * 3 + 1 * 4) / 22.0, r1 = 10 * r0;
  const double s0 = (1 * 2 + 5 * 3 + 9 * 4 + 7 * 5) / 22.0, s1 = 10 * s0;
  EXPECT_NEAR(out[0], (r0 + r1) / 2, 1e-5);
  EXPECT_NEAR(out[1], (s0 + s1) / 2, 1e-5);
  // Same size: an exact copy (Pillow skips the pass).
  const auto same = pillow_resize_bilinear(img.data(), 5, 2, 5, 2);
  EXPECT_EQ(same, img);
  EXPECT_TRUE(pillow_bilinear_axis(64, 64).identity());
}

TEST(Resize, WeightsSumToOne) {
  const ResampleAxis a = pillow_bilinear_axis(73, 32);
  for (int i = 0; i < 32; ++i) {
    double s = 0;
    for (int j = 0; j < a.count[i]; ++j) s += a.weights[i * a.ksize + j];
    EXPECT_NEAR(s, 1.0, 1e-15);
  }
}

TEST(Spectrogram, MatchesDirectDft) {
  const double fs = 50;
  const int nperseg = 200, hop = 5;
  Spectrogram spec(fs, nperseg, hop, 2.0, 20.0);
  EXPECT_EQ(spec.row_begin(), 8);  // 2 Hz at 0.25 Hz resolution
  EXPECT_EQ(spec.rows(), 73);      // 2..20 Hz inclusive
  EXPECT_DOUBLE_EQ(spec.frame_time(0), 2.0);
  EXPECT_DOUBLE_EQ(spec.frame_time(3), 2.3);
  std::mt19937 rng(11);
  std::normal_distribution<double> g;
  std::vector<float> x(1000);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(100.0 + 30.0 * std::sin(0.7 * i) + 5 * g(rng));  // offset tests demeaning
  EXPECT_EQ(spec.num_frames(x.size()), (1000u - 200u) / 5u + 1u);
  const std::vector<float> got = spec.compute(x.data(), x.size());
  ASSERT_EQ(got.size(), spec.num_frames(x.size()) * 73u);
  const std::vector<double> w = periodic_hann(nperseg);
  double wss = 0;
  for (double v : w) wss += v * v;
  for (std::size_t k : {std::size_t{0}, std::size_t{7}, std::size_t{160}}) {
    const float* seg = x.data() + k * hop;
    double mean = 0;
    for (int i = 0; i < nperseg; ++i) mean += seg[i];
    mean /= nperseg;
    double max_p = 0;
    std::vector<double> want(73);
    for (int r = 0; r < 73; ++r) {
      const int j = 8 + r;
      long double re = 0, im = 0;
      for (int i = 0; i < nperseg; ++i) {
        const long double v = (seg[i] - mean) * w[i];
        re += v * std::cos(2 * M_PI * j * i / nperseg);
        im -= v * std::sin(2 * M_PI * j * i / nperseg);
      }
      want[r] = 2.0 * static_cast<double>(re * re + im * im) / (fs * wss);
      max_p = std::max(max_p, want[r]);
    }
    for (int r = 0; r < 73; ++r)
      EXPECT_NEAR(got[k * 73 + r], want[r], 1e-4 * want[r] + 1e-6 * max_p) << "frame " << k << " row " << r;
  }
}

TEST(Spectrogram, CropRulesAndNyquist) {
  // max_freq at Nyquist keeps the Nyquist row, which is not doubled.
  Spectrogram s(20, 120, 4, 0.0, 10.0);
  EXPECT_EQ(s.row_begin(), 0);
  EXPECT_EQ(s.rows(), 61);
  Spectrogram t(20, 120, 4, 2.0, 10.0);
  EXPECT_EQ(t.row_begin(), 12);
  EXPECT_EQ(t.rows(), 49);
  // Constant input: every bin is zero after demeaning.
  std::vector<float> c(120, 3.5f);
  auto ws = s.workspace();
  std::vector<float> rows(61);
  s.frame(c.data(), rows.data(), *ws);
  for (float v : rows) EXPECT_EQ(v, 0.0f);
}

TEST(Spectrogram, NumpyPairwiseSum) {
  std::vector<float> a(300);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 7) * 0.25f;
  double exact = 0;
  for (float v : a) exact += v;
  EXPECT_FLOAT_EQ(numpy_pairwise_sum(a.data(), 5), 0 + 0.25f + 0.5f + 0.75f + 1.0f);
  EXPECT_FLOAT_EQ(numpy_pairwise_sum(a.data(), a.size()), static_cast<float>(exact));
}

TEST(TopK, SignLayoutTieRuleAndPackbits) {
  // M = 8, k = 3: |z| = 4 (c5, +), 3 (c1, -), then a tie at 2 between c2 (+)
  // and c6 (-): the higher index, c6, wins.
  const double z[8] = {0.5, -3, 2, 0, -1, 4, -2, 1};
  std::uint64_t w[1];
  double scratch[8];
  topk_sign_bits(z, 8, 3, w, scratch);
  const std::uint64_t want = (std::uint64_t{1} << (63 - 5)) | (std::uint64_t{1} << (63 - 9)) |
                             (std::uint64_t{1} << (63 - 14));
  EXPECT_EQ(w[0], want);
  EXPECT_TRUE(test_bit(w, 5));
  EXPECT_TRUE(test_bit(w, 9));
  EXPECT_TRUE(test_bit(w, 14));
  EXPECT_FALSE(test_bit(w, 2));
  std::uint8_t bytes[2];
  words_to_packbits(w, 16, bytes);
  EXPECT_EQ(bytes[0], 0x04);  // bit 5, MSB first
  EXPECT_EQ(bytes[1], 0x42);  // bits 9 and 14
  std::uint64_t back[1];
  packbits_to_words(bytes, 16, back);
  EXPECT_EQ(back[0], w[0]);
}

TEST(TopK, LargeVectorKeepsExactlyTheKLargest) {
  const std::size_t M = 2048;
  std::mt19937 rng(5);
  std::normal_distribution<double> g;
  std::vector<double> z(M), scratch(M), absz(M);
  for (std::size_t i = 0; i < M; ++i) absz[i] = std::fabs(z[i] = g(rng) * (i % 3 ? 1 : 4));
  std::vector<std::uint64_t> w(64);
  topk_sign_bits(z.data(), M, 200, w.data(), scratch.data());
  EXPECT_EQ(popcount(w.data(), 64), 200u);
  std::vector<double> sorted = absz;
  std::sort(sorted.begin(), sorted.end());
  const double thr = sorted[M - 200];
  for (std::size_t c = 0; c < M; ++c) {
    const bool kept = test_bit(w.data(), c) || test_bit(w.data(), M + c);
    EXPECT_EQ(kept, absz[c] >= thr) << c;
    if (kept) {
      EXPECT_EQ(test_bit(w.data(), c), z[c] > 0);
    }
  }
}

TEST(Binarize, MadZeroGivesNoNanAndNoBit) {
  CoefficientBlock b;
  b.M = 32;
  b.values.assign(32, 0.01);
  b.values[3] = 0.5f;  // would be infinite z with MAD 0
  b.times = {123};
  MadStats s;
  s.median.assign(32, 0.0);
  s.mad.assign(32, 0.1);
  s.mad[3] = 0.0;
  s.mad[4] = 0.0;
  const FingerprintBlock f = binarize(b, s, 5);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f.words, 1u);
  EXPECT_FALSE(test_bit(f.row(0), 3));
  EXPECT_FALSE(test_bit(f.row(0), 32 + 3));
  EXPECT_FALSE(test_bit(f.row(0), 4));
  EXPECT_EQ(popcount(f.row(0), 1), 5u);  // the other 30 all have z = 0.1: ties, highest first
  EXPECT_TRUE(test_bit(f.row(0), 31));
  EXPECT_TRUE(test_bit(f.row(0), 27));
  EXPECT_FALSE(test_bit(f.row(0), 26));
  EXPECT_EQ(f.times[0], 123);
}

TEST(RadixSelect, MedianIsTheSortedMiddle) {
  // Against a full sort: odd and even sizes, both signs, many ties (values
  // on a coarse grid), all equal, and sizes around the radix cut-off.
  std::mt19937 rng(5);
  std::normal_distribution<double> g;
  for (std::size_t n : {1u, 2u, 3u, 64u, 65u, 66u, 1000u, 8641u, 8640u}) {
    for (int kind = 0; kind < 3; ++kind) {
      std::vector<double> v(n);
      for (auto& x : v) x = kind == 0 ? g(rng) * 1e-3 : kind == 1 ? std::round(g(rng) * 3) / 4 : 2.5;
      std::vector<double> s = v;
      std::sort(s.begin(), s.end());
      const double want = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
      std::vector<std::uint64_t> keys(n);
      const std::vector<double> kept = v;
      EXPECT_EQ(radix_median(v.data(), n, keys.data()), want) << "n " << n << " kind " << kind;
      EXPECT_EQ(v, kept);
      for (std::size_t k : {std::size_t{0}, n / 3, n - 1}) {
        for (std::size_t i = 0; i < n; ++i) keys[i] = ordered_key(v[i]);
        EXPECT_EQ(key_value(radix_select_kth(keys.data(), n, k)), s[k]) << "n " << n << " k " << k;
      }
    }
  }
}

TEST(MadStatsTest, MedianAndMadLikeNumpy) {
  CoefficientBlock b;
  b.M = 2;
  // Column 0: 1 2 3 10 -> median 2.5, |dev| 1.5 .5 .5 7.5 -> MAD 1.0.
  // Column 1: 5 5 5 6  -> median 5, MAD 0.
  b.values = {1, 5, 2, 5, 3, 5, 10, 6};
  b.times = {0, 1, 2, 3};
  const MadStats s = compute_mad_stats(b);
  EXPECT_DOUBLE_EQ(s.median[0], 2.5);
  EXPECT_DOUBLE_EQ(s.mad[0], 1.0);
  EXPECT_DOUBLE_EQ(s.median[1], 5.0);
  EXPECT_DOUBLE_EQ(s.mad[1], 0.0);
}

// Columns long enough for the bracketed selection (and short ones): median
// and MAD equal numpy's (a full sort), bit for bit, for spread values, values
// on a coarse grid (many ties, the middle inside a run of equal values),
// signed zeros, one value repeated, and a skewed column.
TEST(MadStatsTest, LongColumnsEqualTheSortedMiddle) {
  std::mt19937 rng(11);
  std::normal_distribution<double> g;
  const std::size_t M = 6;
  for (std::size_t n : {2047u, 2048u, 8640u, 8641u, 30001u}) {
    CoefficientBlock b;
    b.M = M;
    b.values.resize(n * M);
    b.times.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      double* row = b.values.data() + i * M;
      row[0] = g(rng) * 1e-3;
      row[1] = std::round(g(rng) * 3) / 4;
      row[2] = (i % 2 ? -0.0 : 0.0) + (i % 5 == 0 ? g(rng) : 0.0);
      row[3] = 2.5;
      row[4] = std::exp(3 * g(rng));
      row[5] = i % 3 == 0 ? -1.0 : g(rng) * 1e-6;
    }
    const MadStats s = compute_mad_stats(b);
    for (std::size_t c = 0; c < M; ++c) {
      std::vector<double> col(n);
      for (std::size_t i = 0; i < n; ++i) col[i] = b.values[i * M + c];
      auto numpy_median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        const std::size_t h = v.size() / 2;
        return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2.0;
      };
      const double med = numpy_median(col);
      for (auto& x : col) x = std::fabs(x - med);
      EXPECT_EQ(s.median[c], med) << "n " << n << " column " << c;
      EXPECT_EQ(s.mad[c], numpy_median(col)) << "n " << n << " column " << c;
    }
  }
}

TEST(Files, MadFpTsRoundTrip) {
  const auto dir = test::temp_dir("fp_files");
  MadStats s;
  s.median = {0.3796558785875126, -0.0139598991899061};
  s.mad = {0.0927031298586221, 0.0617413928522355};
  write_mad_file(dir / "mad.txt", s);
  EXPECT_EQ(test::read_file(dir / "mad.txt"),
            "0.3796558785875126,0.0927031298586221\n-0.0139598991899061,0.0617413928522355\n");
  const MadStats r = read_mad_file(dir / "mad.txt", 2);
  EXPECT_EQ(r.median, s.median);
  EXPECT_EQ(r.mad, s.mad);
  EXPECT_THROW(read_mad_file(dir / "mad.txt", 4), InputError);

  FingerprintBlock f;
  f.words = 1;
  f.bits = {0x0442000000000000ULL, 0xFF00000000000000ULL};
  f.times = {parse_fast_timestamp("14-08-24T00:01:05.340000"), parse_fast_timestamp("14-08-24T00:01:05.840000")};
  EXPECT_EQ(f.times[0], civil_to_ns(2014, 8, 24, 0, 1, 5, 340'000'000));
  write_fast_fp(dir / "x.fp", f, 16);
  EXPECT_EQ(test::read_file(dir / "x.fp"), std::string("\x04\x42\xff\x00", 4));
  write_fast_ts(dir / "x.ts", f.times);
  EXPECT_EQ(test::read_file(dir / "x.ts"), "14-08-24T00:01:05.340000\n14-08-24T00:01:05.840000\n");
  const FingerprintBlock g = read_fast_fp(dir / "x.fp", 16);
  EXPECT_EQ(g.bits, f.bits);
  EXPECT_EQ(read_fast_ts(dir / "x.ts"), f.times);
  EXPECT_THROW(read_fast_fp(dir / "x.fp", 24), InputError);  // 4 B is not a multiple of 3 B
}

TEST(Parity, PairsByTimeAndCountsIdenticalAndJaccard) {
  // Reference: 4 fingerprints of 64 bits at 0, 0.5, 1.0, 1.5 s.
  FingerprintBlock ref;
  ref.words = 1;
  ref.bits = {0xF000000000000000ULL, 0x0F00000000000000ULL, 0x00FF000000000000ULL, 0x1ULL};
  ref.times = {0, 500'000'000, 1'000'000'000, 1'500'000'000};
  // Ours: the first identical (0.4 ms late), the second with 3 of 4 bits
  // (Jaccard 0.75), the third with one bit more (8 of 9: 0.889), none at
  // 1.5 s, and one of our own at 2 s.
  FingerprintBlock ours;
  ours.words = 1;
  ours.bits = {0xF000000000000000ULL, 0x0E00000000000000ULL, 0x00FF800000000000ULL, 0x1ULL};
  ours.times = {400'000, 500'000'000, 1'000'000'000, 2'000'000'000};
  const ParityResult r = compare_with_reference(ours, ref, 0.8, 1'000'000);
  EXPECT_EQ(r.reference, 4u);
  EXPECT_EQ(r.ours, 4u);
  EXPECT_EQ(r.same_time, 3u);
  EXPECT_EQ(r.identical, 1u);
  EXPECT_EQ(r.jaccard_ok, 2u);               // 1.0 and 0.889 >= 0.8; 0.75 not
  EXPECT_DOUBLE_EQ(r.median_jaccard, 8.0 / 9.0);
  const std::string text = r.report(0.8);
  EXPECT_NE(text.find("same_time 3 (75.00 % of the reference's)"), std::string::npos) << text;
  EXPECT_NE(text.find("bit_identical 1 (25.00 %)"), std::string::npos) << text;
  // A tighter tolerance loses the first pair.
  EXPECT_EQ(compare_with_reference(ours, ref, 0.8, 100'000).same_time, 2u);
  // Different fingerprint sizes are an input error.
  FingerprintBlock wide = ours;
  wide.words = 2;
  wide.bits.assign(8, 0);
  EXPECT_THROW(compare_with_reference(wide, ref, 0.8, 1'000'000), InputError);

  // Files: bits per fingerprint from the .fp size over the .ts lines.
  const auto dir = test::temp_dir("fp_parity");
  write_fast_fp(dir / "a.fp", ref, 64);
  write_fast_ts(dir / "a.ts", ref.times);
  const FingerprintBlock back = read_fast_pair(dir / "a.fp");
  EXPECT_EQ(back.words, 1u);
  EXPECT_EQ(back.bits, ref.bits);
  EXPECT_EQ(back.times, ref.times);
  write_fast_ts(dir / "a.ts", {0, 1, 2});  // 32 B over 3 lines
  EXPECT_THROW(read_fast_pair(dir / "a.fp"), InputError);
}

TEST(Params, DerivedValues) {
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
  p.validate();
  EXPECT_EQ(p.nperseg(), 120);
  EXPECT_EQ(p.hop(), 4);
  EXPECT_EQ(p.ntimes(), 64);
  EXPECT_EQ(p.M(), 2048u);
  EXPECT_EQ(p.bits(), 4096u);
  EXPECT_EQ(p.words64(), 64u);
  EXPECT_EQ(p.bytes(), 512u);
  EXPECT_EQ(p.hop_ns(), 200'000'000);
  EXPECT_EQ(p.dt_fp_ns(), 2 * kNsPerSecond);
  EXPECT_EQ(p.window_samples(), 120u + 63u * 4u);
  EXPECT_EQ(p.centre_offset_ns(), 3 * kNsPerSecond + 32 * 200'000'000LL);
  EXPECT_EQ(p.haar_levels(), 5);
  p.fp_length = 100;
  EXPECT_EQ(p.ntimes(), 64);
}

TEST(Params, ValidationNamesTheKey) {
  auto key_of = [](FingerprintParams p) -> std::string {
    try {
      p.validate();
    } catch (const ConfigError& e) {
      return e.key();
    }
    return "";
  };
  FingerprintParams ok;
  ok.sampling_rate = 50;
  EXPECT_EQ(key_of(ok), "");
  auto p = ok;
  p.nfreq = 24;
  EXPECT_EQ(key_of(p), "fingerprint.nfreq");
  p = ok;
  p.max_freq = 30;
  EXPECT_EQ(key_of(p), "fingerprint.max_freq");
  p = ok;
  p.max_freq = 1;
  EXPECT_EQ(key_of(p), "fingerprint.max_freq");
  p = ok;
  p.k_coef = 100000;
  EXPECT_EQ(key_of(p), "fingerprint.k_coef");
  p = ok;
  p.fp_lag = 200;
  EXPECT_EQ(key_of(p), "fingerprint.fp_lag");
  p = ok;
  p.spec_lag = 7;
  EXPECT_EQ(key_of(p), "fingerprint.spec_lag");
  p = ok;
  p.mad_sampling_rate = 0;
  EXPECT_EQ(key_of(p), "fingerprint.mad_sampling_rate");
  p = ok;
  p.spec_lag = 0.013;  // 0.65 samples at 50 Hz
  EXPECT_EQ(key_of(p), "fingerprint.spec_lag");
}
