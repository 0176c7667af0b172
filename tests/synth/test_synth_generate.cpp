// qp::synth::generate end to end: determinism, geometry of the picks,
// miniSEED read-back, family correlations, defects, real inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <filesystem>
#include <map>
#include <set>

#include "pipeline/time.hpp"
#include "synth/generate.hpp"
#include "preprocess/waveform_reader.hpp"
#include "synth/noise.hpp"
#include "synth/wavelet.hpp"
#include "tests/support/test_support.hpp"
#include "tests/synth/synth_test_util.hpp"

namespace fs = std::filesystem;
using namespace qp;
using namespace qp::synth;
using qp::synth::test::read_csv;

namespace {

SynthParams small_params() {
  SynthParams p;
  p.seed = 7;
  p.duration_s = 1800;
  p.n_stations = 3;
  p.n_families = 2;
  p.events_per_family_min = 3;
  p.events_per_family_max = 4;
  p.n_singletons = 2;
  p.block_s = 600;
  return p;
}

std::map<std::string, std::string> all_files(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out[e.path().filename().string()] = qp::test::read_file(e.path());
  return out;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= a.size();
  mb /= b.size();
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) * (a[i] - ma);
    bb += (b[i] - mb) * (b[i] - mb);
  }
  return ab / std::sqrt(aa * bb);
}

}  // namespace

TEST(SynthGenerate, SameSeedGivesByteIdenticalFiles) {
  const fs::path a = qp::test::temp_dir("a"), b = qp::test::temp_dir("b");
  SynthParams p = small_params();
  p.gaps = 2;
  p.spikes = 3;
  p.dead_channel = true;
  std::vector<double> fractions;
  const SynthSummary s = generate(p, a, [&](double f) { fractions.push_back(f); });
  generate(p, b);
  const auto fa = all_files(a), fb = all_files(b);
  ASSERT_EQ(fa.size(), fb.size());
  // 9 channels x 1 day + 5 tables.
  EXPECT_EQ(fa.size(), 9u + 5u);
  for (const auto& [name, bytes] : fa) {
    ASSERT_TRUE(fb.count(name)) << name;
    EXPECT_TRUE(bytes == fb.at(name)) << name << " differs between two runs";
  }
  EXPECT_EQ(s.n_channels, 9);
  EXPECT_EQ(s.samples, 9 * 180000);
  ASSERT_FALSE(fractions.empty());
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
  // A different seed gives different data.
  p.seed = 8;
  const fs::path c = qp::test::temp_dir("c");
  generate(p, c);
  EXPECT_NE(all_files(c).at("truth_catalog.csv"), fa.at("truth_catalog.csv"));
}

