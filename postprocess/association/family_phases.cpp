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

// The S-P that most members show, each within `tol` of it (two at least;
// ties: the shorter): the median of those members' values.
std::optional<TimeNs> family_s_minus_p(const std::vector<StationPick*>& members, TimeNs tol) {
  std::vector<TimeNs> v;
  for (const StationPick* x : members)
    if (const auto d = s_minus_p(*x)) v.push_back(*d);
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
    const TimeNs tol = seconds_to_ns(setup_.params.same_onset_s);
    if (x.snr <= 0) return false;  // no onset of its own: nothing to relabel
    if (const auto d = s_minus_p(x); d && std::llabs(*d - sp) <= tol) {
      make_clear(x, x.pick.uncertainty_s, x.onset_uncertainty_s, x.snr);
      return false;
    }
    const std::string s_channel = st.horizontals.empty() ? st.pick_channel : st.horizontals.front();
    // The onset is the P: an S rises S-P after it.
    if (x.pick.phase == "P")
      for (const auto& h : st.horizontals.empty() ? std::vector<std::string>{st.pick_channel} : st.horizontals)
        if (const auto s = rise(h, x.pick.time + sp)) {
          x.s_pick = catalog::Pick{"", h, "S", s->time, s->uncertainty_s, x.pick.similarity};
          make_clear(x, x.pick.uncertainty_s, x.onset_uncertainty_s, x.snr);
          return true;
        }
    // The onset is the S: its P rises S-P before it.
    if (const auto p = rise(st.pick_channel, x.pick.time - sp)) {
      const catalog::Pick old = x.pick;
      x.s_pick = catalog::Pick{"", s_channel, "S", old.time, old.uncertainty_s, old.similarity};
      set_p(x, *p);
      return true;
    }
    // The onset was noise before the event: the S found after it has its
    // P S-P before it.
    if (x.s_pick && x.s_pick->time - sp > x.pick.time + tol)
      if (const auto p = rise(st.pick_channel, x.s_pick->time - sp)) {
        set_p(x, *p);
        return true;
      }
    return false;
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

  void set_p(StationPick& x, const Arrival& p) const {
    x.pick.phase = "P";
    x.pick.time = p.time;
    x.pick.uncertainty_s = std::max(p.uncertainty_s, kEstimateUncertaintyS);
    x.onset_uncertainty_s = p.uncertainty_s;
    make_clear(x, x.pick.uncertainty_s, p.uncertainty_s, p.snr);
  }

  // P then S at the family's S-P: an earthquake's pair of arrivals, clear
  // where its P rises at min_onset_snr.
  void make_clear(StationPick& x, double current, double own, double p_snr) const {
    if (current >= kEstimateUncertaintyS && own > 0 && own < kEstimateUncertaintyS &&
        p_snr >= setup_.params.min_onset_snr)
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
    if (members.size() < 2) continue;
    std::vector<StationPick*> xs;
    for (std::size_t k : members) xs.push_back(&picks[k][0]);
    const std::optional<TimeNs> sp = family_s_minus_p(xs, tol);
    if (!sp) continue;
    const PickingStation& st = setup.stations[static_cast<std::size_t>(key.second)];
    for (std::size_t k : members) {
      StationPick& x = picks[k][0];
      const TimeNs before = x.pick.time;
      if (!checker.check(x, st, *sp)) continue;
      ++changed;
      spdlog::debug("family S-P {:.2f} s at {}: P {} -> {}", ns_to_seconds(*sp), st.id, format_iso8601(before),
                    format_iso8601(x.pick.time));
    }
  }
  return changed;
}

}  // namespace qp::post
