#include "postprocess/association/sightings.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <tuple>

#include "pipeline/log.hpp"

namespace qp::post {

TimeNs first_arrival_of(const catalog::Event& e) {
  TimeNs onset = INT64_MAX, estimate = INT64_MAX, any = INT64_MAX;
  for (const auto& p : e.picks) {
    any = std::min(any, p.time);
    if (p.phase != "P") continue;
    estimate = std::min(estimate, p.time);
    if (has_onset(p)) onset = std::min(onset, p.time);
  }
  return onset != INT64_MAX ? onset : estimate != INT64_MAX ? estimate : any;
}

void finish_event(catalog::Event& e) {
  std::sort(e.picks.begin(), e.picks.end(), [](const catalog::Pick& a, const catalog::Pick& b) {
    return std::tie(a.seed_id, a.phase) < std::tie(b.seed_id, b.phase);
  });
  e.stations.clear();
  for (const auto& p : e.picks) e.stations.push_back(catalog::station_of(p.seed_id));
  e.stations.erase(std::unique(e.stations.begin(), e.stations.end()), e.stations.end());
  e.n_stations = static_cast<int>(e.stations.size());
  e.first_arrival = first_arrival_of(e);
}

void reject_inconsistent_onsets(catalog::Event& e, const catalog::StationTable* coords,
                                const OnsetConsistencyParams& params, double estimate_uncertainty_s) {
  std::vector<std::size_t> p_index;  // P picks with an onset
  for (std::size_t i = 0; i < e.picks.size(); ++i)
    if (e.picks[i].phase == "P" && has_onset(e.picks[i])) p_index.push_back(i);
  if (p_index.size() < 2) return;
  const TimeNs t0 = e.picks[p_index.front()].time;
  auto onset_of = [&](const catalog::Pick& p) {
    StationOnset o{ns_to_seconds(p.time - t0), p.uncertainty_s, std::nullopt};
    if (coords)
      if (const catalog::StationCoords* c = coords->find(p.seed_id)) o.coords = {{c->latitude, c->longitude}};
    return o;
  };
  std::vector<StationOnset> onsets;
  for (std::size_t i : p_index) onsets.push_back(onset_of(e.picks[i]));
  const auto bad = inconsistent_onsets(onsets, params);
  if (bad.empty()) return;
  std::vector<StationOnset> kept;
  for (std::size_t k = 0; k < onsets.size(); ++k)
    if (!std::binary_search(bad.begin(), bad.end(), k)) kept.push_back(onsets[k]);
  std::vector<bool> erase(e.picks.size(), false);
  for (std::size_t k : bad) {
    catalog::Pick& p = e.picks[p_index[k]];
    spdlog::debug("onset {} {} inconsistent with the event's others", p.seed_id, format_iso8601(p.time));
    p.uncertainty_s = estimate_uncertainty_s;
    for (std::size_t j = 0; j < e.picks.size(); ++j) {
      catalog::Pick& q = e.picks[j];
      if (q.phase != "S" || !has_onset(q) || catalog::station_of(q.seed_id) != catalog::station_of(p.seed_id))
        continue;
      std::vector<StationOnset> trial = kept;
      trial.push_back(onset_of(q));
      if (inconsistent_onsets(trial, params).empty()) {
        q.phase = "P";
        erase[p_index[k]] = true;
      } else {
        erase[j] = true;
      }
    }
  }
  std::vector<catalog::Pick> out;
  for (std::size_t i = 0; i < e.picks.size(); ++i)
    if (!erase[i]) out.push_back(e.picks[i]);
  e.picks.swap(out);
}

bool reportable(const catalog::Event& e, int min_stations) {
  return e.n_stations >= min_stations || std::any_of(e.picks.begin(), e.picks.end(), has_onset);
}

namespace {

// The picks agree at most of the stations both picked (one station may have
// picked a later phase in one of the two windows).
bool same_onsets(const catalog::Event& a, const catalog::Event& b, TimeNs tolerance) {
  int common = 0, agree = 0;
  for (const auto& pa : a.picks)
    for (const auto& pb : b.picks)
      if (pa.seed_id == pb.seed_id && pa.phase == pb.phase && has_onset(pa) && has_onset(pb)) {
        ++common;
        agree += std::llabs(pa.time - pb.time) <= tolerance;
      }
  return common > 0 && 2 * agree >= common;
}

std::size_t onsets(const catalog::Event& e) {
  return static_cast<std::size_t>(std::count_if(e.picks.begin(), e.picks.end(), has_onset));
}

}  // namespace

bool nothing_new(const catalog::Event& earlier, const catalog::Event& later, const SightingMergeParams& params,
                 const ArrivalPredictor& predict) {
  const bool any_onset = std::any_of(later.picks.begin(), later.picks.end(), has_onset);
  for (const auto& pl : later.picks) {
    if (any_onset && !has_onset(pl)) continue;  // estimates count only where nothing else does
    bool explained = false;
    if (any_onset && predict)
      if (const auto ts = predict(earlier, pl.seed_id, Phase::kS))
        explained = std::llabs(*ts - pl.time) <= params.predicted_tolerance;
    // An S onset announces no new event: inside the earlier's coda it is
    // the earlier's.
    const bool in_coda_counts = !any_onset || pl.phase == "S";
    for (const auto& pe : earlier.picks) {
      if (catalog::station_of(pe.seed_id) != catalog::station_of(pl.seed_id)) continue;
      explained = explained ||
                  (any_onset && has_onset(pe) && std::llabs(pe.time - pl.time) <= params.same_onset) ||
                  (in_coda_counts && pl.time >= pe.time && pl.time - pe.time <= params.coda);
    }
    if (!explained) return false;
  }
  return !later.picks.empty();
}

MergedSightings merge_sightings(std::vector<catalog::Event>& events, const SightingMergeParams& params,
                                const ArrivalPredictor& predict) {
  std::vector<std::size_t> order(events.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return events[a].first_arrival < events[b].first_arrival;
  });
  MergedSightings out;
  std::vector<bool> gone(events.size(), false);
  for (std::size_t oi = 0; oi < order.size(); ++oi) {
    const std::size_t i = order[oi];
    if (gone[i]) continue;
    for (std::size_t oj = oi + 1; oj < order.size(); ++oj) {
      const std::size_t j = order[oj];
      // Sightings of one event can differ in which station gave the first onset.
      if (events[j].first_arrival - events[i].first_arrival > params.max_separation) break;
      if (gone[j]) continue;
      // First arrivals this close are one event too: FAST's fingerprints
      // are seconds long, so closer events cannot be told apart anyway.
      const bool same_first_arrival = events[j].first_arrival - events[i].first_arrival <= params.duplicate_window;
      std::size_t keep = i, drop = j;
      if (same_first_arrival || same_onsets(events[i], events[j], params.duplicate_window)) {
        // One event seen twice: the sighting that saw more onsets keeps its
        // picks (ties: the earlier).
        if (onsets(events[j]) > onsets(events[i])) std::swap(keep, drop);
      } else if (!nothing_new(events[i], events[j], params, predict)) {
        // The earlier by first arrival can be the empty one (its first
        // arrival an estimate, its onsets the other's).
        if (!nothing_new(events[j], events[i], params, predict)) continue;
        std::swap(keep, drop);
      }
      gone[drop] = true;
      catalog::Event& k = events[keep];
      for (const auto& pd : events[drop].picks) {
        const bool have = std::any_of(k.picks.begin(), k.picks.end(), [&](const catalog::Pick& pk) {
          return catalog::station_of(pk.seed_id) == catalog::station_of(pd.seed_id);
        });
        if (!have) k.picks.push_back(pd);
      }
      k.score = std::max(k.score, events[drop].score);
      k.n_linked += events[drop].n_linked;
      out.merges.emplace_back(drop, keep);
      if (drop == i) break;
    }
  }
  std::vector<catalog::Event> kept;
  for (std::size_t i : order) {
    if (gone[i]) continue;
    finish_event(events[i]);
    kept.push_back(std::move(events[i]));
    out.origin.push_back(i);
  }
  events.swap(kept);
  return out;
}

}  // namespace qp::post
