#include "postprocess/catalog/catalog.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "pipeline/error.hpp"
#include "pipeline/atomic_file.hpp"
#include "postprocess/catalog/csv.hpp"

namespace qp::catalog {
namespace {

constexpr int kTimeDecimals = 6;  // microseconds: finer than any pick we make

std::string opt_time(const std::optional<TimeNs>& t) {
  return t ? format_iso8601(*t, kTimeDecimals) : std::string();
}
std::string opt_fixed(const std::optional<double>& v, int decimals) {
  return v ? format_fixed(*v, decimals) : std::string();
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

}  // namespace

std::string make_event_id(TimeNs first_arrival) {
  std::string tag = compact_time_tag(first_arrival, 2);
  if (!tag.empty() && tag.back() == 'Z') tag.pop_back();
  return "qp" + tag;
}

std::vector<std::size_t> assign_event_ids(std::vector<Event>& events) {
  std::vector<std::size_t> order(events.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&events](std::size_t i, std::size_t j) {
    const Event& a = events[i];
    const Event& b = events[j];
    return std::make_tuple(a.first_arrival, -a.n_stations, -a.score, std::cref(a.stations)) <
           std::make_tuple(b.first_arrival, -b.n_stations, -b.score, std::cref(b.stations));
  });
  std::vector<Event> sorted;
  sorted.reserve(events.size());
  for (std::size_t i : order) sorted.push_back(std::move(events[i]));
  events.swap(sorted);
  std::map<std::string, int> seen;
  for (auto& e : events) {
    std::string id = make_event_id(e.first_arrival);
    const int n = ++seen[id];
    if (n > 1) id += "-" + std::to_string(n);
    e.event_id = id;
    for (auto& p : e.picks) p.event_id = id;
  }
  return order;
}

const std::vector<std::string>& catalog_csv_columns() {
  static const std::vector<std::string> cols = {
      "event_id", "first_arrival", "origin_time", "latitude", "longitude",
      "depth_km", "n_stations",    "stations",    "family_id", "score"};
  return cols;
}

const std::vector<std::string>& catalog_csv_extra_columns() {
  static const std::vector<std::string> cols = {"n_linked", "origin_uncertainty_s",
                                                "horizontal_uncertainty_km",
                                                "depth_uncertainty_km"};
  return cols;
}

const std::vector<std::string>& catalog_csv_match_columns() {
  static const std::vector<std::string> cols = {"method", "template_id", "cc", "mad_multiple",
                                                "relative_magnitude"};
  return cols;
}

const std::vector<std::string>& picks_csv_columns() {
  static const std::vector<std::string> cols = {"event_id",      "seed_id",   "phase",
                                                "time",          "uncertainty_s", "similarity"};
  return cols;
}

void write_catalog_csv(const std::string& path, const std::vector<Event>& events) {
  AtomicTextFile file(path);
  std::ostream& out = file.stream();
  std::vector<std::string> header = catalog_csv_columns();
  for (const auto& c : catalog_csv_extra_columns()) header.push_back(c);
  const bool matched = std::any_of(events.begin(), events.end(), [](const Event& e) { return !e.method.empty(); });
  if (matched)
    for (const auto& c : catalog_csv_match_columns()) header.push_back(c);
  out << join(header, ',') << '\n';
  for (const Event& e : events) {
    out << csv_field(e.event_id) << ',' << format_iso8601(e.first_arrival, kTimeDecimals) << ','
        << opt_time(e.origin_time) << ',' << opt_fixed(e.latitude, 6) << ','
        << opt_fixed(e.longitude, 6) << ',' << opt_fixed(e.depth_km, 3) << ',' << e.n_stations
        << ',' << csv_field(join(e.stations, ';')) << ',' << csv_field(e.family_id) << ','
        << format_general(e.score) << ',' << e.n_linked << ','
        << opt_fixed(e.origin_uncertainty_s, 3) << ',' << opt_fixed(e.horizontal_uncertainty_km, 3)
        << ',' << opt_fixed(e.depth_uncertainty_km, 3);
    if (matched)
      out << ',' << csv_field(e.method.empty() ? "lsh" : e.method) << ',' << csv_field(e.template_id) << ','
          << opt_fixed(e.cc, 4) << ',' << opt_fixed(e.mad_multiple, 2) << ',' << opt_fixed(e.relative_magnitude, 3);
    out << '\n';
  }
  file.commit();
}

void write_picks_csv(const std::string& path, const std::vector<Event>& events) {
  AtomicTextFile file(path);
  std::ostream& out = file.stream();
  out << join(picks_csv_columns(), ',') << '\n';
  for (const Event& e : events)
    for (const Pick& p : e.picks)
      out << csv_field(e.event_id) << ',' << csv_field(p.seed_id) << ',' << csv_field(p.phase)
          << ',' << format_iso8601(p.time, kTimeDecimals) << ','
          << format_general(p.uncertainty_s, 6) << ',' << format_general(p.similarity, 6) << '\n';
  file.commit();
}

std::vector<Event> read_catalog_csv(const std::string& path) {
  CsvReader r(path);
  require_header_prefix(r, catalog_csv_columns());
  const int c_linked = r.column("n_linked");
  const int c_ot_unc = r.column("origin_uncertainty_s");
  const int c_h_unc = r.column("horizontal_uncertainty_km");
  const int c_z_unc = r.column("depth_uncertainty_km");
  const int c_method = r.column("method"), c_template = r.column("template_id"), c_cc = r.column("cc"),
            c_mad = r.column("mad_multiple"), c_mrel = r.column("relative_magnitude");
  std::vector<Event> events;
  std::vector<std::string> f;
  while (r.next(f)) {
    Event e;
    e.event_id = f[0];
    if (e.event_id.empty()) r.fail(0, "empty event_id");
    e.first_arrival = r.time_at(f, 1);
    e.origin_time = r.optional_time_at(f, 2);
    e.latitude = r.optional_double_at(f, 3);
    e.longitude = r.optional_double_at(f, 4);
    e.depth_km = r.optional_double_at(f, 5);
    if (e.latitude && (*e.latitude < -90 || *e.latitude > 90)) r.fail(3, "latitude out of range");
    if (e.longitude && (*e.longitude < -180 || *e.longitude > 360))
      r.fail(4, "longitude out of range");
    const long long n = r.int_at(f, 6);
    if (n < 0) r.fail(6, "negative n_stations");
    e.n_stations = static_cast<int>(n);
    e.stations = split(f[7], ';');
    e.family_id = f[8];
    e.score = f[9].empty() ? 0.0 : r.double_at(f, 9);
    if (c_linked >= 0 && !f[static_cast<std::size_t>(c_linked)].empty())
      e.n_linked = static_cast<int>(r.int_at(f, c_linked));
    e.origin_uncertainty_s = r.optional_double_at(f, c_ot_unc);
    e.horizontal_uncertainty_km = r.optional_double_at(f, c_h_unc);
    e.depth_uncertainty_km = r.optional_double_at(f, c_z_unc);
    if (c_method >= 0) e.method = f[static_cast<std::size_t>(c_method)];
    if (c_template >= 0) e.template_id = f[static_cast<std::size_t>(c_template)];
    e.cc = r.optional_double_at(f, c_cc);
    e.mad_multiple = r.optional_double_at(f, c_mad);
    e.relative_magnitude = r.optional_double_at(f, c_mrel);
    events.push_back(std::move(e));
  }
  return events;
}

std::vector<Pick> read_picks_csv(const std::string& path) {
  CsvReader r(path);
  require_header_prefix(r, picks_csv_columns());
  std::vector<Pick> picks;
  std::vector<std::string> f;
  while (r.next(f)) {
    Pick p;
    p.event_id = f[0];
    if (p.event_id.empty()) r.fail(0, "empty event_id");
    p.seed_id = f[1];
    if (p.seed_id.empty()) r.fail(1, "empty seed_id");
    p.phase = f[2];
    p.time = r.time_at(f, 3);
    p.uncertainty_s = f[4].empty() ? 0.0 : r.double_at(f, 4);
    if (p.uncertainty_s < 0) r.fail(4, "negative uncertainty");
    p.similarity = f[5].empty() ? 0.0 : r.double_at(f, 5);
    picks.push_back(std::move(p));
  }
  return picks;
}

void attach_picks(std::vector<Event>& events, std::vector<Pick> picks,
                  const std::string& picks_path) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < events.size(); ++i) index.emplace(events[i].event_id, i);
  std::stable_sort(picks.begin(), picks.end(), [](const Pick& a, const Pick& b) {
    return std::tie(a.time, a.seed_id, a.phase) < std::tie(b.time, b.seed_id, b.phase);
  });
  for (auto& p : picks) {
    const auto it = index.find(p.event_id);
    if (it == index.end())
      throw InputError(picks_path, "pick refers to unknown event '" + p.event_id + "'");
    events[it->second].picks.push_back(std::move(p));
  }
}

std::string station_of(const std::string& seed_id) {
  const auto a = seed_id.find('.');
  if (a == std::string::npos) return seed_id;
  const auto b = seed_id.find('.', a + 1);
  return seed_id.substr(0, b);
}

SeedParts split_seed_id(const std::string& seed_id) {
  SeedParts p;
  std::string* parts[] = {&p.network, &p.station, &p.location, &p.channel};
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    const auto pos = seed_id.find('.', start);
    *parts[i] = seed_id.substr(start, i == 3 ? std::string::npos : pos - start);
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return p;
}

}  // namespace qp::catalog
