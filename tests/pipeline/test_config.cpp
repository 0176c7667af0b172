#include "pipeline/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_support.hpp"

using namespace qp;

namespace {

const char* kMinimal = R"(
[run]
directory = "out"
seed = 7

[[stations]]
network = "Z7"
station = "LIND"
channels = ["HHZ", "HHN"]
files = ["data/*.mseed"]

[fingerprint]
spec_length = 6.0
k_coef = 200
)";

}  // namespace

TEST(Config, ReadsRunAndStations) {
  Config c = Config::from_string(kMinimal, "/tmp/project/run.toml");
  EXPECT_EQ(c.run().directory, std::filesystem::path("/tmp/project/out"));
  EXPECT_EQ(c.run().seed, 7u);
  ASSERT_EQ(c.stations().size(), 1u);
  const auto ch = c.channels();
  ASSERT_EQ(ch.size(), 2u);
  EXPECT_EQ(ch[0].seed_id(), "Z7.LIND..HHN");  // sorted by SEED id
  EXPECT_EQ(ch[1].seed_id(), "Z7.LIND..HHZ");
}

TEST(Config, DefaultsAndEffectiveText) {
  Config c = Config::from_string(kMinimal, "/tmp/project/run.toml");
  auto& fp = c.section("fingerprint");
  EXPECT_DOUBLE_EQ(fp.get_double("spec_length", 10.0, 0.1, 100), 6.0);
  EXPECT_DOUBLE_EQ(fp.get_double("spec_lag", 0.2, 0.001, 10), 0.2);  // default
  EXPECT_EQ(fp.get_int("k_coef", 400, 1), 200);
  c.reject_unknown();
  const std::string text = c.effective_text();
  EXPECT_NE(text.find("spec_lag = 0.2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("spec_length = 6.0\n"), std::string::npos) << text;
  // Same config text gives the same hash; a changed value another.
  Config d = Config::from_string(kMinimal, "/tmp/project/run.toml");
  auto& fp2 = d.section("fingerprint");
  fp2.get_double("spec_length", 10.0, 0.1, 100);
  fp2.get_double("spec_lag", 0.25, 0.001, 10);
  fp2.get_int("k_coef", 400, 1);
  EXPECT_NE(c.hash_of({"fingerprint"}), d.hash_of({"fingerprint"}));
  EXPECT_EQ(c.hash_of({"stations"}), d.hash_of({"stations"}));
}

TEST(Config, RejectsUnknownKeyWithLine) {
  Config c = Config::from_string(std::string(kMinimal) + "spec_lenght = 3.0\n", "/tmp/x.toml");
  auto& fp = c.section("fingerprint");
  fp.get_double("spec_length", 6.0);
  fp.get_int("k_coef", 200);
  try {
    c.reject_unknown();
    FAIL() << "unknown key accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "fingerprint.spec_lenght");
    EXPECT_EQ(e.line(), 15);
    EXPECT_NE(std::string(e.what()).find("unknown key"), std::string::npos);
  }
}

TEST(Config, RejectsWrongTypeAndRange) {
  Config c = Config::from_string(std::string(kMinimal) + "nfreq = \"32\"\n", "/tmp/x.toml");
  auto& fp = c.section("fingerprint");
  try {
    fp.get_int("nfreq", 32, 1);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "fingerprint.nfreq");
    EXPECT_EQ(e.line(), 15);
    EXPECT_NE(std::string(e.what()).find("expected an integer"), std::string::npos);
  }
  try {
    fp.get_int("k_coef", 200, 1, 100);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), 14);
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos);
  }
}

TEST(Config, RejectsBadStationsAndSections) {
  EXPECT_THROW(Config::from_string("[run]\n", "/tmp/x.toml"), ConfigError);
  EXPECT_THROW(Config::from_string(std::string(kMinimal) + "[fingerprnt]\na = 1\n", "/tmp/x.toml"),
               ConfigError);
  EXPECT_THROW(Config::from_string(R"([[stations]]
network = "Z7"
station = "LIND"
channels = ["HZ"]
files = ["x"]
)", "/tmp/x.toml"), ConfigError);
  EXPECT_THROW(Config::from_string("a = [", "/tmp/x.toml"), ConfigError);
}

TEST(Config, GlobsResolveRelativeToConfigAndFailWhenEmpty) {
  const auto dir = test::temp_dir();
  std::filesystem::create_directories(dir / "data");
  std::ofstream(dir / "data" / "b.mseed") << "x";
  std::ofstream(dir / "data" / "a.mseed") << "x";
  Config c = Config::from_string(kMinimal, dir / "run.toml");
  const auto files = c.files_of(c.stations()[0]);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].filename(), "a.mseed");
  Config empty = Config::from_string(R"([[stations]]
network = "Z7"
station = "LIND"
channels = ["HHZ"]
files = ["nothing/*.mseed"]
)", dir / "run.toml");
  try {
    empty.files_of(empty.stations()[0]);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("matches no file"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("nothing/*.mseed"), std::string::npos);
  }
}
