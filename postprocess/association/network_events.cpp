#include "postprocess/association/network_events.hpp"
#include "postprocess/association/union_find.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

namespace qp::post {

std::int64_t NetworkEvent::earliest() const {
  std::int64_t t = std::numeric_limits<std::int64_t>::max();
  for (const auto& w : stations) t = std::min(t, w.first);
  return t;
}

std::int64_t NetworkEvent::latest() const {
  std::int64_t t = std::numeric_limits<std::int64_t>::min();
  for (const auto& w : stations) t = std::max(t, w.last);
  return t;
}

std::int64_t NetworkEvent::summed_similarity() const {
  std::int64_t s = 0;
  for (const auto& w : stations) s += w.sum;
  return s;
}

double event_score(int n_stations, std::int64_t summed_similarity, const AssociationParams& params) {
  if (n_stations <= 0) return 0;
  const double n = n_stations;
  return n * std::log2(1.0 + static_cast<double>(summed_similarity) / (n * params.ivals_thresh));
}

namespace {

// One side (earlier or later event) of a network event pair.
struct Sighting {
  std::size_t pair;
  int side;                            // 0 earlier, 1 later
  std::map<int, StationWindow> windows;  // by station
  std::int64_t earliest;
};

Sighting make_sighting(const NetworkEventPair& np, std::size_t index, int side) {
  Sighting s{index, side, {}, std::numeric_limits<std::int64_t>::max()};
  for (const auto& m : np.members) {
    const std::int64_t shift = side == 0 ? 0 : m.ddiag;
    auto [it, fresh] = s.windows.try_emplace(m.station);
    StationWindow& w = it->second;
    if (fresh) {
      w = {m.station, m.t1min + shift, m.t1max + shift, m.peak, m.vol};
    } else {
      w.first = std::min(w.first, m.t1min + shift);
      w.last = std::max(w.last, m.t1max + shift);
      w.peak = std::max(w.peak, m.peak);
      w.sum += m.vol;
    }
  }
  for (const auto& [st, w] : s.windows) s.earliest = std::min(s.earliest, w.first);
  return s;
}

struct Cluster {
  std::map<int, std::vector<std::int64_t>> starts;  // station -> sorted window starts
  std::vector<std::size_t> sightings;
  std::set<std::size_t> pairs;

