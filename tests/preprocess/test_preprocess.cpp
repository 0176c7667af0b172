// preprocess(): gap and flat-run masks, noise filling, spikes, the absolute
// output grid, determinism across thread counts, parameter validation.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "pipeline/error.hpp"
#include "preprocess/preprocess.hpp"
#include "tests/support/test_support.hpp"

namespace qp::pre {
namespace {

using qp::test::shared_dir;

std::string data(const std::string& rel) { return (shared_dir() / "data" / rel).string(); }

Continuous kw1_minutes(double minutes) {
  const auto t = read_waveform_file(data("kw1-noise-2011/BW.KW1..EHZ.D.2011.090.mseed"));
  return merge_traces(t, t[0].start, t[0].start + static_cast<TimeNs>(minutes * 60 * 1e9));
}

PreprocessParams to25() {
  PreprocessParams p;
  p.target_rate = 25;
  return p;
}

double robust_sigma(std::vector<double> v) {
  auto med = [](std::vector<double> w) {
    std::nth_element(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(w.size() / 2), w.end());
    return w[w.size() / 2];
  };
  const double m = med(v);
  for (double& x : v) x = std::fabs(x - m);
  return 1.4826 * med(v);
}

// Times of the first and last masked output around `at` (the run holding it).
std::pair<TimeNs, TimeNs> masked_run_around(const Continuous& c, TimeNs at) {
  std::size_t i = static_cast<std::size_t>((at - c.start) / static_cast<TimeNs>(1e9 / c.sampling_rate));
  EXPECT_EQ(c.mask.at(i), 0);
  std::size_t a = i, b = i;
  while (a > 0 && !c.mask[a - 1]) --a;
  while (b + 1 < c.mask.size() && !c.mask[b + 1]) ++b;
  return {c.sample_time(a), c.sample_time(b)};
}

TEST(Preprocess, OutputGridIsAbsolute) {
  QP_REQUIRE_SHARED();
  const Continuous raw = kw1_minutes(2);
  const Continuous out = preprocess(raw, to25(), 1);
  EXPECT_EQ(out.sampling_rate, 25.0);
  EXPECT_EQ(out.start % 40'000'000, 0);  // multiples of 40 ms since the epoch
  EXPECT_EQ(out.start, raw.start + 20'000'000);  // .18 -> .20
  EXPECT_EQ(out.samples.size(), 3000u - 0u);
  // Starting the raw data 1..3 samples later changes nothing on the grid.
  for (std::size_t skip = 1; skip <= 3; ++skip) {
    Continuous r2 = raw;
    r2.start = raw.sample_time(skip);
    r2.samples.erase(r2.samples.begin(), r2.samples.begin() + static_cast<std::ptrdiff_t>(skip));
    r2.mask.erase(r2.mask.begin(), r2.mask.begin() + static_cast<std::ptrdiff_t>(skip));
    const Continuous o2 = preprocess(r2, to25(), 1);
    EXPECT_EQ(o2.start, out.start + (skip > 2 ? 40'000'000 : 0));
  }
}

TEST(Preprocess, GapIsMaskedWidenedAndFilledWithMatchingNoise) {
  QP_REQUIRE_SHARED();
  const auto whole = read_waveform_file(data("format-fixtures/mseed/kw1-steim1-512-be.mseed"));
  const auto gap = read_waveform_file(data("format-fixtures/mseed/kw1-gap-5s.mseed"));
  const Continuous raw = merge_traces(gap, whole[0].start, whole[0].sample_time(6000));
  const PreprocessParams p = to25();
  const Continuous out = preprocess(raw, p, 42);
  ASSERT_EQ(out.samples.size(), 1500u);
  const double edge = edge_seconds(p, 100.0);
  EXPECT_GE(edge, p.taper_seconds);
  // The gap is [00:00:30.18, 00:00:35.18); masked at least `edge` beyond it.
  const auto [m0, m1] = masked_run_around(out, gap[0].sample_time(3000 - 1) + 1);
  EXPECT_LE(m0, gap[1].start - 5 * kNsPerSecond - static_cast<TimeNs>(edge * 1e9) + 40'000'000);
  EXPECT_GE(m1, gap[1].start + static_cast<TimeNs>(edge * 1e9) - 40'000'000);
  // Valid data elsewhere (apart from the chunk edges).
  EXPECT_EQ(out.mask[400], 1);
  EXPECT_EQ(out.mask[1100], 1);
  // Noise in the gap: at the level of the neighbouring valid output.
  std::vector<double> in_gap, valid;
  for (std::size_t m = 0; m < out.samples.size(); ++m) {
    const TimeNs t = out.sample_time(m);
    if (t > gap[0].sample_time(3000) && t < gap[1].start) in_gap.push_back(out.samples[m]);
    if (out.mask[m]) valid.push_back(out.samples[m]);
  }
  ASSERT_GT(in_gap.size(), 100u);
  const double ratio = robust_sigma(in_gap) / robust_sigma(valid);
  EXPECT_GT(ratio, 0.5);
  EXPECT_LT(ratio, 2.0);
  // Another seed gives other noise, the same seed the same bytes.
  const Continuous again = preprocess(raw, p, 42), other = preprocess(raw, p, 43);
  EXPECT_EQ(std::memcmp(again.samples.data(), out.samples.data(), out.samples.size() * 4), 0);
  EXPECT_NE(std::memcmp(other.samples.data(), out.samples.data(), out.samples.size() * 4), 0);
  EXPECT_EQ(other.mask, out.mask);
  // fill_gaps = "none" leaves zeros.
  PreprocessParams none = p;
  none.fill_gaps = "none";
  const Continuous z = preprocess(raw, none, 42);
  for (std::size_t m = 0; m < z.samples.size(); ++m) {
    if (z.sample_time(m) > gap[0].sample_time(3000) && z.sample_time(m) < gap[1].start) {
      ASSERT_EQ(z.samples[m], 0.0f);
    }
  }
}

TEST(Preprocess, FlatRunsAreMaskedLikeGaps) {
  QP_REQUIRE_SHARED();
  Continuous raw = kw1_minutes(3);
  const Continuous clean = preprocess(raw, to25(), 1);
  // Real data has no run of 10 identical samples: nothing masked but the edges.
  const std::size_t edge_outputs = static_cast<std::size_t>(2 * std::ceil(edge_seconds(to25(), 100) * 25));
  EXPECT_NEAR(static_cast<double>(clean.valid_count()), static_cast<double>(clean.samples.size() - edge_outputs), 2);
  // A zero-filled "gap" of 2 s at 60 s, and a clipped run of 12 samples at 120 s.
  for (std::size_t i = 6000; i < 6200; ++i) raw.samples[i] = 0.0f;
  for (std::size_t i = 12000; i < 12012; ++i) raw.samples[i] = 8388607.0f;
  const Continuous out = preprocess(raw, to25(), 1);
  EXPECT_EQ(out.mask[(6100 - 2) / 4], 0);
  EXPECT_EQ(out.mask[(12006 - 2) / 4], 0);
  EXPECT_LT(out.valid_count(), clean.valid_count() - 2 * 125);
  // Turned off: the zeros stay valid data.
  PreprocessParams off = to25();
  off.mask_flat_samples = 0;
  EXPECT_EQ(preprocess(raw, off, 1).valid_count(), clean.valid_count());
  // A run of 9 (below the default 10) is data.
  Continuous nine = kw1_minutes(3);
  for (std::size_t i = 6000; i < 6009; ++i) nine.samples[i] = 5.0f;
  EXPECT_EQ(preprocess(nine, to25(), 1).valid_count(), clean.valid_count());
}

// Quiet integer data: a 0.2 Hz microseism of 100 counts plus 0.3 counts of
// broadband noise, rounded to counts at 100 Hz, dwells on one count for
// 10-18 samples at each turn (synthetic GR.FUR noise lost a third of the
// record to those runs). Plateaus stepping on and off by one count are data;
// a clipped run that jumps onto its value is not.
TEST(Preprocess, QuantisationPlateausAreDataClippingIsNot) {
  const std::size_t n = 100 * 120;
  Continuous raw{"XX.Q..HHZ", 100.0, 0, std::vector<float>(n), std::vector<std::uint8_t>(n, 1), {}};
  std::uint64_t state = 7;
  const auto uniform = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5;
  };
  for (std::size_t i = 0; i < n; ++i)
    raw.samples[i] = static_cast<float>(
        std::nearbyint(100 * std::sin(2 * 3.14159265358979 * 0.2 * static_cast<double>(i) / 100) + 0.6 * uniform()));
  std::size_t longest = 0, runs = 0;
  for (std::size_t i = 0, j; i < n; i = j) {
    for (j = i + 1; j < n && raw.samples[j] == raw.samples[i];) ++j;
    longest = std::max(longest, j - i);
    runs += j - i >= 10;
  }
  ASSERT_GE(runs, 20u);  // the old rule masked these
  ASSERT_LT(longest, 100u);
  const Continuous kept = preprocess(raw, to25(), 1);
  const std::size_t edge_outputs = static_cast<std::size_t>(2 * std::ceil(edge_seconds(to25(), 100) * 25));
  EXPECT_NEAR(static_cast<double>(kept.valid_count()), static_cast<double>(kept.samples.size() - edge_outputs), 2);

