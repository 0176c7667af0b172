#include "postprocess/association/family_phases.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <utility>

#include "pipeline/log.hpp"

#include "postprocess/association/arrival.hpp"
#include "postprocess/association/sightings.hpp"

namespace qp::post {
namespace {

// Noise reference read before each search window (as the picker's).
constexpr TimeNs kNoiseLead = 30 * kNsPerSecond;

// Where a member's P onset and an S after it were both picked, S-P.
std::optional<TimeNs> s_minus_p(const StationPick& x) {
  if (x.snr <= 0 || x.pick.phase != "P" || !x.s_pick) return std::nullopt;
  return x.s_pick->time - x.pick.time;
}

// The S-P that most of `v` show, each within `tol` of it (two at least;
// ties: the shorter): the median of those values.
std::optional<TimeNs> common_s_minus_p(std::vector<TimeNs> v, TimeNs tol) {
  std::sort(v.begin(), v.end());
  std::size_t best = 0, best_n = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto lo = std::lower_bound(v.begin(), v.end(), v[i] - tol);
    const auto hi = std::upper_bound(v.begin(), v.end(), v[i] + tol);
    const auto n = static_cast<std::size_t>(hi - lo);
    if (n > best_n) {
      best_n = n;
      best = i;
    }
  }
  if (best_n < 2) return std::nullopt;
  std::vector<TimeNs> agree;
  for (TimeNs d : v)
    if (std::llabs(d - v[best]) <= tol) agree.push_back(d);
  return agree[(agree.size() - 1) / 2];
}

class FamilyChecker {
 public:
  FamilyChecker(const PickingSetup& setup, const WaveformReader& read) : setup_(setup), read_(read) {}

  // Relabels x against the family's S-P; true when its picks changed.
  bool check(StationPick& x, const PickingStation& st, TimeNs sp) const {
    if (x.snr <= 0) return false;  // no onset of its own: nothing to relabel
    if (shows(x, sp)) {
      make_clear(x, x.onset_uncertainty_s, x.snr, std::nullopt);
      return false;
    }
    const std::string s_channel = st.horizontals.empty() ? st.pick_channel : st.horizontals.front();
    // The onset is the P: an S rises S-P after it.
    if (x.pick.phase == "P")
      for (const auto& h : st.horizontals.empty() ? std::vector<std::string>{st.pick_channel} : st.horizontals)
        if (const auto s = rise(h, x.pick.time + sp)) {
          x.s_pick = catalog::Pick{"", h, "S", s->time, s->uncertainty_s, x.pick.similarity};
          make_clear(x, x.onset_uncertainty_s, x.snr, s->snr);
          // A weak rise where the S should be is no onset of its own: it
          // counts only with a clear P.
          if (!has_onset(x.pick)) x.s_pick->uncertainty_s = std::max(s->uncertainty_s, kEstimateUncertaintyS);
          return true;
        }
    // The onset is the S: its P rises S-P before it.
    if (const auto p = rise(st.pick_channel, x.pick.time - sp)) {
      const catalog::Pick old = x.pick;
      const double s_snr = x.snr;
      x.s_pick = catalog::Pick{"", s_channel, "S", old.time, old.uncertainty_s, old.similarity};
      set_p(x, *p);
      make_clear(x, p->uncertainty_s, p->snr, s_snr);
      return true;
    }
    // The onset was noise before the event: the S found after it has its
    // P S-P before it.
    if (x.s_pick && x.s_pick->time - sp > x.pick.time + seconds_to_ns(setup_.params.same_onset_s))
      if (const auto p = rise(st.pick_channel, x.s_pick->time - sp)) {
        set_p(x, *p);
        make_clear(x, p->uncertainty_s, p->snr, std::nullopt);
        return true;
      }
    return false;
  }

  // Its S is a rise above the noise before it (min_weak_p_snr), as an
  // earthquake's S is: the picker's S search measures against the P's
  // coda, where a noise burst's own wiggles pass for a second arrival.
  bool s_rises(const StationPick& x) const { return x.s_pick && rise(x.s_pick->seed_id, x.s_pick->time); }

  // Its P and S show the family's S-P.
  bool shows(const StationPick& x, TimeNs sp) const {
    const auto d = s_minus_p(x);
    return d && std::llabs(*d - sp) <= seconds_to_ns(setup_.params.same_onset_s);
  }

  // No second arrival at the family's S-P: its picks are estimates.
  static void make_estimate(StationPick& x) {
    if (has_onset(x.pick)) x.onset_uncertainty_s = x.pick.uncertainty_s;
    x.pick.uncertainty_s = std::max(x.pick.uncertainty_s, kEstimateUncertaintyS);
    if (x.s_pick) x.s_pick->uncertainty_s = std::max(x.s_pick->uncertainty_s, kEstimateUncertaintyS);
  }

