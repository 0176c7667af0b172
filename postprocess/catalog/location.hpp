// Event location by grid search over picks: coarse-to-fine in latitude,
// longitude and depth; at each node the origin time is solved analytically
// (the weighted mean of observed minus predicted times), so only three
// dimensions are searched. Uncertainties are the extent of the evaluated
// nodes whose chi-square lies within `chi2_delta` (scaled by the reduced
// chi-square when that exceeds 1) of the best.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/stations.hpp"
#include "pipeline/velocity_model.hpp"

namespace qp {
class ConfigSection;
template <class P>
class ParamTable;
}

namespace qp::catalog {

struct LocationParams {
  bool enabled = false;
  VelocityModel model = VelocityModel::homogeneous(6.0, 3.5);
  /// The coarse grid spans +-horizontal_extent_km around the station of the
  /// earliest pick, depth_min_km..depth_max_km.
  double horizontal_extent_km = 50.0;
  double horizontal_step_km = 2.0;
  double depth_min_km = 0.0;
  double depth_max_km = 30.0;
  double depth_step_km = 2.0;
  int refinements = 4;  // each divides the steps by 4 around the best node
  double default_pick_uncertainty_s = 0.1;
  /// Picks with at least this uncertainty are estimates (a predicted or
  /// typical-offset time, no onset seen) and do not locate; 0: all do.
  double estimate_uncertainty_s = 0;
  int min_picks = 4;
  int min_stations = 3;
  bool unknown_phase_as_p = true;  // picks with phase "?" are taken as P
  double chi2_delta = 3.53;        // 68 % for three parameters
  /// Added in quadrature to each pick's uncertainty: the velocity model's own
  /// error, so that one sharp but wrong pick cannot outweigh the others.
  double model_error_s = 0.1;
  /// A pick whose residual exceeds this many (combined) standard deviations
  /// is dropped and the event relocated, worst pick first (with 10 picks or
  /// fewer: the pick whose removal lets the others fit best), while
  /// min_picks and min_stations remain; 0 keeps every pick.
  double outlier_sigma = 4.0;
  /// Events whose horizontal uncertainty exceeds this stay unlocated (their
  /// picks do not constrain a location); 0 keeps every location.
  double max_horizontal_uncertainty_km = 20.0;
  /// Events located in the grid's deepest half step stay unlocated: the
  /// grid's edge holds what inconsistent picks pull there, not a depth.
  bool reject_at_grid_bottom = true;
  /// As written in the config (the pipeline resolves it against the config's folder).
  std::optional<std::string> stations_file;

  /// Reads [location] (keys in location_param_table()).
  static LocationParams from_config(ConfigSection& s);
  void validate() const;  // throws ConfigError("location.<key>")
};

/// The [location] keys (pipeline/param_table.hpp).
const ParamTable<LocationParams>& location_param_table();

struct Location {
  TimeNs origin_time = 0;
  double latitude = 0, longitude = 0, depth_km = 0;
  double rms_s = 0;
  double origin_uncertainty_s = 0, horizontal_uncertainty_km = 0, depth_uncertainty_km = 0;
  int n_picks = 0, n_stations = 0;  ///< used, after outliers were dropped
  int n_rejected = 0;                ///< picks dropped as outliers
  /// Picks (index into the picks located) whose phase the location changed:
  /// outliers as labelled that fit the other phase.
  std::vector<std::pair<std::size_t, Phase>> relabelled;
};

/// Locates one event from its picks; nullopt (with `why` set) when there are
/// too few usable picks (known station, P or S phase).
std::optional<Location> locate(const std::vector<Pick>& picks, const StationTable& stations,
                               const LocationParams& params, std::string* why = nullptr);

/// The depth uncertainty an event is reported with: the search's, unless the
/// depth is not constrained (the best node on the grid's top or bottom edge,
/// where the grid, not the picks, stopped it, or a confidence region that
/// reaches both edges); then one that spans the whole grid from the depth
/// found, so that no reader takes that depth for a measurement.
double depth_uncertainty_reported(const Location& loc, const LocationParams& params);

/// Locates every event with enough picks and a constrained location (within
/// max_horizontal_uncertainty_km; see reject_at_grid_bottom) and
/// fills its origin fields (clearing them otherwise) and relabels the picks
/// the location found to be the other phase; returns how many were located.
std::size_t locate_events(std::vector<Event>& events, const StationTable& stations,
                          const LocationParams& params);

/// Great-circle distance in km (spherical Earth, R = 6371 km).
double distance_km(double lat1, double lon1, double lat2, double lon2);

}  // namespace qp::catalog
