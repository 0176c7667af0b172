// FAST compatibility on the Z7 reference (shared/reference/fast-iceland):
// fingerprint the preprocessed LIND SAC segments in "fast" mode and compare
// with FAST's own LIND.HH?.fp at the same time stamps.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <string>

#include "fingerprint/binarize.hpp"
#include "fingerprint/fingerprinter.hpp"
#include "fingerprint/fp_io.hpp"
#include "fingerprint/mad.hpp"
#include "tests/fingerprint/sac_test_reader.hpp"
#include "tests/support/test_support.hpp"

namespace fs = std::filesystem;
using namespace qp;
using namespace qp::fp;

namespace {

fs::path ref_dir() { return test::shared_dir() / "reference" / "fast-iceland"; }

// Numbers of the "fingerprint" object of a FAST parameter file.
double json_number(const std::string& text, const std::string& key) {
  const std::regex re("\"" + key + "\"\\s*:\\s*([-+0-9.eE]+)");
  std::smatch m;
  if (!std::regex_search(text, m, re)) throw std::runtime_error("no key " + key);
  return std::stod(m[1]);
}

FingerprintParams params_from_fast_json(const fs::path& path) {
  const std::string t = test::read_file(path);
  FingerprintParams p;
  p.sampling_rate = json_number(t, "sampling_rate");
  p.min_freq = json_number(t, "min_freq");
  p.max_freq = json_number(t, "max_freq");
  p.spec_length = json_number(t, "spec_length");
  p.spec_lag = json_number(t, "spec_lag");
  p.fp_length = static_cast<int>(json_number(t, "fp_length"));
  p.fp_lag = static_cast<int>(json_number(t, "fp_lag"));
  p.k_coef = static_cast<int>(json_number(t, "k_coef"));
  p.nfreq = static_cast<int>(json_number(t, "nfreq"));
  p.mad_sampling_rate = json_number(t, "mad_sampling_rate");
  p.mad_sample_interval = json_number(t, "mad_sample_interval");
  p.mode = FrameMode::kFast;
  p.validate();
  return p;
}

struct Comparison {
  std::size_t matched = 0, identical = 0, jaccard_ok = 0;
  double min_jaccard = 1.0;
};

// Pairs each of our fingerprints with the reference one at the same time.
Comparison compare(const FingerprintBlock& ours, const FingerprintBlock& ref,
                   const std::vector<TimeNs>& ref_times, double jaccard_min) {
  std::map<TimeNs, std::size_t> by_time;
  for (std::size_t i = 0; i < ref_times.size(); ++i) by_time[ref_times[i]] = i;
  Comparison c;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    auto it = by_time.lower_bound(ours.times[i] - 1'000'000);  // 1 ms tolerance
    if (it == by_time.end() || std::llabs(it->first - ours.times[i]) > 1'000'000) continue;
    ++c.matched;
    const std::uint64_t* a = ours.row(i);
    const std::uint64_t* b = ref.row(it->second);
    const bool same = std::equal(a, a + ours.words, b);
    c.identical += same;
    const double j = jaccard(a, b, ours.words);
    c.min_jaccard = std::min(c.min_jaccard, j);
    c.jaccard_ok += j >= jaccard_min;
  }
  return c;
}

class FastCompat : public ::testing::TestWithParam<std::string> {};

