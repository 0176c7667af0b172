#include "runstore/event_unit.hpp"

#include "pipeline/text.hpp"
#include "pipeline/unit_format.hpp"

#include <cmath>
#include <limits>
#include <map>

namespace qp::runstore {
namespace {

constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

double opt(const std::optional<double>& v) { return v ? *v : kNaN; }
std::optional<double> opt(double v) {
  return std::isnan(v) ? std::nullopt : std::optional<double>(v);
}

std::string join(const std::vector<std::string>& v, char sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? std::string(1, sep) : "") + v[i];
  return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
  if (s.empty()) return {};
  return split_fields(s, sep);
}

}  // namespace

void write_event_unit(h5::Group& g, const std::vector<catalog::Event>& events, const EventUnitSummary& s) {
  stamp_unit_format(g, UnitKind::kEvents);
  std::vector<std::int64_t> first, origin;
  std::vector<double> lat, lon, depth, ot_unc, h_unc, z_unc, score;
  std::vector<std::int32_t> nsta, nlinked;
  std::vector<std::string> ids, families, stations;
  std::vector<std::int64_t> pick_event, pick_time;
  std::vector<std::int32_t> pick_channel;
  std::vector<double> pick_unc, pick_sim;
  std::vector<std::string> pick_phase;
  std::map<std::string, std::int32_t> channel_index;
  std::vector<std::string> channels;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    ids.push_back(e.event_id);
    first.push_back(e.first_arrival);
    origin.push_back(e.origin_time ? *e.origin_time : kNoTime);
    lat.push_back(opt(e.latitude));
    lon.push_back(opt(e.longitude));
    depth.push_back(opt(e.depth_km));
    ot_unc.push_back(opt(e.origin_uncertainty_s));
    h_unc.push_back(opt(e.horizontal_uncertainty_km));
    z_unc.push_back(opt(e.depth_uncertainty_km));
    nsta.push_back(e.n_stations);
    nlinked.push_back(e.n_linked);
    score.push_back(e.score);
    families.push_back(e.family_id);
    stations.push_back(join(e.stations, ';'));
    for (const auto& p : e.picks) {
      auto [it, inserted] = channel_index.emplace(p.seed_id, static_cast<std::int32_t>(channels.size()));
      if (inserted) channels.push_back(p.seed_id);
      pick_event.push_back(static_cast<std::int64_t>(i));
      pick_channel.push_back(it->second);
      pick_time.push_back(p.time);
      pick_unc.push_back(p.uncertainty_s);
      pick_sim.push_back(p.similarity);
      pick_phase.push_back(p.phase);
    }
  }
  auto ev = g.create_group("events");
  ev.set_attr("event_id", join(ids, '\n'));
  ev.set_attr("family_id", join(families, '\n'));
  ev.set_attr("stations", join(stations, '\n'));
  ev.set_attr("count", static_cast<std::int64_t>(events.size()));
  ev.write<std::int64_t>("first_arrival_ns", first);
  ev.write<std::int64_t>("origin_time_ns", origin);
  ev.write<double>("latitude", lat);
  ev.write<double>("longitude", lon);
  ev.write<double>("depth_km", depth);
  ev.write<double>("origin_uncertainty_s", ot_unc);
  ev.write<double>("horizontal_uncertainty_km", h_unc);
  ev.write<double>("depth_uncertainty_km", z_unc);
  ev.write<std::int32_t>("n_stations", nsta);
  ev.write<std::int32_t>("n_linked", nlinked);
  ev.write<double>("score", score);
  auto pk = g.create_group("picks");
  pk.set_attr("seed_ids", join(channels, '\n'));
  pk.set_attr("phase", join(pick_phase, '\n'));
  pk.set_attr("count", static_cast<std::int64_t>(pick_time.size()));
  pk.write<std::int64_t>("event_index", pick_event);
  pk.write<std::int32_t>("channel_index", pick_channel);
  pk.write<std::int64_t>("time_ns", pick_time);
  pk.write<double>("uncertainty_s", pick_unc);
  pk.write<double>("similarity", pick_sim);
  g.set_attr("station_pairs", static_cast<std::int64_t>(s.station_pairs));
  g.set_attr("network_event_pairs", static_cast<std::int64_t>(s.network_event_pairs));
  g.set_attr("dt_fp_ns", static_cast<std::int64_t>(s.dt_fp));
}

std::vector<catalog::Event> read_event_unit(const std::filesystem::path& file) {
  const h5::File g = h5::File::open_read(file);
  check_unit_format(g, UnitKind::kEvents);
  const auto ev = g.open_group("events");
  const std::size_t n = static_cast<std::size_t>(ev.attr_int("count"));
  std::vector<catalog::Event> events(n);
  auto ids = split(ev.attr_string("event_id"), '\n');
  auto fams = split(ev.attr_string("family_id"), '\n');
  auto stas = split(ev.attr_string("stations"), '\n');
  ids.resize(n);
  fams.resize(n);
  stas.resize(n);
  const auto first = ev.read<std::int64_t>("first_arrival_ns");
  const auto origin = ev.read<std::int64_t>("origin_time_ns");
  const auto lat = ev.read<double>("latitude"), lon = ev.read<double>("longitude"),
             depth = ev.read<double>("depth_km"), ot = ev.read<double>("origin_uncertainty_s"),
             hu = ev.read<double>("horizontal_uncertainty_km"), zu = ev.read<double>("depth_uncertainty_km"),
             score = ev.read<double>("score");
  const auto nsta = ev.read<std::int32_t>("n_stations"), nl = ev.read<std::int32_t>("n_linked");
  for (std::size_t i = 0; i < n; ++i) {
    auto& e = events[i];
    e.event_id = ids[i];
    e.family_id = fams[i];
    e.stations = split(stas[i], ';');
    e.first_arrival = first[i];
    if (origin[i] != kNoTime) e.origin_time = origin[i];
    e.latitude = opt(lat[i]);
    e.longitude = opt(lon[i]);
    e.depth_km = opt(depth[i]);
    e.origin_uncertainty_s = opt(ot[i]);
    e.horizontal_uncertainty_km = opt(hu[i]);
    e.depth_uncertainty_km = opt(zu[i]);
    e.n_stations = nsta[i];
    e.n_linked = nl[i];
    e.score = score[i];
  }
  const auto pk = g.open_group("picks");
  const std::size_t np = static_cast<std::size_t>(pk.attr_int("count"));
  const auto channels = split(pk.attr_string("seed_ids"), '\n');
  auto phases = split(pk.attr_string("phase"), '\n');
  phases.resize(np);
  const auto pe = pk.read<std::int64_t>("event_index");
  const auto pc = pk.read<std::int32_t>("channel_index");
  const auto pt = pk.read<std::int64_t>("time_ns");
  const auto pu = pk.read<double>("uncertainty_s"), ps = pk.read<double>("similarity");
  for (std::size_t i = 0; i < np; ++i) {
    auto& e = events[static_cast<std::size_t>(pe[i])];
    e.picks.push_back({e.event_id, channels[static_cast<std::size_t>(pc[i])], phases[i], pt[i], pu[i], ps[i]});
  }
  return events;
}

}  // namespace qp::runstore