 private:
  // A rise on `channel` within same_onset of `t`, at min_weak_p_snr.
  std::optional<Arrival> rise(const std::string& channel, TimeNs t) const {
    const TimeNs tol = seconds_to_ns(setup_.params.same_onset_s);
    const WaveformSpan w = read_(channel, t - tol - kNoiseLead, t + tol + kNsPerSecond);
    if (w.samples.empty()) return std::nullopt;
    const Arrival a = refine_arrival(w.samples.data(), w.samples.size(), w.start, w.sampling_rate, t - tol, t + tol);
    if (!a.found || a.snr < setup_.params.min_weak_p_snr) return std::nullopt;
    return a;
  }

  // The P found S-P before an S: an estimate until make_clear.
  static void set_p(StationPick& x, const Arrival& p) {
    x.pick.phase = "P";
    x.pick.time = p.time;
    x.pick.uncertainty_s = std::max(p.uncertainty_s, kEstimateUncertaintyS);
    x.onset_uncertainty_s = p.uncertainty_s;
  }

  // P then S at the family's S-P is an earthquake's pair of arrivals: a P
  // made an estimate by a one-station rule is clear again (its own
  // uncertainty `own`) where both P and S are clear onsets
  // (min_onset_snr), or the P alone reaches min_one_station_snr. A weak P
  // with only a weak rise after it is what a noise burst gives as well.
  // `s_snr`: the S's signal-to-noise, measured here where not given.
  void make_clear(StationPick& x, double own, double p_snr, std::optional<double> s_snr) const {
    const PickingParams& prm = setup_.params;
    if (has_onset(x.pick) || own <= 0 || own >= kEstimateUncertaintyS || p_snr < prm.min_onset_snr) return;
    if (p_snr < prm.min_one_station_snr) {
      if (!s_snr && x.s_pick) {
        const auto s = rise(x.s_pick->seed_id, x.s_pick->time);
        s_snr = s ? s->snr : 0.0;
      }
      if (s_snr.value_or(0.0) < prm.min_onset_snr) return;
    }
    x.pick.uncertainty_s = own;
  }

  const PickingSetup& setup_;
  const WaveformReader& read_;
};

}  // namespace

std::size_t align_family_phases(std::vector<std::vector<StationPick>>& picks, const std::vector<NetworkEvent>& events,
                                const PickingSetup& setup, const WaveformReader& read) {
  // One-station events by (family, station).
  std::map<std::pair<std::size_t, int>, std::vector<std::size_t>> groups;
  for (std::size_t k = 0; k < events.size(); ++k)
    if (events[k].stations.size() == 1 && picks[k].size() == 1)
      groups[{events[k].family, events[k].stations[0].station}].push_back(k);
  const TimeNs tol = seconds_to_ns(setup.params.same_onset_s);
  const FamilyChecker checker(setup, read);
  std::size_t changed = 0;
  for (const auto& [key, members] : groups) {
    std::vector<TimeNs> shown;  // before any member is relabelled
    for (std::size_t k : members)
      if (const auto d = s_minus_p(picks[k][0])) shown.push_back(*d);
    const std::size_t n_pairs = shown.size();
    const std::optional<TimeNs> sp = common_s_minus_p(std::move(shown), tol);
    const PickingStation& st = setup.stations[static_cast<std::size_t>(key.second)];
    // Two or more members with P and S picked, none of whose S rises above
    // the noise before it: the family is a repeating noise burst.
    bool noise_family = false;
    if (setup.params.one_station_family_s_p && !st.horizontals.empty() && n_pairs >= 2)
      noise_family = std::none_of(members.begin(), members.end(), [&](std::size_t k) {
        return s_minus_p(picks[k][0]) && checker.s_rises(picks[k][0]);
      });
    for (std::size_t k : members) {
      StationPick& x = picks[k][0];
      const TimeNs before = x.pick.time;
      if (sp && checker.check(x, st, *sp)) {
        ++changed;
        spdlog::debug("family S-P {:.2f} s at {}: P {} -> {}", ns_to_seconds(*sp), st.id, format_iso8601(before),
                      format_iso8601(x.pick.time));
      }
      // One component has no horizontal S to demand (one_station_needs_s).
      // A family that shows no S-P (too few members with P and S picked,
      // or members from several sources: families are linked pairs) tests
      // only its S: an S that is no rise is no second arrival.
      if (setup.params.one_station_family_s_p && !st.horizontals.empty() &&
          (noise_family || (sp && !checker.shows(x, *sp)) || (x.s_pick && !checker.s_rises(x))))
        FamilyChecker::make_estimate(x);
    }
  }
  return changed;
}

}  // namespace qp::post
