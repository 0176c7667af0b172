// Runs a stage's units over the MPI ranks: skips units whose output is
// current (resume and incremental reruns), carries errors out collectively,
// and writes the stage's manifest on rank 0.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline/mpi_context.hpp"
#include "pipeline/run_store.hpp"

namespace qp::app {

struct UnitJob {
  std::string name;                  // "Z7.LIND..HHZ/2014-08-24"
  std::filesystem::path output;      // the unit's HDF5 output
  std::string inputs_hash, params_hash;
  /// Computes and writes the output; returns a short note for the manifest.
  std::function<std::string()> run;
};

struct UnitSummary {
  std::vector<UnitRecord> records;   // all ranks' records (rank 0 only)
  std::size_t ran = 0, reused = 0;   // over all ranks
  double seconds = 0;
};

/// Unit i runs on rank i % size. `force` recomputes current units too.
/// Before any unit runs, rank 0 records the stage's plan (every job, and the
/// channels considered: `channels`, or those named by the jobs when empty),
/// which the next stage checks (pipeline/stage_plan.hpp).
/// Test hooks: QUAKEPRINT_FAIL_AFTER_UNITS=N makes a rank fail after
/// computing N units (deterministic fault injection for resume tests);
/// QUAKEPRINT_UNIT_DELAY_S=S (or STAGE:S, one stage only) makes every
/// computed unit take S seconds more (a stage long enough to meet a Slurm
/// time limit in tests).
/// The share of a stage's units this process takes. A Slurm array task
/// (--task-index I --task-count N) runs unit i of a unit-parallel stage
/// (stage_registry: preprocess, fingerprint, match) when i % N == I; the
/// per-channel statistics (fingerprint-mad) are not shared out: every task
/// makes sure they exist (identical files). Whole (0 of 1) by default.
struct TaskShare {
  int index = 0, count = 1;
  bool whole() const { return count <= 1; }
  bool takes(std::size_t unit) const { return whole() || static_cast<int>(unit % static_cast<std::size_t>(count)) == index; }
};
void set_task_share(const TaskShare& share);  // throws Error unless 0 <= index < count
const TaskShare& task_share();

/// SIGUSR1 asks the running stage to stop (Slurm's --signal lead before the
/// time limit, forwarded by the sbatch script): each rank finishes the unit
/// it is computing, the manifest records what finished, and the stage exits
/// with an error saying how many units are left for the requeued run.
/// Installed by begin_stage; idempotent.
void install_stop_handler();
bool stop_requested();

/// `threads` > 1: this rank's units run that many at a time (OpenMP), each
/// on one thread (a job's own parallel loops then run on that thread alone);
/// outputs, records and the manifest are those of one at a time. Such jobs
/// hold hdf5_mutex() around every HDF5 call. One at a time whatever
/// `threads` while a test hook above is set (where a failure or a time
/// limit falls must not depend on the threads' timing).
UnitSummary run_units(MpiContext& mpi, const RunStore& store, const std::string& stage,
                      const std::vector<UnitJob>& jobs, bool force = false,
                      const std::vector<std::string>& channels = {}, int threads = 1);

/// Held around HDF5 calls by jobs that run_units runs on several threads:
/// the HDF5 library here is not built thread-safe (H5_HAVE_THREADSAFE unset).
std::mutex& hdf5_mutex();

}  // namespace qp::app
