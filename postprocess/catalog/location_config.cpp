// [location] section. Kept apart from location.cpp so that programs using
// the locator without a config do not link the config reader.
#include <cmath>

#include "pipeline/config_section.hpp"
#include "postprocess/catalog/location.hpp"

namespace qp::catalog {

LocationParams LocationParams::from_config(ConfigSection& s) {
  LocationParams p;
  p.enabled = s.get_bool("enabled", p.enabled);
  const std::string model = s.get_string("model", "homogeneous", {"homogeneous", "layered"});
  if (model == "homogeneous") {
    const double vp = s.get_double("vp", 6.0, 0.1, 20.0);
    const double vs = s.get_double("vs", vp / std::sqrt(3.0), 0.05, 20.0);
    p.model = VelocityModel::homogeneous(vp, vs);
  } else {
    if (!s.has("layer_tops_km")) s.fail("layer_tops_km", "required when model = \"layered\"");
    if (!s.has("layer_vp")) s.fail("layer_vp", "required when model = \"layered\"");
    auto tops = s.get_doubles("layer_tops_km", {});
    auto vp = s.get_doubles("layer_vp", {});
    std::vector<double> vs_default;
    for (double v : vp) vs_default.push_back(v / std::sqrt(3.0));
    auto vs = s.get_doubles("layer_vs", vs_default);
    p.model = VelocityModel::layered(std::move(tops), std::move(vp), std::move(vs));
  }
  p.horizontal_extent_km = s.get_double("horizontal_extent_km", p.horizontal_extent_km, 0.01, 2000);
  p.horizontal_step_km = s.get_double("horizontal_step_km", p.horizontal_step_km, 0.001, 500);
  p.depth_min_km = s.get_double("depth_min_km", p.depth_min_km, -10, 800);
  p.depth_max_km = s.get_double("depth_max_km", p.depth_max_km, -10, 800);
  p.depth_step_km = s.get_double("depth_step_km", p.depth_step_km, 0.001, 100);
  p.refinements = static_cast<int>(s.get_int("refinements", p.refinements, 0, 10));
  p.default_pick_uncertainty_s =
      s.get_double("default_pick_uncertainty_s", p.default_pick_uncertainty_s, 1e-4, 10);
  p.estimate_uncertainty_s = s.get_double("estimate_uncertainty_s", p.estimate_uncertainty_s, 0, 3600);
  p.min_picks = static_cast<int>(s.get_int("min_picks", p.min_picks, 4, 100000));
  p.min_stations = static_cast<int>(s.get_int("min_stations", p.min_stations, 1, 100000));
  p.unknown_phase_as_p = s.get_bool("unknown_phase_as_p", p.unknown_phase_as_p);
  p.chi2_delta = s.get_double("chi2_delta", p.chi2_delta, 1e-6, 1e6);
  p.model_error_s = s.get_double("model_error_s", p.model_error_s, 0, 10);
  p.outlier_sigma = s.get_double("outlier_sigma", p.outlier_sigma, 0, 1e6);
  p.max_horizontal_uncertainty_km =
      s.get_double("max_horizontal_uncertainty_km", p.max_horizontal_uncertainty_km, 0, 1e5);
  p.reject_at_grid_bottom = s.get_bool("reject_at_grid_bottom", p.reject_at_grid_bottom);
  try {
    p.validate();
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    s.fail(e.key().substr(e.key().find('.') + 1), what.substr(what.find(": ") + 2));
  }
  return p;
}

}  // namespace qp::catalog
