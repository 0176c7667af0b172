// The fingerprint stage: waveform units -> per (channel, chunk) packed binary
// fingerprints with absolute times, standardised by per-channel median/MAD
// statistics that are computed once and then kept (docs/run-store.md).
#include <algorithm>  // first: it defines __GLIBC__ where glibc is the C library
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <omp.h>

#include "fingerprint/binarize.hpp"
#include "fingerprint/fingerprinter.hpp"
#include "fingerprint/fp_io.hpp"
#include "fingerprint/mad.hpp"
#include "app/commands.hpp"
#include "app/loaded_config.hpp"
#include "app/stage_common.hpp"
#include "app/unit_runner.hpp"
#include "app/waveform_cache.hpp"
#include "pipeline/log.hpp"
#include "preprocess/heap_reuse.hpp"
#include "runstore/fingerprint_unit.hpp"

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

namespace {

using Units = std::map<TimeNs, fs::path>;

// The stage's jobs may run on several threads (run_units): HDF5 calls hold
// hdf5_mutex() (the library is not built thread-safe).
ChannelWaveform locked_load_span(const Units& units, TimeNs begin, TimeNs end, TimeNs chunk) {
  const std::lock_guard<std::mutex> lock(hdf5_mutex());
  return load_span(units, begin, end, chunk);
}

// The channel's samples in [begin, end) only, read as windows of its units
// (WaveformCache), where load_span reads whole units: a unit's images need
// the next unit's first seconds, not its day, and an hour of the median/MAD
// sample not its days. Quakeprint images lie on an absolute grid, so they do
// not depend on where the buffer starts or ends beyond their own samples
// (FAST's frames count from a run's start: its median/MAD windows keep
// load_span). Memory per job: a day less, and no copies of two days.
ChannelWaveform read_window(const RunStore& store, const std::string& sid, TimeNs begin, TimeNs end,
                            TimeNs chunk) {
  const std::lock_guard<std::mutex> lock(hdf5_mutex());
  WaveformCache cache(store, chunk);
  return cache.span(sid, begin, end);
}

// Gives the heap's free pages back to the system (glibc; elsewhere nothing).
// Units side by side on the threads free and allocate their day-sized
// buffers (samples, fingerprints, the HDF5 file image, grown by realloc) in
// an order that depends on the threads' timing, so the holes they leave do
// not always fit the next unit's blocks and the heap (kept whole by
// HeapReuse) grows with the number of units: peak RSS 148 -> 171 MB from 1 to
// 28 days on 2 threads while the live heap stayed 87 MB (heaptrack), and one
// arena for both threads (MALLOC_ARENA_MAX=1) did not help. Given back after
// each unit (and each median/MAD slice), the holes cost RSS no more; pages
// reused are zeroed again (system time 4.2 -> 6.1 s of ~57 s CPU at 28 days).
void release_free_pages() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// The median/MAD sample is computed an hour at a time: coefficients take
// 8*M bytes each, so memory stays bounded whatever the span.
constexpr TimeNs kBlock = 3600 * kNsPerSecond;

// A unit's images are computed 5 minutes at a time, each binarised as soon as
// its coefficients exist (Fingerprinter::fingerprints): a block's spectrogram
// columns stay small and in the cache. Same images whatever the block.
constexpr TimeNs kImageBlock = 300 * kNsPerSecond;

// The median/MAD sample is held in memory (8*M bytes per vector, as FAST
// does): beyond this, an evenly spread, deterministic subset of it is kept,
// so memory does not grow with the archive's length.
constexpr double kMadSampleBytes = 192.0 * 1024 * 1024;

// The sample is held a slice of its columns at a time, each slice at most
// this many bytes: a slice needs its own pass over the sampled windows
// (coefficients computed again), but memory stays about flat whatever the
// record's length. "quakeprint" mode holds float32 values (its coefficients
// are float32 precision), FAST mode doubles.
constexpr double kMadSliceBytes = 40.0 * 1024 * 1024;

// Columns [first, first + width) of the sample's rows, row-major.
template <class T>
struct SampleSlice {
  std::size_t first = 0, width = 0, rows = 0;
  std::vector<T> values;
  void append(const fp::CoefficientBlock& b) {
    values.resize((rows + b.size()) * width);
    for (std::size_t i = 0; i < b.size(); ++i) {
      const double* src = b.row(i) + first;
      T* dst = values.data() + (rows + i) * width;
      for (std::size_t c = 0; c < width; ++c) dst[c] = static_cast<T>(src[c]);
    }
    rows += b.size();
  }
};

// Keeps the sample's blocks whose number is a multiple of `stride`, in place.
template <class T>
void thin_sample(SampleSlice<T>& sample, std::vector<std::pair<std::size_t, std::size_t>>& block_rows,
                 std::size_t stride) {
  const std::size_t W = sample.width;
  std::size_t out = 0;
  std::vector<std::pair<std::size_t, std::size_t>> kept;
  for (std::size_t k = 0; k < block_rows.size(); ++k) {
    const std::size_t first = block_rows[k].second;
    const std::size_t last = k + 1 < block_rows.size() ? block_rows[k + 1].second : sample.rows;
    if (block_rows[k].first % stride != 0) continue;
    kept.emplace_back(block_rows[k].first, out);
    std::copy(sample.values.begin() + static_cast<std::ptrdiff_t>(first * W),
              sample.values.begin() + static_cast<std::ptrdiff_t>(last * W),
              sample.values.begin() + static_cast<std::ptrdiff_t>(out * W));
    out += last - first;
  }
  sample.values.resize(out * W);
  sample.rows = out;
  block_rows.swap(kept);
}

// Median/MAD statistics from the sampled windows of one channel's record,
// a slice of columns per pass. The first pass settles which blocks the
// memory cap keeps (the stride); later passes compute only those, so every
// slice sees the same rows and the statistics are those of the whole sample.
template <class T>
fp::MadStats sampled_stats_by_slices(const RunStore& store, const fp::FingerprintParams& p, const std::string& sid,
                                     const Units& units, TimeNs chunk,
                                     const std::vector<std::pair<TimeNs, TimeNs>>& windows, double sample_bytes,
                                     std::string& note) {
  const fp::Fingerprinter fper(p);
  const std::size_t M = p.M();
  const bool by_block = p.mode != fp::FrameMode::kFast;
  const std::size_t slices = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::ceil(sample_bytes * sizeof(T) / 8.0 / kMadSliceBytes)), 1, M);
  fp::MadStats stats;
  stats.median.assign(M, 0.0);
  stats.mad.assign(M, 0.0);
  std::size_t stride = 1, rows = 0;
  for (std::size_t slice = 0; slice < slices; ++slice) {
    if (slice > 0) release_free_pages();  // the last slice's sample and blocks
    SampleSlice<T> sample;
    sample.first = slice * M / slices;
    sample.width = (slice + 1) * M / slices - sample.first;
    // Room for the capped sample and one more block: it is not copied as it grows.
    const auto rows_held = static_cast<std::size_t>(sample_bytes / (8.0 * static_cast<double>(M))) +
                           static_cast<std::size_t>(kBlock / p.dt_fp_ns()) + 1;
    sample.values.reserve(rows_held * sample.width);
    std::vector<std::pair<std::size_t, std::size_t>> block_rows;  // (block number, first row)
    std::size_t number = 0;
    ChannelWaveform w;
    for (const auto& [wb, we] : windows) {
      if (!by_block) w = locked_load_span(units, wb, we + p.window_span_ns(), chunk);
      for (TimeNs b = wb; b < we; b += kBlock, ++number) {
        if (number % stride != 0) continue;
        const TimeNs e = std::min(b + kBlock, we);
        if (by_block) w = read_window(store, sid, b, e + p.window_span_ns(), chunk);
        if (w.samples.empty()) continue;
        block_rows.emplace_back(number, sample.rows);
        // Quakeprint images lie on an absolute grid: the same rows in
        // 5-minute pieces, whose coefficients stay small (FAST's frames
        // count from the window's start: whole blocks there).
        const TimeNs piece = by_block ? kImageBlock : e - b;
        for (TimeNs pb = b; pb < e; pb += piece)
          sample.append(fper.coefficients(w.samples.data(), w.mask.data(), w.samples.size(), w.start, pb,
                                          std::min(pb + piece, e)));
        // The cap counts the whole rows in doubles, as it always has.
        while (8.0 * static_cast<double>(sample.rows * M) > kMadSampleBytes && block_rows.size() > 1) {
          stride *= 2;
          thin_sample(sample, block_rows, stride);
        }
      }
    }
    if (sample.rows == 0)
      throw InputError(sid, "no complete fingerprint window in the data: too short or all gaps "
                            "for the median/MAD statistics");
    rows = sample.rows;
    const fp::MadStats part = fp::compute_mad_stats(sample.values.data(), sample.rows, sample.width);
    std::copy(part.median.begin(), part.median.end(), stats.median.begin() + static_cast<std::ptrdiff_t>(sample.first));
    std::copy(part.mad.begin(), part.mad.end(), stats.mad.begin() + static_cast<std::ptrdiff_t>(sample.first));
  }
  if (stride > 1) spdlog::info("{}: median/MAD from every {}. hour of the sample (memory cap)", sid, stride);
  note = std::to_string(rows) + " sampled coefficient vectors";
  return stats;
}

