// Readers against the real recordings in ../shared/data, and every kind of
// bad input giving an InputError that names the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <cstring>
#include <limits>
#include <sstream>

#include "pipeline/error.hpp"
#include "preprocess/waveform_reader.hpp"
#include "tests/support/test_support.hpp"

namespace qp::pre {
namespace {

using qp::test::shared_dir;
namespace fs = std::filesystem;

std::string data(const std::string& rel) { return (shared_dir() / "data" / rel).string(); }

// By value: callers bind the result of a temporary vector.
Trace only(std::vector<Trace> t) {
  EXPECT_EQ(t.size(), 1u);
  return t.at(0);
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Expects an InputError whose message names `file` and contains `needle`.
template <class F>
void expect_input_error(F&& f, const std::string& file, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no InputError for " << file;
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), file);
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// ------------------------------------------------------------ real data --

TEST(Readers, IcelandSteim2FourSegmentsPerChannel) {
  QP_REQUIRE_SHARED();
  const auto traces = read_waveform_file(data("iceland-z7-2014/Z7.2014-08-24T000100-001008.mseed"));
  ASSERT_EQ(traces.size(), 36u * 4u);
  const std::size_t expected_counts[4] = {7738, 37056, 3252, 3252};
  const char* expected_starts[4] = {"2014-08-24T00:01:00.140000Z", "2014-08-24T00:02:24.420000Z",
                                    "2014-08-24T00:08:58.000000Z", "2014-08-24T00:09:35.240000Z"};
  std::size_t total = 0;
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const Trace& t = traces[i];
    EXPECT_EQ(t.sampling_rate, 100.0);
    EXPECT_EQ(t.samples.size(), expected_counts[i % 4]) << t.seed_id;
    EXPECT_EQ(format_iso8601(t.start), expected_starts[i % 4]) << t.seed_id;
    EXPECT_EQ(t.seed_id.substr(0, 3), "Z7.");
    total += t.samples.size();
  }
  EXPECT_EQ(total, 1846728u);
  EXPECT_EQ(traces[0].seed_id, "Z7.DYJN..HHE");
  EXPECT_EQ(format_iso8601(traces[1].sample_time(37055)), "2014-08-24T00:08:34.970000Z");
}

// The preprocess stage's two reads: scan_waveform_file (extents, whole
// file checked) and a read of one channel within a window, against a whole read.
TEST(Readers, ScanAndSelectiveReadAgreeWithTheWholeRead) {
  QP_REQUIRE_SHARED();
  const std::string f = data("iceland-z7-2014/Z7.2014-08-24T000100-001008.mseed");
  const auto whole = read_waveform_file(f);
  const auto extents = scan_waveform_file(f);
  ASSERT_EQ(extents.size(), whole.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(extents[i].seed_id, whole[i].seed_id);
    EXPECT_EQ(extents[i].start, whole[i].start);
    EXPECT_EQ(extents[i].count, whole[i].samples.size());
    EXPECT_EQ(extents[i].end(), whole[i].sample_time(whole[i].samples.size()));
  }
  // Channel DYJN..HHZ between 00:03:00 and 00:04:00: the second segment only.
  ReadSelection sel;
  sel.channel = [](const std::string& id) { return id == "Z7.DYJN..HHZ"; };
  sel.begin = parse_iso8601("2014-08-24T00:03:00Z");
  sel.end = parse_iso8601("2014-08-24T00:04:00Z");
  const auto part = read_waveform_file(f, sel);
  std::vector<const Trace*> expected;
  for (const auto& t : whole)
    if (t.seed_id == "Z7.DYJN..HHZ") expected.push_back(&t);
  ASSERT_EQ(part.size(), expected.size());
  ASSERT_EQ(part.size(), 4u);
  std::size_t compared = 0;
  for (std::size_t k = 0; k < part.size(); ++k) {
    const Trace& a = part[k];
    const Trace& b = *expected[k];
    EXPECT_EQ(a.start, b.start);
    if (k != 1) {
      EXPECT_TRUE(a.samples.empty()) << "segment " << k << " lies outside the window";
      continue;
    }
    // Records wholly outside the window are neither decoded nor held.
    EXPECT_GT(a.first_sample, 0u);
    EXPECT_LT(a.first_sample + a.samples.size(), b.samples.size());
    EXPECT_GE(a.samples.size(), 6000u);
    for (std::size_t i = 0; i < b.samples.size(); ++i) {
      const TimeNs t = b.sample_time(i);
      if (t < sel.begin || t >= sel.end) continue;
      ASSERT_GE(i, a.first_sample);
      ASSERT_EQ(a.samples.at(i - a.first_sample), b.samples[i]) << i;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 6000u);
}

TEST(Readers, Kw1NoiseCountsAndRange) {
  QP_REQUIRE_SHARED();
  const Trace& t = only(read_waveform_file(data("kw1-noise-2011/BW.KW1..EHZ.D.2011.090.mseed")));
  EXPECT_EQ(t.seed_id, "BW.KW1..EHZ");
  EXPECT_EQ(t.samples.size(), 936001u);
  EXPECT_EQ(format_iso8601(t.start), "2011-03-31T00:00:00.180000Z");
  EXPECT_EQ(format_iso8601(t.sample_time(t.samples.size() - 1)), "2011-03-31T02:36:00.180000Z");
  EXPECT_EQ(*std::min_element(t.samples.begin(), t.samples.end()), -3841.0);
  EXPECT_EQ(*std::max_element(t.samples.begin(), t.samples.end()), 6122.0);
}

TEST(Readers, BradysSacSpans) {
  QP_REQUIRE_SHARED();
  const Trace& a = only(read_waveform_file(data("bradys-2014/sac/BXM.BT01.01.HHZ.20140407T062614.sac")));
  EXPECT_EQ(a.seed_id, "BXM.BT01.01.HHZ");
  EXPECT_EQ(a.sampling_rate, 500.0);
  EXPECT_EQ(a.samples.size(), 169001u);
  EXPECT_EQ(format_iso8601(a.start), "2014-04-07T06:26:13.999414Z");
  EXPECT_EQ(format_iso8601(a.sample_time(169000)), "2014-04-07T06:31:51.999414Z");
  const Trace& b = only(read_waveform_file(data("bradys-2014/sac/BXM.BT05.01.HHE.20140407T065341.sac")));
  EXPECT_EQ(b.seed_id, "BXM.BT05.01.HHE");
  EXPECT_EQ(b.samples.size(), 146001u);
  EXPECT_EQ(format_iso8601(b.start), "2014-04-07T06:53:40.999515Z");

  // The sac2mseed float32 cut of BT01 HHZ holds the same samples 58 s in.
  const Trace& m = only(read_waveform_file(data("format-fixtures/mseed/bradys-BT01-HHZ-float32-sac2mseed.mseed")));
  EXPECT_EQ(m.seed_id, "BX.BT01.01.HHZ");
  EXPECT_EQ(format_iso8601(m.start), "2014-04-07T06:27:11.999416Z");
  ASSERT_EQ(m.samples.size(), 5000u);
  for (std::size_t i = 0; i < m.samples.size(); ++i) ASSERT_EQ(m.samples[i], a.samples[29000 + i]) << i;
}

TEST(Readers, Kw1FixturesAllEncodingsDecodeTheSameSamples) {
  QP_REQUIRE_SHARED();
  const char* files[] = {"kw1-steim1-512-be.mseed", "kw1-steim2-256-be.mseed",  "kw1-steim2-1024-be.mseed",
                         "kw1-steim2-8192-be.mseed", "kw1-steim2-4096-le.mseed", "kw1-int16-512-be.mseed",
                         "kw1-int32-4096-le.mseed", "kw1-float32-512-be.mseed", "kw1-float64-4096-be.mseed"};
  const Trace& noise = only(read_waveform_file(data("kw1-noise-2011/BW.KW1..EHZ.D.2011.090.mseed")));
  for (const char* f : files) {
    SCOPED_TRACE(f);
    const Trace& t = only(read_waveform_file(data(std::string("format-fixtures/mseed/") + f)));
    EXPECT_EQ(t.seed_id, "BW.KW1..EHZ");
    EXPECT_EQ(t.sampling_rate, 100.0);
    EXPECT_EQ(format_iso8601(t.start), "2011-03-31T00:00:00.180000Z");
    ASSERT_EQ(t.samples.size(), 6000u);
    EXPECT_EQ(format_iso8601(t.sample_time(5999)), "2011-03-31T00:01:00.170000Z");
    EXPECT_TRUE(std::equal(t.samples.begin(), t.samples.end(), noise.samples.begin()));
  }
}

TEST(Readers, Kw1GapAndOverlapFixtures) {
  QP_REQUIRE_SHARED();
  const auto gap = read_waveform_file(data("format-fixtures/mseed/kw1-gap-5s.mseed"));
  ASSERT_EQ(gap.size(), 2u);
  EXPECT_EQ(gap[0].samples.size(), 3000u);
  EXPECT_EQ(gap[1].samples.size(), 2500u);
  EXPECT_EQ(format_iso8601(gap[0].sample_time(2999)), "2011-03-31T00:00:30.170000Z");
  EXPECT_EQ(format_iso8601(gap[1].start), "2011-03-31T00:00:35.180000Z");
  const auto ov = read_waveform_file(data("format-fixtures/mseed/kw1-overlap-10s.mseed"));
  ASSERT_EQ(ov.size(), 2u);
  EXPECT_EQ(ov[0].samples.size(), 4000u);
  EXPECT_EQ(ov[1].samples.size(), 3000u);
  EXPECT_EQ(format_iso8601(ov[1].start), "2011-03-31T00:00:30.180000Z");
}

TEST(Readers, Float64MiniseedKeepsFractions) {
  QP_REQUIRE_SHARED();
  const Trace& t = only(read_waveform_file(data("format-fixtures/mseed/nc-GAC-float64-4096.mseed")));
  EXPECT_EQ(t.seed_id, "NC.GAC..EHZ");
  EXPECT_EQ(t.samples.size(), 4543u);
  EXPECT_EQ(format_iso8601(t.start), "1988-08-25T21:48:20.970000Z");
  EXPECT_NEAR(t.samples[0], 17.65237467, 1e-8);
  EXPECT_NEAR(t.samples[1], 20.65237467, 1e-8);
  EXPECT_NEAR(t.samples[2], 18.65237467, 1e-8);
}

TEST(Readers, SacThreeWaysAgreeWithTheMiniseedOriginal) {
  QP_REQUIRE_SHARED();
  const auto mseed = read_waveform_file(data("bw-uh-2010/BW.UH1-UH4.2010-05-27T162403.mseed"));
  ASSERT_EQ(mseed.size(), 6u);
  const Trace& uh1 = mseed[0];
  ASSERT_EQ(uh1.seed_id, "BW.UH1..SHZ");
  EXPECT_EQ(uh1.samples.size(), 11517u);
  for (const char* f : {"uh1-shz-60s-bigendian.sac", "uh1-shz-60s-littleendian.sac", "uh1-shz-60s-alpha.sac"}) {
    SCOPED_TRACE(f);
    const Trace& t = only(read_waveform_file(data(std::string("format-fixtures/sac/") + f)));
    EXPECT_EQ(t.seed_id, "BW.UH1..SHZ");  // KHOLE undefined -> empty location
    EXPECT_EQ(t.sampling_rate, 50.0);     // DELTA 0.0199999996f
    EXPECT_EQ(format_iso8601(t.start), "2010-05-27T16:24:19.999998Z");
    ASSERT_EQ(t.samples.size(), 3000u);
    EXPECT_EQ(*std::min_element(t.samples.begin(), t.samples.end()), -50868.0);
    EXPECT_EQ(*std::max_element(t.samples.begin(), t.samples.end()), 49313.0);
    const std::size_t off = 816;  // (19.999998 - 3.679998) s * 50 Hz
    ASSERT_EQ(uh1.sample_time(off), t.start);
    EXPECT_TRUE(std::equal(t.samples.begin(), t.samples.end(), uh1.samples.begin() + off));
  }
}

// SAC as NIED distributes Hi-net data: KSTNM "N.STA", KNETWK unset, KCMPNM
// "U"; CMPINC tells the component's inclination.
TEST(Readers, HinetStyleSacHeaders) {
  QP_REQUIRE_SHARED();
  std::string sac = qp::test::read_file(data("format-fixtures/sac/uh1-shz-60s-littleendian.sac"));
  auto put = [&](std::size_t offset, const std::string& text) {
    std::string field = text;
    field.resize(8, ' ');
    sac.replace(offset, 8, field);
  };
  put(440, "N.UH1");    // KSTNM
  put(464, "-12345");   // KHOLE
  put(600, "U");        // KCMPNM
  put(608, "-12345");   // KNETWK
  const float cmpinc = 0.0f;
  std::memcpy(&sac[4 * 58], &cmpinc, 4);
  const auto dir = qp::test::temp_dir();
  const std::string f = (dir / "N.UH1.U.sac").string();
  write_bytes(f, sac);
  const Trace t = only(read_waveform_file(f));
  EXPECT_EQ(t.seed_id, "N.UH1..U");
  EXPECT_EQ(t.inclination_deg, 0.0);
  EXPECT_EQ(t.samples.size(), 3000u);

  // KSTNM without the network: resolved against the configured channels.
  put(440, "UH1");
  write_bytes(f, sac);
  std::vector<Trace> ts = read_waveform_file(f);
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].seed_id, ".UH1..U");
  resolve_missing_networks(ts, {"N.UH1..N", "N.UH1..U", "N.UH2..U"});
  EXPECT_EQ(ts[0].seed_id, "N.UH1..U");
  // Two networks with that station: left as it is (no guess).
  ts = read_waveform_file(f);
  resolve_missing_networks(ts, {"N.UH1..U", "V.UH1..U"});
  EXPECT_EQ(ts[0].seed_id, ".UH1..U");