TEST_P(FastCompat, MatchesReferenceFingerprints) {
  QP_REQUIRE_SHARED();
  const std::string cha = GetParam();
  const fs::path dir = ref_dir();
  ASSERT_TRUE(fs::exists(dir)) << dir;
  const FingerprintParams p =
      params_from_fast_json(dir / "parameters" / "fingerprint" / ("fp_input_Z7_LIND_" + cha + ".json"));
  ASSERT_EQ(p.M(), 2048u);

  // All segments of the channel, in time order (the SAC names sort by time).
  std::vector<fs::path> sacs;
  for (const auto& e : fs::directory_iterator(dir / "waveforms"))
    if (e.path().filename().string().find("LIND.." + cha) != std::string::npos) sacs.push_back(e.path());
  std::sort(sacs.begin(), sacs.end());
  ASSERT_EQ(sacs.size(), 4u);

  Fingerprinter fper(p);
  CoefficientBlock coeffs;
  const TimeNs lo = std::numeric_limits<TimeNs>::min(), hi = std::numeric_limits<TimeNs>::max();
  for (const auto& s : sacs) {
    const test::SacTrace tr = test::read_sac_le(s);
    coeffs.append(fper.coefficients(tr.data.data(), nullptr, tr.data.size(), tr.start, lo, hi));
  }

  const FingerprintBlock ref = read_fast_fp(dir / "fingerprints" / ("LIND." + cha + ".fp"), p.bits());
  const std::vector<TimeNs> ref_times = read_fast_ts(dir / "fingerprints" / ("LIND." + cha + ".ts"));
  ASSERT_EQ(ref.size(), 946u);
  ASSERT_EQ(ref_times.size(), ref.size());
  EXPECT_EQ(coeffs.size(), ref.size());
  // Our time stamps print exactly as FAST's.
  std::size_t same_text = 0;
  for (std::size_t i = 0; i < std::min(coeffs.size(), ref_times.size()); ++i)
    same_text += format_fast_timestamp(coeffs.times[i]) == format_fast_timestamp(ref_times[i]);
  EXPECT_EQ(same_text, ref.size());

  // (a) With the reference's own MAD statistics: bit-identical fingerprints.
  fs::path mad_path;
  for (const auto& e : fs::directory_iterator(dir / "fingerprints" / "mad"))
    if (e.path().filename().string().rfind("madLIND_" + cha + "_", 0) == 0) mad_path = e.path();
  ASSERT_FALSE(mad_path.empty());
  const MadStats ref_stats = read_mad_file(mad_path, p.M());
  const FingerprintBlock fp_ref_mad = binarize(coeffs, ref_stats, p.k_coef, TieOrder::kNumpy);
  for (std::size_t i = 0; i < fp_ref_mad.size(); ++i)
    ASSERT_EQ(popcount(fp_ref_mad.row(i), fp_ref_mad.words), static_cast<std::size_t>(p.k_coef));
  const Comparison a = compare(fp_ref_mad, ref, ref_times, 0.9);
  EXPECT_EQ(a.matched, ref.size());
  const double pct_identical = 100.0 * a.identical / ref.size();
  std::printf("[%s] reference MAD: %zu/%zu bit-identical (%.2f %%), min Jaccard %.4f\n", cha.c_str(),
              a.identical, ref.size(), pct_identical, a.min_jaccard);
  EXPECT_GE(pct_identical, 99.0);

  // (b) With our own statistics (all fingerprints, mad_sampling_rate 1).
  const MadStats own = compute_mad_stats(coeffs);
  double max_dmed = 0, max_dmad = 0;
  for (std::size_t c = 0; c < own.size(); ++c) {
    max_dmed = std::max(max_dmed, std::fabs(own.median[c] - ref_stats.median[c]));
    max_dmad = std::max(max_dmad, std::fabs(own.mad[c] - ref_stats.mad[c]));
  }
  const FingerprintBlock fp_own = binarize(coeffs, own, p.k_coef, TieOrder::kNumpy);
  const Comparison b = compare(fp_own, ref, ref_times, 0.9);
  const double pct_j = 100.0 * b.jaccard_ok / ref.size();
  std::printf("[%s] own MAD: max |dmedian| %.3g, max |dMAD| %.3g; %zu/%zu bit-identical (%.2f %%), "
              "Jaccard >= 0.9: %.2f %%, min Jaccard %.4f\n",
              cha.c_str(), max_dmed, max_dmad, b.identical, ref.size(), 100.0 * b.identical / ref.size(),
              pct_j, b.min_jaccard);
  EXPECT_LT(max_dmed, 1e-5);
  EXPECT_GE(pct_j, 99.0);
}

INSTANTIATE_TEST_SUITE_P(Lind, FastCompat, ::testing::Values("HHZ", "HHN", "HHE"));

}  // namespace
