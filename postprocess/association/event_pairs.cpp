#include "postprocess/association/event_pairs.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <string>
#include <tuple>

namespace qp::post {

namespace {

struct Triplet {
  std::int64_t t1;
  std::int32_t sim;
  std::int64_t id;  // cluster id, as a rank in FAST's string order (see below)
};

using Diagonal = std::vector<Triplet>;  // one dt, sorted by t1

// Runs of consecutive equal ids in a diagonal: [first, last] positions.
struct Run {
  std::size_t first, last;
};

std::vector<Run> runs_of(const Diagonal& d) {
  std::vector<Run> runs;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i == 0 || d[i].id != d[i - 1].id) runs.push_back({i, i});
    else runs.back().last = i;
  }
  return runs;
}

// FAST's merge_diags: each cluster (run) of diag0 is compared with at most one
// run of diag1; overlapping ones (within dW) take the smaller id. Only these
// two runs are relabelled, not other triplets carrying the same ids: that is
// FAST's behaviour, kept because it decides which clusters survive pruning.
void merge_diags(Diagonal& d0, Diagonal& d1, std::int64_t dW) {
  if (d0.empty() || d1.empty()) return;
  const std::vector<Run> r0 = runs_of(d0), r1 = runs_of(d1);
  std::vector<std::int64_t> id0(r0.size()), id1(r1.size());
  for (std::size_t i = 0; i < r0.size(); ++i) id0[i] = d0[r0[i].first].id;
  for (std::size_t j = 0; j < r1.size(); ++j) id1[j] = d1[r1[j].first].id;
  std::size_t j = 0;
  for (std::size_t i = 0; i < r0.size(); ++i) {
    const std::int64_t start0 = d0[r0[i].first].t1, end0 = d0[r0[i].last].t1;
    while (j < r1.size() && start0 > d1[r1[j].last].t1 + dW) ++j;
    if (j < r1.size() && start0 - dW <= d1[r1[j].last].t1 && d1[r1[j].first].t1 <= end0 + dW) {
      const std::int64_t id = std::min(id0[i], id1[j]);
      id0[i] = id1[j] = id;
      for (std::size_t k = r0[i].first; k <= r0[i].last; ++k) d0[k].id = id;
      for (std::size_t k = r1[j].first; k <= r1[j].last; ++k) d1[k].id = id;
    }
  }
}

}  // namespace

std::vector<EventPair> extract_event_pairs(int station, const std::vector<StationPair>& pairs,
                                           const AssociationParams& params) {
  // Pairs below ivals_thresh are dropped up front (FAST loops forever on them).
  std::vector<StationPair> strong;
  strong.reserve(pairs.size());
  for (const auto& p : pairs)
    if (p.votes >= params.ivals_thresh) strong.push_back(p);
  std::sort(strong.begin(), strong.end(), fast_pair_order);

  // Diagonals, with FAST's cluster numbering: a new id at every new dt and at
  // every along-diagonal gap above dgapL.
  std::vector<std::int64_t> dts;  // distinct dt, ascending
  std::vector<Diagonal> diags;
  std::int64_t n_ids = 0;
  for (const auto& p : strong) {
    const std::int64_t dt = p.dt();
    if (dts.empty() || dts.back() != dt) {
      if (!dts.empty()) ++n_ids;
      dts.push_back(dt);
      diags.emplace_back();
    } else if (p.g1 - diags.back().back().t1 > params.dgapL) {
      ++n_ids;
    }
    diags.back().push_back({p.g1, p.votes, n_ids});
  }
  if (diags.empty()) return {};

  // FAST's ids are strings "<pid>-<n>" and merges keep the lexicographic
  // minimum ("p-10" < "p-9"). Replace n by its rank in that order so integer
  // min gives the same winner.
  {
    std::vector<std::pair<std::string, std::int64_t>> names;
    names.reserve(static_cast<std::size_t>(n_ids + 1));
    for (std::int64_t n = 0; n <= n_ids; ++n) names.emplace_back(std::to_string(n), n);
    std::sort(names.begin(), names.end());
    std::vector<std::int64_t> rank(static_cast<std::size_t>(n_ids + 1));
    for (std::size_t r = 0; r < names.size(); ++r)
      rank[static_cast<std::size_t>(names[r].second)] = static_cast<std::int64_t>(r);
    for (auto& d : diags)
      for (auto& t : d) t.id = rank[static_cast<std::size_t>(t.id)];
  }

  // num_pass alternating sweeps over adjacent diagonals (dt, dt+1).
  for (int pass = 0; pass < params.num_pass; ++pass) {
    if (pass % 2 == 0) {
      for (std::size_t i = 0; i + 1 < dts.size(); ++i)
        if (dts[i + 1] == dts[i] + 1) merge_diags(diags[i], diags[i + 1], params.dgapW);
    } else {
      for (std::size_t i = dts.size() - 1; i-- > 0;)
        if (dts[i + 1] == dts[i] + 1) merge_diags(diags[i + 1], diags[i], params.dgapW);
    }
  }

  // Collect clusters; members in (dt, t1) order as FAST iterates them.
  struct Member {
    std::int64_t dt, t1;
    std::int32_t sim;
  };
  std::map<std::int64_t, std::vector<Member>> clusters;
  for (std::size_t i = 0; i < dts.size(); ++i)
    for (const auto& t : diags[i]) clusters[t.id].push_back({dts[i], t.t1, t.sim});

  const double min_sum = params.min_sum();
  std::vector<EventPair> out;
  for (const auto& [id, members] : clusters) {
    EventPair e;
    e.station = station;
    e.ndets = static_cast<int>(members.size());
    e.dtmin = e.dtmax = members.front().dt;
    e.t1min = e.t1max = members.front().t1;
    std::int64_t peak_dt = members.front().dt;
    e.peak = members.front().sim;
    for (const auto& m : members) {
      e.vol += m.sim;
      e.dtmin = std::min(e.dtmin, m.dt);
      e.dtmax = std::max(e.dtmax, m.dt);
      e.t1min = std::min(e.t1min, m.t1);
      e.t1max = std::max(e.t1max, m.t1);
      if (m.sim > e.peak) {  // first maximum wins, like numpy.argmax
        e.peak = m.sim;
        peak_dt = m.dt;
      }
    }
    e.ddiag = e.dtmin == e.dtmax ? e.dtmin : peak_dt;
    if (e.ndets < params.min_dets || static_cast<double>(e.vol) < min_sum) continue;
    if (e.dtmax - e.dtmin > params.max_width) continue;
    out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const EventPair& a, const EventPair& b) {
    return std::tie(a.ddiag, a.t1min, a.t1max, a.dtmin, a.dtmax, a.vol) <
           std::tie(b.ddiag, b.t1min, b.t1max, b.dtmin, b.dtmax, b.vol);
  });
  return out;
}

std::vector<std::vector<EventPair>> extract_event_pairs_all(
    const std::vector<std::vector<StationPair>>& per_station, const AssociationParams& params) {
  const long n = static_cast<long>(per_station.size());
  std::vector<std::vector<EventPair>> out(per_station.size());
  // One slot per station so the error reported is the lowest station's,
  // whatever the thread schedule.
  std::vector<std::exception_ptr> errors(per_station.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (long s = 0; s < n; ++s) {
    const auto i = static_cast<std::size_t>(s);
    try {
      out[i] = extract_event_pairs(static_cast<int>(s), per_station[i], params);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

}  // namespace qp::post
