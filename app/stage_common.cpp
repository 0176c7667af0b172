#include "app/stage_common.hpp"

#include <algorithm>
#include <cmath>

#include "app/stage_registry.hpp"
#include "app/unit_runner.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/log.hpp"
#include "preprocess/merge.hpp"

namespace qp::app {

std::string upstream_stage(const std::string& stage) { return stage_info(stage).upstream; }

std::vector<std::string> channel_ids(const LoadedConfig& lc) {
  std::vector<std::string> ids;
  for (const auto& c : lc.cfg.channels()) ids.push_back(c.seed_id());
  return ids;
}

Completeness check_upstream(const LoadedConfig& lc, const RunStore& store, const std::string& stage) {
  const std::string up = upstream_stage(stage);
  if (up.empty()) return Completeness{"", true, {}, {}, {}};
  const StageInfo& u = stage_info(up);
  return check_complete(store, up, stage_channels(u, lc.cfg), stage_params_hash(u, lc.cfg));
}

void record_plan(MpiContext& mpi, const RunStore& store, const std::string& stage,
                 const std::vector<std::string>& channels, const std::vector<PlannedUnit>& units) {
  std::exception_ptr err;
  if (mpi.root()) {
    try {
      write_plan(store, stage, channels, units);
    } catch (...) {
      err = std::current_exception();
    }
  }
  mpi.check(err, stage + ": writing its plan");
}

namespace {

// Where a stage writes, for removing its dead runs' temporaries.
std::filesystem::path output_dir(const RunStore& store, const std::string& stage) {
  return stage == "export" ? store.dir() / "catalog" : store.stage_dir(stage);
}

}  // namespace

StageSetup begin_stage(const LoadedConfig& lc, MpiContext& mpi, const std::string& stage,
                       const CommonOptions& o) {
  install_stop_handler();
  set_task_share({o.task_index, o.task_count});
  RunStore store(lc.cfg);
  std::exception_ptr err;
  std::string created, complete = "1";
  std::shared_ptr<StageLock> lock;
  if (mpi.root()) {
    try {
      created = store.ensure_run_manifest(lc.cfg.hash());
      // A job array's tasks run side by side, each with its own lock; they
      // leave the debris of dead runs to the next whole-stage run (a live
      // task on another node could look dead from here).
      const TaskShare& share = task_share();
      const bool whole = share.whole() || !stage_info(stage).unit_parallel;
      lock = std::make_shared<StageLock>(store.dir(), whole ? stage : stage + "-task" + std::to_string(share.index));
      // Under the lock no other run writes this stage's files: any
      // temporary of a process that no longer exists is debris.
      int removed = 0;
      if (share.whole()) {
        removed += remove_stale_temporaries(output_dir(store, stage));
        removed += remove_stale_temporaries(store.dir() / "manifest", stage);
        removed += remove_stale_temporaries(store.dir() / "reports", stage);
      }
      if (removed > 0) spdlog::info("{}: removed {} temporary file(s) left by interrupted runs", stage, removed);
      const Completeness c = check_upstream(lc, store, stage);
      if (!c.complete()) {
        const std::string what = c.describe(o.config.string());
        if (!o.allow_partial) throw InputError(store.dir().string(), stage + " needs its input: " + what);
        spdlog::warn("{}: --allow-partial: going on over an incomplete input: {}", stage, what);
        complete = "0";
      }
    } catch (...) {
      err = std::current_exception();
    }
  }
  mpi.check(err, "starting " + stage + " in " + store.dir().string());
  // The association is one unit, the network: its plan is known up front.
  if (stage == "associate")
    record_plan(mpi, store, "associate", {"network"}, {{"network", "associate/network.h5", "", lc.associate_hash()}});
  created = mpi.broadcast(created);
  complete = mpi.broadcast(complete);
  StageSetup setup{std::move(store), created, lock, complete == "1"};
  return setup;
}

ChannelWaveform trim_waveform(const pre::Continuous& w, TimeNs begin, TimeNs end) {
  ChannelWaveform out;
  out.seed_id = w.seed_id;
  out.sampling_rate = w.sampling_rate;
  // Sample times increase with the index: the first at or after begin and
  // the first at or after end, by bisection (not a time per sample).
  auto first_at_or_after = [&w](TimeNs t) {
    std::size_t lo = 0, hi = w.samples.size();
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (w.sample_time(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  std::size_t first = first_at_or_after(begin), last = first_at_or_after(end);
  // Keep only the valid extent: a chunk with an hour of data stores an hour.
  while (first < last && !w.mask[first]) ++first;
  while (last > first && !w.mask[last - 1]) --last;
  if (first >= last) {
    out.start = begin;
    return out;
  }
  out.start = w.sample_time(first);
  out.samples.assign(w.samples.begin() + static_cast<std::ptrdiff_t>(first),
                     w.samples.begin() + static_cast<std::ptrdiff_t>(last));
  out.mask.assign(w.mask.begin() + static_cast<std::ptrdiff_t>(first),
                  w.mask.begin() + static_cast<std::ptrdiff_t>(last));
  return out;
}

ChannelWaveform concatenate(const std::vector<ChannelWaveform>& parts) {
  ChannelWaveform out;
  for (const auto& p : parts) {
    if (p.samples.empty()) continue;
    if (out.samples.empty()) {
      out = p;
      continue;
    }
    const double dt_ns = 1e9 / out.sampling_rate;
    const double offset = static_cast<double>(p.start - out.start) / dt_ns;
    const auto index = static_cast<std::int64_t>(std::llround(offset));
    if (index < static_cast<std::int64_t>(out.samples.size())) {
      // Overlap (should not happen with fixed chunks): keep the earlier unit.
      const std::size_t skip = out.samples.size() - static_cast<std::size_t>(std::max<std::int64_t>(index, 0));
      if (skip >= p.samples.size()) continue;
      out.samples.insert(out.samples.end(), p.samples.begin() + static_cast<std::ptrdiff_t>(skip), p.samples.end());
      out.mask.insert(out.mask.end(), p.mask.begin() + static_cast<std::ptrdiff_t>(skip), p.mask.end());
      continue;
    }
    const std::size_t hole = static_cast<std::size_t>(index) - out.samples.size();
    out.samples.insert(out.samples.end(), hole, 0.0f);
    out.mask.insert(out.mask.end(), hole, std::uint8_t{0});
    out.samples.insert(out.samples.end(), p.samples.begin(), p.samples.end());
    out.mask.insert(out.mask.end(), p.mask.begin(), p.mask.end());
  }
  return out;
}

std::map<TimeNs, std::filesystem::path> waveform_units(const RunStore& store, const std::string& sid) {
  std::map<TimeNs, std::filesystem::path> out;
  for (const auto& f : store.unit_files("preprocess", sid)) out[parse_iso8601(f.stem().string())] = f;
  return out;
}

ChannelWaveform load_span(const std::map<TimeNs, std::filesystem::path>& units, TimeNs begin,
                          TimeNs end, TimeNs chunk) {
  std::vector<ChannelWaveform> parts;
  for (TimeNs c = floor_to(begin, chunk); c < end; c += chunk) {
    auto it = units.find(c);
    if (it == units.end()) continue;
    parts.push_back(runstore::read_waveform_unit(it->second));
  }
  return concatenate(parts);
}

VerticalChoice vertical_of(const StationConfig& station, const RunStore& store) {
  std::map<std::string, double> inclination;
  if (station.vertical.empty()) {
    for (const auto& c : station.channels) {
      const ChannelId id{station.network, station.station, station.location, c};
      const auto units = waveform_units(store, id.seed_id());
      if (units.empty()) continue;
      const double inc = runstore::read_waveform_info(units.begin()->second).inclination_deg;
      if (std::isfinite(inc)) inclination[c] = inc;
    }
  }
  return choose_vertical(station.channels, station.vertical, inclination);
}

std::string unit_inputs_hash(const std::filesystem::path& p) {
  return h5::File::open_read(p).attr_string("inputs_hash");
}

std::string join_warnings(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& x : w) {
    std::string clean = x;
    for (char& c : clean)
      if (c == '\t' || c == '\n') c = ' ';
    s += (s.empty() ? "" : " | ") + clean;
  }
  return s;
}

}  // namespace qp::app
