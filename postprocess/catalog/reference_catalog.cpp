#include "postprocess/catalog/reference_catalog.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <map>
#include <set>

#include "pipeline/error.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/csv.hpp"

namespace qp::catalog {
namespace {

const std::vector<std::string> kTruthCatalog = {"event_id",  "family_id", "origin_time",
                                                "latitude",  "longitude", "depth_km",
                                                "magnitude"};
const std::vector<std::string> kSharedCatalog = {"time",      "latitude", "longitude", "depth_km",
                                                 "magnitude", "mag_type", "source"};
const std::vector<std::string> kTruthPicks = {"event_id", "seed_id", "phase", "time", "snr"};
const std::vector<std::string> kQuakeMigratePicks = {
    "event_id", "station", "phase", "modelled_time", "pick_time", "pick_error_s", "snr",
    "residual_s"};

bool header_starts_with(const CsvReader& r, const std::vector<std::string>& cols) {
  if (r.header().size() < cols.size()) return false;
  for (std::size_t i = 0; i < cols.size(); ++i)
    if (r.header()[i] != cols[i]) return false;
  return true;
}

std::string join_names(const std::vector<std::string>& cols) {
  std::string s;
  for (const auto& c : cols) s += (s.empty() ? "" : ",") + c;
  return s;
}

// Index of the first header column that differs from every known layout's
// column at that position (for the error message).
[[noreturn]] void unknown_layout(const CsvReader& r,
                                 const std::vector<std::vector<std::string>>& layouts) {
  std::size_t col = 0;
  for (; col < r.header().size(); ++col) {
    bool any = false;
    for (const auto& l : layouts)
      if (col < l.size() && l[col] == r.header()[col]) any = true;
    if (!any) break;
  }
  std::string known;
  for (const auto& l : layouts) known += "\n  " + join_names(l);
  throw InputError(r.path(),
                   "unrecognised header (column '" +
                       (col < r.header().size() ? r.header()[col] : std::string("<missing>")) +
                       "'); expected one of:" + known,
                   "line 1, column " + std::to_string(col + 1));
}

// "FINDRES cre.zmap event 122842 (family A)" -> id "122842", family "A";
// "QuakeMigrate ...: located event 20140824000109140" -> id "20140824000109140".
void id_from_source(std::string source, std::string& id, std::string& family) {
  const auto fam = source.find("(family ");
  if (fam != std::string::npos) {
    const auto close = source.find(')', fam);
    family = source.substr(fam + 8, close == std::string::npos ? std::string::npos : close - fam - 8);
    source.erase(fam);
  }
  std::size_t end = source.size();
  while (end > 0 && !std::isalnum(static_cast<unsigned char>(source[end - 1]))) --end;
  std::size_t begin = end;
  while (begin > 0 && (std::isalnum(static_cast<unsigned char>(source[begin - 1])) ||
                       source[begin - 1] == '_'))
    --begin;
  id = source.substr(begin, end - begin);
}

// Column names, lower case, a generic CSV's times and fields may go by.
const std::vector<std::string> kOriginTimeNames = {"time", "origin_time", "origintime", "datetime", "date_time",
                                                   "event_time", "otime", "origin"};
const std::vector<std::string> kArrivalTimeNames = {"first_arrival", "arrival_time", "arrival", "p_time",
                                                    "pick_time", "onset", "onset_time", "detection_time"};

std::string lower_trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  s.erase(0, b);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// First header column whose name is one of `names`, or -1.
int find_column(const CsvReader& r, const std::vector<std::string>& names) {
  for (const auto& n : names)
    for (std::size_t i = 0; i < r.header().size(); ++i)
      if (lower_trimmed(r.header()[i]) == n) return static_cast<int>(i);
  return -1;
}

// A time of day alone, "HH:MM:SS[.f]" (catalogs that give the date in a
// column of its own).
bool is_time_of_day(const std::string& s) {
  return s.size() >= 8 && s[2] == ':' && s[5] == ':' && s.find_first_not_of("0123456789:.") == std::string::npos;
}

// A time as spreadsheets and ObsPy write it: ISO 8601 (a trailing "+00:00"
// or " UTC" allowed) or seconds since the epoch; or a time of day with the
// date in column `date_col` (YYYY-MM-DD or YYYY/MM/DD).
std::optional<TimeNs> generic_time_at(const CsvReader& r, const std::vector<std::string>& f, int col,
                                      int date_col) {
  if (col < 0) return std::nullopt;
  std::string s = f[static_cast<std::size_t>(col)];
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  if (s.empty()) return std::nullopt;
  if (date_col >= 0 && is_time_of_day(s)) {
    std::string date = f[static_cast<std::size_t>(date_col)];
    std::replace(date.begin(), date.end(), '/', '-');
    if (date.empty()) r.fail(date_col, "missing date for the time of day '" + s + "'");
    s = date + "T" + s;
  }
  for (const std::string suffix : {"+00:00", "+0000", " UTC", "UTC"})
    if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0) {
      s.erase(s.size() - suffix.size());
      break;
    }
  // Epoch seconds, read exactly: whole seconds, then up to 9 decimals.
  if (!s.empty() && s.find_first_not_of("0123456789.") == std::string::npos &&
      std::count(s.begin(), s.end(), '.') <= 1 && s.front() != '.') {
    const auto dot = s.find('.');
    const std::string whole = s.substr(0, dot);
    // int64 nanoseconds end in 2262: more whole seconds are not a time (and
    // would overflow).
    constexpr std::int64_t kMaxSeconds = std::numeric_limits<TimeNs>::max() / kNsPerSecond - 1;
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
    if (ec != std::errc() || end != whole.data() + whole.size() || seconds > kMaxSeconds)
      r.fail(col, "epoch seconds '" + whole + "' out of range (times end in 2262)");
    TimeNs t = seconds * kNsPerSecond;
    if (dot != std::string::npos) {
      std::string frac = s.substr(dot + 1, 9);
      frac.resize(9, '0');
      t += std::stoll(frac);
    }
    return t;
  }
  try {
    return parse_iso8601(s);
  } catch (const std::invalid_argument& e) {
    r.fail(col, e.what());
  }
}

// Any CSV with a time column: the columns are found by name, others ignored.
// With neither a location nor an arrival column the times are all the list
// knows (a detection list of one station): they serve as arrival times too.
bool read_generic_catalog(CsvReader& r, ReferenceCatalog& cat) {
  const int c_origin = find_column(r, kOriginTimeNames), c_arrival = find_column(r, kArrivalTimeNames);
  if (c_origin < 0 && c_arrival < 0) return false;
  const int c_date = find_column(r, {"date", "origin_date", "event_date"});
  const int c_id = find_column(r, {"event_id", "id", "evid", "eventid"});
  const int c_family = find_column(r, {"family_id", "family"});
  const int c_lat = find_column(r, {"latitude", "lat"}), c_lon = find_column(r, {"longitude", "lon", "lng"});
  const int c_depth = find_column(r, {"depth_km", "depth"}), c_mag = find_column(r, {"magnitude", "mag"});
  const bool times_only = c_arrival < 0 && c_lat < 0 && c_lon < 0;
  cat.layout = ReferenceLayout::kGeneric;
  std::vector<std::string> f;
  while (r.next(f)) {
    ReferenceEvent ref;
    ref.origin_time = generic_time_at(r, f, c_origin, c_date);
    ref.first_p =
        c_arrival >= 0 ? generic_time_at(r, f, c_arrival, c_date) : times_only ? ref.origin_time : std::nullopt;
    if (!ref.origin_time && !ref.first_p) r.fail(c_origin >= 0 ? c_origin : c_arrival, "missing time");
    if (c_id >= 0) ref.id = f[static_cast<std::size_t>(c_id)];
    if (ref.id.empty()) ref.id = "row" + std::to_string(r.line());
    if (c_family >= 0) ref.family_id = f[static_cast<std::size_t>(c_family)];
    ref.latitude = r.optional_double_at(f, c_lat);
    ref.longitude = r.optional_double_at(f, c_lon);
    ref.depth_km = r.optional_double_at(f, c_depth);
    ref.magnitude = r.optional_double_at(f, c_mag);
    cat.events.push_back(std::move(ref));
  }
  return true;
}

}  // namespace