// Median/MAD statistics from the sampled windows of one channel's record.
fp::MadStats sampled_mad_stats(const RunStore& store, const LoadedConfig& lc, const std::string& sid,
                               const Units& units, TimeNs chunk, std::string& note) {
  const fp::FingerprintParams& p = lc.fp;
  const std::uint64_t seed = lc.cfg.run().seed ^ std::stoull(hash_hex(sid), nullptr, 16);
  auto windows = fp::mad_sample_windows(units.begin()->first, std::prev(units.end())->first + chunk, p, seed);
  const double bytes_per_ns = 8.0 * static_cast<double>(p.M()) / static_cast<double>(p.dt_fp_ns());
  double span_ns = 0;
  for (const auto& [wb, we] : windows) span_ns += static_cast<double>(we - wb);
  if (windows.size() > 1 && span_ns * bytes_per_ns > kMadSampleBytes) {
    const auto stride = static_cast<std::size_t>(std::ceil(span_ns * bytes_per_ns / kMadSampleBytes));
    std::vector<std::pair<TimeNs, TimeNs>> kept;
    for (std::size_t w = 0; w < windows.size(); w += stride) kept.push_back(windows[w]);
    spdlog::info("{}: median/MAD from {} of {} sample windows (memory cap)", sid, kept.size(), windows.size());
    windows.swap(kept);
    span_ns = 0;
    for (const auto& [wb, we] : windows) span_ns += static_cast<double>(we - wb);
  }
  // Quakeprint frames lie on an absolute time grid, so a window's images do
  // not depend on where the loaded span starts: load an hour at a time.
  // FAST frames count from the start of a run of samples: load whole windows.
  // Blocks are numbered across windows; while the sample outgrows the cap,
  // the stride doubles and only blocks whose number is a multiple of it stay
  // (deterministic: the kept set depends on the data only).
  const double sample_bytes = std::min(span_ns * bytes_per_ns, kMadSampleBytes);
  if (p.mode != fp::FrameMode::kFast)
    return sampled_stats_by_slices<float>(store, p, sid, units, chunk, windows, sample_bytes, note);
  return sampled_stats_by_slices<double>(store, p, sid, units, chunk, windows, sample_bytes, note);
}

