#include "pipeline/components.hpp"
#include "pipeline/config.hpp"

#include <gtest/gtest.h>

#include <cmath>
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
channels = ["H.Z"]
files = ["x"]
)", "/tmp/x.toml"), ConfigError);
  EXPECT_THROW(Config::from_string("a = [", "/tmp/x.toml"), ConfigError);
}

// Channel codes as networks deliver them (Hi-net: U, N, E), the vertical
// from the `vertical` key or the code, and errors that name the key.
TEST(Config, ChannelCodesAsNetworksDeliverThem) {
  const Config c = Config::from_string(R"([[stations]]
network = "N"
station = "ATKH"
channels = ["U", "N", "E"]
files = ["x"]

[[stations]]
network = "XX"
station = "GALP"
channels = ["HH1", "HH2", "HH3"]
vertical = "HH3"
files = ["x"]
)", "/tmp/x.toml");
  ASSERT_EQ(c.stations().size(), 2u);
  EXPECT_EQ(c.stations()[0].channels, (std::vector<std::string>{"U", "N", "E"}));
  EXPECT_EQ(c.channels()[0].seed_id(), "N.ATKH..E");
  EXPECT_EQ(choose_vertical(c.stations()[0].channels, c.stations()[0].vertical).channel, "U");
  EXPECT_EQ(choose_vertical(c.stations()[1].channels, c.stations()[1].vertical).channel, "HH3");
  EXPECT_NE(c.effective_text().find("vertical = \"HH3\""), std::string::npos);

  auto error_of = [](const std::string& channels, const std::string& extra) {
    try {
      Config::from_string("[[stations]]\nnetwork = \"N\"\nstation = \"ATKH\"\nchannels = " + channels +
                              "\n" + extra + "files = [\"x\"]\n",
                          "/tmp/x.toml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of(R"(["HHZHHZHHZ"])", "").find("stations[0].channels"), std::string::npos);
  EXPECT_NE(error_of(R"(["HHZHHZHHZ"])", "").find("1 to 8 characters"), std::string::npos);
  EXPECT_NE(error_of(R"(["U", "U"])", "").find("listed twice"), std::string::npos);
  // Networks and stations too: BXM (3 characters) is fine, 9 or a '.' is not.
  EXPECT_EQ(error_of(R"(["U"])", "network = \"BXM\"\n").find("stations[0].network"), std::string::npos);
  try {
    Config::from_string("[[stations]]\nnetwork = \"N.X\"\nstation = \"ATKH\"\nchannels = [\"U\"]\nfiles = [\"x\"]\n",
                        "/tmp/x.toml");
    ADD_FAILURE() << "network N.X accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("stations[0].network"), std::string::npos) << e.what();
  }
  const std::string v = error_of(R"(["U", "N", "E"])", "vertical = \"Z\"\n");
  EXPECT_NE(v.find("stations[0].vertical"), std::string::npos) << v;
  EXPECT_NE(v.find("not one of the station's channels"), std::string::npos) << v;
}

TEST(Components, VerticalFromConfigInclinationOrCode) {
  EXPECT_TRUE(code_says_vertical("HHZ"));
  EXPECT_TRUE(code_says_vertical("U"));      // Hi-net
  EXPECT_TRUE(code_says_vertical("wU"));
  EXPECT_FALSE(code_says_vertical("HHU"));   // Galperin axis of a SEED code, tilted
  EXPECT_TRUE(code_says_vertical("UD"));     // K-NET
  EXPECT_TRUE(code_says_vertical("UD2"));    // KiK-net surface
  EXPECT_FALSE(code_says_vertical("NS"));
  EXPECT_FALSE(code_says_vertical("EW1"));
  EXPECT_FALSE(code_says_vertical("N"));
  EXPECT_FALSE(code_says_vertical("HHE"));
  EXPECT_TRUE(inclination_says_vertical(0));
  EXPECT_TRUE(inclination_says_vertical(180));
  EXPECT_FALSE(inclination_says_vertical(90));
  EXPECT_FALSE(inclination_says_vertical(std::nan("")));
  const std::vector<std::string> chans = {"1", "2", "3"};
  EXPECT_EQ(choose_vertical(chans, "").source, VerticalSource::none);
  const VerticalChoice inc = choose_vertical(chans, "", {{"1", 90.0}, {"2", 90.0}, {"3", 0.0}});
  EXPECT_EQ(inc.channel, "3");
  EXPECT_EQ(inc.source, VerticalSource::inclination);
  EXPECT_EQ(choose_vertical(chans, "2", {{"3", 0.0}}).channel, "2");  // the config wins
  EXPECT_EQ(choose_vertical({"HHE", "HHN", "HHZ"}, "").channel, "HHZ");
  EXPECT_EQ(code_problem("HHZ"), "");
  EXPECT_EQ(code_problem("U"), "");
  EXPECT_NE(code_problem(""), "");
  EXPECT_NE(code_problem("A B"), "");
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
