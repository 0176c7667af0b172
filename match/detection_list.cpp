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
