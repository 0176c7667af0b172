// merge_traces on the real gap/overlap fixtures and on constructed conflicts.
#include <gtest/gtest.h>

#include <algorithm>

#include "pipeline/error.hpp"
#include "preprocess/merge.hpp"
#include "tests/support/test_support.hpp"

namespace qp::pre {
namespace {

using qp::test::shared_dir;

std::string data(const std::string& rel) { return (shared_dir() / "data" / rel).string(); }

std::vector<Trace> kw1_first_minute() {
  return read_waveform_file(data("format-fixtures/mseed/kw1-steim1-512-be.mseed"));
}

// Lengths of the runs of mask 0.
std::vector<std::size_t> masked_runs(const Continuous& c) {
  std::vector<std::size_t> runs;
  for (std::size_t i = 0; i < c.mask.size();) {
    if (c.mask[i]) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < c.mask.size() && !c.mask[j]) ++j;
    runs.push_back(j - i);
    i = j;
  }
  return runs;
}

TEST(Merge, GapFixtureMasksExactlyTheGap) {
  QP_REQUIRE_SHARED();
  const auto whole = kw1_first_minute();
  ASSERT_EQ(whole.size(), 1u);
  const auto gap = read_waveform_file(data("format-fixtures/mseed/kw1-gap-5s.mseed"));
  const TimeNs t0 = whole[0].start, t1 = whole[0].sample_time(6000);
  const Continuous c = merge_traces(gap, t0, t1);
  EXPECT_EQ(c.seed_id, "BW.KW1..EHZ");
  EXPECT_EQ(c.start, t0);
  ASSERT_EQ(c.samples.size(), 6000u);
  EXPECT_EQ(c.valid_count(), 5500u);
  EXPECT_EQ(masked_runs(c), std::vector<std::size_t>{500});
  for (std::size_t i = 0; i < 6000; ++i) {
    const bool in_gap = i >= 3000 && i < 3500;
    ASSERT_EQ(c.mask[i], in_gap ? 0 : 1) << i;
    if (!in_gap) {
      ASSERT_EQ(c.samples[i], static_cast<float>(whole[0].samples[i])) << i;
    }
  }
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Merge, IdenticalOverlapMergesSilently) {
  QP_REQUIRE_SHARED();
  const auto whole = kw1_first_minute();
  const auto ov = read_waveform_file(data("format-fixtures/mseed/kw1-overlap-10s.mseed"));
  ASSERT_EQ(ov.size(), 2u);
  const Continuous c = merge_traces(ov, whole[0].start, whole[0].sample_time(6000));
  ASSERT_EQ(c.samples.size(), 6000u);
  EXPECT_EQ(c.valid_count(), 6000u);
  EXPECT_TRUE(c.warnings.empty());
  for (std::size_t i = 0; i < 6000; ++i) ASSERT_EQ(c.samples[i], static_cast<float>(whole[0].samples[i]));
}

TEST(Merge, ConflictingOverlapIsMaskedAndReported) {
  QP_REQUIRE_SHARED();
  auto ov = read_waveform_file(data("format-fixtures/mseed/kw1-overlap-10s.mseed"));
  for (std::size_t i = 100; i < 150; ++i) ov[1].samples[i] += 1.0;  // 50 samples disagree
  const Continuous c = merge_traces(ov, ov[0].start, ov[1].sample_time(3000));
  EXPECT_EQ(c.valid_count(), 6000u - 50u);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("50 overlapping samples disagree"), std::string::npos) << c.warnings[0];
  EXPECT_EQ(c.mask[3000 + 100], 0);
  EXPECT_EQ(c.mask[3000 + 99], 1);
}

TEST(Merge, WindowClipsAndStartsOnTheDataGrid) {
  QP_REQUIRE_SHARED();
  const auto whole = kw1_first_minute();
  // t0 3 ms after a sample: the grid's next sample is 7 ms later.
  const TimeNs t0 = whole[0].sample_time(10) + 3'000'000;
  const Continuous c = merge_traces(whole, t0, whole[0].sample_time(20));
  EXPECT_EQ(c.start, whole[0].sample_time(11));
  ASSERT_EQ(c.samples.size(), 9u);
  EXPECT_EQ(c.samples[0], static_cast<float>(whole[0].samples[11]));
  // A window reaching beyond the data: masked padding on both sides.
  const Continuous wide = merge_traces(whole, whole[0].start - kNsPerSecond, whole[0].sample_time(6000) + kNsPerSecond);
  EXPECT_EQ(wide.samples.size(), 6200u);
  EXPECT_EQ(wide.valid_count(), 6000u);
  EXPECT_EQ(masked_runs(wide), (std::vector<std::size_t>{100, 100}));
}

TEST(Merge, IcelandChannelHasItsThreeGaps) {
  QP_REQUIRE_SHARED();
  const auto all = read_waveform_file(data("iceland-z7-2014/Z7.2014-08-24T000100-001008.mseed"));
  std::vector<Trace> ch;
  for (const auto& t : all)
    if (t.seed_id == "Z7.FLUR..HHZ") ch.push_back(t);
  ASSERT_EQ(ch.size(), 4u);
  const Continuous c = merge_traces(ch, ch.front().start, ch.back().sample_time(ch.back().samples.size()));
  EXPECT_EQ(c.samples.size(), 54762u);  // 00:01:00.14 .. 00:10:07.75
  EXPECT_EQ(c.valid_count(), 51298u);
  EXPECT_EQ(masked_runs(c), (std::vector<std::size_t>{690, 2302, 472}));
}

TEST(Merge, BradysSpansSnapToOneGridWithAWarning) {
  QP_REQUIRE_SHARED();
  auto a = read_waveform_file(data("bradys-2014/sac/BXM.BT03.01.HHZ.20140407T062614.sac"));
  const auto b = read_waveform_file(data("bradys-2014/sac/BXM.BT03.01.HHZ.20140407T065341.sac"));
  a.insert(a.end(), b.begin(), b.end());
  const Continuous c = merge_traces(a, a[0].start, b[0].sample_time(b[0].samples.size()));
  EXPECT_EQ(c.valid_count(), 169001u + 146001u);
  ASSERT_EQ(c.warnings.size(), 1u);  // span 2 is 101 us = 0.05 samples off span 1's grid
  EXPECT_NE(c.warnings[0].find("off the sample grid"), std::string::npos);
}

TEST(Merge, RateMismatchNamesTheFile) {
  Trace a{"XX.A..HHZ", 100.0, 0, std::vector<double>(100, 1.0), "a.mseed"};
  Trace b{"XX.A..HHZ", 100.02, kNsPerSecond * 10, std::vector<double>(100, 1.0), "b.mseed"};
  try {
    merge_traces({a, b}, 0, kNsPerSecond * 20);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "b.mseed");
    EXPECT_NE(std::string(e.what()).find("sampling rate"), std::string::npos);
  }
  b.sampling_rate = 100.005;  // 5e-5 relative: tolerated
  EXPECT_NO_THROW(merge_traces({a, b}, 0, kNsPerSecond * 20));
  Trace other{"XX.B..HHZ", 100.0, 0, std::vector<double>(10, 1.0), "c.mseed"};
  EXPECT_THROW(merge_traces({a, other}, 0, kNsPerSecond), InputError);
  EXPECT_TRUE(merge_traces({}, 0, kNsPerSecond).samples.empty());
}

}  // namespace
}  // namespace qp::pre
