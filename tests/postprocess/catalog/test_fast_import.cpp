#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <toml.hpp>

#include "pipeline/error.hpp"
#include "postprocess/catalog/fast_import.hpp"
#include "tests/postprocess/catalog/sample_events.hpp"
#include "tests/support/test_support.hpp"

using namespace qp::catalog;
namespace fs = std::filesystem;

namespace {

struct FastFiles {
  std::vector<std::string> fp;
  std::string config, network;
};

FastFiles iceland() {
  const fs::path dir = qp::test::shared_dir() / "reference" / "fast-iceland" / "parameters";
  FastFiles f;
  for (const auto& e : fs::directory_iterator(dir / "fingerprint"))
    if (e.path().filename().string().rfind("fp_input_", 0) == 0) f.fp.push_back(e.path().string());
  std::sort(f.fp.begin(), f.fp.end());
  f.config = (dir / "config.json").string();
  f.network = (dir / "postprocess" / "network_params.json").string();
  return f;
}

}  // namespace

TEST(FastImport, IcelandReferenceParameters) {
  QP_REQUIRE_SHARED();
  const auto f = iceland();
  ASSERT_EQ(f.fp.size(), 36u);
  const std::string text = import_fast_parameters(f.fp, f.config, f.network);
  test::expect_matches_golden(text, "fast-iceland.toml");

  // Valid TOML with FAST's values under FAST's names.
  std::istringstream in(text);
  const auto doc = toml::parse(in, "imported.toml");
  const auto& fp = toml::find(doc, "fingerprint");
  EXPECT_DOUBLE_EQ(toml::find<double>(fp, "sampling_rate"), 50.0);
  EXPECT_DOUBLE_EQ(toml::find<double>(fp, "spec_lag"), 0.1);
  EXPECT_EQ(toml::find<int>(fp, "fp_length"), 64);
  EXPECT_EQ(toml::find<int>(fp, "fp_lag"), 5);
  EXPECT_EQ(toml::find<int>(fp, "k_coef"), 200);
  EXPECT_EQ(toml::find<int>(fp, "nfreq"), 32);
  const auto& search = toml::find(doc, "search");
  EXPECT_EQ(toml::find<int>(search, "ntbls"), 100);
  EXPECT_EQ(toml::find<int>(search, "nhash"), 4);
  EXPECT_EQ(toml::find<int>(search, "nvotes"), 2);
  EXPECT_EQ(toml::find<int>(search, "near_repeats"), 5);
  const auto& assoc = toml::find(doc, "associate");
  EXPECT_FALSE(assoc.as_table().count("dt_fp")) << "dt_fp is derived, written as a comment";
  EXPECT_EQ(toml::find<int>(assoc, "dgapL"), 10);
  EXPECT_EQ(toml::find<int>(assoc, "dgapW"), 3);
  EXPECT_EQ(toml::find<int>(assoc, "nsta_thresh"), 3);
  EXPECT_EQ(toml::find<int>(assoc, "input_offset"), 15);
  EXPECT_FALSE(assoc.contains("max_fp"));
  EXPECT_NE(text.find("Z7.DYJN..HHZ"), std::string::npos);
  EXPECT_NE(text.find("2014-08-24T00:01:00.000Z to 2014-08-24T00:10:08.000Z"), std::string::npos);
  EXPECT_EQ(text.find("WARNING"), std::string::npos);
}

TEST(FastImport, DisagreeingFingerprintFilesAndBadJson) {
  QP_REQUIRE_SHARED();
  const auto f = iceland();
  const auto dir = qp::test::temp_dir();
  std::string other = qp::test::read_file(f.fp[1]);
  other.replace(other.find("\"k_coef\": 200"), 13, "\"k_coef\": 100");
  const auto changed = (dir / "fp_input_changed.json").string();
  std::ofstream(changed) << other;
  try {
    import_fast_parameters({f.fp[0], changed}, f.config, f.network);
    FAIL() << "no error";
  } catch (const qp::InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("fp_input_changed.json"), std::string::npos) << m;
    EXPECT_NE(m.find("k_coef is 100"), std::string::npos) << m;
  }
  const auto broken = (dir / "config.json").string();
  std::ofstream(broken) << "{\n  \"lsh_param\": {\n    \"ntbl\": 100,\n  }\n}\n";
  try {
    import_fast_parameters({f.fp[0]}, broken, f.network);
    FAIL() << "no error";
  } catch (const qp::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("config.json (line "), std::string::npos) << e.what();
  }
  const auto missing = (dir / "network.json").string();
  std::ofstream(missing) << "{\"network\": {\"dt_fp\": 0.5}}";
  try {
    import_fast_parameters({f.fp[0]}, f.config, missing);
    FAIL() << "no error";
  } catch (const qp::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("network.dgapL"), std::string::npos) << e.what();
  }
}
