// The associate stage: per-channel candidate pairs -> per-station pairs on
// the network grid (channels combined) -> event pairs -> network events with
// refined arrival times, families and scores -> associate/network.h5.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <sstream>

#include "app/commands.hpp"
#include "runstore/event_unit.hpp"
#include "runstore/pair_unit.hpp"
#include "app/loaded_config.hpp"
#include "app/stage_common.hpp"
#include "app/waveform_cache.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/log.hpp"
#include "postprocess/association/arrival.hpp"
#include "postprocess/association/event_pairs.hpp"
#include "postprocess/association/fast_detlist.hpp"
#include "postprocess/association/network_events.hpp"
#include "postprocess/association/onset_consistency.hpp"
#include "postprocess/association/phase_labels.hpp"
#include "postprocess/association/sightings.hpp"
#include "postprocess/association/station_pairs.hpp"
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

// Onsets of one event agree within this many seconds once each is taken
// relative to its station's first matching fingerprint.
constexpr double kConsistentOffsetS = 1.5;

// A located event's picks further than this from the predicted P arrival are
// searched again within it.
constexpr double kRepickToleranceS = 1.0;
constexpr double kRepickMinSnr = 3.0;
// A located event's clear onset this far from its predicted P is not its P.
constexpr double kMaxOnsetResidualS = 2.0;
constexpr double kMinOnsetSnr = 3.0;
// The onset of an event seen at one station only: clear, or not an onset.
constexpr double kMinOneStationSnr = 5.0;
// A P before an S-like onset may be weaker than a first onset must be.
constexpr double kMinWeakPSnr = 2.0;
// S is searched on the horizontals this long after a P onset: S-P grows by
// about 1 s per 8 km of distance, so 12 s covers a local network.
constexpr double kMinSMinusPS = 0.3;
constexpr double kMaxSMinusPS = 12.0;
// Two onsets at one station this close are the same arrival.
constexpr double kSameOnsetS = 0.5;
// A local event's coda at a station: picks this long after its arrivals
// there belong to it.
constexpr double kCodaS = 20.0;
// Clear onsets needed to learn the run's typical onset offset.
constexpr std::size_t kMinOnsetsForOffset = 5;

struct StationPick {
  TimeNs centre = 0;   // centre of the station's first matching fingerprint
  ChannelWaveform wf;  // the pick channel around it
  catalog::Pick pick;
  bool estimated = false;  // time set from the event's other stations
  double snr = 0;          // of the onset, where one was found
  std::optional<catalog::Pick> s_pick;  // on a horizontal, after a P onset
};

// Energy of the onset at t on w (post::onset_energy).
double onset_energy(const ChannelWaveform& w, TimeNs t) {
  return post::onset_energy(w.samples.data(), w.samples.size(), w.start, w.sampling_rate, t);
}

// Sets x.pick's time and uncertainty to the onset in [begin, end] when there
// is a clear one (amplitude ratio at least min_snr); otherwise leaves them.
void pick_onset(StationPick& x, TimeNs begin, TimeNs end, double min_snr = 2.0) {
  if (x.wf.samples.empty()) return;
  const post::Arrival a = post::refine_arrival(x.wf.samples.data(), x.wf.samples.size(), x.wf.start,
                                               x.wf.sampling_rate, begin, end);
  spdlog::debug("pick {} first fingerprint centre {} onset {} found {} snr {:.1f}", x.pick.seed_id,
                format_iso8601(x.centre), format_iso8601(a.time), a.found, a.snr);
  if (!a.found || a.snr < min_snr) return;
  x.pick.time = a.time;
  x.pick.uncertainty_s = a.uncertainty_s;
  x.snr = a.snr;
}

