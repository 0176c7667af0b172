// The export stage: associate/network.h5 -> catalog/ with catalog.csv,
// picks.csv, QuakeML 1.2, NonLinLoc and hypoDD phase files, and FAST's
// detection list. Identical inputs give identical files: the creation time
// written into QuakeML is the run's, from its manifest.
#include <filesystem>

#include "pipeline/app/commands.hpp"
#include "pipeline/app/event_store.hpp"
#include "pipeline/app/loaded_config.hpp"
#include "pipeline/app/stage_common.hpp"
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
  std::vector<catalog::Event> all;
  {
    h5::File f = h5::File::open_read(in);
    all = read_events(f);
  }
  const double min_score = o.min_score.value_or(lc.exp.min_score);
  std::vector<catalog::Event> events;
  for (auto& e : all)
    if (e.score >= min_score) events.push_back(std::move(e));

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
  spdlog::info("export done: {} of {} events (score >= {}) written to {}", events.size(), all.size(),
               min_score, dir.string());
  return 0;
}

int cmd_run(const PreprocessOptions& o, MpiContext& mpi) {
  if (cmd_preprocess(o, mpi) != 0) return 1;
  FingerprintOptions f;
  static_cast<CommonOptions&>(f) = o;
  if (cmd_fingerprint(f, mpi) != 0) return 1;
  SearchOptions s;
  static_cast<CommonOptions&>(s) = o;
  if (cmd_search(s, mpi) != 0) return 1;
  if (cmd_associate(o, mpi) != 0) return 1;
  ExportOptions e;
  static_cast<CommonOptions&>(e) = o;
  return cmd_export(e, mpi);
}

}  // namespace qp::app