  // Undefined CMPINC (the fixture's own) reads as NaN.
  const Trace orig = only(read_waveform_file(data("format-fixtures/sac/uh1-shz-60s-littleendian.sac")));
  EXPECT_TRUE(std::isnan(orig.inclination_deg));
}

std::vector<double> sine_expected(bool as_int) {
  std::ifstream in(data("format-fixtures/libmseed/sine-expected.csv"));
  std::string line;
  std::getline(in, line);
  std::vector<double> v;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string idx, f, i;
    std::getline(ss, idx, ',');
    std::getline(ss, f, ',');
    std::getline(ss, i, ',');
    v.push_back(as_int ? std::stod(i) : std::stod(f));
  }
  return v;
}

TEST(Readers, LibmseedReferenceEncodings) {
  QP_REQUIRE_SHARED();
  const auto ints = sine_expected(true);
  const auto floats = sine_expected(false);
  ASSERT_EQ(ints.size(), 500u);
  struct Case {
    const char* file;
    std::size_t n;
    int kind;  // 0 int32 values, 1 float32(values), 2 float64 values
  } cases[] = {{"reference-testdata-int16.mseed2", 220, 0},    {"reference-testdata-int32.mseed2", 500, 0},
               {"reference-testdata-float32.mseed2", 500, 1},  {"reference-testdata-float64.mseed2", 500, 2},
               {"reference-testdata-steim1.mseed2", 500, 0},   {"reference-testdata-steim2.mseed2", 499, 0},
               {"reference-testdata-steim1-LE.mseed2", 500, 0}, {"reference-testdata-steim2-LE.mseed2", 499, 0}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const Trace& t = only(read_waveform_file(data(std::string("format-fixtures/libmseed/") + c.file)));
    EXPECT_EQ(t.seed_id, "XX.TEST..BHZ");
    EXPECT_EQ(t.sampling_rate, 40.0);
    ASSERT_EQ(t.samples.size(), c.n);
    for (std::size_t i = 0; i < c.n; ++i) {
      const double want = c.kind == 0 ? ints[i] : c.kind == 1 ? static_cast<float>(floats[i]) : floats[i];
      if (c.kind == 2) ASSERT_NEAR(t.samples[i], want, 1e-6) << i;  // CSV holds 6 decimals
      else ASSERT_EQ(t.samples[i], want) << i;
    }
  }
}

