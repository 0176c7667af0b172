#include "app/loaded_config.hpp"

#include <algorithm>
#include <cmath>

#include "app/slurm_settings.hpp"
#include "app/stage_registry.hpp"

namespace qp::app {

LoadedConfig load_config(const std::filesystem::path& path) { return load_config(Config::load(path)); }

LoadedConfig load_config(Config cfg) {
  LoadedConfig lc;
  lc.cfg = std::move(cfg);
  Config& c = lc.cfg;
  lc.pre = pre::PreprocessParams::from_config(c.section("preprocess"));
  auto& fps = c.section("fingerprint");
  lc.fp = fp::FingerprintParams::from_config(fps);
  lc.search = lsh::SearchParams::from_config(c.section("search"));
  auto& as = c.section("associate");
  // Fingerprints closer than their window span share samples.
  const std::int64_t span_steps = (lc.fp.window_span_ns() + lc.fp.dt_fp_ns() - 1) / lc.fp.dt_fp_ns();
  const int n_stations = static_cast<int>(c.stations().size());
  lc.assoc = post::AssociationParams::from_config(as, span_steps, static_cast<double>(lc.fp.dt_fp_ns()) * 1e-9,
                                                  n_stations);
  lc.duplicate_window_s = lc.assoc.duplicate_window_s;
  lc.min_stations_without_onset = lc.assoc.min_stations_without_onset;
  lc.picking = post::PickingParams::from_config(c.section("picking"));
  auto& loc = c.section("location");
  lc.location = catalog::LocationParams::from_config(loc);
  if (const auto& f = lc.location.stations_file) {
    lc.stations_file = std::filesystem::path(*f).is_absolute() ? std::filesystem::path(*f) : c.base_dir() / *f;
    if (!std::filesystem::exists(lc.stations_file))
      loc.fail("stations_file", "file " + lc.stations_file.string() + " does not exist");
  } else if (lc.location.enabled) {
    loc.fail("enabled", "location needs station coordinates: set location.stations_file "
                        "(stations.csv or StationXML)");
  }
  lc.match = match::MatchParams::from_config(c.section("match"), n_stations);
  lc.exp = catalog::ExportParams::from_config(c.section("export"));

  // Cross-stage checks: the fingerprint stage reads what preprocess writes.
  if (lc.pre.target_rate > 0 && std::abs(lc.pre.target_rate - lc.fp.sampling_rate) > 1e-9)
    fps.fail("sampling_rate", "must equal preprocess.target_rate (" +
                                  std::to_string(lc.pre.target_rate) + " Hz), the rate of the "
                                  "waveforms the fingerprint stage reads");
  if (lc.fp.max_freq > 0.5 * lc.fp.sampling_rate)
    fps.fail("max_freq", "is above the Nyquist frequency of sampling_rate");
  // The min_stations default never exceeds the station list (from_config);
  // a value the user set that no detection could reach is refused up front,
  // in every stage, rather than after hours of preprocessing.
  if (as.has("min_stations") && lc.assoc.nsta_thresh > n_stations)
    as.fail("min_stations", "is " + std::to_string(lc.assoc.nsta_thresh) + " but the config lists only " +
                                std::to_string(n_stations) + " station(s); set it to " +
                                std::to_string(std::max(1, n_stations)) + " or fewer");
  read_slurm_settings(c);  // [slurm], [slurm.<stage>]: validated here, used by submit
  c.reject_unknown();
  return lc;
}

// The hash chain is the stage registry's (app/stage_registry.cpp): one list
// of sections per stage.
std::string LoadedConfig::preprocess_hash() const { return stage_params_hash(stage_info("preprocess"), cfg); }
std::string LoadedConfig::fingerprint_hash() const { return stage_params_hash(stage_info("fingerprint"), cfg); }
std::string LoadedConfig::search_hash() const { return stage_params_hash(stage_info("search"), cfg); }
std::string LoadedConfig::associate_hash() const { return stage_params_hash(stage_info("associate"), cfg); }

}  // namespace qp::app
