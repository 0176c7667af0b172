// Inputs the fuzzer found (fuzz/regressions/<target>/): each must now be
// refused with a typed error naming the cause, not overflow or crash (under
// the sanitizers, scripts/test.sh --sanitize, the overflow itself failed).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>

#include "pipeline/error.hpp"
#include "pipeline/time.hpp"
#include "postprocess/catalog/reference_catalog.hpp"
#include "preprocess/waveform_reader.hpp"
#include "tests/support/test_support.hpp"

namespace fs = std::filesystem;

namespace {
std::vector<fs::path> inputs(const std::string& target) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(qp::test::source_dir() / "fuzz" / "regressions" / target))
    out.push_back(e.path());
  return out;
}
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const qp::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(FuzzRegressions, TimesOutsideInt64NanosecondsAreRefused) {
  EXPECT_THROW(qp::parse_iso8601("1007-04-07T06:27:14.001Z"), std::invalid_argument);
  EXPECT_THROW(qp::parse_iso8601("2263-01-01T00:00:00Z"), std::invalid_argument);
  EXPECT_EQ(qp::parse_iso8601("1678-01-01T00:00:00Z") < 0, true);
  EXPECT_EQ(qp::format_iso8601(qp::parse_iso8601("2261-12-31T23:59:59Z"), 0), "2261-12-31T23:59:59Z");
}

TEST(FuzzRegressions, CorruptMiniseedRecords) {
  // file -> what the error must say
  const std::map<std::string, std::string> want = {
      {"crash-4f2f6acabd90f1399bc9cc174503d3008408a5fa", "start time outside the years 1678-2261"},
      // int32 samples counted beyond the record: libmseed read past its buffer
      {"crash-f51058d0fe0b458633988a38e33bd7afd7c3ecbc", "do not fit in the"},
      // records of one channel in 1755 and 2146: their time difference
      // overflowed int64 (now compared in double); read or refused, no UB
      {"crash-edbedf4197f07c2ab9fc49d1bacd54400b6e3b60", ""},
  };
  const auto files = inputs("fuzz_miniseed");
  ASSERT_EQ(files.size(), want.size());
  for (const auto& f : files) {
    const std::string msg = message_of([&] { qp::pre::read_waveform_file(f.string()); });
    ASSERT_TRUE(want.count(f.filename().string())) << f;
    if (!want.at(f.filename().string()).empty()) {
      EXPECT_NE(msg.find(want.at(f.filename().string())), std::string::npos) << f << ": " << msg;
    }
  }
}

TEST(FuzzRegressions, SacHeadersOutOfRange) {
  const std::map<std::string, std::string> want = {
      {"crash-64aa0ba018434906f13d70abee30856c90be29e7", "outside the years 1700-2200"},
      // alphanumeric header: 5.6e33 in an integer field
      {"crash-1c6fb9be8c9424601dd206d9ebbf65434e53eda7", "number out of range"},
      // alphanumeric header claiming 600 M samples in a 2 kB file: refused,
      // with no allocation sized from the header
      {"oom-2f999b2589866bfb8d3e24bed93353c9068d7718", "bad sample value in alphanumeric SAC data"},
  };
  const auto files = inputs("fuzz_sac");
  ASSERT_EQ(files.size(), want.size());
  for (const auto& f : files) {
    const std::string msg = message_of([&] { qp::pre::read_waveform_file(f.string()); });
    ASSERT_TRUE(want.count(f.filename().string())) << f;
    EXPECT_NE(msg.find(want.at(f.filename().string())), std::string::npos) << f << ": " << msg;
  }
}

TEST(FuzzRegressions, CatalogAndPicksWithYearsOutOfRange) {
  for (const auto& f : inputs("fuzz_catalog_csv")) {
    const std::string msg = message_of([&] { qp::catalog::read_reference_catalog(f.string()); });
    EXPECT_NE(msg.find("out of range"), std::string::npos) << f << ": " << msg;
  }
  const fs::path dir = qp::test::temp_dir();
  const fs::path cat = dir / "catalog.csv";
  std::ofstream(cat) << (
                       "time,latitude,longitude,depth_km,magnitude,mag_type,source\n"
                       "2014-08-24T00:01:08.920Z,64.754563,-16.946445,6,1.11,ML,QuakeMigrate example run: "
                       "located event 20140824000109140\n"
                       "2014-08-24T00:01:20.020Z,64.801211,-16.900234,6.1,1.18,ML,QuakeMigrate example run: "
                       "located event 20140824000120180\n");  // fuzz_picks_csv's catalog

  for (const auto& f : inputs("fuzz_picks_csv")) {
    auto events = qp::catalog::read_reference_catalog(cat.string()).events;
    const std::string msg = message_of([&] { qp::catalog::read_reference_picks(f.string(), events, {true}); });
    EXPECT_NE(msg.find("out of range"), std::string::npos) << f << ": " << msg;
  }
}
