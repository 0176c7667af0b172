// quakeprint: earthquake detection by similarity search (FAST), staged over
// MPI ranks. Usage: quakeprint <stage> CONFIG [options]; see --help.
#include <CLI/CLI.hpp>
#include <omp.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "app/commands.hpp"
#include "app/slurm_settings.hpp"
#include "app/tools.hpp"
#include "pipeline/error.hpp"
#include "pipeline/log.hpp"

namespace {

using namespace qp::app;

void add_common(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("CONFIG", o.config, "the run's TOML config file")->required();
  cmd->add_flag("-v,--verbose", o.verbose, "debug output from every rank");
  cmd->add_flag("--force", o.force,
                "recompute every unit of the stage, even those whose output is current");
  cmd->add_flag("--allow-partial", o.allow_partial,
                "go on although the previous stage is incomplete (missing or stale units); "
                "statistics computed from a partial record are recomputed once it is complete");
  cmd->add_option("--task-index", o.task_index,
                  "with --task-count N: run only units i with i % N == this (a Slurm array task's share; "
                  "preprocess, fingerprint, match)");
  cmd->add_option("--task-count", o.task_count, "number of array tasks sharing the stage's units (default 1)");
}

// Ranks sharing a node share its cores: unless OMP_NUM_THREADS says
// otherwise, give each rank its share (1 when oversubscribed, as in CI).
void share_cores_among_local_ranks() {
  if (std::getenv("OMP_NUM_THREADS")) return;
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  int local_size = 1;
  MPI_Comm_size(local, &local_size);
  MPI_Comm_free(&local);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (local_size > 1) omp_set_num_threads(std::max(1, cores / local_size));
}

// The tools beside the stages (synthetic data, scoring, FAST import,
// report, parity, demo): their options and their dispatch in one place.
struct ToolCommands {
  SynthOptions sy;
  EvaluateCommandOptions ev;
  ImportFastOptions im;
  ReportOptions rep;
  CompareFingerprintsOptions cf;
  std::filesystem::path demo_dir = "demo-run";
  bool demo_print_parameters = false;
  CLI::App *sy_cmd = nullptr, *ev_cmd = nullptr, *im_cmd = nullptr, *rep_cmd = nullptr, *cf_cmd = nullptr,
           *demo_cmd = nullptr;

