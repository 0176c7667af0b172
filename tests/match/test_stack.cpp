// Network matched filtering end to end on real waveforms: a template of six
// Z7 vertical channels (P windows of event 20140824000154000) planted into
// real BW.KW1 noise (six independent stretches, one per channel) at 0.3x the
// template amplitude with a pick SNR of 1.5 at every channel (peak of the
// planted wave in the 3 s after P over the noise RMS), and once at 1.0x. The
// stack of FFT correlations must find both at the planted lag and nothing
// else; the relative magnitudes must be log10(0.3) and 0.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "match/detection_refinement.hpp"
#include "match/fft_correlator.hpp"
#include "match/network_matcher.hpp"
#include "match/network_stack.hpp"
#include "tests/match/match_test_data.hpp"
#include "tests/support/test_support.hpp"

namespace qp::match {
namespace {

constexpr double kRate = 25.0;

TEST(NetworkStack, AveragesChannelsWithDataAtTheirMoveout) {
  NetworkStack stack(10);
  const float a[] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
  const float b[] = {NAN, 0.4f, 0.6f, 0.8f};
  stack.add(0, 0, a, 5);   // stack lags 0..4
  stack.add(5, 3, b, 4);   // data lags 5..8 -> stack lags 2..5; first is NaN
  const auto mean = stack.mean(1);
  EXPECT_FLOAT_EQ(mean[0], 0.1f);
  EXPECT_TRUE(stack.channels_at(2) == 1);  // b's NaN at stack lag 2
  EXPECT_FLOAT_EQ(mean[2], 0.3f);
  EXPECT_FLOAT_EQ(mean[3], (0.4f + 0.4f) / 2);
  EXPECT_FLOAT_EQ(mean[4], (0.5f + 0.6f) / 2);
  EXPECT_FLOAT_EQ(mean[5], 0.8f);
  EXPECT_TRUE(std::isnan(mean[6]));
  const auto two = stack.mean(2);
  EXPECT_TRUE(std::isnan(two[2]));
  EXPECT_FLOAT_EQ(two[3], 0.4f);
}

TEST(NetworkStack, PeaksAboveMadThresholdOnePerTemplateLength) {
  std::vector<float> s(1000);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = 0.01f * static_cast<float>((i * 7919) % 11) - 0.05f;
  s[100] = 0.9f;
  s[105] = 0.8f;   // same event as 100 (within 20 lags): dropped
  s[300] = 0.7f;
  s[321] = 0.75f;  // 21 lags from 300: both kept
  s[500] = NAN;
  const StackLevel level = stack_level(s);
  EXPECT_NEAR(level.median, 0.0, 0.011);
  EXPECT_GT(level.mad, 0.0);
  const double thr = detection_threshold(level, 9, 0.0);
  EXPECT_NEAR(thr, level.median + 9 * level.mad, 1e-12);
  EXPECT_EQ(detection_threshold(level, 9, 0.6), 0.6);
  const auto peaks = find_peaks(s, level, 0.6, 21);
  ASSERT_EQ(peaks.size(), 3u);
  EXPECT_EQ(peaks[0].lag, 100u);
  EXPECT_EQ(peaks[1].lag, 300u);
  EXPECT_EQ(peaks[2].lag, 321u);
  EXPECT_NEAR(peaks[0].mad_multiple, (0.9 - level.median) / level.mad, 1e-4);
}

struct PlantedNetwork {
  std::vector<TemplateChannel> templates;
  std::vector<std::ptrdiff_t> moveouts;  // samples after the earliest window
  std::vector<std::vector<float>> data;
  std::vector<std::vector<std::uint8_t>> mask;
};

// Windows 1 s before each station's P pick, 8 s long; noise stretches of
// 20 min, scaled so that 0.3x the template has a pick SNR of 1.5.
PlantedNetwork plant(std::size_t weak_at, std::size_t strong_at) {
  const std::vector<std::string> stations = {"DYJS", "DYSA", "KVER", "LIND", "NOHR", "SOSU"};
  std::vector<std::string> ids;
  for (const auto& s : stations) ids.push_back("Z7." + s + "..HHZ");
  const auto channels = test::iceland_channels(ids, kRate);
  const auto picks = test::iceland_p_picks("20140824000154000");
  const auto noise = test::kw1_noise(kRate);
  const std::size_t m = 200, span = 30000, before = 25, after_p = 75;

  std::vector<std::size_t> starts;
  for (const auto& s : stations) {
    const auto& c = channels.at("Z7." + s + "..HHZ");
    starts.push_back(static_cast<std::size_t>((picks.at(s) - c.start) / 40'000'000) - before);
  }
  PlantedNetwork net;
  std::size_t earliest = SIZE_MAX;
  for (std::size_t c = 0; c < stations.size(); ++c) {
    const auto& ch = channels.at(ids[c]);
    earliest = std::min<std::size_t>(earliest, static_cast<std::size_t>((ch.start - channels.begin()->second.start) / 40'000'000) + starts[c]);
  }
  for (std::size_t c = 0; c < stations.size(); ++c) {
    const auto& ch = channels.at(ids[c]);
    const float* w = ch.samples.data() + starts[c];
    EXPECT_TRUE(std::all_of(ch.mask.begin() + static_cast<std::ptrdiff_t>(starts[c]),
                            ch.mask.begin() + static_cast<std::ptrdiff_t>(starts[c] + m),
                            [](std::uint8_t v) { return v == 1; }));
    net.templates.push_back(make_template_channel(w, m));
    const auto abs_start = static_cast<std::size_t>((ch.start - channels.begin()->second.start) / 40'000'000) + starts[c];
    net.moveouts.push_back(static_cast<std::ptrdiff_t>(abs_start - earliest));

    // Noise stretch c of KW1, scaled for SNR 1.5 of the 0.3x copy.
    std::vector<float> x(noise.samples.begin() + static_cast<std::ptrdiff_t>(c * span),
                         noise.samples.begin() + static_cast<std::ptrdiff_t>((c + 1) * span));
    std::vector<std::uint8_t> mk(noise.mask.begin() + static_cast<std::ptrdiff_t>(c * span),
                                 noise.mask.begin() + static_cast<std::ptrdiff_t>((c + 1) * span));
    double ss = 0;
    for (float v : x) ss += static_cast<double>(v) * v;
    const double noise_rms = std::sqrt(ss / static_cast<double>(x.size()));
    double peak = 0;
    for (std::size_t i = before; i < before + after_p; ++i) peak = std::max(peak, std::fabs(0.3 * w[i]));
    const double gain = peak / (1.5 * noise_rms);
    for (auto& v : x) v = static_cast<float>(v * gain);
    for (std::size_t i = 0; i < m; ++i) {
      x[weak_at + static_cast<std::size_t>(net.moveouts[c]) + i] += 0.3f * w[i];
      x[strong_at + static_cast<std::size_t>(net.moveouts[c]) + i] += 1.0f * w[i];
    }
    net.data.push_back(std::move(x));
    net.mask.push_back(std::move(mk));
  }
  return net;
}

TEST(MatchedFilter, FindsPlantedWeakCopyInRealNoiseWithItsRelativeMagnitude) {
  QP_REQUIRE_SHARED();
  const std::size_t weak_at = 12000, strong_at = 21000;
  PlantedNetwork net = plant(weak_at, strong_at);
  // One channel has no data around the weak copy: the stack averages the
  // other five there.
  for (std::size_t i = weak_at - 1000; i < weak_at + 1000; ++i) net.mask[2][i] = 0;

  const std::size_t n = net.data[0].size();
  NetworkStack stack(n);
  for (std::size_t c = 0; c < net.templates.size(); ++c) {
    FftCorrelator fft({net.templates[c]});
    fft.correlate(net.data[c].data(), net.mask[c].data(), n,
                  [&](std::size_t, std::size_t first, const float* cc, std::size_t count) {
                    stack.add(first, net.moveouts[c], cc, count);
                  });
  }
  EXPECT_EQ(stack.channels_at(weak_at), 5u);
  EXPECT_EQ(stack.channels_at(strong_at), 6u);
  const auto mean = stack.mean(3);
  const StackLevel level = stack_level(mean);
  const double threshold = detection_threshold(level, 9.0, 0.0);
  const auto peaks = find_peaks(mean, level, threshold, net.templates[0].size());
  for (const auto& p : peaks)
    std::printf("peak at lag %zu: stack %.3f, %.1f x MAD (threshold %.3f)\n", p.lag, p.value,
                p.mad_multiple, threshold);
  ASSERT_EQ(peaks.size(), 2u) << "the two planted copies and nothing else";
  EXPECT_NEAR(static_cast<double>(peaks[0].lag), static_cast<double>(weak_at), 1.0);
  EXPECT_NEAR(static_cast<double>(peaks[1].lag), static_cast<double>(strong_at), 1.0);
  EXPECT_GT(peaks[0].mad_multiple, 9.0);

  std::vector<ChannelSeries> series;
  for (std::size_t c = 0; c < net.data.size(); ++c)
    series.push_back({net.data[c].data(), net.mask[c].data(), n});
  const auto weak = measure_detection(net.templates, net.moveouts, series, peaks[0].lag, 3);
  const auto strong = measure_detection(net.templates, net.moveouts, series, peaks[1].lag, 3);
  std::printf("M_rel weak %.3f over %u channels, strong %.3f over %u\n", weak.relative_magnitude,
              weak.magnitude_channels, strong.relative_magnitude, strong.magnitude_channels);
  EXPECT_FALSE(weak.channels[2].valid) << "the masked channel gives no measurement";
  EXPECT_EQ(weak.magnitude_channels, 5u);
  EXPECT_NEAR(weak.relative_magnitude, std::log10(0.3), 0.1);
  EXPECT_NEAR(strong.relative_magnitude, 0.0, 0.05);
  for (std::size_t c = 0; c < net.templates.size(); ++c) {
    if (c == 2) continue;
    EXPECT_EQ(weak.channels[c].data_lag, weak_at + static_cast<std::size_t>(net.moveouts[c]))
        << "channel " << c << " refined to its planted lag";
    EXPECT_EQ(strong.channels[c].data_lag, strong_at + static_cast<std::size_t>(net.moveouts[c]));
    EXPECT_GT(strong.channels[c].cc, 0.8);  // SNR 5: cc about 0.86
  }
}

// The same planted network through match_span, the stage's unit of work:
// channels as they come from the run store (each with its own start on the
// absolute grid), the template's reference and offsets.
TEST(MatchedFilter, MatchSpanFindsThePlantedCopies) {
  QP_REQUIRE_SHARED();
  const std::size_t weak_at = 12000, strong_at = 21000;
  const PlantedNetwork net = plant(weak_at, strong_at);
  const TimeNs dt = 40'000'000, begin = 1'400'000'000LL * 1'000'000'000LL;
  PreparedTemplate t;
  t.template_id = "planted";
  t.reference = begin + 100 * dt;  // the template event itself lies elsewhere
  t.first_arrival = t.reference + 25 * dt;
  t.channels = net.templates;
  t.offsets = net.moveouts;
  std::vector<SpanChannel> data;
  for (std::size_t c = 0; c < net.data.size(); ++c) {
    t.seed_ids.push_back("XX.S" + std::to_string(c) + "..HHZ");
    // Channel c starts c samples late: the stack must still line up.
    SpanChannel ch{t.seed_ids.back(), begin + static_cast<TimeNs>(c) * dt,
                   std::vector<float>(net.data[c].begin() + static_cast<std::ptrdiff_t>(c), net.data[c].end()),
                   std::vector<std::uint8_t>(net.mask[c].begin() + static_cast<std::ptrdiff_t>(c), net.mask[c].end())};
    data.push_back(std::move(ch));
  }
  MatchParams p;
  p.min_channels = 3;
  const SpanResult r = match_span({t}, data, begin, begin + 29000 * dt, 25.0, p);
  ASSERT_EQ(r.detections.size(), 2u);
  EXPECT_EQ(r.detections[0].reference_time, begin + static_cast<TimeNs>(weak_at) * dt);
  EXPECT_EQ(r.detections[1].reference_time, begin + static_cast<TimeNs>(strong_at) * dt);
  EXPECT_NEAR(r.detections[0].measurement.relative_magnitude, std::log10(0.3), 0.1);
  EXPECT_NEAR(r.detections[1].measurement.relative_magnitude, 0.0, 0.05);
  EXPECT_EQ(r.detections[1].channels, 6u);
  EXPECT_GT(r.detections[0].mad_multiple, 9.0);
  // A stack that ends before the strong copy holds only the weak one.
  const SpanResult half = match_span({t}, data, begin, begin + 15000 * dt, 25.0, p);
  ASSERT_EQ(half.detections.size(), 1u);
  EXPECT_EQ(half.detections[0].reference_time, begin + static_cast<TimeNs>(weak_at) * dt);
}

TEST(NetworkStack, ConfirmationThresholdKeepsTheFalseAlarmChanceOfTheDay) {
  // 9 MADs over a day at 25 Hz (Gaussian: 6.07 sigma, 6.38e-10 per lag,
  // 1.4e-3 per day); the same 1.4e-3 over 405 lags (a window of +-8.1 s)
  // takes 4.50 sigma = 6.671 MADs; over 6 h 7.096.
  EXPECT_NEAR(confirmation_mad_multiple(9.0, 2'160'000, 405), 6.6713, 1e-3);
  EXPECT_NEAR(confirmation_mad_multiple(9.0, 540'000, 405), 7.0958, 1e-3);
  EXPECT_DOUBLE_EQ(confirmation_mad_multiple(9.0, 1000, 1000), 9.0);  // as many lags: the day's
  EXPECT_DOUBLE_EQ(confirmation_mad_multiple(9.0, 1000, 5000), 9.0);  // never above it
  // Fewer lags, lower threshold; a window of one lag in two: the tail doubles.
  EXPECT_LT(confirmation_mad_multiple(9.0, 2'160'000, 100), confirmation_mad_multiple(9.0, 2'160'000, 405));
  EXPECT_NEAR(confirmation_mad_multiple(4.0, 2000, 1000), 3.6449, 1e-3);
}

// A weak copy below the day's threshold is confirmed where a roughly timed
// event says one lies (its window), at the planted lag; a window of noise
// alone confirms nothing, nor does a template confirm its own event.
TEST(MatchedFilter, CandidateWindowsConfirmACopyBelowTheDaysThreshold) {
  QP_REQUIRE_SHARED();
  const std::size_t weak_at = 12000, strong_at = 21000;
  const PlantedNetwork net = plant(weak_at, strong_at);
  const TimeNs dt = 40'000'000, begin = 1'400'000'000LL * 1'000'000'000LL;
  PreparedTemplate t;
  t.template_id = "planted";
  t.reference = begin + 100 * dt;
  t.first_arrival = t.reference + 25 * dt;
  t.channels = net.templates;
  t.offsets = net.moveouts;
  std::vector<SpanChannel> data;
  for (std::size_t c = 0; c < net.data.size(); ++c) {
    t.seed_ids.push_back("XX.S" + std::to_string(c) + "..HHZ");
    data.push_back({t.seed_ids.back(), begin, net.data[c], net.mask[c]});
  }
  MatchParams p;
  p.min_channels = 3;
  const TimeNs end = begin + 29000 * dt;
  const SpanResult day = match_span({t}, data, begin, end, 25.0, p);
  ASSERT_EQ(day.detections.size(), 2u);
  const double weak_multiple = day.detections[0].mad_multiple;
  // A day threshold just above the weak copy: it is no detection any more.
  p.mad_multiple = weak_multiple + 0.2;
  p.min_stack_cc = 0;
  // The weak copy's first arrival, and windows of +-4 s around it and 2000 lags later.
  const TimeNs weak_first = begin + static_cast<TimeNs>(weak_at) * dt + (t.first_arrival - t.reference);
  const TimeNs reach = 100 * dt;
  ASSERT_LT(confirmation_mad_multiple(p.mad_multiple, day.levels[0].values, 201), weak_multiple);
  const std::vector<Candidate> candidates = {{"rough", weak_first - reach + 7 * dt, weak_first + reach + 7 * dt},
                                             {"noise", weak_first + 2000 * dt - reach, weak_first + 2000 * dt + reach},
                                             {"planted", weak_first - reach, weak_first + reach}};
  const SpanResult r = match_span({t}, data, begin, end, 25.0, p, candidates);
  ASSERT_EQ(r.detections.size(), 1u) << "the strong copy alone passes the day's threshold";
  EXPECT_EQ(r.detections[0].reference_time, begin + static_cast<TimeNs>(strong_at) * dt);
  ASSERT_EQ(r.confirmations.size(), 1u) << "the weak copy's window only; not the template's own event";
  EXPECT_EQ(r.confirmations[0].candidate, 0);
  EXPECT_EQ(r.confirmations[0].reference_time, begin + static_cast<TimeNs>(weak_at) * dt);
  EXPECT_NEAR(r.confirmations[0].mad_multiple, weak_multiple, 1e-6);
  EXPECT_NEAR(r.confirmations[0].measurement.relative_magnitude, std::log10(0.3), 0.1);
  // A window that ends on the rising slope of the copy's peak holds no peak of its own.
  const SpanResult slope = match_span({t}, data, begin, end, 25.0, p,
                                      {{"early", weak_first - 2 * reach, weak_first - 3 * dt}});
  EXPECT_TRUE(slope.confirmations.empty());
}

}  // namespace
}  // namespace qp::match