// Labels each station's first clear onset P or S (post::first_onsets_are_s:
// energy mostly on the horizontals makes an onset S only where a weaker
// vertical onset precedes it, which is then the P, or where the others'
// moveout demands it, located where coordinates allow) and searches S on
// the horizontals after each P.
// Energy, not signal-to-noise: the components of one sensor share a gain,
// while their noise in the band can differ several-fold.
void label_phases(std::vector<StationPick>& sp, const post::NetworkEvent& ne, const std::vector<Station>& stations,
                  WaveformCache& waveforms, const catalog::StationTable* coords,
                  const catalog::LocationParams& location, const post::OnsetConsistencyParams& consistency) {
  std::vector<post::FirstOnset> first;
  std::vector<std::size_t> at;                     // index into sp
  std::vector<std::optional<post::Arrival>> weaker;  // a weaker vertical onset before it
  for (std::size_t i = 0; i < sp.size(); ++i) {
    StationPick& x = sp[i];
    const Station& st = stations[static_cast<std::size_t>(ne.stations[i].station)];
    if (!post::has_onset(x.pick)) continue;
    post::FirstOnset f;
    f.onset = {ns_to_seconds(x.pick.time - sp.front().centre), x.pick.uncertainty_s, std::nullopt};
    if (coords)
      if (const catalog::StationCoords* c = coords->find(x.pick.seed_id)) f.onset.coords = {{c->latitude, c->longitude}};
    f.has_horizontals = !st.horizontals.empty();
    f.seed_id = x.pick.seed_id;
    std::optional<post::Arrival> earlier;
    if (f.has_horizontals) {
      const double ez = onset_energy(x.wf, x.pick.time);
      double eh = 0;
      for (const auto& h : st.horizontals)
        eh += onset_energy(waveforms.span(h.seed_id(), x.pick.time - 3 * kNsPerSecond, x.pick.time + 2 * kNsPerSecond),
                           x.pick.time);
      if (ez + eh > 0) f.vertical_share = ez / (ez + eh);
      if (f.vertical_share < post::kPVerticalShare && !x.wf.samples.empty()) {
        // The earliest rise connected to this onset (the signal staying up
        // from it on): a P whose coda runs into the S, not a noise blip.
        const post::Arrival a = post::refine_arrival(x.wf.samples.data(), x.wf.samples.size(), x.wf.start,
                                                     x.wf.sampling_rate, x.pick.time - seconds_to_ns(kMaxSMinusPS),
                                                     x.pick.time + kNsPerSecond);
        if (a.found && a.snr >= kMinWeakPSnr && a.time <= x.pick.time - seconds_to_ns(kMinSMinusPS)) earlier = a;
        f.p_before = earlier.has_value();
      }
    }
    first.push_back(f);
    at.push_back(i);
    weaker.push_back(earlier);
  }
  const auto label = post::label_first_onsets(first, consistency, {coords, &location});
  for (std::size_t k = 0; k < at.size(); ++k) {
    StationPick& x = sp[at[k]];
    const Station& st = stations[static_cast<std::size_t>(ne.stations[at[k]].station)];
    if (label[k] == post::OnsetLabel::kS) {  // P too weak to pick
      x.pick.phase = "S";
      continue;
    }
    if (label[k] == post::OnsetLabel::kSAfterWeakerP) {  // P the weaker vertical onset before it, S this one
      x.s_pick = catalog::Pick{"", st.horizontals.front().seed_id(), "S", x.pick.time, x.pick.uncertainty_s,
                               x.pick.similarity};
      x.pick.time = weaker[k]->time;
      x.pick.uncertainty_s = weaker[k]->uncertainty_s;
      continue;
    }
    // S on the horizontals (on the one channel of a one-component
    // station): the clearest onset after the P, the P coda serving as its
    // noise reference.
    const TimeNs s_begin = x.pick.time + seconds_to_ns(kMinSMinusPS);
    const TimeNs s_end = x.pick.time + seconds_to_ns(kMaxSMinusPS);
    double best_snr = 0;
    const bool one_component = st.channels.size() == 1;
    if (!one_component && st.horizontals.empty()) continue;
    for (const auto& h : one_component ? st.channels : st.horizontals) {
      const ChannelWaveform wf = waveforms.span(h.seed_id(), s_begin - 30 * kNsPerSecond, s_end + kNsPerSecond);
      if (wf.samples.empty()) continue;
      const post::Arrival a = post::refine_arrival(wf.samples.data(), wf.samples.size(), wf.start,
                                                   wf.sampling_rate, s_begin, s_end, /*first_arrival=*/false);
      if (!a.found || a.snr < kMinOnsetSnr || a.snr <= best_snr) continue;
      best_snr = a.snr;
      x.s_pick = catalog::Pick{"", h.seed_id(), "S", a.time, a.uncertainty_s, x.pick.similarity};
    }
  }
}

}  // namespace

