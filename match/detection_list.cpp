#include "match/detection_list.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <set>
#include <tuple>

#include "pipeline/atomic_file.hpp"
#include "pipeline/error.hpp"
#include "pipeline/text.hpp"

namespace qp::match {

namespace {

// Detection indices in first-arrival order.
std::vector<std::size_t> time_order(const std::vector<NetworkDetection>& d) {
  std::vector<std::size_t> order(d.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return d[a].first_arrival < d[b].first_arrival; });
  return order;
}

// The detections (by index) at a template's phase lag, before or after,
// from a detection with a higher cc (within `agree`).
std::vector<bool> phase_lags(const std::vector<NetworkDetection>& d, const std::vector<std::size_t>& order,
                             const EventSpacing& spacing) {
  std::vector<bool> lagged(d.size(), false);
  if (spacing.phase_lag.empty()) return lagged;
  std::vector<TimeNs> times;
  for (std::size_t i : order) times.push_back(d[i].first_arrival);
  const auto better_at = [&](TimeNs t, double cc) {
    auto m = static_cast<std::size_t>(std::lower_bound(times.begin(), times.end(), t - spacing.agree) - times.begin());
    for (; m < times.size() && times[m] <= t + spacing.agree; ++m)
      if (d[order[m]].cc > cc) return true;
    return false;
  };
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto lag = spacing.phase_lag.find(d[i].template_id);
    if (lag == spacing.phase_lag.end()) continue;
    const TimeNs t = d[i].first_arrival;
    lagged[i] = better_at(t - lag->second, d[i].cc) || better_at(t + lag->second, d[i].cc);
  }
  return lagged;
}

// For each detection (by index), how many templates have a detection
// within `agree` of it (itself included), phase lags left out (0 for them).
std::vector<std::size_t> templates_agreeing(const std::vector<NetworkDetection>& d, const EventSpacing& spacing) {
  const std::vector<std::size_t> order = time_order(d);
  const std::vector<bool> lagged = phase_lags(d, order, spacing);
  std::vector<std::size_t> n(d.size(), 0);
  std::size_t lo = 0, hi = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const TimeNs t = d[order[k]].first_arrival;
    while (d[order[lo]].first_arrival < t - spacing.agree) ++lo;
    while (hi < order.size() && d[order[hi]].first_arrival <= t + spacing.agree) ++hi;
    if (lagged[order[k]]) continue;
    std::set<std::string> ids;
    for (std::size_t m = lo; m < hi; ++m)
      if (!lagged[order[m]]) ids.insert(d[order[m]].template_id);
    n[order[k]] = ids.size();
  }
  return n;
}

}  // namespace

std::vector<NetworkDetection> best_per_event(std::vector<NetworkDetection> d, const EventSpacing& spacing) {
  const std::vector<std::size_t> agreeing = templates_agreeing(d, spacing);
  std::vector<bool> seen(d.size());  // by enough templates to stand next to a better one
  for (std::size_t i = 0; i < d.size(); ++i) seen[i] = agreeing[i] >= spacing.min_templates;
  std::vector<std::size_t> order(d.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::make_tuple(!seen[a], -d[a].cc, d[a].first_arrival, d[a].template_id) <
           std::make_tuple(!seen[b], -d[b].cc, d[b].first_arrival, d[b].template_id);
  });
  std::multiset<TimeNs> kept_times;
  std::vector<NetworkDetection> kept;
  const auto near = [&](TimeNs t, TimeNs w) {
    auto it = kept_times.lower_bound(t - w + 1);
    return it != kept_times.end() && *it < t + w;
  };
  for (std::size_t i : order) {
    const TimeNs t = d[i].first_arrival;
    if (near(t, spacing.same_event) || (!seen[i] && near(t, std::max(spacing.window, spacing.same_event)))) continue;
    kept_times.insert(t);
    kept.push_back(std::move(d[i]));
  }
  std::sort(kept.begin(), kept.end(), [](const NetworkDetection& a, const NetworkDetection& b) {
    return std::tie(a.first_arrival, a.template_id) < std::tie(b.first_arrival, b.template_id);
  });
  return kept;
}

namespace {
constexpr const char* kHeader = "time,origin_time,template_id,cc,mad_multiple,relative_magnitude,channels";
constexpr const char* kConfirmsColumn = "event_id,";
}  // namespace

void write_detections_csv(const std::filesystem::path& path, const std::vector<NetworkDetection>& d,
                          bool confirmations) {
  AtomicTextFile f(path);
  auto& out = f.stream();
  out << (confirmations ? kConfirmsColumn : "") << kHeader << '\n';
  out << std::fixed;
  for (const auto& x : d) {
    if (confirmations) out << x.confirms << ',';
    out << format_iso8601(x.first_arrival, 3) << ','
        << (x.origin_time ? format_iso8601(*x.origin_time, 3) : "") << ',' << x.template_id << ','
        << std::setprecision(4) << x.cc << ',' << std::setprecision(2) << x.mad_multiple << ',';
    if (std::isfinite(x.relative_magnitude)) out << std::setprecision(3) << x.relative_magnitude;
    out << ',' << x.channels << '\n';
  }
  f.commit();
}

std::vector<NetworkDetection> read_detections_csv(const std::filesystem::path& path, bool confirmations) {
  std::ifstream in(path);
  if (!in) throw InputError(path.string(), "cannot open the match detections");
  std::string line;
  const std::string header = std::string(confirmations ? kConfirmsColumn : "") + kHeader;
  if (!std::getline(in, line) || line != header)
    throw InputError(path.string(), "header is not '" + header + "'", "line 1");
  const std::size_t skip = confirmations ? 1 : 0;
  std::vector<NetworkDetection> out;
  for (int n = 2; std::getline(in, line); ++n) {
    auto all = split_fields(line, ',');
    const std::string where = "line " + std::to_string(n);
    if (all.size() != 7 + skip) throw InputError(path.string(), "expected " + std::to_string(7 + skip) + " fields", where);
    const std::vector<std::string> f(all.begin() + static_cast<std::ptrdiff_t>(skip), all.end());
    try {
      NetworkDetection d;
      if (confirmations) d.confirms = all[0];
      d.first_arrival = parse_iso8601(f[0]);
      if (!f[1].empty()) d.origin_time = parse_iso8601(f[1]);
      d.template_id = f[2];
      d.cc = std::stod(f[3]);
      d.mad_multiple = std::stod(f[4]);
      d.relative_magnitude = f[5].empty() ? std::numeric_limits<double>::quiet_NaN() : std::stod(f[5]);
      d.channels = static_cast<unsigned>(std::stoul(f[6]));
      out.push_back(std::move(d));
    } catch (const std::exception& e) {
      throw InputError(path.string(), std::string("bad value: ") + e.what(), where);
    }
  }
  return out;
}

}  // namespace qp::match
