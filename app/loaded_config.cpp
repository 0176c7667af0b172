#include "app/loaded_config.hpp"

#include <algorithm>
#include <cmath>

#include "app/slurm_settings.hpp"

namespace qp::app {

LoadedConfig load_config(const std::filesystem::path& path) {
  LoadedConfig lc;
  lc.cfg = Config::load(path);
  Config& c = lc.cfg;
  lc.pre = pre::PreprocessParams::from_config(c.section("preprocess"));
  auto& fps = c.section("fingerprint");
  lc.fp = fp::FingerprintParams::from_config(fps);
  lc.search = lsh::SearchParams::from_config(c.section("search"));
  auto& as = c.section("associate");
  // Fingerprints closer than their window span share samples.
  const std::int64_t span_steps = (lc.fp.window_span_ns() + lc.fp.dt_fp_ns() - 1) / lc.fp.dt_fp_ns();
  lc.assoc = post::AssociationParams::from_config(as, span_steps);
  lc.duplicate_window_s = as.get_double("duplicate_window_s", 2.0, 0.0, 60.0);
  lc.min_stations_without_onset = static_cast<int>(as.get_int("min_stations_without_onset", 3, 0, 1 << 20));
  lc.picking = post::PickingParams::from_config(c.section("picking"));
  auto& loc = c.section("location");
  lc.location = catalog::LocationParams::from_config(loc);
  if (auto f = loc.get_optional_string("stations_file")) {
    lc.stations_file = std::filesystem::path(*f).is_absolute() ? std::filesystem::path(*f) : c.base_dir() / *f;
    if (!std::filesystem::exists(lc.stations_file))
      loc.fail("stations_file", "file " + lc.stations_file.string() + " does not exist");
  } else if (lc.location.enabled) {
    loc.fail("enabled", "location needs station coordinates: set location.stations_file "
                        "(stations.csv or StationXML)");
  }
  lc.match = match::MatchParams::from_config(c.section("match"));
  auto& ex = c.section("export");
  lc.exp.min_score = ex.get_double("min_score", 0.0, 0.0);
  lc.exp.quakeml = ex.get_bool("quakeml", true);
  lc.exp.nonlinloc = ex.get_bool("nonlinloc", true);
  lc.exp.hypodd = ex.get_bool("hypodd", true);
  lc.exp.fast_detlist = ex.get_bool("fast_detlist", true);
  lc.exp.agency = ex.get_string("agency", "XX");

  // Cross-stage checks: the fingerprint stage reads what preprocess writes.
  if (lc.pre.target_rate > 0 && std::abs(lc.pre.target_rate - lc.fp.sampling_rate) > 1e-9)
    fps.fail("sampling_rate", "must equal preprocess.target_rate (" +
                                  std::to_string(lc.pre.target_rate) + " Hz), the rate of the "
                                  "waveforms the fingerprint stage reads");
  if (lc.fp.max_freq > 0.5 * lc.fp.sampling_rate)
    fps.fail("max_freq", "is above the Nyquist frequency of sampling_rate");
  // A default never contradicts the station list: nsta_thresh left unset is
  // at most the number of stations (1 for a one-station config). A value the
  // user set that no detection could reach is refused up front, in every
  // stage, rather than after hours of preprocessing.
  const int n_stations = static_cast<int>(c.stations().size());
  if (!as.has("nsta_thresh"))  // read again with that default, so `quakeprint config` shows it
    lc.assoc.nsta_thresh = static_cast<int>(
        as.get_int("nsta_thresh", std::max(1, std::min(lc.assoc.nsta_thresh, n_stations)), 1, 1 << 20));
  else if (lc.assoc.nsta_thresh > n_stations)
    as.fail("nsta_thresh", "is " + std::to_string(lc.assoc.nsta_thresh) + " but the config lists only " +
                               std::to_string(n_stations) + " station(s); set nsta_thresh = " +
                               std::to_string(std::max(1, n_stations)) + " or fewer");
  read_slurm_settings(c);  // [slurm], [slurm.<stage>]: validated here, used by submit
  c.reject_unknown();
  return lc;
}

std::string LoadedConfig::preprocess_hash() const { return cfg.hash_of({"preprocess"}); }
std::string LoadedConfig::fingerprint_hash() const {
  return cfg.hash_of({"preprocess", "fingerprint"});
}
std::string LoadedConfig::search_hash() const {
  return cfg.hash_of({"preprocess", "fingerprint", "search"});
}
std::string LoadedConfig::associate_hash() const {
  return cfg.hash_of({"preprocess", "fingerprint", "search", "associate", "picking", "location"});
}

}  // namespace qp::app