int cmd_associate(const CommonOptions& o, MpiContext& mpi) {
  const auto t0 = std::chrono::steady_clock::now();
  LoadedConfig lc = load_config(o.config);
  StageSetup setup = begin_stage(lc, mpi, "associate", o);
  const RunStore& store = setup.store;
  const TimeNs dt_fp = lc.fp.dt_fp_ns();
  const TimeNs chunk = static_cast<TimeNs>(lc.cfg.run().chunk_days) * kNsPerDay;
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
        const auto found = runstore::read_pair_unit(p);
        std::vector<post::StationPair> pairs;
        pairs.reserve(found.size());
        for (const auto& q : found) {
          const std::int64_t g1 = static_cast<std::int64_t>(std::llround(static_cast<double>(q.t1) / static_cast<double>(dt_fp)));
          const std::int64_t g2 = static_cast<std::int64_t>(std::llround(static_cast<double>(q.t2) / static_cast<double>(dt_fp)));
          if (g2 > g1) pairs.push_back({g1, g2, static_cast<std::int32_t>(q.votes)});
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
  //    The first matching fingerprint of a station holds the onset in its
  //    later part (a window must contain enough of the event to match its
  //    partner): the onset is searched from a little before its centre to its
  //    end. A swarm's previous event often lies just before; the second pass
  //    re-picks stations whose onset disagrees with the event's others.
  // Station coordinates, where given, for consistency and location.
  std::optional<catalog::StationTable> coords;
  if (lc.location.enabled) {
    const fs::path file = lc.stations_file;
    const auto ext = file.extension().string();
    coords.emplace((ext == ".xml" || ext == ".stationxml") ? catalog::read_station_xml(file.string())
                                                           : catalog::read_stations_csv(file.string()));
  }
  post::OnsetConsistencyParams consistency;
  consistency.vp_min_km_s = *std::min_element(lc.location.model.vp().begin(), lc.location.model.vp().end());
  const TimeNs half_span = lc.fp.window_span_ns() / 2;
  const TimeNs lead = half_span + 2 * kNsPerSecond;
  const TimeNs consistent = seconds_to_ns(kConsistentOffsetS);
  WaveformCache waveforms(store, chunk);
  std::vector<std::vector<StationPick>> event_picks;
  event_picks.reserve(result.events.size());
  // S onsets of earlier events, per station: in a swarm the previous
  // event's S is often the clearest onset in a station's window, and an
  // arrival belongs to one event.
  std::map<std::string, std::set<TimeNs>> earlier_s;
  const TimeNs same_onset = seconds_to_ns(kSameOnsetS);
  auto earlier_s_at = [&](const StationPick& x) -> std::optional<TimeNs> {
    if (!post::has_onset(x.pick)) return std::nullopt;
    const auto it = earlier_s.find(catalog::station_of(x.pick.seed_id));
    if (it == earlier_s.end()) return std::nullopt;
    const auto t = it->second.lower_bound(x.pick.time - same_onset);
    if (t == it->second.end() || *t > x.pick.time + same_onset) return std::nullopt;
    return *t;
  };
  for (const auto& ne : result.events) {
    std::vector<StationPick> sp;
    for (const auto& w : ne.stations) {
      const Station& st = stations[static_cast<std::size_t>(w.station)];
      const std::string sid = st.pick_channel.seed_id();
      StationPick x;
      x.centre = w.first * dt_fp;
      x.pick = catalog::Pick{"", sid, "P", x.centre, half_span / 1e9,
                             static_cast<double>(w.peak) /
                                 (static_cast<double>(lc.search.ntbls) * static_cast<double>(st.channels.size()))};
      x.wf = waveforms.span(sid, x.centre - lead - 30 * kNsPerSecond,
                            x.centre + half_span + dt_fp + kNsPerSecond);
      pick_onset(x, x.centre - lead, x.centre + half_span + dt_fp, kMinOnsetSnr);
      // Another event's S: this event's onset comes later, if at all.
      for (int tries = 0; tries < 3; ++tries) {
        const auto s = earlier_s_at(x);
        if (!s) break;
        x.pick.time = x.centre;
        x.pick.uncertainty_s = ns_to_seconds(half_span);
        pick_onset(x, *s + same_onset, x.centre + half_span + dt_fp, kMinOnsetSnr);
      }
      if (earlier_s_at(x)) x.pick.uncertainty_s = ns_to_seconds(half_span);  // no onset of its own
      sp.push_back(std::move(x));
    }
    // Second pass: the onset's offset from the first matching fingerprint is
    // much the same at every station of one event (same partner, same
    // fingerprint); stations whose onset leads the median offset (the
    // previous event, a noise burst) are re-picked near it. A late onset is
    // kept: the window before it held nothing clearer, and a re-pick there
    // takes whatever noise it finds.
    std::vector<TimeNs> offsets;
    for (const auto& x : sp)
      if (post::has_onset(x.pick)) offsets.push_back(x.pick.time - x.centre);
    if (offsets.size() >= 3) {
      std::sort(offsets.begin(), offsets.end());
      const TimeNs median = offsets[(offsets.size() - 1) / 2];
      for (auto& x : sp) {
        if (post::has_onset(x.pick) && x.pick.time - x.centre - median >= -consistent) continue;
        const TimeNs expected = x.centre + median;
        x.pick.time = expected;
        x.pick.uncertainty_s = kConsistentOffsetS;
        x.estimated = true;
        pick_onset(x, expected - consistent, expected + consistent);
        if (earlier_s_at(x)) x.pick.uncertainty_s = kConsistentOffsetS;
        spdlog::debug("re-pick {} near {}: {}", x.pick.seed_id, format_iso8601(expected),
                      format_iso8601(x.pick.time));
      }
    }
    // One station has no moveout to tell an earthquake from a noise burst
    // that matched another: its onset must be clear.
    if (sp.size() == 1 && post::has_onset(sp[0].pick) && sp[0].snr < kMinOneStationSnr)
      sp[0].pick.uncertainty_s = std::max(sp[0].pick.uncertainty_s, post::kEstimateUncertaintyS);
    label_phases(sp, ne, stations, waveforms, coords ? &*coords : nullptr, lc.location, consistency);
    for (auto& x : sp) {
      if (x.s_pick) earlier_s[catalog::station_of(x.pick.seed_id)].insert(x.s_pick->time);
      if (post::has_onset(x.pick) && x.pick.phase == "S") earlier_s[catalog::station_of(x.pick.seed_id)].insert(x.pick.time);
      x.wf = ChannelWaveform{};  // done with the samples
    }
    event_picks.push_back(std::move(sp));
  }
  // Stations without an onset get the run's typical onset offset from the
  // first matching fingerprint, learnt from every clear onset: a far better
  // arrival estimate than the fingerprint centre, which leads by seconds.
  {
    std::vector<TimeNs> offsets;
    for (const auto& sp : event_picks)
      for (const auto& x : sp)
        if (post::has_onset(x.pick)) offsets.push_back(x.pick.time - x.centre);
    if (offsets.size() >= kMinOnsetsForOffset) {
      std::sort(offsets.begin(), offsets.end());
      const TimeNs typical = offsets[(offsets.size() - 1) / 2];
      spdlog::info("associate: onsets lie {:.2f} s after the first matching fingerprint's centre "
                   "(median of {}); stations without a clear onset get that offset",
                   ns_to_seconds(typical), offsets.size());
      for (auto& sp : event_picks)
        for (auto& x : sp)
          if (!post::has_onset(x.pick) && !x.estimated) x.pick.time = x.centre + typical;
    }
  }
  std::vector<catalog::Event> events;
  events.reserve(result.events.size());
  for (std::size_t k = 0; k < result.events.size(); ++k) {
    const auto& ne = result.events[k];
    catalog::Event e;
    for (const auto& w : ne.stations) e.stations.push_back(stations[static_cast<std::size_t>(w.station)].id);
    for (auto& x : event_picks[k]) {
      e.picks.push_back(x.pick);
      if (x.s_pick) e.picks.push_back(*x.s_pick);
    }
    e.n_stations = static_cast<int>(ne.stations.size());
    e.n_linked = static_cast<int>(ne.linked_events.size());
    e.score = ne.score;
    post::reject_inconsistent_onsets(e, coords ? &*coords : nullptr, consistency, ns_to_seconds(half_span));
    e.first_arrival = post::first_arrival_of(e);
    events.push_back(std::move(e));
  }
  // 4. One event per earthquake: sightings that event resolution kept apart
  //    but that share their first arrival or onsets, or bring nothing of
  //    their own, merge (post::merge_sightings). Events of a swarm keep
  //    their own onsets and stay separate.
  std::vector<std::size_t> family(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) family[i] = result.events[i].family;
  std::function<std::size_t(std::size_t)> root = [&](std::size_t i) {
    while (family[i] != i) i = family[i] = family[family[i]];
    return i;
  };
  // Arrival time of `phase` at a station from a located event.
  const post::ArrivalPredictor predicted_arrival = [&](const catalog::Event& e, const std::string& seed_id,
                                                       Phase phase) -> std::optional<TimeNs> {
    const catalog::StationCoords* c = coords ? coords->find(seed_id) : nullptr;
    if (!c || !e.origin_time) return std::nullopt;
    const double dist = catalog::distance_km(*e.latitude, *e.longitude, c->latitude, c->longitude);
    return *e.origin_time +
           seconds_to_ns(lc.location.model.travel_time(phase, dist, *e.depth_km, -c->elevation_m / 1000.0));
  };
  post::SightingMergeParams merge_params;
  merge_params.duplicate_window = seconds_to_ns(lc.duplicate_window_s);
  merge_params.same_onset = same_onset;
  merge_params.coda = seconds_to_ns(kCodaS);
  merge_params.predicted_tolerance = seconds_to_ns(kRepickToleranceS);
  // Merges the sightings of one event in `ev` (ids: each event's index in
  // `family`), returned in first-arrival order; merged events join one family.
  auto merge_sightings = [&](std::vector<catalog::Event>& ev, std::vector<std::size_t>& ids) {
    const post::MergedSightings m = post::merge_sightings(ev, merge_params, predicted_arrival);
    for (const auto& [drop, keep] : m.merges) family[root(ids[drop])] = root(ids[keep]);
    std::vector<std::size_t> out_ids;
    for (std::size_t i : m.origin) out_ids.push_back(ids[i]);
    ids.swap(out_ids);
  };
  std::vector<catalog::Event> sorted = std::move(events);
  std::vector<std::size_t> kept(sorted.size());
  for (std::size_t i = 0; i < kept.size(); ++i) kept[i] = i;
  merge_sightings(sorted, kept);
  // 5. Locations, where station coordinates are given. A station whose pick
  //    lies far from the P arrival the location predicts (a later phase, or
  //    the previous event) is re-picked near the prediction, then the event
  //    is located again.
  if (coords) {
    const catalog::StationTable& table = *coords;
    // Picks without an onset are estimates, some predicted by a location:
    // they never locate.
    catalog::LocationParams location = lc.location;
    if (location.estimate_uncertainty_s == 0) location.estimate_uncertainty_s = post::kEstimateUncertaintyS;
    std::map<std::string, std::size_t> station_index;
    for (std::size_t i = 0; i < stations.size(); ++i) station_index[stations[i].id] = i;
    catalog::locate_events(sorted, table, location);
    const TimeNs tolerance = seconds_to_ns(kRepickToleranceS);
    std::size_t repicked = 0;
    for (auto& e : sorted) {
      if (!e.origin_time) continue;
      // One P per station, on its pick channel: its pick where the station
      // has one, else a new one (the station's onset was S, or it had none).
      std::vector<std::string> seeds;
      for (const auto& sta : e.stations)
        if (const auto it = station_index.find(sta); it != station_index.end())
          seeds.push_back(stations[it->second].pick_channel.seed_id());
      // A location most P onsets disagree with is not trusted to re-pick.
      int onsets = 0, agree = 0;
      for (const auto& q : e.picks)
        if (const auto t = predicted_arrival(e, q.seed_id, Phase::kP); t && q.phase == "P" && post::has_onset(q)) {
          ++onsets;
          agree += std::llabs(q.time - *t) <= tolerance;
        }
      if (2 * agree < onsets) continue;
      for (const std::string& sid : seeds) {
        const auto predicted_p = predicted_arrival(e, sid, Phase::kP);
        if (!predicted_p) continue;
        const TimeNs predicted = *predicted_p;
        catalog::Pick* p = nullptr;
        for (auto& q : e.picks)
          if (q.seed_id == sid && q.phase == "P") p = &q;
        const bool p_onset = p && post::has_onset(*p);
        const bool p_near = p_onset && std::llabs(p->time - predicted) <= tolerance;
        const auto s_near = std::find_if(e.picks.begin(), e.picks.end(), [&](const catalog::Pick& q) {
          return q.seed_id == sid && q.phase == "S" && post::has_onset(q) && std::llabs(q.time - predicted) <= tolerance;
        });
        const bool station_has_onset = std::any_of(e.picks.begin(), e.picks.end(), [&](const catalog::Pick& q) {
          return catalog::station_of(q.seed_id) == catalog::station_of(sid) && post::has_onset(q);
        });
        const bool p_far = p_onset && std::llabs(p->time - predicted) > seconds_to_ns(kMaxOnsetResidualS);
        auto choice = [&](std::optional<bool> found) {
          return post::p_after_location(p_onset, p_near, s_near != e.picks.end(), station_has_onset, found, p_far);
        };
        if (choice(std::nullopt) == post::PAfterLocation::kKeep) continue;
        if (choice(std::nullopt) == post::PAfterLocation::kSIsP) {
          s_near->phase = "P";
          if (p) e.picks.erase(e.picks.begin() + (p - e.picks.data()));
          ++repicked;
          continue;
        }
        StationPick x;
        x.centre = predicted;
        x.pick = p ? *p : catalog::Pick{"", sid, "P", predicted, kRepickToleranceS, 0.0};
        if (!p)
          for (const auto& q : e.picks)
            if (q.seed_id == sid) x.pick.similarity = q.similarity;
        x.pick.time = predicted;
        x.pick.uncertainty_s = kRepickToleranceS;
        x.wf = waveforms.span(sid, predicted - tolerance - 30 * kNsPerSecond,
                              predicted + tolerance + kNsPerSecond);
        // A narrow window around a prediction holds little noise to judge
        // against: ask for a clearer onset than the first pass does.
        pick_onset(x, predicted - tolerance, predicted + tolerance, kRepickMinSnr);
        if (choice(post::has_onset(x.pick)) == post::PAfterLocation::kKeep) continue;  // onset or estimate otherwise
        if (!p) {
          e.picks.push_back(x.pick);
          ++repicked;
          continue;
        }
        *p = x.pick;
        ++repicked;
      }
      post::finish_event(e);
    }
    for (auto& e : sorted) {
      e.origin_time.reset();
      e.first_arrival = post::first_arrival_of(e);
    }
    catalog::locate_events(sorted, table, location);
    // Re-picks can bring two sightings' first arrivals together, and a
    // location tells a later sighting made of its S arrivals: merge again,
    // then locate the events that gained picks.
    std::vector<std::size_t> n_picks(family.size(), 0);
    for (std::size_t k = 0; k < sorted.size(); ++k) n_picks[kept[k]] = sorted[k].picks.size();
    merge_sightings(sorted, kept);
    std::vector<catalog::Event> grown;
    std::vector<std::size_t> grown_at;
    for (std::size_t k = 0; k < sorted.size(); ++k)
      if (sorted[k].picks.size() != n_picks[kept[k]]) {
        grown.push_back(sorted[k]);
        grown_at.push_back(k);
      }
    catalog::locate_events(grown, table, location);
    for (std::size_t g = 0; g < grown.size(); ++g) sorted[grown_at[g]] = std::move(grown[g]);
    std::size_t located = 0;
    for (const auto& e : sorted) located += e.origin_time.has_value();
    spdlog::info("associate: located {} of {} events ({} picks re-picked near the predicted P)", located,
                 sorted.size(), repicked);
  }
  // Two stations' fingerprints matching with no arrival visible at either
  // (and no moveout to check) is noise as often as an earthquake.
  {
    std::vector<catalog::Event> s2;
    std::vector<std::size_t> k2;
    for (std::size_t k = 0; k < sorted.size(); ++k) {
      if (!post::reportable(sorted[k], lc.min_stations_without_onset)) continue;
      s2.push_back(std::move(sorted[k]));
      k2.push_back(kept[k]);
    }
    if (s2.size() < sorted.size())
      spdlog::info("associate: {} events at fewer than {} stations with no clear onset are not reported",
                   sorted.size() - s2.size(), lc.min_stations_without_onset);
    sorted.swap(s2);
    kept.swap(k2);
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

  const Provenance prov{"associate", "network", lc.cfg.hash(), params_hash, inputs_hash, inputs};
  std::size_t n_pairs = 0;
  for (const auto& v : per_station) n_pairs += v.size();
  store.write_h5(out, prov, [&](h5::File& f) {
    runstore::write_event_unit(f, sorted, {n_pairs, result.network_pairs.size(), dt_fp});
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