TEST(Readers, LibmseedSpecialCases) {
  QP_REQUIRE_SHARED();
  auto lib = [](const std::string& f) { return read_waveform_file(data("format-fixtures/libmseed/" + f)); };
  EXPECT_TRUE(lib("reference-testdata-headeronly.mseed2").empty());
  EXPECT_TRUE(lib("reference-testdata-text.mseed2").empty());
  EXPECT_TRUE(lib("testdata-detection.record.mseed2").empty());
  EXPECT_EQ(only(lib("reference-testdata-oddrate.mseed2")).sampling_rate, 1080.0);
  EXPECT_EQ(format_iso8601(only(lib("reference-testdata-olden.mseed2")).start), "1964-03-27T21:11:24.987654Z");
  EXPECT_EQ(format_iso8601(only(lib("reference-testdata-flushidle.mseed2")).start), "2012-05-12T00:00:00.123457Z");
  const auto two = lib("reference-testdata-mstlpack.mseed2");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].seed_id, "XX.TEST..BHZ");
  EXPECT_EQ(two[1].seed_id, "XX.TEST..HHZ");
  EXPECT_EQ(two[1].sampling_rate, 100.0);
  EXPECT_EQ(two[0].samples.size() + two[1].samples.size(), 1000u);

  const auto three = lib("testdata-3channel-signal.mseed2");
  ASSERT_EQ(three.size(), 3u);
  for (const Trace& t : three) {
    EXPECT_EQ(t.samples.size(), 4200u);
    EXPECT_EQ(format_iso8601(t.start), "2010-02-27T06:50:00.069539Z");
    EXPECT_EQ(format_iso8601(t.sample_time(4199)), "2010-02-27T07:59:59.069539Z");
  }
  // Records of 128..8192 bytes out of time order: one contiguous series.
  const Trace& mixed = only(lib("testdata-oneseries-mixedlengths-mixedorder.mseed2"));
  EXPECT_EQ(mixed.samples.size(), 3952u);
  EXPECT_EQ(format_iso8601(mixed.sample_time(3951)), "2010-02-27T07:55:51.069539Z");

  const Trace& nob1000 = only(lib("testdata-no-blockette1000-steim1.mseed2"));
  EXPECT_EQ(nob1000.samples.size(), 7312u);
  EXPECT_EQ(format_iso8601(nob1000.start), "1995-09-22T00:00:18.238400Z");
  EXPECT_EQ(nob1000.samples[3628], 309);
  EXPECT_EQ(nob1000.samples[3631], 26);

  const Trace& tc = only(lib("testdata-unapplied-timecorrection.mseed2"));
  EXPECT_EQ(tc.samples.size(), 5980u);
  EXPECT_EQ(format_iso8601(tc.start), "2003-05-29T02:13:23.043400Z");

  struct Legacy {
    const char* file;
    std::size_t n;
    double first[4];
  } legacy[] = {{"testdata-encoding-CDSN.mseed2", 2016, {-96, -87, -100, -128}},
                {"testdata-encoding-DWWSSN.mseed2", 2016, {6, 5, 1, -9}},
                {"testdata-encoding-SRO.mseed2", 1984, {39, 42, 32, 1}},
                {"testdata-encoding-GEOSCOPE-16bit-3exp-encoded.mseed2", 2016, {-1.0625, -1.078125, -1.078125, -1.078125}}};
  for (const auto& l : legacy) {
    SCOPED_TRACE(l.file);
    const Trace& t = only(lib(l.file));
    ASSERT_EQ(t.samples.size(), l.n);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(t.samples[static_cast<std::size_t>(i)], l.first[i]);
  }
  // Broken blockette chains: rejected cleanly (never a crash).
  const std::string broken = data("format-fixtures/libmseed/testdata-invalid-blockette-offsets.mseed2");
  expect_input_error([&] { read_waveform_file(broken); }, broken, "record 0");
}

