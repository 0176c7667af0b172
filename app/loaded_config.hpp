// The config with every stage's parameters read and cross-checked: built
// once per command, before any work, so that a bad key stops the run at once.
#pragma once

#include <filesystem>

#include "fingerprint/params.hpp"
#include "lsh/params.hpp"
#include "match/match_params.hpp"
#include "pipeline/config.hpp"
#include "postprocess/association/association_params.hpp"
#include "postprocess/association/picking.hpp"
#include "postprocess/catalog/export_params.hpp"
#include "postprocess/catalog/location.hpp"
#include "preprocess/preprocess.hpp"

namespace qp::app {

struct LoadedConfig {
  Config cfg;
  pre::PreprocessParams pre;
  fp::FingerprintParams fp;
  lsh::SearchParams search;
  post::AssociationParams assoc;
  catalog::ExportParams exp;
  match::MatchParams match;
  /// Events whose arrivals agree within this at every shared station are one
  /// event ([associate] duplicate_window_s).
  double duplicate_window_s = 2.0;
  /// Events seen at fewer stations than this with no clear onset at any are
  /// not reported ([associate] min_stations_without_onset; 0 keeps them).
  int min_stations_without_onset = 3;
  post::PickingParams picking;  // [picking]
  catalog::LocationParams location;
  std::filesystem::path stations_file;  // [location] stations_file (CSV or StationXML)

  /// Hashes of the parameter sections each stage depends on (a change
  /// invalidates that stage and everything downstream).
  std::string preprocess_hash() const;
  std::string fingerprint_hash() const;
  std::string search_hash() const;
  std::string associate_hash() const;
};

LoadedConfig load_config(const std::filesystem::path& path);
/// The same for a config already parsed (configs/example.toml is made so).
LoadedConfig load_config(Config cfg);

}  // namespace qp::app