// The job computing (or reading) one channel's median/MAD statistics.
UnitJob mad_job(const LoadedConfig& lc, const StageSetup& setup, const ChannelId& ch, const Units& units,
                TimeNs chunk) {
  const fp::FingerprintParams& p = lc.fp;
  const std::string sid = ch.seed_id();
  UnitJob job;
  job.name = sid + "/mad";
  job.output = fingerprint_mad_path(setup.store, sid);
  const std::string source = p.mad_file ? "file " + substitute(*p.mad_file, ch) : "sampled";
  job.params_hash = lc.fingerprint_hash();
  // The statistics' identity: parameters and source only, not the data
  // span, so that adding days reuses them (existing fingerprints stay).
  // Over an incomplete record (--allow-partial) they are provisional: a
  // different identity, so the complete record recomputes them.
  job.inputs_hash = hash_hex(source + (setup.upstream_complete ? "" : "\nprovisional: partial preprocess"));
  const Provenance prov{"fingerprint", job.name, lc.cfg.hash(), job.params_hash, job.inputs_hash, {source}};
  job.run = [&lc, &store = setup.store, sid, ch, units, chunk, prov, out = job.output]() {
    const fp::FingerprintParams& p = lc.fp;
    fp::MadStats stats;
    std::string note;
    if (p.mad_file) {
      const fs::path given = substitute(*p.mad_file, ch);
      const fs::path f = given.is_absolute() ? given : lc.cfg.base_dir() / given;
      stats = fp::read_mad_file(f, p.M());
      note = "read from " + f.string();
    } else {
      stats = sampled_mad_stats(store, lc, sid, units, chunk, note);
    }
    {
      const std::lock_guard<std::mutex> lock(hdf5_mutex());
      store.write_h5(out, prov, [&](h5::File& f) { runstore::write_mad_unit(f, {sid, note, stats.median, stats.mad}); });
    }
    release_free_pages();  // outside the HDF5 lock: the other threads' reads go on
    return note;
  };
  return job;
}

