#include "postprocess/catalog/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <ostream>

#include "pipeline/error.hpp"
#include "pipeline/atomic_file.hpp"
#include "postprocess/catalog/csv.hpp"

namespace qp::catalog {
namespace {

struct Timed {
  TimeNs t;
  std::size_t index;
  bool operator<(const Timed& o) const { return t != o.t ? t < o.t : index < o.index; }
};

std::optional<TimeNs> detection_time(const Event& e, MatchOn on) {
  if (on == MatchOn::kOriginTime) return e.origin_time;
  return e.first_arrival;
}

std::optional<TimeNs> reference_time(const ReferenceEvent& e, MatchOn on) {
  return on == MatchOn::kOriginTime ? e.origin_time : e.first_p;
}

// Seen with SNR >= min_snr at min_snr_stations stations or more.
bool strong_enough(const ReferenceEvent& e, const EvaluateOptions& options) {
  if (options.min_snr_stations <= 0) return true;
  int n = 0, above = 0;
  for (const auto& [station, snr] : e.station_snr) {
    n += snr >= options.min_snr;
    above += options.max_snr > 0 && snr >= options.max_snr;
  }
  return n >= options.min_snr_stations && above < options.min_snr_stations;
}

TimeNs abs_ns(TimeNs v) { return v < 0 ? -v : v; }

// Greedy by |dt| for clusters too large for the exact DP: still one-to-one
// and deterministic, though not always maximal.
void match_greedy(const std::vector<Timed>& d, const std::vector<Timed>& r, TimeNs tol,
                  std::vector<std::pair<std::size_t, std::size_t>>& out) {
  struct Cand {
    TimeNs dist;
    std::size_t i, j;
  };
  std::vector<Cand> cands;
  std::size_t lo = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    while (lo < r.size() && r[lo].t < d[i].t - tol) ++lo;
    for (std::size_t j = lo; j < r.size() && r[j].t <= d[i].t + tol; ++j)
      cands.push_back({abs_ns(d[i].t - r[j].t), i, j});
  }
  std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) {
    return std::tie(a.dist, a.i, a.j) < std::tie(b.dist, b.i, b.j);
  });
  std::vector<bool> du(d.size()), ru(r.size());
  for (const auto& c : cands)
    if (!du[c.i] && !ru[c.j]) {
      du[c.i] = ru[c.j] = true;
      out.emplace_back(c.i, c.j);
    }
}

// Exact: most pairs, then least summed |dt|. In 1-D an optimal matching
// never needs crossing pairs, so a sequence-alignment DP over the sorted
// lists finds it.
void match_exact(const std::vector<Timed>& d, const std::vector<Timed>& r, TimeNs tol,
                 std::vector<std::pair<std::size_t, std::size_t>>& out) {
  struct Cell {
    std::int64_t count = 0;
    TimeNs cost = 0;
    std::uint8_t move = 0;  // 1 match, 2 skip detection, 3 skip reference
  };
  const std::size_t n = d.size(), m = r.size();
  std::vector<Cell> f((n + 1) * (m + 1));
  auto at = [&](std::size_t i, std::size_t j) -> Cell& { return f[i * (m + 1) + j]; };
  auto better = [](const Cell& a, const Cell& b) {
    return a.count != b.count ? a.count > b.count : a.cost < b.cost;
  };
  for (std::size_t i = 0; i <= n; ++i)
    for (std::size_t j = 0; j <= m; ++j) {
      if (i == 0 && j == 0) continue;
      Cell best;
      bool have = false;
      if (i > 0 && j > 0) {
        const TimeNs dist = abs_ns(d[i - 1].t - r[j - 1].t);
        if (dist <= tol) {
          best = at(i - 1, j - 1);
          best.count += 1;
          best.cost += dist;
          best.move = 1;
          have = true;
        }
      }
      if (i > 0) {
        Cell c = at(i - 1, j);
        c.move = 2;
        if (!have || better(c, best)) best = c, have = true;
      }
      if (j > 0) {
        Cell c = at(i, j - 1);
        c.move = 3;
        if (!have || better(c, best)) best = c, have = true;
      }
      at(i, j) = best;
    }
  for (std::size_t i = n, j = m; i > 0 || j > 0;) {
    const std::uint8_t mv = at(i, j).move;
    if (mv == 1) {
      out.emplace_back(i - 1, j - 1);
      --i, --j;
    } else if (mv == 2) {
      --i;
    } else {
      --j;
    }
  }
}

