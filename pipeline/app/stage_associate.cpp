// The associate stage: per-channel candidate pairs -> per-station pairs on
// the network grid (channels combined) -> event pairs -> network events with
// refined arrival times, families and scores -> associate/network.h5.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <tuple>
#include <sstream>

#include "pipeline/app/commands.hpp"
#include "pipeline/app/event_store.hpp"
#include "pipeline/app/loaded_config.hpp"
#include "pipeline/app/stage_common.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/log.hpp"
#include "postprocess/association/arrival.hpp"
#include "postprocess/association/event_pairs.hpp"
#include "postprocess/association/fast_detlist.hpp"
#include "postprocess/association/network_events.hpp"
#include "postprocess/association/station_pairs.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/location.hpp"
#include "postprocess/catalog/stations.hpp"

namespace qp::app {
namespace fs = std::filesystem;

namespace {

// Picks without a clear onset get an uncertainty of half the search window
// (seconds); a clear onset's is far smaller.
constexpr double kNoOnsetUncertainty = 1.0;

struct Station {
  std::string id;                  // NET.STA (location kept in channel ids)
  std::vector<ChannelId> channels;
  ChannelId pick_channel;          // vertical component where there is one
};

std::vector<Station> stations_of(const Config& cfg) {
  std::vector<Station> out;
  for (const auto& s : cfg.stations()) {
    Station st;
    st.id = s.station_id();
    for (const auto& c : s.channels) st.channels.push_back({s.network, s.station, s.location, c});
    std::sort(st.channels.begin(), st.channels.end());
    st.pick_channel = st.channels.front();
    for (const auto& c : st.channels)
      if (c.channel.back() == 'Z') st.pick_channel = c;
    out.push_back(st);
  }
  std::sort(out.begin(), out.end(), [](const Station& a, const Station& b) { return a.id < b.id; });
  return out;
}

bool has_onset(const catalog::Pick& p) { return p.uncertainty_s < kNoOnsetUncertainty; }

// A station whose onset lies far from the others' (noise before the event,
// or the previous event of a swarm) keeps its time but loses its onset.
void reject_outlier_picks(catalog::Event& e, TimeNs half_window) {
  std::vector<TimeNs> t;
  for (const auto& p : e.picks)
    if (has_onset(p)) t.push_back(p.time);
  if (t.size() < 3) return;
  std::sort(t.begin(), t.end());
  const TimeNs median = t[t.size() / 2];
  std::vector<TimeNs> dev;
  for (TimeNs x : t) dev.push_back(std::llabs(x - median));
  std::sort(dev.begin(), dev.end());
  const TimeNs limit = std::max<TimeNs>(3 * kNsPerSecond, 4 * dev[dev.size() / 2]);
  for (auto& p : e.picks)
    if (has_onset(p) && std::llabs(p.time - median) > limit) p.uncertainty_s = ns_to_seconds(half_window);
}

// Earliest pick with a clear onset; picks without one (their time is the
// fingerprint estimate) count only when no station has a clear onset.
TimeNs first_arrival_of(const catalog::Event& e) {
  TimeNs best = INT64_MAX, any = INT64_MAX;
  for (const auto& p : e.picks) {
    any = std::min(any, p.time);
    if (has_onset(p)) best = std::min(best, p.time);
  }
  return best != INT64_MAX ? best : any;
}

}  // namespace

int cmd_associate(const CommonOptions& o, MpiContext& mpi) {
  const auto t0 = std::chrono::steady_clock::now();
  LoadedConfig lc = load_config(o.config);
  StageSetup setup = begin_stage(lc, mpi, "associate", o.force);
  const RunStore& store = setup.store;
  const TimeNs dt_fp = lc.fp.dt_fp_ns();
  const TimeNs chunk = static_cast<TimeNs>(lc.cfg.run().chunk_days) * kNsPerDay;
  const auto stations = stations_of(lc.cfg);
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

  // 1. Station pairs on the network grid; channels combined (parallel over
  //    stations: rank r takes stations r, r+size, ...; merged on every rank).
  std::vector<std::vector<post::StationPair>> per_station(stations.size());
  std::string mine;
  std::exception_ptr err;
  try {
    for (std::size_t s = 0; s < stations.size(); ++s) {
      if (!mpi.owns(s)) continue;
      std::vector<std::vector<post::StationPair>> per_channel;
      for (const auto& ch : stations[s].channels) {
        const fs::path p = store.stage_dir("search") / (ch.seed_id() + ".h5");
        if (!fs::exists(p)) continue;
        h5::File f = h5::File::open_read(p);
        const auto t1 = f.read<std::int64_t>("t1"), t2 = f.read<std::int64_t>("t2");
        const auto v = f.read<std::uint32_t>("votes");
        std::vector<post::StationPair> pairs;
        pairs.reserve(t1.size());
        for (std::size_t i = 0; i < t1.size(); ++i) {
          const std::int64_t g1 = static_cast<std::int64_t>(std::llround(static_cast<double>(t1[i]) / static_cast<double>(dt_fp)));
          const std::int64_t g2 = static_cast<std::int64_t>(std::llround(static_cast<double>(t2[i]) / static_cast<double>(dt_fp)));
          if (g2 > g1) pairs.push_back({g1, g2, static_cast<std::int32_t>(v[i])});
        }
        per_channel.push_back(std::move(pairs));
      }
      if (per_channel.empty()) {
        spdlog::warn("station {}: no candidate pairs (no data?); associating the others", stations[s].id);
        continue;
      }
      const auto combined = post::combine_channels(per_channel, static_cast<int>(stations[s].channels.size()), lc.assoc);
      std::ostringstream ss;
      for (const auto& p : combined) ss << s << ' ' << p.g1 << ' ' << p.g2 << ' ' << p.votes << '\n';
      mine += ss.str();
    }
  } catch (...) {
    err = std::current_exception();
  }
  mpi.check(err, "channel combination");
  for (const auto& text : mpi.all_gather(mine)) {
    std::istringstream in(text);
    std::size_t s;
    post::StationPair p;
    while (in >> s >> p.g1 >> p.g2 >> p.votes) per_station[s].push_back(p);
  }
  for (auto& v : per_station) std::sort(v.begin(), v.end(), post::fast_pair_order);

  if (!mpi.root()) return 0;  // extraction and association are light: rank 0

  // 2. Event pairs per station, pseudo-association, event resolution.
  const auto event_pairs = post::extract_event_pairs_all(per_station, lc.assoc);
  post::AssociationResult result = post::associate(event_pairs, lc.assoc);

  // 3. Events with refined arrivals at every station that saw them.
  const TimeNs half_span = lc.fp.window_span_ns() / 2;
  std::map<std::string, std::map<TimeNs, fs::path>> unit_cache;
  std::vector<catalog::Event> events;
  events.reserve(result.events.size());
  for (const auto& ne : result.events) {
    catalog::Event e;
    for (const auto& w : ne.stations) {
      const Station& st = stations[static_cast<std::size_t>(w.station)];
      const std::string sid = st.pick_channel.seed_id();
      if (!unit_cache.count(sid)) unit_cache[sid] = waveform_units(store, sid);
      // The first matching fingerprint's window holds the onset; search it.
      const TimeNs first_centre = w.first * dt_fp;
      // The onset may precede the first matching window a little (its start
      // may hold only noise and the P coda matched first).
      const TimeNs begin = first_centre - half_span - 2 * kNsPerSecond;
      const TimeNs end = first_centre + half_span + dt_fp;
      catalog::Pick pick{"", sid, "P", first_centre, half_span / 1e9,
                         static_cast<double>(w.peak) /
                             (static_cast<double>(lc.search.ntbls) * static_cast<double>(st.channels.size()))};
      const ChannelWaveform wf = load_span(unit_cache[sid], begin - 30 * kNsPerSecond, end + kNsPerSecond, chunk);
      if (!wf.samples.empty()) {
        const post::Arrival a = post::refine_arrival(wf.samples.data(), wf.samples.size(), wf.start,
                                                     wf.sampling_rate, begin, end);
        if (a.found) {
          pick.time = a.time;
          pick.uncertainty_s = a.uncertainty_s;
        }
      }
      e.stations.push_back(st.id);
      e.picks.push_back(pick);
    }
    e.n_stations = static_cast<int>(ne.stations.size());
    e.n_linked = static_cast<int>(ne.linked_events.size());
    e.score = ne.score;
    reject_outlier_picks(e, half_span);
    e.first_arrival = first_arrival_of(e);
    events.push_back(std::move(e));
  }
  // 4. One event per earthquake: sightings of the same event that FAST-style
  //    resolution kept apart have the same refined arrivals; merge events
  //    whose picks agree at every station they share. Events further apart
  //    (swarms) keep their own picks and stay separate.
  const TimeNs dup_window = seconds_to_ns(lc.duplicate_window_s);
  std::vector<std::size_t> family(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) family[i] = result.events[i].family;
  std::function<std::size_t(std::size_t)> root = [&](std::size_t i) {
    while (family[i] != i) i = family[i] = family[family[i]];
    return i;
  };
  std::vector<std::size_t> order(events.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return events[a].first_arrival < events[b].first_arrival;
  });
  // Same event: the picks agree at most of the stations both saw (one
  // station may have picked a later phase in one of the two windows).
  auto same_event = [&](const catalog::Event& a, const catalog::Event& b) {
    int common = 0, agree = 0;
    for (const auto& pa : a.picks)
      for (const auto& pb : b.picks)
        if (pa.seed_id == pb.seed_id && has_onset(pa) && has_onset(pb)) {
          ++common;
          agree += std::llabs(pa.time - pb.time) <= dup_window;
        }
    return common > 0 && 2 * agree >= common;
  };
  std::vector<bool> gone(events.size(), false);
  for (std::size_t oi = 0; oi < order.size(); ++oi) {
    const std::size_t i = order[oi];
    if (gone[i]) continue;
    for (std::size_t oj = oi + 1; oj < order.size(); ++oj) {
      const std::size_t j = order[oj];
      // Sightings of one event can differ in which station gave the first onset.
      if (events[j].first_arrival - events[i].first_arrival > 30 * kNsPerSecond) break;
      if (gone[j] || !same_event(events[i], events[j])) continue;
      gone[j] = true;
      for (const auto& pj : events[j].picks) {
        bool have = false;
        for (const auto& pi : events[i].picks) have = have || pi.seed_id == pj.seed_id;
        if (!have) {
          events[i].picks.push_back(pj);
          events[i].stations.push_back(catalog::station_of(pj.seed_id));
        }
      }
      events[i].score = std::max(events[i].score, events[j].score);
      events[i].n_linked += events[j].n_linked;
      family[root(j)] = root(i);
    }
  }
  std::vector<catalog::Event> sorted;
  std::vector<std::size_t> kept;
  for (std::size_t i : order) {
    if (gone[i]) continue;
    auto& e = events[i];
    std::sort(e.picks.begin(), e.picks.end(),
              [](const catalog::Pick& a, const catalog::Pick& b) { return a.seed_id < b.seed_id; });
    e.stations.clear();
    for (const auto& p : e.picks) e.stations.push_back(catalog::station_of(p.seed_id));
    e.n_stations = static_cast<int>(e.stations.size());
    e.first_arrival = first_arrival_of(e);
    sorted.push_back(e);
    kept.push_back(i);
  }
  std::vector<std::size_t> idx(sorted.size());
  for (std::size_t k = 0; k < idx.size(); ++k) idx[k] = k;
  // The order catalog::assign_event_ids uses, so ids follow this order.
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    const auto& x = sorted[a];
    const auto& y = sorted[b];
    return std::make_tuple(x.first_arrival, -x.n_stations, -x.score, std::cref(x.stations)) <
           std::make_tuple(y.first_arrival, -y.n_stations, -y.score, std::cref(y.stations));
  });
  {
    std::vector<catalog::Event> s2;
    std::vector<std::size_t> k2;
    for (std::size_t k : idx) {
      s2.push_back(sorted[k]);
      k2.push_back(kept[k]);
    }
    sorted.swap(s2);
    kept.swap(k2);
  }
  catalog::assign_event_ids(sorted);
  // Family id: the id of the family's earliest event in the catalog.
  std::map<std::size_t, std::string> family_id;
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    const std::size_t f = root(kept[k]);
    if (!family_id.count(f)) family_id[f] = sorted[k].event_id;
    sorted[k].family_id = family_id[f];
    for (auto& p : sorted[k].picks) p.event_id = sorted[k].event_id;
  }

  // 5. Locations, where station coordinates are given.
  if (lc.location.enabled) {
    const fs::path file = lc.stations_file;
    const auto ext = file.extension().string();
    const auto coords = (ext == ".xml" || ext == ".stationxml")
                            ? catalog::read_station_xml(file.string())
                            : catalog::read_stations_csv(file.string());
    const catalog::StationTable table(coords);
    const std::size_t located = catalog::locate_events(sorted, table, lc.location);
    spdlog::info("associate: located {} of {} events", located, sorted.size());
  }

  const Provenance prov{"associate", "network", lc.cfg.hash(), params_hash, inputs_hash, inputs};
  std::size_t n_pairs = 0;
  for (const auto& v : per_station) n_pairs += v.size();
  store.write_h5(out, prov, [&](h5::File& f) {
    write_events(f, sorted);
    f.set_attr("station_pairs", static_cast<std::int64_t>(n_pairs));
    f.set_attr("network_event_pairs", static_cast<std::int64_t>(result.network_pairs.size()));
    f.set_attr("dt_fp_ns", static_cast<std::int64_t>(dt_fp));
  });

  // FAST's detection list, for users comparing with the reference.
  std::int64_t origin_g = INT64_MAX;
  for (const auto& v : per_station)
    for (const auto& p : v) origin_g = std::min(origin_g, p.g1);
  if (origin_g == INT64_MAX) origin_g = 0;
  std::vector<std::string> names;
  for (const auto& st : stations) names.push_back(st.id);
  AtomicTextFile det(store.stage_dir("associate") / "fast_detlist.txt");
  post::write_fast_detlist(det.stream(), result, names, {origin_g, origin_g * dt_fp, dt_fp});
  det.commit();

  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (sorted.empty())
    spdlog::info("associate done: no network events ({} station pairs after channel combination); "
                 "the catalog will be empty", n_pairs);
  else
    spdlog::info("associate done: {} station pairs, {} network event pairs, {} events, {:.1f} s",
                 n_pairs, result.network_pairs.size(), sorted.size(), secs);
  return 0;
}

}  // namespace qp::app
