// The associate stage: per-channel candidate pairs -> per-station pairs on
// the network grid (channels combined) -> event pairs -> network events with
// refined arrival times, families and scores -> associate/network.h5.
//
// Across ranks: stations are dealt to ranks for channel combination and
// event-pair extraction (event pairs gathered in binary); events are dealt
// to ranks in blocks of time for picking and for location with re-picking,
// each rank reading the waveform windows it needs; results are gathered in
// event order, so outputs do not depend on the rank or thread count.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <climits>
#include <cmath>
#include <map>
#include <optional>

#include <omp.h>

#include "app/commands.hpp"
#include "app/loaded_config.hpp"
#include "app/stage_common.hpp"
#include "app/waveform_cache.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/log.hpp"
#include "runstore/event_unit.hpp"
#include "runstore/pair_unit.hpp"
#include "postprocess/association/event_pairs.hpp"
#include "postprocess/association/fast_detlist.hpp"
#include "postprocess/association/network_events.hpp"
#include "postprocess/association/picking.hpp"
#include "postprocess/association/relocation.hpp"
#include "postprocess/association/sightings.hpp"
#include "postprocess/association/station_pairs.hpp"
#include "postprocess/association/union_find.hpp"
#include "postprocess/association/wire.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/location.hpp"
#include "postprocess/catalog/stations.hpp"

