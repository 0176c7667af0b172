// What the stage drivers share: starting a stage (run directory, manifest),
// and the run-store layout of waveform units (preprocess output).
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/loaded_config.hpp"
#include "pipeline/components.hpp"
#include "pipeline/hdf5_file.hpp"
#include "pipeline/mpi_context.hpp"
#include "pipeline/run_lock.hpp"
#include "pipeline/run_store.hpp"
#include "pipeline/stage_plan.hpp"
#include "runstore/waveform_unit.hpp"

namespace qp::pre {
struct Continuous;
}

namespace qp::app {

struct StageSetup {
  RunStore store;
  std::string run_created;
  std::shared_ptr<StageLock> lock;   // rank 0: held until the stage ends
  /// False only with --allow-partial over an incomplete upstream stage:
  /// statistics computed now are provisional (recomputed when it completes).
  bool upstream_complete = true;
};

/// Starts a stage: creates the run directory and its manifest, takes the
/// stage's lock (one writer per stage and run directory), removes the
/// temporaries of dead earlier runs, and checks that the upstream stage is
/// complete for the configured channels (else throws, listing the missing
/// or stale units, unless --allow-partial). Rank 0 does the work; every
/// rank returns the same setup or throws the same error.
StageSetup begin_stage(const LoadedConfig& lc, MpiContext& mpi, const std::string& stage,
                       const CommonOptions& o);

/// The stage whose outputs `stage` reads ("" for preprocess).
std::string upstream_stage(const std::string& stage);

/// Checks `stage`'s upstream for the config's channels now.
Completeness check_upstream(const LoadedConfig& lc, const RunStore& store, const std::string& stage);

/// Rank 0 records the stage's plan (stage_plan.hpp) before it writes any
/// unit; collective (every rank throws if it fails).
void record_plan(MpiContext& mpi, const RunStore& store, const std::string& stage,
                 const std::vector<std::string>& channels, const std::vector<PlannedUnit>& units);

/// The config's channels as SEED ids.
std::vector<std::string> channel_ids(const LoadedConfig& lc);

/// One channel's samples on a regular grid with a validity mask (1 = valid);
/// the waveform unit's content (runstore/waveform_unit.hpp).
using runstore::ChannelWaveform;

/// Samples of `w` whose times lie in [begin, end), without leading or
/// trailing masked samples (a unit stores the extent of its valid data).
ChannelWaveform trim_waveform(const pre::Continuous& w, TimeNs begin, TimeNs end);

/// Joins consecutive waveform units of one channel into one array, masking
/// the holes between them (units must share the sampling rate).
ChannelWaveform concatenate(const std::vector<ChannelWaveform>& parts);

/// The preprocess units of one channel: chunk start -> file.
std::map<TimeNs, std::filesystem::path> waveform_units(const RunStore& store, const std::string& seed_id);

/// The channel's waveform over [begin, end) from its units (holes masked).
ChannelWaveform load_span(const std::map<TimeNs, std::filesystem::path>& units, TimeNs begin,
                          TimeNs end, TimeNs chunk);

/// The station's vertical channel: its `vertical` key, else the inclination
/// its preprocess units recorded (SAC CMPINC), else the channel codes.
VerticalChoice vertical_of(const StationConfig& station, const RunStore& store);

/// Inputs hash recorded in a unit's output.
std::string unit_inputs_hash(const std::filesystem::path& p);

std::string join_warnings(const std::vector<std::string>& w);

}  // namespace qp::app