// One (channel, chunk) unit's fingerprints, a block of images at a time.
fp::FingerprintBlock unit_fingerprints(const RunStore& store, const fp::FingerprintParams& p, const std::string& sid,
                                       TimeNs c, TimeNs chunk, const fs::path& mad_path) {
  const ChannelWaveform w = read_window(store, sid, c, c + chunk + p.window_span_ns(), chunk);
  fp::MadStats stats;
  {
    const std::lock_guard<std::mutex> lock(hdf5_mutex());
    runstore::MadUnit mu = runstore::read_mad_unit(mad_path);
    stats.median = std::move(mu.median);
    stats.mad = std::move(mu.mad);
  }
  const fp::Fingerprinter fper(p);
  const fp::TieOrder ties = p.mode == fp::FrameMode::kFast ? fp::TieOrder::kNumpy : fp::TieOrder::kHighestIndex;
  const fp::Binarizer bin(stats, p.k_coef, ties);
  fp::FingerprintBlock block;
  block.words = p.words64();
  // A chunk's images at most: the block is not copied as it grows.
  const auto most = static_cast<std::size_t>(chunk / p.dt_fp_ns() + 1);
  block.bits.reserve(most * block.words);
  block.times.reserve(most);
  if (!w.samples.empty())
    for (TimeNs b = std::max(c, floor_to(w.start, kImageBlock)); b < std::min(c + chunk, w.end()); b += kImageBlock) {
      block.append(fper.fingerprints(w.samples.data(), w.mask.data(), w.samples.size(), w.start, b,
                                     std::min(b + kImageBlock, c + chunk), bin));
    }
  return block;
}

// The jobs of one channel's fingerprint units, one per waveform unit.
void add_unit_jobs(const LoadedConfig& lc, const StageSetup& setup, MpiContext& mpi, const std::string& sid,
                   const Units& units, TimeNs chunk, const std::string& param_text, std::vector<UnitJob>& jobs) {
  const RunStore& store = setup.store;
  const fp::FingerprintParams& p = lc.fp;
  const fs::path mad_path = fingerprint_mad_path(store, sid);
  const std::string mad_hash =
      h5::File::open_read(mad_path).attr_string("inputs_hash") + "/" + hash_file(mad_path);
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
    job.params_hash = lc.fingerprint_hash();
    const Provenance prov{"fingerprint", job.name, lc.cfg.hash(), job.params_hash, job.inputs_hash, inputs};
    job.run = [&p, &store, &mpi, &param_text, sid, c = c, chunk, mad_path, prov, out = job.output]() {
      std::size_t n = 0;
      {
        fp::FingerprintBlock block = unit_fingerprints(store, p, sid, c, chunk, mad_path);
        n = block.size();
        const std::lock_guard<std::mutex> lock(hdf5_mutex());
        store.write_h5(out, prov, [&](h5::File& f) {
          runstore::write_fingerprint_unit(
              f, {sid, param_text, p.bits(), p.words64(), p.dt_fp_ns(), std::move(block.bits), block.times});
        });
      }
      if (n == 0 && mpi.root()) spdlog::warn("{} {}: too short (or all gaps) for one fingerprint", sid, day_tag(c));
      release_free_pages();  // the unit's buffers are freed; outside the HDF5 lock
      return std::to_string(n) + " fingerprints";
    };
    jobs.push_back(std::move(job));
  }
}

