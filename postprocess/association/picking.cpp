#include "postprocess/association/picking.hpp"

#include <algorithm>
#include <utility>

#include "pipeline/log.hpp"

#include "postprocess/association/arrival.hpp"
#include "postprocess/association/phase_labels.hpp"
#include "postprocess/association/sightings.hpp"

namespace qp::post {
namespace {

// Energy of the onset at t on w (post::onset_energy).
double energy_at(const WaveformSpan& w, TimeNs t) {
  return onset_energy(w.samples.data(), w.samples.size(), w.start, w.sampling_rate, t);
}

Arrival arrival_in(const WaveformSpan& w, TimeNs begin, TimeNs end, bool first_arrival = true) {
  return refine_arrival(w.samples.data(), w.samples.size(), w.start, w.sampling_rate, begin, end, first_arrival);
}

// Noise reference read before each search window.
constexpr TimeNs kNoiseLead = 30 * kNsPerSecond;

}  // namespace

void pick_onset(StationPick& x, TimeNs begin, TimeNs end, double min_snr) {
  if (x.wf.samples.empty()) return;
  const Arrival a = arrival_in(x.wf, begin, end);
  spdlog::debug("pick {} first fingerprint centre {} onset {} found {} snr {:.1f}", x.pick.seed_id,
                format_iso8601(x.centre), format_iso8601(a.time), a.found, a.snr);
  if (!a.found || a.snr < min_snr) return;
  x.pick.time = a.time;
  x.pick.uncertainty_s = a.uncertainty_s;
  x.snr = a.snr;
}

TimeNs EventPicker::independence_horizon() const {
  // A pick lies at most lead + consistent_offset before its fingerprint
  // centre; an S at most half_span + dt_fp + max_s_minus_p after it; two
  // arrivals meet within same_onset on either side; one second to spare.
  const PickingParams& p = setup_.params;
  const TimeNs lead = setup_.half_span + 2 * kNsPerSecond;
  return lead + seconds_to_ns(p.consistent_offset_s) + setup_.half_span + setup_.dt_fp +
         seconds_to_ns(p.max_s_minus_p_s + 2 * p.same_onset_s) + kNsPerSecond;
}

std::optional<TimeNs> EventPicker::earlier_s_near(const std::string& station, TimeNs time) const {
  const auto it = earlier_s_.find(station);
  if (it == earlier_s_.end()) return std::nullopt;
  const TimeNs same_onset = seconds_to_ns(setup_.params.same_onset_s);
  const auto t = it->second.lower_bound(time - same_onset);
  if (t == it->second.end() || *t > time + same_onset) return std::nullopt;
  return *t;
}

std::optional<TimeNs> EventPicker::earlier_s_at(const StationPick& x) {
  if (!has_onset(x.pick)) return std::nullopt;
  const std::string station = catalog::station_of(x.pick.seed_id);
  const std::optional<TimeNs> s = earlier_s_near(station, x.pick.time);
  if (queries_) queries_->push_back({station, x.pick.time, s});
  return s;
}

void EventPicker::remember(const std::vector<StationPick>& picks) {
  for (const auto& x : picks) {
    if (x.s_pick) earlier_s_[catalog::station_of(x.pick.seed_id)].insert(x.s_pick->time);
    if (has_onset(x.pick) && x.pick.phase == "S") earlier_s_[catalog::station_of(x.pick.seed_id)].insert(x.pick.time);
  }
}

// The first matching fingerprint of a station holds the onset in its later
// part (a window must contain enough of the event to match its partner):
// the onset is searched from a little before its centre to its end.
StationPick EventPicker::first_pass(const StationWindow& w, bool one_station) {
  const PickingStation& st = setup_.stations[static_cast<std::size_t>(w.station)];
  const PickingParams& p = setup_.params;
  const TimeNs half_span = setup_.half_span, dt_fp = setup_.dt_fp;
  const TimeNs lead = half_span + 2 * kNsPerSecond;
  const TimeNs same_onset = seconds_to_ns(p.same_onset_s);
  StationPick x;
  x.centre = w.first * dt_fp;
  x.pick = catalog::Pick{"", st.pick_channel, "P", x.centre, half_span / 1e9,
                         static_cast<double>(w.peak) /
                             (static_cast<double>(setup_.ntbls) * static_cast<double>(st.channels.size()))};
  x.wf = read_(st.pick_channel, x.centre - lead - kNoiseLead, x.centre + half_span + dt_fp + kNsPerSecond);
  pick_onset(x, x.centre - lead, x.centre + half_span + dt_fp, p.min_onset_snr);
  // Another event's S: this event's onset comes later, if at all.
  bool after_earlier_s = false;
  for (int tries = 0; tries < 3; ++tries) {
    const auto s = earlier_s_at(x);
    if (!s) break;
    after_earlier_s = true;
    x.pick.time = x.centre;
    x.pick.uncertainty_s = ns_to_seconds(half_span);
    pick_onset(x, *s + same_onset, x.centre + half_span + dt_fp, p.min_onset_snr);
  }
  if (earlier_s_at(x)) x.pick.uncertainty_s = ns_to_seconds(half_span);  // no onset of its own
  // Its P may precede the window (as a weaker P precedes an S in
  // label_phases); not past an earlier event's S.
  // A three-component station has that search; one component has none.
  if (one_station && st.horizontals.empty() && !after_earlier_s) reach_back_to_arrival_start(x, x.centre - lead);
  return x;
}

// One station on one component: nothing else dates the event, and no
// polarisation tells a P from an S (label_phases). Where its first matching
// fingerprint lies in the event's coda, the search window opens inside the
// arrival, and the onset found there is a later phase (the S) or a coda
// burst: the signal stays up from before the window to it. The onset is then
// the rise where that signal began, within S-P reach before the onset; the
// arrival is as clear as the clearer of the two rises. A signal up through
// the whole reach (another event's coda) shows no such rise: the onset stays.
void EventPicker::reach_back_to_arrival_start(StationPick& x, TimeNs window_begin) const {
  if (!has_onset(x.pick) || x.wf.samples.empty()) return;
  const PickingParams& p = setup_.params;
  const WaveformSpan& w = x.wf;
  // A later phase lies at most max S-P after its P.
  const TimeNs reach = x.pick.time - seconds_to_ns(p.max_s_minus_p_s);
  if (reach >= window_begin) return;
  const TimeNs began =
      arrival_start(w.samples.data(), w.samples.size(), w.start, w.sampling_rate, reach, x.pick.time, p.min_onset_snr);
  if (began > window_begin || began <= reach) return;
  // The rise lies within the first loud second.
  const Arrival a = arrival_in(w, began - kNsPerSecond / 2, began + 3 * kNsPerSecond / 2);
  if (!a.found || a.snr < p.min_weak_p_snr || a.time > x.pick.time - seconds_to_ns(p.min_s_minus_p_s)) return;
  spdlog::debug("pick {}: the window opened inside the arrival; onset {} (snr {:.1f}) instead of {}", x.pick.seed_id,
                format_iso8601(a.time), a.snr, format_iso8601(x.pick.time));
  x.pick.time = a.time;
  x.pick.uncertainty_s = a.uncertainty_s;
  x.snr = std::max(x.snr, a.snr);
}

// The onset's offset from the first matching fingerprint is much the same at
// every station of one event (same partner, same fingerprint); stations
// whose onset leads the median offset (the previous event, a noise burst)
// are re-picked near it. A late onset is kept: the window before it held
// nothing clearer, and a re-pick there takes whatever noise it finds.
void EventPicker::align_to_median_offset(std::vector<StationPick>& sp) {
  const PickingParams& p = setup_.params;
  const TimeNs consistent = seconds_to_ns(p.consistent_offset_s);
  std::vector<TimeNs> offsets;
  for (const auto& x : sp)
    if (has_onset(x.pick)) offsets.push_back(x.pick.time - x.centre);
  if (offsets.size() < 3) return;
  std::sort(offsets.begin(), offsets.end());
  const TimeNs median = offsets[(offsets.size() - 1) / 2];
  for (auto& x : sp) {
    if (has_onset(x.pick) && x.pick.time - x.centre - median >= -consistent) continue;
    const TimeNs expected = x.centre + median;
    x.pick.time = expected;
    x.pick.uncertainty_s = p.consistent_offset_s;
    x.estimated = true;
    pick_onset(x, expected - consistent, expected + consistent);
    if (earlier_s_at(x)) x.pick.uncertainty_s = p.consistent_offset_s;
    spdlog::debug("re-pick {} near {}: {}", x.pick.seed_id, format_iso8601(expected), format_iso8601(x.pick.time));
  }
}

std::vector<StationPick> EventPicker::pick(const NetworkEvent& ne, std::vector<EarlierSQuery>* queries) {
  queries_ = queries;
  std::vector<StationPick> sp;
  for (const auto& w : ne.stations) sp.push_back(first_pass(w, ne.stations.size() == 1));
  align_to_median_offset(sp);
  // One station has no moveout to tell an earthquake from a noise burst
  // that matched another: its onset must be clear.
  if (sp.size() == 1 && has_onset(sp[0].pick) && sp[0].snr < setup_.params.min_one_station_snr) {
    sp[0].onset_uncertainty_s = sp[0].pick.uncertainty_s;
    sp[0].pick.uncertainty_s = std::max(sp[0].pick.uncertainty_s, kEstimateUncertaintyS);
  }
  label_phases(sp, ne);
  // One three-component station: a P with no S after it is an estimate
  // (a repeating noise burst has an onset but no S).
  if (sp.size() == 1 && setup_.params.one_station_needs_s && has_onset(sp[0].pick) && sp[0].pick.phase == "P" &&
      !sp[0].s_pick) {
    const PickingStation& st = setup_.stations[static_cast<std::size_t>(ne.stations[0].station)];
    if (!st.horizontals.empty() && !weaker_s_after(sp[0].pick.time, st)) {
      sp[0].onset_uncertainty_s = sp[0].pick.uncertainty_s;
      sp[0].pick.uncertainty_s = std::max(sp[0].pick.uncertainty_s, kEstimateUncertaintyS);
    }
  }
  queries_ = nullptr;
  remember(sp);
  for (auto& x : sp) x.wf = WaveformSpan{};  // done with the samples
  return sp;
}

// Labels each station's first clear onset P or S (post::label_first_onsets:
// energy mostly on the horizontals makes an onset S only where a weaker
// vertical onset precedes it, which is then the P, or where the others'
// moveout demands it, located where coordinates allow) and searches S on
// the horizontals after each P.
// Energy, not signal-to-noise: the components of one sensor share a gain,
// while their noise in the band can differ several-fold.
void EventPicker::label_phases(std::vector<StationPick>& sp, const NetworkEvent& ne) {
  const PickingParams& p = setup_.params;
  std::vector<FirstOnset> first;
  std::vector<std::size_t> at;                  // index into sp
  std::vector<std::optional<Arrival>> weaker;  // a weaker vertical onset before it
  for (std::size_t i = 0; i < sp.size(); ++i) {
    StationPick& x = sp[i];
    const PickingStation& st = setup_.stations[static_cast<std::size_t>(ne.stations[i].station)];
    if (!has_onset(x.pick)) continue;
    FirstOnset f;
    f.onset = {ns_to_seconds(x.pick.time - sp.front().centre), x.pick.uncertainty_s, std::nullopt};
    if (setup_.coords)
      if (const catalog::StationCoords* c = setup_.coords->find(x.pick.seed_id))
        f.onset.coords = {{c->latitude, c->longitude}};
    f.has_horizontals = !st.horizontals.empty();
    f.seed_id = x.pick.seed_id;
    std::optional<Arrival> earlier;
    if (f.has_horizontals) {
      const double ez = energy_at(x.wf, x.pick.time);
      double eh = 0;
      for (const auto& h : st.horizontals)
        eh += energy_at(read_(h, x.pick.time - 3 * kNsPerSecond, x.pick.time + 2 * kNsPerSecond), x.pick.time);
      if (ez + eh > 0) f.vertical_share = ez / (ez + eh);
      if (f.vertical_share < kPVerticalShare && !x.wf.samples.empty()) {
        // The earliest rise connected to this onset (the signal staying up
        // from it on): a P whose coda runs into the S, not a noise blip.
        const Arrival a =
            arrival_in(x.wf, x.pick.time - seconds_to_ns(p.max_s_minus_p_s), x.pick.time + kNsPerSecond);
        if (a.found && a.snr >= p.min_weak_p_snr && a.time <= x.pick.time - seconds_to_ns(p.min_s_minus_p_s))
          earlier = a;
        f.p_before = earlier.has_value();
      } else if (!x.wf.samples.empty()) {
        // Its P, should it prove the S (label_first_onsets): an onset in
        // the stretch before it only.
        const Arrival a = arrival_in(x.wf, x.pick.time - seconds_to_ns(p.max_s_minus_p_s),
                                     x.pick.time - seconds_to_ns(p.min_s_minus_p_s));
        if (a.found && a.snr >= p.min_weak_p_snr) {
          earlier = a;
          f.weaker_before_s = ns_to_seconds(a.time - sp.front().centre);
        }
      }
    }
    first.push_back(f);
    at.push_back(i);
    weaker.push_back(earlier);
  }
  const catalog::LocationParams default_location;
  const auto label = label_first_onsets(
      first, setup_.consistency, {setup_.coords, setup_.location ? setup_.location : &default_location});
  for (std::size_t k = 0; k < at.size(); ++k) {
    StationPick& x = sp[at[k]];
    const PickingStation& st = setup_.stations[static_cast<std::size_t>(ne.stations[at[k]].station)];
    if (label[k] == OnsetLabel::kS) {  // P too weak to pick
      x.pick.phase = "S";
      continue;
    }
    if (label[k] == OnsetLabel::kSAfterWeakerP) {  // P the weaker vertical onset before it, S this one
      x.s_pick = catalog::Pick{"", st.horizontals.front(), "S", x.pick.time, x.pick.uncertainty_s, x.pick.similarity};
      x.pick.time = weaker[k]->time;
      x.pick.uncertainty_s = weaker[k]->uncertainty_s;
      continue;
    }
    search_s(x, st);
  }
}

// An S too weak for search_s against the P's coda (a near source: S-P of
// a second or so) still rises at min_weak_p_snr on a horizontal.
bool EventPicker::weaker_s_after(TimeNs p_time, const PickingStation& st) const {
  const PickingParams& p = setup_.params;
  const TimeNs s_begin = p_time + seconds_to_ns(p.min_s_minus_p_s);
  const TimeNs s_end = p_time + seconds_to_ns(p.max_s_minus_p_s);
  for (const auto& h : st.horizontals) {
    const WaveformSpan wf = read_(h, s_begin - kNoiseLead, s_end + kNsPerSecond);
    if (wf.samples.empty()) continue;
    const Arrival a = arrival_in(wf, s_begin, s_end, /*first_arrival=*/false);
    if (a.found && a.snr >= p.min_weak_p_snr) return true;
  }
  return false;
}

// S on the horizontals (on the one channel of a one-component station): the
// clearest onset after the P, the P coda serving as its noise reference.
void EventPicker::search_s(StationPick& x, const PickingStation& st) {
  const PickingParams& p = setup_.params;
  const TimeNs s_begin = x.pick.time + seconds_to_ns(p.min_s_minus_p_s);
  const TimeNs s_end = x.pick.time + seconds_to_ns(p.max_s_minus_p_s);
  double best_snr = 0;
  const bool one_component = st.channels.size() == 1;
  if (!one_component && st.horizontals.empty()) return;
  for (const auto& h : one_component ? st.channels : st.horizontals) {
    const WaveformSpan wf = read_(h, s_begin - kNoiseLead, s_end + kNsPerSecond);
    if (wf.samples.empty()) continue;
    const Arrival a = arrival_in(wf, s_begin, s_end, /*first_arrival=*/false);
    if (!a.found || a.snr < p.min_onset_snr || a.snr <= best_snr) continue;
    best_snr = a.snr;
    x.s_pick = catalog::Pick{"", h, "S", a.time, a.uncertainty_s, x.pick.similarity};
  }
}

std::optional<TimeNs> apply_typical_offset(std::vector<std::vector<StationPick>>& event_picks,
                                           const PickingParams& params) {
  std::vector<TimeNs> offsets;
  for (const auto& sp : event_picks)
    for (const auto& x : sp)
      if (has_onset(x.pick)) offsets.push_back(x.pick.time - x.centre);
  if (offsets.size() < static_cast<std::size_t>(params.min_onsets_for_offset)) return std::nullopt;
  std::sort(offsets.begin(), offsets.end());
  const TimeNs typical = offsets[(offsets.size() - 1) / 2];
  spdlog::info("associate: onsets lie {:.2f} s after the first matching fingerprint's centre "
               "(median of {}); stations without a clear onset get that offset",
               ns_to_seconds(typical), offsets.size());
  for (auto& sp : event_picks)
    for (auto& x : sp)
      if (!has_onset(x.pick) && !x.estimated) x.pick.time = x.centre + typical;
  return typical;
}

catalog::Event catalog_event(const NetworkEvent& ne, const std::vector<StationPick>& picks,
                             const PickingSetup& setup) {
  catalog::Event e;
  for (const auto& w : ne.stations) e.stations.push_back(setup.stations[static_cast<std::size_t>(w.station)].id);
  for (const auto& x : picks) {
    e.picks.push_back(x.pick);
    if (x.s_pick) e.picks.push_back(*x.s_pick);
  }
  e.n_stations = static_cast<int>(ne.stations.size());
  e.n_linked = static_cast<int>(ne.linked_events.size());
  e.score = ne.score;
  reject_inconsistent_onsets(e, setup.coords, setup.consistency, ns_to_seconds(setup.half_span));
  e.first_arrival = first_arrival_of(e);
  return e;
}

}  // namespace qp::post