  void add(CLI::App& app);
  /// The chosen tool's exit code, or -1 when no tool was chosen.
  int run(qp::MpiContext& mpi) const {
    if (*sy_cmd) return cmd_synth(sy, mpi);
    if (*ev_cmd) return cmd_evaluate(ev, mpi);
    if (*im_cmd) return cmd_import_fast(im, mpi);
    if (*cf_cmd) return cmd_compare_fingerprints(cf, mpi);
    if (*demo_cmd && demo_print_parameters) {
      if (mpi.root()) std::fputs(demo_parameters().c_str(), stdout);
      return 0;
    }
    if (*demo_cmd) return cmd_demo(demo_dir, mpi);
    if (*rep_cmd) return cmd_report(rep, mpi);
    return -1;
  }
};

void ToolCommands::add(CLI::App& app) {
  sy_cmd = app.add_subcommand("synth", "generate continuous multi-station data with known repeating earthquakes");
  sy_cmd->add_option("CONFIG", sy.config, "optional TOML file with a [synth] section (defaults otherwise)");
  sy_cmd->add_option("-o,--out", sy.out, "output folder (miniSEED day files, truth_catalog.csv, truth_picks.csv, stations.csv)");
  sy_cmd->add_option("--seed", sy.seed, "random seed (same seed, same files)");
  sy_cmd->add_option("--duration", sy.duration_s, "seconds of data");
  sy_cmd->add_option("--stations", sy.stations, "number of stations");
  sy_cmd->add_option("--families", sy.families, "number of families of repeating events");
  sy_cmd->add_option("--noise-file", sy.noise_file, "real noise (miniSEED) instead of coloured noise");
  sy_cmd->add_option("--repeater-file", sy.repeater_file, "real event waveform (miniSEED) as a family template");

  ev_cmd = app.add_subcommand("evaluate", "score a detection catalog against a reference catalog");
  ev_cmd->add_option("DETECTIONS", ev.detections, "catalog.csv of quakeprint")->required();
  ev_cmd->add_option("REFERENCE", ev.reference,
                     "reference catalog: quakeprint catalog.csv, synth truth_catalog.csv, or any CSV with a time column (time, origin_time, first_arrival, ...)")->required();
  ev_cmd->add_option("--picks", ev.detection_picks, "the detections' picks.csv");
  ev_cmd->add_option("--reference-picks", ev.reference_picks, "reference picks (earliest P per event is matched)");
  ev_cmd->add_option("--tolerance", ev.tolerance_s, "matching tolerance in seconds (default 2)");
  ev_cmd->add_option("--match", ev.match, "arrival (first arrival vs earliest P) or origin")
      ->check(CLI::IsMember({"arrival", "origin"}));
  ev_cmd->add_flag("--family-only", ev.family_partner_only,
                   "count only reference events with a family partner (synthetic truth)");
  ev_cmd->add_option("--min-snr-stations", ev.min_snr_stations,
                     "count only reference events whose picks reach --min-snr at this many stations or more");
  ev_cmd->add_option("--min-snr", ev.min_snr, "pick SNR for --min-snr-stations (default 3)");
  ev_cmd->add_option("--max-snr", ev.max_snr,
                     "with --min-snr-stations: only events that do not reach this SNR at that many stations "
                     "(the band [--min-snr, --max-snr): weak events)");
  ev_cmd->add_option("-o,--out", ev.out, "folder for matched.csv, unmatched.csv, evaluation.txt");

  im_cmd = app.add_subcommand("import-fast", "turn FAST parameter files into quakeprint config sections");
  im_cmd->add_option("--fingerprint", im.fingerprint_json, "FAST fp_input_*.json files")->required();
  im_cmd->add_option("--search", im.search_json, "FAST config.json (ntbl, nhash, nvote, repeat)")->required();
  im_cmd->add_option("--network", im.network_json, "FAST network_params.json")->required();
  im_cmd->add_option("-o,--out", im.out, "write the TOML here (default: standard output)");

  rep_cmd = app.add_subcommand("report", "offline HTML report of a run: summary, catalog plots, record "
                                               "sections, families, candidate pairs, fingerprints");
  rep_cmd->add_option("CONFIG", rep.config, "the run's TOML config file")->required();
  rep_cmd->add_option("-o,--out", rep.out, "report folder (default <run>/report)");
  rep_cmd->add_option("--top-events", rep.top_events, "record sections of this many events, highest score first");
  rep_cmd->add_option("--top-families", rep.top_families, "member overlays of this many families, largest first");

  cf_cmd = app.add_subcommand(
      "compare-fingerprints",
      "fingerprint parity with a FAST run: share of FAST's fingerprints with one of ours at the same "
      "time, bit-identical, and with Jaccard >= 0.9");
  cf_cmd->add_option("OURS", cf.ours, "our fingerprints in FAST's format (fingerprint --export-fast): X.fp, X.ts next to it")
      ->required();
  cf_cmd->add_option("FAST", cf.fast, "FAST's <STA>.<CHA>.fp, its .ts next to it")->required();
  cf_cmd->add_option("--jaccard", cf.jaccard_min, "Jaccard threshold (default 0.9)");
  cf_cmd->add_option("--tolerance-ms", cf.tolerance_ms, "same time within this many ms (default 1)");
  cf_cmd->add_option("-o,--out", cf.out, "also write the summary to this file");

  demo_cmd = app.add_subcommand("demo", "synthetic network -> every stage -> scores against the truth");
  demo_cmd->add_option("DIR", demo_dir, "working folder (default demo-run)");
  demo_cmd->add_flag("--print-parameters", demo_print_parameters,
                     "print the demo's processing parameters (configs/demo-parameters.toml) and stop");
}

}  // namespace