std::vector<BinRecall> make_bins(const std::vector<double>& edges) {
  std::vector<BinRecall> bins;
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) bins.push_back({edges[i], edges[i + 1]});
  return bins;
}

void add_to_bin(std::vector<BinRecall>& bins, const std::optional<double>& v, bool matched) {
  if (!v || bins.empty()) return;
  for (std::size_t i = 0; i < bins.size(); ++i) {
    const bool last = i + 1 == bins.size();
    if (*v >= bins[i].lo && (*v < bins[i].hi || (last && *v == bins[i].hi))) {
      ++bins[i].n_reference;
      if (matched) ++bins[i].n_matched;
      return;
    }
  }
}

std::string opt_time(const std::optional<TimeNs>& t) {
  return t ? format_iso8601(*t, 6) : std::string();
}
std::string opt_num(const std::optional<double>& v) {
  return v ? format_general(*v, 6) : std::string();
}

}  // namespace

void EvaluateOptions::validate() const {
  if (!(tolerance_s > 0) || !std::isfinite(tolerance_s))
    throw ConfigError("evaluate.tolerance_s", "must be a positive number of seconds");
  if (!std::is_sorted(snr_bins.begin(), snr_bins.end()) ||
      std::adjacent_find(snr_bins.begin(), snr_bins.end()) != snr_bins.end())
    throw ConfigError("evaluate.snr_bins", "bin edges must be strictly increasing");
  if (!std::is_sorted(magnitude_bins.begin(), magnitude_bins.end()) ||
      std::adjacent_find(magnitude_bins.begin(), magnitude_bins.end()) != magnitude_bins.end())
    throw ConfigError("evaluate.magnitude_bins", "bin edges must be strictly increasing");
  if (!(min_snr >= 0) || !std::isfinite(min_snr))
    throw ConfigError("evaluate.min_snr", "must be a non-negative number");
  if (min_snr_stations < 0) throw ConfigError("evaluate.min_snr_stations", "must be 0 or more");
  if (!(max_snr >= 0) || !std::isfinite(max_snr) || (max_snr > 0 && max_snr <= min_snr))
    throw ConfigError("evaluate.max_snr", "must be 0 (none) or above min_snr");
}

