// The run store's typed unit files: each kind round-trips through its
// writer and reader, and a file of another format version is refused with a
// message naming the file and both versions.
#include <gtest/gtest.h>

#include <cmath>

#include "pipeline/error.hpp"
#include "pipeline/unit_format.hpp"
#include "runstore/event_unit.hpp"
#include "runstore/fingerprint_unit.hpp"
#include "runstore/match_unit.hpp"
#include "runstore/pair_unit.hpp"
#include "runstore/waveform_unit.hpp"
#include "tests/support/test_support.hpp"

using namespace qp;
namespace fs = std::filesystem;

namespace {

template <class Fill>
fs::path write_file(const fs::path& path, Fill fill) {
  h5::File f = h5::File::create(path);
  fill(f);
  f.close();
  return path;
}

// The message of the InputError `read` throws ("" when none).
template <class Read>
std::string refusal(Read read) {
  try {
    read();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(WaveformUnit, RoundTrips) {
  const auto dir = test::temp_dir();
  runstore::ChannelWaveform w;
  w.seed_id = "XX.AB..HHZ";
  w.sampling_rate = 50;
  w.start = 1408838400000000000;
  w.samples = {1.5f, -2.f, 0.f, 4.25f};
  w.mask = {1, 1, 0, 1};
  w.inclination_deg = 0;
  const auto p = write_file(dir / "w.h5", [&](h5::File& f) { runstore::write_waveform_unit(f, w); });
  const runstore::ChannelWaveform r = runstore::read_waveform_unit(p);
  EXPECT_EQ(r.seed_id, w.seed_id);
  EXPECT_EQ(r.sampling_rate, 50);
  EXPECT_EQ(r.start, w.start);
  EXPECT_EQ(r.samples, w.samples);
  EXPECT_EQ(r.mask, w.mask);
  EXPECT_EQ(r.valid_count(), 3u);
  EXPECT_EQ(r.inclination_deg, 0);
  EXPECT_EQ(runstore::read_waveform_info(p).sampling_rate, 50);
  // Unknown inclination stays unknown.
  w.inclination_deg = std::nan("");
  const auto q = write_file(dir / "w2.h5", [&](h5::File& f) { runstore::write_waveform_unit(f, w); });
  EXPECT_TRUE(std::isnan(runstore::read_waveform_info(q).inclination_deg));
}

TEST(FingerprintUnit, RoundTripsInBothBitOrders) {
  const auto dir = test::temp_dir();
  runstore::FingerprintUnit u;
  u.seed_id = "XX.AB..HHZ";
  u.parameters = "fp_length = 64\n";
  u.nbits = 100;
  u.words = 2;
  u.dt_fp = 500000000;
  // Fingerprint 0 has only bit 0 set, fingerprint 1 only bit 64 (MSB first).
  u.bits = {1ULL << 63, 0, 0, 1ULL << 63};
  u.times = {10, 20};
  const auto p = write_file(dir / "f.h5", [&](h5::File& f) { runstore::write_fingerprint_unit(f, u); });
  const auto msb = runstore::read_fingerprint_unit(p, runstore::BitOrder::kMsbFirst);
  EXPECT_EQ(msb.bits, u.bits);
  EXPECT_EQ(msb.times, u.times);
  EXPECT_EQ(msb.nbits, 100u);
  EXPECT_EQ(msb.words, 2u);
  EXPECT_EQ(msb.dt_fp, u.dt_fp);
  EXPECT_EQ(msb.parameters, u.parameters);
  const auto lsb = runstore::read_fingerprint_unit(p, runstore::BitOrder::kLsbFirst);
  EXPECT_EQ(lsb.bits, (std::vector<std::uint64_t>{1, 0, 0, 1}));  // bit b is bit b % 64

  const runstore::MadUnit m{"XX.AB..HHZ", "sampled", {0.5, 1.5}, {2.0, 3.0}};
  const auto mp = write_file(dir / "mad.h5", [&](h5::File& f) { runstore::write_mad_unit(f, m); });
  const auto mr = runstore::read_mad_unit(mp);
  EXPECT_EQ(mr.median, m.median);
  EXPECT_EQ(mr.mad, m.mad);
  EXPECT_EQ(mr.source, "sampled");
  // A statistics file is not a fingerprint unit.
  EXPECT_NE(refusal([&] { runstore::read_fingerprint_unit(mp, runstore::BitOrder::kMsbFirst); })
                .find("a 'fingerprint-mad' unit"),
            std::string::npos);
}

TEST(PairUnit, RoundTrips) {
  const auto dir = test::temp_dir();
  const std::vector<runstore::TimePair> pairs = {{10, 20, 5}, {10, 30, 7}, {15, 40, 100}};
  const auto p = write_file(dir / "p.h5", [&](h5::File& f) {
    runstore::write_pair_unit(f, pairs, {3, 1, "full"});
  });
  const auto r = runstore::read_pair_unit(p);
  ASSERT_EQ(r.size(), 3u);
  for (std::size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].t1, pairs[i].t1);
    EXPECT_EQ(r[i].t2, pairs[i].t2);
    EXPECT_EQ(r[i].votes, pairs[i].votes);
  }
  EXPECT_EQ(h5::File::open_read(p).attr_string("mode"), "full");
}

TEST(EventUnit, RoundTrips) {
  const auto dir = test::temp_dir();
  catalog::Event a;
  a.event_id = "qp20140824T000312.35";
  a.first_arrival = 1408838592350000000;
  a.origin_time = 1408838590000000000;
  a.latitude = 64.6;
  a.longitude = -17.5;
  a.depth_km = 5.5;
  a.n_stations = 2;
  a.stations = {"Z7.LIND", "Z7.DYJN"};
  a.family_id = a.event_id;
  a.n_linked = 3;
  a.score = 12.5;
  a.picks = {{a.event_id, "Z7.LIND..HHZ", "P", a.first_arrival, 0.1, 0.8},
             {a.event_id, "Z7.DYJN..HHZ", "S", a.first_arrival + 2000000000, 0.2, 0.6}};
  catalog::Event b;  // unlocated, no family, no picks
  b.event_id = "qp20140824T010000.00";
  b.first_arrival = 1408842000000000000;
  b.n_stations = 3;
  b.stations = {"Z7.A", "Z7.B", "Z7.C"};
  b.score = 4;
  const auto p = write_file(dir / "e.h5", [&](h5::File& f) {
    runstore::write_event_unit(f, {a, b}, {7, 2, 500000000});
  });
  const auto r = runstore::read_event_unit(p);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].event_id, a.event_id);
  EXPECT_EQ(r[0].origin_time, a.origin_time);
  EXPECT_EQ(r[0].latitude, a.latitude);
  EXPECT_EQ(r[0].depth_km, a.depth_km);
  EXPECT_FALSE(r[0].origin_uncertainty_s.has_value());
  EXPECT_EQ(r[0].stations, a.stations);
  EXPECT_EQ(r[0].family_id, a.family_id);
  EXPECT_EQ(r[0].n_linked, 3);
  EXPECT_EQ(r[0].score, 12.5);
  ASSERT_EQ(r[0].picks.size(), 2u);
  EXPECT_EQ(r[0].picks[1].seed_id, "Z7.DYJN..HHZ");
  EXPECT_EQ(r[0].picks[1].phase, "S");
  EXPECT_EQ(r[0].picks[1].time, a.first_arrival + 2000000000);
  EXPECT_EQ(r[0].picks[1].similarity, 0.6);
  EXPECT_EQ(r[1].event_id, b.event_id);
  EXPECT_FALSE(r[1].origin_time.has_value());
  EXPECT_FALSE(r[1].latitude.has_value());
  EXPECT_TRUE(r[1].family_id.empty());
  EXPECT_TRUE(r[1].picks.empty());
  EXPECT_EQ(h5::File::open_read(p).attr_int("station_pairs"), 7);
}

