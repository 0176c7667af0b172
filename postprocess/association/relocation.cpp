#include "postprocess/association/relocation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <vector>

#include "pipeline/log.hpp"
#include "postprocess/association/phase_labels.hpp"

namespace qp::post {

ArrivalPredictor arrival_predictor(const catalog::StationTable& table, const VelocityModel& model) {
  return [&table, &model](const catalog::Event& e, const std::string& seed_id, Phase phase) -> std::optional<TimeNs> {
    const catalog::StationCoords* c = table.find(seed_id);
    if (!c || !e.origin_time) return std::nullopt;
    const double dist = catalog::distance_km(*e.latitude, *e.longitude, c->latitude, c->longitude);
    return *e.origin_time + seconds_to_ns(model.travel_time(phase, dist, *e.depth_km, -c->elevation_m / 1000.0));
  };
}

namespace {

// Does the location agree with at least half of the event's P onsets? One
// most P onsets disagree with is not trusted to re-pick.
bool location_trusted(const catalog::Event& e, const ArrivalPredictor& predict, TimeNs tolerance) {
  int onsets = 0, agree = 0;
  for (const auto& q : e.picks)
    if (const auto t = predict(e, q.seed_id, Phase::kP); t && q.phase == "P" && has_onset(q)) {
      ++onsets;
      agree += std::llabs(q.time - *t) <= tolerance;
    }
  return 2 * agree >= onsets;
}

// The P of located event `e` at channel `sid` near its predicted P; returns
// whether a pick changed.
bool repick_station(catalog::Event& e, const std::string& sid, TimeNs predicted, const PickingParams& params,
                    const WaveformReader& read) {
  const TimeNs tolerance = seconds_to_ns(params.repick_tolerance_s);
  catalog::Pick* p = nullptr;
  for (auto& q : e.picks)
    if (q.seed_id == sid && q.phase == "P") p = &q;
  const bool p_onset = p && has_onset(*p);
  const bool p_near = p_onset && std::llabs(p->time - predicted) <= tolerance;
  const auto s_near = std::find_if(e.picks.begin(), e.picks.end(), [&](const catalog::Pick& q) {
    return q.seed_id == sid && q.phase == "S" && has_onset(q) && std::llabs(q.time - predicted) <= tolerance;
  });
  const bool station_has_onset = std::any_of(e.picks.begin(), e.picks.end(), [&](const catalog::Pick& q) {
    return catalog::station_of(q.seed_id) == catalog::station_of(sid) && has_onset(q);
  });
  const bool p_far = p_onset && std::llabs(p->time - predicted) > seconds_to_ns(params.max_onset_residual_s);
  auto choice = [&](std::optional<bool> found) {
    return p_after_location(p_onset, p_near, s_near != e.picks.end(), station_has_onset, found, p_far);
  };
  if (choice(std::nullopt) == PAfterLocation::kKeep) return false;
  if (choice(std::nullopt) == PAfterLocation::kSIsP) {
    s_near->phase = "P";
    if (p) e.picks.erase(e.picks.begin() + (p - e.picks.data()));
    return true;
  }
  StationPick x;
  x.centre = predicted;
  x.pick = p ? *p : catalog::Pick{"", sid, "P", predicted, params.repick_tolerance_s, 0.0};
  if (!p)
    for (const auto& q : e.picks)
      if (q.seed_id == sid) x.pick.similarity = q.similarity;
  x.pick.time = predicted;
  x.pick.uncertainty_s = params.repick_tolerance_s;
  x.wf = read(sid, predicted - tolerance - 30 * kNsPerSecond, predicted + tolerance + kNsPerSecond);
  // A narrow window around a prediction holds little noise to judge
  // against: ask for a clearer onset than the first pass does.
  pick_onset(x, predicted - tolerance, predicted + tolerance, params.repick_min_snr);
  if (choice(has_onset(x.pick)) == PAfterLocation::kKeep) return false;  // onset or estimate otherwise
  if (!p)
    e.picks.push_back(x.pick);
  else
    *p = x.pick;
  return true;
}

// `picks` located (catalog::locate_events: within the location's limits),
// or nullopt.
std::optional<catalog::Event> located(std::vector<catalog::Pick> picks, const RelocationSetup& setup) {
  std::vector<catalog::Event> one(1);
  one[0].picks = std::move(picks);
  if (catalog::locate_events(one, *setup.coords, setup.location) == 0) return std::nullopt;
  return std::move(one[0]);
}

// Root mean square of located `e`'s onset residuals (s), outliers included:
// how well the labelling fits the times.
double rms_of(const catalog::Event& e, const ArrivalPredictor& predict) {
  double sum = 0;
  int n = 0;
  for (const auto& q : e.picks)
    if (const auto t = predict(e, q.seed_id, q.phase == "S" ? Phase::kS : Phase::kP); t && has_onset(q)) {
      const double r = ns_to_seconds(q.time - *t);
      sum += r * r;
      ++n;
    }
  return n ? std::sqrt(sum / n) : 0.0;
}

// How many stations other than `sta` have P onsets, where the onsets of
// those stations constrain a location on their own (P at two or more, an S:
// with P alone, depth and origin time trade off; min_picks in all); else 0.
std::size_t others_with_p(const std::vector<catalog::Pick>& onsets, const std::string& sta, int min_picks) {
  std::set<std::string> p_at, s_at;
  int n = 0;
  for (const auto& q : onsets) {
    const std::string at = catalog::station_of(q.seed_id);
    if (at == sta) continue;
    ++n;
    (q.phase == "P" ? p_at : s_at).insert(at);
  }
  return p_at.size() >= 2 && !s_at.empty() && n >= min_picks ? p_at.size() : 0;
}

// A weaker vertical onset in [begin, end] on channel `sid`, searched as the
// re-pick does (repick_min_snr: at the picker's lower min_weak_p_snr, noise
// bursts before real P onsets passed for P on GR.FUR noise); nullopt where
// none is clear.
std::optional<catalog::Pick> weaker_p_in(const std::string& sid, TimeNs begin, TimeNs end,
                                         const RelocationSetup& setup, const WaveformReader& read) {
  StationPick x;
  x.centre = begin + (end - begin) / 2;
  x.pick = catalog::Pick{"", sid, "P", x.centre, kEstimateUncertaintyS, 0.0};
  x.wf = read(sid, begin - 30 * kNsPerSecond, end + kNsPerSecond);
  pick_onset(x, begin, end, setup.params.repick_min_snr);
  if (!has_onset(x.pick)) return std::nullopt;
  return x.pick;
}

// What relabel_s_taken_as_p does at one station.
struct SAsP {
  std::size_t pick;                   // the onset labelled P: its S
  std::vector<std::size_t> drop;      // the station's later S onsets
  std::optional<catalog::Pick> p;     // its P, found before it
};

// Located `e`'s horizontal uncertainty made to reach the epicentres of
// other labellings that fit as well (for onsets still as they were), its
// location dropped where that exceeds the location's limit.
void widen_to_other_fits(catalog::Event& e, const std::vector<OtherFit>& other_fits,
                         const catalog::LocationParams& params) {
  if (!e.origin_time) return;
  for (const OtherFit& f : other_fits) {
    const bool still = std::any_of(e.picks.begin(), e.picks.end(), [&](const catalog::Pick& q) {
      return q.seed_id == f.seed_id && q.phase == "P" && q.time == f.time;
    });
    if (!still) continue;
    const double d = catalog::distance_km(*e.latitude, *e.longitude, f.latitude, f.longitude);
    spdlog::debug("relocation: {} onset {} fits as S as well, {:.1f} km away", f.seed_id, format_iso8601(f.time, 2), d);
    e.horizontal_uncertainty_km = std::max(*e.horizontal_uncertainty_km, d);
  }
  if (params.max_horizontal_uncertainty_km > 0 && *e.horizontal_uncertainty_km > params.max_horizontal_uncertainty_km) {
    e.clear_hypocentre();
  }
}

}  // namespace

std::size_t relabel_s_taken_as_p(catalog::Event& e, const RelocationSetup& setup, const WaveformReader& read,
                                 std::vector<OtherFit>* other_fits, bool located_as_is) {
  const ArrivalPredictor predict = arrival_predictor(*setup.coords, setup.location.model);
  std::vector<std::size_t> onset_at;  // index into e.picks of each onset
  std::vector<catalog::Pick> onsets;
  for (std::size_t i = 0; i < e.picks.size(); ++i)
    if (has_onset(e.picks[i]) && (e.picks[i].phase == "P" || e.picks[i].phase == "S")) {
      onset_at.push_back(i);
      onsets.push_back(e.picks[i]);
    }
  // The onsets located as labelled, once needed (e itself where it is, read
  // before e changes below).
  std::optional<std::optional<catalog::Event>> as_labelled;
  if (located_as_is) as_labelled.emplace(e.origin_time ? std::optional<catalog::Event>(e) : std::optional<catalog::Event>());
  std::vector<SAsP> found;
  for (std::size_t k = 0; k < onsets.size(); ++k) {
    const catalog::Pick& p = onsets[k];
    const std::string sta = catalog::station_of(p.seed_id);
    const std::size_t others = p.phase == "P" ? others_with_p(onsets, sta, setup.location.min_picks) : 0;
    if (others == 0) continue;
    if (!as_labelled) as_labelled = located(onsets, setup);
    // Where the other stations number min_stations, the location tries a P
    // outlier as S itself (catalog::locate): a trial (one location each) is
    // made only for an onset it leaves later than its predicted P by more
    // than the re-pick tolerance (an S is late), or one with a weaker
    // vertical onset within S-P reach before it (then the times may fit
    // both labels). With fewer, the station's pick cannot be left out
    // there, and the times may fit either label: always.
    if (static_cast<int>(others) >= setup.location.min_stations) {
      const auto at = *as_labelled ? predict(**as_labelled, p.seed_id, Phase::kP) : std::nullopt;
      const bool late = at && p.time - *at > seconds_to_ns(setup.params.repick_tolerance_s);
      if (!late && !weaker_p_in(p.seed_id, p.time - seconds_to_ns(setup.params.max_s_minus_p_s),
                                p.time - seconds_to_ns(setup.params.max_onset_residual_s), setup, read))
        continue;
    }
    // The trial: this onset the station's S, its other S onsets left out.
    SAsP s{onset_at[k], {}, std::nullopt};
    std::vector<catalog::Pick> trial;
    for (std::size_t j = 0; j < onsets.size(); ++j) {
      if (j != k && onsets[j].phase == "S" && catalog::station_of(onsets[j].seed_id) == sta) {
        s.drop.push_back(onset_at[j]);
        continue;
      }
      trial.push_back(onsets[j]);
      if (j == k) trial.back().phase = "S";
    }
    const auto hs = located(trial, setup);
    if (!hs) continue;
    const auto tp = predict(*hs, p.seed_id, Phase::kP), ts = predict(*hs, p.seed_id, Phase::kS);
    if (!tp || !ts) continue;
    auto sec = [&](TimeNs t) { return ns_to_seconds(t - *hs->origin_time); };
    if (!p_onset_is_s(sec(p.time), sec(*tp), sec(*ts), setup.params.repick_tolerance_s,
                      setup.params.max_onset_residual_s))
      continue;
    bool s_nearer = false;  // a later S onset of the station nearer the predicted S: that is the S
    for (std::size_t i : s.drop) s_nearer = s_nearer || std::llabs(e.picks[i].time - *ts) < std::llabs(p.time - *ts);
    if (s_nearer) continue;
    // Both labellings can fit the times (two stations' S-P leave the
    // others' location a mirror image across the line between them): the
    // times decide where the onset as P fits clearly worse than as S (by
    // more than the model's error); else a weaker onset on the vertical at
    // the predicted P decides (P arrives first), and without one the
    // labels stay.
    const bool times_say_s =
        !*as_labelled ||
        rms_of(**as_labelled, predict) > rms_of(*hs, predict) + setup.location.model_error_s;
    if (!times_say_s) {
      const TimeNs tolerance = seconds_to_ns(setup.params.repick_tolerance_s);
      s.p = weaker_p_in(p.seed_id, *tp - tolerance, *tp + tolerance, setup, read);
      if (!s.p || s.p->time >= p.time - seconds_to_ns(setup.params.max_onset_residual_s)) {
        if (other_fits) other_fits->push_back({p.seed_id, p.time, *hs->latitude, *hs->longitude});
        continue;
      }
    }
    spdlog::debug("relocation: {} onset {} labelled P is its S (predicted P {:.2f} s, S {:.2f} s after origin; {})",
                  p.seed_id, format_iso8601(p.time, 2), sec(*tp), sec(*ts),
                  times_say_s ? "the times say so" : "a weaker P before it");
    found.push_back(std::move(s));
  }
  std::vector<std::size_t> drop;
  for (const SAsP& s : found) {
    e.picks[s.pick].phase = "S";
    drop.insert(drop.end(), s.drop.begin(), s.drop.end());
  }
  std::sort(drop.begin(), drop.end());
  drop.erase(std::unique(drop.begin(), drop.end()), drop.end());
  for (auto it = drop.rbegin(); it != drop.rend(); ++it) e.picks.erase(e.picks.begin() + static_cast<std::ptrdiff_t>(*it));
  for (const SAsP& s : found)
    if (s.p) e.picks.push_back(*s.p);
  if (!found.empty()) finish_event(e);
  return found.size();
}

std::size_t locate_and_repick(catalog::Event& e, const RelocationSetup& setup, const WaveformReader& read) {
  const catalog::StationTable& table = *setup.coords;
  const ArrivalPredictor predict = arrival_predictor(table, setup.location.model);
  std::vector<catalog::Event> one(1);
  one[0] = std::move(e);
  catalog::Event& ev = one[0];
  auto locate = [&] { catalog::locate_events(one, table, setup.location); };
  // Located; S onsets taken as P relabelled; re-picked; where the re-picks
  // complete the onsets that tell an S taken as P (a station's P found at
  // last), once more. `current`: ev's location is that of its picks.
  std::vector<OtherFit> other_fits;
  std::size_t changed = 0;
  locate();
  bool current = true;
  for (int round = 0; round < 2; ++round) {
    other_fits.clear();  // asked again of the picks as they are now
    const std::size_t relabelled = relabel_s_taken_as_p(ev, setup, read, &other_fits, true);
    changed += relabelled;
    if (relabelled > 0)
      locate();
    else if (round > 0)
      break;
    if (!ev.origin_time || !location_trusted(ev, predict, seconds_to_ns(setup.params.repick_tolerance_s))) break;
    // One P per station, on its pick channel: its pick where the station
    // has one, else a new one (the station's onset was S, or it had none).
    std::vector<std::string> seeds;
    for (const auto& sta : ev.stations)
      if (const auto it = setup.pick_channel.find(sta); it != setup.pick_channel.end()) seeds.push_back(it->second);
    std::size_t repicked = 0;
    for (const std::string& sid : seeds)
      if (const auto predicted = predict(ev, sid, Phase::kP))
        repicked += repick_station(ev, sid, *predicted, setup.params, read);
    finish_event(ev);
    current = false;
    changed += repicked;
    if (repicked == 0) break;
    locate();
    current = true;
  }
  ev.first_arrival = first_arrival_of(ev);
  if (!current) {
    ev.origin_time.reset();
    locate();
  }
  widen_to_other_fits(ev, other_fits, setup.location);
  e = std::move(ev);
  return changed;
}

MergedSightings merge_and_relocate(std::vector<catalog::Event>& events, const SightingMergeParams& params,
                                   const RelocationSetup& setup, const WaveformReader& read,
                                   std::vector<std::size_t>* grown) {
  std::vector<std::size_t> n_picks;
  for (const auto& e : events) n_picks.push_back(e.picks.size());
  MergedSightings m = merge_sightings(events, params, arrival_predictor(*setup.coords, setup.location.model));
  // A merge only adds the stations the kept event lacked: more picks is a
  // gain. Events in order, one after the other: the same on any rank count.
  for (std::size_t k = 0; k < events.size(); ++k) {
    if (events[k].picks.size() == n_picks[m.origin[k]]) continue;
    locate_and_repick(events[k], setup, read);
    if (grown) grown->push_back(k);
  }
  return m;
}

}  // namespace qp::post
