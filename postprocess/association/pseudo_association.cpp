#include "postprocess/association/pseudo_association.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace qp::post {

std::vector<NetworkEventPair> pseudo_associate(const std::vector<std::vector<EventPair>>& per_station,
                                               const AssociationParams& params) {
  // All rows sorted by (ddiag, t1min), stable over station order like FAST's
  // np.lexsort over the concatenated station files.
  std::vector<EventPair> rows;
  for (const auto& st : per_station) rows.insert(rows.end(), st.begin(), st.end());
  std::stable_sort(rows.begin(), rows.end(), [](const EventPair& a, const EventPair& b) {
    return std::tie(a.ddiag, a.t1min) < std::tie(b.ddiag, b.t1min);
  });
  if (rows.empty()) return {};

  // Row range of each diagonal.
  std::map<std::int64_t, std::pair<std::size_t, std::size_t>> range;
  for (std::size_t i = 0; i < rows.size();) {
    std::size_t j = i;
    while (j < rows.size() && rows[j].ddiag == rows[i].ddiag) ++j;
    range[rows[i].ddiag] = {i, j};
    i = j;
  }
  // Diagonals k with rows on k or k+1, ascending: the only k where FAST's
  // sweep can do anything.
  std::set<std::int64_t> ks;
  for (const auto& [k, r] : range) {
    ks.insert(k);
    ks.insert(k - 1);
  }

  std::vector<std::int64_t> eid(rows.size(), -1);
  std::int64_t icount = 0;
  const std::size_t p = 2 * per_station.size();  // rows looked ahead: p - 1
  const std::int64_t offset = params.input_offset;

  struct Entry {
    std::int64_t t_init, t_end, eid;
    int station, kidx;
    std::size_t oidx;
    bool operator<(const Entry& o) const {  // Python's tuple order
      return std::tie(t_init, t_end, eid, station, kidx, oidx) <
             std::tie(o.t_init, o.t_end, o.eid, o.station, o.kidx, o.oidx);
    }
  };
  std::vector<Entry> e;
  std::vector<std::size_t> glist;
  for (const std::int64_t k : ks) {
    e.clear();
    for (int kidx = 0; kidx < 2; ++kidx) {
      auto it = range.find(k + kidx);
      if (it == range.end()) continue;
      for (std::size_t r = it->second.first; r < it->second.second; ++r)
        e.push_back({rows[r].t1min, rows[r].t1max, eid[r], rows[r].station, kidx, r});
    }
    if (e.empty()) continue;
    std::sort(e.begin(), e.end());
    const std::size_t n = e.size();
    for (std::size_t j = 0; j < n; ++j) {
      // FAST skips a row whose successor is at the same station.
      if (j + 1 < n && e[j].station == e[j + 1].station) continue;
      if (j + 1 >= n || e[j + 1].t_init - e[j].t_end > offset) continue;
      glist.assign(1, j);
      for (std::size_t q = j + 1; q < std::min(n, j + p); ++q)
        if (e[q].t_init - e[j].t_end <= offset && e[q].station != e[j].station) glist.push_back(q);
      if (glist.size() < 2) continue;
      std::int64_t id = -1;
      for (std::size_t q : glist)
        if (e[q].eid >= 0 && (id < 0 || e[q].eid < id)) id = e[q].eid;
      if (id < 0) id = icount++;
      for (std::size_t q : glist) e[q].eid = id;
    }
    for (const auto& x : e) eid[x.oidx] = x.eid;
  }
  // With nsta_thresh 1 an event pair no other station shares is a network
  // event pair of its own (a single station is a network too). FAST's sweep
  // never forms one-station groups, so this is off at nsta_thresh >= 2.
  if (params.nsta_thresh <= 1)
    for (std::size_t r = 0; r < rows.size(); ++r)
      if (eid[r] < 0) eid[r] = icount++;

  // Members of each network id, in row order (diagonal, then t1min).
  std::vector<NetworkEventPair> out(static_cast<std::size_t>(icount));
  for (std::size_t r = 0; r < rows.size(); ++r)
    if (eid[r] >= 0) out[static_cast<std::size_t>(eid[r])].members.push_back(rows[r]);
  std::vector<NetworkEventPair> kept;
  for (auto& ne : out) {
    if (ne.members.empty()) continue;  // id fully relabelled away
    std::map<int, std::int64_t> peak_by_station;
    std::vector<std::int64_t> dts;
    for (const auto& m : ne.members) {
      ne.ndets += m.ndets;
      ne.vol += m.vol;
      auto& pk = peak_by_station[m.station];
      pk = std::max(pk, m.peak);
      dts.push_back(m.ddiag);
    }
    for (const auto& [s, pk] : peak_by_station) ne.peaksum += pk;
    ne.n_stations = static_cast<int>(peak_by_station.size());
    std::sort(dts.begin(), dts.end());
    const std::size_t h = dts.size() / 2;
    // int(np.median(...)): mean of the middle two, truncated toward zero.
    ne.dt = dts.size() % 2 ? dts[h] : (dts[h - 1] + dts[h]) / 2;
    kept.push_back(std::move(ne));
  }
  return kept;
}

}  // namespace qp::post
