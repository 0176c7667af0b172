// The [slurm] section of the run's config: how `quakeprint submit` turns the
// five stages into sbatch jobs. Top-level keys are the defaults of every
// stage; [slurm.<stage>] tables override them per stage.
//
//   [slurm]
//   partition = "debug"          # empty: the cluster's default partition
//   account = ""                 # empty: no --account
//   time = "02:00:00"            # "HH:MM:SS" or "D-HH:MM:SS"; empty: partition default
//   nodes = 1
//   ntasks = 2                   # MPI ranks per stage job
//   cpus_per_task = 1            # also OMP_NUM_THREADS
//   mem = "4G"                   # empty: no --mem
//   launcher = "srun --mpi=pmix" # or "mpirun", "mpiexec", ...
//   max_array_size = 0           # 0: ask `scontrol show config` (MaxArraySize), else 1000
//   array_tasks = 0              # >0: preprocess, fingerprint, match as one job array of
//                                # this many tasks (at most max_array_size), each task
//                                # taking every array_tasks-th unit; 0: one job
//   requeue_signal_lead = 120    # seconds before the time limit: USR1 -> requeue; 0: off
//   max_requeues = 5             # stop requeueing a stage after this many restarts
//   setup = ["module load openmpi"]  # shell lines run before the stage
//   templates = ""               # folder with stage.sbatch; empty: the repository's slurm/
//   [slurm.search]
//   ntasks = 8
//   time = "1-00:00:00"
#pragma once

#include <filesystem>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "pipeline/config.hpp"

namespace qp::app {

/// The job settings of one stage (defaults filled in from [slurm]).
struct SlurmJobSettings {
  std::string partition, account, time, mem;
  std::string launcher = "srun --mpi=pmix";
  int nodes = 1, ntasks = 1, cpus_per_task = 1;
  int requeue_signal_lead = 120;  // seconds; 0 = no signal, no requeue
  int max_requeues = 5;
  int array_tasks = 0;            // >0: one job array of this many tasks (unit-parallel stages only)
  std::vector<std::string> setup;
};

struct SlurmSettings {
  SlurmJobSettings defaults;                       // [slurm]
  std::map<std::string, SlurmJobSettings> stages;  // every stage, overrides applied
  int max_array_size = 0;                          // 0 = ask the cluster at submit time
  std::filesystem::path templates;                 // [slurm] templates (absolute); empty = search

  const SlurmJobSettings& stage(const std::string& name) const { return stages.at(name); }
};

/// Every stage that may become a job, in the order they run (the stage
/// registry's; match only runs when [match] is enabled).
const std::vector<std::string>& slurm_stages();

/// Reads and validates [slurm] and [slurm.<stage>]. Throws ConfigError naming
/// the key. Never talks to the cluster (max_array_size stays 0 unless set).
SlurmSettings read_slurm_settings(qp::Config& cfg);

/// Seconds of a Slurm time limit "HH:MM:SS" or "D-HH:MM:SS"; -1 if malformed.
long parse_slurm_time(const std::string& s);

/// MaxArraySize from `scontrol show config`, or 1000 when it cannot be asked.
int query_max_array_size();

// ---- submit and status -------------------------------------------------


struct SubmitOptions : CommonOptions {
  bool dry_run = false;
};

int cmd_submit(const SubmitOptions& o, MpiContext& mpi);
int cmd_status(const CommonOptions& o, MpiContext& mpi);

/// One rendered stage job.
struct StageScript {
  std::string stage;
  std::filesystem::path path;  // <run>/slurm/<stage>.sbatch
  std::string text;
  int array_tasks = 0;         // 0: a plain job; else --array=0-(n-1)
};

/// Folder with the sbatch templates: [slurm] templates (relative to the
/// config), $QUAKEPRINT_SLURM_TEMPLATES, <exe>/../share/quakeprint/slurm,
/// <exe>/../../slurm (a build folder inside the repository). Throws
/// ConfigError when none holds stage.sbatch.
std::filesystem::path find_slurm_templates(const std::filesystem::path& configured);

/// Replaces {{KEY}} in `tmpl`; a line whose placeholders all expand to empty
/// strings (and that has at least one) is dropped.
std::string render_template(const std::string& tmpl,
                            const std::vector<std::pair<std::string, std::string>>& values);

/// Single-quotes a word for bash.
std::string shell_quote(const std::string& s);

}  // namespace qp::app