ReferenceCatalog read_reference_catalog(const std::string& path) {
  CsvReader r(path);
  ReferenceCatalog cat;
  std::vector<std::string> f;
  if (header_starts_with(r, catalog_csv_columns())) {
    cat.layout = ReferenceLayout::kQuakeprint;
    for (const Event& e : read_catalog_csv(path)) {
      ReferenceEvent ref;
      ref.id = e.event_id;
      ref.family_id = e.family_id;
      ref.origin_time = e.origin_time;
      ref.first_p = e.first_arrival;
      ref.latitude = e.latitude;
      ref.longitude = e.longitude;
      ref.depth_km = e.depth_km;
      cat.events.push_back(std::move(ref));
    }
  } else if (header_starts_with(r, kTruthCatalog)) {
    cat.layout = ReferenceLayout::kSyntheticTruth;
    while (r.next(f)) {
      ReferenceEvent ref;
      ref.id = f[0];
      if (ref.id.empty()) r.fail(0, "empty event_id");
      ref.family_id = f[1];
      ref.origin_time = r.time_at(f, 2);
      ref.latitude = r.optional_double_at(f, 3);
      ref.longitude = r.optional_double_at(f, 4);
      ref.depth_km = r.optional_double_at(f, 5);
      ref.magnitude = r.optional_double_at(f, 6);
      cat.events.push_back(std::move(ref));
    }
  } else if (header_starts_with(r, kSharedCatalog)) {
    cat.layout = ReferenceLayout::kSharedData;
    std::set<std::string> used;
    while (r.next(f)) {
      ReferenceEvent ref;
      ref.origin_time = r.time_at(f, 0);
      ref.latitude = r.optional_double_at(f, 1);
      ref.longitude = r.optional_double_at(f, 2);
      ref.depth_km = r.optional_double_at(f, 3);
      ref.magnitude = r.optional_double_at(f, 4);
      id_from_source(f[6], ref.id, ref.family_id);
      if (ref.id.empty() || !used.insert(ref.id).second) ref.id = "row" + std::to_string(r.line());
      cat.events.push_back(std::move(ref));
    }
  } else if (!read_generic_catalog(r, cat)) {
    throw InputError(path,
                     "no time column: the header needs one of 'time', 'origin_time', 'first_arrival' "
                     "(or 'datetime', 'event_time', 'arrival_time', 'p_time', 'pick_time', 'onset'); "
                     "other columns are optional",
                     "line 1");
  }
  std::set<std::string> ids;
  for (const auto& e : cat.events)
    if (!ids.insert(e.id).second) throw InputError(path, "duplicate event id '" + e.id + "'");
  return cat;
}