TEST(SynthGenerate, PickTimesFollowTheGeometry) {
  const fs::path dir = qp::test::temp_dir();
  SynthParams p = small_params();
  p.n_stations = 5;
  generate(p, dir);
  const auto cat = read_csv(dir / "truth_catalog.csv");
  const auto picks = read_csv(dir / "truth_picks.csv");
  const auto sta = read_csv(dir / "stations.csv");
  ASSERT_EQ(cat.header, (std::vector<std::string>{"event_id", "family_id", "origin_time", "latitude",
                                                  "longitude", "depth_km", "magnitude"}));
  ASSERT_EQ(picks.header, (std::vector<std::string>{"event_id", "seed_id", "phase", "time", "snr"}));
  ASSERT_GE(cat.rows.size(), 2u * 3 + 2);  // 2 families of 3-4, 2 singletons
  ASSERT_LE(cat.rows.size(), 2u * 4 + 2);
  std::map<std::string, std::map<std::string, std::string>> events, stations;
  for (const auto& r : cat.rows) events[r.at("event_id")] = r;
  for (const auto& r : sta.rows)
    stations[r.at("network") + "." + r.at("station") + "." + r.at("location") + "." + r.at("channel")] = r;
  ASSERT_EQ(stations.size(), 15u);
  EXPECT_EQ(picks.rows.size(), events.size() * 15 * 2);
  std::set<double> distinct_moveouts;
  for (const auto& pk : picks.rows) {
    const auto& ev = events.at(pk.at("event_id"));
    const auto& st = stations.at(pk.at("seed_id"));
    const double epi = qp::synth::test::haversine_km(
        std::stod(ev.at("latitude")), std::stod(ev.at("longitude")), std::stod(st.at("latitude")),
        std::stod(st.at("longitude")));
    EXPECT_GE(epi, 0.0);
    const double dz = std::stod(ev.at("depth_km")) + std::stod(st.at("elevation_m")) / 1000.0;
    const double dist = std::sqrt(epi * epi + dz * dz);
    const double v = pk.at("phase") == "P" ? p.vp : p.vs;
    const double dt = ns_to_seconds(parse_iso8601(pk.at("time")) - parse_iso8601(ev.at("origin_time")));
    EXPECT_NEAR(dt, dist / v, 2e-4) << pk.at("event_id") << " " << pk.at("seed_id") << " " << pk.at("phase");
    if (pk.at("phase") == "P") distinct_moveouts.insert(std::round(dt * 100));
    EXPECT_GT(std::stod(pk.at("snr")), 0.0);
  }
  EXPECT_GT(distinct_moveouts.size(), 5u);  // stations really are at different distances
  // Stations lie 5-30 km from the centre.
  for (const auto& [id, st] : stations) {
    const double d = qp::synth::test::haversine_km(p.center_lat, p.center_lon,
                                                    std::stod(st.at("latitude")), std::stod(st.at("longitude")));
    EXPECT_GE(d, 5.0 - 1e-3);
    EXPECT_LE(d, 30.0 + 1e-3);
  }
}

TEST(SynthGenerate, MiniseedReadsBackAcrossADayBoundary) {
  const fs::path dir = qp::test::temp_dir();
  SynthParams p = small_params();
  p.start = parse_iso8601("2024-03-05T23:40:00Z");
  p.duration_s = 1500;  // 20 min on day 065, 5 min on day 066
  p.n_stations = 1;
  p.components = {"HHZ"};
  p.n_families = 1;
  p.n_swarm_families = 1;
  p.n_singletons = 0;
  generate(p, dir);
  ASSERT_TRUE(fs::exists(dir / "SY.S01..HHZ.D.2024.065.mseed"));
  ASSERT_TRUE(fs::exists(dir / "SY.S01..HHZ.D.2024.066.mseed"));
  EXPECT_EQ(fs::file_size(dir / "SY.S01..HHZ.D.2024.065.mseed") % 4096, 0u);
  const auto day1 = qp::synth::test::read_channel(dir, "SY.S01..HHZ");
  ASSERT_EQ(day1.size(), 2u);  // one segment per day file
  EXPECT_EQ(day1[0].start, p.start);
  EXPECT_EQ(day1[0].samples.size(), 120000u);
  EXPECT_EQ(day1[1].start, parse_iso8601("2024-03-06T00:00:00Z"));
  EXPECT_EQ(day1[1].samples.size(), 30000u);
  EXPECT_DOUBLE_EQ(day1[0].rate, 100.0);
  // Noise at the requested level (RMS in counts, within the station spread).
  double e = 0;
  for (int v : day1[0].samples) e += double(v) * v;
  const double rms = std::sqrt(e / day1[0].samples.size());
  EXPECT_GT(rms, 0.5 * p.noise_amplitude);
  EXPECT_LT(rms, 20 * p.noise_amplitude);  // events add energy
}

