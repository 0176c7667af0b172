#include "postprocess/catalog/phase_files.hpp"

#include <cstdio>
#include <ostream>

#include "pipeline/atomic_file.hpp"
#include "postprocess/catalog/csv.hpp"

namespace qp::catalog {
namespace {

struct Broken {
  int year, month, day, hour, minute;
  double seconds;
};

// Splits t, rounded to `decimals` of a second first so that the seconds
// never print as 60.000.
Broken break_time(TimeNs t, int decimals) {
  TimeNs unit = 1;
  for (int i = decimals; i < 9; ++i) unit *= 10;
  TimeNs r = floor_to(t, unit);
  if (t - r >= unit / 2) r += unit;
  const std::string iso = format_iso8601(floor_to(r, 60 * kNsPerSecond), 0);
  Broken b{};
  std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d", &b.year, &b.month, &b.day, &b.hour, &b.minute);
  b.seconds = static_cast<double>(r - floor_to(r, 60 * kNsPerSecond)) / 1e9;
  return b;
}

std::string or_placeholder(const std::string& s) { return s.empty() ? "?" : s; }

}  // namespace

std::size_t write_nlloc_obs(const std::string& path, const std::vector<Event>& events,
                            double default_uncertainty_s) {
  AtomicTextFile file(path);
  std::ostream& out = file.stream();
  std::size_t written = 0;
  for (const Event& e : events) {
    if (e.picks.empty()) continue;
    out << "# event " << e.event_id << '\n';
    for (const Pick& p : e.picks) {
      const SeedParts s = split_seed_id(p.seed_id);
      const Broken b = break_time(p.time, 4);
      const double err = p.uncertainty_s > 0 ? p.uncertainty_s : default_uncertainty_s;
      char line[256];
      // Station Instrument Component P_onset Phase FirstMotion Date HourMin
      // Seconds ErrType ErrMag CodaDur Amplitude Period PriorWt
      std::snprintf(line, sizeof line,
                    "%-6s ? %-4s ? %-6s ? %04d%02d%02d %02d%02d %7.4f GAU %9.2e %9.2e %9.2e "
                    "%9.2e %4.1f\n",
                    s.station.c_str(), or_placeholder(s.channel).c_str(),
                    or_placeholder(p.phase).c_str(), b.year, b.month, b.day, b.hour, b.minute,
                    b.seconds, err, -1.0, -1.0, -1.0, 1.0);
      out << line;
    }
    out << '\n';
    ++written;
  }
  file.commit();
  return written;
}

std::vector<std::pair<long, std::string>> write_hypodd_phase(const std::string& path,
                                                             const std::vector<Event>& events) {
  AtomicTextFile file(path);
  std::ostream& out = file.stream();
  std::vector<std::pair<long, std::string>> ids;
  long next_id = 1;
  for (const Event& e : events) {
    if (!e.located()) continue;
    const Broken b = break_time(*e.origin_time, 3);
    const long id = next_id++;
    char line[256];
    std::snprintf(line, sizeof line,
                  "# %4d %2d %2d %2d %2d %6.3f %9.5f %10.5f %7.3f %5.2f %6.3f %6.3f %5.2f %9ld\n",
                  b.year, b.month, b.day, b.hour, b.minute, b.seconds, *e.latitude,
                  *e.longitude, e.depth_km.value_or(0.0), 0.0,
                  e.horizontal_uncertainty_km.value_or(0.0), e.depth_uncertainty_km.value_or(0.0),
                  0.0, id);
    out << line;
    for (const Pick& p : e.picks) {
      if (p.phase != "P" && p.phase != "S") continue;  // ph2dt knows P and S only
      const double tt = static_cast<double>(p.time - *e.origin_time) / 1e9;
      std::snprintf(line, sizeof line, "%-7s %8.3f %5.3f %s\n",
                    split_seed_id(p.seed_id).station.c_str(), tt, 1.0, p.phase.c_str());
      out << line;
    }
    ids.emplace_back(id, e.event_id);
  }
  file.commit();
  return ids;
}

void write_hypodd_id_map(const std::string& path,
                         const std::vector<std::pair<long, std::string>>& ids) {
  AtomicTextFile file(path);
  file.stream() << "hypodd_id,event_id\n";
  for (const auto& [id, event_id] : ids) file.stream() << id << ',' << csv_field(event_id) << '\n';
  file.commit();
}

}  // namespace qp::catalog