TEST(Readers, RateFromFloat32Delta) {
  EXPECT_EQ(rate_from_float32_delta(0.002f), 500.0);
  EXPECT_EQ(rate_from_float32_delta(0.02f), 50.0);
  EXPECT_EQ(rate_from_float32_delta(0.01f), 100.0);
  EXPECT_EQ(rate_from_float32_delta(1.0f / 1080.0f), 1080.0);
  EXPECT_EQ(rate_from_float32_delta(10.0f), 0.1);
}

// ------------------------------------------------------------- bad input --

TEST(ReaderErrors, MissingFile) {
  const std::string f = (qp::test::temp_dir() / "no-such-file.mseed").string();
  expect_input_error([&] { read_waveform_file(f); }, f, "cannot open");
}

TEST(ReaderErrors, UnknownFormat) {
  const auto dir = qp::test::temp_dir();
  const std::string f = (dir / "junk.bin").string();
  write_bytes(f, std::string(5000, '\x7f'));
  expect_input_error([&] { read_waveform_file(f); }, f, "not a miniSEED 2 or SAC");
  const std::string e = (dir / "empty.mseed").string();
  write_bytes(e, "");
  expect_input_error([&] { read_waveform_file(e); }, e, "empty");
}

TEST(ReaderErrors, TruncatedMiniseed) {
  QP_REQUIRE_SHARED();
  const std::string bytes = qp::test::read_file(data("kw1-noise-2011/BW.KW1..EHZ.D.2011.090.mseed"));
  const std::string f = (qp::test::temp_dir() / "truncated.mseed").string();
  write_bytes(f, bytes.substr(0, 512 * 7 + 300));  // record 7 cut after 300 bytes
  expect_input_error([&] { read_waveform_file(f); }, f, "record 7, byte offset 3584");
  expect_input_error([&] { read_waveform_file(f); }, f, "truncated");
}