TEST(SynthGenerate, FamiliesCorrelateInRangeAndOtherFamiliesDoNot) {
  const fs::path dir = qp::test::temp_dir();
  SynthParams p;
  p.seed = 11;
  p.duration_s = 3 * 3600;
  p.n_stations = 3;
  p.n_families = 3;
  p.n_swarm_families = 1;
  p.min_interevent_s = 60;
  p.events_per_family_min = 3;
  p.events_per_family_max = 4;
  p.n_singletons = 0;
  p.noise_amplitude = 1;     // nearly noise-free: the correlation is the waveforms'
  p.amplitude_scale = 2e5;
  p.family_cc_min = 0.6;
  p.family_cc_max = 0.9;
  generate(p, dir);
  const auto cat = read_csv(dir / "truth_catalog.csv");
  const auto picks = read_csv(dir / "truth_picks.csv");
  const auto fam = read_csv(dir / "families.csv");
  std::map<std::pair<std::string, std::string>, TimeNs> p_time, s_time;
  for (const auto& r : picks.rows)
    (r.at("phase") == "P" ? p_time : s_time)[{r.at("event_id"), r.at("seed_id")}] = parse_iso8601(r.at("time"));
  std::map<std::string, std::string> family_of;
  for (const auto& r : cat.rows) family_of[r.at("event_id")] = r.at("family_id");
  ASSERT_EQ(cat.rows.size(), family_of.size());

  // Designed correlations: all pairs, all channels, within the range.
  ASSERT_FALSE(fam.rows.empty());
  std::map<std::tuple<std::string, std::string, std::string>, double> designed;
  for (const auto& r : fam.rows) {
    const double cc = std::stod(r.at("cc"));
    EXPECT_GE(cc, p.family_cc_min - 1e-3);
    EXPECT_LE(cc, p.family_cc_max + 1e-3);
    designed[{r.at("event_id_1"), r.at("event_id_2"), r.at("seed_id")}] = cc;
  }

  // Read back: a window from 0.5 s before P to 12 s after S.
  const auto sta = read_csv(dir / "stations.csv");
  int same_checked = 0, other_checked = 0;
  for (const auto& st : sta.rows) {
    const std::string id = "SY." + st.at("station") + ".." + st.at("channel");
    const auto traces = qp::synth::test::read_channel(dir, id);
    ASSERT_FALSE(traces.empty());
    // An event whose window another event's waves reach is not compared.
    auto crowded = [&](const std::string& ev, const std::string& ch) {
      for (const auto& o : cat.rows)
        if (o.at("event_id") != ev &&
            std::llabs(p_time.at({o.at("event_id"), ch}) - p_time.at({ev, ch})) < 45 * kNsPerSecond)
          return true;
      return false;
    };
    auto wave = [&](const std::string& ev, std::size_t n) {
      return qp::synth::test::window(traces, p_time.at({ev, id}) - 500'000'000, n);
    };
    for (const auto& a : cat.rows)
      for (const auto& b : cat.rows) {
        const std::string ea = a.at("event_id"), eb = b.at("event_id");
        if (ea >= eb) continue;
        const double sp = ns_to_seconds(s_time.at({ea, id}) - p_time.at({ea, id}));
        const auto n = static_cast<std::size_t>((sp + 30.5) * 100);
        // Skip pairs where another event's waves fall into a window.
        const TimeNs ta = p_time.at({ea, id}), tb = p_time.at({eb, id});
        if (std::llabs(ta - tb) < static_cast<long long>((sp + 40) * 1e9)) continue;
        if (crowded(ea, id) || crowded(eb, id)) continue;
        const auto wa = wave(ea, n), wb = wave(eb, n);
        if (family_of.at(ea) == family_of.at(eb)) {
          // Events sit at different sub-sample offsets: align to the
          // continuous peak (parabola through the best lag and its neighbours).
          auto at_lag = [&](int lag) {
            std::vector<double> x, y;
            for (std::size_t i = 5; i + 5 < n; ++i) {
              x.push_back(wa[i]);
              y.push_back(wb[static_cast<std::size_t>(static_cast<long long>(i) + lag)]);
            }
            return pearson(x, y);
          };
          int best_lag = 0;
          for (int lag = -2; lag <= 2; ++lag)
            if (at_lag(lag) > at_lag(best_lag)) best_lag = lag;
          const double c0 = at_lag(best_lag), cm = at_lag(best_lag - 1), cp = at_lag(best_lag + 1);
          const double denom = cm - 2 * c0 + cp;
          const double cc = denom < 0 ? c0 - 0.125 * (cp - cm) * (cp - cm) / denom : c0;
          const double want = designed.at({ea, eb, id});
          EXPECT_NEAR(cc, want, 0.05) << ea << " " << eb << " " << id;
          EXPECT_GE(cc, p.family_cc_min - 0.05);
          EXPECT_LE(cc, p.family_cc_max + 0.05);
          ++same_checked;
        } else {
          // Different families: no similarity at any lag within +-1 s.
          double best = 0;
          for (int lag = -100; lag <= 100; lag += 1) {
            std::vector<double> x, y;
            for (std::size_t i = 100; i + 100 < n; ++i) {
              x.push_back(wa[i]);
              y.push_back(wb[static_cast<std::size_t>(static_cast<long long>(i) + lag)]);
            }
            best = std::max(best, std::fabs(pearson(x, y)));
          }
          EXPECT_LT(best, 0.5) << ea << " " << eb << " " << id;
          ++other_checked;
        }
      }
  }
  EXPECT_GT(same_checked, 20);
  EXPECT_GT(other_checked, 20);
}

