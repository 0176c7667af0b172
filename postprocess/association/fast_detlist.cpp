#include "postprocess/association/fast_detlist.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <tuple>

namespace qp::post {

FastEventStats fast_event_stats(const NetworkEvent& event, const AssociationResult& result) {
  FastEventStats s;
  for (std::size_t pi : event.pairs) {
    const NetworkEventPair& np = result.network_pairs.at(pi);
    std::map<int, std::pair<std::int64_t, std::int64_t>> span;  // station -> (min t1min, max t1max)
    for (const auto& m : np.members) {
      auto [it, fresh] = span.try_emplace(m.station, m.t1min, m.t1max);
      if (!fresh) {
        it->second.first = std::min(it->second.first, m.t1min);
        it->second.second = std::max(it->second.second, m.t1max);
      }
    }
    for (const auto& [st, ab] : span) s.dL = std::max(s.dL, ab.second - ab.first);
    s.nsta += np.n_stations;
    s.tot_ndets += np.ndets;
    s.max_ndets = std::max(s.max_ndets, np.ndets);
    s.tot_vol += np.vol;
    s.max_vol = std::max(s.max_vol, np.vol);
    s.max_peaksum = std::max(s.max_peaksum, np.peaksum);
  }
  s.nevents = static_cast<std::int64_t>(event.pairs.size());
  s.num_sta = static_cast<std::int64_t>(event.stations.size());
  if (!event.stations.empty()) {
    std::int64_t lo = event.stations.front().first, hi = lo;
    for (const auto& w : event.stations) {
      lo = std::min(lo, w.first);
      hi = std::max(hi, w.first);
    }
    s.diff_ind = hi - lo;
  }
  return s;
}

namespace {

std::string fmt12(long long v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%12lld", v);
  return buf;
}

}  // namespace

void write_fast_detlist(std::ostream& out, const AssociationResult& result,
                        const std::vector<std::string>& station_names, const FastIndexOrigin& origin) {
  // numpy.savetxt's header: "# " + names joined by 4 spaces + 10 spaces +
  // statistic names joined by 6 spaces.
  out << "# ";
  for (std::size_t i = 0; i < station_names.size(); ++i) out << (i ? "    " : "") << station_names[i];
  out << "          dL      nevents      nsta      tot_ndets      max_ndets      tot_vol      max_vol"
         "      max_peaksum\n";
  for (const auto& ev : result.events) {
    std::vector<std::string> cols(station_names.size(), "         nan");
    for (const auto& w : ev.stations)
      if (w.station >= 0 && static_cast<std::size_t>(w.station) < cols.size())
        cols[static_cast<std::size_t>(w.station)] = fmt12(w.first - origin.origin_g);
    const FastEventStats s = fast_event_stats(ev, result);
    std::string line;
    for (const auto& c : cols) line += c + " ";
    for (long long v : {s.dL, s.nevents, s.nsta, s.tot_ndets, s.max_ndets, s.tot_vol, s.max_vol,
                        s.max_peaksum})
      line += fmt12(v) + " ";
    line.pop_back();
    out << line << "\n";
  }
}

void write_fast_final_list(std::ostream& out, const AssociationResult& result,
                           const FastIndexOrigin& origin) {
  struct Row {
    std::int64_t start;
    FastEventStats s;
  };
  std::vector<Row> rows;
  for (const auto& ev : result.events) rows.push_back({ev.earliest() - origin.origin_g, fast_event_stats(ev, result)});
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::make_tuple(a.s.num_sta, a.s.max_peaksum, a.start) >
           std::make_tuple(b.s.num_sta, b.s.max_peaksum, b.start);
  });
  char buf[256];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    const TimeNs t = origin.t0 + r.start * origin.dt_fp_ns;
    std::string iso = format_iso8601(t, 6);
    if (!iso.empty() && iso.back() == 'Z') iso.pop_back();  // FAST writes no zone
    const double secs = static_cast<double>(r.start) * ns_to_seconds(origin.dt_fp_ns);
    std::snprintf(buf, sizeof buf, "%08zu %s %12.2f %12lld %12lld %12lld %12lld %12lld\n", i, iso.c_str(),
                  secs, static_cast<long long>(r.start), static_cast<long long>(r.s.dL),
                  static_cast<long long>(r.s.diff_ind), static_cast<long long>(r.s.num_sta),
                  static_cast<long long>(r.s.max_peaksum));
    out << buf;
  }
}

}  // namespace qp::post
