// SynthParams from [synth] and the errors of impossible requests: each names
// its key (or file), and nothing is written.
#include <gtest/gtest.h>

#include <filesystem>

#include <toml.hpp>

#include "pipeline/error.hpp"
#include "synth/generate.hpp"
#include "synth/synth_params.hpp"
#include "tests/support/test_support.hpp"

namespace fs = std::filesystem;
using namespace qp;
using namespace qp::synth;

namespace {

SynthParams parse(const std::string& text) {
  std::istringstream in(text);
  const toml::value root = toml::parse(in, "test.toml");
  const toml::value* sec = root.contains("synth") ? &root.at("synth") : nullptr;
  ConfigSection s("synth", sec);
  SynthParams p = SynthParams::from_config(s);
  s.reject_unknown_keys();
  return p;
}

std::string key_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.key();
  }
  return "(no error)";
}

/// Runs generate and expects ConfigError naming `key`, and no output folder.
void expect_config_error(const SynthParams& p, const std::string& key) {
  const fs::path dir = qp::test::temp_dir() / "out";
  try {
    generate(p, dir);
    ADD_FAILURE() << "no error for " << key;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), key) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir)) << "output left behind for " << key;
}

}  // namespace

TEST(SynthParams, EmptySectionGivesTheDefaults) {
  const SynthParams p = parse("");
  EXPECT_EQ(p.start, parse_iso8601("2024-01-01T00:00:00Z"));
  EXPECT_EQ(p.duration_s, 21600);
  EXPECT_EQ(p.sampling_rate, 100);
  EXPECT_EQ(p.network, "SY");
  EXPECT_EQ(p.n_stations, 4);
  EXPECT_EQ(p.components, (std::vector<std::string>{"HHZ", "HHN", "HHE"}));
  EXPECT_EQ(p.n_families, 4);
  EXPECT_EQ(p.events_per_family_min, 3);
  EXPECT_EQ(p.events_per_family_max, 6);
  EXPECT_EQ(p.n_singletons, 3);
  EXPECT_DOUBLE_EQ(p.family_cc_min, 0.5);
  EXPECT_DOUBLE_EQ(p.family_cc_max, 0.95);
  EXPECT_DOUBLE_EQ(p.signal_fmax_hz, 20);
  EXPECT_EQ(p.snr_band(), std::make_pair(3.0, 12.0));  // the demo's [preprocess] band
  EXPECT_EQ(p.n_samples(), 2160000);
}

TEST(SynthParams, ReadsKeys) {
  const SynthParams p = parse(R"([synth]
seed = 42
start = "2011-03-31T00:00:00Z"
duration_s = 600
sampling_rate = 20
components = ["EHZ"]
events_per_family = [2, 9]
layer_tops_km = [0, 3, 15]
layer_vp = [4.5, 6.0, 6.8]
layer_vs = [2.6, 3.46, 3.9]
dead_channel = true
)");
  EXPECT_EQ(p.seed, 42u);
  EXPECT_EQ(p.start, parse_iso8601("2011-03-31T00:00:00Z"));
  EXPECT_DOUBLE_EQ(p.signal_fmax_hz, 8.0);  // default follows the rate: 0.4 * 20
  EXPECT_EQ(p.snr_band(), std::make_pair(2.0, 8.0));  // so does the SNR band: 3-12 Hz below 0.1 and 0.4 * 20
  EXPECT_EQ(p.events_per_family_max, 9);
  EXPECT_EQ(p.layer_vp.size(), 3u);
  EXPECT_TRUE(p.dead_channel);
}

TEST(SynthParams, BadKeysAreNamedWithTheirLine) {
  EXPECT_EQ(key_of("[synth]\nn_stations = 0\n"), "synth.n_stations");
  EXPECT_EQ(key_of("[synth]\nduration_s = -5\n"), "synth.duration_s");
  EXPECT_EQ(key_of("[synth]\nsampling_rate = 30\nsignal_fmax_hz = 20\n"), "synth.sampling_rate");
  EXPECT_EQ(key_of("[synth]\nstart = \"yesterday\"\n"), "synth.start");
  EXPECT_EQ(key_of("[synth]\nfamily_cc_min = 0.9\nfamily_cc_max = 0.8\n"), "synth.family_cc_max");
  EXPECT_EQ(key_of("[synth]\nevents_per_family = [1, 3]\n"), "synth.events_per_family");
  EXPECT_EQ(key_of("[synth]\nlayer_tops_km = [0, 5]\nlayer_vp = [5]\nlayer_vs = [3, 3.5]\n"),
            "synth.layer_vp");
  EXPECT_EQ(key_of("[synth]\ncomponents = [\"HHZ\", \"HHZ\"]\n"), "synth.components");
  EXPECT_EQ(key_of("[synth]\nnoise_amplitude = \"loud\"\n"), "synth.noise_amplitude");
  EXPECT_EQ(key_of("[synth]\nnsations = 3\n"), "synth.nsations");  // unknown key
  EXPECT_EQ(key_of("[synth]\nsnr_band_hz = [3, 60]\n"), "synth.snr_band_hz");  // above Nyquist (50 Hz)
  EXPECT_EQ(key_of("[synth]\nsnr_band_hz = [3]\n"), "synth.snr_band_hz");
  try {
    parse("[synth]\nseed = 1\n\nn_stations = 0\n");
    ADD_FAILURE() << "n_stations = 0 was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), 4);
  }
}

TEST(SynthParams, ImpossibleRequestsWriteNothing) {
  SynthParams p;
  p.n_stations = 0;
  expect_config_error(p, "synth.n_stations");
  p = SynthParams();
  p.duration_s = -1;
  expect_config_error(p, "synth.duration_s");
  p = SynthParams();
  p.signal_fmax_hz = 30;
  p.sampling_rate = 50;
  expect_config_error(p, "synth.sampling_rate");
  p = SynthParams();
  p.duration_s = 60;  // a family of 6 events 30 s apart does not fit
  p.min_interevent_s = 30;
  expect_config_error(p, "synth.duration_s");
}

TEST(SynthParams, UnreadableNoiseFileIsAnInputErrorNamingIt) {
  const fs::path tmp = qp::test::temp_dir();
  const fs::path dir = tmp / "out";
  SynthParams p;
  p.duration_s = 60;
  p.min_interevent_s = 1;
  p.noise_file = (tmp / "no-such-noise.mseed").string();
  try {
    generate(p, dir);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), *p.noise_file);
  }
  EXPECT_FALSE(fs::exists(dir));
  // A file that is not miniSEED.
  const fs::path junk = tmp / "junk.mseed";
  std::ofstream(junk) << "this is not miniSEED at all, just text that goes on for a while\n";
  p.noise_file = junk.string();
  EXPECT_THROW(generate(p, dir), InputError);
  EXPECT_FALSE(fs::exists(dir));
  p.noise_file.reset();
  p.repeater_file = junk.string();
  EXPECT_THROW(generate(p, dir), InputError);
  EXPECT_FALSE(fs::exists(dir));
}