// Writes one channel's fingerprints in FAST's packed format (.fp, .ts).
void export_fast_channel(const RunStore& store, const fp::FingerprintParams& p, const std::string& sid,
                         const fs::path& out_dir) {
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
  const fs::path out = out_dir.empty() ? store.dir() / "export-fast" : out_dir;
  fs::create_directories(out);
  fp::write_fast_fp(out / (sid + ".fp"), all, p.bits());
  fp::write_fast_ts(out / (sid + ".ts"), all.times);
  spdlog::info("exported {} fingerprints of {} to {}", all.size(), sid, out.string());
}

}  // namespace

int cmd_fingerprint(const FingerprintOptions& o, MpiContext& mpi) {
  const auto t0 = std::chrono::steady_clock::now();
  // Each unit reuses the memory of the one before (the samples, the
  // fingerprints, the median/MAD sample): not fresh pages for each.
  const pre::HeapReuse heap_reuse;
  LoadedConfig lc = load_config(o.config);
  StageSetup setup = begin_stage(lc, mpi, "fingerprint", o);
  const RunStore& store = setup.store;
  const TimeNs chunk = static_cast<TimeNs>(lc.cfg.run().chunk_days) * kNsPerDay;
  std::string param_text = lc.cfg.hash_of({"fingerprint"}) + "\n";
  for (const auto& kv : lc.cfg.section("fingerprint").effective()) param_text += kv.key + " = " + kv.value + "\n";

  // 1. Median/MAD statistics, once per channel (kept when days are added).
  std::vector<std::pair<ChannelId, Units>> with_data;
  std::vector<UnitJob> mad_jobs;
  for (const auto& ch : lc.cfg.channels()) {
    Units units = waveform_units(store, ch.seed_id());
    if (units.empty()) {
      if (mpi.root()) spdlog::warn("{}: no preprocessed data; no fingerprints", ch.seed_id());
      continue;
    }
    mad_jobs.push_back(mad_job(lc, setup, ch, units, chunk));
    with_data.emplace_back(ch, std::move(units));
  }
  run_units(mpi, store, "fingerprint-mad", mad_jobs, o.refresh_mad, {}, omp_get_max_threads());

  // 2. Fingerprint units, one per waveform unit.
  std::vector<UnitJob> jobs;
  for (const auto& [ch, units] : with_data)
    add_unit_jobs(lc, setup, mpi, ch.seed_id(), units, chunk, param_text, jobs);
  // Units side by side on the threads, each on one: reading and writing a
  // unit then overlap the other threads' images (a unit alone on all threads
  // left them waiting for its I/O). Same bytes whatever the threads.
  const UnitSummary s = run_units(mpi, store, "fingerprint", jobs, o.force || o.refresh_mad, channel_ids(lc),
                                  omp_get_max_threads());

  if (!o.export_fast_channel.empty() && mpi.root())
    export_fast_channel(store, lc.fp, o.export_fast_channel, o.export_fast_dir);

  if (mpi.root()) {
    std::int64_t n = 0;
    for (const auto& r : s.records)
      if (r.state == "done") n += std::atoll(r.note.c_str());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("fingerprint done: {} channels, {} units ({} computed, {} up to date), {} new "
                 "fingerprints, {:.1f} s ({:.0f} fingerprints/s over {} rank(s))",
                 with_data.size(), jobs.size(), s.ran, s.reused, n, secs,
                 secs > 0 ? static_cast<double>(n) / secs : 0.0, mpi.size());
  }
  return 0;
}

}  // namespace qp::app
