// [slurm] settings: defaults, per-stage overrides, validation; the sbatch
// template rendering; `submit --dry-run` without a cluster.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <fstream>

#include "app/slurm_settings.hpp"
#include "app/stage_registry.hpp"
#include "pipeline/error.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace qp::app;

qp::Config config_of(const std::string& slurm_toml) {
  const std::string text =
      "[run]\ndirectory = \"run\"\n[[stations]]\nnetwork = \"Z7\"\nstation = \"LIND\"\n"
      "channels = [\"HHZ\"]\nfiles = [\"x.mseed\"]\n" + slurm_toml;
  return qp::Config::from_string(text, "/tmp/qp-slurm-test/config.toml");
}

TEST(SlurmSettings, Defaults) {
  auto cfg = config_of("");
  const SlurmSettings s = read_slurm_settings(cfg);
  EXPECT_EQ(s.defaults.launcher, "srun --mpi=pmix");
  EXPECT_EQ(s.defaults.ntasks, 1);
  EXPECT_EQ(s.defaults.requeue_signal_lead, 120);
  EXPECT_EQ(s.max_array_size, 0);
  ASSERT_EQ(s.stages.size(), 6u);  // the registry's stages, match included
  EXPECT_EQ(s.stage("match").array_tasks, 0);
  EXPECT_EQ(s.stage("search").launcher, "srun --mpi=pmix");
  cfg.reject_unknown();
}

TEST(SlurmSettings, StageOverridesInheritTheRest) {
  auto cfg = config_of(
      "[slurm]\npartition = \"long\"\naccount = \"geo\"\ntime = \"1-02:00:00\"\nntasks = 4\n"
      "cpus_per_task = 2\nmem = \"8G\"\nlauncher = \"mpirun\"\nmax_array_size = 500\n"
      "setup = [\"module load openmpi\"]\n"
      "[slurm.search]\nntasks = 16\ntime = \"2-00:00:00\"\n[slurm.export]\nntasks = 1\n");
  const SlurmSettings s = read_slurm_settings(cfg);
  EXPECT_NO_THROW(cfg.reject_unknown());
  EXPECT_EQ(s.max_array_size, 500);
  EXPECT_EQ(s.stage("preprocess").ntasks, 4);
  EXPECT_EQ(s.stage("preprocess").partition, "long");
  EXPECT_EQ(s.stage("search").ntasks, 16);
  EXPECT_EQ(s.stage("search").time, "2-00:00:00");
  EXPECT_EQ(s.stage("search").account, "geo");
  EXPECT_EQ(s.stage("search").cpus_per_task, 2);
  EXPECT_EQ(s.stage("search").launcher, "mpirun");
  EXPECT_EQ(s.stage("export").ntasks, 1);
  EXPECT_EQ(s.stage("export").setup, std::vector<std::string>{"module load openmpi"});
}

TEST(SlurmSettings, RejectsBadValuesAndUnknownKeys) {
  for (const char* bad : {"[slurm]\ntime = \"90 minutes\"\n", "[slurm]\ntime = \"1:99:00\"\n",
                          "[slurm]\nntasks = 0\n", "[slurm]\nmem = \"lots\"\n",
                          "[slurm]\ntime = \"00:01:00\"\nrequeue_signal_lead = 120\n",
                          "[slurm.search]\ntime = \"soon\"\n", "[slurm]\nlauncher = \" \"\n"}) {
    auto cfg = config_of(bad);
    EXPECT_THROW(read_slurm_settings(cfg), qp::ConfigError) << bad;
  }
  auto cfg = config_of("[slurm]\nntask = 2\n[slurm.search]\nntasks = 2\n");
  read_slurm_settings(cfg);
  EXPECT_THROW(cfg.reject_unknown(), qp::ConfigError);
  auto cfg2 = config_of("[slurm.serach]\nntasks = 2\n");
  read_slurm_settings(cfg2);
  EXPECT_THROW(cfg2.reject_unknown(), qp::ConfigError);
}

TEST(SlurmSettings, ArrayTasksOnlyForTheUnitParallelStages) {
  auto cfg = config_of("[slurm]\narray_tasks = 4\n[slurm.fingerprint]\narray_tasks = 8\n");
  const SlurmSettings s = read_slurm_settings(cfg);
  EXPECT_EQ(s.stage("preprocess").array_tasks, 4);
  EXPECT_EQ(s.stage("fingerprint").array_tasks, 8);
  EXPECT_EQ(s.stage("match").array_tasks, 4);
  for (const char* one_job : {"search", "associate", "export"}) EXPECT_EQ(s.stage(one_job).array_tasks, 0) << one_job;
  auto bad = config_of("[slurm.associate]\narray_tasks = 2\n");
  EXPECT_THROW(read_slurm_settings(bad), qp::ConfigError);
}

