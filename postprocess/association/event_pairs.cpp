#include "postprocess/association/event_pairs.hpp"

#include <algorithm>
#include <exception>
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

// In linear time: the lexicographic order is a pre-order walk of the
// decimal digit tree ("0", then "1", "10", "100", ..., "11", ..., "2", ...).
std::vector<std::int64_t> decimal_string_ranks(std::int64_t N) {
  std::vector<std::int64_t> rank(static_cast<std::size_t>(N) + 1);
  std::int64_t next = 0;
  rank[0] = next++;
  std::vector<std::int64_t> stack;
  for (std::int64_t d = 9; d >= 1; --d)
    if (d <= N) stack.push_back(d);
  while (!stack.empty()) {
    const std::int64_t x = stack.back();
    stack.pop_back();
    rank[static_cast<std::size_t>(x)] = next++;
    if (x > (N - 9) / 10) {  // some children x*10 + k pass N
      for (std::int64_t k = 9; k >= 0; --k)
        if (x <= (N - k) / 10) stack.push_back(x * 10 + k);
    } else {
      for (std::int64_t k = 9; k >= 0; --k) stack.push_back(x * 10 + k);
    }
  }
  return rank;
}

std::vector<EventPair> extract_event_pairs(int station, const std::vector<StationPair>& pairs,
                                           const AssociationParams& params) {
  // Pairs below ivals_thresh are dropped up front (FAST loops forever on them).
  std::vector<StationPair> strong;
  strong.reserve(pairs.size());
  for (const auto& p : pairs)
    if (p.votes >= params.ivals_thresh) strong.push_back(p);
  sort_fast_order(strong);

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
    const std::vector<std::int64_t> rank = decimal_string_ranks(n_ids);
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

  // Collect clusters in id order (ids are ranks 0..n_ids); members in (dt, t1)
  // order as FAST iterates them: a counting sort by id, stable.
  struct Member {
    std::int64_t dt, t1;
    std::int32_t sim;
  };
  std::vector<std::size_t> first(static_cast<std::size_t>(n_ids) + 2, 0);
  for (const auto& d : diags)
    for (const auto& t : d) ++first[static_cast<std::size_t>(t.id) + 1];
  for (std::size_t k = 1; k < first.size(); ++k) first[k] += first[k - 1];
  std::vector<Member> members(first.back());
  {
    std::vector<std::size_t> next(first.begin(), first.end() - 1);
    for (std::size_t i = 0; i < dts.size(); ++i)
      for (const auto& t : diags[i]) members[next[static_cast<std::size_t>(t.id)]++] = {dts[i], t.t1, t.sim};
  }

  const double min_sum = params.min_sum();
  std::vector<EventPair> out;
  for (std::size_t id = 0; id + 1 < first.size(); ++id) {
    if (first[id] == first[id + 1]) continue;  // an id merged into another
    const Member* m0 = members.data() + first[id];
    const Member* m1 = members.data() + first[id + 1];
    EventPair e;
    e.station = station;
    e.ndets = static_cast<int>(m1 - m0);
    e.dtmin = e.dtmax = m0->dt;
    e.t1min = e.t1max = m0->t1;
    std::int64_t peak_dt = m0->dt;
    e.peak = m0->sim;
    for (const Member* mp = m0; mp != m1; ++mp) {
      const Member& m = *mp;
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
