#include "postprocess/catalog/location.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "pipeline/error.hpp"

namespace qp::catalog {
namespace {

constexpr double kEarthRadiusKm = 6371.0;
constexpr double kDegToRad = M_PI / 180.0;

struct Obs {
  double lat, lon, depth_km;  // receiver
  Phase phase;
  double t;  // seconds relative to the earliest pick
  double w;  // 1 / sigma^2
  std::size_t pick = 0;  // index into the picks located
  bool relabelled = false;
};

struct Node {
  double x = 0, y = 0, z = 0;  // km east / north of the grid centre, depth
  double chi2 = std::numeric_limits<double>::infinity();
  double t0 = 0;   // origin time relative to the earliest pick
  double sum_r2 = 0;
};

struct Grid {
  double lat0, lon0;  // centre
  double to_lat(double y) const { return lat0 + y / (kEarthRadiusKm * kDegToRad); }
  double to_lon(double x, double y) const {
    return lon0 + x / (kEarthRadiusKm * kDegToRad * std::cos(to_lat(y) * kDegToRad));
  }
};

void evaluate_node(Node& n, const Grid& g, const std::vector<Obs>& obs, const VelocityModel& m) {
  const double lat = g.to_lat(n.y), lon = g.to_lon(n.x, n.y);
  double sw = 0, swr = 0;
  std::vector<double> r(obs.size());
  for (std::size_t i = 0; i < obs.size(); ++i) {
    const Obs& o = obs[i];
    r[i] = o.t - m.travel_time(o.phase, distance_km(lat, lon, o.lat, o.lon), n.z, o.depth_km);
    sw += o.w;
    swr += o.w * r[i];
  }
  n.t0 = swr / sw;
  n.chi2 = 0;
  n.sum_r2 = 0;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    const double d = r[i] - n.t0;
    n.chi2 += obs[i].w * d * d;
    n.sum_r2 += d * d;
  }
}

// Axis values from lo to hi (inclusive) with the given step, symmetric about c.
std::vector<double> axis(double c, double half, double step, double lo, double hi) {
  std::vector<double> v;
  const int n = static_cast<int>(std::floor(half / step + 1e-9));
  for (int i = -n; i <= n; ++i) {
    const double a = c + i * step;
    if (a >= lo - 1e-9 && a <= hi + 1e-9) v.push_back(std::clamp(a, lo, hi));
  }
  if (v.empty()) v.push_back(std::clamp(c, lo, hi));
  return v;
}

// Outlier rejection with few picks: the picks tried as the outlier (worst
// residuals first), and the most picks for which it is tried (beyond, one
// outlier has too little leverage to hide: the worst residual is it).
constexpr std::size_t kJackknifeCandidates = 3;
constexpr std::size_t kJackknifeMaxPicks = 10;

struct SearchResult {
  Node best;
  double dh = 0, dz = 0, dt = 0;  // uncertainties (km, km, s)
};

// Coarse-to-fine grid search; uncertainties from the nodes within
// chi2_delta (scaled by the reduced chi-square) of the best.
SearchResult grid_search(const std::vector<Obs>& obs, const Grid& g, const LocationParams& params) {
  const double E = params.horizontal_extent_km;
  std::vector<Node> all;  // every node evaluated, for the uncertainty
  Node best;
  double cx = 0, cy = 0, cz = 0.5 * (params.depth_min_km + params.depth_max_km);
  double hx = E, hz = 0.5 * (params.depth_max_km - params.depth_min_km);
  double sh = params.horizontal_step_km, sz = params.depth_step_km;
  for (int level = 0; level <= params.refinements; ++level) {
    const auto xs = axis(cx, hx, sh, -E, E), ys = axis(cy, hx, sh, -E, E);
    const auto zs = axis(cz, hz, sz, params.depth_min_km, params.depth_max_km);
    for (double z : zs)
      for (double y : ys)
        for (double x : xs) {
          Node n{x, y, z};
          evaluate_node(n, g, obs, params.model);
          all.push_back(n);
          if (n.chi2 < best.chi2) best = n;
        }
    // Next level: +-1.5 steps around the best node, steps divided by 4.
    cx = best.x, cy = best.y, cz = best.z;
    hx = 1.5 * sh, hz = 1.5 * sz;
    sh /= 4, sz /= 4;
  }
  const double n_obs = static_cast<double>(obs.size());
  const double reduced = n_obs > 4 ? best.chi2 / (n_obs - 4) : 1.0;
  const double limit = best.chi2 + params.chi2_delta * std::max(1.0, reduced);
  // Floors: the final grid resolution.
  SearchResult r{best, 2 * sh, 2 * sz, 0};
  for (const Node& n : all) {
    if (n.chi2 > limit) continue;
    r.dh = std::max(r.dh, std::hypot(n.x - best.x, n.y - best.y));
    r.dz = std::max(r.dz, std::abs(n.z - best.z));
    r.dt = std::max(r.dt, std::abs(n.t0 - best.t0));
  }
  return r;
}

// |residual| / sigma of o, as phase, at the best node of r.
double normalised_residual(const Obs& o, Phase phase, const SearchResult& r, const Grid& g, const VelocityModel& m) {
  const double lat = g.to_lat(r.best.y), lon = g.to_lon(r.best.x, r.best.y);
  const double res = o.t - r.best.t0 - m.travel_time(phase, distance_km(lat, lon, o.lat, o.lon), r.best.z, o.depth_km);
  return std::abs(res) * std::sqrt(o.w);
}

}  // namespace

