// The commands around the stages: synth (synthetic data with ground truth),
// evaluate (a catalog against a reference), import-fast (FAST parameter
// files -> config) and demo (synth + run + evaluate on a small network).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <toml.hpp>

#include "app/commands.hpp"
#include "app/loaded_config.hpp"
#include "app/tools.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/config.hpp"
#include "pipeline/log.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/evaluate.hpp"
#include "postprocess/catalog/fast_import.hpp"
#include "postprocess/catalog/reference_catalog.hpp"
#include "postprocess/catalog/stations.hpp"
#include "runstore/event_unit.hpp"
#include "synth/generate.hpp"
#include "synth/synth_params.hpp"

namespace qp::app {
namespace fs = std::filesystem;

synth::SynthParams read_synth_params(const SynthOptions& o) {
  toml::value root = toml::table{};
  if (!o.config.empty()) {
    std::ifstream in(o.config);
    if (!in) throw InputError(o.config.string(), "cannot open synth config");
    try {
      root = toml::parse(in, o.config.string());
    } catch (const toml::syntax_error& e) {
      throw ConfigError("(syntax)", e.what());
    }
  }
  const toml::value* table = nullptr;
  if (root.is_table() && root.as_table().count("synth")) table = &root.as_table().at("synth");
  ConfigSection s("synth", table);
  synth::SynthParams p = synth::SynthParams::from_config(s);
  s.reject_unknown_keys();
  if (o.seed) p.seed = *o.seed;
  if (o.duration_s) p.duration_s = *o.duration_s;
  if (o.stations) p.n_stations = *o.stations;
  if (o.families) p.n_families = *o.families;
  if (!o.noise_file.empty()) p.noise_file = o.noise_file.string();
  if (!o.repeater_file.empty()) p.repeater_file = o.repeater_file.string();
  p.validate();
  return p;
}

int cmd_synth(const SynthOptions& o, MpiContext& mpi) {
  if (!mpi.root()) return 0;  // one writer; generation is streamed and fast
  const synth::SynthParams p = read_synth_params(o);
  const auto s = synth::generate(p, o.out, [](double f) {
    static int last = -1;
    const int pct = static_cast<int>(f * 100);
    if (pct / 10 != last / 10) spdlog::info("synth {}%", pct);
    last = pct;
  });
  spdlog::info("synth done: {} channels, {} events in {} families, {} samples in {:.1f} s "
               "({:.1f} M samples/s), {} files in {}",
               s.n_channels, s.n_events, s.n_families, s.samples, s.elapsed_s,
               s.samples_per_second / 1e6, s.files.size(), o.out.string());
  return 0;
}

namespace {

std::string percent(double x) { return fmt::format("{:.3f}", x); }

void print_result(const catalog::EvaluationResult& r) {
  std::printf("detections %zu, reference events considered %zu, matched %zu\n", r.n_detections,
              r.n_reference_considered, r.n_matched_considered);
  std::printf("recall %s  precision %s  F1 %s\n", percent(r.recall).c_str(),
              percent(r.precision).c_str(), percent(r.f1).c_str());
  for (const auto& b : r.recall_by_snr)
    if (b.n_reference)
      std::printf("  SNR [%g, %g): recall %s (%zu/%zu)\n", b.lo, b.hi, percent(b.recall()).c_str(),
                  b.n_matched, b.n_reference);
  for (const auto& b : r.recall_by_magnitude)
    if (b.n_reference)
      std::printf("  M [%g, %g): recall %s (%zu/%zu)\n", b.lo, b.hi, percent(b.recall()).c_str(),
                  b.n_matched, b.n_reference);
}

}  // namespace

catalog::EvaluationResult run_evaluation(const EvaluateCommandOptions& o, bool print) {
  std::vector<catalog::Event> detections = catalog::read_catalog_csv(o.detections.string());
  if (!o.detection_picks.empty())
    catalog::attach_picks(detections, catalog::read_picks_csv(o.detection_picks.string()),
                          o.detection_picks.string());
  catalog::ReferenceCatalog ref = catalog::read_reference_catalog(o.reference.string());
  if (!o.reference_picks.empty()) catalog::read_reference_picks(o.reference_picks.string(), ref.events);
  catalog::EvaluateOptions opt;
  opt.tolerance_s = o.tolerance_s;
  opt.match_on = o.match == "origin" ? catalog::MatchOn::kOriginTime : catalog::MatchOn::kFirstArrival;
  opt.require_family_partner = o.family_partner_only;
  opt.min_snr = o.min_snr;
  opt.min_snr_stations = o.min_snr_stations;
  opt.max_snr = o.max_snr;
  opt.snr_bins = {0, 3, 5, 10, 20, 1e9};
  opt.magnitude_bins = {-2, 0, 0.5, 1, 1.5, 2, 2.5, 10};
  opt.validate();
  const auto r = catalog::evaluate(detections, ref.events, opt);
  // Pick accuracy needs picks on both sides.
  std::optional<catalog::PickAccuracy> acc;
  if (!o.detection_picks.empty() && !o.reference_picks.empty())
    acc = catalog::pick_accuracy(detections, ref.events, r);
  if (!o.out.empty()) {
    fs::create_directories(o.out);
    catalog::write_matches_csv((o.out / "matched.csv").string(), r, detections, ref.events, opt.match_on);
    catalog::write_unmatched_csv((o.out / "unmatched.csv").string(), r, detections, ref.events, opt.match_on);
    if (acc) catalog::write_pick_errors_csv((o.out / "pick_errors.csv").string(), *acc, detections, ref.events);
    catalog::write_evaluation_summary((o.out / "evaluation.txt").string(), r, opt, acc ? &*acc : nullptr);
  }
  if (print) {
    print_result(r);
    if (acc)
      std::printf("P picks of matched events: %zu compared, %zu within 1 s (%s), %zu within 0.5 s, "
                  "median |error| %.3f s\n",
                  acc->n, acc->within_1_s, percent(acc->fraction_within_1_s()).c_str(),
                  acc->within_0_5_s, acc->median_abs_s);
  }
  return r;
}

int cmd_evaluate(const EvaluateCommandOptions& o, MpiContext& mpi) {
  if (!mpi.root()) return 0;
  run_evaluation(o, true);
  return 0;
}

int cmd_import_fast(const ImportFastOptions& o, MpiContext& mpi) {
  if (!mpi.root()) return 0;
  std::vector<std::string> fp;
  for (const auto& f : o.fingerprint_json) fp.push_back(f.string());
  const std::string text =
      catalog::import_fast_parameters(fp, o.search_json.string(), o.network_json.string());
  if (o.out.empty()) {
    std::cout << text;
  } else {
    write_file_atomically(o.out, text);
    spdlog::info("wrote {}", o.out.string());
  }
  return 0;
}

int cmd_demo(const fs::path& dir, MpiContext& mpi) {
  const fs::path data = dir / "data";
  const fs::path config = dir / "demo.toml";
  std::string text;
  if (mpi.root()) {
    fs::create_directories(dir);
    SynthOptions so;
    so.out = data;
    if (!fs::exists(data / "truth_catalog.csv")) cmd_synth(so, mpi);
    // One [[stations]] entry per generated station.
    std::map<std::string, std::set<std::string>> comps;
    std::string network;
    for (const auto& s : catalog::read_stations_csv((data / "stations.csv").string())) {
      comps[s.station].insert(s.channel);
      network = s.network;
    }
    std::ostringstream ss;
    ss << "# quakeprint demo: synthetic network with known repeating earthquakes\n"
          "# (generated by 'quakeprint synth'; truth in data/truth_catalog.csv).\n"
          "[run]\ndirectory = \"run\"\nseed = 1\n\n";
    for (const auto& [sta, chans] : comps) {
      ss << "[[stations]]\nnetwork = \"" << network << "\"\nstation = \"" << sta << "\"\nchannels = [";
      bool first = true;
      for (const auto& c : chans) {
        ss << (first ? "" : ", ") << '"' << c << '"';
        first = false;
      }
      ss << "]\nfiles = [\"data/" << network << "." << sta << ".*.mseed\"]\n\n";
    }
    std::string params = demo_parameters();
    // The demo's threshold of two stations, where the data has only one.
    if (comps.size() < 2) {
      const auto at = params.find("nsta_thresh = 2");
      if (at != std::string::npos) params.replace(at, 15, "nsta_thresh = 1");
    }
    ss << params;
    text = ss.str();
    write_file_atomically(config, text);
  }
  mpi.barrier();
  PreprocessOptions ro;
  ro.config = config;
  cmd_run(ro, mpi);
  if (mpi.root()) {
    // The catalog of fingerprint similarity alone, as export writes it
    // without matching: the associated events with their own picks (in the
    // merged catalog, matching may have retimed some of them).
    const fs::path lsh_dir = dir / "run" / "catalog-lsh";
    {
      const LoadedConfig lc = load_config(config);
      std::vector<catalog::Event> lsh;
      for (auto& e : runstore::read_event_unit(dir / "run" / "associate" / "network.h5"))
        if (e.score >= lc.exp.min_score) lsh.push_back(std::move(e));
      fs::create_directories(lsh_dir);
      catalog::write_catalog_csv((lsh_dir / "catalog.csv").string(), lsh);
      catalog::write_picks_csv((lsh_dir / "picks.csv").string(), lsh);
    }
    EvaluateCommandOptions lo;
    lo.detections = lsh_dir / "catalog.csv";
    lo.detection_picks = lsh_dir / "picks.csv";
    lo.reference = data / "truth_catalog.csv";
    lo.reference_picks = data / "truth_picks.csv";
    lo.family_partner_only = true;
    lo.out = dir / "run" / "evaluation-lsh";
    const auto lsh_score = run_evaluation(lo, false);  // scores in run/evaluation-lsh
    EvaluateCommandOptions eo;
    eo.detections = dir / "run" / "catalog" / "catalog.csv";
    eo.detection_picks = dir / "run" / "catalog" / "picks.csv";
    eo.reference = data / "truth_catalog.csv";
    eo.reference_picks = data / "truth_picks.csv";
    eo.family_partner_only = true;
    eo.out = dir / "run" / "evaluation";
    std::printf("\nquakeprint demo\n  data:    %s\n  config:  %s\n  catalog: %s\n  QuakeML: %s\n"
                "  scores:  %s\n\nFingerprint similarity and matched filtering, against the ground truth "
                "(events with a family partner, first arrival within 2 s of the earliest true P arrival):\n",
                data.c_str(), config.c_str(), (dir / "run/catalog/catalog.csv").c_str(),
                (dir / "run/catalog/catalog.xml").c_str(), (dir / "run/evaluation").c_str());
    const auto both_score = run_evaluation(eo, true);
    std::printf("\n  %-28s %8s %10s\n  %-28s %8.3f %10.3f\n  %-28s %8.3f %10.3f\n", "events with a family partner",
                "recall", "precision", "fingerprints (LSH) alone", lsh_score.recall, lsh_score.precision,
                "LSH + matched filtering", both_score.recall, both_score.precision);
    // The acceptance subset: events also seen with SNR >= 3 at 3 stations.
    eo.min_snr = 3;
    eo.min_snr_stations = 3;
    eo.out = dir / "run" / "evaluation-snr3";
    std::printf("\nEvents with a family partner and pick SNR >= 3 at 3 or more stations (%s):\n",
                eo.out.c_str());
    run_evaluation(eo, true);
  }
  return 0;
}

}  // namespace qp::app
