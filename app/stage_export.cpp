// The export stage: associate/network.h5 -> catalog/ with catalog.csv,
// picks.csv, QuakeML 1.2, NonLinLoc and hypoDD phase files, and FAST's
// detection list. Identical inputs give identical files: the creation time
// written into QuakeML is the run's, from its manifest.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "match/catalog_merge.hpp"
#include "match/detection_list.hpp"
#include "app/commands.hpp"
#include "runstore/event_unit.hpp"
#include "app/loaded_config.hpp"
#include "app/stage_common.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/log.hpp"
#include "pipeline/version.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/phase_files.hpp"
#include "postprocess/catalog/quakeml.hpp"

namespace qp::app {
namespace fs = std::filesystem;

int cmd_export(const ExportOptions& o, MpiContext& mpi) {
  LoadedConfig lc = load_config(o.config);
  StageSetup setup = begin_stage(lc, mpi, "export", o);
  if (!mpi.root()) return 0;
  const RunStore& store = setup.store;
  const fs::path in = store.stage_dir("associate") / "network.h5";
  if (!fs::exists(in))
    throw InputError(in.string(), "no association output: run 'quakeprint associate' first");
  std::vector<catalog::Event> all = runstore::read_event_unit(in);
  const std::size_t n_associated = all.size();
  const double min_score = o.min_score.value_or(lc.exp.min_score);
  const fs::path detections = store.stage_dir("match") / "detections.csv";
  const fs::path confirmations = store.stage_dir("match") / "confirmations.csv";
  const bool matched = lc.match.enabled && fs::exists(detections);
  // The catalog is held once: filtered in place, unless matching needs
  // every associated event as a template.
  std::vector<catalog::Event> events;
  if (matched) {
    for (const auto& e : all)
      if (e.score >= min_score) events.push_back(e);
    match::merge_match_detections(
        events, all, match::read_detections_csv(detections),
        fs::exists(confirmations) ? match::read_detections_csv(confirmations, true) : std::vector<match::NetworkDetection>{},
        seconds_to_ns(lc.duplicate_window_s), lc.match);
  } else {
    events = std::move(all);
    events.erase(std::remove_if(events.begin(), events.end(),
                                [&](const catalog::Event& e) { return e.score < min_score; }),
                 events.end());
  }

  const fs::path dir = store.dir() / "catalog";
  fs::create_directories(dir);
  catalog::write_catalog_csv((dir / "catalog.csv").string(), events);
  catalog::write_picks_csv((dir / "picks.csv").string(), events);
  if (lc.exp.quakeml) {
    catalog::QuakeMLOptions q;
    q.software_version = std::string(kVersion) + " (" + kGitCommit + ")";
    q.creation_time = parse_iso8601(setup.run_created);
    q.agency_id = lc.exp.agency;
    catalog::write_quakeml((dir / "catalog.xml").string(), events, q);
  }
  if (lc.exp.nonlinloc) catalog::write_nlloc_obs((dir / "nlloc.obs").string(), events);
  if (lc.exp.hypodd) {
    const auto ids = catalog::write_hypodd_phase((dir / "phase.dat").string(), events);
    catalog::write_hypodd_id_map((dir / "phase_ids.txt").string(), ids);
  }
  if (lc.exp.fast_detlist) {
    const fs::path det = store.stage_dir("associate") / "fast_detlist.txt";
    if (fs::exists(det)) {
      std::ifstream src(det, std::ios::binary);
      AtomicTextFile copy(dir / "fast_detlist.txt");
      copy.stream() << src.rdbuf();
      copy.commit();
    }
  }
  spdlog::info("export done: {} events written to {} ({} of {} associated events with score >= {}{})", events.size(),
               dir.string(), std::count_if(events.begin(), events.end(), [](const catalog::Event& e) { return e.method != "match"; }),
               n_associated, min_score, lc.match.enabled ? ", with matched-filter detections" : "");
  return 0;
}

}  // namespace qp::app