TEST(ReaderErrors, CorruptMiniseedHeader) {
  QP_REQUIRE_SHARED();
  std::string bytes = qp::test::read_file(data("format-fixtures/mseed/kw1-steim2-1024-be.mseed"));
  ASSERT_EQ(bytes.size(), 7u * 1024u);
  for (std::size_t i = 0; i < 48; ++i) bytes[3 * 1024 + i] = static_cast<char>(0xA5);  // smash record 3's header
  const std::string f = (qp::test::temp_dir() / "corrupt-header.mseed").string();
  write_bytes(f, bytes);
  expect_input_error([&] { read_waveform_file(f); }, f, "record 3, byte offset 3072");
}

TEST(ReaderErrors, CorruptSteimFrames) {
  QP_REQUIRE_SHARED();
  std::string bytes = qp::test::read_file(data("format-fixtures/mseed/kw1-steim2-1024-be.mseed"));
  // Overwrite the data frames of record 2 (after its 64-byte header+blockettes).
  for (std::size_t i = 2 * 1024 + 128; i < 2 * 1024 + 512; ++i) bytes[i] = static_cast<char>(i * 37);
  const std::string f = (qp::test::temp_dir() / "corrupt-frames.mseed").string();
  write_bytes(f, bytes);
  expect_input_error([&] { read_waveform_file(f); }, f, "record 2, byte offset 2048");
  expect_input_error([&] { scan_waveform_file(f); }, f, "record 2, byte offset 2048");
}