  // Every flat run masked, as before the plateau rule: each takes the
  // filters' settling on both sides with it (over 5 s).
  PreprocessParams strict = to25();
  strict.max_plateau_seconds = 0;
  EXPECT_LT(preprocess(raw, strict, 1).valid_count(), kept.valid_count() - 4 * 125);

  // A clipped run of 12 samples at 60 s jumps from the data onto the rail.
  for (std::size_t i = 6000; i < 6012; ++i) raw.samples[i] = 8388607.0f;
  const Continuous clipped = preprocess(raw, to25(), 1);
  EXPECT_EQ(clipped.mask[6006 / 4], 0);
  EXPECT_LT(clipped.valid_count(), kept.valid_count() - 2 * 125);
}

TEST(Preprocess, IsolatedSpikesAreMaskedWhenAsked) {
  QP_REQUIRE_SHARED();
  Continuous raw = kw1_minutes(3);
  raw.samples[9000] += 1e6f;
  PreprocessParams p = to25();
  const Continuous off = preprocess(raw, p, 1);
  EXPECT_EQ(off.mask[(9000 - 2) / 4], 1);  // default: spikes are not looked for
  p.spike_threshold = 50;
  const Continuous on = preprocess(raw, p, 1);
  EXPECT_EQ(on.mask[(9000 - 2) / 4], 0);
  ASSERT_FALSE(on.warnings.empty());
  EXPECT_NE(on.warnings.back().find("1 isolated spikes"), std::string::npos);
  // Widened by the filters' reach on both sides.
  const auto [a, b] = masked_run_around(on, raw.sample_time(9000));
  EXPECT_LE(a, raw.sample_time(9000) - static_cast<TimeNs>(edge_seconds(p, 100) * 1e9) + 40'000'000);
  EXPECT_GE(b, raw.sample_time(9000) + static_cast<TimeNs>(edge_seconds(p, 100) * 1e9) - 40'000'000);
}

TEST(Preprocess, SameBytesForAnyThreadCount) {
  QP_REQUIRE_SHARED();
  const auto all = read_waveform_file(data("iceland-z7-2014/Z7.2014-08-24T000100-001008.mseed"));
  std::vector<Trace> ch;
  for (const auto& t : all)
    if (t.seed_id == "Z7.RIFR..HHZ") ch.push_back(t);
  const Continuous raw = merge_traces(ch, ch.front().start - 3 * kNsPerSecond, ch.back().sample_time(ch.back().samples.size()));
  for (const char* mode : {"quakeprint", "fast"}) {
    PreprocessParams p = to25();
    p.mode = mode;
    omp_set_num_threads(1);
    const Continuous one = preprocess(raw, p, 9);
    omp_set_num_threads(2);
    const Continuous two = preprocess(raw, p, 9);
    ASSERT_EQ(one.samples.size(), two.samples.size());
    EXPECT_EQ(std::memcmp(one.samples.data(), two.samples.data(), one.samples.size() * 4), 0) << mode;
    EXPECT_EQ(one.mask, two.mask);
    // Four segments, three gaps: four valid runs.
    std::size_t runs = 0;
    for (std::size_t m = 0; m < one.mask.size(); ++m) runs += one.mask[m] && (m == 0 || !one.mask[m - 1]);
    EXPECT_EQ(runs, 4u) << mode;
  }
}

TEST(Preprocess, RationalTargetRate) {
  QP_REQUIRE_SHARED();
  const Continuous raw = kw1_minutes(2);
  PreprocessParams p;
  p.target_rate = 40;  // 100 -> 40 Hz = 2/5
  const Continuous out = preprocess(raw, p, 1);
  EXPECT_EQ(out.sampling_rate, 40.0);
  EXPECT_EQ(out.start % 25'000'000, 0);
  EXPECT_NEAR(static_cast<double>(out.samples.size()), 4800, 2);
  EXPECT_GT(out.valid_count(), 4000u);
}

TEST(PreprocessParams, ValidationNamesTheKey) {
  auto key_of = [](const PreprocessParams& p, double rate) {
    try {
      p.validate();
      p.validate_for_rate(rate);
    } catch (const ConfigError& e) {
      return e.key();
    }
    return std::string();
  };
  PreprocessParams p;
  EXPECT_EQ(key_of(p, 100), "");
  p.freqmax = 50;
  EXPECT_EQ(key_of(p, 100), "preprocess.freqmax");  // at Nyquist of the input
  p = PreprocessParams{};
  p.target_rate = 10;
  EXPECT_EQ(key_of(p, 100), "preprocess.freqmax");  // 8 Hz >= 5 Hz Nyquist of the target
  p = PreprocessParams{};
  p.freqmin = 9;
  EXPECT_EQ(key_of(p, 100), "preprocess.freqmin");
  p = PreprocessParams{};
  p.target_rate = 100.0 / 3.0001;
  EXPECT_EQ(key_of(p, 100), "preprocess.target_rate");
  p.target_rate = 200;
  EXPECT_EQ(key_of(p, 100), "preprocess.target_rate");
  p = PreprocessParams{};
  p.corners = 13;
  EXPECT_EQ(key_of(p, 100), "preprocess.corners");
  p = PreprocessParams{};
  p.mask_flat_samples = 1;
  EXPECT_EQ(key_of(p, 100), "preprocess.mask_flat_samples");
  p = PreprocessParams{};
  p.max_plateau_seconds = -1;
  EXPECT_EQ(key_of(p, 100), "preprocess.max_plateau_seconds");
  Continuous raw{"XX.A..HHZ", 12.0, 0, std::vector<float>(1000, 1.0f), std::vector<std::uint8_t>(1000, 1), {}};
  EXPECT_THROW(preprocess(raw, PreprocessParams{}, 1), ConfigError);  // 8 Hz above 6 Hz Nyquist
}

TEST(PreprocessParams, FromConfig) {
  std::istringstream in(
      "[preprocess]\nmode = \"fast\"\nfreqmin = 3.0\nfreqmax = 12.0\ntarget_rate = 50.0\nfill_gaps = \"none\"\n"
      "[bad]\nfreqmin = 9.0\nfreqmax = 3.0\n");
  const toml::value root = toml::parse(in, "test.toml");
  ConfigSection s("preprocess", &toml::find(root, "preprocess"));
  const PreprocessParams p = PreprocessParams::from_config(s);
  EXPECT_EQ(p.mode, "fast");
  EXPECT_EQ(p.freqmin, 3.0);
  EXPECT_EQ(p.freqmax, 12.0);
  EXPECT_EQ(p.target_rate, 50.0);
  EXPECT_EQ(p.fill_gaps, "none");
  EXPECT_EQ(p.corners, 4);
  EXPECT_TRUE(p.zerophase);
  EXPECT_FALSE(p.effective_zerophase());  // fast mode is causal
  ConfigSection absent("preprocess", nullptr);
  const PreprocessParams d = PreprocessParams::from_config(absent);
  EXPECT_EQ(d.mode, "quakeprint");
  EXPECT_EQ(d.taper_seconds, 5.0);
  ConfigSection bad("bad", &toml::find(root, "bad"));
  try {
    PreprocessParams::from_config(bad);
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("freqmin"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qp::pre
