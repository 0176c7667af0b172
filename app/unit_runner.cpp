#include "app/unit_runner.hpp"

#include <chrono>
#include <cstdlib>
#include <set>
#include <sstream>

#include "pipeline/log.hpp"
#include "app/stage_common.hpp"

namespace qp::app {

UnitSummary run_units(MpiContext& mpi, const RunStore& store, const std::string& stage,
                      const std::vector<UnitJob>& jobs, bool force,
                      const std::vector<std::string>& channels) {
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

  std::size_t mine = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) mine += mpi.owns(i);
  Progress progress(stage + " units (rank " + std::to_string(mpi.rank()) + ")", mine);

  std::vector<UnitRecord> records;
  std::exception_ptr error;
  long computed = 0;
  for (std::size_t i = 0; i < jobs.size() && !error; ++i) {
    if (!mpi.owns(i)) continue;
    const UnitJob& job = jobs[i];
    UnitRecord rec{job.name, "", job.inputs_hash, job.params_hash, mpi.rank(), 0,
                   store.relative(job.output), ""};
    const auto u0 = std::chrono::steady_clock::now();
    try {
      if (!force && store.is_current(job.output, job.inputs_hash, job.params_hash)) {
        rec.state = "reused";
        rec.note = "up to date";
      } else {
        if (fail_after >= 0 && computed >= fail_after)
          throw Error("injected failure (QUAKEPRINT_FAIL_AFTER_UNITS=" + std::to_string(fail_after) + ")");
        rec.note = job.run();
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
    records.push_back(rec);
    progress.step(job.name + " " + rec.state);
  }

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
    store.merge_manifest(stage, merged);  // keeps other channels', earlier days' records
    summary.records = merged;
  }
  mpi.check(error, stage);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace qp::app