namespace qp::app {
namespace fs = std::filesystem;

namespace {

struct Station {
  std::string id;                  // NET.STA (location kept in channel ids)
  std::vector<ChannelId> channels;
  ChannelId pick_channel;          // vertical component where there is one
  std::vector<ChannelId> horizontals;  // the others, when pick_channel is vertical
};

std::vector<Station> stations_of(const Config& cfg, const RunStore& store) {
  std::vector<Station> out;
  for (const auto& s : cfg.stations()) {
    Station st;
    st.id = s.station_id();
    for (const auto& c : s.channels) st.channels.push_back({s.network, s.station, s.location, c});
    std::sort(st.channels.begin(), st.channels.end());
    const std::string vertical = vertical_of(s, store).channel;  // config, CMPINC, or code (Z; Hi-net U)
    st.pick_channel = vertical.empty() ? st.channels.front() : ChannelId{s.network, s.station, s.location, vertical};
    for (const auto& c : st.channels)
      if (!vertical.empty() && !(c == st.pick_channel)) st.horizontals.push_back(c);
    out.push_back(st);
  }
  std::sort(out.begin(), out.end(), [](const Station& a, const Station& b) { return a.id < b.id; });
  return out;
}

// Seconds between laps, for the stage's timing lines (per-event costs).
class Stopwatch {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }
  /// CPU seconds of this process since the last call: on a shared machine
  /// a rank's work, whatever share of a core it got.
  double cpu_lap() {
    const std::clock_t now = std::clock();
    const double s = static_cast<double>(now - cpu_last_) / CLOCKS_PER_SEC;
    cpu_last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::clock_t cpu_last_ = std::clock();
};

// "a, b, c" of per-rank figures.
std::string rank_list(const std::vector<double>& v) {
  std::string out;
  for (double x : v) out += (out.empty() ? "" : ", ") + fmt::format("{:.3f}", x);
  return out;
}

// Runs work(i) for i in [first, last) over OpenMP threads; the first error
// by index is rethrown (the same whatever the schedule).
template <class Work>
void parallel_for(std::size_t first, std::size_t last, Work&& work) {
  std::vector<std::exception_ptr> errors(last - first);
  const long n = static_cast<long>(last - first);
#pragma omp parallel for schedule(dynamic, 1)
  for (long k = 0; k < n; ++k) {
    try {
      work(first + static_cast<std::size_t>(k));
    } catch (...) {
      errors[static_cast<std::size_t>(k)] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// A rank's waveform reader: preprocess units read through one cache per
// rank (only the units its block of events touches), one thread at a time
// inside HDF5.
post::WaveformReader waveform_reader(WaveformCache& cache) {
  return [&cache](const std::string& sid, TimeNs begin, TimeNs end) {
    ChannelWaveform w;
#pragma omp critical(qp_associate_waveforms)
    w = cache.span(sid, begin, end);
    return post::WaveformSpan{w.start, w.sampling_rate, std::move(w.samples)};
  };
}

// What step 1 leaves: each station's event pairs, and what FAST's list and
// the log need of the station pairs (which stay on the rank that made them).
struct NetworkInput {
  std::vector<std::vector<post::EventPair>> event_pairs;  // per station
  std::size_t n_pairs = 0;                                 // station pairs, all stations
  std::int64_t origin_g = INT64_MAX;                       // smallest grid index of any pair
};

// The channel-combined pairs of one station on the network grid.
std::vector<post::StationPair> station_pairs(const LoadedConfig& lc, const RunStore& store, const Station& st) {
  const TimeNs dt_fp = lc.fp.dt_fp_ns();
  std::vector<std::vector<post::StationPair>> per_channel;
  for (const auto& ch : st.channels) {
    const fs::path p = store.stage_dir("search") / (ch.seed_id() + ".h5");
    if (!fs::exists(p)) continue;
    const auto found = runstore::read_pair_unit(p);
    std::vector<post::StationPair> pairs;
    pairs.reserve(found.size());
    for (const auto& q : found) {
      const auto g1 = static_cast<std::int64_t>(std::llround(static_cast<double>(q.t1) / static_cast<double>(dt_fp)));
      const auto g2 = static_cast<std::int64_t>(std::llround(static_cast<double>(q.t2) / static_cast<double>(dt_fp)));
      if (g2 > g1) pairs.push_back({g1, g2, static_cast<std::int32_t>(q.votes)});
    }
    per_channel.push_back(std::move(pairs));
  }
  if (per_channel.empty()) {
    spdlog::warn("station {}: no candidate pairs (no data?); associating the others", st.id);
    return {};
  }
  auto combined = post::combine_channels(per_channel, static_cast<int>(st.channels.size()), lc.assoc);
  std::sort(combined.begin(), combined.end(), post::fast_pair_order);
  return combined;
}

// 1. Station pairs (channels combined) and event pairs per station: rank r
//    takes stations r, r+size, ...; event pairs gathered on every rank.
NetworkInput network_input(const LoadedConfig& lc, const RunStore& store, const std::vector<Station>& stations,
                           MpiContext& mpi) {
  std::vector<std::size_t> mine;
  for (std::size_t s = 0; s < stations.size(); ++s)
    if (mpi.owns(s)) mine.push_back(s);
  post::wire::Writer out;
  std::exception_ptr err;
  try {
    std::vector<std::vector<post::StationPair>> pairs(mine.size());
    for (std::size_t k = 0; k < mine.size(); ++k) pairs[k] = station_pairs(lc, store, stations[mine[k]]);
    std::vector<std::vector<post::EventPair>> event_pairs(mine.size());
    parallel_for(0, mine.size(), [&](std::size_t k) {
      event_pairs[k] = post::extract_event_pairs(static_cast<int>(mine[k]), pairs[k], lc.assoc);
    });
    for (std::size_t k = 0; k < mine.size(); ++k) {
      std::int64_t min_g = INT64_MAX;
      for (const auto& p : pairs[k]) min_g = std::min(min_g, p.g1);
      out.put<std::uint64_t>(mine[k]);
      out.put<std::uint64_t>(pairs[k].size());
      out.put(min_g);
      out.put<std::uint64_t>(event_pairs[k].size());
      for (const auto& e : event_pairs[k]) post::wire::put(out, e);
    }
  } catch (...) {
    err = std::current_exception();
  }
  mpi.check(err, "channel combination and event-pair extraction");
  NetworkInput in;
  in.event_pairs.resize(stations.size());
  for (const std::string& bytes : mpi.all_gather(out.bytes())) {
    post::wire::Reader r(bytes);
    while (!r.done()) {
      const auto s = r.get<std::uint64_t>();
      in.n_pairs += r.get<std::uint64_t>();
      in.origin_g = std::min(in.origin_g, r.get<std::int64_t>());
      auto& v = in.event_pairs[s];
      v.resize(r.get<std::uint64_t>());
      for (auto& e : v) e = post::wire::get_event_pair(r);
    }
  }
  if (in.origin_g == INT64_MAX) in.origin_g = 0;
  return in;
}

// Runs of events no pick of which can reach another run's arrivals
// (EventPicker::independence_horizon): [begin, end) index ranges, in order.
std::vector<std::pair<std::size_t, std::size_t>> independent_runs(const std::vector<post::NetworkEvent>& events,
                                                                  TimeNs dt_fp, TimeNs horizon) {
  const std::size_t n = events.size();
  std::vector<TimeNs> later_min(n + 1, INT64_MAX);  // earliest centre of events k..n-1
  for (std::size_t k = n; k-- > 0;) later_min[k] = std::min(later_min[k + 1], events[k].earliest() * dt_fp);
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  TimeNs latest = INT64_MIN;  // of events before k
  std::size_t begin = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (k > begin && later_min[k] - latest > horizon) {
      runs.emplace_back(begin, k);
      begin = k;
    }
    for (const auto& w : events[k].stations) latest = std::max(latest, w.first * dt_fp);
  }
  if (n > begin) runs.emplace_back(begin, n);
  return runs;
}

// 3. The picks of every event: independent runs of events (each a block of
//    time, picked in order) dealt to ranks in turn (run r on rank r mod
//    size) and over threads; gathered by event index on every rank.
std::vector<std::vector<post::StationPick>> pick_events(const std::vector<post::NetworkEvent>& events,
                                                        const post::PickingSetup& setup, WaveformCache& cache,
                                                        MpiContext& mpi) {
  const post::WaveformReader read = waveform_reader(cache);
  const auto runs = independent_runs(events, setup.dt_fp, post::EventPicker(setup, read).independence_horizon());
  if (mpi.root()) spdlog::info("associate: {} network events in {} independent runs", events.size(), runs.size());
  std::vector<std::size_t> my_runs;
  for (std::size_t r = 0; r < runs.size(); ++r)
    if (mpi.owns(r)) my_runs.push_back(r);
  std::vector<std::vector<post::StationPick>> picks(events.size());
  Stopwatch clock;
  std::exception_ptr err;
  try {
    parallel_for(0, my_runs.size(), [&](std::size_t k) {
      post::EventPicker picker(setup, read);
      for (std::size_t i = runs[my_runs[k]].first; i < runs[my_runs[k]].second; ++i) picks[i] = picker.pick(events[i]);
    });
  } catch (...) {
    err = std::current_exception();
  }
  const double cpu_s = clock.cpu_lap();
  mpi.check(err, "picking");
  post::wire::Writer out;
  out.put(cpu_s);
  for (std::size_t r : my_runs)
    for (std::size_t i = runs[r].first; i < runs[r].second; ++i) {
      out.put<std::uint64_t>(i);
      out.put<std::uint64_t>(picks[i].size());
      for (const auto& x : picks[i]) post::wire::put(out, x);
    }
  std::vector<double> cpu;
  for (const std::string& bytes : mpi.all_gather(out.bytes())) {
    post::wire::Reader r(bytes);
    cpu.push_back(r.get<double>());
    while (!r.done()) {
      const auto i = r.get<std::uint64_t>();
      picks[i].resize(r.get<std::uint64_t>());
      for (auto& x : picks[i]) x = post::wire::get_station_pick(r);
    }
  }
  if (mpi.root()) spdlog::info("associate timing: picking CPU seconds per rank: {}", rank_list(cpu));
  return picks;
}

// 5. Each event located, re-picked near its predicted P and located again
//    (post::locate_and_repick): events dealt to ranks in turn (event i on
//    rank i mod size: the cost of an event, its picks and outliers, varies
//    far more than the time order says), gathered in order on rank 0.
//    Returns the picks re-picked.
std::size_t relocate_events(std::vector<catalog::Event>& events, const post::RelocationSetup& setup,
                            WaveformCache& cache, MpiContext& mpi) {
  const post::WaveformReader read = waveform_reader(cache);
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < events.size(); ++i)
    if (mpi.owns(i)) mine.push_back(i);
  std::vector<std::size_t> repicked(events.size(), 0);
  Stopwatch clock;
  std::exception_ptr err;
  try {
    parallel_for(0, mine.size(), [&](std::size_t k) {
      repicked[mine[k]] = post::locate_and_repick(events[mine[k]], setup, read);
    });
  } catch (...) {
    err = std::current_exception();
  }
  const double cpu_s = clock.cpu_lap();
  mpi.check(err, "location");
  post::wire::Writer out;
  out.put(cpu_s);
  for (std::size_t i : mine) {
    out.put<std::uint64_t>(i);
    out.put<std::uint64_t>(repicked[i]);
    post::wire::put(out, events[i]);
  }
  std::size_t total = 0;
  std::vector<double> cpu;
  for (const std::string& bytes : mpi.gather(out.bytes())) {
    post::wire::Reader r(bytes);
    cpu.push_back(r.get<double>());
    while (!r.done()) {
      const auto i = r.get<std::uint64_t>();
      total += r.get<std::uint64_t>();
      events[i] = post::wire::get_event(r);
    }
  }
  if (mpi.root()) spdlog::info("associate timing: location CPU seconds per rank: {}", rank_list(cpu));
  return total;
}

// Events on their way into the catalog, with the families they belong to
// (a union-find over the network events' indices).
struct CatalogDraft {
  std::vector<catalog::Event> events;
  std::vector<std::size_t> ids;  // each event's network event index
  post::UnionFind families;
};

// One event per earthquake: sightings that event resolution kept apart but
// that share their first arrival or onsets, or bring nothing of their own,
// merge (post::merge_sightings; events then in first-arrival order); merged
// events join one family. Events of a swarm keep their own onsets.
void merge_sightings(CatalogDraft& d, const post::SightingMergeParams& params, const post::ArrivalPredictor& predict) {
  const post::MergedSightings m = post::merge_sightings(d.events, params, predict);
  for (const auto& [drop, keep] : m.merges) d.families.join(d.ids[drop], d.ids[keep]);
  std::vector<std::size_t> ids;
  for (std::size_t i : m.origin) ids.push_back(d.ids[i]);
  d.ids.swap(ids);
}

// Events not reportable (post::reportable) go; the rest get their ids
// (catalog::assign_event_ids) and family ids: the id of the family's
// earliest event in the catalog.
std::vector<catalog::Event> finish_catalog(CatalogDraft& d, int min_stations_without_onset) {
  std::vector<catalog::Event> events;
  std::vector<std::size_t> ids;
  for (std::size_t k = 0; k < d.events.size(); ++k) {
    if (!post::reportable(d.events[k], min_stations_without_onset)) continue;
    events.push_back(std::move(d.events[k]));
    ids.push_back(d.ids[k]);
  }
  if (events.size() < d.events.size())
    spdlog::info("associate: {} events at fewer than {} stations with no clear onset are not reported",
                 d.events.size() - events.size(), min_stations_without_onset);
  const std::vector<std::size_t> order = catalog::assign_event_ids(events);
  std::map<std::size_t, std::string> family_id;
  for (std::size_t k = 0; k < events.size(); ++k) {
    const std::size_t f = d.families.find(ids[order[k]]);
    if (!family_id.count(f)) family_id[f] = events[k].event_id;
    events[k].family_id = family_id[f];
  }
  return events;
}

// Station coordinates, where location is enabled.
std::optional<catalog::StationTable> station_coordinates(const LoadedConfig& lc) {
  if (!lc.location.enabled) return std::nullopt;
  const auto ext = lc.stations_file.extension().string();
  return catalog::StationTable((ext == ".xml" || ext == ".stationxml")
                                   ? catalog::read_station_xml(lc.stations_file.string())
                                   : catalog::read_stations_csv(lc.stations_file.string()));
}

post::PickingSetup picking_setup(const LoadedConfig& lc, const std::vector<Station>& stations,
                                 const catalog::StationTable* coords) {
  post::PickingSetup setup;
  for (const auto& st : stations) {
    post::PickingStation p{st.id, {}, st.pick_channel.seed_id(), {}};
    for (const auto& c : st.channels) p.channels.push_back(c.seed_id());
    for (const auto& c : st.horizontals) p.horizontals.push_back(c.seed_id());
    setup.stations.push_back(std::move(p));
  }
  setup.coords = coords;
  setup.location = &lc.location;
  setup.consistency.vp_min_km_s = *std::min_element(lc.location.model.vp().begin(), lc.location.model.vp().end());
  setup.dt_fp = lc.fp.dt_fp_ns();
  setup.half_span = lc.fp.window_span_ns() / 2;
  setup.ntbls = lc.search.ntbls;
  setup.params = lc.picking;
  return setup;
}

// The located catalog from the network events: picks, sightings merged,
// located and re-picked, merged again (re-picks can bring two sightings'
// first arrivals together, and a location tells a later sighting made of
// its S arrivals), those that gained picks located again. Complete on rank 0.
std::vector<catalog::Event> catalog_of(const LoadedConfig& lc, const RunStore& store,
                                       const std::vector<Station>& stations, const post::AssociationResult& result,
                                       MpiContext& mpi) {
  const std::optional<catalog::StationTable> coords = station_coordinates(lc);
  const post::PickingSetup setup = picking_setup(lc, stations, coords ? &*coords : nullptr);
  WaveformCache cache(store, static_cast<TimeNs>(lc.cfg.run().chunk_days) * kNsPerDay);
  Stopwatch clock;
  auto picks = pick_events(result.events, setup, cache, mpi);
  const double picking_s = clock.lap();
  post::apply_typical_offset(picks, lc.picking);
  CatalogDraft d{{}, {}, post::UnionFind(result.events.size())};
  for (std::size_t k = 0; k < result.events.size(); ++k) {
    d.events.push_back(post::catalog_event(result.events[k], picks[k], setup));
    d.ids.push_back(k);
    d.families.join(k, result.events[k].family);
  }
  const post::ArrivalPredictor predict =
      coords ? post::arrival_predictor(*coords, lc.location.model)
             : post::ArrivalPredictor([](const catalog::Event&, const std::string&, Phase) { return std::nullopt; });
  post::SightingMergeParams merge;
  merge.duplicate_window = seconds_to_ns(lc.duplicate_window_s);
  merge.same_onset = seconds_to_ns(lc.picking.same_onset_s);
  merge.coda = seconds_to_ns(lc.picking.coda_s);
  merge.predicted_tolerance = seconds_to_ns(lc.picking.repick_tolerance_s);
  merge_sightings(d, merge, predict);
  if (!coords) return mpi.root() ? finish_catalog(d, lc.min_stations_without_onset) : std::vector<catalog::Event>{};
  post::RelocationSetup relocation{&*coords, lc.location, {}, lc.picking};
  if (relocation.location.estimate_uncertainty_s == 0) relocation.location.estimate_uncertainty_s = post::kEstimateUncertaintyS;
  for (const auto& st : stations) relocation.pick_channel[st.id] = st.pick_channel.seed_id();
  clock.lap();
  const std::size_t repicked = relocate_events(d.events, relocation, cache, mpi);
  const double location_s = clock.lap();
  if (!mpi.root()) return {};
  spdlog::info("associate timing: picking {:.3f} s for {} network events, location and re-picking {:.3f} s for {} "
               "events, on {} rank(s) x {} thread(s)",
               picking_s, result.events.size(), location_s, d.events.size(), mpi.size(), omp_get_max_threads());
  std::vector<std::size_t> n_picks(result.events.size(), 0);
  for (std::size_t k = 0; k < d.events.size(); ++k) n_picks[d.ids[k]] = d.events[k].picks.size();
  merge_sightings(d, merge, predict);
  std::vector<catalog::Event> grown;
  std::vector<std::size_t> grown_at;
  for (std::size_t k = 0; k < d.events.size(); ++k)
    if (d.events[k].picks.size() != n_picks[d.ids[k]]) {
      grown.push_back(d.events[k]);
      grown_at.push_back(k);
    }
  catalog::locate_events(grown, *coords, relocation.location);
  for (std::size_t g = 0; g < grown.size(); ++g) d.events[grown_at[g]] = std::move(grown[g]);
  std::size_t located = 0;
  for (const auto& e : d.events) located += e.origin_time.has_value();
  spdlog::info("associate: located {} of {} events ({} picks re-picked near the predicted P)", located,
               d.events.size(), repicked);
  return finish_catalog(d, lc.min_stations_without_onset);
}

}  // namespace

int cmd_associate(const CommonOptions& o, MpiContext& mpi) {
  const auto t0 = std::chrono::steady_clock::now();
  LoadedConfig lc = load_config(o.config);
  StageSetup setup = begin_stage(lc, mpi, "associate", o);
  const RunStore& store = setup.store;
  const TimeNs dt_fp = lc.fp.dt_fp_ns();
  const auto stations = stations_of(lc.cfg, store);
  const fs::path out = store.stage_dir("associate") / "network.h5";

  // Inputs: every channel's pair file (hash recorded), and the parameters.
  std::vector<std::string> inputs;
  for (const auto& st : stations)
    for (const auto& ch : st.channels) {
      const fs::path p = store.stage_dir("search") / (ch.seed_id() + ".h5");
      if (fs::exists(p)) {
        // The pairs are a function of the search unit's inputs and parameters.
        h5::File f = h5::File::open_read(p);
        inputs.push_back(store.relative(p) + " " + f.attr_string("inputs_hash") + ":" +
                         f.attr_string("params_hash"));
      }
    }
  const std::string inputs_hash = combine_hashes(inputs);
  const std::string params_hash = lc.associate_hash();
  if (!o.force && store.is_current(out, inputs_hash, params_hash)) {
    if (mpi.root()) spdlog::info("associate: up to date ({})", store.relative(out));
    return 0;
  }

  // 1-2. Event pairs per station (over ranks), pseudo-association and event
  //      resolution (on every rank: what follows is dealt out by event).
  Stopwatch clock;
  const NetworkInput in = network_input(lc, store, stations, mpi);
  const double pairs_s = clock.lap();
  const post::AssociationResult result = post::associate(in.event_pairs, lc.assoc);
  if (mpi.root())
    spdlog::info("associate timing: station and event pairs {:.3f} s, association {:.3f} s", pairs_s, clock.lap());
  // 3-5. Picks, one event per earthquake, locations.
  const std::vector<catalog::Event> events = catalog_of(lc, store, stations, result, mpi);
  if (!mpi.root()) return 0;

  const Provenance prov{"associate", "network", lc.cfg.hash(), params_hash, inputs_hash, inputs};
  store.write_h5(out, prov, [&](h5::File& f) {
    runstore::write_event_unit(f, events, {in.n_pairs, result.network_pairs.size(), dt_fp});
  });
  // FAST's detection list, for users comparing with the reference.
  std::vector<std::string> names;
  for (const auto& st : stations) names.push_back(st.id);
  AtomicTextFile det(store.stage_dir("associate") / "fast_detlist.txt");
  post::write_fast_detlist(det.stream(), result, names, {in.origin_g, in.origin_g * dt_fp, dt_fp});
  det.commit();

  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (events.empty())
    spdlog::info("associate done: no network events ({} station pairs after channel combination); "
                 "the catalog will be empty", in.n_pairs);
  else
    spdlog::info("associate done: {} station pairs, {} network event pairs, {} events, {:.1f} s, {} rank(s)",
                 in.n_pairs, result.network_pairs.size(), events.size(), secs, mpi.size());
  return 0;
}

}  // namespace qp::app