  // Lower median: an actual start, so the per-station index finds it.
  std::int64_t median_start(const std::vector<std::int64_t>& v) const { return v[(v.size() - 1) / 2]; }
};

}  // namespace

void assign_families(std::vector<NetworkEvent>& events) {
  UnionFind families(events.size());  // root = smallest index
  for (std::size_t i = 0; i < events.size(); ++i) {
    for (std::size_t j : events[i].linked_events) {
      assert(j < events.size());
      families.join(i, j);
    }
  }
  for (std::size_t i = 0; i < events.size(); ++i) events[i].family = families.find(i);
}

std::vector<NetworkEvent> resolve_events(const std::vector<NetworkEventPair>& network_pairs,
                                         const AssociationParams& params) {
  std::vector<Sighting> sightings;
  for (std::size_t i = 0; i < network_pairs.size(); ++i) {
    if (network_pairs[i].n_stations < params.nsta_thresh || network_pairs[i].dt < params.min_pair_spacing) continue;
    sightings.push_back(make_sighting(network_pairs[i], i, 0));
    sightings.push_back(make_sighting(network_pairs[i], i, 1));
  }
  std::stable_sort(sightings.begin(), sightings.end(), [](const Sighting& a, const Sighting& b) {
    return std::tie(a.earliest, a.pair, a.side) < std::tie(b.earliest, b.pair, b.side);
  });

  // Greedy clustering in time order. A sighting is compared with each
  // cluster's per-station median window start (robust to one weak pair that
  // starts late) and joins the compatible cluster with the smallest mean
  // difference; candidates come from a per-station index of all starts.
  const std::int64_t gap = params.max_event_gap;
  std::vector<Cluster> clusters;
  std::map<int, std::multimap<std::int64_t, std::size_t>> index;  // station -> start -> cluster
  std::vector<std::size_t> cluster_of(sightings.size());
  std::set<std::size_t> candidates;
  for (std::size_t si = 0; si < sightings.size(); ++si) {
    const Sighting& s = sightings[si];
    candidates.clear();
    for (const auto& [st, w] : s.windows) {
      auto a = index.find(st);
      if (a == index.end()) continue;
      for (auto it = a->second.lower_bound(w.first - gap);
           it != a->second.end() && it->first <= w.first + gap; ++it)
        candidates.insert(it->second);
    }
    std::size_t best = clusters.size();
    std::int64_t best_sum = 0, best_n = 1;
    std::vector<std::int64_t> diffs;
    for (std::size_t c : candidates) {
      const Cluster& cl = clusters[c];
      if (cl.pairs.count(s.pair)) continue;  // never an event paired with itself
      diffs.clear();
      for (const auto& [st, w] : s.windows) {
        auto it = cl.starts.find(st);
        if (it != cl.starts.end()) diffs.push_back(std::llabs(w.first - cl.median_start(it->second)));
      }
      if (diffs.empty()) continue;
      // Median, not maximum: a weak pair's window may start a few indices
      // late at some stations; a different event shifts all of them.
      std::sort(diffs.begin(), diffs.end());
      if (diffs[(diffs.size() - 1) / 2] > gap) continue;
      // Cost: mean difference, compared exactly as sum/size cross products.
      const std::int64_t sum = std::accumulate(diffs.begin(), diffs.end(), std::int64_t{0});
      const auto n = static_cast<std::int64_t>(diffs.size());
      if (best == clusters.size() || sum * best_n < best_sum * n) {  // ties keep the older
        best = c;
        best_sum = sum;
        best_n = n;
      }
    }
    if (best == clusters.size()) clusters.emplace_back();
    Cluster& cl = clusters[best];
    cl.sightings.push_back(si);
    cl.pairs.insert(s.pair);
    for (const auto& [st, w] : s.windows) {
      auto& v = cl.starts[st];
      v.insert(std::upper_bound(v.begin(), v.end(), w.first), w.first);
      index[st].emplace(w.first, best);
    }
    cluster_of[si] = best;
  }

  // Events from clusters.
  std::vector<NetworkEvent> events(clusters.size());
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    std::map<int, StationWindow> merged;
    for (std::size_t si : clusters[c].sightings) {
      for (const auto& [st, w] : sightings[si].windows) {
        auto [it, fresh] = merged.try_emplace(st, w);
        if (fresh) continue;
        StationWindow& m = it->second;
        m.first = std::min(m.first, w.first);
        m.last = std::max(m.last, w.last);
        m.peak = std::max(m.peak, w.peak);
        m.sum += w.sum;
      }
    }
    NetworkEvent& ev = events[c];
    for (const auto& [st, w] : merged) ev.stations.push_back(w);
    ev.pairs.assign(clusters[c].pairs.begin(), clusters[c].pairs.end());
    ev.n_pairs = static_cast<int>(ev.pairs.size());
    ev.score = event_score(static_cast<int>(ev.stations.size()), ev.summed_similarity(), params);
  }

  // Sort by earliest station time (ties: by the windows), then map links.
  std::vector<std::size_t> order(events.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto key = [&](std::size_t c) {
    std::vector<std::tuple<std::int64_t, int, std::int64_t>> k;
    for (const auto& w : events[c].stations) k.emplace_back(w.first, w.station, w.last);
    return k;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (events[a].earliest() != events[b].earliest())
      return events[a].earliest() < events[b].earliest();
    return key(a) < key(b);
  });
  std::vector<std::size_t> rank(order.size());
  for (std::size_t r = 0; r < order.size(); ++r) rank[order[r]] = r;

  // Side clusters of each pair -> links.
  std::map<std::size_t, std::array<std::size_t, 2>> sides;
  for (std::size_t si = 0; si < sightings.size(); ++si)
    sides[sightings[si].pair][static_cast<std::size_t>(sightings[si].side)] = rank[cluster_of[si]];
  std::vector<std::set<std::size_t>> links(events.size());
  for (const auto& [pair, ab] : sides) {
    links[ab[0]].insert(ab[1]);
    links[ab[1]].insert(ab[0]);
  }

  std::vector<NetworkEvent> sorted(events.size());
  for (std::size_t r = 0; r < order.size(); ++r) {
    sorted[r] = std::move(events[order[r]]);
    sorted[r].linked_events.assign(links[r].begin(), links[r].end());
  }
  assign_families(sorted);
  return sorted;
}

AssociationResult associate(const std::vector<std::vector<EventPair>>& per_station,
                            const AssociationParams& params) {
  AssociationResult r;
  r.network_pairs = pseudo_associate(per_station, params);
  r.events = resolve_events(r.network_pairs, params);
  return r;
}

}  // namespace qp::post
