// Options of the commands around the stages (synth, evaluate, import-fast, demo).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/mpi_context.hpp"
#include "postprocess/catalog/evaluate.hpp"

namespace qp::app {

struct SynthOptions {
  std::filesystem::path config;  // optional TOML file with a [synth] section
  std::filesystem::path out = "synth-data";
  std::optional<std::uint64_t> seed;
  std::optional<double> duration_s;
  std::optional<int> stations, families;
  std::filesystem::path noise_file, repeater_file;
};

struct EvaluateCommandOptions {
  std::filesystem::path detections, detection_picks, reference, reference_picks, out;
  double tolerance_s = 2.0;
  std::string match = "arrival";  // arrival | origin
  bool family_partner_only = false;
  double min_snr = 3.0;       // with min_snr_stations > 0 only
  int min_snr_stations = 0;
  double max_snr = 0;         // > 0: the band [min_snr, max_snr) (weak events)
};

struct ImportFastOptions {
  std::vector<std::filesystem::path> fingerprint_json;
  std::filesystem::path search_json, network_json, out;
};

struct ReportOptions {
  std::filesystem::path config;
  std::filesystem::path out;  // default <run>/report
  int top_events = 20;        // record sections for this many events (highest score)
  int top_families = 10;      // overlays for this many families (most members)
};

struct CompareFingerprintsOptions {
  std::filesystem::path ours, fast, out;  // X.fp with X.ts next to it
  double jaccard_min = 0.9;
  double tolerance_ms = 1.0;
};

int cmd_synth(const SynthOptions& o, MpiContext& mpi);
int cmd_evaluate(const EvaluateCommandOptions& o, MpiContext& mpi);
catalog::EvaluationResult run_evaluation(const EvaluateCommandOptions& o, bool print);
int cmd_import_fast(const ImportFastOptions& o, MpiContext& mpi);
/// Writes an offline HTML report of the run (scripts/report/quakeprint_report.py).
int cmd_report(const ReportOptions& o, MpiContext& mpi);
/// Prints (and with o.out writes) the parity of two .fp/.ts pairs.
int cmd_compare_fingerprints(const CompareFingerprintsOptions& o, MpiContext& mpi);
int cmd_demo(const std::filesystem::path& dir, MpiContext& mpi);
/// The stage parameters the demo config uses.
std::string demo_parameters();

}  // namespace qp::app
