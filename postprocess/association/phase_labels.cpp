#include "postprocess/association/phase_labels.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "pipeline/log.hpp"
#include "pipeline/velocity_model.hpp"

namespace qp::post {

double onset_energy(const float* x, std::size_t n, TimeNs start, double rate, TimeNs t) {
  if (n == 0 || rate <= 0) return 0;
  const auto count = static_cast<std::ptrdiff_t>(n);
  auto index = [&](TimeNs s) {
    return std::clamp<std::ptrdiff_t>(
        static_cast<std::ptrdiff_t>(std::llround(ns_to_seconds(s - start) * rate)), 0, count);
  };
  auto mean_sq = [&](TimeNs a, TimeNs b) {
    const std::ptrdiff_t i0 = index(a), i1 = index(b);
    if (i1 <= i0) return 0.0;
    double sum = 0;
    for (std::ptrdiff_t i = i0; i < i1; ++i) sum += double(x[i]) * double(x[i]);
    return sum / double(i1 - i0);
  };
  return std::max(0.0, mean_sq(t, t + kNsPerSecond) - mean_sq(t - 5 * kNsPerSecond / 2, t - kNsPerSecond / 2));
}

namespace {

// Predicted (P, S) seconds on the onsets' clock at each onset's station,
// from a location of the agreeing P-like onsets; empty where that is not
// possible.
std::vector<std::optional<std::pair<double, double>>> predicted_phases(const std::vector<FirstOnset>& onsets,
                                                                       const std::vector<std::size_t>& judges,
                                                                       const std::vector<StationOnset>& judge_onsets,
                                                                       const PhaseLocator& locator) {
  std::vector<std::optional<std::pair<double, double>>> out(onsets.size());
  if (!locator.stations || !locator.location) return out;
  const TimeNs t0 = 1000 * kNsPerSecond;  // any clock; the onsets' seconds are relative
  std::vector<catalog::Pick> picks;
  for (std::size_t k = 0; k < judges.size(); ++k) {
    const std::size_t j = judges[k];
    if (onsets[j].seed_id.empty()) continue;
    picks.push_back(catalog::Pick{"", onsets[j].seed_id, "P", t0 + seconds_to_ns(judge_onsets[k].time_s),
                                  judge_onsets[k].uncertainty_s, 0.0});
  }
  std::string why;
  const auto loc = catalog::locate(picks, *locator.stations, *locator.location, &why);
  spdlog::debug("phase labels: {} P onsets {}", picks.size(), loc ? "located" : "not located: " + why);
  if (!loc) return out;
  for (std::size_t i = 0; i < onsets.size(); ++i) {
    const catalog::StationCoords* c = onsets[i].seed_id.empty() ? nullptr : locator.stations->find(onsets[i].seed_id);
    if (!c) continue;
    const double dist = catalog::distance_km(loc->latitude, loc->longitude, c->latitude, c->longitude);
    const double origin = ns_to_seconds(loc->origin_time - t0);
    const auto& model = locator.location->model;
    out[i] = {{origin + model.travel_time(Phase::kP, dist, loc->depth_km, -c->elevation_m / 1000.0),
               origin + model.travel_time(Phase::kS, dist, loc->depth_km, -c->elevation_m / 1000.0)}};
  }
  return out;
}

// Whether the stations read as "S after a weaker P" agree with one source
// (p_and_s_minus_p_agree). Noise onsets before the real P's, read as P's,
// do not: their S-P shrink as their P's get later.
bool one_source_p_and_s(const std::vector<FirstOnset>& onsets, const std::vector<StationOnset>& p_onsets,
                        const std::vector<std::size_t>& p_index, const std::vector<std::size_t>& with_p) {
  for (std::size_t a = 0; a < with_p.size(); ++a)
    for (std::size_t b = a + 1; b < with_p.size(); ++b) {
      const FirstOnset &fa = onsets[p_index[with_p[a]]], &fb = onsets[p_index[with_p[b]]];
      // The weaker P's own uncertainty is not kept: the onset's counts twice.
      const double slack = 0.5 + 2 * (fa.onset.uncertainty_s + fb.onset.uncertainty_s);
      if (!p_and_s_minus_p_agree(*fa.weaker_before_s, p_onsets[with_p[a]].time_s - *fa.weaker_before_s,
                                 *fb.weaker_before_s, p_onsets[with_p[b]].time_s - *fb.weaker_before_s, slack))
        return false;
    }
  return true;
}

// The first clear onset is P (label_first_onsets): where the agreeing
// P-like onsets all follow a clear onset they outvote, and at least half of
// them have a weaker vertical onset before them that agrees with it, those
// are S after that P. Returns whether labels changed.
bool s_after_early_p(const std::vector<FirstOnset>& onsets, const std::vector<StationOnset>& p_onsets,
                     const std::vector<std::size_t>& p_index, const std::vector<std::size_t>& bad,
                     const OnsetConsistencyParams& params, std::vector<OnsetLabel>& label) {
  if (bad.empty() || bad.size() == p_onsets.size()) return false;
  std::optional<std::size_t> early;  // the earliest outvoted onset
  for (std::size_t k : bad)
    if (!early || p_onsets[k].time_s < p_onsets[*early].time_s) early = k;
  std::vector<std::size_t> agreeing, with_p;
  for (std::size_t k = 0; k < p_onsets.size(); ++k) {
    if (std::binary_search(bad.begin(), bad.end(), k)) continue;
    if (p_onsets[k].time_s <= p_onsets[*early].time_s) return false;  // not the first onset
    agreeing.push_back(k);
    const FirstOnset& f = onsets[p_index[k]];
    if (!f.has_horizontals || !f.weaker_before_s) continue;
    StationOnset p = f.onset;
    p.time_s = *f.weaker_before_s;
    if (inconsistent_onsets({p_onsets[*early], p}, params).empty()) with_p.push_back(k);
  }
  if (with_p.empty() || 2 * with_p.size() < agreeing.size()) return false;
  if (!one_source_p_and_s(onsets, p_onsets, p_index, with_p)) return false;
  for (std::size_t k : with_p) label[p_index[k]] = OnsetLabel::kSAfterWeakerP;
  spdlog::debug("phase labels: {} onsets after the early onset at {:.2f} s are S after a weaker P", with_p.size(),
                p_onsets[*early].time_s);
  return true;
}

}  // namespace

std::vector<OnsetLabel> label_first_onsets(const std::vector<FirstOnset>& onsets,
                                           const OnsetConsistencyParams& params, const PhaseLocator& locator) {
  std::vector<bool> s_like(onsets.size());
  std::vector<OnsetLabel> label(onsets.size(), OnsetLabel::kP);
  std::vector<StationOnset> p_onsets;  // the onsets that look like P
  std::vector<std::size_t> p_index;
  for (std::size_t i = 0; i < onsets.size(); ++i) {
    s_like[i] = onsets[i].has_horizontals && onsets[i].vertical_share < kPVerticalShare;
    if (!s_like[i]) {
      p_onsets.push_back(onsets[i].onset);
      p_index.push_back(i);
    }
  }
  // The P onsets that agree with each other judge the rest.
  auto bad = inconsistent_onsets(p_onsets, params);
  if (s_after_early_p(onsets, p_onsets, p_index, bad, params, label)) {
    // The P onsets now: the early one and the weaker ones before the S.
    p_onsets.clear();
    p_index.clear();
    for (std::size_t i = 0; i < onsets.size(); ++i) {
      if (s_like[i] || label[i] == OnsetLabel::kS) continue;
      StationOnset o = onsets[i].onset;
      if (label[i] == OnsetLabel::kSAfterWeakerP) o.time_s = *onsets[i].weaker_before_s;
      p_onsets.push_back(o);
      p_index.push_back(i);
    }
    bad = inconsistent_onsets(p_onsets, params);
    for (std::size_t k : bad)  // later than the P moveout allows: the S, its P too weak
      if (label[p_index[k]] == OnsetLabel::kP) label[p_index[k]] = OnsetLabel::kS;
  }
  std::vector<StationOnset> judges;
  std::vector<std::size_t> judge_index;
  for (std::size_t k = 0; k < p_onsets.size(); ++k)
    if (!std::binary_search(bad.begin(), bad.end(), k)) {
      judges.push_back(p_onsets[k]);
      judge_index.push_back(p_index[k]);
    }
  const bool any_s_like = std::find(s_like.begin(), s_like.end(), true) != s_like.end();
  const auto predicted = any_s_like ? predicted_phases(onsets, judge_index, judges, locator)
                                    : std::vector<std::optional<std::pair<double, double>>>(onsets.size());
  for (std::size_t i = 0; i < onsets.size(); ++i) {
    if (!s_like[i]) continue;
    const double t = onsets[i].onset.time_s;
    if (predicted[i]) {  // the location's moveout: nearer its S than its P
      if (std::fabs(t - predicted[i]->second) < std::fabs(t - predicted[i]->first)) label[i] = OnsetLabel::kS;
      spdlog::debug("phase labels: {} onset {:.2f} predicted P {:.2f} S {:.2f}", onsets[i].seed_id, t,
                    predicted[i]->first, predicted[i]->second);
      continue;
    }
    if (judges.empty()) {  // alone (one station): S only after a P before it
      if (onsets[i].p_before) label[i] = OnsetLabel::kSAfterWeakerP;
      continue;
    }
    // Other stations' P onsets that do not locate the event: S, its P too
    // weak to pick (the location later turns it into the P where it
    // predicts P there), unless it precedes every one of them.
    bool before_all = true;
    for (const auto& q : judges) before_all = before_all && t < q.time_s;
    if (!before_all) label[i] = OnsetLabel::kS;
  }
  return label;
}

PAfterLocation p_after_location(bool p_onset, bool p_onset_near_prediction, bool s_onset_near_prediction,
                                bool station_has_onset, std::optional<bool> found, bool p_onset_beyond_error) {
  if (p_onset && p_onset_near_prediction) return PAfterLocation::kKeep;
  if (!p_onset && s_onset_near_prediction) return PAfterLocation::kSIsP;
  if (!found) return PAfterLocation::kSearch;
  if (*found) return PAfterLocation::kOnset;
  if (p_onset) return p_onset_beyond_error ? PAfterLocation::kEstimate : PAfterLocation::kKeep;
  return station_has_onset ? PAfterLocation::kKeep : PAfterLocation::kEstimate;
}

bool p_onset_is_s(double onset_s, double predicted_p_s, double predicted_s_s, double tolerance_s, double beyond_s) {
  const double to_s = std::fabs(onset_s - predicted_s_s), to_p = std::fabs(onset_s - predicted_p_s);
  return to_s <= tolerance_s && to_s < to_p && to_p > beyond_s;
}

}  // namespace qp::post
