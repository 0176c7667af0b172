// [evaluate] section. Kept apart from evaluate.cpp so that programs using
// the evaluation without a config do not link the config reader.
#include "pipeline/config_section.hpp"
#include "postprocess/catalog/evaluate.hpp"

namespace qp::catalog {

EvaluateOptions EvaluateOptions::from_config(ConfigSection& s) {
  EvaluateOptions o;
  o.tolerance_s = s.get_double("tolerance_s", o.tolerance_s, 1e-6, 3600);
  const std::string on =
      s.get_string("match_on", "first_arrival", {"first_arrival", "origin_time"});
  o.match_on = on == "origin_time" ? MatchOn::kOriginTime : MatchOn::kFirstArrival;
  o.snr_bins = s.get_doubles("snr_bins", {});
  o.magnitude_bins = s.get_doubles("magnitude_bins", {});
  o.require_family_partner = s.get_bool("require_family_partner", false);
  o.min_snr = s.get_double("min_snr", 0, 0, 1e9);
  o.min_snr_stations = static_cast<int>(s.get_int("min_snr_stations", 0, 0, 100000));
  o.max_snr = s.get_double("max_snr", 0, 0, 1e9);
  try {
    o.validate();
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    s.fail(e.key().substr(e.key().find('.') + 1), what.substr(what.find(": ") + 2));
  }
  return o;
}

}  // namespace qp::catalog