EvaluationResult evaluate(const std::vector<Event>& detections,
                          const std::vector<ReferenceEvent>& reference,
                          const EvaluateOptions& options) {
  options.validate();
  const TimeNs tol = seconds_to_ns(options.tolerance_s);
  EvaluationResult res;
  res.n_detections = detections.size();

  std::vector<Timed> d, r;
  for (std::size_t i = 0; i < detections.size(); ++i)
    if (const auto t = detection_time(detections[i], options.match_on)) d.push_back({*t, i});
  for (std::size_t j = 0; j < reference.size(); ++j)
    if (const auto t = reference_time(reference[j], options.match_on)) r.push_back({*t, j});
  std::sort(d.begin(), d.end());
  std::sort(r.begin(), r.end());

  // Independent clusters: runs of items (both kinds) closer than the tolerance.
  std::vector<std::pair<std::size_t, std::size_t>> pairs;  // indices into d, r
  std::size_t i0 = 0, j0 = 0;
  while (i0 < d.size() || j0 < r.size()) {
    std::size_t i1 = i0, j1 = j0;
    TimeNs last = 0;
    for (;;) {
      const TimeNs nd = i1 < d.size() ? d[i1].t : INT64_MAX;
      const TimeNs nr = j1 < r.size() ? r[j1].t : INT64_MAX;
      const TimeNs next = std::min(nd, nr);
      if (next == INT64_MAX || ((i1 > i0 || j1 > j0) && next > last + tol)) break;
      last = next;
      if (nd <= nr)
        ++i1;
      else
        ++j1;
    }
    const std::vector<Timed> dc(d.begin() + i0, d.begin() + i1), rc(r.begin() + j0, r.begin() + j1);
    std::vector<std::pair<std::size_t, std::size_t>> local;
    if (!dc.empty() && !rc.empty()) {
      if (dc.size() * rc.size() <= 4'000'000)
        match_exact(dc, rc, tol, local);
      else
        match_greedy(dc, rc, tol, local);
    }
    for (const auto& [a, b] : local) pairs.emplace_back(i0 + a, j0 + b);
    i0 = i1;
    j0 = j1;
  }

  std::vector<bool> det_matched(detections.size()), ref_matched(reference.size());
  for (const auto& [a, b] : pairs) {
    const Timed &dd = d[a], &rr = r[b];
    res.matches.push_back({dd.index, rr.index, static_cast<double>(dd.t - rr.t) / 1e9});
    det_matched[dd.index] = true;
    ref_matched[rr.index] = true;
  }
  std::sort(res.matches.begin(), res.matches.end(), [&](const Match& a, const Match& b) {
    return *reference_time(reference[a.reference], options.match_on) <
           *reference_time(reference[b.reference], options.match_on);
  });

  std::map<std::string, int> family_size;
  for (const auto& e : reference)
    if (!e.family_id.empty()) ++family_size[e.family_id];

  res.recall_by_snr = make_bins(options.snr_bins);
  res.recall_by_magnitude = make_bins(options.magnitude_bins);
  for (const Timed& rr : r) {
    const ReferenceEvent& e = reference[rr.index];
    if ((options.require_family_partner && (e.family_id.empty() || family_size[e.family_id] < 2)) ||
        !strong_enough(e, options)) {
      res.skipped_references.push_back(rr.index);
      continue;
    }
    ++res.n_reference_considered;
    const bool m = ref_matched[rr.index];
    if (m)
      ++res.n_matched_considered;
    else
      res.missed_references.push_back(rr.index);
    add_to_bin(res.recall_by_snr, e.snr, m);
    add_to_bin(res.recall_by_magnitude, e.magnitude, m);
  }
  for (std::size_t j = 0; j < reference.size(); ++j)
    if (!reference_time(reference[j], options.match_on)) res.skipped_references.push_back(j);
  for (std::size_t i = 0; i < detections.size(); ++i)
    if (!det_matched[i]) res.false_detections.push_back(i);

  res.recall = res.n_reference_considered
                   ? double(res.n_matched_considered) / double(res.n_reference_considered)
                   : 0.0;
  res.precision = res.n_detections ? double(pairs.size()) / double(res.n_detections) : 0.0;
  res.f1 = res.recall + res.precision > 0
               ? 2 * res.recall * res.precision / (res.recall + res.precision)
               : 0.0;
  return res;
}

void write_matches_csv(const std::string& path, const EvaluationResult& result,
                       const std::vector<Event>& detections,
                       const std::vector<ReferenceEvent>& reference, MatchOn match_on) {
  AtomicTextFile file(path);
  std::ostream& out = file.stream();
  out << "detection_id,reference_id,detection_time,reference_time,dt_s\n";
  for (const Match& m : result.matches)
    out << csv_field(detections[m.detection].event_id) << ','
        << csv_field(reference[m.reference].id) << ','
        << opt_time(detection_time(detections[m.detection], match_on)) << ','
        << opt_time(reference_time(reference[m.reference], match_on)) << ','
        << format_fixed(m.dt_s, 3) << '\n';
  file.commit();
}

void write_unmatched_csv(const std::string& path, const EvaluationResult& result,
                         const std::vector<Event>& detections,
                         const std::vector<ReferenceEvent>& reference, MatchOn match_on) {
  AtomicTextFile file(path);
  std::ostream& out = file.stream();
  out << "kind,id,time,magnitude,snr\n";
  auto ref_row = [&](const char* kind, std::size_t j) {
    const ReferenceEvent& e = reference[j];
    out << kind << ',' << csv_field(e.id) << ',' << opt_time(reference_time(e, match_on)) << ','
        << opt_num(e.magnitude) << ',' << opt_num(e.snr) << '\n';
  };
  for (std::size_t j : result.missed_references) ref_row("missed", j);
  for (std::size_t i : result.false_detections)
    out << "false," << csv_field(detections[i].event_id) << ','
        << opt_time(detection_time(detections[i], match_on)) << ",,\n";
  for (std::size_t j : result.skipped_references) ref_row("skipped", j);
  file.commit();
}