TEST(ReaderErrors, TruncatedAndCorruptSac) {
  QP_REQUIRE_SHARED();
  const auto dir = qp::test::temp_dir();
  for (const char* src : {"uh1-shz-60s-littleendian.sac", "uh1-shz-60s-bigendian.sac"}) {
    SCOPED_TRACE(src);
    const std::string bytes = qp::test::read_file(data(std::string("format-fixtures/sac/") + src));
    ASSERT_EQ(bytes.size(), 632u + 4u * 3000u);
    const std::string cut = (dir / (std::string("cut-") + src)).string();
    write_bytes(cut, bytes.substr(0, 632 + 4 * 1000));
    expect_input_error([&] { read_waveform_file(cut); }, cut, "truncated SAC");
    expect_input_error([&] { read_waveform_file(cut); }, cut, "byte offset 4632");

    // DELTA (word 0) set to -1 in the file's own byte order.
    std::string bad = bytes;
    const bool big = std::string(src).find("big") != std::string::npos;
    const unsigned char minus_one[4] = {0xBF, 0x80, 0x00, 0x00};
    for (int i = 0; i < 4; ++i) bad[static_cast<std::size_t>(i)] = static_cast<char>(big ? minus_one[i] : minus_one[3 - i]);
    const std::string badf = (dir / (std::string("delta-") + src)).string();
    write_bytes(badf, bad);
    expect_input_error([&] { read_waveform_file(badf); }, badf, "DELTA");

    // Header cut short: no longer recognisable.
    const std::string tiny = (dir / (std::string("tiny-") + src)).string();
    write_bytes(tiny, bytes.substr(0, 400));
    expect_input_error([&] { read_waveform_file(tiny); }, tiny, "not a miniSEED 2 or SAC");
  }
}