std::string station_code(const std::string& id) {
  const auto a = id.find('.');
  if (a == std::string::npos) return id;
  const auto b = id.find('.', a + 1);
  return id.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
}

void read_reference_picks(const std::string& path, std::vector<ReferenceEvent>& events,
                          const PickReadOptions& options) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < events.size(); ++i) index.emplace(events[i].id, i);
  for (auto& e : events) {  // picks replace any first arrival the catalog gave
    e.first_p.reset();
    e.snr.reset();
    e.p_picks.clear();
    e.station_snr.clear();
  }

  CsvReader r(path);
  int c_id = 0, c_phase = 2, c_time = 3, c_snr = -1, c_modelled = -1;
  if (header_starts_with(r, picks_csv_columns())) {
  } else if (header_starts_with(r, kTruthPicks)) {
    c_snr = 4;
  } else if (header_starts_with(r, kQuakeMigratePicks)) {
    c_time = 4;
    c_snr = 6;
    if (options.use_modelled_times) c_modelled = 3;
  } else {
    unknown_layout(r, {picks_csv_columns(), kTruthPicks, kQuakeMigratePicks});
  }
  std::vector<std::string> f;
  while (r.next(f)) {
    const auto it = index.find(f[static_cast<std::size_t>(c_id)]);
    if (it == index.end()) r.fail(c_id, "pick of an event not in the reference catalog");
    ReferenceEvent& e = events[it->second];
    std::optional<TimeNs> t = r.optional_time_at(f, c_time);
    if (!t && c_modelled >= 0) t = r.optional_time_at(f, c_modelled);
    const std::string& phase = f[static_cast<std::size_t>(c_phase)];
    if (t && (phase == "P" || phase == "p" || phase == "Pg" || phase == "Pn" || phase == "?")) {
      if (!e.first_p || *t < *e.first_p) e.first_p = t;
      // Only observed picks judge pick accuracy, never modelled times.
      if (r.optional_time_at(f, c_time))
        e.p_picks.emplace_back(station_code(f[1]), *r.optional_time_at(f, c_time));
    }
    if (const auto snr = r.optional_double_at(f, c_snr)) {
      if (!e.snr || *snr > *e.snr) e.snr = snr;
      const std::string sta = station_code(f[1]);
      auto s = std::find_if(e.station_snr.begin(), e.station_snr.end(),
                            [&](const auto& x) { return x.first == sta; });
      if (s == e.station_snr.end())
        e.station_snr.emplace_back(sta, *snr);
      else
        s->second = std::max(s->second, *snr);
    }
  }
}

}  // namespace qp::catalog
