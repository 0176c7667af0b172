#include "match/catalog_merge.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <tuple>

namespace qp::match {

EventPicks event_picks(const catalog::Event& e) {
  EventPicks p{e.event_id, e.family_id, e.score, e.first_arrival, e.origin_time, {}};
  for (const auto& k : e.picks) p.picks.push_back({k.seed_id, k.phase, k.time, k.uncertainty_s});
  return p;
}

std::vector<EventPicks> event_picks(const std::vector<catalog::Event>& events) {
  std::vector<EventPicks> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(event_picks(e));
  return out;
}

bool roughly_timed(const EventPicks& e, const MatchParams& p) {
  return clear_onset_stations(e) < p.min_clear_onsets && !two_phase_timed(e, p);
}

TimingWindow timing_window(const EventPicks& e, const MatchParams& p, TimeNs window) {
  TimingWindow w{e.first_arrival - window, e.first_arrival + window};
  if (!roughly_timed(e, p)) return w;
  double widest = 0;
  for (const auto& k : e.picks) widest = std::max(widest, k.uncertainty_s);
  w.earliest -= seconds_to_ns(widest);
  w.latest += seconds_to_ns(widest);
  std::optional<TimeNs> estimates_end;
  for (const auto& k : e.picks) {
    const TimeNs u = seconds_to_ns(k.uncertainty_s);
    w.earliest = std::min(w.earliest, k.time - u - window);
    if (k.uncertainty_s >= kClearOnsetUncertaintyS) estimates_end = std::min(estimates_end.value_or(k.time + u), k.time + u);
  }
  if (estimates_end) w.latest = std::max(w.latest, *estimates_end + window);
  return w;
}

std::vector<Candidate> timing_candidates(const std::vector<EventPicks>& events, const MatchParams& p, TimeNs window) {
  std::vector<Candidate> out;
  for (const auto& e : events) {
    if (!roughly_timed(e, p)) continue;
    const TimingWindow w = timing_window(e, p, window);
    out.push_back({e.event_id, w.earliest, w.latest});
  }
  return out;
}

std::vector<NetworkDetection> best_per_candidate(std::vector<NetworkDetection> c) {
  std::sort(c.begin(), c.end(), [](const NetworkDetection& a, const NetworkDetection& b) {
    return std::make_tuple(a.confirms, -a.cc, a.first_arrival, a.template_id) <
           std::make_tuple(b.confirms, -b.cc, b.first_arrival, b.template_id);
  });
  c.erase(std::unique(c.begin(), c.end(),
                      [](const NetworkDetection& a, const NetworkDetection& b) { return a.confirms == b.confirms; }),
          c.end());
  return c;
}

namespace {

using TemplateIndex = std::map<std::string, const catalog::Event*>;

// The detection's place and picks: its template's, moved by the lag.
void take_template(catalog::Event& e, const catalog::Event& tmpl, const NetworkDetection& d) {
  const TimeNs lag = d.first_arrival - tmpl.first_arrival;
  e.first_arrival = d.first_arrival;
  // A detection lies at its template's hypocentre, the origin moved by the
  // lag (as matched-filter catalogs report them): an origin time comes only
  // with the place it belongs to.
  if (d.origin_time && tmpl.located()) {
    e.origin_time = d.origin_time;
    e.latitude = tmpl.latitude;
    e.longitude = tmpl.longitude;
    e.depth_km = tmpl.depth_km;
    e.origin_uncertainty_s = tmpl.origin_uncertainty_s;
    e.horizontal_uncertainty_km = tmpl.horizontal_uncertainty_km;
    e.depth_uncertainty_km = tmpl.depth_uncertainty_km;
  } else {
    e.clear_hypocentre();
  }
  e.n_stations = tmpl.n_stations;
  e.stations = tmpl.stations;
  e.picks.clear();
  for (catalog::Pick p : tmpl.picks) {
    p.time += lag;
    p.similarity = d.cc;
    e.picks.push_back(p);
  }
}

void take_values(catalog::Event& e, const NetworkDetection& d) {
  e.template_id = d.template_id;
  e.cc = d.cc;
  e.mad_multiple = d.mad_multiple;
  if (std::isfinite(d.relative_magnitude)) e.relative_magnitude = d.relative_magnitude;
}

bool by_first_arrival(const catalog::Event& a, const catalog::Event& b) { return a.first_arrival < b.first_arrival; }

// Step 1: confirmed rough events take their confirming template's timing;
// those that land on another event were its duplicates. Returns, per event
// kept (sorted by first arrival), whether it is roughly timed still.
std::vector<bool> apply_confirmations(std::vector<catalog::Event>& events, const TemplateIndex& template_of,
                                      const std::vector<NetworkDetection>& confirmations, TimeNs window,
                                      const MatchParams& p) {
  std::map<std::string, const NetworkDetection*> confirmation_of;
  for (const auto& c : confirmations) confirmation_of.emplace(c.confirms, &c);
  std::vector<std::pair<catalog::Event, int>> tagged;  // 1: confirmed, 0: well timed, -1: rough
  for (auto& e : events) {
    int tag = roughly_timed(event_picks(e), p) ? -1 : 0;
    const auto c = confirmation_of.find(e.event_id);
    if (tag < 0 && c != confirmation_of.end()) {
      const auto t = template_of.find(c->second->template_id);
      if (t != template_of.end()) {
        take_template(e, *t->second, *c->second);
        take_values(e, *c->second);
        e.method = "both";
        tag = 1;
      }
    }
    tagged.emplace_back(std::move(e), tag);
  }
  std::stable_sort(tagged.begin(), tagged.end(),
                   [](const auto& a, const auto& b) { return by_first_arrival(a.first, b.first); });
  std::vector<bool> drop(tagged.size(), false);
  for (std::size_t i = 0; i < tagged.size(); ++i) {
    if (tagged[i].second != 1) continue;
    const catalog::Event& e = tagged[i].first;
    // The other is well timed, or confirmed with a higher cc (ties: the earlier).
    const auto beaten_by = [&](std::size_t k) {
      const catalog::Event& o = tagged[k].first;
      return !drop[k] && tagged[k].second >= 0 &&
             (tagged[k].second == 0 || *o.cc > *e.cc || (*o.cc == *e.cc && k < i));
    };
    for (std::size_t k = i; k-- > 0 && e.first_arrival - tagged[k].first.first_arrival <= window && !drop[i];)
      drop[i] = beaten_by(k);
    for (std::size_t k = i + 1; k < tagged.size() && tagged[k].first.first_arrival - e.first_arrival <= window && !drop[i]; ++k)
      drop[i] = beaten_by(k);
  }
  events.clear();
  std::vector<bool> rough;
  for (std::size_t i = 0; i < tagged.size(); ++i)
    if (!drop[i]) {
      events.push_back(std::move(tagged[i].first));
      rough.push_back(tagged[i].second < 0);
    }
  return rough;
}

}  // namespace

void merge_match_detections(std::vector<catalog::Event>& events, const std::vector<catalog::Event>& templates,
                            const std::vector<NetworkDetection>& detections,
                            const std::vector<NetworkDetection>& confirmations, TimeNs window,
                            const MatchParams& p) {
  TemplateIndex template_of;
  for (const auto& t : templates) template_of[t.event_id] = &t;
  for (auto& e : events) e.method = "lsh";
  // Sorted by first arrival; rough: the best detection gives time and picks.
  const std::vector<bool> rough = apply_confirmations(events, template_of, confirmations, window, p);
  std::vector<TimeNs> times;
  std::vector<TimingWindow> windows;
  TimeNs widest = window;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const TimeNs t = events[i].first_arrival;
    times.push_back(t);
    windows.push_back(rough[i] ? timing_window(event_picks(events[i]), p, window) : TimingWindow{t - window, t + window});
    widest = std::max({widest, t - windows.back().earliest, windows.back().latest - t});
  }
  std::vector<catalog::Event> added;
  for (const auto& d : detections) {
    const auto t = template_of.find(d.template_id);
    auto it = std::lower_bound(times.begin(), times.end(), d.first_arrival - widest);
    std::size_t best = events.size();
    for (; it != times.end() && *it <= d.first_arrival + widest; ++it) {
      const auto i = static_cast<std::size_t>(it - times.begin());
      if (d.first_arrival < windows[i].earliest || d.first_arrival > windows[i].latest) continue;
      if (best == events.size() || std::llabs(*it - d.first_arrival) < std::llabs(times[best] - d.first_arrival)) best = i;
    }
    catalog::Event* e = nullptr;
    if (best < events.size()) {
      e = &events[best];
      if (e->cc && *e->cc >= d.cc) continue;
      if (rough[best] && t != template_of.end()) take_template(*e, *t->second, d);
      e->method = "both";
    } else {
      if (t == template_of.end()) continue;  // not an event of this association
      added.emplace_back();
      e = &added.back();
      e->method = "match";
      e->family_id = t->second->family_id;
      take_template(*e, *t->second, d);
    }
    take_values(*e, d);
  }
  events.insert(events.end(), added.begin(), added.end());
  catalog::assign_event_ids(events);
}

}  // namespace qp::match
