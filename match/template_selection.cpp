#include "match/template_selection.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace qp::match {
namespace {

std::string station_of(const std::string& seed_id) {
  const auto a = seed_id.find('.');
  const auto b = a == std::string::npos ? a : seed_id.find('.', a + 1);
  return b == std::string::npos ? seed_id : seed_id.substr(0, b);
}

bool clear(const EventPicks::Pick& p) { return p.uncertainty_s < kClearOnsetUncertaintyS; }

int clear_stations(const EventPicks& e) {
  std::set<std::string> s;
  for (const auto& p : e.picks)
    if (clear(p)) s.insert(station_of(p.seed_id));
  return static_cast<int>(s.size());
}

TemplateSpec windows_of(const EventPicks& e, const std::vector<std::string>& channels,
                        double sampling_rate, const MatchParams& p) {
  TemplateSpec t;
  t.template_id = e.event_id;
  t.family_id = e.family_id;
  t.origin_time = e.origin_time;
  t.first_arrival = e.first_arrival;
  const auto dt = static_cast<TimeNs>(std::llround(1e9 / sampling_rate));
  const TimeNs before = seconds_to_ns(p.seconds_before_pick);
  for (const auto& pick : e.picks) {
    if (!clear(pick) || (pick.phase != "P" && pick.phase != "S")) continue;
    const char want = pick.phase == "P" ? 'Z' : 'H';
    for (const auto& ch : channels) {
      if (station_of(ch) != station_of(pick.seed_id) || channel_orientation(ch) != want) continue;
      t.windows.push_back({ch, pick.phase, floor_to(pick.time - before, dt)});
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
    if (e.score >= p.min_score && clear_stations(e) >= p.min_clear_onsets && (e.origin_time || !p.located_only))
      eligible.push_back(&e);
  std::stable_sort(eligible.begin(), eligible.end(), [](const EventPicks* a, const EventPicks* b) {
    const int ca = clear_stations(*a), cb = clear_stations(*b);
    return std::make_tuple(-ca, -a->score, a->event_id) < std::make_tuple(-cb, -b->score, b->event_id);
  });
  std::map<std::string, int> per_family;
  std::vector<TemplateSpec> out;
  for (const EventPicks* e : eligible) {
    if (p.max_per_family > 0 && !e->family_id.empty() && ++per_family[e->family_id] > p.max_per_family)
      continue;
    TemplateSpec t = windows_of(*e, channels, sampling_rate, p);
    if (!t.windows.empty()) out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(),
            [](const TemplateSpec& a, const TemplateSpec& b) { return a.template_id < b.template_id; });
  return out;
}

}  // namespace qp::match