TEST(SynthGenerate, DefectsAreWhereTheTableSays) {
  const fs::path dir = qp::test::temp_dir();
  SynthParams p = small_params();
  p.gaps = 1;
  p.gap_length_s = 30;
  p.spikes = 2;
  p.spike_amplitude = 1e6;
  p.dead_channel = true;
  generate(p, dir);
  const auto defects = read_csv(dir / "defects.csv");
  ASSERT_EQ(defects.rows.size(), 4u);
  for (const auto& d : defects.rows) {
    const auto traces = qp::synth::test::read_channel(dir, d.at("seed_id"));
    ASSERT_FALSE(traces.empty());
    if (d.at("kind") == "dead") {
      for (const auto& t : traces)
        for (int v : t.samples) ASSERT_EQ(v, 0);
    } else if (d.at("kind") == "gap") {
      const TimeNs a = parse_iso8601(d.at("start")), b = parse_iso8601(d.at("end"));
      EXPECT_EQ(b - a, 30 * kNsPerSecond);
      std::size_t total = 0;
      for (const auto& t : traces) total += t.samples.size();
      EXPECT_EQ(total, 180000u - 3000u);
      ASSERT_GE(traces.size(), 2u);
      const auto w = qp::synth::test::window(traces, a, 3000);
      for (double v : w) EXPECT_TRUE(std::isnan(v));
    } else {
      const auto w = qp::synth::test::window(traces, parse_iso8601(d.at("start")), 1);
      if (!std::isnan(w[0])) {
        EXPECT_GT(std::fabs(w[0]), 0.5e6);
      }
    }
  }
}

TEST(SynthGenerate, RealNoiseAndRealRepeaterTemplate) {
  QP_REQUIRE_SHARED();
  const fs::path data = qp::test::shared_dir() / "data";
  const fs::path dir = qp::test::temp_dir();
  SynthParams p = small_params();
  p.noise_file = (data / "gr-fur-noise-2015" / "GR.FUR..BHN.D.2015.361.mseed").string();
  p.repeater_file = (data / "nc-repeaters" / "waveforms" / "122842.mseed").string();
  p.n_stations = 2;
  p.components = {"HHZ"};  // channel k takes the file's trace k: the first two
  const SynthSummary s = generate(p, dir);
  EXPECT_EQ(s.n_channels, 2);
  const auto fam = read_csv(dir / "families.csv");
  for (const auto& r : fam.rows) {
    EXPECT_GE(std::stod(r.at("cc")), p.family_cc_min - 1e-3);
    EXPECT_LE(std::stod(r.at("cc")), p.family_cc_max + 1e-3);
  }
  // Stations do not share noise: channels are uncorrelated.
  const auto a = qp::synth::test::read_channel(dir, "SY.S01..HHZ");
  const auto b = qp::synth::test::read_channel(dir, "SY.S02..HHZ");
  const auto wa = qp::synth::test::window(a, p.start, 60000), wb = qp::synth::test::window(b, p.start, 60000);
  EXPECT_LT(std::fabs(pearson(wa, wb)), 0.2);
  double e = 0;
  for (double v : wa) e += v * v;
  EXPECT_GT(std::sqrt(e / wa.size()), 0.3 * p.noise_amplitude);
  // The recorded event's onset lies at its truth P: at every channel its P
  // picks stand above the noise as the model families' do (an onset found
  // on the filters' start-up transient put the truth P 7 s before the
  // event on the first trace, at SNR ~1).
  const auto cat = read_csv(dir / "truth_catalog.csv");
  std::map<std::string, std::string> family;
  for (const auto& r : cat.rows) family[r.at("event_id")] = r.at("family_id");
  std::map<std::string, std::map<std::string, std::vector<double>>> snr;  // channel -> family -> P SNRs
  for (const auto& r : read_csv(dir / "truth_picks.csv").rows)
    if (r.at("phase") == "P") snr[r.at("seed_id")][family[r.at("event_id")]].push_back(std::stod(r.at("snr")));
  const auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  ASSERT_EQ(snr.size(), 2u);
  for (auto& [channel, by_family] : snr) {
    ASSERT_FALSE(by_family["F01"].empty()) << channel;
    ASSERT_FALSE(by_family["F02"].empty()) << channel;
    EXPECT_GT(median(by_family["F01"]), 0.3 * median(by_family["F02"])) << channel;
  }
}

