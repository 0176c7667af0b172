#include "app/unit_runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <set>
#include <sstream>

#include "pipeline/log.hpp"
#include "app/stage_common.hpp"
#include "app/stage_registry.hpp"

namespace qp::app {

namespace {

TaskShare g_share;
volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int) { g_stop = 1; }

// The stages whose units a job array shares out (not fingerprint-mad:
// fingerprint units of every task need every channel's statistics).
bool shared_out(const std::string& stage) {
  for (const auto& s : all_stages())
    if (s.name == stage) return s.unit_parallel;
  return false;
}

// Array tasks of one stage merge their records into one manifest: a
// blocking POSIX lock around the read-merge-write (released on close).
class ManifestLock {
 public:
  explicit ManifestLock(const std::filesystem::path& file) {
    std::filesystem::create_directories(file.parent_path());
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw StoreError(file.string() + ": cannot open the manifest lock");
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    while (::fcntl(fd_, F_SETLKW, &fl) != 0)
      if (errno != EINTR) break;  // no POSIX locks here: go on unlocked (single writers still safe)
  }
  ~ManifestLock() { ::close(fd_); }
  ManifestLock(const ManifestLock&) = delete;
  ManifestLock& operator=(const ManifestLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

void set_task_share(const TaskShare& share) {
  if (share.count < 1 || share.index < 0 || share.index >= share.count)
    throw Error("--task-index " + std::to_string(share.index) + " --task-count " + std::to_string(share.count) +
                ": want 0 <= index < count");
  g_share = share;
}

const TaskShare& task_share() { return g_share; }

void install_stop_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGUSR1, &sa, nullptr);
}

bool stop_requested() { return g_stop != 0; }

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

UnitSummary run_units(MpiContext& mpi, const RunStore& store, const std::string& stage,
                      const std::vector<UnitJob>& jobs, bool force,
                      const std::vector<std::string>& channels, int threads) {
  const auto t0 = std::chrono::steady_clock::now();
  {
    std::vector<PlannedUnit> planned;
    std::set<std::string> named(channels.begin(), channels.end());
    for (const auto& j : jobs) {
      planned.push_back({j.name, store.relative(j.output), j.inputs_hash, j.params_hash});
      if (channels.empty()) named.insert(j.name.substr(0, j.name.find('/')));
    }
    record_plan(mpi, store, stage, {named.begin(), named.end()}, planned);
  }
  long fail_after = -1;
  if (const char* env = std::getenv("QUAKEPRINT_FAIL_AFTER_UNITS")) fail_after = std::atol(env);
  double delay_s = 0;  // "<seconds>" for every stage, or "<stage>:<seconds>"
  if (const char* env = std::getenv("QUAKEPRINT_UNIT_DELAY_S")) {
    const std::string v = env;
    const auto colon = v.find(':');
    if (colon == std::string::npos) delay_s = std::atof(v.c_str());
    else if (v.substr(0, colon) == stage) delay_s = std::atof(v.c_str() + colon + 1);
  }

  // This task's units (all of them outside a job array), dealt over the ranks.
  const TaskShare share = shared_out(stage) ? task_share() : TaskShare{};
  std::vector<std::size_t> task_units;
  for (std::size_t i = 0; i < jobs.size(); ++i)
    if (share.takes(i)) task_units.push_back(i);
  std::size_t mine = 0;
  for (std::size_t k = 0; k < task_units.size(); ++k) mine += mpi.owns(k);
  if (!share.whole() && mpi.root())
    spdlog::info("{}: array task {} of {}: {} of {} units", stage, share.index, share.count, task_units.size(),
                 jobs.size());
  Progress progress(stage + " units (rank " + std::to_string(mpi.rank()) + ")", mine);
  std::atomic<long> computed{0};

  // This rank's units, in unit order.
  std::vector<const UnitJob*> own;
  for (std::size_t k = 0; k < task_units.size(); ++k)
    if (mpi.owns(k)) own.push_back(&jobs[task_units[k]]);

  // The test hooks keep units one at a time: where a failure or a time limit
  // falls must not depend on the threads' timing.
  const bool parallel = threads > 1 && own.size() > 1 && fail_after < 0 && delay_s <= 0;
  // One unit: skipped when current, else computed; an error becomes the
  // record's note and `error`, naming the unit.
  const auto run_one = [&](const UnitJob& job, std::exception_ptr& error) {
    UnitRecord rec{job.name, "", job.inputs_hash, job.params_hash, mpi.rank(), 0, store.relative(job.output), ""};
    const auto u0 = std::chrono::steady_clock::now();
    try {
      bool current = false;
      if (!force) {
        std::unique_lock<std::mutex> lock(hdf5_mutex(), std::defer_lock);
        if (parallel) lock.lock();
        current = store.is_current(job.output, job.inputs_hash, job.params_hash);
      }
      if (current) {
        rec.state = "reused";
        rec.note = "up to date";
      } else {
        if (fail_after >= 0 && computed >= fail_after)
          throw Error("injected failure (QUAKEPRINT_FAIL_AFTER_UNITS=" + std::to_string(fail_after) + ")");
        rec.note = job.run();
        if (delay_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(delay_s));
        rec.state = "done";
        ++computed;
      }
    } catch (...) {
      error = std::current_exception();
      rec.state = "failed";
      rec.note = describe(error);
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        error = std::make_exception_ptr(Error("unit " + job.name + ": " + e.what()));
      }
    }
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - u0).count();
    return rec;
  };

  std::vector<UnitRecord> records;
  std::exception_ptr error;
  std::size_t left = 0;
  if (!parallel) {
    for (std::size_t i = 0; i < own.size() && !error; ++i) {
      if (stop_requested()) {
        ++left;
        continue;
      }
      records.push_back(run_one(*own[i], error));
      progress.step(own[i]->name + " " + records.back().state);
    }
  } else {
    // Units at once, one per thread; records and the error kept in unit
    // order, so the manifest is the one a single thread writes. After an
    // error no unit starts (those already running finish).
    std::vector<UnitRecord> slot(own.size());
    std::vector<std::exception_ptr> errors(own.size());
    std::vector<char> ran(own.size(), 0);
    std::atomic<bool> failed{false};
    std::atomic<std::size_t> stopped{0};
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::size_t i = 0; i < own.size(); ++i) {
      if (failed.load()) continue;
      if (stop_requested()) {
        ++stopped;
        continue;
      }
      slot[i] = run_one(*own[i], errors[i]);
      ran[i] = 1;
      if (errors[i]) failed = true;
#pragma omp critical(qp_unit_progress)
      progress.step(own[i]->name + " " + slot[i].state);
    }
    for (std::size_t i = 0; i < own.size(); ++i) {
      if (!ran[i]) continue;
      records.push_back(std::move(slot[i]));
      if (errors[i] && !error) error = errors[i];
    }
    left = stopped.load();
  }
  if (left > 0 && !error)
    error = std::make_exception_ptr(Error("stopped by SIGUSR1 (a time limit is near): " + std::to_string(left) +
                                          " unit(s) left for the next run, which keeps the finished ones"));

  // Merge every rank's records (also the failed ones) so the manifest says
  // what finished before a failure; then fail collectively.
  std::ostringstream mine_text;
  for (const auto& r : records) mine_text << r.to_line() << '\n';
  const auto all = mpi.all_gather(mine_text.str());
  UnitSummary summary;
  std::vector<UnitRecord> merged;
  for (const auto& text : all) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      UnitRecord r = UnitRecord::from_line(line);
      if (r.state == "reused") ++summary.reused;
      else if (r.state == "done") ++summary.ran;
      merged.push_back(r);
    }
  }
  if (mpi.root()) {
    const ManifestLock manifest_lock(store.dir() / "locks" / ("manifest-" + stage + ".lock"));
    store.merge_manifest(stage, merged);  // keeps other channels', earlier days' records
    summary.records = merged;
  }
  mpi.check(error, stage);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace qp::app
