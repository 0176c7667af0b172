#include "postprocess/association/relocation.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <vector>

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

}  // namespace

std::size_t locate_and_repick(catalog::Event& e, const RelocationSetup& setup, const WaveformReader& read) {
  const catalog::StationTable& table = *setup.coords;
  const ArrivalPredictor predict = arrival_predictor(table, setup.location.model);
  std::vector<catalog::Event> one(1);
  one[0] = std::move(e);
  catalog::locate_events(one, table, setup.location);
  catalog::Event& ev = one[0];
  std::size_t repicked = 0;
  if (ev.origin_time && location_trusted(ev, predict, seconds_to_ns(setup.params.repick_tolerance_s))) {
    // One P per station, on its pick channel: its pick where the station
    // has one, else a new one (the station's onset was S, or it had none).
    std::vector<std::string> seeds;
    for (const auto& sta : ev.stations)
      if (const auto it = setup.pick_channel.find(sta); it != setup.pick_channel.end()) seeds.push_back(it->second);
    for (const std::string& sid : seeds)
      if (const auto predicted = predict(ev, sid, Phase::kP))
        repicked += repick_station(ev, sid, *predicted, setup.params, read);
    finish_event(ev);
  }
  ev.origin_time.reset();
  ev.first_arrival = first_arrival_of(ev);
  catalog::locate_events(one, table, setup.location);
  e = std::move(ev);
  return repicked;
}

}  // namespace qp::post
