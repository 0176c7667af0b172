#include "preprocess/merge.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "pipeline/error.hpp"

namespace qp::pre {

TimeNs Continuous::sample_time(std::size_t i) const {
  return start + static_cast<TimeNs>(std::llround(static_cast<double>(i) * 1e9 / sampling_rate));
}

std::size_t Continuous::valid_count() const {
  return static_cast<std::size_t>(std::count(mask.begin(), mask.end(), std::uint8_t{1}));
}

namespace {

// Grid position of time t relative to `ref`, in samples (not rounded).
long double grid_position(TimeNs t, TimeNs ref, double rate) {
  return static_cast<long double>(t - ref) * static_cast<long double>(rate) / 1e9L;
}

}  // namespace

Continuous merge_traces(const std::vector<Trace>& traces, TimeNs t0, TimeNs t1) {
  Continuous out;
  if (traces.empty()) {
    out.start = t0;
    return out;
  }
  // Deterministic order whatever the caller's: by start time, then file.
  std::vector<std::size_t> order(traces.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (traces[a].start != traces[b].start) return traces[a].start < traces[b].start;
    return traces[a].file < traces[b].file;
  });
  const Trace& first = traces[order.front()];
  out.seed_id = first.seed_id;
  out.sampling_rate = first.sampling_rate;
  const double rate = first.sampling_rate;
  for (std::size_t k : order) {
    const Trace& t = traces[k];
    if (t.seed_id != first.seed_id)
      throw InputError(t.file, "channel " + t.seed_id + " merged with channel " + first.seed_id);
    if (!(t.sampling_rate > 0) || std::fabs(t.sampling_rate / rate - 1.0) > 1e-4)
      throw InputError(t.file, "sampling rate " + std::to_string(t.sampling_rate) + " Hz of " +
                                   t.seed_id + " disagrees with " + std::to_string(rate) +
                                   " Hz in " + first.file);
  }

  // Grid: ref + n/rate for integer n. First grid point at or after t0.
  const TimeNs ref = first.start;
  const auto ceil_pos = [&](TimeNs t) {
    return static_cast<std::int64_t>(std::ceil(grid_position(t, ref, rate) - 1e-9L));
  };
  const std::int64_t n0 = ceil_pos(t0);
  const std::int64_t n1 = t1 > t0 ? ceil_pos(t1) : n0;  // exclusive
  const std::size_t count = static_cast<std::size_t>(std::max<std::int64_t>(0, n1 - n0));
  out.start = ref + static_cast<TimeNs>(std::llround(static_cast<long double>(n0) * 1e9L / rate));
  out.samples.assign(count, 0.0f);
  out.mask.assign(count, 0);

  // Where each trace's samples land: sample j of the trace on grid index
  // n_start + j - n0; a trace read in part holds samples [first, first + size).
  struct Placement {
    const Trace* trace;
    std::int64_t n_start, j_lo, j_hi;
  };
  std::vector<Placement> places;
  bool disjoint = true;  // no grid sample is claimed twice (the usual case)
  std::int64_t claimed_end = std::numeric_limits<std::int64_t>::min();
  for (std::size_t k : order) {
    const Trace& t = traces[k];
    const long double pos = grid_position(t.start, ref, rate);
    const std::int64_t n_start = static_cast<std::int64_t>(std::llround(pos));
    const long double off = pos - static_cast<long double>(n_start);
    if (std::fabs(static_cast<double>(off)) > 0.01)
      out.warnings.push_back(t.file + ": " + t.seed_id + " trace at " + format_iso8601(t.start) +
                             " is off the sample grid by " +
                             std::to_string(static_cast<double>(off)) + " samples; snapped");
    const auto first = static_cast<std::int64_t>(t.first_sample);
    const std::int64_t j_lo = std::max<std::int64_t>(first, n0 - n_start);
    const std::int64_t j_hi = std::min<std::int64_t>(first + static_cast<std::int64_t>(t.samples.size()),
                                                     n1 - n_start);
    places.push_back({&t, n_start, j_lo, j_hi});
    if (j_lo >= j_hi) continue;
    disjoint = disjoint && n_start + j_lo >= claimed_end;
    claimed_end = std::max(claimed_end, n_start + j_hi);
  }
  if (disjoint) {
    // Nothing to reconcile: samples go straight to the output (the same
    // values as below, without the day-long state and value buffers).
    for (const Placement& p : places) {
      const std::int64_t first = static_cast<std::int64_t>(p.trace->first_sample);
      const double* src = p.trace->samples.data();
      for (std::int64_t j = p.j_lo; j < p.j_hi; ++j) {
        const std::size_t g = static_cast<std::size_t>(p.n_start + j - n0);
        out.samples[g] = static_cast<float>(src[j - first]);
        out.mask[g] = 1;
      }
    }
    return out;
  }

  // Per grid sample: 0 empty, 1 filled, 2 conflicting.
  std::vector<std::uint8_t> state(count, 0);
  std::vector<double> value(count, 0.0);
  std::size_t conflicts = 0;
  TimeNs first_conflict = 0, last_conflict = 0;
  for (const Placement& p : places) {
    const Trace& t = *p.trace;
    const std::int64_t n_start = p.n_start, j_lo = p.j_lo, j_hi = p.j_hi;
    const auto first = static_cast<std::int64_t>(t.first_sample);
    for (std::int64_t j = j_lo; j < j_hi; ++j) {
      const std::size_t g = static_cast<std::size_t>(n_start + j - n0);
      const double v = t.samples[static_cast<std::size_t>(j - first)];
      if (state[g] == 0) {
        state[g] = 1;
        value[g] = v;
      } else if (state[g] == 1 && std::memcmp(&value[g], &v, sizeof v) != 0) {
        state[g] = 2;
        const TimeNs tg = out.sample_time(g);
        if (conflicts == 0) first_conflict = tg;
        first_conflict = std::min(first_conflict, tg);
        last_conflict = std::max(last_conflict, tg);
        ++conflicts;
      }
    }
  }
  for (std::size_t g = 0; g < count; ++g) {
    if (state[g] == 1) {
      out.samples[g] = static_cast<float>(value[g]);
      out.mask[g] = 1;
    }
  }
  if (conflicts > 0)
    out.warnings.push_back(out.seed_id + ": " + std::to_string(conflicts) +
                           " overlapping samples disagree between " + format_iso8601(first_conflict) +
                           " and " + format_iso8601(last_conflict) + "; masked");
  return out;
}

}  // namespace qp::pre
