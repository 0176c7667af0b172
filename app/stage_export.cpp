// The export stage: associate/network.h5 -> catalog/ with catalog.csv,
// picks.csv, QuakeML 1.2, NonLinLoc and hypoDD phase files, and FAST's
// detection list. Identical inputs give identical files: the creation time
// written into QuakeML is the run's, from its manifest.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "match/detection_list.hpp"
#include "match/template_selection.hpp"
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

namespace {

// An event whose picks are all estimates (no clear onset): its time is
// only known to within its picks' uncertainty.
bool without_onset(const catalog::Event& e) {
  return std::none_of(e.picks.begin(), e.picks.end(),
                      [](const catalog::Pick& p) { return p.uncertainty_s < match::kClearOnsetUncertaintyS; });
}

// How far from an event's first arrival a detection may lie and be that
// event: `window`, plus the uncertainty of an event without a clear onset.
TimeNs reach_of(const catalog::Event& e, TimeNs window) {
  if (!without_onset(e)) return window;
  double u = 0;
  for (const auto& p : e.picks) u = std::max(u, p.uncertainty_s);
  return window + seconds_to_ns(u);
}

// The detection's place and picks: its template's, moved by the lag.
void take_template(catalog::Event& e, const catalog::Event& tmpl, const match::NetworkDetection& d) {
  const TimeNs lag = d.first_arrival - tmpl.first_arrival;
  e.first_arrival = d.first_arrival;
  // A detection lies at its template's hypocentre, the origin moved by the
  // lag (as matched-filter catalogs report them): an origin time comes only
  // with the place it belongs to.
  if (d.origin_time && tmpl.located()) {
    e.origin_time = d.origin_time;
    e.latitude = tmpl.latitude;
    e.longitude = tmpl.longitude;
    e.depth_km = tmpl.depth_km;
    e.origin_uncertainty_s = tmpl.origin_uncertainty_s;
    e.horizontal_uncertainty_km = tmpl.horizontal_uncertainty_km;
    e.depth_uncertainty_km = tmpl.depth_uncertainty_km;
  }
  e.n_stations = tmpl.n_stations;
  e.stations = tmpl.stations;
  e.picks.clear();
  for (catalog::Pick p : tmpl.picks) {
    p.time += lag;
    p.similarity = d.cc;
    e.picks.push_back(p);
  }
}

// Matched-filter detections join the catalog. One within `window` of an
// event's first arrival (or within its uncertainty, for an event without a
// clear onset) is that event (method "both", the best detection's template,
// cc and magnitude; an event without a clear onset takes the detection's
// time and picks, which come from clear onsets); the others are events of
// their own ("match"): seen at their template's stations, in its family,
// with its picks moved by the detection's lag. Events get their ids again
// (ids follow first arrivals).
void merge_match_detections(std::vector<catalog::Event>& events, const std::vector<catalog::Event>& templates,
                            const std::vector<match::NetworkDetection>& detections, TimeNs window) {
  std::map<std::string, const catalog::Event*> template_of;
  for (const auto& t : templates) template_of[t.event_id] = &t;
  std::sort(events.begin(), events.end(),
            [](const catalog::Event& a, const catalog::Event& b) { return a.first_arrival < b.first_arrival; });
  std::vector<TimeNs> times, reach;
  std::vector<bool> estimated;  // no clear onset: the best detection gives its time and picks
  TimeNs widest = window;
  for (auto& e : events) {
    e.method = "lsh";
    estimated.push_back(without_onset(e));
    times.push_back(e.first_arrival);
    reach.push_back(reach_of(e, window));
    widest = std::max(widest, reach.back());
  }
  std::vector<catalog::Event> added;
  for (const auto& d : detections) {
    const auto t = template_of.find(d.template_id);
    auto it = std::lower_bound(times.begin(), times.end(), d.first_arrival - widest);
    std::size_t best = events.size();
    for (; it != times.end() && *it <= d.first_arrival + widest; ++it) {
      const auto i = static_cast<std::size_t>(it - times.begin());
      if (std::llabs(*it - d.first_arrival) > reach[i]) continue;
      if (best == events.size() || std::llabs(*it - d.first_arrival) < std::llabs(times[best] - d.first_arrival)) best = i;
    }
    catalog::Event* e = nullptr;
    if (best < events.size()) {
      e = &events[best];
      if (e->cc && *e->cc >= d.cc) continue;
      if (estimated[best] && t != template_of.end()) take_template(*e, *t->second, d);
      e->method = "both";
    } else {
      if (t == template_of.end()) continue;  // not an event of this association
      added.emplace_back();
      e = &added.back();
      e->method = "match";
      e->family_id = t->second->family_id;
      take_template(*e, *t->second, d);
    }
    e->template_id = d.template_id;
    e->cc = d.cc;
    e->mad_multiple = d.mad_multiple;
    if (std::isfinite(d.relative_magnitude)) e->relative_magnitude = d.relative_magnitude;
  }
  events.insert(events.end(), added.begin(), added.end());
  catalog::assign_event_ids(events);
}

}  // namespace

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
  const bool matched = lc.match.enabled && fs::exists(detections);
  // The catalog is held once: filtered in place, unless matching needs
  // every associated event as a template.
  std::vector<catalog::Event> events;
  if (matched) {
    for (const auto& e : all)
      if (e.score >= min_score) events.push_back(e);
    merge_match_detections(events, all, match::read_detections_csv(detections),
                           seconds_to_ns(lc.duplicate_window_s));
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