int main(int argc, char** argv) {
  // A write past the file-size limit (ulimit -f) then fails with EFBIG, like
  // a full disk, and becomes an error naming the file, instead of killing
  // the process with no message and a half-written temporary left behind.
  std::signal(SIGXFSZ, SIG_IGN);
  qp::MpiContext mpi(&argc, &argv);
  share_cores_among_local_ranks();
  CLI::App app{"quakeprint: finds earthquakes in continuous seismic recordings by similarity "
               "search (FAST: fingerprints, MinHash LSH, network association).\n"
               "Stages read and write HDF5 in the run directory; run them in order, or all "
               "at once with 'quakeprint run CONFIG'. Every stage runs under mpirun/srun."};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "print the version, git commit and library versions");

  CommonOptions config_opts;
  auto* config_cmd = app.add_subcommand("config", "print the effective config, every default filled in");
  add_common(config_cmd, config_opts);

  PreprocessOptions pre;
  auto* pre_cmd = app.add_subcommand(
      "preprocess", "miniSEED/SAC -> merged, masked, filtered, decimated waveforms");
  add_common(pre_cmd, pre);
  pre_cmd->add_flag("--skip-bad-files", pre.skip_bad_files,
                    "skip unreadable files (listed in the run report) instead of failing");

  FingerprintOptions fp;
  auto* fp_cmd = app.add_subcommand("fingerprint", "waveforms -> binary spectral fingerprints");
  add_common(fp_cmd, fp);
  fp_cmd->add_flag("--refresh-mad", fp.refresh_mad,
                   "recompute the median/MAD statistics (marks the channel's fingerprints stale)");
  fp_cmd->add_option("--export-fast", fp.export_fast_channel,
                     "write this channel's (SEED id) fingerprints in FAST's packed format");
  fp_cmd->add_option("--export-dir", fp.export_fast_dir, "folder for --export-fast (default: run/export-fast)");

  SearchOptions se;
  auto* se_cmd = app.add_subcommand("search", "fingerprints -> candidate pairs (MinHash LSH)");
  add_common(se_cmd, se);
  se_cmd->add_flag("--exact", se.exact, "all-pairs Jaccard (small inputs; an oracle for LSH)");
  se_cmd->add_option("--exact-threshold", se.exact_threshold, "Jaccard threshold of --exact");
  se_cmd->add_flag("--explain", se.explain,
                   "print the detection probability curve of the LSH parameters and exit");
  se_cmd->add_flag("--export-fast", se.export_fast, "also write pairs in FAST's text layout");

  CommonOptions as;
  auto* as_cmd = app.add_subcommand("associate", "candidate pairs -> network events, families, locations");
  add_common(as_cmd, as);

  CommonOptions ma;
  auto* ma_cmd = app.add_subcommand(
      "match", "network events as templates -> matched-filter detections ([match]; after associate)");
  add_common(ma_cmd, ma);

  ExportOptions ex;
  auto* ex_cmd = app.add_subcommand("export", "network events -> catalog.csv, picks.csv, QuakeML, NonLinLoc, hypoDD");
  add_common(ex_cmd, ex);
  ex_cmd->add_option("--min-score", ex.min_score, "keep events with at least this score");

  PreprocessOptions run;
  auto* run_cmd = app.add_subcommand("run", "every stage in order: preprocess, fingerprint, search, associate, match (when [match] enabled), export");
  add_common(run_cmd, run);
  run_cmd->add_flag("--skip-bad-files", run.skip_bad_files, "see preprocess --help");

  SubmitOptions sub;
  auto* sub_cmd = app.add_subcommand("submit", "every stage as a chain of Slurm jobs (sbatch), settings from [slurm]");
  add_common(sub_cmd, sub);
  sub_cmd->add_flag("--dry-run", sub.dry_run, "print the sbatch scripts and the dependency graph; submit nothing");

  CommonOptions st;
  auto* st_cmd = app.add_subcommand("status", "per stage and unit: done, failed, stale or pending; Slurm job states");
  add_common(st_cmd, st);

  ToolCommands tools;
  tools.add(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return mpi.root() ? app.exit(e) : (e.get_exit_code());
  }

  bool verbose = false;
  for (auto* o : {&config_opts, static_cast<CommonOptions*>(&pre), static_cast<CommonOptions*>(&fp),
                  static_cast<CommonOptions*>(&se), &as, &ma, static_cast<CommonOptions*>(&ex),
                  static_cast<CommonOptions*>(&run), static_cast<CommonOptions*>(&sub), &st})
    verbose = verbose || o->verbose;
  qp::setup_logging(mpi.rank(), verbose);

  try {
    if (version) {
      print_version(mpi);
      return 0;
    }
    if (*config_cmd) return cmd_config(config_opts);
    if (*pre_cmd) return cmd_preprocess(pre, mpi);
    if (*fp_cmd) return cmd_fingerprint(fp, mpi);
    if (*se_cmd) return cmd_search(se, mpi);
    if (*as_cmd) return cmd_associate(as, mpi);
    if (*ma_cmd) return cmd_match(ma, mpi);
    if (*ex_cmd) return cmd_export(ex, mpi);
    if (*run_cmd) return cmd_run(run, mpi);
    if (*sub_cmd) return cmd_submit(sub, mpi);
    if (*st_cmd) return cmd_status(st, mpi);
    if (const int rc = tools.run(mpi); rc >= 0) return rc;
    if (mpi.root()) std::cout << app.help();
    return 0;
  } catch (const qp::ConfigError& e) {
    // Every rank reads the same config, so every rank fails the same way.
    if (mpi.root()) std::fprintf(stderr, "quakeprint: config error: %s\n", e.what());
    return 2;
  } catch (const qp::CollectiveError& e) {
    if (mpi.root()) std::fprintf(stderr, "quakeprint: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quakeprint: error on rank %d: %s\n", mpi.rank(), e.what());
    if (mpi.size() > 1) MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
}
