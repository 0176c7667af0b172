// The fingerprint stage: waveform units -> per (channel, chunk) packed binary
// fingerprints with absolute times, standardised by per-channel median/MAD
// statistics that are computed once and then kept (docs/run-store.md).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "fingerprint/binarize.hpp"
#include "fingerprint/fingerprinter.hpp"
#include "fingerprint/fp_io.hpp"
#include "fingerprint/mad.hpp"
#include "app/commands.hpp"
#include "app/loaded_config.hpp"
#include "app/stage_common.hpp"
#include "app/unit_runner.hpp"
#include "runstore/fingerprint_unit.hpp"
#include "pipeline/log.hpp"

namespace qp::app {
namespace fs = std::filesystem;

namespace {

std::string substitute(std::string pattern, const ChannelId& ch) {
  const std::pair<const char*, std::string> keys[] = {{"{seed_id}", ch.seed_id()},
                                                      {"{network}", ch.network},
                                                      {"{station}", ch.station},
                                                      {"{location}", ch.location},
                                                      {"{channel}", ch.channel}};
  for (const auto& [k, v] : keys)
    for (auto pos = pattern.find(k); pos != std::string::npos; pos = pattern.find(k))
      pattern.replace(pos, std::string(k).size(), v);
  return pattern;
}

}  // namespace

fs::path fingerprint_mad_path(const RunStore& store, const std::string& sid) {
  return store.stage_dir("fingerprint") / sid / "mad.h5";
}

int cmd_fingerprint(const FingerprintOptions& o, MpiContext& mpi) {
  const auto t0 = std::chrono::steady_clock::now();
  LoadedConfig lc = load_config(o.config);
  StageSetup setup = begin_stage(lc, mpi, "fingerprint", o);
  const RunStore& store = setup.store;
  const fp::FingerprintParams& p = lc.fp;
  const TimeNs chunk = static_cast<TimeNs>(lc.cfg.run().chunk_days) * kNsPerDay;
  const std::string params_hash = lc.fingerprint_hash();
  const std::string param_text = lc.cfg.hash_of({"fingerprint"}) + "\n" + [&] {
    std::string s;
    for (const auto& kv : lc.cfg.section("fingerprint").effective()) s += kv.first + " = " + kv.second + "\n";
    return s;
  }();
  const auto channels = lc.cfg.channels();

  // 1. Median/MAD statistics, once per channel (kept when days are added).
  std::vector<UnitJob> mad_jobs;
  for (const auto& ch : channels) {
    const std::string sid = ch.seed_id();
    const auto units = waveform_units(store, sid);
    if (units.empty()) continue;
    UnitJob job;
    job.name = sid + "/mad";
    job.output = fingerprint_mad_path(store, sid);
    std::string source = p.mad_file ? "file " + substitute(*p.mad_file, ch) : "sampled";
    job.params_hash = params_hash;
    // The statistics' identity: parameters and source only, not the data
    // span, so that adding days reuses them (existing fingerprints stay).
    // Over an incomplete record (--allow-partial) they are provisional: a
    // different identity, so the complete record recomputes them.
    job.inputs_hash = hash_hex(source + (setup.upstream_complete ? "" : "\nprovisional: partial preprocess"));
    const Provenance prov{"fingerprint", job.name, lc.cfg.hash(), params_hash, job.inputs_hash, {source}};
    job.run = [&, sid, ch, units, prov, out = job.output]() {
      fp::MadStats stats;
      std::string note;
      if (p.mad_file) {
        const fs::path f = fs::path(substitute(*p.mad_file, ch)).is_absolute()
                               ? fs::path(substitute(*p.mad_file, ch))
                               : lc.cfg.base_dir() / substitute(*p.mad_file, ch);
        stats = fp::read_mad_file(f, p.M());
        note = "read from " + f.string();
      } else {
        const fp::Fingerprinter fper(p);
        const TimeNs data_begin = units.begin()->first;
        const TimeNs data_end = std::prev(units.end())->first + chunk;
        const std::uint64_t seed = lc.cfg.run().seed ^ std::stoull(hash_hex(sid), nullptr, 16);
        fp::CoefficientBlock sample;
        sample.M = p.M();
        // The sample is held in memory (8*M bytes per vector, as FAST does):
        // beyond kMadSampleBytes keep an evenly spread, deterministic subset
        // of the windows, so memory does not grow with the archive's length.
        constexpr double kMadSampleBytes = 192.0 * 1024 * 1024;
        auto windows = fp::mad_sample_windows(data_begin, data_end, p, seed);
        double span_ns = 0;
        for (const auto& [wb, we] : windows) span_ns += static_cast<double>(we - wb);
        const double vectors = span_ns / static_cast<double>(p.dt_fp_ns());
        const double bytes = vectors * 8.0 * static_cast<double>(p.M());
        if (bytes > kMadSampleBytes) {
          const auto stride = static_cast<std::size_t>(std::ceil(bytes / kMadSampleBytes));
          std::vector<std::pair<TimeNs, TimeNs>> kept;
          for (std::size_t w = 0; w < windows.size(); w += stride) kept.push_back(windows[w]);
          spdlog::info("{}: median/MAD from {} of {} sample windows (memory cap)", sid, kept.size(),
                       windows.size());
          windows.swap(kept);
        }
        for (const auto& [wb, we] : windows) {
          const ChannelWaveform w = load_span(units, wb, we + p.window_span_ns(), chunk);
          if (w.samples.empty()) continue;
          sample.append(fper.coefficients(w.samples.data(), w.mask.data(), w.samples.size(), w.start, wb, we));
        }
        if (sample.size() == 0)
          throw InputError(sid, "no complete fingerprint window in the data: too short or all gaps "
                                "for the median/MAD statistics");
        stats = fp::compute_mad_stats(sample);
        note = std::to_string(sample.size()) + " sampled coefficient vectors";
      }
      store.write_h5(out, prov, [&](h5::File& f) { runstore::write_mad_unit(f, {sid, note, stats.median, stats.mad}); });
      return note;
    };
    mad_jobs.push_back(std::move(job));
  }
  run_units(mpi, store, "fingerprint-mad", mad_jobs, o.refresh_mad);

  // 2. Fingerprint units, one per waveform unit.
  std::vector<UnitJob> jobs;
  std::size_t total_fp_channels = 0;
  for (const auto& ch : channels) {
    const std::string sid = ch.seed_id();
    const auto units = waveform_units(store, sid);
    if (units.empty()) {
      if (mpi.root()) spdlog::warn("{}: no preprocessed data; no fingerprints", sid);
      continue;
    }
    ++total_fp_channels;
    const fs::path mad_path = fingerprint_mad_path(store, sid);
    const std::string mad_hash = h5::File::open_read(mad_path).attr_string("inputs_hash") + "/" +
                                 hash_file(mad_path);
    for (const auto& [c, path] : units) {
      std::vector<std::string> inputs;
      for (TimeNs n : {c - chunk, c, c + chunk})
        if (auto it = units.find(n); it != units.end())
          inputs.push_back(store.relative(it->second) + " " + unit_inputs_hash(it->second));
      inputs.push_back(store.relative(mad_path) + " " + mad_hash);
      UnitJob job;
      job.name = sid + "/" + day_tag(c);
      job.output = store.unit_path("fingerprint", sid, day_tag(c));
      job.inputs_hash = combine_hashes(inputs);
      job.params_hash = params_hash;
      const Provenance prov{"fingerprint", job.name, lc.cfg.hash(), params_hash, job.inputs_hash, inputs};
      job.run = [&, sid, units = units, c = c, mad_path, prov, out = job.output]() {
        const ChannelWaveform w = load_span(units, c, c + chunk + p.window_span_ns(), chunk);
        fp::MadStats stats;
        {
          runstore::MadUnit mu = runstore::read_mad_unit(mad_path);
          stats.median = std::move(mu.median);
          stats.mad = std::move(mu.mad);
        }
        const fp::Fingerprinter fper(p);
        fp::FingerprintBlock block;
        block.words = p.words64();
        // An hour of images at a time: memory stays bounded whatever the
        // chunk length (coefficients take 8*M bytes per image).
        constexpr TimeNs kStep = 3600 * kNsPerSecond;
        if (!w.samples.empty())
          for (TimeNs b = std::max(c, floor_to(w.start, kStep)); b < std::min(c + chunk, w.end()); b += kStep) {
            const fp::CoefficientBlock coefs = fper.coefficients(
                w.samples.data(), w.mask.data(), w.samples.size(), w.start, b, std::min(b + kStep, c + chunk));
            block.append(fp::binarize(coefs, stats, p.k_coef,
                                      p.mode == fp::FrameMode::kFast ? fp::TieOrder::kNumpy
                                                                     : fp::TieOrder::kHighestIndex));
          }
        store.write_h5(out, prov, [&](h5::File& f) {
          runstore::write_fingerprint_unit(
              f, {sid, param_text, p.bits(), p.words64(), p.dt_fp_ns(), std::move(block.bits), block.times});
        });
        if (block.size() == 0 && mpi.root())
          spdlog::warn("{} {}: too short (or all gaps) for one fingerprint", sid, day_tag(c));
        return std::to_string(block.size()) + " fingerprints";
      };
      jobs.push_back(std::move(job));
    }
  }
  const UnitSummary s = run_units(mpi, store, "fingerprint", jobs, o.force || o.refresh_mad, channel_ids(lc));

  // Optional export of one channel in FAST's packed format.
  if (!o.export_fast_channel.empty() && mpi.root()) {
    const std::string sid = o.export_fast_channel;
    fp::FingerprintBlock all;
    all.words = p.words64();
    const std::vector<fs::path> files = store.unit_files("fingerprint", sid);
    if (files.empty()) throw InputError((store.stage_dir("fingerprint") / sid).string(), "no fingerprints for " + sid);
    for (const auto& f : files) {
      runstore::FingerprintUnit u = runstore::read_fingerprint_unit(f, runstore::BitOrder::kMsbFirst);
      fp::FingerprintBlock b;
      b.words = p.words64();
      b.bits = std::move(u.bits);
      b.times = std::move(u.times);
      all.append(b);
    }
    const fs::path out = o.export_fast_dir.empty() ? store.dir() / "export-fast" : o.export_fast_dir;
    fs::create_directories(out);
    fp::write_fast_fp(out / (sid + ".fp"), all, p.bits());
    fp::write_fast_ts(out / (sid + ".ts"), all.times);
    spdlog::info("exported {} fingerprints of {} to {}", all.size(), sid, out.string());
  }

  if (mpi.root()) {
    std::int64_t n = 0;
    for (const auto& r : s.records)
      if (r.state == "done") n += std::atoll(r.note.c_str());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("fingerprint done: {} channels, {} units ({} computed, {} up to date), {} new "
                 "fingerprints, {:.1f} s ({:.0f} fingerprints/s over {} rank(s))",
                 total_fp_channels, jobs.size(), s.ran, s.reused, n, secs,
                 secs > 0 ? static_cast<double>(n) / secs : 0.0, mpi.size());
  }
  return 0;
}

}  // namespace qp::app
