// FftCorrelator against the direct float64 computation on a real channel
// (Z7.LIND..HHZ, with the file's three gaps and an extra masked stretch whose
// samples are overwritten with huge values): identical NaN pattern, values
// equal to float tolerance, for several FFT sizes and template lengths in one
// correlator.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "match/direct_correlation.hpp"
#include "match/fft_correlator.hpp"
#include "tests/match/match_test_data.hpp"
#include "tests/support/test_support.hpp"

namespace qp::match {
namespace {

struct Channel {
  std::vector<float> samples;
  std::vector<std::uint8_t> mask;
  TimeNs start = 0;
  double rate = 0;
  std::size_t index_of(TimeNs t) const {
    return static_cast<std::size_t>(std::llround(static_cast<double>(t - start) * rate / 1e9));
  }
};

Channel lind_with_masked_stretch() {
  const auto ch = test::iceland_channels({"Z7.LIND..HHZ"}, 0).at("Z7.LIND..HHZ");
  Channel c{ch.samples, ch.mask, ch.start, ch.sampling_rate};
  // 20 s masked in the middle of the record, filled with values that would
  // dominate any correlation they entered.
  const std::size_t a = c.samples.size() / 2, b = a + 2000;
  for (std::size_t i = a; i < b; ++i) {
    c.mask[i] = 0;
    c.samples[i] = (i % 2 ? 1e6f : -1e6f);
  }
  return c;
}

// Expected validity of lag k: no masked sample in [k, k + m).
std::vector<bool> expected_valid(const std::vector<std::uint8_t>& mask, std::size_t m) {
  std::vector<bool> ok(mask.size() - m + 1);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < m; ++i) bad += !mask[i];
  for (std::size_t k = 0; k < ok.size(); ++k) {
    ok[k] = bad == 0;
    if (k + m < mask.size()) bad += !mask[k + m];
    bad -= !mask[k];
  }
  return ok;
}

TEST(FftCorrelator, EqualsDirectOnRealDataWithMaskedStretches) {
  QP_REQUIRE_SHARED();
  const Channel c = lind_with_masked_stretch();
  ASSERT_GT(c.samples.size(), 50000u);
  // Windows starting 0.5 s before LIND's P pick of event 20140824000154000.
  const TimeNs p = test::iceland_p_picks("20140824000154000").at("LIND");
  const std::size_t t0 = c.index_of(p) - 50;
  const std::vector<std::size_t> lengths = {400, 1000, 150};
  std::vector<TemplateChannel> templates;
  for (auto m : lengths) templates.push_back(make_template_channel(c.samples.data() + t0, m));

  for (std::size_t fft_size : {std::size_t(0), std::size_t(2048)}) {
    FftCorrelator fft(templates, fft_size);
    for (std::size_t j = 0; j < templates.size(); ++j) {
      SCOPED_TRACE("fft size " + std::to_string(fft.fft_size()) + ", template length " +
                   std::to_string(lengths[j]));
      const auto got = fft.correlate_one(j, c.samples.data(), c.mask.data(), c.samples.size());
      const auto want = direct_correlation(templates[j], c.samples.data(), c.mask.data(), c.samples.size());
      const auto valid = expected_valid(c.mask, lengths[j]);
      ASSERT_EQ(got.size(), want.size());
      ASSERT_EQ(got.size(), valid.size());
      double worst = 0;
      std::size_t n_valid = 0, nan_mismatch = 0;
      for (std::size_t k = 0; k < got.size(); ++k) {
        if (std::isnan(got[k]) != !valid[k] || std::isnan(want[k]) != !valid[k]) ++nan_mismatch;
        if (!valid[k]) continue;
        ++n_valid;
        worst = std::max(worst, static_cast<double>(std::fabs(got[k] - want[k])));
      }
      std::printf("fft size %zu, m %zu: %zu valid lags, %zu NaN, max |FFT - direct| %.2e\n",
                  fft.fft_size(), lengths[j], n_valid, got.size() - n_valid, worst);
      EXPECT_EQ(nan_mismatch, 0u) << "NaN exactly where the window touches masked data";
      EXPECT_LT(worst, 2e-5) << "largest |FFT - direct| over " << n_valid << " lags";
      EXPECT_GT(got.size() - n_valid, 2000u) << "masked lags were exercised";
      EXPECT_GT(n_valid, 40000u);
      EXPECT_NEAR(got[t0], 1.0, 1e-5) << "the template finds itself";
    }
  }
}

TEST(FftCorrelator, MaskedSamplesContributeNothing) {
  QP_REQUIRE_SHARED();
  Channel c = lind_with_masked_stretch();
  const std::size_t t0 = c.samples.size() / 4;
  FftCorrelator fft({make_template_channel(c.samples.data() + t0, 250)}, 2048);
  const auto a = fft.correlate_one(0, c.samples.data(), c.mask.data(), c.samples.size());
  for (std::size_t i = 0; i < c.samples.size(); ++i)
    if (!c.mask[i]) c.samples[i] = 0.0f;
  const auto b = fft.correlate_one(0, c.samples.data(), c.mask.data(), c.samples.size());
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(std::isnan(a[k]), std::isnan(b[k])) << k;
    if (!std::isnan(a[k])) {
      ASSERT_EQ(a[k], b[k]) << "lag " << k;  // masked samples enter as 0 either way
    }
  }
}

TEST(FftCorrelator, RejectsBadSizesAndFlatTemplates) {
  std::vector<float> flat(100, 3.0f), ramp(100);
  for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<float>(i);
  EXPECT_THROW(make_template_channel(flat.data(), flat.size()), std::invalid_argument);
  EXPECT_THROW(FftCorrelator({make_template_channel(ramp.data(), 100)}, 64), std::invalid_argument);
  EXPECT_THROW(FftCorrelator({}, 0), std::invalid_argument);
  // Flat data give NaN, not a division by zero.
  FftCorrelator fft({make_template_channel(ramp.data(), 100)});
  const auto cc = fft.correlate_one(0, flat.data(), nullptr, flat.size());
  ASSERT_EQ(cc.size(), 1u);
  EXPECT_TRUE(std::isnan(cc[0]));
}

}  // namespace
}  // namespace qp::match