TEST(MatchUnit, RoundTrips) {
  const auto dir = test::temp_dir();
  match::PreparedTemplate t;
  t.template_id = "qp20140824T000312.35";
  t.first_arrival = 1000000000;
  t.reference = 900000000;
  t.origin_time = 800000000;
  t.seed_ids = {"XX.AB..HHZ"};
  t.offsets = {0};
  match::SpanResult r;
  r.levels = {{0.1, 0.02, 1000}};
  r.thresholds = {0.5};
  match::SpanDetection d;
  d.template_index = 0;
  d.reference_time = 5900000000;  // lag 5 s
  d.stack_cc = 0.75f;
  d.mad_multiple = 12;
  d.channels = 1;
  match::ChannelMeasurement m;
  m.valid = true;
  m.cc = 0.75;
  m.amplitude_ratio = 2;
  d.measurement.channels = {m};
  d.measurement.relative_magnitude = 0.3;
  r.detections = {d};
  // A confirmation of a roughly timed event "qpR" (candidate 1 of 2), lag 7 s.
  match::SpanDetection c = d;
  c.reference_time = 7900000000;
  c.candidate = 1;
  r.confirmations = {c};
  const std::vector<match::Candidate> candidates = {{"qpQ", 0, 1}, {"qpR", 7000000000, 9000000000}};
  const auto p = write_file(dir / "m.h5", [&](h5::File& f) { runstore::write_match_unit(f, {t}, r, 100.0, candidates); });
  const auto got = runstore::read_match_unit(p);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].confirms.empty());
  EXPECT_EQ(got[1].confirms, "qpR");
  EXPECT_EQ(got[1].first_arrival, 8000000000);
  EXPECT_EQ(got[0].template_id, t.template_id);
  EXPECT_EQ(got[0].first_arrival, 6000000000);
  EXPECT_EQ(got[0].origin_time, 5800000000);
  EXPECT_FLOAT_EQ(static_cast<float>(got[0].cc), 0.75f);
  EXPECT_EQ(got[0].mad_multiple, 12);
  EXPECT_EQ(got[0].relative_magnitude, 0.3);
  EXPECT_EQ(got[0].channels, 1u);
}