double distance_km(double lat1, double lon1, double lat2, double lon2) {
  const double p1 = lat1 * kDegToRad, p2 = lat2 * kDegToRad;
  const double dp = p2 - p1, dl = (lon2 - lon1) * kDegToRad;
  const double a = std::sin(dp / 2) * std::sin(dp / 2) +
                   std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

void LocationParams::validate() const {
  model.validate();
  auto positive = [](double v, const char* key) {
    if (!(v > 0) || !std::isfinite(v)) throw ConfigError(std::string("location.") + key, "must be positive");
  };
  positive(horizontal_extent_km, "horizontal_extent_km");
  positive(horizontal_step_km, "horizontal_step_km");
  positive(depth_step_km, "depth_step_km");
  positive(default_pick_uncertainty_s, "default_pick_uncertainty_s");
  if (!(estimate_uncertainty_s >= 0))
    throw ConfigError("location.estimate_uncertainty_s", "must be 0 (off) or a positive number of seconds");
  positive(chi2_delta, "chi2_delta");
  if (horizontal_step_km > horizontal_extent_km)
    throw ConfigError("location.horizontal_step_km", "must not exceed horizontal_extent_km");
  if (!(depth_max_km >= depth_min_km))
    throw ConfigError("location.depth_max_km", "must not be below depth_min_km");
  if (refinements < 0 || refinements > 10)
    throw ConfigError("location.refinements", "must be between 0 and 10");
  if (min_picks < 4) throw ConfigError("location.min_picks", "must be at least 4 (4 unknowns)");
  if (min_stations < 1) throw ConfigError("location.min_stations", "must be at least 1");
}

std::optional<Location> locate(const std::vector<Pick>& picks, const StationTable& stations,
                               const LocationParams& params, std::string* why) {
  auto fail = [&](const std::string& reason) -> std::optional<Location> {
    if (why) *why = reason;
    return std::nullopt;
  };
  // Usable picks, times relative to the earliest one (doubles keep ~ns
  // precision over the seconds an event spans).
  struct Use {
    std::size_t index;
    const Pick* pick;
    const StationCoords* st;
    Phase phase;
  };
  std::vector<Use> use;
  for (std::size_t pi = 0; pi < picks.size(); ++pi) {
    const Pick& p = picks[pi];
    if (params.estimate_uncertainty_s > 0 && p.uncertainty_s >= params.estimate_uncertainty_s) continue;
    const StationCoords* st = stations.find(p.seed_id);
    if (!st) continue;
    Phase ph;
    if (p.phase == "P" || p.phase == "p" || p.phase == "Pg")
      ph = Phase::kP;
    else if (p.phase == "S" || p.phase == "s" || p.phase == "Sg")
      ph = Phase::kS;
    else if ((p.phase == "?" || p.phase.empty()) && params.unknown_phase_as_p)
      ph = Phase::kP;
    else
      continue;
    use.push_back({pi, &p, st, ph});
  }
  std::set<std::string> station_set;
  for (const auto& u : use) station_set.insert(u.st->network + "." + u.st->station);
  if (static_cast<int>(use.size()) < params.min_picks)
    return fail("only " + std::to_string(use.size()) + " usable picks");
  if (static_cast<int>(station_set.size()) < params.min_stations)
    return fail("only " + std::to_string(station_set.size()) + " stations");

  const auto first = std::min_element(use.begin(), use.end(), [](const Use& a, const Use& b) {
    return a.pick->time < b.pick->time;
  });
  const TimeNs t_ref = first->pick->time;
  std::vector<Obs> obs;
  std::vector<std::string> obs_station;
  for (const auto& u : use) {
    const double sigma = u.pick->uncertainty_s > 0 ? u.pick->uncertainty_s
                                                   : params.default_pick_uncertainty_s;
    const double var = sigma * sigma + params.model_error_s * params.model_error_s;
    obs.push_back({u.st->latitude, u.st->longitude, -u.st->elevation_m / 1000.0, u.phase,
                   static_cast<double>(u.pick->time - t_ref) / 1e9, 1.0 / var, u.index});
    obs_station.push_back(u.st->network + "." + u.st->station);
  }
  const Grid g{first->st->latitude, first->st->longitude};

  // Locate, then drop the worst outlier and relocate while one stands out
  // and enough picks and stations remain.
  int rejected = 0;
  for (;;) {
    SearchResult r = grid_search(obs, g, params);
    std::size_t worst = obs.size();
    double worst_z = params.outlier_sigma;
    auto z_of = [&](std::size_t i) { return normalised_residual(obs[i], obs[i].phase, r, g, params.model); };
    // Dropping pick i leaves min_stations stations.
    auto removable = [&](std::size_t i) {
      std::set<std::string> left;
      for (std::size_t j = 0; j < obs.size(); ++j)
        if (j != i) left.insert(obs_station[j]);
      return static_cast<int>(left.size()) >= params.min_stations;
    };
    if (params.outlier_sigma > 0 && static_cast<int>(obs.size()) > params.min_picks) {
      for (std::size_t i = 0; i < obs.size(); ++i) {
        const double z = z_of(i);
        if (z <= worst_z || !removable(i)) continue;
        worst = i;
        worst_z = z;
      }
    }
    // With few picks one gross outlier pulls the least-squares fit towards
    // itself and leaves good picks about as far out: the pick dropped is,
    // of those the fit leaves furthest out, the one whose removal lets the
    // others fit best, provided they leave it beyond outlier_sigma.
    if (worst != obs.size() && obs.size() <= kJackknifeMaxPicks) {
      std::vector<std::size_t> candidates(obs.size());
      for (std::size_t i = 0; i < obs.size(); ++i) candidates[i] = i;
      std::stable_sort(candidates.begin(), candidates.end(),
                       [&](std::size_t a, std::size_t b) { return z_of(a) > z_of(b); });
      candidates.resize(std::min(candidates.size(), kJackknifeCandidates));
      double best_chi2 = std::numeric_limits<double>::infinity();
      for (std::size_t i : candidates) {
        if (!removable(i)) continue;
        std::vector<Obs> rest = obs;
        rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
        const SearchResult ri = grid_search(rest, g, params);
        if (normalised_residual(obs[i], obs[i].phase, ri, g, params.model) <= params.outlier_sigma) continue;
        if (ri.best.chi2 < best_chi2) {
          best_chi2 = ri.best.chi2;
          worst = i;
        }
      }
    }
    if (worst == obs.size()) {
      Location loc;
      loc.origin_time = t_ref + seconds_to_ns(r.best.t0);
      loc.latitude = g.to_lat(r.best.y);
      loc.longitude = g.to_lon(r.best.x, r.best.y);
      if (loc.longitude > 180) loc.longitude -= 360;
      if (loc.longitude < -180) loc.longitude += 360;
      loc.depth_km = r.best.z;
      loc.rms_s = std::sqrt(r.best.sum_r2 / static_cast<double>(obs.size()));
      loc.origin_uncertainty_s = r.dt;
      loc.horizontal_uncertainty_km = r.dh;
      loc.depth_uncertainty_km = r.dz;
      loc.n_picks = static_cast<int>(obs.size());
      loc.n_stations = static_cast<int>(std::set<std::string>(obs_station.begin(), obs_station.end()).size());
      loc.n_rejected = rejected;
      for (const Obs& o : obs)
        if (o.relabelled) loc.relabelled.emplace_back(o.pick, o.phase);
      return loc;
    }
    // An outlier that fits the other phase was mislabelled (an S taken for
    // the first arrival where P was too weak, or the reverse): relabelled, it
    // must fit at the location found with it so; then it is kept. A station
    // has one P and one S: a pick never takes the phase another pick of its
    // station has (that freedom lets a whole event flip to S, and an
    // all-S fit is as good as an all-P one in a slower medium).
    const Phase other = obs[worst].phase == Phase::kP ? Phase::kS : Phase::kP;
    bool station_has_other = false;
    for (std::size_t j = 0; j < obs.size(); ++j)
      station_has_other = station_has_other || (j != worst && obs_station[j] == obs_station[worst] &&
                                                obs[j].phase == other);
    if (!obs[worst].relabelled && !station_has_other) {
      std::vector<Obs> trial = obs;
      Obs& w = trial[worst];
      w.phase = other;
      w.relabelled = true;
      const SearchResult r2 = grid_search(trial, g, params);
      if (normalised_residual(w, w.phase, r2, g, params.model) <= params.outlier_sigma) {
        obs.swap(trial);
        continue;
      }
    }
    obs.erase(obs.begin() + static_cast<std::ptrdiff_t>(worst));
    obs_station.erase(obs_station.begin() + static_cast<std::ptrdiff_t>(worst));
    ++rejected;
  }
}

double depth_uncertainty_reported(const Location& loc, const LocationParams& params) {
  const double top = params.depth_min_km, bottom = params.depth_max_km;
  // The finest grid step: a best node closer than half of it to an edge sits on it.
  double step = params.depth_step_km;
  for (int i = 0; i < params.refinements; ++i) step /= 4;
  const bool on_edge = bottom > top && (loc.depth_km <= top + 0.5 * step || loc.depth_km >= bottom - 0.5 * step);
  const bool spans_grid = loc.depth_km - loc.depth_uncertainty_km <= top + 0.5 * step &&
                          loc.depth_km + loc.depth_uncertainty_km >= bottom - 0.5 * step;
  if (!on_edge && !spans_grid) return loc.depth_uncertainty_km;
  return std::max(loc.depth_km - top, bottom - loc.depth_km);
}

std::size_t locate_events(std::vector<Event>& events, const StationTable& stations,
                          const LocationParams& params) {
  params.validate();
  std::size_t n = 0;
  for (Event& e : events) {
    e.clear_hypocentre();
    const auto loc = locate(e.picks, stations, params);
    if (!loc) continue;
    // A location the picks do not constrain is worse than none; so is one
    // pinned to the bottom of the grid (inconsistent picks pull it there).
    if (params.max_horizontal_uncertainty_km > 0 &&
        loc->horizontal_uncertainty_km > params.max_horizontal_uncertainty_km)
      continue;
    if (params.reject_at_grid_bottom && loc->depth_km >= params.depth_max_km - 0.5 * params.depth_step_km) continue;
    const double depth_uncertainty = depth_uncertainty_reported(*loc, params);
    for (const auto& [i, phase] : loc->relabelled) e.picks[i].phase = phase == Phase::kP ? "P" : "S";
    e.origin_time = loc->origin_time;
    e.latitude = loc->latitude;
    e.longitude = loc->longitude;
    e.depth_km = loc->depth_km;
    e.origin_uncertainty_s = loc->origin_uncertainty_s;
    e.horizontal_uncertainty_km = loc->horizontal_uncertainty_km;
    e.depth_uncertainty_km = depth_uncertainty;
    ++n;
  }
  return n;
}

}  // namespace qp::catalog
