// Stage plans: the units a stage set out to write, recorded before it writes
// any, so that the next stage can tell a finished upstream from one that was
// killed, failed half-way or is out of date, and refuse to build on it.
//
//   <run>/manifest/<stage>.plan   "channel <sid>" lines (what was considered)
//                                 "unit <name> <output> <inputs> <params>" lines
#pragma once

#include <set>
#include <string>
#include <vector>

#include "pipeline/run_store.hpp"

namespace qp {

struct PlannedUnit {
  std::string unit;         // e.g. "Z7.LIND..HHZ/2014-08-24"
  std::string output;       // relative to the run directory
  std::string inputs_hash;  // empty: not known up front (existence and parameters checked)
  std::string params_hash;
};

struct StagePlan {
  bool exists = false;
  std::set<std::string> channels;
  std::vector<PlannedUnit> units;
};

/// Written atomically (rank 0) before the stage computes any unit.
void write_plan(const RunStore& store, const std::string& stage, const std::vector<std::string>& channels,
                const std::vector<PlannedUnit>& units);
StagePlan read_plan(const RunStore& store, const std::string& stage);

/// One planned unit (or a channel never planned) and its state now.
struct UnitState {
  std::string unit;
  std::string state;  // "done" | "stale" | "pending" (output missing, or channel never planned)
  std::string why;    // empty when done
  bool never_planned = false;  // a "<channel>/*" row: the plan does not consider the channel
};

/// The state of every planned unit of `channels` (every planned unit when
/// `channels` is empty): output present, made from the planned inputs with
/// `expected_params`; a channel the plan never considered is one pending
/// "<channel>/*" row. Empty when the stage has no plan.
std::vector<UnitState> plan_unit_states(const RunStore& store, const std::string& stage, const StagePlan& plan,
                                        const std::vector<std::string>& channels, const std::string& expected_params);

/// What keeps an upstream stage from being complete for the given channels.
struct Completeness {
  std::string stage;
  bool planned = false;                 // a plan exists
  std::vector<std::string> missing;     // "unit (output)" whose output is absent
  std::vector<std::string> stale;       // "unit (why)" whose output is not current
  std::vector<std::string> not_run;     // channels the stage never considered
  bool complete() const { return planned && missing.empty() && stale.empty() && not_run.empty(); }
  /// Multi-line report: each missing or stale unit (the first `max_lines`),
  /// then the command that completes them.
  std::string describe(const std::string& config_path, std::size_t max_lines = 20) const;
};

/// Checks every planned unit of `channels`: output present, made from the
/// planned inputs with `expected_params` (the config's parameters now).
Completeness check_complete(const RunStore& store, const std::string& stage,
                            const std::vector<std::string>& channels, const std::string& expected_params);

}  // namespace qp
