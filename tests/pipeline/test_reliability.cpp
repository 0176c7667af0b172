// Stage plans (is the upstream complete?), the stage lock, stale temporaries
// and failed writes that say why (file-size limit, like a full disk).
#include <gtest/gtest.h>

#include <map>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "pipeline/atomic_file.hpp"
#include "pipeline/error.hpp"
#include "pipeline/hdf5_file.hpp"
#include "pipeline/run_lock.hpp"
#include "pipeline/run_store.hpp"
#include "pipeline/stage_plan.hpp"
#include "pipeline/unit_format.hpp"
#include "tests/support/test_support.hpp"

using namespace qp;
namespace fs = std::filesystem;

namespace {

Config make_config(const fs::path& dir) {
  return Config::from_string(R"([run]
directory = "run"
[[stations]]
network = "XX"
station = "AB"
channels = ["HHZ"]
files = ["*.mseed"]
)", dir / "c.toml");
}

void write_unit(const RunStore& store, const std::string& day, const std::string& inputs,
                const std::string& params) {
  const Provenance prov{"preprocess", "XX.AB..HHZ/" + day, "c", params, inputs, {}};
  store.write_h5(store.unit_path("preprocess", "XX.AB..HHZ", day), prov,
                 [](h5::File& f) {
                   stamp_unit_format(f, UnitKind::kWaveform);
                   f.write<float>("samples", {1, 2, 3});
                 });
}

std::vector<PlannedUnit> three_days(const RunStore& store) {
  std::vector<PlannedUnit> units;
  for (const char* day : {"2024-01-01", "2024-01-02", "2024-01-03"})
    units.push_back({std::string("XX.AB..HHZ/") + day,
                     store.relative(store.unit_path("preprocess", "XX.AB..HHZ", day)),
                     std::string("in-") + day, "P1"});
  return units;
}

bool contains(const std::vector<std::string>& v, const std::string& prefix) {
  for (const auto& s : v)
    if (s.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace

TEST(StagePlan, CompleteOnlyWhenEveryPlannedUnitIsCurrent) {
  const auto dir = test::temp_dir();
  const RunStore store(make_config(dir));
  const std::vector<std::string> channels{"XX.AB..HHZ"};

  // No plan: the stage has not run.
  Completeness c = check_complete(store, "preprocess", channels, "P1");
  EXPECT_FALSE(c.planned);
  EXPECT_FALSE(c.complete());
  EXPECT_NE(c.describe("c.toml").find("quakeprint preprocess c.toml"), std::string::npos);

  write_plan(store, "preprocess", channels, three_days(store));
  write_unit(store, "2024-01-01", "in-2024-01-01", "P1");
  write_unit(store, "2024-01-03", "in-2024-01-03", "P1");
  c = check_complete(store, "preprocess", channels, "P1");
  EXPECT_TRUE(c.planned);
  ASSERT_EQ(c.missing.size(), 1u);  // killed before writing day 2
  EXPECT_TRUE(contains(c.missing, "XX.AB..HHZ/2024-01-02"));
  EXPECT_TRUE(c.stale.empty());
  EXPECT_NE(c.describe("c.toml").find("missing XX.AB..HHZ/2024-01-02"), std::string::npos);

  // Day 2 written from other inputs (an older run): stale, not done.
  write_unit(store, "2024-01-02", "old-inputs", "P1");
  c = check_complete(store, "preprocess", channels, "P1");
  EXPECT_TRUE(c.missing.empty());
  ASSERT_EQ(c.stale.size(), 1u);
  EXPECT_TRUE(contains(c.stale, "XX.AB..HHZ/2024-01-02"));

  write_unit(store, "2024-01-02", "in-2024-01-02", "P1");
  EXPECT_TRUE(check_complete(store, "preprocess", channels, "P1").complete());

  // The config's parameters changed since: every unit is stale.
  c = check_complete(store, "preprocess", channels, "P2");
  EXPECT_EQ(c.stale.size(), 3u);
  // A channel added to the config after the stage ran.
  c = check_complete(store, "preprocess", {"XX.AB..HHZ", "XX.CD..HHZ"}, "P1");
  EXPECT_EQ(c.not_run, std::vector<std::string>{"XX.CD..HHZ"});
  // Units of channels no longer configured are not asked for.
  EXPECT_TRUE(check_complete(store, "preprocess", {}, "P1").complete());
}

TEST(StagePlan, UnitStatesForStatus) {
  const auto dir = test::temp_dir();
  const RunStore store(make_config(dir));
  EXPECT_TRUE(plan_unit_states(store, "preprocess", read_plan(store, "preprocess"), {"XX.AB..HHZ"}, "P1").empty());
  write_plan(store, "preprocess", {"XX.AB..HHZ"}, three_days(store));
  write_unit(store, "2024-01-01", "in-2024-01-01", "P1");
  write_unit(store, "2024-01-02", "old-inputs", "P1");
  const StagePlan plan = read_plan(store, "preprocess");
  const auto rows = plan_unit_states(store, "preprocess", plan, {"XX.AB..HHZ", "XX.CD..HHZ"}, "P1");
  std::map<std::string, std::string> state;
  for (const auto& r : rows) state[r.unit] = r.state + (r.never_planned ? " never planned" : "");
  EXPECT_EQ(state, (std::map<std::string, std::string>{{"XX.CD..HHZ/*", "pending never planned"},
                                                       {"XX.AB..HHZ/2024-01-01", "done"},
                                                       {"XX.AB..HHZ/2024-01-02", "stale"},
                                                       {"XX.AB..HHZ/2024-01-03", "pending"}}));
  // Every planned unit when no channel is named (a stage whose units are not per channel).
  EXPECT_EQ(plan_unit_states(store, "preprocess", plan, {}, "P1").size(), 3u);
  // Parameters changed since: every existing unit is stale.
  for (const auto& r : plan_unit_states(store, "preprocess", plan, {"XX.AB..HHZ"}, "P2"))
    EXPECT_EQ(r.state, r.unit == "XX.AB..HHZ/2024-01-03" ? "pending" : "stale") << r.unit;
}

TEST(StagePlan, RoundTripsAndRejectsForeignLines) {
  const auto dir = test::temp_dir();
  const RunStore store(make_config(dir));
  write_plan(store, "search", {"XX.AB..HHZ"}, {{"XX.AB..HHZ", "search/XX.AB..HHZ.h5", "", "S"}});
  const StagePlan p = read_plan(store, "search");
  ASSERT_EQ(p.units.size(), 1u);
  EXPECT_EQ(p.units[0].output, "search/XX.AB..HHZ.h5");
  EXPECT_EQ(p.units[0].inputs_hash, "");
  EXPECT_EQ(p.channels.count("XX.AB..HHZ"), 1u);
  std::ofstream(store.dir() / "manifest" / "search.plan", std::ios::app) << "garbage line\n";
  EXPECT_THROW(read_plan(store, "search"), InputError);
}

TEST(StageLock, SecondHolderRefusedNamingTheFirstAndDeadHolderTakenOver) {
  const auto dir = test::temp_dir();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // holds the lock until killed
    StageLock lock(dir, "fingerprint");
    char c = 'x';
    if (::write(ready[1], &c, 1) != 1) ::_exit(2);
    ::pause();
    ::_exit(0);
  }
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  try {
    StageLock second(dir, "fingerprint");
    ADD_FAILURE() << "a second holder got the lock";
  } catch (const StoreError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("already running"), std::string::npos) << msg;
    EXPECT_NE(msg.find("pid=" + std::to_string(child)), std::string::npos) << msg;
  }
  // Another stage has its own lock.
  EXPECT_NO_THROW(StageLock other(dir, "search"));
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  // The holder died: its lock is taken over, and the file names the new holder.
  StageLock taken(dir, "fingerprint");
  EXPECT_TRUE(taken.held());
  EXPECT_NE(test::read_file(taken.path()).find("pid=" + std::to_string(::getpid())), std::string::npos);
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST(AtomicFile, StaleTemporariesOfDeadProcessesOnlyAreRemoved) {
  const auto dir = test::temp_dir();
  // A pid that no longer exists: a child that has exited and been reaped.
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const fs::path sub = dir / "fingerprint" / "XX.AB..HHZ";
  fs::create_directories(sub);
  const fs::path stale = sub / ("2024-01-01.h5.tmp." + std::to_string(dead));
  const fs::path live = sub / ("2024-01-02.h5.tmp." + std::to_string(::getpid()));
  const fs::path other = sub / "notes.tmp.txt";  // not ours
  for (const auto& p : {stale, live, other}) std::ofstream(p) << "x";
  EXPECT_EQ(remove_stale_temporaries(dir / "fingerprint"), 1);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_EQ(temporary_owner_pid("a.h5.tmp.123"), 123);
  EXPECT_EQ(temporary_owner_pid("a.h5"), -1);
  // The prefix limits the cleaning to one stage's manifest files.
  std::ofstream(dir / ("search.tsv.tmp." + std::to_string(dead))) << "x";
  std::ofstream(dir / ("fingerprint.tsv.tmp." + std::to_string(dead))) << "x";
  EXPECT_EQ(remove_stale_temporaries(dir, "search"), 1);
  EXPECT_TRUE(fs::exists(dir / ("fingerprint.tsv.tmp." + std::to_string(dead))));
}

// A file-size limit (as `ulimit -f`) with SIGXFSZ ignored, as quakeprint
// does: the write fails like a full disk, with the file and the cause named,
// and the temporary is removed.
TEST(RunStore, WritePastFileSizeLimitIsAnErrorNamingFileAndCause) {
  const auto dir = test::temp_dir();
  const RunStore store(make_config(dir));
  store.ensure_run_manifest("h");
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit small = old;
  small.rlim_cur = 1 << 20;  // 1 MiB
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const fs::path out = store.unit_path("fingerprint", "XX.AB..HHZ", "2024-01-01");
  std::string msg;
  try {
    store.write_h5(out, Provenance{"fingerprint", "u", "c", "p", "i", {}}, [](h5::File& f) {
      f.write<std::uint64_t>("bits", std::vector<std::uint64_t>(1 << 19, 7));  // 4 MiB
    });
  } catch (const StoreError& e) {
    msg = e.what();
  }
  std::string text_msg;
  try {
    write_file_atomically(dir / "big.txt", std::string(2 << 20, 'x'));
  } catch (const StoreError& e) {
    text_msg = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(msg.find(out.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("File too large"), std::string::npos) << msg;
  EXPECT_NE(text_msg.find("big.txt"), std::string::npos) << text_msg;
  EXPECT_NE(text_msg.find("File too large"), std::string::npos) << text_msg;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(dir / "big.txt"));
  for (const auto& e : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}
