// [location] section. Kept apart from location.cpp so that programs using
// the locator without a config do not link the config reader.
#include <cmath>

#include "pipeline/param_table.hpp"
#include "postprocess/catalog/location.hpp"

namespace qp::catalog {

namespace {

// model = "homogeneous" (vp, vs) or "layered" (layer_tops_km, layer_vp, layer_vs).
void read_model(ConfigSection& s, LocationParams& p, const ParamContext&) {
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
}

ParamDoc doc(std::string key, std::string type, std::string def, std::string range, std::string unit,
             std::string meaning) {
  return ParamDoc{std::move(key), "", std::move(type), std::move(def), std::move(range), std::move(unit),
                  std::move(meaning)};
}

}  // namespace

const ParamTable<LocationParams>& location_param_table() {
  using P = LocationParams;
  static const auto table =
      ParamTable<P>("location", "Grid-search location of associated events from their picks "
                                "(docs/location.md).")
          .flag("enabled", &P::enabled, "Locate events (needs stations_file).")
          .custom(doc("model", "string", "\"homogeneous\"", "\"homogeneous\", \"layered\"", "",
                      "Velocity model: homogeneous (vp, vs) or layered (layer_tops_km, layer_vp, layer_vs)."),
                  read_model)
          .custom(doc("vp", "number", "6.0", "[0.1, 20.0]", "km/s", "P velocity of the homogeneous model."), nullptr)
          .custom(doc("vs", "number", "vp / sqrt(3)", "[0.05, 20.0]", "km/s", "S velocity of the homogeneous model."),
                  nullptr)
          .custom(doc("layer_tops_km", "list of numbers", "required when layered", "", "km",
                      "Depths of the layer tops, increasing, the first 0 or above."),
                  nullptr)
          .custom(doc("layer_vp", "list of numbers", "required when layered", "", "km/s", "P velocity of each layer."),
                  nullptr)
          .custom(doc("layer_vs", "list of numbers", "layer_vp / sqrt(3)", "", "km/s", "S velocity of each layer."),
                  nullptr)
          .number("horizontal_extent_km", &P::horizontal_extent_km, {0.01, 2000}, "km",
                  "The coarse grid spans this much around the station of the earliest pick.")
          .number("horizontal_step_km", &P::horizontal_step_km, {0.001, 500}, "km", "Coarse grid step, horizontally.")
          .number("depth_min_km", &P::depth_min_km, {-10, 800}, "km", "Top of the grid.")
          .number("depth_max_km", &P::depth_max_km, {-10, 800}, "km", "Bottom of the grid.")
          .number("depth_step_km", &P::depth_step_km, {0.001, 100}, "km", "Coarse grid step in depth.")
          .integer("refinements", &P::refinements, {0, 10}, "",
                   "Finer grids around the best node, each dividing the steps by 4.")
          .number("default_pick_uncertainty_s", &P::default_pick_uncertainty_s, {1e-4, 10}, "s",
                  "Uncertainty of picks that carry none.")
          .number("estimate_uncertainty_s", &P::estimate_uncertainty_s, {0, 3600}, "s",
                  "Picks at least this uncertain are estimates (no onset seen) and do not locate; 0 = all do "
                  "(associate marks its own estimates with >= 1 s).")
          .integer("min_picks", &P::min_picks, {4, 100000}, "", "Fewest picks a location needs.")
          .integer("min_stations", &P::min_stations, {1, 100000}, "", "Fewest stations a location needs.")
          .flag("unknown_phase_as_p", &P::unknown_phase_as_p, "Picks with phase \"?\" are taken as P.")
          .number("chi2_delta", &P::chi2_delta, {1e-6, 1e6}, "",
                  "Uncertainties span the nodes within this chi-square of the best (3.53: 68 % for three "
                  "parameters).")
          .number("model_error_s", &P::model_error_s, {0, 10}, "s",
                  "Added in quadrature to every pick uncertainty: the velocity model's own error.")
          .number("outlier_sigma", &P::outlier_sigma, {0, 1e6}, "",
                  "Picks further out than this many standard deviations are relabelled P<->S when that fits, "
                  "else dropped and the event relocated (with 10 picks or fewer the pick dropped is the one "
                  "whose removal lets the others fit best); 0 keeps every pick.")
          .number("max_horizontal_uncertainty_km", &P::max_horizontal_uncertainty_km, {0, 1e5}, "km",
                  "Looser locations are not reported; 0 keeps every location.")
          .flag("reject_at_grid_bottom", &P::reject_at_grid_bottom,
                "Locations in the grid's deepest half step are not reported.")
          .optional_text("stations_file", &P::stations_file,
                         "Station coordinates: stations.csv or StationXML, relative to the config.");
  return table;
}

LocationParams LocationParams::from_config(ConfigSection& s) {
  LocationParams p;
  location_param_table().read(s, p);
  try {
    p.validate();
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    s.fail(e.key().substr(e.key().find('.') + 1), what.substr(what.find(": ") + 2));
  }
  return p;
}

}  // namespace qp::catalog