TEST(SynthGenerate, RealNoiseRepeatsNothingAndSharesNothing) {
  // The KW1 record (2 h 36 min) holds strong transients. Its noise used to be
  // the record itself, tiled, at an offset per channel: every transient
  // reached every channel, and after 2 x 2.6 h each channel repeated exactly,
  // at all stations at once (a detector found "repeating events" there).
  QP_REQUIRE_SHARED();
  const fs::path kw1 = qp::test::shared_dir() / "data" / "kw1-noise-2011" / "BW.KW1..EHZ.D.2011.090.mseed";
  if (!fs::exists(kw1)) GTEST_SKIP() << kw1 << " is absent";
  const fs::path dir = qp::test::temp_dir();
  SynthParams p;
  p.seed = 3;
  p.sampling_rate = 20;  // 6 h at 20 Hz keeps the correlations quick
  p.signal_fmax_hz = 8;
  p.duration_s = 21600;  // longer than twice the record: a tiling would repeat
  p.n_stations = 2;
  p.components = {"HHZ", "HHN"};
  p.n_families = 0;
  p.n_swarm_families = 0;
  p.n_singletons = 0;
  p.noise_file = kw1.string();
  generate(p, dir);
  {
    // Same seed, byte-identical files (with another block size, too).
    const fs::path again = qp::test::temp_dir("again");
    SynthParams q = p;
    q.block_s = 777;
    generate(q, again);
    const auto fa = all_files(dir), fb = all_files(again);
    ASSERT_EQ(fa.size(), fb.size());
    for (const auto& [name, bytes] : fa) EXPECT_TRUE(bytes == fb.at(name)) << name;
  }

  const std::size_t n = 21600 * 20;
  const Biquad hp = Biquad::highpass(1.0, std::sqrt(0.5), 20.0);
  auto above_1hz = [&](std::vector<double> x) {
    hp.run(x);
    hp.run(x);
    return x;
  };
  auto channel = [&](const std::string& id) {
    const auto w = qp::synth::test::window(qp::synth::test::read_channel(dir, id), p.start, n);
    for (double v : w) EXPECT_FALSE(std::isnan(v)) << id;
    return w;
  };
  const auto z1 = channel("SY.S01..HHZ"), n1 = channel("SY.S01..HHN"), z2 = channel("SY.S02..HHZ");
  double e = 0;
  for (double v : z1) e += v * v;
  const double rms = std::sqrt(e / n);
  EXPECT_GT(rms, 0.6 * p.noise_amplitude);  // station factor 0.7-1.4
  EXPECT_LT(rms, 1.5 * p.noise_amplitude);
  const auto hz1 = above_1hz(z1), hn1 = above_1hz(n1), hz2 = above_1hz(z2);

  // The record at 20 Hz, for comparison.
  const auto traces = qp::pre::read_waveform_file(kw1.string());
  ASSERT_EQ(traces.size(), 1u);
  const auto rec = above_1hz(resample(traces[0].samples, traces[0].sampling_rate, 20.0));

  // No coherence between components or stations at any lag, no repetition
  // within a channel beyond 200 s (the record length and the old period
  // 2 x record included).
  const double c_zn = qp::synth::test::max_abs_xcorr(hz1, hn1);
  const double c_zz = qp::synth::test::max_abs_xcorr(hz1, hz2);
  const double c_self = qp::synth::test::max_abs_xcorr(hz1, hz1, 200 * 20);
  EXPECT_LT(c_zn, 0.05);
  EXPECT_LT(c_zz, 0.05);
  EXPECT_LT(c_self, 0.05);

  // No 10 min stretch of a channel is a stretch of the record (at any lag,
  // normalised by the record's energy in each window): a tiled record gave 1.
  // KW1 has a steady 6.16 Hz line (about 12 % of its power above 1 Hz) that
  // the noise keeps, with new phases: it alone correlates up to about 0.15.
  std::vector<double> c(rec.size() + 1, 0.0);
  for (std::size_t i = 0; i < rec.size(); ++i) c[i + 1] = c[i] + rec[i] * rec[i];
  double worst = 0;
  for (std::size_t from : {std::size_t{0}, n / 3, n - 12000}) {
    const std::vector<double> piece(hz1.begin() + from, hz1.begin() + from + 12000);
    const auto r = qp::synth::test::xcorr(piece, rec);
    for (std::size_t k = 0; k + piece.size() <= rec.size(); ++k)
      worst = std::max(worst, std::fabs(r[piece.size() - 1 + k]) *
                                  std::sqrt(c.back() / (c[k + piece.size()] - c[k])));
  }
  EXPECT_LT(worst, 0.3);
  std::cout << "KW1 noise: rms " << rms << ", max |cc| Z-N " << c_zn << ", S01-S02 " << c_zz
            << ", self beyond 200 s " << c_self << ", 10 min vs record " << worst << "\n";
}

