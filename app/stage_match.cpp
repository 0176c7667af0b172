// The match stage: the events the association found become templates, and
// network matched filtering over the preprocessed data finds the events that
// fingerprint similarity missed. Units: (template batch, day) ->
// match/<batch>/<day>.h5; then rank 0 keeps the best detection per event
// over all templates in match/detections.csv (docs/run-store.md).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "match/catalog_merge.hpp"
#include "match/detection_list.hpp"
#include "match/match_store.hpp"
#include "match/network_matcher.hpp"
#include "match/template_selection.hpp"
#include "app/commands.hpp"
#include "runstore/event_unit.hpp"
#include "runstore/match_unit.hpp"
#include "app/loaded_config.hpp"
#include "app/stage_common.hpp"
#include "app/unit_runner.hpp"
#include "pipeline/log.hpp"

namespace qp::app {
namespace fs = std::filesystem;

namespace {

// Inputs hash of a preprocess unit, read once per file.
const std::string& cached_unit_hash(std::map<fs::path, std::string>& cache, const fs::path& f) {
  auto h = cache.find(f);
  if (h == cache.end()) h = cache.emplace(f, unit_inputs_hash(f)).first;
  return h->second;
}

// "template <id> <seed>@<window start ns> <unit file> <unit hash> ..." per channel.
std::string template_identity(const match::PreparedTemplate& t,
                              const std::map<std::string, std::map<TimeNs, fs::path>>& units,
                              TimeNs chunk, const RunStore& store, std::map<fs::path, std::string>& hashes) {
  std::string s = "template " + t.template_id;
  for (std::size_t c = 0; c < t.seed_ids.size(); ++c) {
    s += " " + t.seed_ids[c] + "@" + std::to_string(t.reference) + "+" + std::to_string(t.offsets[c]);
    const auto& u = units.at(t.seed_ids[c]);
    auto it = u.find(floor_to(t.reference, chunk));
    if (it == u.end()) continue;
    s += " " + store.relative(it->second) + " " + cached_unit_hash(hashes, it->second);
  }
  return s;
}

match::SpanChannel as_span(ChannelWaveform&& w) {
  return {w.seed_id, w.start, std::move(w.samples), std::move(w.mask)};
}

}  // namespace

int cmd_match(const CommonOptions& o, MpiContext& mpi) {
  LoadedConfig lc = load_config(o.config);
  StageSetup setup = begin_stage(lc, mpi, "match", o);
  const RunStore& store = setup.store;
  const match::MatchParams& p = lc.match;
  const TimeNs chunk = static_cast<TimeNs>(lc.cfg.run().chunk_days) * kNsPerDay;
  const fs::path events_file = store.stage_dir("associate") / "network.h5";
  if (!fs::exists(events_file))
    throw InputError(events_file.string(), "no association output: run 'quakeprint associate' first");
  std::vector<catalog::Event> events = runstore::read_event_unit(events_file);

  // Templates: selected from the events, cut from the preprocessed data.
  std::vector<std::string> channels;
  std::map<std::string, std::map<TimeNs, fs::path>> units;
  double rate = lc.pre.target_rate;
  for (const auto& ch : lc.cfg.channels()) {
    channels.push_back(ch.seed_id());
    units[ch.seed_id()] = waveform_units(store, ch.seed_id());
    if (rate <= 0 && !units[ch.seed_id()].empty())
      rate = runstore::read_waveform_info(units[ch.seed_id()].begin()->second).sampling_rate;
  }
  if (rate <= 0) throw InputError(store.stage_dir("preprocess").string(), "no preprocessed data: run 'quakeprint preprocess' first");
  const TimeNs step = match::grid_step(rate);
  const match::ChannelLoader load = [&](const std::string& sid, TimeNs b, TimeNs e) {
    return as_span(load_span(units.at(sid), b, e, chunk));
  };
  // Template windows come in time order (ids follow first arrivals): keep each
  // channel's last chunk instead of reading a whole chunk per window.
  std::map<std::string, std::pair<TimeNs, match::SpanChannel>> last_chunk;
  const match::ChannelLoader load_window = [&](const std::string& sid, TimeNs b, TimeNs e) {
    const TimeNs c = floor_to(b, chunk);
    if (floor_to(e - 1, chunk) != c) return load(sid, b, e);
    auto it = last_chunk.find(sid);
    if (it == last_chunk.end() || it->second.first != c)
      it = last_chunk.insert_or_assign(sid, std::make_pair(c, load(sid, c, c + chunk))).first;
    return match::slice(it->second.second, b, e, step);
  };
  const std::vector<match::EventPicks> picks = match::event_picks(events);
  std::map<std::string, const match::EventPicks*> picks_of;
  for (const auto& e : picks) picks_of.emplace(e.event_id, &e);
  std::vector<match::PreparedTemplate> templates;
  std::map<std::string, TimeNs> phase_lag;  // one-station templates holding P and S (detection_list.hpp)
  for (const auto& spec : match::select_templates(picks, channels, rate, p))
    if (auto t = match::prepare_template(spec, load_window, rate, p.window_seconds, p.min_channels)) {
      if (auto lag = match::one_station_phase_lag(spec, *picks_of.at(spec.template_id))) phase_lag[spec.template_id] = *lag;
      templates.push_back(std::move(*t));
    }
  last_chunk.clear();
  spdlog::info("match: {} templates from {} events", templates.size(), events.size());
  if (templates.empty() && p.located_only &&
      std::none_of(events.begin(), events.end(), [](const catalog::Event& e) { return e.origin_time.has_value(); }))
    spdlog::warn("match: no event is located, and match.located_only takes located events only: "
                 "enable [location] or set match.located_only = false");

  // Roughly timed events, for the templates to confirm and time.
  const std::vector<match::Candidate> candidates =
      match::timing_candidates(picks, p, seconds_to_ns(lc.duplicate_window_s));

  // Units: batches of templates x chunks of data.
  std::set<TimeNs> chunks;
  for (const auto& [sid, u] : units)
    for (const auto& kv : u) chunks.insert(kv.first);
  const std::string params_hash = lc.cfg.hash_of({"preprocess", "match"});
  const auto batch = static_cast<std::size_t>(p.templates_per_unit);
  std::vector<std::vector<match::PreparedTemplate>> batches;
  for (std::size_t i = 0; i < templates.size(); i += batch)
    batches.emplace_back(templates.begin() + static_cast<std::ptrdiff_t>(i),
                         templates.begin() + static_cast<std::ptrdiff_t>(std::min(templates.size(), i + batch)));
  std::vector<UnitJob> jobs;
  std::map<fs::path, std::string> hashes;  // inputs hash of each preprocess unit, read once
  for (std::size_t b = 0; b < batches.size(); ++b) {
    const auto& tb = batches[b];
    std::set<std::string> used;
    std::ptrdiff_t extent = 0;
    for (const auto& t : tb) {
      used.insert(t.seed_ids.begin(), t.seed_ids.end());
      extent = std::max(extent, t.extent());
    }
    for (TimeNs c : chunks) {
      UnitJob job;
      char tag[32];
      std::snprintf(tag, sizeof tag, "batch-%04zu", b);
      job.name = std::string(tag) + "/" + day_tag(c);
      job.output = store.stage_dir("match") / tag / (day_tag(c) + ".h5");
      const TimeNs end = c + chunk, data_end = end + extent * step;
      // A unit depends on its templates (their windows and the data they are
      // cut from) and the data it scans, not on the rest of the events: new
      // events leave batches of unchanged templates current, except where
      // they are roughly timed ones in the unit's chunk (below).
      std::vector<std::string> inputs;
      for (const auto& t : tb) inputs.push_back(template_identity(t, units, chunk, store, hashes));
      // and on the roughly timed events whose windows lie in its chunk.
      std::vector<match::Candidate> unit_candidates;
      for (const auto& k : candidates)
        if (k.latest >= c && k.earliest < end) {
          unit_candidates.push_back(k);
          inputs.push_back("candidate " + k.event_id + " " + std::to_string(k.earliest) + " " + std::to_string(k.latest));
        }
      for (const auto& sid : used)
        for (const auto& [start, file] : units.at(sid))
          if (start < data_end && start + chunk > c)
            inputs.push_back(store.relative(file) + " " + cached_unit_hash(hashes, file));
      job.inputs_hash = combine_hashes(inputs);
      job.params_hash = params_hash;
      const Provenance prov{"match", job.name, lc.cfg.hash(), params_hash, job.inputs_hash, inputs};
      job.run = [&, &tb = batches[b], c, end, data_end, used, prov, out = job.output,
                 unit_candidates = std::move(unit_candidates)]() {
        std::vector<match::SpanChannel> data;
        for (const auto& sid : used) data.push_back(match::slice(load(sid, c, data_end), c, data_end, step));
        const auto result = match::match_span(tb, data, c, end, rate, p, unit_candidates);
        store.write_h5(out, prov, [&](h5::File& f) { runstore::write_match_unit(f, tb, result, rate, unit_candidates); });
        return std::to_string(result.detections.size()) + " detections, " +
               std::to_string(result.confirmations.size()) + " confirmations";
      };
      jobs.push_back(std::move(job));
    }
  }
  const UnitSummary summary = run_units(mpi, store, "match", jobs, o.force);

  // One detection per event over every template (rank 0; units are all written).
  if (!mpi.root()) return 0;
  // An array task merges only once every task's units exist: the last one
  // to finish sees them all (each writes its units before it looks).
  if (std::any_of(jobs.begin(), jobs.end(), [](const UnitJob& j) { return !fs::exists(j.output); })) {
    spdlog::info("match: array task done; the last task to finish writes detections.csv");
    return 0;
  }
  std::vector<match::NetworkDetection> all, confirmations;
  for (const auto& job : jobs)
    for (auto& d : runstore::read_match_unit(job.output)) (d.confirms.empty() ? all : confirmations).push_back(std::move(d));
  // One event: first arrivals within the catalog's duplicate window; within
  // a template window of another detection, only where three templates
  // agree, a template's phase lag from a better one not counted.
  match::EventSpacing spacing;
  spacing.same_event = seconds_to_ns(lc.duplicate_window_s);
  spacing.window = seconds_to_ns(p.window_seconds);
  spacing.agree = seconds_to_ns(p.max_shift_seconds);
  spacing.phase_lag = std::move(phase_lag);
  const auto kept = match::best_per_event(std::move(all), spacing);
  match::write_detections_csv(store.stage_dir("match") / "detections.csv", kept);
  const auto confirmed = match::best_per_candidate(std::move(confirmations));
  match::write_detections_csv(store.stage_dir("match") / "confirmations.csv", confirmed, true);
  spdlog::info("match done: {} units ({} ran, {} reused), {} detections in {}; {} of {} roughly timed events confirmed",
               jobs.size(), summary.ran, summary.reused, kept.size(),
               store.relative(store.stage_dir("match") / "detections.csv"), confirmed.size(), candidates.size());
  return 0;
}

}  // namespace qp::app
