// The pipeline's stages in one table: their order, what each reads and
// writes, how its units are listed (the channels of its plan), and which
// config sections its outputs depend on (the hash chain). `run`, `submit`,
// `status` and the upstream checks of every stage walk this table, so a
// stage is added or reordered in one place.
#pragma once

#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/loaded_config.hpp"

namespace qp::app {

/// How a stage's plan lists its units (manifest/<plan>.plan "channel" lines).
enum class UnitListing {
  kChannels,  // units per configured channel ("<seed id>/<day>", "<seed id>/mad")
  kNetwork,   // one unit over the whole network ("network")
  kPlanned,   // groups the stage chooses itself (match: template batches)
  kNone,      // no plan (export: one set of files, checked by time)
};

struct StageInfo {
  std::string name;
  std::string upstream;               // the stage whose outputs it reads ("" for the first)
  std::vector<std::string> plans;     // the plans/manifests it writes, in the order it writes them
  std::string inputs, outputs;        // where it reads and writes (for people: status, docs)
  std::vector<std::string> sections;  // config sections its outputs hash (the hash chain)
  UnitListing listing = UnitListing::kChannels;
  bool unit_parallel = false;         // independent units: a Slurm job array may share them out
  /// Runs the stage with the options of `quakeprint run`.
  int (*run)(const PreprocessOptions& o, MpiContext& mpi) = nullptr;
};

/// Every stage in run order, match included.
const std::vector<StageInfo>& all_stages();
/// The stages a run of this config goes through, in order (match only when
/// [match] is enabled).
std::vector<const StageInfo*> pipeline_stages(const LoadedConfig& lc);
/// Throws Error on an unknown name.
const StageInfo& stage_info(const std::string& name);

/// The parameter hash the stage's units must carry to be current.
std::string stage_params_hash(const StageInfo& s, const Config& cfg);
/// The channels (unit groups) of the stage's plan that this config asks for;
/// empty for kPlanned (every planned group counts) and kNone.
std::vector<std::string> stage_channels(const StageInfo& s, const Config& cfg);

/// "preprocess -> fingerprint -> ... -> export" for this config.
std::string stage_chain(const LoadedConfig& lc);

}  // namespace qp::app
