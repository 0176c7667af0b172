#include "match/template_selection.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "pipeline/velocity_model.hpp"

namespace qp::match {
namespace {

std::string station_of(const std::string& seed_id) {
  const auto a = seed_id.find('.');
  const auto b = a == std::string::npos ? a : seed_id.find('.', a + 1);
  return b == std::string::npos ? seed_id : seed_id.substr(0, b);
}

bool clear(const EventPicks::Pick& p) { return p.uncertainty_s < kClearOnsetUncertaintyS; }

// Every event's arrivals (pick times, estimates included) per station, with
// the event they belong to.
using ArrivalsByStation = std::map<std::string, std::multimap<TimeNs, const EventPicks*>>;

ArrivalsByStation arrivals_by_station(const std::vector<EventPicks>& events) {
  ArrivalsByStation out;
  for (const auto& e : events)
    for (const auto& k : e.picks) out[station_of(k.seed_id)].emplace(k.time, &e);
  return out;
}

// The end of a window [start, end) at `station` of event `e`: before the
// first arrival of another event in it, seconds_before_pick ahead of it (its
// own template's window starts there); nullopt when less than `shortest`
// would remain.
std::optional<TimeNs> window_end(const ArrivalsByStation& arrivals, const std::string& station, const EventPicks& e,
                                 TimeNs start, TimeNs end, TimeNs before, TimeNs shortest, TimeNs dt) {
  const auto at = arrivals.find(station);
  if (at == arrivals.end()) return end;
  for (auto it = at->second.upper_bound(start); it != at->second.end() && it->first - before < end; ++it) {
    if (it->second == &e || it->second->event_id == e.event_id) continue;
    end = std::max(start, floor_to(it->first - before, dt));
    break;
  }
  if (end - start < shortest) return std::nullopt;
  return end;
}

TemplateSpec windows_of(const EventPicks& e, const std::vector<std::string>& channels,
                        double sampling_rate, const MatchParams& p, const ArrivalsByStation& arrivals) {
  TemplateSpec t;
  t.template_id = e.event_id;
  t.family_id = e.family_id;
  t.origin_time = e.origin_time;
  t.first_arrival = e.first_arrival;
  const auto dt = static_cast<TimeNs>(std::llround(1e9 / sampling_rate));
  const TimeNs before = seconds_to_ns(p.seconds_before_pick);
  const auto length = static_cast<TimeNs>(std::llround(p.window_seconds * sampling_rate)) * dt;
  const TimeNs shortest = seconds_to_ns(p.min_window_seconds);
  for (const auto& pick : e.picks) {
    if (!clear(pick) || (pick.phase != "P" && pick.phase != "S")) continue;
    const char want = pick.phase == "P" ? 'Z' : 'H';
    const std::string station = station_of(pick.seed_id);
    const TimeNs start = floor_to(pick.time - before, dt);
    const auto end = window_end(arrivals, station, e, start, start + length, before, shortest, dt);
    if (!end) continue;  // another event's arrival right after the pick
    for (const auto& ch : channels) {
      if (station_of(ch) != station || channel_orientation(ch) != want) continue;
      t.windows.push_back({ch, pick.phase, start, *end});
    }
  }
  std::sort(t.windows.begin(), t.windows.end(), [](const TemplateWindow& a, const TemplateWindow& b) {
    return std::tie(a.start, a.seed_id) < std::tie(b.start, b.seed_id);
  });
  // One window per channel (two clear P picks of a station: the first).
  std::set<std::string> seen;
  std::vector<TemplateWindow> unique;
  for (auto& w : t.windows)
    if (seen.insert(w.seed_id).second) unique.push_back(std::move(w));
  t.windows = std::move(unique);
  return t;
}

}  // namespace

// Stations with a clear P and a clear S after it, when every two of them
// agree with one source (p_and_s_minus_p_agree; 0.5 s and the picks'
// uncertainties of slack). 0 when any two disagree.
int two_phase_stations(const EventPicks& e) {
  struct Pair {
    double p = 0, s_minus_p = 0, uncertainty = 0;
  };
  std::map<std::string, std::pair<const EventPicks::Pick*, const EventPicks::Pick*>> by_station;
  for (const auto& k : e.picks) {
    if (!clear(k) || (k.phase != "P" && k.phase != "S")) continue;
    auto& slot = by_station[station_of(k.seed_id)];
    const EventPicks::Pick*& earliest = k.phase == "P" ? slot.first : slot.second;
    if (!earliest || k.time < earliest->time) earliest = &k;
  }
  std::vector<Pair> pairs;
  for (const auto& [station, ps] : by_station) {
    if (!ps.first || !ps.second || ps.second->time <= ps.first->time) continue;
    pairs.push_back({ns_to_seconds(ps.first->time - e.first_arrival), ns_to_seconds(ps.second->time - ps.first->time),
                     ps.first->uncertainty_s + ps.second->uncertainty_s});
  }
  for (std::size_t i = 0; i < pairs.size(); ++i)
    for (std::size_t j = i + 1; j < pairs.size(); ++j) {
      const double slack = 0.5 + pairs[i].uncertainty + pairs[j].uncertainty;
      if (!p_and_s_minus_p_agree(pairs[i].p, pairs[i].s_minus_p, pairs[j].p, pairs[j].s_minus_p, slack)) return 0;
    }
  return static_cast<int>(pairs.size());
}

bool two_phase_timed(const EventPicks& e, const MatchParams& p) {
  return p.min_two_phase_stations > 0 && two_phase_stations(e) >= p.min_two_phase_stations;
}

int clear_onset_stations(const EventPicks& e) {
  std::set<std::string> s;
  for (const auto& p : e.picks)
    if (clear(p)) s.insert(station_of(p.seed_id));
  return static_cast<int>(s.size());
}

char channel_orientation(const std::string& seed_id) {
  if (seed_id.empty()) return 0;
  switch (seed_id.back()) {
    case 'Z': return 'Z';
    case 'N': case 'E': case '1': case '2': return 'H';
    default: return 0;
  }
}

std::vector<TemplateSpec> select_templates(const std::vector<EventPicks>& events,
                                           const std::vector<std::string>& channels,
                                           double sampling_rate, const MatchParams& p) {
  std::vector<const EventPicks*> eligible;
  for (const auto& e : events)
    if (e.score >= p.min_score &&
        ((clear_onset_stations(e) >= p.min_clear_onsets && (e.origin_time || !p.located_only)) ||
         two_phase_timed(e, p)))
      eligible.push_back(&e);
  std::stable_sort(eligible.begin(), eligible.end(), [](const EventPicks* a, const EventPicks* b) {
    const int ca = clear_onset_stations(*a), cb = clear_onset_stations(*b);
    return std::make_tuple(-ca, -a->score, a->event_id) < std::make_tuple(-cb, -b->score, b->event_id);
  });
  const ArrivalsByStation arrivals = arrivals_by_station(events);
  std::map<std::string, int> per_family;
  std::vector<TemplateSpec> out;
  for (const EventPicks* e : eligible) {
    if (p.max_per_family > 0 && !e->family_id.empty() && ++per_family[e->family_id] > p.max_per_family)
      continue;
    TemplateSpec t = windows_of(*e, channels, sampling_rate, p, arrivals);
    if (!t.windows.empty()) out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(),
            [](const TemplateSpec& a, const TemplateSpec& b) { return a.template_id < b.template_id; });
  return out;
}

std::optional<TimeNs> one_station_phase_lag(const TemplateSpec& t, const EventPicks& e) {
  if (t.windows.empty()) return std::nullopt;
  const std::string station = station_of(t.windows.front().seed_id);
  const TemplateWindow* p_window = nullptr;
  for (const auto& w : t.windows) {
    if (station_of(w.seed_id) != station) return std::nullopt;
    if (w.phase == "P" && !p_window) p_window = &w;
  }
  if (!p_window) return std::nullopt;
  std::optional<TimeNs> p_time, s_time;
  for (const auto& k : e.picks) {
    if (!clear(k) || station_of(k.seed_id) != station) continue;
    if (k.phase == "P" && (!p_time || k.time < *p_time)) p_time = k.time;
    if (k.phase == "S" && (!s_time || k.time < *s_time)) s_time = k.time;
  }
  if (!p_time || !s_time || *s_time <= *p_time || *s_time < p_window->start || *s_time >= p_window->end)
    return std::nullopt;
  return *s_time - *p_time;
}

}  // namespace qp::match
