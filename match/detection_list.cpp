#include "match/detection_list.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <set>
#include <tuple>

#include "pipeline/atomic_file.hpp"

namespace qp::match {

std::vector<NetworkDetection> best_per_event(std::vector<NetworkDetection> d, TimeNs window) {
  std::sort(d.begin(), d.end(), [](const NetworkDetection& a, const NetworkDetection& b) {
    return std::make_tuple(-a.cc, a.first_arrival, a.template_id) <
           std::make_tuple(-b.cc, b.first_arrival, b.template_id);
  });
  std::multiset<TimeNs> kept_times;
  std::vector<NetworkDetection> kept;
  for (auto& x : d) {
    auto it = kept_times.lower_bound(x.first_arrival - window + 1);
    if (it != kept_times.end() && *it < x.first_arrival + window) continue;
    kept_times.insert(x.first_arrival);
    kept.push_back(std::move(x));
  }
  std::sort(kept.begin(), kept.end(), [](const NetworkDetection& a, const NetworkDetection& b) {
    return std::tie(a.first_arrival, a.template_id) < std::tie(b.first_arrival, b.template_id);
  });
  return kept;
}

void write_detections_csv(const std::filesystem::path& path, const std::vector<NetworkDetection>& d) {
  AtomicTextFile f(path);
  auto& out = f.stream();
  out << "time,origin_time,template_id,cc,mad_multiple,relative_magnitude,channels\n";
  out << std::fixed;
  for (const auto& x : d) {
    out << format_iso8601(x.first_arrival, 3) << ','
        << (x.origin_time ? format_iso8601(*x.origin_time, 3) : "") << ',' << x.template_id << ','
        << std::setprecision(4) << x.cc << ',' << std::setprecision(2) << x.mad_multiple << ',';
    if (std::isfinite(x.relative_magnitude)) out << std::setprecision(3) << x.relative_magnitude;
    out << ',' << x.channels << '\n';
  }
  f.commit();
}

}  // namespace qp::match