PickAccuracy pick_accuracy(const std::vector<Event>& detections,
                           const std::vector<ReferenceEvent>& reference, const EvaluationResult& result) {
  PickAccuracy acc;
  for (const Match& m : result.matches) {
    const ReferenceEvent& r = reference[m.reference];
    std::map<std::string, TimeNs> ref_p;  // earliest observed P per station
    for (const auto& [sta, t] : r.p_picks) {
      auto [it, fresh] = ref_p.emplace(sta, t);
      if (!fresh) it->second = std::min(it->second, t);
    }
    std::map<std::string, TimeNs> det_p;
    for (const Pick& p : detections[m.detection].picks) {
      if (p.phase != "P") continue;
      auto [it, fresh] = det_p.emplace(station_code(p.seed_id), p.time);
      if (!fresh) it->second = std::min(it->second, p.time);
    }
    for (const auto& [sta, t] : det_p) {
      const auto it = ref_p.find(sta);
      if (it == ref_p.end()) continue;
      acc.errors.push_back({m.detection, m.reference, sta, static_cast<double>(t - it->second) / 1e9});
    }
  }
  std::vector<double> abs_dt;
  for (const auto& e : acc.errors) {
    const double a = std::abs(e.dt_s);
    abs_dt.push_back(a);
    acc.within_0_5_s += a <= 0.5;
    acc.within_1_s += a <= 1.0;
  }
  acc.n = abs_dt.size();
  if (!abs_dt.empty()) {
    std::sort(abs_dt.begin(), abs_dt.end());
    const std::size_t h = abs_dt.size() / 2;
    acc.median_abs_s = abs_dt.size() % 2 ? abs_dt[h] : 0.5 * (abs_dt[h - 1] + abs_dt[h]);
  }
  return acc;
}

void write_pick_errors_csv(const std::string& path, const PickAccuracy& acc,
                           const std::vector<Event>& detections,
                           const std::vector<ReferenceEvent>& reference) {
  AtomicTextFile file(path);
  std::ostream& out = file.stream();
  out << "detection_id,reference_id,station,dt_s\n";
  for (const auto& e : acc.errors)
    out << csv_field(detections[e.detection].event_id) << ',' << csv_field(reference[e.reference].id)
        << ',' << csv_field(e.station) << ',' << format_fixed(e.dt_s, 3) << '\n';
  file.commit();
}

void write_evaluation_summary(const std::string& path, const EvaluationResult& result,
                              const EvaluateOptions& options, const PickAccuracy* picks) {
  AtomicTextFile file(path);
  std::ostream& out = file.stream();
  out << "tolerance_s = " << format_general(options.tolerance_s) << '\n'
      << "match_on = \""
      << (options.match_on == MatchOn::kOriginTime ? "origin_time" : "first_arrival") << "\"\n"
      << "require_family_partner = " << (options.require_family_partner ? "true" : "false")
      << '\n'
      << "min_snr = " << format_general(options.min_snr) << '\n'
      << "min_snr_stations = " << options.min_snr_stations << '\n'
      << (options.max_snr > 0 ? "max_snr = " + format_general(options.max_snr) + "\n" : std::string())
      << "n_detections = " << result.n_detections << '\n'
      << "n_reference = " << result.n_reference_considered << '\n'
      << "n_matched = " << result.matches.size() << '\n'
      << "n_reference_matched = " << result.n_matched_considered << '\n'
      << "n_missed = " << result.missed_references.size() << '\n'
      << "n_false = " << result.false_detections.size() << '\n'
      << "n_skipped_reference = " << result.skipped_references.size() << '\n'
      << "recall = " << format_fixed(result.recall, 4) << '\n'
      << "precision = " << format_fixed(result.precision, 4) << '\n'
      << "f1 = " << format_fixed(result.f1, 4) << '\n';
  if (picks)
    out << "n_p_picks_compared = " << picks->n << '\n'
        << "p_picks_within_0_5_s = " << picks->within_0_5_s << '\n'
        << "p_picks_within_1_s = " << picks->within_1_s << '\n'
        << "p_fraction_within_1_s = " << format_fixed(picks->fraction_within_1_s(), 4) << '\n'
        << "p_median_abs_error_s = " << format_fixed(picks->median_abs_s, 3) << '\n';
  auto bins = [&](const char* name, const std::vector<BinRecall>& b) {
    for (const auto& x : b)
      out << "\n[[" << name << "]]\nlo = " << format_general(x.lo) << "\nhi = "
          << format_general(x.hi) << "\nn_reference = " << x.n_reference
          << "\nn_matched = " << x.n_matched << "\nrecall = " << format_fixed(x.recall(), 4)
          << '\n';
  };
  bins("recall_by_snr", result.recall_by_snr);
  bins("recall_by_magnitude", result.recall_by_magnitude);
  file.commit();
}

}  // namespace qp::catalog