// Weak family members: each one's station SNR (largest pick SNR of the
// station's channels) at its 3rd best station lands in weak_event_snr, and
// with none asked for the files are those of the defaults.
TEST(SynthGenerate, WeakEventsReachTheirSnrBand) {
  const fs::path plain = qp::test::temp_dir(), none = qp::test::temp_dir(), weak = qp::test::temp_dir();
  SynthParams p = small_params();
  p.n_stations = 4;
  p.duration_s = 3600;
  generate(p, plain);
  SynthParams p0 = p;
  p0.weak_events_per_family = 0;
  p0.weak_event_snr_min = 2.0;  // unused without weak events
  generate(p0, none);
  EXPECT_EQ(all_files(plain), all_files(none));

  p.weak_events_per_family = 3;
  p.weak_event_snr_min = 1.5;
  p.weak_event_snr_max = 3.0;
  generate(p, weak);
  const auto cat = read_csv(weak / "truth_catalog.csv");
  const auto picks = read_csv(weak / "truth_picks.csv");
  std::map<std::string, std::map<std::string, double>> snr;  // event -> station -> SNR
  for (const auto& r : picks.rows) {
    const std::string& id = r.at("seed_id");
    const std::string sta = id.substr(0, id.find('.', id.find('.') + 1));
    double& s = snr[r.at("event_id")][sta];
    s = std::max(s, std::stod(r.at("snr")));
  }
  int in_band = 0, family_events = 0;
  for (const auto& r : cat.rows) {
    if (r.at("family_id").empty()) continue;
    ++family_events;
    std::vector<double> v;
    for (const auto& [sta, s] : snr.at(r.at("event_id"))) v.push_back(s);
    std::sort(v.rbegin(), v.rend());
    ASSERT_EQ(v.size(), 4u);
    in_band += v[2] >= 1.5 && v[2] < 3.0 + 1e-6;
  }
  // 2 families of 3-4 events plus 3 weak ones each.
  EXPECT_GE(family_events, 2 * (3 + 3));
  EXPECT_LE(family_events, 2 * (4 + 3));
  EXPECT_GE(in_band, 2 * 3);  // every weak event, and any default one that happens to be weak
  EXPECT_LT(in_band, family_events);
}
