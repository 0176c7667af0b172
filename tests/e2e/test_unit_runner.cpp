// run_units with several threads per rank (under mpiexec -n 2): every unit
// computed once, records and manifest those of one thread, HDF5 outputs
// written under hdf5_mutex(), a rerun reuses every unit, and a failing unit
// is named in the error while no further unit starts.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/unit_runner.hpp"
#include "pipeline/hdf5_file.hpp"
#include "pipeline/mpi_context.hpp"
#include "pipeline/run_store.hpp"
#include "pipeline/unit_format.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace qp;
using namespace qp::app;
namespace fs = std::filesystem;

constexpr std::size_t kUnits = 12;

// One folder for all ranks (rank 0's).
fs::path shared_temp_dir(MpiContext& mpi) {
  const std::string mine = mpi.root() ? test::temp_dir().string() : "";
  return mpi.broadcast(mine);
}

Config config_in(const fs::path& dir) {
  return Config::from_string("[run]\ndirectory = \"run\"\n[[stations]]\nnetwork = \"XX\"\nstation = \"AB\"\n"
                             "channels = [\"HHZ\"]\nfiles = [\"*.mseed\"]\n",
                             dir / "c.toml");
}

std::string unit_name(std::size_t i) { return "XX.AB..HHZ/u" + std::string(i < 10 ? "0" : "") + std::to_string(i); }

// A manifest without its seconds column (the 6th).
std::string without_seconds(const std::string& manifest) {
  std::istringstream in(manifest);
  std::string out, line;
  while (std::getline(in, line)) {
    std::size_t at = 0;
    for (int tab = 0; tab < 5 && at != std::string::npos; ++tab) at = line.find('\t', at + (tab > 0));
    const std::size_t end = at == std::string::npos ? at : line.find('\t', at + 1);
    out += (end == std::string::npos ? line : line.substr(0, at) + line.substr(end)) + "\n";
  }
  return out;
}

// Jobs writing one small HDF5 unit each, unequal in length (so completion
// order differs from unit order); `in_flight`/`most` count concurrent jobs.
// A job waits (up to 10 s) until `overlap` jobs have been in flight at once:
// on a loaded machine the second thread may start late, and the test is
// whether it runs beside the first, not how soon.
std::vector<UnitJob> make_jobs(const RunStore& store, std::atomic<int>& in_flight, std::atomic<int>& most,
                               std::atomic<int>& started, int overlap, std::size_t fail_at = kUnits) {
  std::vector<UnitJob> jobs;
  for (std::size_t i = 0; i < kUnits; ++i) {
    UnitJob j;
    j.name = unit_name(i);
    j.output = store.unit_path("toy", "XX.AB..HHZ", "u" + std::to_string(i));
    j.inputs_hash = "in" + std::to_string(i);
    j.params_hash = "p";
    const Provenance prov{"toy", j.name, "cfg", j.params_hash, j.inputs_hash, {}};
    j.run = [&, i, prov, out = j.output, overlap, fail_at]() {
      ++started;
      if (i == fail_at) throw InputError("toy.mseed", "injected bad record");
      const int now = ++in_flight;
      for (int m = most.load(); now > m && !most.compare_exchange_weak(m, now);) {
      }
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (most.load() < overlap && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::this_thread::sleep_for(std::chrono::milliseconds(20 + 10 * static_cast<int>((i * 5) % 4)));
      --in_flight;
      const std::lock_guard<std::mutex> lock(hdf5_mutex());
      store.write_h5(out, prov, [&](h5::File& f) {
        stamp_unit_format(f, UnitKind::kWaveform);  // a current unit for is_current
        f.create_group("g").write<double>("v", {double(i), 2.0 * i});
      });
      return "unit " + std::to_string(i);
    };
    jobs.push_back(std::move(j));
  }
  return jobs;
}

TEST(UnitRunner, UnitsOnTwoThreadsGiveTheRecordsAndOutputsOfOne) {
  MpiContext mpi;
  const fs::path dir = shared_temp_dir(mpi);
  std::vector<std::string> manifests;
  for (int threads : {1, 2}) {
    Config cfg = config_in(dir / ("t" + std::to_string(threads)));
    RunStore store(cfg);
    if (mpi.root()) store.ensure_run_manifest(cfg.hash());
    mpi.barrier();
    std::atomic<int> in_flight{0}, most{0}, started{0};
    const std::vector<UnitJob> jobs = make_jobs(store, in_flight, most, started, threads);
    const UnitSummary s = run_units(mpi, store, "toy", jobs, false, {}, threads);
    EXPECT_EQ(s.ran, kUnits);
    EXPECT_EQ(s.reused, 0u);
    // This rank's share, each once; two at a time on two threads.
    EXPECT_EQ(static_cast<std::size_t>(started.load()), (kUnits + 1 - static_cast<std::size_t>(mpi.rank())) / 2);
    EXPECT_EQ(most.load(), threads);
    if (mpi.root()) {
      ASSERT_EQ(s.records.size(), kUnits);
      std::set<std::string> names;
      for (const auto& r : s.records) {
        EXPECT_EQ(r.state, "done");
        EXPECT_EQ(r.note, "unit " + std::to_string(std::stoul(r.unit.substr(r.unit.size() - 2))));
        names.insert(r.unit);
      }
      EXPECT_EQ(names.size(), kUnits);
      for (std::size_t i = 0; i < kUnits; ++i) {
        h5::File f = h5::File::open_read(jobs[i].output);
        EXPECT_EQ(f.open_group("g").read<double>("v"), (std::vector<double>{double(i), 2.0 * i})) << jobs[i].name;
      }
      manifests.push_back(without_seconds(test::read_file(store.dir() / "manifest" / "toy.tsv")));
    }
    // A rerun finds every unit current (is_current under the lock) and computes none.
    started = 0;
    const UnitSummary again = run_units(mpi, store, "toy", jobs, false, {}, threads);
    EXPECT_EQ(again.ran, 0u);
    EXPECT_EQ(again.reused, kUnits);
    EXPECT_EQ(started.load(), 0);
  }
  if (mpi.root()) {
    ASSERT_EQ(manifests.size(), 2u);
    EXPECT_EQ(manifests[0], manifests[1]);
  }
}

TEST(UnitRunner, FailingUnitOnTwoThreadsIsNamedAndNoFurtherUnitStarts) {
  MpiContext mpi;
  const fs::path dir = shared_temp_dir(mpi);
  Config cfg = config_in(dir);
  RunStore store(cfg);
  if (mpi.root()) store.ensure_run_manifest(cfg.hash());
  mpi.barrier();
  std::atomic<int> in_flight{0}, most{0}, started{0};
  // Unit 0 (rank 0's first) fails at once; the others take 20-50 ms.
  const std::vector<UnitJob> jobs = make_jobs(store, in_flight, most, started, 1, 0);
  try {
    run_units(mpi, store, "toy", jobs, false, {}, 2);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unit XX.AB..HHZ/u00"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("injected bad record"), std::string::npos) << e.what();
  }
  if (mpi.rank() == 0) {
    // Rank 0 owns units 0, 2, ..., 10: once unit 0 has failed only the unit
    // the other thread had begun finishes (2 started; not all 6, whatever
    // the load), and the rank's last unit never starts.
    EXPECT_LT(started.load(), 6);
    const std::string manifest = test::read_file(store.dir() / "manifest" / "toy.tsv");
    EXPECT_NE(manifest.find("XX.AB..HHZ/u00\tfailed"), std::string::npos) << manifest;
    EXPECT_EQ(manifest.find("XX.AB..HHZ/u10\t"), std::string::npos) << manifest;
  }
}

}  // namespace
