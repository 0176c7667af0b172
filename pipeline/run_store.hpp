// The run store: the run directory's layout, provenance on every output,
// and the unit manifest that says which units are done and from what.
//
//   <run>/manifest/run.toml            run id and creation time (written once)
//   <run>/manifest/<stage>.tsv         one line per unit: state and hashes
//   <run>/<stage>/<SEED id>/<chunk>.h5 per-unit HDF5 outputs (docs/run-store.md)
//
// A unit is done when its output exists (outputs are renamed into place only
// when complete) and carries the expected inputs and parameters hashes.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/hdf5_file.hpp"
#include "pipeline/time.hpp"

namespace qp {

/// What an output was made from; written as attributes on its root group.
struct Provenance {
  std::string stage;
  std::string unit;
  std::string config_hash;   // whole effective config
  std::string params_hash;   // the sections this stage depends on
  std::string inputs_hash;   // hash over the input files' hashes
  std::vector<std::string> inputs;  // "path xxh64" per input
};

/// One unit's line in the manifest.
struct UnitRecord {
  std::string unit;         // e.g. "Z7.LIND..HHZ/2014-08-24"
  std::string state;        // done | reused | empty | failed | skipped
  std::string inputs_hash;
  std::string params_hash;
  int rank = 0;
  double seconds = 0;
  std::string output;       // path relative to the run directory
  std::string note;         // why skipped/failed, counts

  std::string to_line() const;
  static UnitRecord from_line(const std::string& line);
};

class RunStore {
 public:
  explicit RunStore(const Config& cfg);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path stage_dir(const std::string& stage) const { return dir_ / stage; }
  /// <run>/<stage>/<seed_id>/<tag>.h5
  std::filesystem::path unit_path(const std::string& stage, const std::string& seed_id,
                                  const std::string& tag) const;
  std::string relative(const std::filesystem::path& p) const;

  /// Creates the run directory and manifest/run.toml on first use; returns
  /// the run's creation time (ISO 8601), the timestamp outputs carry, so a
  /// rerun writes identical files.
  std::string ensure_run_manifest(const std::string& config_hash) const;
  std::string run_created() const;

  /// Writes an HDF5 output atomically with provenance attributes.
  void write_h5(const std::filesystem::path& path, const Provenance& prov,
                const std::function<void(h5::File&)>& fill) const;

  /// True when `path` exists with the given hashes and is of its kind's
  /// current format (a finished, current unit; pipeline/unit_format.hpp).
  bool is_current(const std::filesystem::path& path, const std::string& inputs_hash,
                  const std::string& params_hash) const;

  /// The unit files of one channel of a stage, sorted: <run>/<stage>/<seed_id>/
  /// <day>.h5, named after their chunk's first day (temporaries and the
  /// stage's other files, such as fingerprint/<id>/mad.h5, are not units).
  std::vector<std::filesystem::path> unit_files(const std::string& stage, const std::string& seed_id) const;

  /// Manifest of a stage: read (empty if absent) and written atomically.
  std::vector<UnitRecord> read_manifest(const std::string& stage) const;
  void write_manifest(const std::string& stage, std::vector<UnitRecord> records) const;
  /// Writes `records` and keeps the manifest's records of units not among
  /// them (other channels, earlier days).
  void merge_manifest(const std::string& stage, const std::vector<UnitRecord>& records) const;

 private:
  std::filesystem::path dir_;
};

/// Writes the provenance attributes (version, git commit, hashes, inputs).
void stamp_provenance(h5::Group& root, const Provenance& prov, const std::string& run_created);

/// Hash over a list of strings (order matters).
std::string combine_hashes(const std::vector<std::string>& parts);

/// "2014-08-24" for the UTC day holding t.
std::string day_tag(TimeNs t);

}  // namespace qp