TEST(StageRegistry, OrderUpstreamsAndMatchOnlyWhenEnabled) {
  std::vector<std::string> names, ups;
  for (const auto& s : all_stages()) {
    names.push_back(s.name);
    ups.push_back(s.upstream);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"preprocess", "fingerprint", "search", "associate", "match", "export"}));
  EXPECT_EQ(ups, (std::vector<std::string>{"", "preprocess", "fingerprint", "search", "associate", "associate"}));
  // Every upstream comes earlier in the order.
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!ups[i].empty()) {
      EXPECT_LT(std::find(names.begin(), names.end(), ups[i]) - names.begin(), static_cast<std::ptrdiff_t>(i));
    }
  }
  LoadedConfig lc;
  lc.cfg = config_of("");
  EXPECT_EQ(stage_chain(lc), "preprocess -> fingerprint -> search -> associate -> export");
  lc.match.enabled = true;
  EXPECT_EQ(stage_chain(lc), "preprocess -> fingerprint -> search -> associate -> match -> export");
  EXPECT_THROW(stage_info("postprocess"), qp::Error);
  EXPECT_EQ(stage_channels(stage_info("associate"), lc.cfg), std::vector<std::string>{"network"});
  EXPECT_EQ(stage_channels(stage_info("fingerprint"), lc.cfg), std::vector<std::string>{"Z7.LIND..HHZ"});
}

// A section's hash covers the keys its stage read (the effective values).
qp::Config read_two_keys(const std::string& toml) {
  auto cfg = config_of(toml);
  cfg.section("preprocess").get_double("freqmin", 2.0);
  cfg.section("search").get_int("nvotes", 2);
  return cfg;
}

TEST(StageRegistry, HashChainInvalidatesDownstreamOnly) {
  auto base = read_two_keys("");
  auto changed = read_two_keys("[search]\nnvotes = 3\n");
  std::map<std::string, bool> differs;
  for (const auto& s : all_stages())
    differs[s.name] = stage_params_hash(s, base) != stage_params_hash(s, changed);
  EXPECT_FALSE(differs["preprocess"]);
  EXPECT_FALSE(differs["fingerprint"]);
  EXPECT_TRUE(differs["search"]);
  EXPECT_TRUE(differs["associate"]);
  EXPECT_FALSE(differs["match"]);  // templates are cut from preprocessed data; its units hash the events
  EXPECT_TRUE(differs["export"]);
  auto pre = read_two_keys("[preprocess]\nfreqmin = 3.0\n");
  for (const auto& s : all_stages()) EXPECT_NE(stage_params_hash(s, base), stage_params_hash(s, pre)) << s.name;
}

TEST(SlurmSettings, TimeFormats) {
  EXPECT_EQ(parse_slurm_time("00:30:00"), 1800);
  EXPECT_EQ(parse_slurm_time("1-00:00:01"), 86401);
  EXPECT_EQ(parse_slurm_time("100:00:00"), 360000);
  EXPECT_EQ(parse_slurm_time("30"), -1);
  EXPECT_EQ(parse_slurm_time("1-24:00:00"), -1);
  EXPECT_EQ(parse_slurm_time("00:60:00"), -1);
}

TEST(SlurmTemplate, DropsLinesWithEmptyValues) {
  const std::string t = "#SBATCH --a={{A}}\n#SBATCH --b={{B}}\nx {{A}}{{B}} y\nplain\n";
  EXPECT_EQ(render_template(t, {{"A", "1"}, {"B", ""}}), "#SBATCH --a=1\nx 1 y\nplain\n");
  EXPECT_THROW(render_template("{{C}}\n", {{"A", "1"}}), qp::Error);
  EXPECT_EQ(shell_quote("/a/b.toml"), "/a/b.toml");
  EXPECT_EQ(shell_quote("a b'c"), "'a b'\\''c'");
}

TEST(SlurmTemplate, RepositoryTemplateRendersEveryPlaceholder) {
  const auto dir = find_slurm_templates({});
  EXPECT_TRUE(std::filesystem::exists(dir / "stage.sbatch"));
}

}  // namespace
