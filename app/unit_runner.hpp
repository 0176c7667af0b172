// Runs a stage's units over the MPI ranks: skips units whose output is
// current (resume and incremental reruns), carries errors out collectively,
// and writes the stage's manifest on rank 0.
#pragma once

#include <filesystem>
#include <functional>
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
/// Test hook: QUAKEPRINT_FAIL_AFTER_UNITS=N makes a rank fail after
/// computing N units (deterministic fault injection for resume tests).
UnitSummary run_units(MpiContext& mpi, const RunStore& store, const std::string& stage,
                      const std::vector<UnitJob>& jobs, bool force = false,
                      const std::vector<std::string>& channels = {});

}  // namespace qp::app