TEST(UnitFormat, RefusesOtherVersionsNamingFileAndVersions) {
  const auto dir = test::temp_dir();
  // A file of a future version.
  const auto future = write_file(dir / "future.h5", [&](h5::File& f) {
    f.set_attr("format", std::string("pairs"));
    f.set_attr("format_version", std::int64_t{99});
    f.write<std::int64_t>("t1", {10});
    f.write<std::int64_t>("t2", {20});
    f.write<std::uint32_t>("votes", {5});
  });
  const std::string msg = refusal([&] { runstore::read_pair_unit(future); });
  EXPECT_NE(msg.find(future.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("found format_version 99"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected a 'pairs' unit of format_version " +
                     std::to_string(unit_format(UnitKind::kPairs).version)),
            std::string::npos)
      << msg;
  // A file of a quakeprint before formats were versioned: version 0.
  const auto old = write_file(dir / "old.h5", [&](h5::File& f) {
    f.write<std::int64_t>("t1", {10});
    f.write<std::int64_t>("t2", {20});
    f.write<std::uint32_t>("votes", {5});
  });
  const std::string old_msg = refusal([&] { runstore::read_pair_unit(old); });
  EXPECT_NE(old_msg.find(old.string()), std::string::npos) << old_msg;
  EXPECT_NE(old_msg.find("format_version 0"), std::string::npos) << old_msg;
  EXPECT_FALSE(has_current_format(h5::File::open_read(old)));
  EXPECT_FALSE(has_current_format(h5::File::open_read(future)));
  // Another kind of unit is refused too.
  const auto events = write_file(dir / "e.h5", [&](h5::File& f) { runstore::write_event_unit(f, {}, {}); });
  EXPECT_TRUE(has_current_format(h5::File::open_read(events)));
  EXPECT_NE(refusal([&] { runstore::read_pair_unit(events); }).find("a 'events' unit"), std::string::npos);
}
