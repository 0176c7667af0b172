// The quakeprint subcommands. Each stage command loads and validates the
// whole config first (so a bad key fails before any work), then runs its
// stage under the MPI context.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/mpi_context.hpp"

namespace qp::app {

struct CommonOptions {
  std::filesystem::path config;
  bool verbose = false;
  bool force = false;           // recompute units whose output is current (they are reused otherwise)
  bool allow_partial = false;   // go on when the upstream stage is incomplete (on purpose)
  int task_index = 0;           // a Slurm array task's share of the units (unit_runner.hpp)
  int task_count = 1;
};

struct PreprocessOptions : CommonOptions {
  bool skip_bad_files = false;
};
struct FingerprintOptions : CommonOptions {
  bool refresh_mad = false;
  std::string export_fast_channel;         // SEED id; empty = no export
  std::filesystem::path export_fast_dir;
};
struct SearchOptions : CommonOptions {
  bool exact = false;
  double exact_threshold = 0.3;
  bool explain = false;
  bool export_fast = false;
};
struct ExportOptions : CommonOptions {
  std::optional<double> min_score;
};

void print_version(const MpiContext& mpi);
int cmd_config(const CommonOptions& o);
int cmd_preprocess(const PreprocessOptions& o, MpiContext& mpi);
int cmd_fingerprint(const FingerprintOptions& o, MpiContext& mpi);
int cmd_search(const SearchOptions& o, MpiContext& mpi);
int cmd_associate(const CommonOptions& o, MpiContext& mpi);
int cmd_export(const ExportOptions& o, MpiContext& mpi);
int cmd_match(const CommonOptions& o, MpiContext& mpi);
int cmd_run(const PreprocessOptions& o, MpiContext& mpi);

}  // namespace qp::app