TEST(ReaderErrors, NanSamplesNameIndexAndTime) {
  QP_REQUIRE_SHARED();
  const auto dir = qp::test::temp_dir();
  // SAC: sample 1234 set to NaN.
  std::string sac = qp::test::read_file(data("format-fixtures/sac/uh1-shz-60s-littleendian.sac"));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&sac[632 + 4 * 1234], &nan, 4);
  const std::string f = (dir / "nan.sac").string();
  write_bytes(f, sac);
  expect_input_error([&] { read_waveform_file(f); }, f, "sample 1234 at 2010-05-27T16:24:44.679998Z");
  expect_input_error([&] { read_waveform_file(f); }, f, "NaN");

  // miniSEED float32 (big-endian): first sample of record 1 set to +Inf.
  std::string ms = qp::test::read_file(data("format-fixtures/mseed/kw1-float32-512-be.mseed"));
  const unsigned char inf_be[4] = {0x7F, 0x80, 0x00, 0x00};
  // Data starts at byte 64 of each record (header 48 + B1000 8 + B1001 8).
  const std::size_t rec1 = 512;
  std::memcpy(&ms[rec1 + 64], inf_be, 4);
  const std::string g = (dir / "inf.mseed").string();
  write_bytes(g, ms);
  expect_input_error([&] { read_waveform_file(g); }, g, "infinite");
  expect_input_error([&] { read_waveform_file(g); }, g, "record 1");
  // The stage's inventory checks every sample too.
  expect_input_error([&] { scan_waveform_file(g); }, g, "infinite");
  expect_input_error([&] { scan_waveform_file(f); }, f, "sample 1234 at 2010-05-27T16:24:44.679998Z");
}

}  // namespace
}  // namespace qp::pre
